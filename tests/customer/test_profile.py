"""Customers keep their own profile: names with kana, an E.164 phone, sizes, birthday, consent."""

from __future__ import annotations

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from app.customer.models import CustomerProfile
from tests.factories import api_headers, csrf_of, login, make_customer

FORM = {
    "family_name": "佐藤",
    "given_name": "由紀",
    "family_name_kana": "さとう",
    "given_name_kana": "ゆき",
    "phone": "０９０－８７６５－４３２１",
    "born_on": "1992-05-14",
    "size_top": "S",
    "size_bottom": "M",
    "shoe_size_cm": "23.5",
    "locale": "ja",
    "time_zone": "Asia/Tokyo",
    "marketing_consent": "on",
}


class TestProfilePage:
    async def test_saving_normalises_phone_and_kana(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        user = await make_customer(session)
        await login(client, user.email)
        token = await csrf_of(client, "/me/profile")
        response = await client.post("/me/profile", data={**FORM, "csrf_token": token})
        assert response.status_code == 303
        profile = await session.get(CustomerProfile, user.id)
        await session.refresh(profile)
        assert profile is not None
        assert profile.phone_e164 == "+819087654321"
        assert profile.shoe_size_cm == 23.5 and profile.size_top == "S"
        assert profile.marketing_consent and profile.marketing_consent_at is not None
        page = await client.get("/me/profile?saved=1")
        assert 'value="+819087654321"' in page.text or "090-8765-4321" in page.text
        home = await client.get("/me")
        assert "090-8765-4321" in home.text  # shown in national format
        assert "<rt>サトウ</rt>" in home.text  # furigana over the name

    async def test_bad_values_are_named_and_nothing_is_changed(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        user = await make_customer(session)
        await login(client, user.email)
        token = await csrf_of(client, "/me/profile")
        bad = {
            **FORM,
            "phone": "12",
            "born_on": "2999-01-01",
            "shoe_size_cm": "23.3",
            "size_top": "XXXL",
            "given_name_kana": "yuki",
            "csrf_token": token,
        }
        response = await client.post("/me/profile", data=bad, headers={"Accept-Language": "en"})
        assert response.status_code == 422
        for field in ("phone", "born_on", "shoe_size_cm", "given_name_kana"):
            assert f'id="e-{field}"' in response.text, field
        assert "090-1234-5678" in response.text  # the hint says what a phone number looks like
        profile = await session.get(CustomerProfile, user.id)
        await session.refresh(profile)
        assert (
            profile is not None
            and profile.phone_e164 == "+819012345678"
            and profile.size_top == "M"
        )

    async def test_profile_over_the_api(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        user = await make_customer(session)
        await login(client, user.email)
        payload = {k: v for k, v in FORM.items() if k != "marketing_consent"} | {
            "marketing_consent": False
        }
        response = await client.put(
            f"/api/v1/customers/{user.id}", json=payload, headers=await api_headers(client)
        )
        assert response.status_code == 200
        body = response.json()
        assert body["phone_e164"] == "+819087654321"
        assert body["family_name_kana"] == "サトウ"
        bad = await client.put(
            f"/api/v1/customers/{user.id}",
            json={**payload, "time_zone": "Mars/Olympus"},
            headers=await api_headers(client),
        )
        assert bad.status_code == 422
        assert bad.json()["fields"][0]["field"] == "time_zone"
