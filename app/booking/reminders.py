"""Reminders 24 hours and 1 hour before a session, derived from the database.

Nothing about a reminder lives in memory: each tick asks which booked appointments are inside a
reminder window and have no ``reminder_*_sent_at`` yet, marks them and sends in the same
transaction (the mark commits only after the mail was handed over). A restart therefore neither
loses a reminder (the next tick finds it) nor repeats one (the mark is there). The one gap: a crash
after the SMTP hand-over but before the commit would send that reminder again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from app.booking import notify
from app.booking import repository as repo
from app.core.db import Database
from app.core.events import run_after_commit
from app.core.mail import Postman
from app.core.periodic import Periodic

log = logging.getLogger(__name__)

WINDOWS = (("24h", 24 * 3600), ("1h", 3600))


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
        async with self.db.sessions() as session:
            for kind, lead in WINDOWS:
                for appointment in await repo.due_reminders(session, kind, now, lead):
                    if kind == "24h" and (
                        appointment.starts_at - now <= timedelta(hours=1)
                        or appointment.created_at > appointment.starts_at - timedelta(hours=24)
                    ):
                        # Booked inside the 24-hour window, or the 1-hour reminder is already due:
                        # one reminder is enough.
                        appointment.reminder_24h_sent_at = now
                        session.add(appointment)
                        continue
                    setattr(appointment, f"reminder_{kind}_sent_at", now)
                    session.add(appointment)
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
            await session.commit()
        return sent
