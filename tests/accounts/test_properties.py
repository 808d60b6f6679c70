"""Whatever a person (or a bot) types into signup and login, the answer is never a 500."""

from __future__ import annotations

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import csrf_of

text = st.one_of(
    st.text(max_size=80),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "a@b",
            "yuki@example.jp",
            "'; DROP TABLE user_account; --",
            "𠮷野家",
            "ｻﾄｳ",
            "㌀" * 50,  # NFKC makes it four times longer
            "İ" * 130,  # lower() makes it twice as long
            "é",
            "\u0958" * 50,
        ]
    ),
)
form = st.dictionaries(
    st.sampled_from(
        [
            "email",
            "password",
            "family_name",
            "given_name",
            "family_name_kana",
            "given_name_kana",
            "marketing_consent",
            "next",
            "unexpected",
        ]
    ),
    text,
    max_size=9,
)
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class TestNeverA500:
    @SETTINGS
    @given(data=form)
    async def test_signup_form(self, client: httpx.AsyncClient, data: dict[str, str]) -> None:
        token = await csrf_of(client, "/signup")
        response = await client.post("/signup", data={**data, "csrf_token": token})
        assert response.status_code < 500, response.text[:300]
        assert response.status_code in (303, 409, 422)

    @SETTINGS
    @given(data=form)
    async def test_login_form(self, client: httpx.AsyncClient, data: dict[str, str]) -> None:
        token = await csrf_of(client)
        response = await client.post("/login", data={**data, "csrf_token": token})
        assert response.status_code in (401, 422), response.text[:300]

    @SETTINGS
    @given(data=form)
    async def test_signup_api(self, client: httpx.AsyncClient, data: dict[str, str]) -> None:
        headers = {"X-CSRF-Token": (await client.get("/api/v1/auth/csrf")).json()["csrf_token"]}
        response = await client.post("/api/v1/auth/signup", json=data, headers=headers)
        assert response.status_code in (201, 409, 422), response.text[:300]
