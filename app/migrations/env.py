"""Alembic environment: runs on a connection handed over by app.core.migrate, or on its own."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context

from app.core.models import metadata
from app.core.types import UTCDateTime

config = context.config


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Write our UTC type as the plain DateTime it stores, so versions import nothing of app."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def _run(connection: Any) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_standalone() -> None:
    from app.core.config import get_settings
    from app.core.db import create_engine

    engine = create_engine(get_settings().database_url)
    async with engine.begin() as conn:
        await conn.run_sync(_run)
    await engine.dispose()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    asyncio.run(_run_standalone())
