"""Regressions from the security review: each of these was a 500 or a leak before it was fixed."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import AuthSession
from app.core.db import create_engine
from tests.conftest import link_in, read_outbox
from tests.factories import PASSWORD, csrf_of, login, make_customer, make_store, make_stylist

SIGNUP = {
    "email": "a@example.jp",
    "password": "long-enough-pw",
    "family_name": "佐藤",
    "given_name": "由紀",
}


class TestNoServerErrors:
    async def test_non_ascii_csrf_values_are_refused_not_crashed(
        self, client: httpx.AsyncClient
    ) -> None:
        raw_cookie = {b"cookie": "cc_csrf=é.x".encode()}  # what a tampered browser could send
        assert (await client.get("/", headers=raw_cookie)).status_code == 200  # replaced, not a 500
        token = await csrf_of(client)
        response = await client.post(
            "/login", data={"csrf_token": "é" + token, "email": "x@y.jp", "password": "p"}
        )
        assert response.status_code == 403

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("family_name_kana", "㌀" * 50),
            ("family_name", "\u0958" * 50),
            ("given_name_kana", "ｱ" * 51),
        ],
    )
    async def test_text_that_grows_when_normalised_is_measured_after(
        self, client: httpx.AsyncClient, field: str, value: str
    ) -> None:
        token = await csrf_of(client, "/signup")
        response = await client.post("/signup", data={**SIGNUP, field: value, "csrf_token": token})
        assert response.status_code == 422
        assert f'id="e-{field}"' in response.text

    async def test_ids_beyond_the_database_range_are_a_4xx(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        stylist = await make_stylist(session, await make_store(session))
        await login(client, stylist.email)
        assert (await client.get("/api/v1/customers/99999999999")).status_code == 422
        assert (await client.get("/api/v1/customers/0")).status_code == 422

    async def test_a_nul_byte_in_a_catalog_code_is_a_4xx(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/catalog/a%00b/swatch.svg")).status_code == 422


class TestNoLeaks:
    def test_failed_queries_do_not_log_their_parameters(self, tmp_path: Path) -> None:
        engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
        assert engine.sync_engine.hide_parameters is True

    async def test_the_dev_outbox_answers_only_on_loopback(
        self, tmp_path: Path, engine: object, connection: object
    ) -> None:
        from app.core.config import Settings
        from app.core.mail import FileOutbox
        from app.main import create_app
        from tests.conftest import BoundDatabase

        settings = Settings(env="development", var_dir=tmp_path, secret_key="k" * 40)
        app = create_app(
            settings,
            database=BoundDatabase(engine, connection),
            mailer=FileOutbox(tmp_path),
            migrate=False,
        )  # type: ignore[arg-type]
        remote = httpx.ASGITransport(app=app, client=("203.0.113.5", 40000))
        async with httpx.AsyncClient(transport=remote, base_url="http://t") as outsider:
            assert (await outsider.get("/dev/outbox")).status_code == 404


class TestSessionsAndLinks:
    async def test_signing_up_while_logged_in_ends_the_old_session(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        old = await make_customer(session)
        await login(client, old.email)
        token = await csrf_of(client, "/")
        client.cookies.set("cc_session", client.cookies.get("cc_session") or "")
        await client.post("/signup", data={**SIGNUP, "csrf_token": token})
        rows = (await session.exec(select(AuthSession).where(AuthSession.user_id == old.id))).all()
        assert rows == []

    async def test_a_reset_uses_up_every_other_open_reset_link(
        self, client: httpx.AsyncClient, session: AsyncSession, outbox_dir: Path
    ) -> None:
        user = await make_customer(session)
        for _ in range(2):
            token = await csrf_of(client, "/password/forgot")
            await client.post("/password/forgot", data={"csrf_token": token, "email": user.email})
        first, second = (link_in(m, "/password/reset/") for m in read_outbox(outbox_dir))
        token = await csrf_of(client)
        assert (
            await client.post(second, data={"csrf_token": token, "password": "new-password-1"})
        ).status_code == 303
        assert (await client.get(first)).status_code == 400
        await login(client, user.email, "new-password-1")
        assert PASSWORD != "new-password-1"
