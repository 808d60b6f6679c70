"""Checks every websocket makes before it is accepted."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import HTTPConnection


def origin_allowed(websocket: HTTPConnection) -> bool:
    """Only pages of this site may open a socket: a cookie alone is not enough (CSWSH)."""
    origin = websocket.headers.get("origin")
    if not origin:
        return False
    base = urlsplit(websocket.app.state.settings.public_base_url)
    host = websocket.headers.get("host", "")
    return origin in {f"{base.scheme}://{base.netloc}", f"http://{host}", f"https://{host}"}
