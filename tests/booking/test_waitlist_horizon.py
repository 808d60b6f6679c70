"""The waitlist takes days up to the booking horizon counted in the store's zone, not UTC's."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from app.booking import service as booking
from app.core.errors import AppError
from tests.factories import make_customer, make_service, make_store

# 08:30 on Wednesday 2 December in Tokyo, still 1 December in UTC; a 30-day horizon ends at
# 08:30 on 1 January, Tokyo time.
NOW = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)


class TestWaitlistHorizon:
    @pytest.mark.parametrize(
        ("on_date", "accepted"),
        [
            (date(2026, 12, 1), False),  # yesterday in Tokyo (today in UTC)
            (date(2026, 12, 2), True),  # today in Tokyo
            (date(2027, 1, 1), True),  # starts before the horizon: its morning is inside it
            (date(2027, 1, 2), False),  # starts after the horizon
        ],
    )
    async def test_days_are_judged_by_the_store_clock(
        self, session: AsyncSession, on_date: date, accepted: bool
    ) -> None:
        store = await make_store(session)  # Asia/Tokyo
        service = await make_service(session, store, horizon_days=30)
        customer = await make_customer(session)
        assert service.id is not None
        if accepted:
            entry = await booking.join_waitlist(
                session, customer=customer, service_id=service.id, on_date=on_date, now=NOW
            )
            assert entry.on_date == on_date and entry.customer_id == customer.id
        else:
            with pytest.raises(AppError) as refused:
                await booking.join_waitlist(
                    session, customer=customer, service_id=service.id, on_date=on_date, now=NOW
                )
            assert refused.value.status == 422 and refused.value.field == "on_date"
