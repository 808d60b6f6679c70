"""The schema comes from the migrations, and the migrations say what the models say."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.migrate import alembic_config, current_revision, upgrade
from app.core.models import metadata


def _diff(sync_connection: Any) -> list[Any]:
    context = MigrationContext.configure(sync_connection, opts={"compare_type": True})
    return compare_metadata(context, metadata)


class TestMigrations:
    async def test_models_and_migrations_agree(self, engine: AsyncEngine) -> None:
        async with engine.connect() as conn:
            differences = await conn.run_sync(_diff)
        assert differences == [], f"models and migrations disagree: {differences}"

    async def test_database_is_at_head_and_upgrade_is_repeatable(self, engine: AsyncEngine) -> None:
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert await current_revision(engine) == head
        await upgrade(engine)  # a second start-up must be a no-op
        assert await current_revision(engine) == head

    def test_migration_files_have_dated_names(self) -> None:
        script = ScriptDirectory.from_config(alembic_config())
        for revision in script.walk_revisions():
            name = revision.path.rsplit("/", 1)[-1]
            assert name[:4].isdigit() and name[4] == "-" and name[7] == "-", name
