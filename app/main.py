"""create_app(): lifespan, middleware, error handlers, routers and the /static mount."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from app.access import pages as access_pages
from app.access import service as access
from app.accounts import pages as account_pages
from app.accounts import router as account_api
from app.accounts.context import RequestContextMiddleware
from app.booking import pages as booking_pages
from app.booking import router as booking_api
from app.booking.reminders import ReminderScheduler
from app.chat import pages as chat_pages
from app.chat import router as chat_api
from app.chat import ws as chat_ws
from app.chat.notifier import UnreadNotifier
from app.chat.writer import ChatWriter
from app.chat.ws import RateLimiter
from app.consultation import call as call_page
from app.consultation import device as device_check
from app.consultation import pages as consultation_pages
from app.consultation import router as consultation_api
from app.consultation import ws as call_ws
from app.core import apidocs, devtools, health
from app.core.config import PROJECT_ROOT, Settings, get_settings
from app.core.db import Database, create_engine
from app.core.errors import install_error_handlers
from app.core.fastsocket import FastSockets
from app.core.mail import Mailer, Postman, create_mailer
from app.core.migrate import upgrade
from app.core.realtime import MemoryBroker, create_broker
from app.core.types import utcnow
from app.customer import pages as customer_pages
from app.customer import router as customer_api
from app.notices import pages as notice_pages
from app.scheduling import pages as scheduling_pages
from app.scheduling import router as scheduling_api
from app.store import pages as store_pages
from app.store import router as store_api
from app.wardrobe import advice_router as advice_api
from app.wardrobe import pages as wardrobe_pages
from app.wardrobe import router as wardrobe_api
from app.wardrobe.lookbooks import pages as lookbook_pages
from app.wardrobe.lookbooks import router as lookbook_api
from app.wardrobe.lookbooks.expiry import ReservationExpiry
from signaling.media import EchoPeers
from signaling.members import MemoryMemberStore, RedisMemberStore
from signaling.rooms import Registry
from signaling.stun_probe import StunHealth

STATIC_DIR = PROJECT_ROOT / "web" / "static"
log = logging.getLogger(__name__)


def create_app(
    settings: Settings | None = None,
    *,
    database: Database | None = None,
    mailer: Mailer | None = None,
    migrate: bool = True,
) -> FastAPI:
    """Build the application. Tests pass their own settings and database."""
    settings = settings or get_settings()
    db = database or Database(create_engine(settings.database_url))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if migrate:
            await upgrade(db.engine)
        redis = None
        if settings.redis_url:
            from redis.asyncio import Redis

            redis = Redis.from_url(settings.redis_url)
        app.state.redis = redis
        app.state.broker = create_broker(settings.redis_url)
        app.state.chat_writer = ChatWriter(db, app.state.broker)
        members = (
            RedisMemberStore(redis, prefix=f"{settings.redis_key_prefix}:call")
            if redis is not None
            else MemoryMemberStore()
        )
        app.state.call_rooms = Registry(bus=app.state.broker, store=members)
        if settings.reminders_enabled:
            app.state.reminders.start(settings.reminder_interval_seconds)
            app.state.chat_notices.start(settings.chat_notice_interval_seconds)
            app.state.reservation_expiry.start(settings.reminder_interval_seconds)
        try:
            yield
        finally:
            await app.state.reminders.stop()
            await app.state.chat_notices.stop()
            await app.state.reservation_expiry.stop()
            await app.state.fast_sockets.close()
            await app.state.chat_writer.close()
            await app.state.broker.close()
            await app.state.call_rooms.close_all()
            await app.state.echo_peers.close_all()
            if redis is not None:
                await redis.aclose()
            if database is None:
                await db.dispose()

    app = FastAPI(
        title="Closet Call",
        version="0.1.0",
        summary="Video styling sessions that start from the customer's own wardrobe.",
        lifespan=lifespan,
        # Served by app.core.apidocs, for staff only unless CLOSETCALL_API_DOCS says otherwise.
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.redis = None
    app.state.broker = MemoryBroker()  # replaced at start-up (Redis when configured)
    app.state.chat_limiter = RateLimiter()
    app.state.chat_writer = ChatWriter(db, app.state.broker)
    app.state.call_rooms = Registry()
    app.state.stun_health = StunHealth()  # which configured STUN servers answer
    app.state.echo_peers = EchoPeers()  # the device check's server peers
    app.state.postman = Postman(settings, mailer or create_mailer(settings))
    access.configure(settings, app.state.postman)
    app.state.clock = utcnow
    app.state.reminders = ReminderScheduler(
        db, app.state.postman, settings.public_base_url, lambda: app.state.clock()
    )

    app.state.chat_notices = UnreadNotifier(
        db,
        app.state.postman,
        settings.public_base_url,
        lambda: app.state.clock(),
        timedelta(minutes=settings.chat_unread_notice_minutes),
    )

    app.state.reservation_expiry = ReservationExpiry(db, lambda: app.state.clock())

    app.add_middleware(RequestContextMiddleware)
    install_error_handlers(app)

    app.include_router(health.router)
    app.include_router(apidocs.router)
    app.include_router(account_api.router)
    app.include_router(customer_api.router)
    app.include_router(store_api.router)
    app.include_router(booking_api.router)
    app.include_router(scheduling_api.router)
    app.include_router(chat_api.router)
    app.include_router(consultation_api.router)
    app.include_router(wardrobe_api.router)
    app.include_router(advice_api.router)
    app.include_router(lookbook_api.router)
    app.include_router(chat_ws.router)
    app.state.fast_sockets = FastSockets()  # served by closetcall serve without the ASGI layers
    app.state.fast_sockets.add(chat_ws.PATH, chat_ws.open_chat)
    app.include_router(call_ws.router)
    app.include_router(device_check.router)
    app.include_router(account_pages.router)
    app.include_router(customer_pages.router)
    app.include_router(access_pages.router)
    app.include_router(store_pages.router)
    app.include_router(wardrobe_pages.router)
    app.include_router(lookbook_pages.router)  # before booking pages (/appointments/{id}/...)
    app.include_router(
        chat_pages.router
    )  # before booking pages: /appointments/{id}/{action} is generic
    app.include_router(call_page.router)
    app.include_router(consultation_pages.router)  # before booking pages too
    app.include_router(booking_pages.router)
    app.include_router(scheduling_pages.router)
    app.include_router(notice_pages.router)
    app.include_router(devtools.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> FileResponse:
        return FileResponse(STATIC_DIR / "img" / "favicon.ico")

    return app
