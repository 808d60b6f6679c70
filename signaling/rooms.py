"""Rooms: who is in a call, the lobby, and relaying descriptions, candidates and media state.

A call's members may be connected to different server processes. Every delivery therefore goes
through a bus (one channel per room; in memory for one process, Redis pub/sub for several) and each
process hands the frames to the connections it holds. Membership and admission live in a shared
``MemberStore``. Within one process the same path is used, so one process and many behave alike.
Offers and answers pass the pair's state machine (``signaling.negotiation``) before relaying.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from signaling.members import Member, MemberStore, MemoryMemberStore
from signaling.negotiation import next_state, pair_key
from signaling.protocol import (
    CLOSE_REASONS,
    Admit,
    Admitted,
    Answer,
    Bye,
    Candidate,
    CloseCode,
    ErrorCode,
    Keepalive,
    Media,
    Offer,
    PeerInfo,
    PeerJoined,
    PeerLeft,
    ProtocolError,
    Waiting,
    Welcome,
    _Message,
    is_polite,
    relayed,
)

log = logging.getLogger(__name__)
MAX_PEERS_PER_ROOM = 4  # customer, stylist, a manager, and one spare (e.g. a reconnecting tab)
STAFF_ROLES = frozenset({"stylist", "manager"})
SWAP_ATTEMPTS = 16  # compare-and-swap retries of a pair's state before giving up (never seen)
DEFAULT_KEEPALIVE = Keepalive(interval_seconds=20, timeout_seconds=60)


class Connection(Protocol):
    """What a room needs from a peer's transport (a websocket in the app, anything in tests)."""

    async def send_text(self, text: str) -> None: ...

    async def close(self, code: int = 1000, reason: str | None = None) -> None: ...


@dataclass(frozen=True)
class Terms:
    """What a joining peer's ``welcome`` says besides who is there."""

    ice_servers: list[dict[str, Any]] = field(default_factory=list)
    ice_expires_at: int | None = None
    keepalive: Keepalive = DEFAULT_KEEPALIVE
    closes_at: datetime | None = None


async def close_with(connection: Connection, code: CloseCode) -> None:
    """Close with a documented code and its reason; a connection already gone is no error."""
    with contextlib.suppress(Exception):
        await connection.close(int(code), CLOSE_REASONS[code])


class Bus(Protocol):
    """Publish/subscribe by channel (``app.core.realtime.Broker`` has this shape)."""

    async def publish(self, channel: str, data: str) -> None: ...

    def subscribe(
        self, channel: str
    ) -> contextlib.AbstractAsyncContextManager[AsyncIterator[str]]: ...


class LocalBus:
    """The in-process bus used when no other is given (tests, the device-free default)."""

    def __init__(self) -> None:
        self._queues: dict[str, set[asyncio.Queue[str]]] = {}

    async def publish(self, channel: str, data: str) -> None:
        for queue in list(self._queues.get(channel, ())):
            queue.put_nowait(data)

    @contextlib.asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[str]]:
        queue: asyncio.Queue[str] = asyncio.Queue()
        self._queues.setdefault(channel, set()).add(queue)

        async def items() -> AsyncIterator[str]:
            while True:
                yield await queue.get()

        try:
            yield items()
        finally:
            self._queues.get(channel, set()).discard(queue)


@dataclass
class Peer:
    id: str
    role: str
    connection: Connection
    conn: str = field(default_factory=lambda: uuid.uuid4().hex)
    admitted: bool = False

    @property
    def info(self) -> PeerInfo:
        return PeerInfo(id=self.id, role=self.role)

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES


def _info(member: Member) -> PeerInfo:
    return PeerInfo(id=member.id, role=member.role)


class Room:
    """One call as seen from this process: the connections held here, fed by the room's channel."""

    def __init__(self, room_id: str, bus: Bus, store: MemberStore) -> None:
        self.id = room_id
        self.peers: dict[str, Peer] = {}
        self._bus = bus
        self._store = store
        self._channel = f"signal:{room_id}"
        self._listener: asyncio.Task[None] | None = None
        self.joining = 0  # joins in progress: the room must not close under them

    # ---- joining, admitting, leaving

    async def join(self, peer: Peer, terms: Terms) -> None:
        """Add a peer: staff and re-joining participants enter the call, customers the lobby."""
        self.joining += 1
        try:
            await self._listen()
            await self._enter(peer, terms)
        finally:
            self.joining -= 1

    def _welcome(self, peer: Peer, terms: Terms, **who: Any) -> Welcome:
        return Welcome(
            id=peer.id,
            role=peer.role,
            iceServers=terms.ice_servers,
            ice_expires_at=terms.ice_expires_at,
            keepalive=terms.keepalive,
            closes_at=terms.closes_at,
            **who,
        )

    async def _enter(self, peer: Peer, terms: Terms) -> None:
        previous = await self._store.get(self.id, peer.id)
        members = [m for m in await self._store.all(self.id) if m.id != peer.id]
        if len(members) >= MAX_PEERS_PER_ROOM:
            raise ProtocolError(
                ErrorCode.ROOM_FULL, "this call already has the most participants it allows"
            )
        peer.admitted = peer.is_staff or await self._store.was_admitted(self.id, peer.id)
        await self._store.put(self.id, Member(peer.id, peer.role, peer.admitted, peer.conn))
        # A new connection starts every negotiation of this peer afresh.
        await self._store.reset_negotiations(self.id, peer.id)
        if peer.admitted:
            await self._store.admit(self.id, peer.id)
        if previous is not None:
            # The same person reconnecting (a new tab, a dropped network): the old socket is
            # closed with 4001 wherever it is held, and the others are not told anyone left.
            old = self.peers.pop(peer.id, None)
            if old is not None and old is not peer:
                await close_with(old.connection, CloseCode.REPLACED)
            await self._publish({"evict": peer.id, "keep": peer.conn})
        self.peers[peer.id] = peer
        if not peer.admitted:
            await self._send(peer, self._welcome(peer, terms, peers=[], admitted=False))
            await self._publish({"audience": "staff", "frame": Waiting(peer=peer.info).to_json()})
            return
        admitted = [_info(m) for m in members if m.admitted]
        waiting = [_info(m) for m in members if not m.admitted] if peer.is_staff else []
        await self._send(
            peer, self._welcome(peer, terms, peers=admitted, admitted=True, waiting=waiting)
        )
        await self._announce(peer)

    async def admit(self, sender: Peer, message: Admit) -> None:
        if not (sender.is_staff and sender.admitted):
            raise ProtocolError(
                ErrorCode.FORBIDDEN, "only the stylist or a manager can admit someone"
            )
        member = await self._store.get(self.id, message.id)
        if member is None:
            raise ProtocolError(
                ErrorCode.UNKNOWN_PEER, f"no peer {message.id} is waiting in this call"
            )
        if member.admitted:
            return
        await self._store.admit(self.id, message.id)
        await self._publish({"admit": message.id})

    async def leave(
        self, peer: Peer, *, notify: bool = True, code: CloseCode = CloseCode.NORMAL
    ) -> None:
        """Forget this connection; tell the others unless the same person already came back."""
        if self.peers.get(peer.id) is peer:
            del self.peers[peer.id]
        await close_with(peer.connection, code)
        removed = await self._store.remove(self.id, peer.id, peer.conn)
        if removed:
            await self._store.reset_negotiations(self.id, peer.id)
        if removed and notify:
            await self._publish({"audience": "all", "frame": PeerLeft(id=peer.id).to_json()})

    # ---- relaying

    async def relay(self, sender: Peer, message: Offer | Answer | Candidate | Media | Bye) -> None:
        """Forward a message with ``from`` set: descriptions and candidates to their ``to``, media
        state and ``bye`` to everyone admitted. ``bye`` also ends the sender's admission."""
        if not sender.admitted:
            raise ProtocolError(ErrorCode.NOT_ADMITTED, "wait until the stylist lets you in")
        stamped = relayed(message, sender.id).to_json()
        if isinstance(message, Media | Bye):
            if isinstance(message, Bye):
                await self._store.revoke(self.id, sender.id)
                sender.admitted = sender.is_staff
            await self._publish({"audience": "admitted", "exclude": sender.id, "frame": stamped})
            return
        member = await self._store.get(self.id, message.to)
        if member is None or not member.admitted or member.id == sender.id:
            raise ProtocolError(ErrorCode.UNKNOWN_PEER, f"no peer {message.to} in this call")
        if isinstance(message, Offer | Answer):
            await self._negotiate(sender, member, message.type)
        await self._publish({"to": message.to, "frame": stamped})

    async def _negotiate(self, sender: Peer, target: Member, kind: Any) -> None:
        """Move the pair's offer/answer state, or refuse the description (no_offer, glare)."""
        key = pair_key(sender.id, target.id)
        polite = is_polite(sender.role, sender.id, target.role, target.id)
        for _ in range(SWAP_ATTEMPTS):
            state = await self._store.negotiation(self.id, key)
            new = next_state(
                state, kind=kind, sender=sender.id, target=target.id, sender_polite=polite
            )
            if await self._store.swap_negotiation(self.id, key, state, new):
                return
        raise ProtocolError(ErrorCode.GLARE, "the other side is negotiating too: try again")

    # ---- the room's channel

    async def _publish(self, envelope: dict[str, Any]) -> None:
        await self._bus.publish(self._channel, json.dumps(envelope))

    async def _announce(self, peer: Peer) -> None:
        frame = PeerJoined(peer=peer.info).to_json()
        await self._publish({"audience": "admitted", "exclude": peer.id, "frame": frame})

    async def _listen(self) -> None:
        """Subscribe to the room's channel once per process, before anything is published on it."""
        if self._listener is not None and not self._listener.done():
            return
        ready = asyncio.Event()
        self._listener = asyncio.create_task(self._consume(ready), name=f"room {self.id}")
        waiter = asyncio.create_task(ready.wait())
        await asyncio.wait({waiter, self._listener}, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        if self._listener.done():
            self._listener.result()  # the subscription failed: raise it to the joining peer

    async def _consume(self, ready: asyncio.Event) -> None:
        async with self._bus.subscribe(self._channel) as frames:
            ready.set()
            async for raw in frames:
                try:
                    await self._deliver(json.loads(raw))
                except Exception:
                    log.exception("dropping a malformed envelope in room %s", self.id)

    async def _deliver(self, envelope: dict[str, Any]) -> None:
        if "evict" in envelope:
            old = self.peers.get(envelope["evict"])
            if old is not None and old.conn != envelope["keep"]:
                del self.peers[old.id]
                await close_with(old.connection, CloseCode.REPLACED)
            return
        if "admit" in envelope:
            peer = self.peers.get(envelope["admit"])
            if peer is not None and not peer.admitted:
                peer.admitted = True
                members = await self._store.all(self.id)
                others = [_info(m) for m in members if m.admitted and m.id != peer.id]
                await self._send(peer, Admitted(peers=others))
                await self._announce(peer)
            return
        frame: str = envelope["frame"]
        if "to" in envelope:
            peer = self.peers.get(envelope["to"])
            targets = [peer] if peer is not None and peer.admitted else []
        else:
            audience = envelope["audience"]
            targets = [
                p
                for p in self.peers.values()
                if p.id != envelope.get("exclude")
                and (
                    audience == "all"
                    or (audience == "admitted" and p.admitted)
                    or (audience == "staff" and p.is_staff)
                )
            ]
        await asyncio.gather(*(self._send_raw(p, frame) for p in targets))

    async def _send(self, peer: Peer, message: _Message) -> None:
        await self._send_raw(peer, message.to_json())

    async def _send_raw(self, peer: Peer, text: str) -> None:
        try:
            await peer.connection.send_text(text)
        except Exception:
            # A peer whose socket failed is closed and removed; the call goes on for the others.
            log.info("dropping peer %s from room %s after a failed send", peer.id, self.id)
            if self.peers.get(peer.id) is peer:
                await self.leave(peer, code=CloseCode.INTERNAL_ERROR)

    async def close(self) -> None:
        """Stop listening (the last local peer left, or the server is shutting down)."""
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._listener
            self._listener = None


class Registry:
    """All rooms with a connection in this process; ``close_all`` runs at server shutdown."""

    def __init__(self, bus: Bus | None = None, store: MemberStore | None = None) -> None:
        self.bus: Bus = bus or LocalBus()
        self.store: MemberStore = store or MemoryMemberStore()
        self.rooms: dict[str, Room] = {}

    def room(self, room_id: str) -> Room:
        room = self.rooms.get(room_id)
        if room is None:
            room = self.rooms[room_id] = Room(room_id, self.bus, self.store)
        return room

    async def leave(
        self, room_id: str, peer: Peer, *, notify: bool = True, code: CloseCode = CloseCode.NORMAL
    ) -> None:
        room = self.rooms.get(room_id)
        if room is None:
            return
        await room.leave(peer, notify=notify, code=code)
        if not room.peers and not room.joining and self.rooms.get(room_id) is room:
            del self.rooms[room_id]
            await room.close()

    async def close_all(self) -> None:
        for room_id, room in list(self.rooms.items()):
            for peer in list(room.peers.values()):
                await room.leave(peer, notify=True, code=CloseCode.GOING_AWAY)
            await room.close()
            self.rooms.pop(room_id, None)
