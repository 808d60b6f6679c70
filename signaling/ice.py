"""ICE server configuration with ephemeral TURN credentials (the TURN REST scheme).

coturn with ``use-auth-secret`` accepts ``username = "<expiry unix time>:<user id>"`` and
``password = base64(HMAC-SHA1(shared secret, username))`` until the expiry passes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Any

MAX_TTL_SECONDS = 3600


@dataclass(frozen=True)
class TurnCredentials:
    username: str
    password: str
    expires_at: int


def turn_credentials(
    secret: str, user_id: str, ttl_seconds: int = MAX_TTL_SECONDS, now: float | None = None
) -> TurnCredentials:
    """Credentials for one user, valid for at most an hour."""
    if not secret:
        raise ValueError("a TURN shared secret is required")
    if ":" in user_id:
        raise ValueError("the user id cannot contain ':'")
    ttl = max(1, min(int(ttl_seconds), MAX_TTL_SECONDS))
    expires_at = int(now if now is not None else time.time()) + ttl
    username = f"{expires_at}:{user_id}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return TurnCredentials(username, base64.b64encode(digest).decode(), expires_at)


def ice_servers(
    *,
    stun_urls: list[str],
    turn_urls: list[str],
    turn_secret: str | None,
    user_id: str,
    ttl_seconds: int = MAX_TTL_SECONDS,
    now: float | None = None,
) -> list[dict[str, Any]]:
    """The ``iceServers`` list a browser's RTCPeerConnection (or aiortc) is configured with."""
    servers: list[dict[str, Any]] = []
    if stun_urls:
        servers.append({"urls": list(stun_urls)})
    if turn_urls and turn_secret:
        creds = turn_credentials(turn_secret, user_id, ttl_seconds, now)
        servers.append(
            {"urls": list(turn_urls), "username": creds.username, "credential": creds.password}
        )
    return servers
