"""Server-side media peers (aiortc): an echo peer for the device check, and ICE-server conversion.

An echo peer answers a browser's offer and sends every received track straight back, so the browser
can see its own camera and hear its own microphone after a real round trip through the network
(STUN/TURN included). Echo peers are bounded: a few per owner, a cap for the whole process, a fixed
lifetime each, and ``close_all()`` at shutdown. This module imports nothing from the application.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.contrib.media import MediaRelay

log = logging.getLogger(__name__)
MAX_SDP_CHARS = 32_000  # the same bound the signaling protocol puts on descriptions


class OfferRejected(ValueError):
    """The offer cannot be used: not a session description, or nothing to echo in it."""


class EchoBusy(RuntimeError):
    """The process already runs as many echo peers as it allows."""


class EchoFailed(RuntimeError):
    """Negotiation did not finish in time (e.g. an unreachable STUN/TURN server)."""


def rtc_ice_servers(servers: Iterable[Mapping[str, Any]]) -> list[RTCIceServer]:
    """Turn the browser-shaped ``iceServers`` list (see ``signaling.ice``) into aiortc objects."""
    converted = []
    for server in servers:
        urls = server.get("urls")
        converted.append(
            RTCIceServer(
                urls=list(urls) if isinstance(urls, list | tuple) else str(urls),
                username=server.get("username"),
                credential=server.get("credential"),
            )
        )
    return converted


def peer_connection(servers: Iterable[Mapping[str, Any]]) -> RTCPeerConnection:
    """An aiortc peer with exactly these ICE servers (a bare one would use a public STUN server)."""
    return RTCPeerConnection(RTCConfiguration(iceServers=rtc_ice_servers(servers)))


def check_offer(sdp: str) -> None:
    """Cheap checks before aiortc parses anything, with reasons a client developer can act on."""
    if len(sdp) > MAX_SDP_CHARS:
        raise OfferRejected(f"the offer is longer than {MAX_SDP_CHARS} characters")
    if not sdp.startswith("v=0"):
        raise OfferRejected("the offer is not a session description (it must start with v=0)")
    kinds = {line.split()[0][2:] for line in sdp.splitlines() if line.startswith("m=")}
    if not kinds & {"audio", "video"}:
        raise OfferRejected("the offer has no camera or microphone track to echo")


@dataclass
class EchoLimits:
    per_owner: int = 2  # a retry with another camera replaces the oldest check of the same person
    total: int = 10  # each echo peer decodes and re-encodes video: keep the process responsive
    lifetime_seconds: float = 120.0
    negotiate_seconds: float = 15.0


@dataclass(eq=False)
class EchoPeer:
    id: int
    owner: str
    pc: RTCPeerConnection
    started: float
    expiry: asyncio.Task[None] | None = None


@dataclass
class EchoPeers:
    """All echo peers of one process."""

    limits: EchoLimits = field(default_factory=EchoLimits)
    peers: dict[int, EchoPeer] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=itertools.count)
    _relay: MediaRelay = field(default_factory=MediaRelay)

    def count(self, owner: str | None = None) -> int:
        return sum(1 for p in self.peers.values() if owner is None or p.owner == owner)

    async def answer(
        self, *, owner: str, offer_sdp: str, ice_servers: Iterable[Mapping[str, Any]]
    ) -> str:
        """Answer an offer with a peer that echoes its tracks; returns the complete answer SDP."""
        check_offer(offer_sdp)
        mine = sorted((p for p in self.peers.values() if p.owner == owner), key=lambda p: p.id)
        for old in mine[: max(0, len(mine) - self.limits.per_owner + 1)]:
            await self.close(old)
        if len(self.peers) >= self.limits.total:
            raise EchoBusy("too many device checks are running right now")
        peer = EchoPeer(next(self._ids), owner, peer_connection(ice_servers), time.monotonic())
        self.peers[peer.id] = peer
        self._watch(peer)
        try:
            async with asyncio.timeout(self.limits.negotiate_seconds):
                return await self._negotiate(peer, offer_sdp)
        except TimeoutError as exc:
            await self.close(peer)
            raise EchoFailed("setting up the connection took too long") from exc
        except Exception as exc:
            # aiortc raises many kinds of errors for a description it cannot use; all of them
            # mean "this offer", and the peer must not outlive the request either way.
            await self.close(peer)
            log.info("echo offer rejected: %s", type(exc).__name__)
            raise OfferRejected(
                "the offer could not be used (aiortc: " + (str(exc) or type(exc).__name__) + ")"
            ) from exc

    async def _negotiate(self, peer: EchoPeer, offer_sdp: str) -> str:
        await peer.pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
        answer = await peer.pc.createAnswer()
        await peer.pc.setLocalDescription(answer)  # aiortc gathers every candidate here
        return peer.pc.localDescription.sdp

    def _watch(self, peer: EchoPeer) -> None:
        pc = peer.pc

        @pc.on("track")
        def _echo(track: MediaStreamTrack) -> None:
            # Audio keeps every frame (cheap to encode); video keeps only the newest, so a slow
            # encoder drops frames instead of queueing them without bound.
            pc.addTrack(self._relay.subscribe(track, buffered=track.kind == "audio"))

        @pc.on("connectionstatechange")
        async def _state() -> None:
            if pc.connectionState in ("failed", "closed"):
                await self.close(peer)

        async def expire() -> None:
            await asyncio.sleep(self.limits.lifetime_seconds)
            log.info("echo peer %s reached its lifetime", peer.id)
            await self.close(peer, from_expiry=True)

        peer.expiry = asyncio.create_task(expire())

    async def close(self, peer: EchoPeer, *, from_expiry: bool = False) -> None:
        if self.peers.pop(peer.id, None) is None:
            return
        if peer.expiry is not None and not from_expiry:
            peer.expiry.cancel()
        with contextlib.suppress(Exception):
            await peer.pc.close()

    async def close_all(self) -> None:
        """Close every echo peer (called when the server shuts down)."""
        await asyncio.gather(*(self.close(p) for p in list(self.peers.values())))
