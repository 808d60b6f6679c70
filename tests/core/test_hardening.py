"""What a scanner sees from outside: no server banner, no caching of personal answers, HSTS in
production, and the API description only for signed-in staff (or as configured)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.config import Settings
from app.main import create_app
from tests.conftest import BoundDatabase, free_port
from tests.factories import login, make_customer, make_store, make_stylist
from tests.live import serve


async def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


class TestApiDocs:
    @pytest.mark.parametrize("path", ["/openapi.json", "/docs"])
    async def test_only_signed_in_staff_get_the_api_description(
        self, app: FastAPI, session: AsyncSession, path: str
    ) -> None:
        stylist = await make_stylist(session, await make_store(session))
        customer = await make_customer(session)
        async with await _client(app) as anonymous:
            assert (await anonymous.get(path)).status_code == 404
        async with await _client(app) as client:
            await login(client, customer.email)
            assert (await client.get(path)).status_code == 404
        async with await _client(app) as client:
            await login(client, stylist.email)
            assert (await client.get(path)).status_code == 200

    @pytest.mark.parametrize(("mode", "status"), [("public", 200), ("off", 404)])
    async def test_the_setting_opens_or_closes_them(
        self, settings: Settings, engine: object, connection: object, mode: str, status: int
    ) -> None:
        app = create_app(
            settings.model_copy(update={"api_docs": mode}),
            database=BoundDatabase(engine, connection),  # type: ignore[arg-type]
            migrate=False,
        )
        async with await _client(app) as client:
            assert (await client.get("/openapi.json")).status_code == status


class TestHeaders:
    async def test_pages_and_api_answers_are_never_cached(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        customer = await make_customer(session)
        await login(client, customer.email)
        for path in ("/me", f"/api/v1/customers/{customer.id}", "/login"):
            response = await client.get(path)
            assert response.headers["cache-control"] == "no-store", path

    async def test_hsts_only_in_production(
        self, settings: Settings, engine: object, connection: object, tmp_path: Path
    ) -> None:
        production = settings.model_copy(update={"env": "production", "smtp_host": "smtp.example"})
        for chosen, expected in ((settings, None), (production, "max-age=63072000")):
            app = create_app(
                chosen,
                database=BoundDatabase(engine, connection),
                migrate=False,  # type: ignore[arg-type]
            )
            async with await _client(app) as client:
                value = (await client.get("/login")).headers.get("strict-transport-security")
            if expected is None:
                assert value is None
            else:
                assert value is not None and expected in value

    def test_no_server_banner_from_the_real_server(self, app: FastAPI) -> None:
        with serve(app, free_port()) as base:
            response = httpx.get(f"{base}/healthz")
        assert response.status_code == 200
        assert "server" not in response.headers
