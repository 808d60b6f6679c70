"""No double booking, guaranteed by the database: 50 simultaneous requests over HTTP for one slot.

Runs against a live uvicorn server on SQLite (BEGIN IMMEDIATE) and on PostgreSQL (row lock).
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import select

from app.accounts.models import AuthSession
from app.booking.models import Appointment
from app.core.config import Settings
from app.core.db import Database, create_engine
from app.core.mail import FileOutbox
from app.core.security import new_token, sign, token_digest
from app.core.types import utcnow
from app.main import create_app
from tests.conftest import PG_URL, free_port, service_missing
from tests.factories import (
    make_customer,
    make_service,
    make_shift,
    make_store,
    make_stylist,
    tomorrow_at,
)
from tests.live import serve

REQUESTS = 50
SECRET = "concurrency-test-secret-key-0123456789"


@dataclass
class Target:
    base_url: str
    db: Database


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def target(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Target]:
    var_dir = tmp_path_factory.mktemp(f"race-{request.param}")
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{var_dir / 'race.db'}"
    else:
        if not PG_URL:
            service_missing("PostgreSQL", "CLOSETCALL_TEST_DATABASE_URL")
        url, schema = PG_URL, f"cc_race_{uuid.uuid4().hex[:8]}"
        admin = create_engine(url)
        asyncio.run(_exec(admin, f'CREATE SCHEMA "{schema}"'))
    settings = Settings(
        env="test",
        var_dir=var_dir,
        secret_key=SECRET,
        database_url=url,
        cookie_secure=False,
        reminders_enabled=False,
    )
    app = create_app(
        settings,
        database=Database(create_engine(url, schema=schema)),
        mailer=FileOutbox(var_dir / "out"),
    )
    with serve(app, free_port()) as base_url:
        yield Target(base_url, Database(create_engine(url, schema=schema)))
    if schema:
        asyncio.run(_exec(create_engine(url), f'DROP SCHEMA "{schema}" CASCADE'))


async def _exec(engine: object, sql: str) -> None:
    async with engine.begin() as conn:  # type: ignore[attr-defined]
        await conn.execute(text(sql))
    await engine.dispose()  # type: ignore[attr-defined]


@pytest.fixture
async def world(target: Target) -> AsyncIterator[dict]:
    """A store, one stylist with a shift tomorrow, and REQUESTS customers with live sessions."""
    async with target.db.sessions() as session:
        store = await make_store(session)
        stylist = await make_stylist(session, store)
        service = await make_service(session, store, buffer_before_min=10, buffer_after_min=10)
        await make_shift(session, stylist, store, tomorrow_at(10), hours=4)
        browsers = []
        for _ in range(REQUESTS):
            customer = await make_customer(session)
            token, csrf = new_token(), new_token()
            session.add(
                AuthSession(
                    id=token_digest(token),
                    user_id=customer.id,
                    expires_at=utcnow() + timedelta(hours=1),
                )
            )
            browsers.append(
                {
                    "cookies": {
                        "cc_session": sign(token, SECRET, "session"),
                        "cc_csrf": sign(csrf, SECRET, "csrf"),
                    },
                    "csrf": csrf,
                }
            )
        await session.commit()
        yield {"store": store, "stylist": stylist, "service": service, "browsers": browsers}
    await target.db.engine.dispose()


async def _fire(base_url: str, attempts: list[tuple[dict, dict]]) -> list[httpx.Response]:
    """Send every request at once. One client with a wide pool: building a client per request
    costs ~20 ms of CPU each, which spaced the requests out so that they never really raced."""
    limits = httpx.Limits(max_connections=len(attempts), max_keepalive_connections=len(attempts))
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as client:
        start = asyncio.Event()

        async def one(browser: dict, body: dict) -> httpx.Response:
            cookie = "; ".join(f"{k}={v}" for k, v in browser["cookies"].items())
            headers = {"Cookie": cookie, "X-CSRF-Token": browser["csrf"], "Accept-Language": "en"}
            await start.wait()
            return await client.post("/api/v1/appointments", json=body, headers=headers)

        tasks = [asyncio.create_task(one(b, body)) for b, body in attempts]
        await asyncio.sleep(0)
        start.set()
        return await asyncio.gather(*tasks)


class TestNoDoubleBooking:
    async def test_fifty_simultaneous_requests_for_one_slot_give_exactly_one_booking(
        self, target: Target, world: dict
    ) -> None:
        start = tomorrow_at(11)
        body = {
            "service_id": world["service"].id,
            "start": start.isoformat(),
            "staff_id": world["stylist"].id,
        }
        responses = await _fire(target.base_url, [(b, body) for b in world["browsers"]])
        statuses = Counter(r.status_code for r in responses)
        assert statuses == {201: 1, 409: REQUESTS - 1}, statuses
        for response in responses:
            if response.status_code == 409:
                assert response.json()["error"] == "slot_taken"
                assert "just taken" in response.json()["detail"]
        async with target.db.sessions() as session:
            booked = (
                await session.exec(
                    select(Appointment).where(Appointment.staff_id == world["stylist"].id)
                )
            ).all()
        assert len(booked) == 1

    async def test_overlapping_starts_within_the_buffers_also_collide(
        self, target: Target, world: dict
    ) -> None:
        # 11:00 and 11:30 sessions overlap once the 10-minute buffers are counted.
        bodies = [
            {
                "service_id": world["service"].id,
                "start": (tomorrow_at(11) + timedelta(minutes=30 * (i % 2))).isoformat(),
                "staff_id": world["stylist"].id,
            }
            for i in range(REQUESTS)
        ]
        responses = await _fire(target.base_url, list(zip(world["browsers"], bodies, strict=True)))
        statuses = Counter(r.status_code for r in responses)
        assert statuses[201] == 1 and statuses[409] == REQUESTS - 1, statuses
        assert not any(r.status_code >= 500 for r in responses)


@pytest.mark.parametrize("target", ["postgresql"], indirect=True)  # row locks are PostgreSQL's way
class TestStylistLock:
    async def test_a_second_writer_waits_for_the_first_and_then_sees_its_booking(
        self, target: Target, world: dict, tmp_path: Path
    ) -> None:
        from app.booking import service as booking
        from app.booking.schemas import BookIn
        from app.core.mail import Postman

        postman = Postman(
            Settings(env="test", var_dir=tmp_path, secret_key=SECRET), FileOutbox(tmp_path)
        )
        data = BookIn(
            service_id=world["service"].id, start=tomorrow_at(12), staff_id=world["stylist"].id
        )
        async with target.db.sessions() as setup:
            first, second = await make_customer(setup), await make_customer(setup)
            await setup.commit()
        async with target.db.sessions() as a, target.db.sessions() as b:
            await booking.book(
                a,
                customer=first,
                data=data,
                idempotency_key=None,
                now=utcnow(),
                postman=postman,
                base_url="",
            )
            # a holds the stylist's row lock and an uncommitted appointment.
            waiting = asyncio.create_task(
                booking.book(
                    b,
                    customer=second,
                    data=data,
                    idempotency_key=None,
                    now=utcnow(),
                    postman=postman,
                    base_url="",
                )
            )
            await asyncio.sleep(0.5)
            assert not waiting.done(), "the second writer did not wait for the stylist lock"
            await a.commit()
            with pytest.raises(booking.SlotTaken):
                await waiting
