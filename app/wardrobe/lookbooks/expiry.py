"""The periodic job that ends reservations nobody collected in time and gives their units back.

Like the appointment reminders, nothing lives in memory: each tick asks the database which active
reservations have passed ``expires_at``. A reservation ends through one conditional UPDATE, so a
tick racing a cancellation, or two app instances ticking at once, release its unit exactly once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from app.core.db import Database, write_transaction
from app.core.periodic import Periodic
from app.wardrobe.lookbooks import reservations

log = logging.getLogger(__name__)


class ReservationExpiry(Periodic):
    name = "reservation expiry"

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db, self.clock = db, clock
        super().__init__()

    async def tick(self, now: datetime | None = None) -> int:
        """Expire every reservation that is overdue at ``now`` (default: the clock); how many."""
        now = now or self.clock()
        async with write_transaction(self.db) as session:
            expired = await reservations.expire_due(session, now=now)
        if expired:
            log.info("%d reservation(s) expired; their units are back in stock", expired)
        return expired
