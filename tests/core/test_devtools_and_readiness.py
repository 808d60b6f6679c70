"""The development outbox page, and readiness including Redis when it is configured."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.config import Settings
from app.core.mail import FileOutbox, build_message
from app.main import create_app
from tests.conftest import BoundDatabase, service_missing


def _app(settings: Settings, engine: AsyncEngine, connection: AsyncConnection) -> FastAPI:
    # The background jobs (reminders, unread notices, reservation expiry) would tick on the same
    # test connection as the request while the lifespan runs; they are not what these tests check.
    settings = settings.model_copy(update={"reminders_enabled": False})
    return create_app(
        settings,
        database=BoundDatabase(engine, connection),
        mailer=FileOutbox(settings.outbox_dir),
        migrate=False,
    )


class TestDevOutbox:
    async def test_outbox_lists_and_shows_messages_in_development(
        self, tmp_path: Path, engine: AsyncEngine, connection: AsyncConnection
    ) -> None:
        settings = Settings(env="development", var_dir=tmp_path, secret_key="k" * 40)
        await FileOutbox(settings.outbox_dir).send(
            build_message(
                sender="a@x.jp",
                to="yuki@example.jp",
                subject="テスト件名",
                text="http://127.0.0.1:8000/password/reset/abc",
            )
        )
        app = _app(settings, engine, connection)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as client:
            listing = await client.get("/dev/outbox")
            assert listing.status_code == 200 and "テスト件名" in listing.text
            name = next(Path(settings.outbox_dir).glob("*.eml")).stem
            message = await client.get(f"/dev/outbox/{name}")
            assert (
                message.status_code == 200
                and 'href="http://127.0.0.1:8000/password/reset/abc"' in message.text
            )
            assert (await client.get("/dev/outbox/..%2Fsecret_key")).status_code == 404

    async def test_outbox_does_not_exist_outside_development(
        self, client: httpx.AsyncClient
    ) -> None:
        assert (await client.get("/dev/outbox")).status_code == 404


class TestReadiness:
    async def test_readyz_reports_redis_when_configured(
        self, tmp_path: Path, engine: AsyncEngine, connection: AsyncConnection
    ) -> None:
        url = os.environ.get("CLOSETCALL_TEST_REDIS_URL")
        if not url:
            service_missing("Redis", "CLOSETCALL_TEST_REDIS_URL")
        settings = Settings(env="test", var_dir=tmp_path, secret_key="k" * 40, redis_url=url)
        app = _app(settings, engine, connection)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://t"
            ) as client,
        ):
            response = await client.get("/readyz")
        assert response.status_code == 200
        assert response.json()["checks"] == {"database": "ok", "redis": "ok"}

    async def test_readyz_says_503_when_redis_is_down(
        self, tmp_path: Path, engine: AsyncEngine, connection: AsyncConnection
    ) -> None:
        from tests.conftest import free_port

        settings = Settings(
            env="test",
            var_dir=tmp_path,
            secret_key="k" * 40,
            redis_url=f"redis://127.0.0.1:{free_port()}/0",
        )
        app = _app(settings, engine, connection)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://t"
            ) as client,
        ):
            response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["checks"]["database"] == "ok"
        assert response.json()["checks"]["redis"].startswith("error")


@pytest.mark.parametrize("path", ["/openapi.json"])
async def test_openapi_documents_error_responses(
    client: httpx.AsyncClient, session: AsyncSession, path: str
) -> None:
    from tests.factories import login, make_store, make_stylist

    stylist = await make_stylist(session, await make_store(session))
    await login(client, stylist.email)  # the API description is for signed-in staff
    schema = (await client.get(path)).json()
    signup = schema["paths"]["/api/v1/auth/signup"]["post"]["responses"]
    assert {"201", "409", "422"} <= set(signup)
