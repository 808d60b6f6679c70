"""The call window: open from ten minutes before the start to thirty after the end, while booked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.booking.models import Appointment, AppointmentStatus
from app.consultation.window import call_window, has_begun

START = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def _appointment(status: AppointmentStatus = AppointmentStatus.booked) -> Appointment:
    end = START + timedelta(minutes=30)
    return Appointment(
        store_id=1,
        service_id=1,
        customer_id=1,
        staff_id=2,
        starts_at=START,
        ends_at=end,
        blocked_from=START,
        blocked_until=end,
        status=status,
    )


@pytest.mark.parametrize(
    ("minutes_from_start", "expected"),
    [
        (-11, "early"),
        (-10, "open"),  # the edge is inside: the link works from exactly ten minutes before
        (0, "open"),
        (30, "open"),
        (60, "open"),  # end (30) + grace (30)
        (61, "over"),
    ],
)
def test_window_edges(minutes_from_start: int, expected: str) -> None:
    window = call_window(_appointment(), opens_before=10, grace_after=30)
    assert window.state(START + timedelta(minutes=minutes_from_start)) == expected


@pytest.mark.parametrize(
    "status",
    [AppointmentStatus.cancelled, AppointmentStatus.completed, AppointmentStatus.no_show],
)
def test_an_appointment_no_longer_booked_is_closed_even_at_its_time(
    status: AppointmentStatus,
) -> None:
    window = call_window(_appointment(status), opens_before=10, grace_after=30)
    assert window.state(START) == "closed"
    assert not window.is_open(START)


@pytest.mark.parametrize(
    ("now", "call_held", "begun"),
    [
        (START - timedelta(minutes=8), False, False),  # early, no call yet: not begun
        (START - timedelta(minutes=8), True, True),  # the call ended at 11:52 for 12:00
        (START, False, True),  # the start itself
        (START + timedelta(minutes=5), False, True),
        (START - timedelta(days=1), True, True),  # the record decides, whatever the clock
    ],
)
def test_a_session_has_begun_once_started_or_once_its_call_took_place(
    now: datetime, call_held: bool, begun: bool
) -> None:
    assert has_begun(_appointment(), now, call_held=call_held) is begun
