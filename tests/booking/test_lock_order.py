"""One lock order everywhere, and the database's own guard against double booking.

- The order checker refuses a lock below one already held (what deadlocked on PostgreSQL).
- Every calendar write path takes its locks in ascending (level, key) order and locks every
  stylist whose calendar it changes (checked by running each path and reading the locks held).
- No module takes a row lock on the calendar tables except through ``core/locks.py``.
- On PostgreSQL, two overlapping active appointments of one stylist cannot be written at all,
  whatever code path tries; a cancelled one does not count.
"""

from __future__ import annotations

import re
from datetime import time, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from app.booking import service as booking
from app.booking.models import AppointmentStatus
from app.booking.schemas import BookIn
from app.core import locks
from app.core.config import Settings
from app.core.mail import FileOutbox, Postman
from app.core.types import utcnow
from app.scheduling import service as scheduling
from app.scheduling.schemas import ApplyTemplatesIn, ShiftIn, ShiftTimes, TemplateIn, TimeOffIn
from app.store import service as stores
from tests.factories import (
    make_appointment,
    make_customer,
    make_manager,
    make_service,
    make_shift,
    make_store,
    make_stylist,
    tomorrow_at,
)

ROOT = Path(__file__).resolve().parents[2]
ZONE = ZoneInfo("Asia/Tokyo")


class TestOrderChecker:
    async def test_a_lock_below_one_held_is_refused_before_the_database_sees_it(
        self, session: AsyncSession
    ) -> None:
        store = await make_store(session)
        first, second = await make_stylist(session, store), await make_stylist(session, store)
        low, high = sorted([first.id, second.id])  # type: ignore[type-var]
        await stores.lock_calendars(session, staff_ids=[high])
        await stores.lock_calendars(session, staff_ids=[high])  # again: fine
        with pytest.raises(locks.LockOrderError, match="ascending"):
            await stores.lock_calendars(session, staff_ids=[low])
        assert locks.held_locks(session) == [(locks.LockLevel.calendar, high)]

    async def test_one_call_takes_many_locks_ascending_whatever_order_they_are_given(
        self, session: AsyncSession
    ) -> None:
        store = await make_store(session)
        ids = [(await make_stylist(session, store)).id for _ in range(4)]
        await stores.lock_calendars(session, staff_ids=list(reversed(ids)))  # type: ignore[arg-type]
        assert [key for _level, key in locks.held_locks(session)] == sorted(ids)  # type: ignore[type-var]

    def test_no_module_locks_calendar_rows_except_through_core_locks(self) -> None:
        """A ``with_for_update`` in the calendar's domains must sit in a function handed to
        ``locks.acquire`` (booking, scheduling and store repositories)."""
        offenders = []
        for domain in ("booking", "scheduling", "store", "consultation", "customer"):
            for path in (ROOT / "app" / domain).rglob("*.py"):
                source = path.read_text(encoding="utf-8")
                for match in re.finditer(r"with_for_update\(", source):
                    function = source[: match.start()].rsplit("\nasync def ", 1)[-1]
                    if "locks.acquire(" not in source[match.start() :].split("\nasync def ")[0]:
                        offenders.append(f"{path.relative_to(ROOT)}: {function.split('(')[0]}")
        assert not offenders, offenders


def _postman(tmp_path: Path) -> Postman:
    return Postman(
        Settings(env="test", var_dir=tmp_path, secret_key="k" * 40), FileOutbox(tmp_path)
    )


class TestEveryPathLocksWhatItTouches:
    async def test_each_write_takes_ascending_locks_covering_the_stylists_it_changes(
        self, session: AsyncSession, tmp_path: Path
    ) -> None:
        store = await make_store(session)
        manager = await make_manager(session, store)
        a, b = await make_stylist(session, store), await make_stylist(session, store)
        customer = await make_customer(session)
        service = await make_service(
            session, store, min_notice_min=0, cancellation_notice_hours=0, step_min=30
        )
        for stylist in (a, b):
            await make_shift(session, stylist, store, tomorrow_at(10), hours=4)
        postman = _postman(tmp_path)
        now = utcnow()
        day = tomorrow_at(10).astimezone(ZONE).date()
        seen: dict[str, list[tuple[locks.LockLevel, int]]] = {}

        async def step(name: str, action: Any) -> Any:
            async with session.begin_nested():
                result = await action()
                seen[name] = locks.held_locks(session)
            return result

        # Each path runs in a savepoint of the test's one transaction; forgetting the locks
        # recorded so far (session.info) makes each step start as a new request would.
        appointment, _ = await step(
            "book any",
            lambda: booking.book(
                session,
                customer=customer,
                data=BookIn(service_id=service.id, start=tomorrow_at(11)),
                idempotency_key="key-1",
                now=now,
                postman=postman,
                base_url="",
            ),
        )
        other = next(s for s in (a, b) if s.id != appointment.staff_id)
        checks: list[tuple[str, set[int]]] = [("book any", {appointment.staff_id})]
        session.info.pop("closetcall_locks", None)
        await step(
            "reschedule",
            lambda: booking.reschedule(
                session,
                actor=manager,
                appointment_id=appointment.id,
                start=tomorrow_at(12),
                now=now,
                postman=postman,
                base_url="",
            ),
        )
        checks.append(("reschedule", {appointment.staff_id}))
        session.info.pop("closetcall_locks", None)
        await step(
            "hand off",
            lambda: booking.hand_off(
                session,
                manager=manager,
                appointment_id=appointment.id,
                staff_id=other.id,
                now=now,
                postman=postman,
                base_url="",
            ),
        )
        checks.append(("hand off", {a.id, b.id}))
        for name, action, touched in [
            (
                "create shift",
                lambda: scheduling.create_shift(
                    session,
                    manager=manager,
                    data=ShiftIn(
                        staff_id=a.id, on_date=day + timedelta(1), starts=time(10), ends=time(12)
                    ),
                ),
                {a.id},
            ),
            (
                "time off",
                lambda: scheduling.add_time_off(
                    session,
                    actor=manager,
                    data=TimeOffIn(
                        staff_id=b.id, first_day=day + timedelta(2), last_day=day + timedelta(2)
                    ),
                ),
                {b.id},
            ),
        ]:
            session.info.pop("closetcall_locks", None)
            await step(name, action)
            checks.append((name, touched))
        shift = await make_shift(session, a, store, tomorrow_at(10, days=3), hours=2)
        session.info.pop("closetcall_locks", None)
        await step(
            "edit shift",
            lambda: scheduling.update_shift(
                session,
                manager=manager,
                shift_id=shift.id,
                data=ShiftTimes(on_date=day + timedelta(3), starts=time(10), ends=time(11)),
            ),
        )
        checks.append(("edit shift", {a.id}))
        session.info.pop("closetcall_locks", None)
        await step(
            "delete shift",
            lambda: scheduling.delete_shift(session, manager=manager, shift_id=shift.id),
        )
        checks.append(("delete shift", {a.id}))
        for stylist in (b, a):
            await scheduling.create_template(
                session,
                manager=manager,
                data=TemplateIn(
                    staff_id=stylist.id,
                    weekday=(day + timedelta(5)).weekday(),
                    starts=time(10),
                    ends=time(12),
                ),
            )
        session.info.pop("closetcall_locks", None)
        await step(
            "fill templates",
            lambda: scheduling.apply_templates(
                session,
                manager=manager,
                data=ApplyTemplatesIn(store_id=store.id, first_day=day + timedelta(5), weeks=1),
            ),
        )
        checks.append(("fill templates", {a.id, b.id}))

        for name, touched in checks:
            taken = seen[name]
            assert all(x < y for x, y in pairwise(taken)), (name, taken)
            calendars = {key for level, key in taken if level == locks.LockLevel.calendar}
            assert touched <= calendars, (name, touched, taken)
        levels = [level for level, _key in seen["book any"]]
        assert levels[0] == locks.LockLevel.customer  # a keyed booking locks its customer first
        assert next(level for level, _key in seen["hand off"]) == locks.LockLevel.appointment


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)  # SQLite serialises writers
class TestDatabaseGuard:
    async def test_postgresql_refuses_overlapping_active_appointments_of_one_stylist(
        self, session: AsyncSession, engine: Any
    ) -> None:
        store = await make_store(session)
        stylist = await make_stylist(session, store)
        service = await make_service(session, store)
        first = await make_customer(session)
        start = tomorrow_at(11)
        await make_appointment(
            session, customer=first, stylist=stylist, service=service, start=start
        )
        cancelled = await make_appointment(
            session,
            customer=first,
            stylist=stylist,
            service=service,
            start=start + timedelta(minutes=10),
            status=AppointmentStatus.cancelled,
        )
        assert cancelled.id  # a cancelled one may share the time
        touching = await make_appointment(
            session,
            customer=first,
            stylist=stylist,
            service=service,
            start=start + timedelta(minutes=service.duration_min),
        )
        assert touching.id  # back to back is fine: ranges are half-open
        with pytest.raises(IntegrityError, match="ex_appointment_stylist_time"):
            async with session.begin_nested():
                await make_appointment(
                    session,
                    customer=await make_customer(session),
                    stylist=stylist,
                    service=service,
                    start=start + timedelta(minutes=5),
                )
