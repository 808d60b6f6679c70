"""Engine, sessions and the request-owned transaction.

SQLite is driven with ``isolation_level=None`` so that we emit ``BEGIN`` ourselves: that makes
savepoints work (per-test rollback) and lets write paths that check before they insert ask for
``BEGIN IMMEDIATE`` (see ``write_lock``). PostgreSQL uses its own transaction handling.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core import events
from app.core.errors import AppError, InvalidInput
from app.core.i18n import gettext as _

_immediate: ContextVar[bool] = ContextVar("sqlite_begin_immediate", default=False)


def async_url(url: str) -> URL:
    """Turn a plain ``sqlite:///`` or ``postgresql://`` URL into its asyncio driver URL."""
    parsed = make_url(url)
    if parsed.drivername in ("sqlite", "sqlite+pysqlite"):
        return parsed.set(drivername="sqlite+aiosqlite")
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        return parsed.set(drivername="postgresql+asyncpg")
    return parsed


def create_engine(url: str, *, schema: str | None = None) -> AsyncEngine:
    """Create the async engine; ``schema`` pins PostgreSQL's search_path (used by tests)."""
    target = async_url(url)
    # hide_parameters: a failed query must not write emails or password hashes into the log.
    kwargs: dict[str, Any] = {"pool_pre_ping": True, "hide_parameters": True}
    if target.get_backend_name() == "sqlite":
        if target.database:
            from pathlib import Path

            Path(target.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 30}
    elif schema:
        kwargs["connect_args"] = {"server_settings": {"search_path": schema}}
    engine = create_async_engine(target, **kwargs)
    if target.get_backend_name() == "sqlite":
        _configure_sqlite(engine)
    event.listen(engine.sync_engine, "before_cursor_execute", _refuse_unstorable_text)
    return engine


def unstorable_text(value: str) -> bool:
    """True for text no database here can store faithfully.

    PostgreSQL refuses NUL in text (a DataError) and a lone surrogate (``"\\ud800"`` is valid
    JSON) cannot be encoded as UTF-8 at all; SQLite would keep the first and cut text at it on
    some reads. Both are refused where they arrive (``core.text``); this is the same rule.
    """
    if "\x00" in value:
        return True
    if value.isascii():
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


# No column of ours holds more than 64 bits; SQLite's driver raises OverflowError beyond them
# and PostgreSQL refuses them: either way the number came from outside.
_INT_LIMIT = 2**63


def _unstorable(params: Any, depth: int = 0) -> str | None:
    """What in these statement parameters no database of ours can take: "text", "number" or
    None. One walk per statement (this runs for every statement the app executes)."""
    if isinstance(params, str):
        return "text" if unstorable_text(params) else None
    if isinstance(params, int) and not isinstance(params, bool):
        return None if -_INT_LIMIT <= params < _INT_LIMIT else "number"
    if depth > 2 or params is None:
        return None
    if isinstance(params, dict):
        params = params.values()
    if isinstance(params, (list, tuple, type({}.values()))):
        for value in params:
            found = _unstorable(value, depth + 1)
            if found:
                return found
    return None


def _refuse_unstorable_text(
    _conn: Any, _cursor: Any, _statement: str, parameters: Any, _context: Any, _many: bool
) -> None:
    # The last line of defence for the whole family "a 500 on input the database cannot take":
    # any route that forgot its validator answers 422 and nothing of the statement is written
    # (the request's transaction rolls back on the error).
    found = _unstorable(parameters)
    if found == "text":
        raise InvalidInput(
            _("Please remove control characters (such as NUL) or broken characters from the text.")
        )
    if found == "number":
        raise InvalidInput(_("A number is far too large. Please check what you entered."))


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _immediate.get() else "BEGIN")


class Database:
    """Owns the engine and session factory for one app instance."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    async def dispose(self) -> None:
        await self.engine.dispose()


def get_database(request: Request) -> Database:
    return request.app.state.db


@asynccontextmanager
async def transaction(db: Database) -> AsyncIterator[AsyncSession]:
    """One unit of work: commit when the block ends, roll back if it raises, then side effects."""
    async with db.sessions() as session:
        try:
            yield session
            await session.commit()
        except AppError as exc:
            if exc.commit_changes:
                await session.commit()
            else:
                await session.rollback()
                events.discard(session)
            raise
        except BaseException:
            await session.rollback()
            events.discard(session)
            raise
    await events.run_after_commit(session)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_session(
    request: Request, db: Annotated[Database, Depends(get_database)]
) -> AsyncIterator[AsyncSession]:
    """The request owns the transaction: commit when the handler returns, roll back on error.

    On SQLite a request that may write (any method but GET, HEAD, OPTIONS) begins with BEGIN
    IMMEDIATE: a transaction that reads first and writes later cannot go on once another
    connection committed in between (WAL answers "database is locked" at once, without waiting),
    which made overlapping logins fail with a 500.
    """
    token = _immediate.set(request.method not in SAFE_METHODS)
    try:
        async with transaction(db) as session:
            yield session
    finally:
        _immediate.reset(token)


# scope="function": commit before the response is sent. With the default ("request") a client that
# follows a redirect quickly can arrive before the commit (seen: a fresh login bounced to /login),
# and a failing commit could no longer change the response.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def get_write_session(
    db: Annotated[Database, Depends(get_database)],
) -> AsyncIterator[AsyncSession]:
    """Like get_session, but on SQLite the transaction starts with BEGIN IMMEDIATE.

    For writes that check before they insert (booking): the database write lock is taken before
    the check, so two requests cannot both see a slot as free. PostgreSQL uses row locks instead.
    """
    token = _immediate.set(True)
    try:
        # Enter the same context manager directly: delegating with `async for` over get_session
        # would leave that generator suspended when the handler raises, so its rollback ran
        # only when the generator was collected, after the response (and the next request).
        async with transaction(db) as session:
            yield session
    finally:
        _immediate.reset(token)


WriteSessionDep = Annotated[AsyncSession, Depends(get_write_session, scope="function")]


@asynccontextmanager
async def write_transaction(db: Database) -> AsyncIterator[AsyncSession]:
    """transaction() taking SQLite's write lock first, for work outside a request (websockets)."""
    token = _immediate.set(True)
    try:
        async with transaction(db) as session:
            yield session
    finally:
        _immediate.reset(token)
