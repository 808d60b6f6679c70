"""The schema comes from the migrations, and the migrations say what the models say."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
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


class TestStartup:
    async def test_starting_the_app_migrates_an_empty_sqlite_database_in_wal_mode(
        self, tmp_path: Path
    ) -> None:
        from app.core.config import Settings
        from app.main import create_app

        url = f"sqlite:///{tmp_path / 'fresh.db'}"
        settings = Settings(env="test", var_dir=tmp_path, secret_key="k" * 40, database_url=url)
        app = create_app(settings)
        async with app.router.lifespan_context(app), app.state.db.engine.connect() as conn:
            mode = (await conn.execute(text("PRAGMA journal_mode"))).scalar_one()
            tables = set(
                (
                    await conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))
                ).scalars()
            )
        assert mode == "wal"
        assert {"user_account", "store", "catalog_item", "alembic_version"} <= tables
