"""Reminders come from the database: a restart between scheduling and sending loses none, repeats none."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.booking import service as booking
from app.booking.schemas import BookIn
from app.core.config import Settings
from app.core.mail import FileOutbox, Postman
from app.core.types import utcnow
from app.main import create_app
from tests.conftest import BoundDatabase, read_outbox
from tests.factories import (
    make_appointment,
    make_customer,
    make_service,
    make_shift,
    make_store,
    make_stylist,
    tomorrow_at,
)


def _app(settings: Settings, engine: AsyncEngine, connection: AsyncConnection, outbox: Path):  # type: ignore[no-untyped-def]
    return create_app(
        settings,
        database=BoundDatabase(engine, connection),
        mailer=FileOutbox(outbox),
        migrate=False,
    )


class TestReminders:
    async def test_a_restart_neither_loses_nor_repeats_a_reminder(
        self,
        settings: Settings,
        engine: AsyncEngine,
        connection: AsyncConnection,
        session: AsyncSession,
        tmp_path: Path,
    ) -> None:
        store = await make_store(session)
        stylist = await make_stylist(session, store)
        customer = await make_customer(session, locale="en")
        service = await make_service(session, store)
        start = tomorrow_at(10, days=3)
        await make_shift(session, stylist, store, start, hours=2)
        postman = Postman(settings, FileOutbox(tmp_path / "booking"))
        appointment, _ = await booking.book(
            session,
            customer=customer,
            data=BookIn(service_id=service.id, start=start),
            idempotency_key=None,
            now=utcnow(),
            postman=postman,
            base_url="",
        )
        await session.commit()
        outbox = tmp_path / "reminders"

        async def run_app_at(moment: object) -> int:
            """Start an app instance (lifespan and all), tick its scheduler once at ``moment``, stop it."""
            app = _app(settings, engine, connection, outbox)
            app.state.clock = lambda: moment
            async with app.router.lifespan_context(app):
                return await app.state.reminders.tick()

        assert await run_app_at(start - timedelta(hours=30)) == 0  # too early for anything
        # Restart: a new instance, now inside the 24-hour window.
        assert await run_app_at(start - timedelta(hours=23)) == 1
        # Restart again in the same window: nothing is repeated.
        assert await run_app_at(start - timedelta(hours=22)) == 0
        assert await run_app_at(start - timedelta(minutes=50)) == 1
        assert await run_app_at(start - timedelta(minutes=10)) == 0
        assert await run_app_at(start + timedelta(minutes=5)) == 0  # never after the start
        subjects = [m["Subject"] for m in read_outbox(outbox)]
        assert len(subjects) == 2
        assert "is tomorrow" in subjects[0] and "starts in an hour" in subjects[1]
        assert all(m["To"] == customer.email for m in read_outbox(outbox))
        assert appointment.id is not None

    async def test_a_booking_made_within_a_day_gets_only_the_one_hour_reminder(
        self,
        settings: Settings,
        session: AsyncSession,
        tmp_path: Path,
        engine: AsyncEngine,
        connection: AsyncConnection,
    ) -> None:
        store = await make_store(session)
        stylist = await make_stylist(session, store)
        customer = await make_customer(session)
        service = await make_service(session, store)
        start = tomorrow_at(10)
        await make_shift(session, stylist, store, start, hours=2)
        postman = Postman(settings, FileOutbox(tmp_path / "booking"))
        booked_at = start - timedelta(hours=5)
        await booking.book(
            session,
            customer=customer,
            data=BookIn(service_id=service.id, start=start),
            idempotency_key=None,
            now=booked_at,
            postman=postman,
            base_url="",
        )
        await session.commit()
        from sqlmodel import select

        from app.booking.models import Appointment

        row = (await session.exec(select(Appointment))).one()
        row.created_at = booked_at
        session.add(row)
        await session.commit()
        app = _app(settings, engine, connection, tmp_path / "reminders")
        app.state.clock = lambda: start - timedelta(hours=4)
        assert await app.state.reminders.tick() == 0
        app.state.clock = lambda: start - timedelta(minutes=30)
        assert await app.state.reminders.tick() == 1
        assert len(read_outbox(tmp_path / "reminders")) == 1


class TestNoReminderThatIsNoLongerTrue:
    """A tick that runs late (after a restart) or finds the session under way sends nothing false."""

    async def _world(
        self, session: AsyncSession, *, start: object, booked_at: object, status: str = "booked"
    ) -> object:
        from app.booking.models import Appointment

        store = await make_store(session)
        stylist = await make_stylist(session, store)
        customer = await make_customer(session, locale="en")
        service = await make_service(session, store)
        appointment = await make_appointment(
            session,
            customer=customer,
            stylist=stylist,
            service=service,
            start=start,
            status=status,
            created_at=booked_at,
        )
        await session.commit()
        assert isinstance(appointment, Appointment)
        return appointment

    def _ticker(
        self,
        settings: Settings,
        engine: AsyncEngine,
        connection: AsyncConnection,
        outbox: Path,
    ):  # type: ignore[no-untyped-def]
        app = _app(settings, engine, connection, outbox)

        async def tick_at(moment: object) -> int:
            app.state.clock = lambda: moment
            return await app.state.reminders.tick()

        return tick_at

    async def test_a_late_tick_on_the_day_itself_does_not_say_tomorrow(
        self,
        settings: Settings,
        engine: AsyncEngine,
        connection: AsyncConnection,
        session: AsyncSession,
        tmp_path: Path,
    ) -> None:
        start = tomorrow_at(18, days=3)  # 18:00 Tokyo
        await self._world(session, start=start, booked_at=start - timedelta(days=10))
        tick_at = self._ticker(settings, engine, connection, tmp_path / "out")
        # The server was down through the evening before; it comes back at 09:00 on the day.
        assert await tick_at(start - timedelta(hours=9)) == 0
        assert await tick_at(start - timedelta(minutes=55)) == 1
        subjects = [m["Subject"] for m in read_outbox(tmp_path / "out")]
        assert len(subjects) == 1 and "starts in an hour" in subjects[0]

    async def test_a_late_tick_close_to_the_start_does_not_say_in_an_hour(
        self,
        settings: Settings,
        engine: AsyncEngine,
        connection: AsyncConnection,
        session: AsyncSession,
        tmp_path: Path,
    ) -> None:
        start = tomorrow_at(13, days=3)
        appointment = await self._world(session, start=start, booked_at=start - timedelta(days=10))
        tick_at = self._ticker(settings, engine, connection, tmp_path / "out")
        assert await tick_at(start - timedelta(hours=23)) == 1  # the day before: sent
        # Restarted at 12:52: "starts in an hour" would be false, and is not sent — ever.
        assert await tick_at(start - timedelta(minutes=8)) == 0
        assert await tick_at(start - timedelta(minutes=2)) == 0
        assert await tick_at(start + timedelta(minutes=5)) == 0
        await session.refresh(appointment)
        assert appointment.reminder_1h_sent_at is not None  # handled, not pending
        subjects = [m["Subject"] for m in read_outbox(tmp_path / "out")]
        assert len(subjects) == 1 and "is tomorrow" in subjects[0]

    async def test_none_once_the_call_is_under_way(
        self,
        settings: Settings,
        engine: AsyncEngine,
        connection: AsyncConnection,
        session: AsyncSession,
        tmp_path: Path,
    ) -> None:
        from app.consultation.models import CallRecord

        start = tomorrow_at(13, days=3)
        appointment = await self._world(session, start=start, booked_at=start - timedelta(days=10))
        session.add(
            CallRecord(appointment_id=appointment.id, started_at=start - timedelta(hours=1))
        )  # type: ignore[attr-defined]
        await session.commit()
        tick_at = self._ticker(settings, engine, connection, tmp_path / "out")
        assert await tick_at(start - timedelta(minutes=45)) == 0
        assert read_outbox(tmp_path / "out") == []

    async def test_none_for_a_cancelled_or_past_session(
        self,
        settings: Settings,
        engine: AsyncEngine,
        connection: AsyncConnection,
        session: AsyncSession,
        tmp_path: Path,
    ) -> None:
        start = tomorrow_at(13, days=3)
        await self._world(
            session, start=start, booked_at=start - timedelta(days=10), status="cancelled"
        )
        await self._world(
            session, start=start - timedelta(days=2), booked_at=start - timedelta(days=10)
        )
        tick_at = self._ticker(settings, engine, connection, tmp_path / "out")
        assert await tick_at(start - timedelta(minutes=50)) == 0
        assert await tick_at(start - timedelta(hours=23)) == 0
        assert read_outbox(tmp_path / "out") == []

    async def test_a_booking_made_within_the_hour_gets_no_reminder(
        self,
        settings: Settings,
        engine: AsyncEngine,
        connection: AsyncConnection,
        session: AsyncSession,
        tmp_path: Path,
    ) -> None:
        start = tomorrow_at(13, days=3)
        await self._world(session, start=start, booked_at=start - timedelta(minutes=45))
        tick_at = self._ticker(settings, engine, connection, tmp_path / "out")
        assert await tick_at(start - timedelta(minutes=44)) == 0
        assert read_outbox(tmp_path / "out") == []
