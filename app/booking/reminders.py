"""Reminders 24 hours and 1 hour before a session, derived from the database.

Nothing about a reminder lives in memory: each tick asks which booked appointments are inside a
reminder window and have no ``reminder_*_sent_at`` yet, marks them and sends in the same
transaction (the mark commits only after the mail was handed over). A restart therefore neither
loses a reminder (the next tick finds it) nor repeats one (the mark is there). The one gap: a crash
after the SMTP hand-over but before the commit would send that reminder again.

A reminder goes out only while its words are still true (``still_true``); otherwise it is marked
as handled without a mail: a tick that runs late after a restart does not tell a customer her
session "is tomorrow" on the day itself, or "starts in an hour" once it has begun — the start has
passed, or its call is already under way (the call opens before the start).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from app.booking import notify
from app.booking import repository as repo
from app.booking.models import Appointment, AppointmentStatus
from app.consultation import service as consultation
from app.core.db import Database, write_transaction
from app.core.events import run_after_commit
from app.core.mail import Postman
from app.core.periodic import Periodic
from app.store import service as stores

log = logging.getLogger(__name__)

WINDOWS = (("24h", 24 * 3600), ("1h", 3600))
# "Starts in an hour" is still a fair summary this close to the start; later, it is not sent.
ONE_HOUR_AT_LEAST = timedelta(minutes=30)


def still_true(
    kind: str, appointment: Appointment, now: datetime, *, zone: ZoneInfo, call_held: bool
) -> bool:
    """Whether the reminder ``kind`` may still go out now (pure)."""
    left = appointment.starts_at - now
    if appointment.status != AppointmentStatus.booked or left <= timedelta(0) or call_held:
        return False  # cancelled, started, or its call is already under way or held
    if kind == "24h":
        # Booked inside the 24-hour window, or the 1-hour reminder is already due: one is enough.
        if left <= timedelta(hours=1):
            return False
        if appointment.created_at > appointment.starts_at - timedelta(hours=24):
            return False
        # "Is tomorrow" in the store's calendar, not merely "within 24 hours".
        return appointment.starts_at.astimezone(zone).date() == (
            now.astimezone(zone).date() + timedelta(days=1)
        )
    # Booked within the hour: the confirmation has just gone out.
    if appointment.created_at > appointment.starts_at - timedelta(hours=1):
        return False
    return left >= ONE_HOUR_AT_LEAST


class ReminderScheduler(Periodic):
    name = "appointment reminders"

    def __init__(
        self, db: Database, postman: Postman, base_url: str, clock: Callable[[], datetime]
    ) -> None:
        self.db, self.postman, self.base_url, self.clock = db, postman, base_url, clock
        super().__init__()

    async def tick(self) -> int:
        """Send every reminder that is due now; returns how many were sent."""
        now = self.clock()
        sent = 0
        # SQLite's write lock first: reading, then marking, must not meet another writer half-way.
        async with write_transaction(self.db) as session:
            for kind, lead in WINDOWS:
                for appointment in await repo.due_reminders(session, kind, now, lead):
                    assert appointment.id is not None
                    store = await stores.get_store(session, store_id=appointment.store_id)
                    held = await consultation.call_took_place(
                        session, appointment_id=appointment.id
                    )
                    setattr(appointment, f"reminder_{kind}_sent_at", now)
                    session.add(appointment)
                    if not still_true(
                        kind, appointment, now, zone=ZoneInfo(store.time_zone), call_held=held
                    ):
                        continue  # marked as handled: a late or pointless reminder is not sent
                    await notify.tell_customer(
                        session,
                        appointment=appointment,
                        kind=f"reminder_{kind}",
                        postman=self.postman,
                        base_url=self.base_url,
                    )
                    sent += 1
            await session.flush()
            # Hand the mail over before the marks commit: a failure leaves them unmarked.
            await run_after_commit(session, strict=True)
        return sent
