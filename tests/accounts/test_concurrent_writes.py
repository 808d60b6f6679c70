"""Requests that read and then write, at the same moment, against a live server on a real SQLite
file: none of them may fail with a 500.

On SQLite in WAL mode a transaction that began as a read and then writes cannot go on once another
connection has committed since its read ("database is locked" at once, no waiting): logins that
overlapped failed exactly so in a browser test. Writing requests now take the write lock first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from tests.factories import login, make_customer
from tests.live import Server, live_app


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from live_app("sqlite", tmp_path_factory, "writes")


async def test_overlapping_logins_all_succeed(server: Server) -> None:
    async with server.db.sessions() as session:
        people = [await make_customer(session) for _ in range(12)]
        await session.commit()

    async def log_in(email: str) -> None:
        async with httpx.AsyncClient(base_url=server.http, timeout=60) as client:
            await login(client, email)  # asserts the 303 of a successful login
            assert (await client.get("/api/v1/me")).json()["email"] == email

    for _ in range(3):  # the window is a few milliseconds wide: give it several chances
        await asyncio.gather(*(log_in(person.email) for person in people))
