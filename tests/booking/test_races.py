"""The races an attacker found from the published API, fired as real concurrent HTTP requests.

Each runs against live servers on SQLite and on PostgreSQL; the "cluster" is two app processes
(``closetcall serve``, each with its own interpreter, pool and event loop) on one database.

- a manager's hand-off racing a reschedule of the same appointment into the other stylist's slot
- a roster edit (shrinking a shift) racing a booking inside the part that goes away
- concurrent retries with one Idempotency-Key (and the same key with a different body)
- "any stylist" bookings from two app processes, which deadlocked on PostgreSQL

After every race: no 5xx, and the database holds no two active appointments of one stylist that
share time, and no booked appointment outside its stylist's approved shifts.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import select

from app.accounts.models import AuthSession, User
from app.booking.models import ACTIVE, Appointment, AppointmentStatus
from app.core.config import PROJECT_ROOT
from app.core.db import Database, create_engine
from app.core.security import new_token, sign, token_digest
from app.core.types import utcnow
from app.scheduling.models import Shift
from tests.conftest import PG_URL, free_port, service_missing
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

SECRET = "race-test-secret-key-0123456789abcdefgh"
ROUNDS = 10  # independent copies of each race, fired at the same moment


@dataclass
class Cluster:
    urls: list[str]
    db: Database


async def _exec(url: str, sql: str) -> None:
    # AUTOCOMMIT: CREATE and DROP DATABASE cannot run inside a transaction.
    engine = create_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(sql))
    await engine.dispose()


def _wait_until_serving(process: subprocess.Popen[bytes], url: str) -> None:
    """Block until the process answers /healthz (a new process takes a second or two)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"app process exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"app process on {url} did not start")


def _cluster(kind: str, instances: int, var_dir: Path) -> Iterator[Cluster]:
    """``instances`` app processes (``closetcall serve``, each its own interpreter, pool and
    event loop) on one database: a PostgreSQL database of its own, or one SQLite file."""
    database = None
    if kind == "sqlite":
        url = f"sqlite:///{var_dir / 'race.db'}"
    else:
        if not PG_URL:
            service_missing("PostgreSQL", "CLOSETCALL_TEST_DATABASE_URL")
        database = f"cc_races_{uuid.uuid4().hex[:8]}"
        asyncio.run(_exec(PG_URL, f'CREATE DATABASE "{database}"'))
        url = make_url(PG_URL).set(database=database).render_as_string(hide_password=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOSETCALL_")}
    env.update(
        {
            "CLOSETCALL_ENV": "test",
            "CLOSETCALL_VAR_DIR": str(var_dir),
            "CLOSETCALL_SECRET_KEY": SECRET,
            "CLOSETCALL_DATABASE_URL": url,
            "CLOSETCALL_COOKIE_SECURE": "false",
            "CLOSETCALL_REMINDERS_ENABLED": "false",
            "PYTHONPATH": str(PROJECT_ROOT),
        }
    )
    cli = [sys.executable, "-m", "app.cli"]
    # cwd: var_dir, so a developer's .env in the project is not read.
    subprocess.run([*cli, "migrate"], env=env, cwd=var_dir, check=True, capture_output=True)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        urls = []
        for _ in range(instances):
            port = free_port()
            command = [*cli, "serve", "--host", "127.0.0.1", "--port", str(port)]
            processes.append(
                subprocess.Popen(
                    command,
                    env=env,
                    cwd=var_dir,
                    stdout=subprocess.DEVNULL,
                    stderr=(var_dir / f"server-{port}.log").open("wb"),
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        for process, url_of in zip(processes, urls, strict=True):
            _wait_until_serving(process, url_of)
        cluster = Cluster(urls, Database(create_engine(url)))
        yield cluster
        asyncio.run(cluster.db.dispose())
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if database:
            asyncio.run(_exec(PG_URL, f'DROP DATABASE "{database}" WITH (FORCE)'))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="module")
def cluster(kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Two app processes on one database."""
    yield from _cluster(kind, 2, tmp_path_factory.mktemp(f"races-{kind}"))


@dataclass
class Browser:
    user: User
    cookie: str
    csrf: str

    def headers(self) -> dict[str, str]:
        return {"Cookie": self.cookie, "X-CSRF-Token": self.csrf, "Accept-Language": "en"}


async def _browser(session: Any, user: User) -> Browser:
    token, csrf = new_token(), new_token()
    session.add(
        AuthSession(
            id=token_digest(token), user_id=user.id, expires_at=utcnow() + timedelta(hours=1)
        )
    )
    cookie = f"cc_session={sign(token, SECRET, 'session')}; cc_csrf={sign(csrf, SECRET, 'csrf')}"
    return Browser(user, cookie, csrf)


Call = tuple[str, str, Browser, dict[str, Any] | None, dict[str, str]]


async def _fire(cluster: Cluster, calls: list[Call]) -> list[httpx.Response]:
    """Send every request at the same moment, alternating between the app instances."""
    limits = httpx.Limits(max_connections=len(calls), max_keepalive_connections=len(calls))
    clients = [httpx.AsyncClient(base_url=url, timeout=60, limits=limits) for url in cluster.urls]
    go = asyncio.Event()

    async def one(index: int, call: Call) -> httpx.Response:
        method, path, browser, body, extra = call
        client = clients[index % len(clients)]
        await go.wait()
        return await client.request(method, path, json=body, headers={**browser.headers(), **extra})

    try:
        tasks = [asyncio.create_task(one(i, c)) for i, c in enumerate(calls)]
        await asyncio.sleep(0)
        go.set()
        return await asyncio.gather(*tasks)
    finally:
        for client in clients:
            await client.aclose()


async def _assert_calendars_hold(cluster: Cluster, store_id: int) -> None:
    """No two active appointments of a stylist share time; every booked one is on a shift."""
    async with cluster.db.sessions() as session:
        active = [
            a
            for a in (
                await session.exec(select(Appointment).where(Appointment.store_id == store_id))
            ).all()
            if a.status in ACTIVE
        ]
        shifts = (
            await session.exec(
                select(Shift).where(Shift.store_id == store_id, Shift.status == "approved")
            )
        ).all()
    by_stylist: dict[int, list[Appointment]] = {}
    for appointment in active:
        by_stylist.setdefault(appointment.staff_id, []).append(appointment)
    for staff_id, mine in by_stylist.items():
        mine.sort(key=lambda a: a.blocked_from)
        for before, after in pairwise(mine):
            assert before.blocked_until <= after.blocked_from, (
                f"stylist {staff_id} double-booked: {before.id} and {after.id}"
            )
        for appointment in mine:
            if appointment.status == AppointmentStatus.booked:
                assert any(
                    s.staff_id == staff_id
                    and s.starts_at <= appointment.starts_at
                    and appointment.ends_at <= s.ends_at
                    for s in shifts
                ), f"appointment {appointment.id} lies outside every approved shift"


def _no_server_errors(responses: list[httpx.Response]) -> Counter[int]:
    statuses = Counter(r.status_code for r in responses)
    errors = [r.text for r in responses if r.status_code >= 500]
    assert not errors, errors[:3]
    return statuses


@dataclass
class Shop:
    store_id: int
    service_id: int
    manager: Browser
    stylists: list[User]


async def _shop(cluster: Cluster, stylists: int, days: int = ROUNDS) -> Shop:
    """A store, its manager, stylists on shift 09:00–15:00 for ``days`` days, a 30-minute service
    with 10-minute buffers, no notice needed to book or change."""
    async with cluster.db.sessions() as session:
        store = await make_store(session)
        manager = await _browser(session, await make_manager(session, store))
        people = [await make_stylist(session, store) for _ in range(stylists)]
        for day in range(1, days + 1):
            for stylist in people:
                await make_shift(session, stylist, store, tomorrow_at(9, days=day), hours=6)
        service = await make_service(
            session,
            store,
            buffer_before_min=10,
            buffer_after_min=10,
            min_notice_min=0,
            cancellation_notice_hours=0,
        )
        await session.commit()
        return Shop(store.id, service.id, manager, people)  # type: ignore[arg-type]


async def _booked(
    session: Any, shop: Shop, customer: User, stylist: User, start: Any, **extra: Any
) -> int:
    """An appointment already on the calendar (buffers included in its blocked time)."""
    from app.booking.models import Service

    service = await session.get(Service, shop.service_id)
    appointment = await make_appointment(
        session,
        customer=customer,
        stylist=stylist,
        service=service,
        start=start,
        blocked_from=start - timedelta(minutes=10),
        blocked_until=start + timedelta(minutes=40),
        **extra,
    )
    return appointment.id


class TestHandOffRacingReschedule:
    async def test_the_appointment_never_lands_on_a_stylist_at_a_taken_time(
        self, cluster: Cluster
    ) -> None:
        """X is A's at 10:00, Y is B's at 12:00. At once: the manager hands X to B (free at
        10:00) and X's customer moves X to 12:00 (A is free then). Merged, X became B's at
        12:00, on top of Y."""
        shop = await _shop(cluster, stylists=2)
        a, b = shop.stylists
        calls: list[Call] = []
        async with cluster.db.sessions() as session:
            for day in range(1, ROUNDS + 1):
                customer = await make_customer(session)
                x = await _booked(session, shop, customer, a, tomorrow_at(10, days=day))
                await _booked(
                    session, shop, await make_customer(session), b, tomorrow_at(12, days=day)
                )
                owner = await _browser(session, customer)
                move = {"start": tomorrow_at(12, days=day).isoformat()}
                calls.append(
                    (
                        "POST",
                        f"/api/v1/appointments/{x}/handoff",
                        shop.manager,
                        {"staff_id": b.id},
                        {},
                    )
                )
                calls.append(("POST", f"/api/v1/appointments/{x}/reschedule", owner, move, {}))
            await session.commit()
        responses = await _fire(cluster, calls)
        statuses = _no_server_errors(responses)
        assert set(statuses) <= {200, 409}, statuses
        assert statuses[200] >= ROUNDS, statuses  # whichever comes first goes through
        await _assert_calendars_hold(cluster, shop.store_id)


class TestShiftEditRacingBooking:
    async def test_a_shift_never_shrinks_from_under_a_booking(self, cluster: Cluster) -> None:
        """At once: the manager shrinks A's 09:00–15:00 shift to 09:00–11:00 and a customer books
        A at 13:00. One of them must lose; before the fix both answered 2xx."""
        shop = await _shop(cluster, stylists=1)
        [a] = shop.stylists
        calls: list[Call] = []
        zone = ZoneInfo("Asia/Tokyo")
        async with cluster.db.sessions() as session:
            shifts = (
                await session.exec(select(Shift).where(Shift.store_id == shop.store_id))
            ).all()
            for shift in shifts:
                local = shift.starts_at.astimezone(zone)
                shrink = {
                    "on_date": local.date().isoformat(),
                    "starts": "09:00",
                    "ends": "11:00",
                }
                customer = await _browser(session, await make_customer(session))
                book = {
                    "service_id": shop.service_id,
                    "start": local.replace(hour=13).isoformat(),
                    "staff_id": a.id,
                }
                calls.append(("PUT", f"/api/v1/shifts/{shift.id}", shop.manager, shrink, {}))
                calls.append(("POST", "/api/v1/appointments", customer, book, {}))
            await session.commit()
        responses = await _fire(cluster, calls)
        _no_server_errors(responses)
        for edit, booking in zip(responses[::2], responses[1::2], strict=True):
            outcome = (edit.status_code, booking.status_code)
            assert outcome in {(200, 422), (409, 201)}, (outcome, edit.text, booking.text)
            if edit.status_code == 409:
                assert edit.json()["error"] == "shift_has_appointments"
        await _assert_calendars_hold(cluster, shop.store_id)


class TestIdempotentRetries:
    async def test_parallel_retries_with_one_key_all_get_the_one_booking(
        self, cluster: Cluster
    ) -> None:
        shop = await _shop(cluster, stylists=2, days=1)
        async with cluster.db.sessions() as session:
            customers = [await _browser(session, await make_customer(session)) for _ in range(5)]
            await session.commit()
        calls: list[Call] = []
        for index, customer in enumerate(customers):
            body = {"service_id": shop.service_id, "start": tomorrow_at(10 + index).isoformat()}
            key = {"Idempotency-Key": f"retry-{uuid.uuid4()}"}
            calls += [("POST", "/api/v1/appointments", customer, body, key)] * 8
        responses = await _fire(cluster, calls)
        statuses = _no_server_errors(responses)
        assert statuses == {201: len(calls)}, statuses  # none is told that its booking failed
        for index in range(len(customers)):
            batch = responses[index * 8 : (index + 1) * 8]
            assert len({r.json()["id"] for r in batch}) == 1
            assert [r.headers.get("Idempotent-Replayed") for r in batch].count(None) == 1
        async with cluster.db.sessions() as session:
            mine = (
                await session.exec(select(Appointment).where(Appointment.store_id == shop.store_id))
            ).all()
        assert len(mine) == len(customers)

    async def test_the_same_key_with_another_body_is_refused_not_replayed(
        self, cluster: Cluster
    ) -> None:
        shop = await _shop(cluster, stylists=2, days=1)
        async with cluster.db.sessions() as session:
            customer = await _browser(session, await make_customer(session))
            await session.commit()
        key = {"Idempotency-Key": f"retry-{uuid.uuid4()}"}
        calls: list[Call] = [
            (
                "POST",
                "/api/v1/appointments",
                customer,
                {"service_id": shop.service_id, "start": tomorrow_at(10 + i % 2).isoformat()},
                key,
            )
            for i in range(10)
        ]
        responses = await _fire(cluster, calls)
        statuses = _no_server_errors(responses)
        assert statuses == {201: 5, 422: 5}, statuses
        winners = {r.json()["id"] for r in responses if r.status_code == 201}
        assert len(winners) == 1
        for response in responses:
            if response.status_code == 422:
                assert response.json()["error"] == "idempotency_key_reused"


class TestAnyStylistAcrossInstances:
    async def test_two_hundred_any_stylist_bookings_never_deadlock(self, cluster: Cluster) -> None:
        """Customers with different previous stylists prefer stylists in different orders; with
        locks taken in preference order that deadlocked between the two instances."""
        shop = await _shop(cluster, stylists=4, days=2)
        calls: list[Call] = []
        async with cluster.db.sessions() as session:
            for index in range(200):
                user = await make_customer(session)
                # A past session with a different stylist each: a different preference order.
                await _booked(
                    session,
                    shop,
                    user,
                    shop.stylists[index % 4],
                    tomorrow_at(9, days=-1 - index // 4),
                    status=AppointmentStatus.completed,
                )
                start = tomorrow_at(9, days=1 + index % 2) + timedelta(minutes=30 * (index % 10))
                calls.append(
                    (
                        "POST",
                        "/api/v1/appointments",
                        await _browser(session, user),
                        {"service_id": shop.service_id, "start": start.isoformat()},
                        {},
                    )
                )
            await session.commit()
        responses = await _fire(cluster, calls)
        statuses = _no_server_errors(responses)
        assert set(statuses) <= {201, 409}, statuses
        assert statuses[201] > 0
        await _assert_calendars_hold(cluster, shop.store_id)
