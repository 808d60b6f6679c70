"""Whatever a client sends to booking and roster endpoints, the answer is never a 500."""

from __future__ import annotations

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.factories import (
    api_headers,
    login,
    make_customer,
    make_service,
    make_shift,
    make_store,
    make_stylist,
    tomorrow_at,
)

values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.text(max_size=40),
    st.sampled_from(
        [
            "2026-11-24T21:00:00+09:00",
            "2026-11-24T21:00:00",
            "2026-13-45",
            "25:99",
            "\x00",
            "1" * 5000,
        ]
    ),
    st.lists(st.integers(), max_size=3),
)
bodies = st.dictionaries(
    st.sampled_from(
        [
            "service_id",
            "start",
            "staff_id",
            "topic",
            "on_date",
            "starts",
            "ends",
            "break_starts",
            "break_ends",
            "reason",
            "first_day",
            "last_day",
            "weekday",
            "store_id",
            "weeks",
        ]
    ),
    values,
    max_size=8,
)
ENDPOINTS = [
    "/api/v1/appointments",
    "/api/v1/waitlist",
    "/api/v1/shift-requests",
    "/api/v1/time-off",
    "/api/v1/appointments/1/reschedule",
    "/api/v1/appointments/1/cancel",
]


class TestNeverA500:
    @settings(
        max_examples=80,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(body=bodies, endpoint=st.sampled_from(ENDPOINTS))
    async def test_random_bodies(
        self, client: httpx.AsyncClient, session: AsyncSession, body: dict, endpoint: str
    ) -> None:
        if not client.cookies.get("cc_session"):
            store = await make_store(session)
            stylist = await make_stylist(session, store)
            await make_service(session, store)
            await make_shift(session, stylist, store, tomorrow_at(10), hours=4)
            await login(client, (await make_customer(session)).email)
        response = await client.post(endpoint, json=body, headers=await api_headers(client))
        assert response.status_code < 500, (endpoint, body, response.text[:300])

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        params=st.dictionaries(
            st.sampled_from(["store_id", "service_id", "start", "end", "staff_id"]),
            values,
            max_size=5,
        )
    )
    async def test_random_slot_queries(self, client: httpx.AsyncClient, params: dict) -> None:
        clean = {k: str(v) for k, v in params.items() if v is not None}
        response = await client.get("/api/v1/slots", params=clean)
        assert response.status_code < 500, (params, response.text[:300])
