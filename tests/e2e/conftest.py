"""A live server (uvicorn in a thread, its own SQLite file with demo data) and one shared Chromium."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from app.core.config import Settings
from app.core.db import Database, create_engine, write_transaction
from app.core.mail import FileOutbox
from app.core.migrate import upgrade
from app.demo.loader import load_demo
from app.main import create_app
from tests.conftest import free_port, service_missing
from tests.live import serve

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"


@dataclass
class LiveServer:
    base_url: str
    outbox: Path
    settings: Settings


async def _prepare_database(url: str) -> None:
    engine = create_engine(url)
    await upgrade(engine)
    db = Database(engine)
    async with write_transaction(db) as session:
        await load_demo(session)
        await session.commit()
    await engine.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    var_dir = tmp_path_factory.mktemp("live")
    port = free_port()
    settings = Settings(
        env="test",
        var_dir=var_dir,
        secret_key="live-server-secret-key-for-tests-only",
        database_url=f"sqlite:///{var_dir / 'live.db'}",
        public_base_url=f"http://127.0.0.1:{port}",
        cookie_secure=False,
    )
    loop = asyncio.new_event_loop()
    loop.run_until_complete(_prepare_database(settings.database_url))
    loop.close()
    app = create_app(settings, mailer=FileOutbox(settings.outbox_dir))
    with serve(app, port) as base_url:
        yield LiveServer(base_url, settings.outbox_dir, settings)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.exists():
        service_missing("Chromium", "install Debian's chromium (make test does)")
    async with async_playwright() as playwright:
        instance = await playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--use-fake-device-for-media-stream",
                "--use-fake-ui-for-media-stream",
                "--allow-loopback-in-peer-connection",
            ],
        )
        yield instance
        await instance.close()


@dataclass
class Tab:
    """A browser tab that records console errors and failed requests."""

    page: Page
    context: BrowserContext
    problems: list[str] = field(default_factory=list)

    async def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        await self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _request_failed(tab: Tab, url: str, failure: str | None) -> None:
    # Leaving a page cancels its in-flight image loads (net::ERR_ABORTED): that is navigation,
    # not a defect. Every other failure (refused, reset, DNS, blocked) is recorded.
    if failure != "net::ERR_ABORTED":
        tab.problems.append(f"request failed: {url} ({failure})")


async def open_tab(browser: Browser, *, locale: str = "ja", phone: bool = True) -> Tab:
    viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
    context = await browser.new_context(
        viewport=viewport,
        locale=locale,
        extra_http_headers={"Accept-Language": locale},
        permissions=["camera", "microphone"],
    )
    page = await context.new_page()
    tab = Tab(page, context)
    page.on(
        "console",
        lambda m: tab.problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: tab.problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: _request_failed(tab, r.url, r.failure))
    return tab
