"""Japanese and English: from Accept-Language before login, from the switch, and per user."""

from __future__ import annotations

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import User
from tests.factories import csrf_of, login, make_customer


class TestLanguage:
    async def test_accept_language_decides_before_login(self, client: httpx.AsyncClient) -> None:
        ja = await client.get("/login", headers={"Accept-Language": "ja,en;q=0.5"})
        en = await client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
        assert '<html lang="ja">' in ja.text and "パスワードをお忘れですか" in ja.text
        assert '<html lang="en">' in en.text and "Forgot your password?" in en.text

    async def test_the_switch_changes_language_and_returns_to_the_page(
        self, client: httpx.AsyncClient
    ) -> None:
        token = await csrf_of(client, "/signup")
        response = await client.post(
            "/language",
            data={"csrf_token": token, "locale": "en", "next": "/signup"},
            headers={"Accept-Language": "ja"},
        )
        assert response.status_code == 303 and response.headers["location"] == "/signup"
        page = await client.get("/signup", headers={"Accept-Language": "ja"})
        assert "Create your account" in page.text

    async def test_the_switch_never_redirects_off_site(self, client: httpx.AsyncClient) -> None:
        token = await csrf_of(client)
        response = await client.post(
            "/language", data={"csrf_token": token, "locale": "en", "next": "//evil.example"}
        )
        assert response.headers["location"] == "/"

    async def test_a_signed_in_users_choice_is_remembered_on_their_account(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        user = await make_customer(session, locale="ja")
        await login(client, user.email)
        assert "ご購入履歴" in (await client.get("/me")).text
        token = await csrf_of(client, "/me")
        await client.post("/language", data={"csrf_token": token, "locale": "en", "next": "/me"})
        client.cookies.delete("cc_lang")  # the account, not the cookie, carries the choice
        assert "What you have bought from us" in (await client.get("/me")).text
        await session.refresh(user)
        assert (await session.get(User, user.id)).locale == "en"  # type: ignore[union-attr]

    async def test_unknown_language_is_ignored(self, client: httpx.AsyncClient) -> None:
        token = await csrf_of(client)
        response = await client.post(
            "/language", data={"csrf_token": token, "locale": "fr", "next": "/"}
        )
        assert response.status_code == 303
        assert "cc_lang" not in response.headers.get("set-cookie", "")

    async def test_error_pages_are_translated(self, client: httpx.AsyncClient) -> None:
        ja = await client.get("/no-such-page", headers={"Accept-Language": "ja"})
        en = await client.get("/no-such-page", headers={"Accept-Language": "en"})
        assert ja.status_code == en.status_code == 404
        assert "ページが見つかりません" in ja.text and "Page not found" in en.text
        api = await client.get("/api/v1/nothing-here")
        assert api.status_code == 404 and api.json()["error"] == "not_found"
