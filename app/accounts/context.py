"""Per-request context: who is signed in, the CSRF token, the language and security headers.

A pure ASGI middleware (not BaseHTTPMiddleware) so the locale context variable it sets is visible
to handlers, exception handlers and templates alike, for HTTP and websocket scopes.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.access import audit
from app.accounts import service
from app.core import i18n
from app.core.config import Settings
from app.core.db import Database
from app.core.security import new_token, sign, unsign
from app.core.templating import Viewer

SESSION_COOKIE = "cc_session"
CSRF_COOKIE = "cc_csrf"
LANG_COOKIE = "cc_lang"

_SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "permissions-policy": "geolocation=(), payment=()",
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob: mediastream:; "
        "style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
        "base-uri 'self'; form-action 'self'"
    ),
}


_HSTS = "max-age=63072000; includeSubDomains"  # two years, every subdomain: HTTPS only


def cookie_header(
    settings: Settings, name: str, value: str, *, max_age: int | None, http_only: bool = True
) -> str:
    parts = [f"{name}={value}", "Path=/", "SameSite=Lax"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if http_only:
        parts.append("HttpOnly")
    if settings.secure_cookies:
        parts.append("Secure")
    return "; ".join(parts)


def session_token(connection: HTTPConnection, settings: Settings) -> str | None:
    return unsign(connection.cookies.get(SESSION_COOKIE), settings.secret_key, "session")


def viewer_of(user: Any) -> Viewer:
    return Viewer(
        id=user.id,
        role=user.role,
        email=user.email,
        family_name=user.family_name,
        given_name=user.given_name,
        locale=user.locale,
        time_zone=user.time_zone,
    )


async def user_for(db: Database, token: str) -> Any:
    """The signed-in user of a session token, or None (unknown or expired)."""
    # A function of its own, so that no session object stays referenced from the middleware's
    # frame, which lives as long as a websocket does.
    async with db.sessions() as session:
        return await service.viewer_for(session, token=token)


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        application = scope["app"]
        settings: Settings = application.state.settings
        db: Database = application.state.db
        connection = HTTPConnection(scope)

        token = session_token(connection, settings)
        user = await user_for(db, token) if token else None
        stale_session = bool(connection.cookies.get(SESSION_COOKIE)) and user is None

        csrf = unsign(connection.cookies.get(CSRF_COOKIE), settings.secret_key, "csrf")
        fresh_csrf = csrf is None
        if csrf is None:
            csrf = new_token()

        lang_cookie = connection.cookies.get(LANG_COOKIE)
        if user is not None:
            locale = user.locale
        elif lang_cookie in i18n.SUPPORTED_LOCALES:
            locale = lang_cookie
        else:
            locale = i18n.negotiate(
                connection.headers.get("accept-language"), settings.default_locale
            )
        i18n.set_locale(locale)
        peer = scope.get("client")
        audit.client.set((peer[0] if peer else None, connection.headers.get("user-agent")))

        state = scope.setdefault("state", {})
        state["user"] = user
        state["viewer"] = viewer_of(user) if user is not None else None
        state["csrf_token"] = csrf
        state["session_token"] = token if user is not None else None

        async def send_with_context(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                # Pages and API answers carry personal data or a session's view of it: never
                # kept by a browser or a proxy (static files are served before this middleware).
                headers.setdefault("cache-control", "no-store")
                if settings.is_production:
                    headers.setdefault("strict-transport-security", _HSTS)
                headers.append("vary", "Cookie, Accept-Language")
                already = " ".join(headers.getlist("set-cookie"))
                if fresh_csrf and f"{CSRF_COOKIE}=" not in already:
                    value = sign(csrf, settings.secret_key, "csrf")
                    headers.append(
                        "set-cookie", cookie_header(settings, CSRF_COOKIE, value, max_age=None)
                    )
                if stale_session and f"{SESSION_COOKIE}=" not in already:
                    headers.append(
                        "set-cookie", cookie_header(settings, SESSION_COOKIE, "", max_age=0)
                    )
            await send(message)

        if scope["type"] == "websocket":  # no response headers to add: frames pass straight on
            del connection
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, send_with_context)


def login_cookies(settings: Settings, token: str) -> list[str]:
    """Set-Cookie values for a fresh login: the session, and a rotated CSRF token."""
    max_age = settings.session_days * 86400
    session_value = sign(token, settings.secret_key, "session")
    csrf_value = sign(new_token(), settings.secret_key, "csrf")
    return [
        cookie_header(settings, SESSION_COOKIE, session_value, max_age=max_age),
        cookie_header(settings, CSRF_COOKIE, csrf_value, max_age=None),
    ]


def logout_cookies(settings: Settings) -> list[str]:
    return [
        cookie_header(settings, SESSION_COOKIE, "", max_age=0),
        cookie_header(
            settings, CSRF_COOKIE, sign(new_token(), settings.secret_key, "csrf"), max_age=None
        ),
    ]


def language_cookie(settings: Settings, locale: str) -> str:
    return cookie_header(settings, LANG_COOKIE, locale, max_age=365 * 86400)
