"""Shared fixtures.

Every database test runs once on SQLite and once on PostgreSQL (when CLOSETCALL_TEST_DATABASE_URL is
set). The schema is built by running the migrations; each test runs inside an outer transaction on
one connection that is rolled back afterwards, and the app under test is bound to that connection.
"""

from __future__ import annotations

import os
import re
import socket
import uuid
from collections.abc import AsyncIterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.config import Settings
from app.core.db import Database, create_engine
from app.core.mail import FileOutbox
from app.core.migrate import upgrade
from app.main import create_app

PG_URL = os.environ.get("CLOSETCALL_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("CLOSETCALL_TEST_REDIS_URL")
REQUIRE_SERVICES = os.environ.get("CLOSETCALL_TEST_REQUIRE_SERVICES") == "1"


def service_missing(name: str, variable: str) -> None:
    """Skip with the reason when a service is not configured, or fail when CI requires it."""
    message = f"{name} not configured: set {variable} to run this test"
    if REQUIRE_SERVICES:
        pytest.fail(f"{message} (CLOSETCALL_TEST_REQUIRE_SERVICES=1 makes this a failure)")
    pytest.skip(message)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
async def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[AsyncEngine]:
    """A migrated database of each kind, shared by the whole session."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "test.db"
        engine = create_engine(f"sqlite:///{path}")
        await upgrade(engine)
        yield engine
        await engine.dispose()
        return
    if not PG_URL:
        service_missing("PostgreSQL", "CLOSETCALL_TEST_DATABASE_URL")
    schema = f"cc_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(PG_URL, schema=schema)
    try:
        await upgrade(engine)
        yield engine
    finally:
        await engine.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """One connection in an outer transaction that is rolled back after the test."""
    async with engine.connect() as conn:
        outer = await conn.begin()
        try:
            yield conn
        finally:
            await outer.rollback()


class BoundDatabase(Database):
    """The app's Database, but every session joins the test's outer transaction via savepoints."""

    def __init__(self, engine: AsyncEngine, conn: AsyncConnection) -> None:
        super().__init__(engine)
        self.sessions = async_sessionmaker(
            bind=conn,
            class_=AsyncSession,
            expire_on_commit=False,
            join_transaction_mode="create_savepoint",
        )


@pytest.fixture
async def session(engine: AsyncEngine, connection: AsyncConnection) -> AsyncIterator[AsyncSession]:
    """A session for arranging and checking data inside the test's transaction."""
    async with BoundDatabase(engine, connection).sessions() as s:
        yield s


@pytest.fixture
def outbox_dir(tmp_path: Path) -> Path:
    return tmp_path / "outbox"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        env="test",
        var_dir=tmp_path,
        secret_key="test-secret-key-not-for-production",
        database_url=f"sqlite:///{tmp_path / 'unused.db'}",
        public_base_url="http://testserver",
        cookie_secure=False,  # the test client speaks plain http
        reminders_enabled=False,  # tests call app.state.reminders.tick() with their own clock
    )


@pytest.fixture
def app(
    settings: Settings, engine: AsyncEngine, connection: AsyncConnection, outbox_dir: Path
) -> FastAPI:
    return create_app(
        settings,
        database=BoundDatabase(engine, connection),
        mailer=FileOutbox(outbox_dir),
        migrate=False,
    )


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", follow_redirects=False
    ) as c:
        yield c


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def read_outbox(directory: Path) -> list[EmailMessage]:
    """Messages the app sent, oldest first."""
    if not directory.exists():
        return []
    messages = []
    for path in sorted(directory.glob("*.eml")):
        with path.open("rb") as fh:
            messages.append(BytesParser(policy=policy.default).parse(fh))
    return messages  # type: ignore[return-value]


def mail_text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return body.get_content()


def link_in(message: EmailMessage, path_prefix: str) -> str:
    match = re.search(
        rf"http://testserver({re.escape(path_prefix)}[A-Za-z0-9_\-]+)", mail_text(message)
    )
    assert match, f"no {path_prefix} link in: {mail_text(message)}"
    return match.group(1)
