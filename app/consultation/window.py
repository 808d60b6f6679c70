"""When a consultation's call is open: from a few minutes before the start until a grace period
after the end, while the appointment is still booked. Pure: no database, no FastAPI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.booking.models import Appointment, AppointmentStatus


@dataclass(frozen=True)
class CallWindow:
    opens_at: datetime
    closes_at: datetime
    booked: bool

    def state(self, now: datetime) -> str:
        """``open``, ``early``, ``over`` (time has passed) or ``closed`` (no longer booked)."""
        if not self.booked:
            return "closed"
        if now < self.opens_at:
            return "early"
        if now > self.closes_at:
            return "over"
        return "open"

    def is_open(self, now: datetime) -> bool:
        return self.state(now) == "open"


def call_window(appointment: Appointment, *, opens_before: int, grace_after: int) -> CallWindow:
    """The window of one appointment, with the minutes before and after taken from settings."""
    return CallWindow(
        opens_at=appointment.starts_at - timedelta(minutes=opens_before),
        closes_at=appointment.ends_at + timedelta(minutes=grace_after),
        booked=appointment.status == AppointmentStatus.booked,
    )


def has_begun(appointment: Appointment, now: datetime, *, call_held: bool) -> bool:
    """The session has begun: its start has passed, or its call already took place.

    The one rule for "may the session's aftermath be written" (wrap-up, rating, outcome): the call
    opens before the start, so a session whose call ended at 12:52 for 13:00 has happened."""
    return call_held or appointment.starts_at <= now
