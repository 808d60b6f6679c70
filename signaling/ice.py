"""ICE server configuration with ephemeral TURN credentials (the TURN REST scheme).

coturn with ``use-auth-secret`` accepts ``username = "<expiry unix time>:<user id>"`` and
``password = base64(HMAC-SHA1(shared secret, username))`` until the expiry passes. A call can last
longer than a credential: the server pushes fresh ones ``refresh_margin`` seconds before expiry.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Any

MAX_TTL_SECONDS = 3600
MAX_REFRESH_MARGIN_SECONDS = 300


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


def refresh_margin(ttl_seconds: int) -> int:
    """How long before expiry fresh credentials are sent: a fifth of the lifetime, at most 5 min."""
    return min(MAX_REFRESH_MARGIN_SECONDS, max(1, int(ttl_seconds) // 5))


@dataclass(frozen=True)
class IceConfig:
    servers: list[dict[str, Any]]
    expires_at: int | None  # when the TURN credentials stop working; None without TURN
    ttl_seconds: int

    def refresh_at(self) -> float | None:
        """Unix time at which to hand out fresh credentials (None: nothing ever expires)."""
        if self.expires_at is None:
            return None
        return float(self.expires_at - refresh_margin(self.ttl_seconds))


def ice_config(
    *,
    stun_urls: list[str],
    turn_urls: list[str],
    turn_secret: str | None,
    user_id: str,
    ttl_seconds: int = MAX_TTL_SECONDS,
    now: float | None = None,
) -> IceConfig:
    """The ``iceServers`` list for RTCPeerConnection (or aiortc), and when it expires."""
    servers: list[dict[str, Any]] = []
    expires_at = None
    if stun_urls:
        servers.append({"urls": list(stun_urls)})
    if turn_urls and turn_secret:
        creds = turn_credentials(turn_secret, user_id, ttl_seconds, now)
        servers.append(
            {"urls": list(turn_urls), "username": creds.username, "credential": creds.password}
        )
        expires_at = creds.expires_at
    return IceConfig(servers, expires_at, min(int(ttl_seconds), MAX_TTL_SECONDS))


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
    return ice_config(
        stun_urls=stun_urls,
        turn_urls=turn_urls,
        turn_secret=turn_secret,
        user_id=user_id,
        ttl_seconds=ttl_seconds,
        now=now,
    ).servers
