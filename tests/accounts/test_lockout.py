"""Brute-force protection: five wrong passwords lock an account for a quarter of an hour."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import User
from app.core.types import utcnow
from tests.conftest import link_in, read_outbox
from tests.factories import PASSWORD, api_headers, csrf_of, make_customer


async def _try(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    token = await csrf_of(client)
    return await client.post(
        "/login",
        data={"csrf_token": token, "email": email, "password": password},
        headers={"Accept-Language": "en"},
    )


async def _reload(session: AsyncSession, user: User) -> User:
    await session.refresh(user)
    return user


class TestLockout:
    async def test_five_failures_lock_the_account_even_for_the_right_password(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        user = await make_customer(session)
        for attempt in range(4):
            assert (await _try(client, user.email, "wrong-password")).status_code == 401
            assert (
                await _reload(session, user)
            ).failed_logins == attempt + 1  # counted despite the 401
        assert (await _try(client, user.email, "wrong-password")).status_code == 401
        locked = await _try(client, user.email, PASSWORD)
        assert locked.status_code == 429
        assert "Too many failed attempts. Try again in 15 minutes" in locked.text
        assert (await _reload(session, user)).locked_until is not None

    async def test_failures_over_the_api_count_too_and_a_success_resets_the_count(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        user = await make_customer(session)
        for _ in range(3):
            response = await client.post(
                "/api/v1/auth/login",
                json={"email": user.email, "password": "nope-nope"},
                headers=await api_headers(client),
            )
            assert response.status_code == 401
        assert (await _reload(session, user)).failed_logins == 3
        ok = await client.post(
            "/api/v1/auth/login",
            json={"email": user.email, "password": PASSWORD},
            headers=await api_headers(client),
        )
        assert ok.status_code == 200
        assert (await _reload(session, user)).failed_logins == 0

    async def test_the_lock_expires(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        user = await make_customer(session)
        user.locked_until = utcnow() - timedelta(seconds=1)
        session.add(user)
        await session.flush()
        assert (await _try(client, user.email, PASSWORD)).status_code == 303

    async def test_resetting_the_password_unlocks(
        self, client: httpx.AsyncClient, session: AsyncSession, outbox_dir: Path
    ) -> None:
        user = await make_customer(session)
        user.locked_until = utcnow() + timedelta(minutes=10)
        session.add(user)
        await session.flush()
        token = await csrf_of(client, "/password/forgot")
        await client.post("/password/forgot", data={"csrf_token": token, "email": user.email})
        path = link_in(read_outbox(outbox_dir)[0], "/password/reset/")
        token = await csrf_of(client)
        assert (
            await client.post(path, data={"csrf_token": token, "password": "a-fresh-password"})
        ).status_code == 303
        assert (await _try(client, user.email, "a-fresh-password")).status_code == 303

    async def test_unknown_emails_store_nothing_and_still_get_401(
        self, client: httpx.AsyncClient
    ) -> None:
        for _ in range(6):
            assert (await _try(client, "nobody@example.jp", "whatever-pw")).status_code == 401
