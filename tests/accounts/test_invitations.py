"""Managers invite stylists and managers to their stores by an emailed link."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import Invitation, User
from app.core.types import utcnow
from app.store.models import StaffProfile, StoreManager
from tests.conftest import link_in, read_outbox
from tests.factories import (
    api_headers,
    csrf_of,
    login,
    make_customer,
    make_manager,
    make_store,
    make_user,
)

JOIN = {
    "family_name": "田中",
    "given_name": "愛子",
    "family_name_kana": "タナカ",
    "given_name_kana": "アイコ",
    "password": "shibuya-eight-years",
}


async def _invite(client: httpx.AsyncClient, **fields: object) -> httpx.Response:
    token = await csrf_of(client)
    data = {"csrf_token": token, "role": "staff", **fields}
    return await client.post("/manager/invitations", data=data)  # type: ignore[arg-type]


class TestInvitations:
    async def test_invited_stylist_joins_with_the_chosen_skills_and_lands_on_their_page(
        self, app: object, client: httpx.AsyncClient, session: AsyncSession, outbox_dir: Path
    ) -> None:
        store = await make_store(session)
        manager = await make_manager(session, store)
        await login(client, manager.email)
        response = await _invite(
            client,
            email="aiko@example.jp",
            store_id=store.id,
            skills=["womenswear", "fit"],
            works_remotely="on",
        )
        assert response.status_code == 303
        [mail] = read_outbox(outbox_dir)
        assert mail["To"] == "aiko@example.jp"
        path = link_in(mail, "/invitations/")

        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as newcomer:
            page = await newcomer.get(path)
            assert page.status_code == 200 and "aiko@example.jp" in page.text
            token = await csrf_of(newcomer, path)
            joined = await newcomer.post(path, data={"csrf_token": token, **JOIN})
            assert joined.status_code == 303 and joined.headers["location"] == "/stylist"
            home = await newcomer.get("/stylist")
            assert home.status_code == 200 and store.name_ja in home.text
            again = await newcomer.get(path)
            assert again.status_code == 400  # used up
        user = (await session.exec(select(User).where(User.email == "aiko@example.jp"))).one()
        assert user.role == "staff"
        profile = await session.get(StaffProfile, user.id)
        assert profile is not None
        assert (profile.home_store_id, profile.works_remotely, profile.skills) == (
            store.id,
            True,
            ["womenswear", "fit"],
        )

    async def test_invited_manager_is_attached_to_the_store(
        self, app: object, client: httpx.AsyncClient, session: AsyncSession, outbox_dir: Path
    ) -> None:
        store = await make_store(session)
        manager = await make_manager(session, store)
        await login(client, manager.email)
        await _invite(client, email="deputy@example.jp", store_id=store.id, role="manager")
        path = link_in(read_outbox(outbox_dir)[0], "/invitations/")
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as newcomer:
            token = await csrf_of(newcomer, path)
            joined = await newcomer.post(path, data={"csrf_token": token, **JOIN})
            assert joined.headers["location"] == "/manager"
        user = (await session.exec(select(User).where(User.email == "deputy@example.jp"))).one()
        assert (
            await session.exec(select(StoreManager).where(StoreManager.user_id == user.id))
        ).one().store_id == store.id

    async def test_a_manager_cannot_invite_to_another_store(
        self, client: httpx.AsyncClient, session: AsyncSession, outbox_dir: Path
    ) -> None:
        mine, theirs = await make_store(session), await make_store(session)
        manager = await make_manager(session, mine)
        await login(client, manager.email)
        response = await _invite(client, email="x@example.jp", store_id=theirs.id)
        assert response.status_code == 403
        assert read_outbox(outbox_dir) == []
        assert (await session.exec(select(Invitation))).all() == []

    async def test_customers_and_stylists_cannot_invite(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        store = await make_store(session)
        customer = await make_customer(session)
        await login(client, customer.email)
        response = await client.post(
            "/api/v1/invitations",
            json={"email": "x@example.jp", "role": "staff", "store_id": store.id},
            headers=await api_headers(client),
        )
        assert response.status_code == 403

    async def test_an_expired_invitation_is_refused(
        self, client: httpx.AsyncClient, session: AsyncSession, outbox_dir: Path
    ) -> None:
        store = await make_store(session)
        manager = await make_manager(session, store)
        await login(client, manager.email)
        await _invite(client, email="late@example.jp", store_id=store.id)
        path = link_in(read_outbox(outbox_dir)[0], "/invitations/")
        invitation = (await session.exec(select(Invitation))).one()
        invitation.expires_at = utcnow() - timedelta(minutes=1)
        session.add(invitation)
        await session.flush()
        assert (await client.get(path)).status_code == 410

    async def test_inviting_an_existing_account_is_a_conflict(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        store = await make_store(session)
        manager = await make_manager(session, store)
        await make_user(session, email="already@example.jp")
        await login(client, manager.email)
        response = await _invite(client, email="already@example.jp", store_id=store.id)
        assert response.status_code == 409

    async def test_an_invalid_invitation_form_names_the_fields(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        store = await make_store(session)
        manager = await make_manager(session, store)
        await login(client, manager.email)
        response = await _invite(client, email="nope", store_id="abc", role="owner")
        assert response.status_code == 422
        for field in ("email", "store_id"):
            assert f"e-{field}" in response.text
