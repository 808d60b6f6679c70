"""Stateful property: whatever sequence of book / reschedule / cancel / hand-off / shift edits runs,
no two active appointments of one stylist overlap (buffers included), and every booked
appointment still lies inside one of its stylist's approved shifts."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from datetime import timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlmodel import select

from app.booking import service as booking
from app.booking.models import ACTIVE, Appointment, AppointmentStatus
from app.booking.schemas import BookIn
from app.core.config import Settings
from app.core.db import Database, create_engine
from app.core.errors import AppError
from app.core.mail import FileOutbox, Postman
from app.core.migrate import upgrade
from app.core.types import utcnow
from app.scheduling import service as scheduling
from app.scheduling.models import Shift
from app.scheduling.schemas import ShiftTimes
from tests.factories import (
    make_customer,
    make_manager,
    make_service,
    make_shift,
    make_store,
    make_stylist,
    tomorrow_at,
)

_TEMPLATE: Path | None = None


def migrated_template() -> Path:
    """Migrate one SQLite file once; every state machine run starts from a copy of it."""
    global _TEMPLATE
    if _TEMPLATE is None:
        path = Path(tempfile.mkdtemp()) / "template.db"

        async def build() -> None:
            engine = create_engine(f"sqlite:///{path}")
            await upgrade(engine)
            await engine.dispose()

        asyncio.run(build())
        _TEMPLATE = path
    return _TEMPLATE


class BookingMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.folder = Path(tempfile.mkdtemp())
        shutil.copy(migrated_template(), self.folder / "db.db")
        self.db = Database(create_engine(f"sqlite:///{self.folder / 'db.db'}"))
        settings_ = Settings(env="test", var_dir=self.folder, secret_key="k" * 40)
        self.postman = Postman(settings_, FileOutbox(self.folder / "out"))
        self.now = utcnow()

    def run(self, action: Any) -> Any:
        """Run one use case in its own transaction, as a request would; domain errors roll back."""

        async def go() -> Any:
            async with self.db.sessions() as session:
                try:
                    result = await action(session)
                    await session.commit()
                    return result
                except AppError:
                    await session.rollback()
                    return None

        return self.loop.run_until_complete(go())

    @initialize()
    def world(self) -> None:
        async def build(session: Any) -> None:
            store = await make_store(session)
            self.manager = await make_manager(session, store)
            self.stylists = [await make_stylist(session, store) for _ in range(2)]
            self.customers = [await make_customer(session) for _ in range(3)]
            self.service = await make_service(
                session,
                store,
                buffer_before_min=10,
                buffer_after_min=10,
                step_min=15,
                min_notice_min=0,
                cancellation_notice_hours=0,
            )
            for stylist in self.stylists:
                for day in (1, 2):
                    await make_shift(session, stylist, store, tomorrow_at(10, days=day), hours=3)

        self.run(build)

    def _start(self, day: int, quarter: int) -> Any:
        return tomorrow_at(10, days=day) + timedelta(minutes=15 * quarter)

    def _appointments(self) -> list[Appointment]:
        async def load(session: Any) -> list[Appointment]:
            return list((await session.exec(select(Appointment).order_by(Appointment.id))).all())

        return self.run(load) or []

    @rule(
        customer=st.integers(0, 2),
        stylist=st.sampled_from([None, 0, 1]),
        day=st.sampled_from([1, 2]),
        quarter=st.integers(-2, 13),
    )
    def book(self, customer: int, stylist: int | None, day: int, quarter: int) -> None:
        staff_id = None if stylist is None else self.stylists[stylist].id
        data = BookIn(
            service_id=self.service.id, start=self._start(day, quarter), staff_id=staff_id
        )
        self.run(
            lambda s: booking.book(
                s,
                customer=self.customers[customer],
                data=data,
                idempotency_key=None,
                now=self.now,
                postman=self.postman,
                base_url="",
            )
        )

    @rule(customer=st.integers(0, 2), day=st.sampled_from([1, 2]), quarter=st.integers(0, 10))
    def book_any_stylist(self, customer: int, day: int, quarter: int) -> None:
        """A second booking rule, so that calendars fill up and collisions are common."""
        self.book(customer, None, day, quarter)

    @rule(pick=st.integers(0, 20), day=st.sampled_from([1, 2]), quarter=st.integers(-2, 13))
    def reschedule(self, pick: int, day: int, quarter: int) -> None:
        appointments = self._appointments()
        if appointments:
            target = appointments[pick % len(appointments)]
            self.run(
                lambda s: booking.reschedule(
                    s,
                    actor=self.manager,
                    appointment_id=target.id,
                    start=self._start(day, quarter),
                    now=self.now,
                    postman=self.postman,
                    base_url="",
                )
            )

    @rule(pick=st.integers(0, 20))
    def cancel(self, pick: int) -> None:
        appointments = self._appointments()
        if appointments:
            target = appointments[pick % len(appointments)]
            self.run(
                lambda s: booking.cancel(
                    s,
                    actor=self.manager,
                    appointment_id=target.id,
                    reason="test",
                    now=self.now,
                    postman=self.postman,
                    base_url="",
                )
            )

    @rule(pick=st.integers(0, 20), to=st.integers(0, 1))
    def hand_off(self, pick: int, to: int) -> None:
        appointments = self._appointments()
        if appointments:
            target = appointments[pick % len(appointments)]
            self.run(
                lambda s: booking.hand_off(
                    s,
                    manager=self.manager,
                    appointment_id=target.id,
                    staff_id=self.stylists[to].id,
                    now=self.now,
                    postman=self.postman,
                    base_url="",
                )
            )

    @rule(
        pick=st.integers(0, 3),
        start_hour=st.integers(9, 11),
        length=st.integers(1, 4),
        delete=st.sampled_from([False, False, False, True]),
    )
    def edit_shift(self, pick: int, start_hour: int, length: int, delete: bool) -> None:
        async def edit(session: Any) -> None:
            shifts = list((await session.exec(select(Shift).order_by(Shift.id))).all())
            if not shifts:
                return
            shift = shifts[pick % len(shifts)]
            if delete:
                await scheduling.delete_shift(session, manager=self.manager, shift_id=shift.id)
                return
            from datetime import time
            from zoneinfo import ZoneInfo

            day = shift.starts_at.astimezone(ZoneInfo("Asia/Tokyo")).date()
            times = ShiftTimes(
                on_date=day, starts=time(start_hour), ends=time(min(start_hour + length, 23))
            )
            await scheduling.update_shift(
                session, manager=self.manager, shift_id=shift.id, data=times
            )

        self.run(edit)

    @invariant()
    def no_overlaps_and_inside_shifts(self) -> None:
        async def check(session: Any) -> None:
            active = [
                a for a in (await session.exec(select(Appointment))).all() if a.status in ACTIVE
            ]
            event(f"active appointments: {min(len(active), 5)}{'+' if len(active) >= 5 else ''}")
            for stylist in getattr(self, "stylists", []):
                mine = sorted(
                    (a for a in active if a.staff_id == stylist.id), key=lambda a: a.blocked_from
                )
                for before, after in pairwise(mine):
                    assert before.blocked_until <= after.blocked_from, (before, after)
                shifts = (
                    await session.exec(
                        select(Shift).where(
                            Shift.staff_id == stylist.id, Shift.status == "approved"
                        )
                    )
                ).all()
                for appointment in mine:
                    if appointment.status == AppointmentStatus.booked:
                        assert any(
                            s.starts_at <= appointment.starts_at
                            and appointment.ends_at <= s.ends_at
                            for s in shifts
                        ), appointment

        self.run(check)

    def teardown(self) -> None:
        self.loop.run_until_complete(self.db.dispose())
        self.loop.close()
        shutil.rmtree(self.folder, ignore_errors=True)


BookingMachine.TestCase.settings = settings(
    max_examples=30,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestBookingInvariants = BookingMachine.TestCase
