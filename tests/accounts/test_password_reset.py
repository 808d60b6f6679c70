"""Forgotten passwords: a single-use link that expires, sent by email."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import AuthSession, PasswordReset
from app.core.types import utcnow
from tests.conftest import link_in, read_outbox
from tests.factories import PASSWORD, csrf_of, login, make_customer

NEW_PASSWORD = "a-brand-new-password"


async def _request_reset(client: httpx.AsyncClient, email: str) -> httpx.Response:
    token = await csrf_of(client, "/password/forgot")
    return await client.post("/password/forgot", data={"csrf_token": token, "email": email})


class TestPasswordReset:
    async def test_reset_by_emailed_link_changes_the_password_and_logs_out_other_sessions(
        self, app: object, client: httpx.AsyncClient, session: AsyncSession, outbox_dir: Path
    ) -> None:
        user = await make_customer(session, locale="en")
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as phone:
            await login(phone, user.email)  # another device that must be logged out
            response = await _request_reset(client, user.email)
            assert response.status_code == 200
            [mail] = read_outbox(outbox_dir)
            assert mail["To"] == user.email
            assert mail["Subject"] == "Reset your Closet Call password"
            path = link_in(mail, "/password/reset/")

            assert (await client.get(path)).status_code == 200
            token = await csrf_of(client, path)
            done = await client.post(path, data={"csrf_token": token, "password": NEW_PASSWORD})
            assert done.status_code == 303 and done.headers["location"] == "/login?reset=1"
            assert (await phone.get("/api/v1/me")).status_code == 401
        await login(client, user.email, NEW_PASSWORD)
        rows = (await session.exec(select(AuthSession).where(AuthSession.user_id == user.id))).all()
        assert len(rows) == 1

    async def test_a_link_works_only_once(
        self, client: httpx.AsyncClient, session: AsyncSession, outbox_dir: Path
    ) -> None:
        user = await make_customer(session)
        await _request_reset(client, user.email)
        path = link_in(read_outbox(outbox_dir)[0], "/password/reset/")
        token = await csrf_of(client, path)
        assert (
            await client.post(path, data={"csrf_token": token, "password": NEW_PASSWORD})
        ).status_code == 303
        second = await client.post(
            path,
            data={"csrf_token": token, "password": "yet-another-password"},
            headers={"Accept-Language": "en"},
        )
        assert second.status_code == 400
        assert "already been used" in second.text
        await login(client, user.email, NEW_PASSWORD)

    async def test_an_expired_link_is_refused_and_the_password_is_unchanged(
        self, client: httpx.AsyncClient, session: AsyncSession, outbox_dir: Path
    ) -> None:
        user = await make_customer(session)
        await _request_reset(client, user.email)
        path = link_in(read_outbox(outbox_dir)[0], "/password/reset/")
        reset = (
            await session.exec(select(PasswordReset).where(PasswordReset.user_id == user.id))
        ).one()
        reset.expires_at = utcnow() - timedelta(seconds=1)
        session.add(reset)
        await session.flush()
        page = await client.get(path, headers={"Accept-Language": "en"})
        assert page.status_code == 410
        assert "expired" in page.text
        token = await csrf_of(client, "/login")
        post = await client.post(path, data={"csrf_token": token, "password": NEW_PASSWORD})
        assert post.status_code == 410
        await login(client, user.email, PASSWORD)

    async def test_unknown_email_gets_the_same_answer_and_no_mail(
        self, client: httpx.AsyncClient, outbox_dir: Path
    ) -> None:
        response = await _request_reset(client, "nobody@example.jp")
        assert response.status_code == 200
        assert read_outbox(outbox_dir) == []

    async def test_a_made_up_token_is_refused(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/password/reset/not-a-real-token")).status_code == 400

    async def test_too_short_new_password_is_named(
        self, client: httpx.AsyncClient, session: AsyncSession, outbox_dir: Path
    ) -> None:
        user = await make_customer(session)
        await _request_reset(client, user.email)
        path = link_in(read_outbox(outbox_dir)[0], "/password/reset/")
        token = await csrf_of(client, path)
        response = await client.post(
            path, data={"csrf_token": token, "password": "short"}, headers={"Accept-Language": "en"}
        )
        assert response.status_code == 422
        assert 'id="e-password"' in response.text
        await login(client, user.email, PASSWORD)

    async def test_reset_over_the_api(
        self, client: httpx.AsyncClient, session: AsyncSession, outbox_dir: Path
    ) -> None:
        from tests.factories import api_headers

        user = await make_customer(session)
        headers = await api_headers(client)
        accepted = await client.post(
            "/api/v1/auth/password-reset", json={"email": user.email}, headers=headers
        )
        assert accepted.status_code == 202
        token = link_in(read_outbox(outbox_dir)[0], "/password/reset/").rsplit("/", 1)[1]
        done = await client.post(
            f"/api/v1/auth/password-reset/{token}", json={"password": NEW_PASSWORD}, headers=headers
        )
        assert done.status_code == 200
        again = await client.post(
            f"/api/v1/auth/password-reset/{token}", json={"password": NEW_PASSWORD}, headers=headers
        )
        assert again.status_code == 400
        assert again.json()["error"] == "link_invalid"
