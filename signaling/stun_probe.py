"""Is a STUN server answering? Peers that gather candidates before they signal (aiortc) wait about
five seconds for every STUN server that never replies, so the server hands out only the ones that
answered a binding request recently (RFC 5389: a 20-byte request, a response with the same id)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field

MAGIC_COOKIE = 0x2112A442
BINDING_REQUEST = 0x0001
BINDING_SUCCESS = 0x0101


def binding_request(transaction_id: bytes) -> bytes:
    return struct.pack("!HHI", BINDING_REQUEST, 0, MAGIC_COOKIE) + transaction_id


def is_answer_to(data: bytes, transaction_id: bytes) -> bool:
    """A binding success response carrying our transaction id."""
    if len(data) < 20:
        return False
    kind, _length, cookie = struct.unpack("!HHI", data[:8])
    return kind == BINDING_SUCCESS and cookie == MAGIC_COOKIE and data[8:20] == transaction_id


def host_and_port(url: str) -> tuple[str, int] | None:
    """``stun:host:port`` (port 3478 when absent); None for anything that is not plain STUN."""
    if not url.startswith("stun:"):
        return None
    rest = url[len("stun:") :].split("?", 1)[0]
    if rest.startswith("["):  # [IPv6]:port
        host, _, port = rest[1:].partition("]")
        port = port.lstrip(":")
    else:
        host, _, port = rest.rpartition(":") if rest.count(":") == 1 else (rest, "", "")
    try:
        return host, int(port) if port else 3478
    except ValueError:
        return None


class _Waiter(asyncio.DatagramProtocol):
    def __init__(self, transaction_id: bytes, answered: asyncio.Future[bool]) -> None:
        self.transaction_id, self.answered = transaction_id, answered

    def datagram_received(self, data: bytes, addr: object) -> None:
        if is_answer_to(data, self.transaction_id) and not self.answered.done():
            self.answered.set_result(True)

    def error_received(self, exc: Exception) -> None:  # e.g. ICMP port unreachable
        if not self.answered.done():
            self.answered.set_result(False)


async def stun_answers(url: str, wait_seconds: float = 0.5) -> bool:
    """Send one binding request (and one retry) and say whether a response came back in time."""
    target = host_and_port(url)
    if target is None:
        return True  # not ours to judge (turn: URLs are checked by their own credentials)
    loop = asyncio.get_running_loop()
    transaction_id = os.urandom(12)
    answered: asyncio.Future[bool] = loop.create_future()
    try:
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Waiter(transaction_id, answered), remote_addr=target
        )
    except OSError:
        return False
    try:
        request = binding_request(transaction_id)
        transport.sendto(request)
        loop.call_later(
            wait_seconds / 2, lambda: transport.is_closing() or transport.sendto(request)
        )
        with contextlib.suppress(TimeoutError):
            return await asyncio.wait_for(answered, wait_seconds)
        return False
    finally:
        transport.close()


@dataclass
class StunHealth:
    """Which configured STUN servers answer, remembered for ``ttl`` seconds."""

    ttl: float = 60.0
    timeout: float = 0.5
    clock: Callable[[], float] = time.monotonic
    _known: dict[str, tuple[bool, float]] = field(default_factory=dict)

    async def answering(self, urls: list[str]) -> list[str]:
        now = self.clock()
        stale = [u for u in urls if u not in self._known or now - self._known[u][1] > self.ttl]
        if stale:
            results = await asyncio.gather(*(stun_answers(u, self.timeout) for u in stale))
            for url, ok in zip(stale, results, strict=True):
                self._known[url] = (ok, now)
        return [u for u in urls if self._known[u][0]]
