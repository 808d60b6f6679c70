"""Sign up, log in, log out: sessions, cookies, CSRF and the clear errors people see."""

from __future__ import annotations

import httpx
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import AuthSession, User
from app.customer.models import CustomerProfile
from tests.factories import PASSWORD, api_headers, csrf_of, login, make_customer

SIGNUP = {
    "email": "Yuki.Sato@Example.jp",
    "password": "navy-skirt-2026",
    "family_name": "佐藤",
    "given_name": "由紀",
    "family_name_kana": "さとう",
    "given_name_kana": "ユキ",
}


class TestSignupPage:
    async def test_signup_creates_a_customer_logs_in_and_lands_on_my_page(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        token = await csrf_of(client, "/signup")
        response = await client.post(
            "/signup", data={**SIGNUP, "csrf_token": token, "marketing_consent": "on"}
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/me?welcome=1"
        user = (await session.exec(select(User).where(User.email == "yuki.sato@example.jp"))).one()
        assert user.role == "customer"
        assert user.password_hash.startswith("$argon2id$")
        assert (user.family_name_kana, user.given_name_kana) == ("サトウ", "ユキ")
        profile = await session.get(CustomerProfile, user.id)
        assert profile is not None and profile.marketing_consent and profile.marketing_consent_at
        page = await client.get("/me?welcome=1")
        assert page.status_code == 200
        assert "佐藤 由紀" in page.text

    async def test_duplicate_email_is_refused_with_a_clear_message(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await make_customer(session, email="taken@example.jp")
        token = await csrf_of(client, "/signup")
        response = await client.post(
            "/signup",
            data={**SIGNUP, "email": "TAKEN@example.jp", "csrf_token": token},
            headers={"Accept-Language": "en"},
        )
        assert response.status_code == 409
        assert "already exists" in response.text
        assert (
            'value="TAKEN@example.jp"' in response.text
            or 'value="taken@example.jp"' in response.text
        )
        count = len(
            (await session.exec(select(User).where(User.email == "taken@example.jp"))).all()
        )
        assert count == 1

    async def test_invalid_fields_are_named_and_nothing_is_stored(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        token = await csrf_of(client, "/signup")
        bad = {
            **SIGNUP,
            "email": "not-an-email",
            "password": "short",
            "family_name": "x" * 51,
            "given_name_kana": "yuki",
            "csrf_token": token,
        }
        response = await client.post("/signup", data=bad, headers={"Accept-Language": "en"})
        assert response.status_code == 422
        for field in ("email", "password", "family_name", "given_name_kana"):
            assert f'id="e-{field}"' in response.text, field
        assert "Please use at most 50 characters." in response.text
        assert "Please use at least 10 characters." in response.text
        assert "navy-skirt" not in response.text  # the password is never echoed back
        assert (await session.exec(select(User))).all() == []

    async def test_missing_csrf_token_is_refused(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await client.get("/signup")
        response = await client.post("/signup", data=SIGNUP)
        assert response.status_code == 403
        assert (await session.exec(select(User))).all() == []

    async def test_csrf_token_from_another_browser_is_refused(
        self, app: object, client: httpx.AsyncClient
    ) -> None:
        token = await csrf_of(client, "/signup")
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
            await other.get("/signup")
            response = await other.post("/signup", data={**SIGNUP, "csrf_token": token})
        assert response.status_code == 403


class TestLogin:
    async def test_login_sets_a_fresh_httponly_lax_session_and_logout_ends_it(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        user = await make_customer(session)
        response = await login(client, user.email)
        cookies = response.headers.get_list("set-cookie")
        session_cookie = next(c for c in cookies if c.startswith("cc_session="))
        assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
        assert "Secure" not in session_cookie  # test settings are not production
        assert response.headers["location"] == "/me"
        assert (await client.get("/api/v1/me")).json()["email"] == user.email

        token = await csrf_of(client, "/me")
        out = await client.post("/logout", data={"csrf_token": token})
        assert out.status_code == 303
        assert (await client.get("/api/v1/me")).status_code == 401
        assert (
            await session.exec(select(AuthSession).where(AuthSession.user_id == user.id))
        ).all() == []

    async def test_session_id_is_rotated_at_login(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        user = await make_customer(session)
        await login(client, user.email)
        first = client.cookies.get("cc_session")
        await login(client, user.email)
        second = client.cookies.get("cc_session")
        assert first and second and first != second
        rows = (await session.exec(select(AuthSession).where(AuthSession.user_id == user.id))).all()
        assert len(rows) == 1  # the old session was replaced, not kept alive
        client.cookies.set("cc_session", first)
        assert (await client.get("/api/v1/me")).status_code == 401

    async def test_wrong_password_and_unknown_email_get_the_same_clear_answer(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        user = await make_customer(session)
        token = await csrf_of(client)
        wrong = await client.post(
            "/login",
            data={"csrf_token": token, "email": user.email, "password": "nope-nope-nope"},
            headers={"Accept-Language": "en"},
        )
        unknown = await client.post(
            "/login",
            data={"csrf_token": token, "email": "who@example.jp", "password": PASSWORD},
            headers={"Accept-Language": "en"},
        )
        assert wrong.status_code == unknown.status_code == 401
        assert "That email and password do not match" in wrong.text
        assert "That email and password do not match" in unknown.text

    async def test_tampered_session_cookie_is_ignored_and_cleared(
        self, client: httpx.AsyncClient
    ) -> None:
        client.cookies.set("cc_session", "forged.0123456789abcdef0123456789abcdef")
        response = await client.get("/api/v1/me")
        assert response.status_code == 401
        assert any(c.startswith("cc_session=;") for c in response.headers.get_list("set-cookie"))

    async def test_login_redirects_only_to_paths_on_this_site(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        user = await make_customer(session)
        token = await csrf_of(client)
        for target, expected in (
            ("/me/profile", "/me/profile"),
            ("//evil.example/x", "/me"),
            ("https://evil.example", "/me"),
        ):
            response = await client.post(
                "/login",
                data={
                    "csrf_token": token,
                    "email": user.email,
                    "password": PASSWORD,
                    "next": target,
                },
            )
            assert response.headers["location"] == expected
            token = await csrf_of(client)

    async def test_pages_for_logged_in_people_send_others_to_login(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.get("/me/profile")
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=/me/profile"


class TestJsonApi:
    async def test_signup_login_logout_over_the_api(self, client: httpx.AsyncClient) -> None:
        headers = await api_headers(client)
        created = await client.post("/api/v1/auth/signup", json=SIGNUP, headers=headers)
        assert created.status_code == 201
        assert created.json()["email"] == "yuki.sato@example.jp"
        assert "password_hash" not in created.json()
        headers = await api_headers(client)  # the CSRF token rotates at login
        assert (await client.get("/api/v1/me")).status_code == 200
        assert (await client.post("/api/v1/auth/logout", headers=headers)).status_code == 204
        assert (await client.get("/api/v1/me")).status_code == 401
        again = await client.post(
            "/api/v1/auth/login",
            json={"email": SIGNUP["email"], "password": SIGNUP["password"]},
            headers=await api_headers(client),
        )
        assert again.status_code == 200

    async def test_api_errors_have_a_code_a_detail_and_the_field(
        self, client: httpx.AsyncClient
    ) -> None:
        headers = await api_headers(client)
        response = await client.post(
            "/api/v1/auth/signup", json={**SIGNUP, "email": "x" * 300}, headers=headers
        )
        assert response.status_code == 422
        body = response.json()
        assert body["error"] == "invalid_input"
        assert [f["field"] for f in body["fields"]] == ["email"]
        duplicate = await client.post("/api/v1/auth/signup", json=SIGNUP, headers=headers)
        assert duplicate.status_code == 201
        again = await client.post(
            "/api/v1/auth/signup", json=SIGNUP, headers=await api_headers(client)
        )
        assert again.status_code == 409
        assert again.json() == {
            "error": "email_taken",
            "detail": again.json()["detail"],
            "field": "email",
        }
        assert again.json()["detail"]

    async def test_api_refuses_state_changes_without_the_csrf_header(
        self, client: httpx.AsyncClient
    ) -> None:
        await client.get("/api/v1/auth/csrf")
        response = await client.post("/api/v1/auth/signup", json=SIGNUP)
        assert response.status_code == 403
        assert response.json()["error"] == "csrf_failed"

    async def test_malformed_json_is_a_4xx(self, client: httpx.AsyncClient) -> None:
        headers = {**await api_headers(client), "content-type": "application/json"}
        response = await client.post("/api/v1/auth/login", content=b"{not json", headers=headers)
        assert response.status_code == 422
        assert response.json()["error"] == "invalid_input"


class TestSecureCookies:
    async def test_cookies_are_secure_outside_development(
        self, tmp_path: object, engine: object, connection: object, session: AsyncSession
    ) -> None:
        from app.core.config import Settings
        from app.core.mail import FileOutbox
        from app.main import create_app
        from tests.conftest import BoundDatabase

        user = await make_customer(session)
        settings = Settings(
            env="production", var_dir=tmp_path, secret_key="p" * 48, smtp_host="smtp.example.jp"
        )  # type: ignore[arg-type]
        app = create_app(
            settings,
            database=BoundDatabase(engine, connection),
            mailer=FileOutbox(tmp_path),
            migrate=False,
        )  # type: ignore[arg-type]
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="https://closetcall.example"
        ) as browser:
            token = await csrf_of(browser)
            response = await browser.post(
                "/login", data={"csrf_token": token, "email": user.email, "password": PASSWORD}
            )
        cookies = response.headers.get_list("set-cookie")
        assert cookies and all("; Secure" in c and "HttpOnly" in c for c in cookies)

    def test_development_cookies_work_over_plain_http(self, tmp_path: object) -> None:
        from app.core.config import Settings

        assert Settings(env="development", var_dir=tmp_path).secure_cookies is False  # type: ignore[arg-type]
        assert Settings(env="test", var_dir=tmp_path, secret_key="k" * 40).secure_cookies is True  # type: ignore[arg-type]
