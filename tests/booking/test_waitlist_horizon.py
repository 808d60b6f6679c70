"""The waitlist takes days up to the booking horizon counted in the store's zone, not UTC's."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from app.booking import service as booking
from app.core.errors import AppError
from tests.factories import (
    make_appointment,
    make_customer,
    make_service,
    make_shift,
    make_store,
    make_stylist,
)

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
        # The waitlist is for a day that is full, not one nobody works: give the day one
        # 30-minute shift and book it (at 14:00 Tokyo time; at 07:00 on the horizon's own day,
        # whose bookable part ends at 08:30).
        hour = 7 if on_date == date(2027, 1, 1) else 14
        stylist = await make_stylist(session, store)
        start = datetime.combine(on_date, time(hour), ZoneInfo("Asia/Tokyo")).astimezone(UTC)
        await make_shift(session, stylist, store, start, hours=0.5)
        other = await make_customer(session)
        await make_appointment(
            session, customer=other, stylist=stylist, service=service, start=start
        )
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
