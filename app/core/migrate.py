"""Apply Alembic migrations on the app's own async engine (start-up, CLI and tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).resolve().parents[1] / "migrations"
# Any fixed number works; it only has to be the same for every process of this app.
_PG_MIGRATION_LOCK = 4_242_001


def alembic_config(connection: Any | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("file_template", "%%(year)d-%%(month).2d-%%(day).2d_%%(rev)s_%%(slug)s")
    config.attributes["connection"] = connection
    return config


def _upgrade(sync_connection: Any) -> None:
    command.upgrade(alembic_config(sync_connection), "head")


def _current(sync_connection: Any) -> str | None:
    return MigrationContext.configure(sync_connection).get_current_revision()


async def upgrade(engine: AsyncEngine) -> None:
    """Bring the schema to head. On PostgreSQL an advisory lock keeps two starting apps apart."""
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(text(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})"))
        await conn.run_sync(_upgrade)


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(_current)
