"""When an appointment may still be changed online, and why not. Pure: no DB, no I/O.

One rule for the service (which refuses) and the pages (which disable the buttons and say why), so
the two cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.core.i18n import gettext as _

BOOKED = "booked"


@dataclass(frozen=True)
class Refusal:
    code: str  # "closed" (not booked any more) | "too_late" (inside the notice period)
    message: str


def change_deadline(starts_at: datetime, notice_hours: int) -> datetime:
    """The last instant at which the customer may move or cancel online."""
    return starts_at - timedelta(hours=notice_hours)


def change_refusal(
    *, status: str, starts_at: datetime, notice_hours: int, by_customer: bool, now: datetime
) -> Refusal | None:
    """Why this person may not move or cancel the appointment now, or None when they may."""
    if status != BOOKED:
        return Refusal("closed", _("This appointment is no longer open for changes."))
    # Staff may change a session at any time (they tell the customer why); customers online
    # only until the service's notice period begins.
    if by_customer and now > change_deadline(starts_at, notice_hours):
        return Refusal(
            "too_late",
            _(
                "Changes online close %(hours)s hours before the session. Please contact the store.",  # noqa: E501
                hours=notice_hours,
            ),
        )
    return None
