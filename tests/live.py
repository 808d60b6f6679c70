"""Run the real app under uvicorn in a background thread (its own event loop) for end-to-end tests."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import AuthSession, User
from app.cli import SERVER_OPTIONS
from app.core.config import Settings
from app.core.db import Database, create_engine
from app.core.mail import FileOutbox
from app.core.security import new_token, sign, token_digest
from app.core.types import utcnow
from app.main import create_app


@contextmanager
def serve(app: FastAPI, port: int, **options: Any) -> Iterator[str]:
    """Serve as ``closetcall serve`` does; ``options`` override its uvicorn settings."""
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
            **{**SERVER_OPTIONS, **options},  # type: ignore[arg-type]
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("live server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


# ---- a whole live app on its own database (SQLite file or a PostgreSQL schema), for socket tests

SECRET = "live-test-secret-key-0123456789abcdef"


@dataclass
class Server:
    http: str
    ws: str
    db: Database
    app: FastAPI


@dataclass
class Person:
    user: User
    cookie: str


async def _exec(url: str, sql: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text(sql))
    await engine.dispose()


def live_app(
    kind: str, tmp_path_factory: pytest.TempPathFactory, name: str, **options: Any
) -> Iterator[Server]:
    """Serve a fresh app on SQLite or PostgreSQL (skipped, or failed in CI, without PostgreSQL)."""
    from tests.conftest import PG_URL, free_port, service_missing

    var_dir: Path = tmp_path_factory.mktemp(f"{name}-{kind}")
    schema = None
    if kind == "sqlite":
        url = f"sqlite:///{var_dir / 'live.db'}"
    else:
        if not PG_URL:
            service_missing("PostgreSQL", "CLOSETCALL_TEST_DATABASE_URL")
        url, schema = PG_URL, f"cc_{name}_{uuid.uuid4().hex[:8]}"
        asyncio.run(_exec(url, f'CREATE SCHEMA "{schema}"'))
    port = free_port()
    settings = Settings(
        env="test",
        var_dir=var_dir,
        secret_key=SECRET,
        database_url=url,
        cookie_secure=False,
        reminders_enabled=False,
        public_base_url=f"http://127.0.0.1:{port}",
    )
    app = create_app(
        settings,
        database=Database(create_engine(url, schema=schema)),
        mailer=FileOutbox(var_dir / "out"),
    )
    with serve(app, port, **options) as base:
        yield Server(
            base, base.replace("http://", "ws://"), Database(create_engine(url, schema=schema)), app
        )
    if schema:
        asyncio.run(_exec(url, f'DROP SCHEMA "{schema}" CASCADE'))


async def person_with_session(
    session: AsyncSession, user: User, *, expired: bool = False
) -> Person:
    """A logged-in browser for ``user``: a real session row and its signed cookie."""
    token = new_token()
    expires = utcnow() + (timedelta(hours=-1) if expired else timedelta(hours=1))
    session.add(AuthSession(id=token_digest(token), user_id=user.id, expires_at=expires))
    return Person(user, f"cc_session={sign(token, SECRET, 'session')}")
