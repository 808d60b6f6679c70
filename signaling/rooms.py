"""Rooms: who is in a call, and relaying descriptions, candidates and media state between them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Protocol

from signaling.protocol import (
    Answer,
    Bye,
    Candidate,
    Error,
    Media,
    Offer,
    PeerInfo,
    PeerJoined,
    PeerLeft,
    ProtocolError,
    Welcome,
    _Message,
)

log = logging.getLogger(__name__)
MAX_PEERS_PER_ROOM = 4  # customer, stylist, a manager, and one spare (e.g. a reconnecting tab)


class Connection(Protocol):
    """What a room needs from a peer's transport (a websocket in the app, anything in tests)."""

    async def send_text(self, text: str) -> None: ...

    async def close(self, code: int = 1000) -> None: ...


@dataclass
class Peer:
    id: str
    role: str
    connection: Connection

    @property
    def info(self) -> PeerInfo:
        return PeerInfo(id=self.id, role=self.role)


@dataclass
class Room:
    id: str
    peers: dict[str, Peer] = field(default_factory=dict)

    async def join(self, peer: Peer, ice_servers: list[dict[str, object]]) -> None:
        """Add a peer, tell it who is there, and tell the others it arrived."""
        if peer.id in self.peers:
            # The same person reconnecting (a new tab, a dropped network): the old socket goes.
            await self.leave(peer.id, notify=False)
        if len(self.peers) >= MAX_PEERS_PER_ROOM:
            raise ProtocolError(
                "room_full", "this call already has the most participants it allows"
            )
        others = [p.info for p in self.peers.values()]
        self.peers[peer.id] = peer
        await self._send(peer, Welcome(id=peer.id, peers=others, iceServers=ice_servers))
        await self.broadcast(PeerJoined(peer=peer.info), exclude=peer.id)

    async def leave(self, peer_id: str, *, notify: bool = True) -> None:
        peer = self.peers.pop(peer_id, None)
        if peer is None:
            return
        with contextlib.suppress(Exception):
            await peer.connection.close()
        if notify:
            await self.broadcast(PeerLeft(id=peer_id))

    async def relay(self, sender: Peer, message: Offer | Answer | Candidate | Media | Bye) -> None:
        """Forward a message with ``from`` set: to one peer when ``to`` is given, else to all."""
        stamped = message.model_copy(update={"sender": sender.id})
        target = getattr(message, "to", None)
        if target is None:
            await self.broadcast(stamped, exclude=sender.id)
            return
        peer = self.peers.get(target)
        if peer is None:
            await self._send(
                sender, Error(code="unknown_peer", detail=f"no peer {target} in this call")
            )
            return
        await self._send(peer, stamped)

    async def broadcast(self, message: _Message, *, exclude: str | None = None) -> None:
        await asyncio.gather(
            *(self._send(p, message) for p in list(self.peers.values()) if p.id != exclude)
        )

    async def _send(self, peer: Peer, message: _Message) -> None:
        try:
            await peer.connection.send_text(message.to_json())
        except Exception:
            # A peer whose socket failed is closed and removed; the call goes on for the others.
            log.info("dropping peer %s from room %s after a failed send", peer.id, self.id)
            if self.peers.get(peer.id) is peer:
                self.peers.pop(peer.id, None)
                with contextlib.suppress(Exception):
                    await peer.connection.close(1011)
                await self.broadcast(PeerLeft(id=peer.id))


@dataclass
class Registry:
    """All rooms of one process. ``close_all`` is called when the server shuts down."""

    rooms: dict[str, Room] = field(default_factory=dict)

    def room(self, room_id: str) -> Room:
        return self.rooms.setdefault(room_id, Room(room_id))

    async def leave(self, room_id: str, peer_id: str) -> None:
        room = self.rooms.get(room_id)
        if room is None:
            return
        await room.leave(peer_id)
        if not room.peers:
            self.rooms.pop(room_id, None)

    async def close_all(self) -> None:
        for room in list(self.rooms.values()):
            for peer_id in list(room.peers):
                await room.leave(peer_id, notify=False)
        self.rooms.clear()
