"""Rooms: who is in a call, the lobby, and relaying descriptions, candidates and media state.

A call's members may be connected to different server processes. Every delivery therefore goes
through a bus (one channel per room; in memory for one process, Redis pub/sub for several) and each
process hands the frames to the connections it holds. Membership and admission live in a shared
``MemberStore``. Within one process the same path is used, so one process and many behave alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from signaling.members import Member, MemberStore, MemoryMemberStore
from signaling.protocol import (
    Admit,
    Admitted,
    Answer,
    Bye,
    Candidate,
    Media,
    Offer,
    PeerInfo,
    PeerJoined,
    PeerLeft,
    ProtocolError,
    Waiting,
    Welcome,
    _Message,
)

log = logging.getLogger(__name__)
MAX_PEERS_PER_ROOM = 4  # customer, stylist, a manager, and one spare (e.g. a reconnecting tab)
STAFF_ROLES = frozenset({"stylist", "manager"})


class Connection(Protocol):
    """What a room needs from a peer's transport (a websocket in the app, anything in tests)."""

    async def send_text(self, text: str) -> None: ...

    async def close(self, code: int = 1000) -> None: ...


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

    async def join(self, peer: Peer, ice_servers: list[dict[str, Any]]) -> None:
        """Add a peer: staff and re-joining participants enter the call, customers the lobby."""
        self.joining += 1
        try:
            await self._listen()
            await self._enter(peer, ice_servers)
        finally:
            self.joining -= 1

    async def _enter(self, peer: Peer, ice_servers: list[dict[str, Any]]) -> None:
        previous = await self._store.get(self.id, peer.id)
        members = [m for m in await self._store.all(self.id) if m.id != peer.id]
        if len(members) >= MAX_PEERS_PER_ROOM:
            raise ProtocolError(
                "room_full", "this call already has the most participants it allows"
            )
        peer.admitted = peer.is_staff or await self._store.was_admitted(self.id, peer.id)
        await self._store.put(self.id, Member(peer.id, peer.role, peer.admitted, peer.conn))
        if peer.admitted:
            await self._store.admit(self.id, peer.id)
        if previous is not None:
            # The same person reconnecting (a new tab, a dropped network): the old socket goes,
            # wherever it is held, and the others are not told anyone left.
            old = self.peers.pop(peer.id, None)
            if old is not None:
                with contextlib.suppress(Exception):
                    await old.connection.close()
            await self._publish({"evict": peer.id, "keep": peer.conn})
        self.peers[peer.id] = peer
        if not peer.admitted:
            welcome = Welcome(id=peer.id, peers=[], iceServers=ice_servers, admitted=False)
            await self._send(peer, welcome)
            await self._publish({"audience": "staff", "frame": Waiting(peer=peer.info).to_json()})
            return
        admitted = [_info(m) for m in members if m.admitted]
        waiting = [_info(m) for m in members if not m.admitted] if peer.is_staff else []
        await self._send(
            peer, Welcome(id=peer.id, peers=admitted, iceServers=ice_servers, waiting=waiting)
        )
        await self._announce(peer)

    async def admit(self, sender: Peer, message: Admit) -> None:
        if not (sender.is_staff and sender.admitted):
            raise ProtocolError("forbidden", "only the stylist or a manager can admit someone")
        member = await self._store.get(self.id, message.id)
        if member is None:
            raise ProtocolError("unknown_peer", f"no peer {message.id} is waiting in this call")
        if member.admitted:
            return
        await self._store.admit(self.id, message.id)
        await self._publish({"admit": message.id})

    async def leave(self, peer: Peer, *, notify: bool = True) -> None:
        """Forget this connection; tell the others unless the same person already came back."""
        if self.peers.get(peer.id) is peer:
            del self.peers[peer.id]
        with contextlib.suppress(Exception):
            await peer.connection.close()
        removed = await self._store.remove(self.id, peer.id, peer.conn)
        if removed and notify:
            await self._publish({"audience": "all", "frame": PeerLeft(id=peer.id).to_json()})

    # ---- relaying

    async def relay(self, sender: Peer, message: Offer | Answer | Candidate | Media | Bye) -> None:
        """Forward a message with ``from`` set: to one peer when ``to`` is given, else to all."""
        if not sender.admitted:
            raise ProtocolError("not_admitted", "wait until the stylist lets you in")
        stamped = message.model_copy(update={"sender": sender.id}).to_json()
        target = getattr(message, "to", None)
        if target is None:
            await self._publish({"audience": "admitted", "exclude": sender.id, "frame": stamped})
            return
        member = await self._store.get(self.id, target)
        if member is None or not member.admitted:
            raise ProtocolError("unknown_peer", f"no peer {target} in this call")
        await self._publish({"to": target, "frame": stamped})

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
                with contextlib.suppress(Exception):
                    await old.connection.close()
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
                with contextlib.suppress(Exception):
                    await peer.connection.close(1011)
                await self.leave(peer)

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

    async def leave(self, room_id: str, peer: Peer, *, notify: bool = True) -> None:
        room = self.rooms.get(room_id)
        if room is None:
            return
        await room.leave(peer, notify=notify)
        if not room.peers and not room.joining and self.rooms.get(room_id) is room:
            del self.rooms[room_id]
            await room.close()

    async def close_all(self) -> None:
        for room_id, room in list(self.rooms.items()):
            for peer in list(room.peers.values()):
                await room.leave(peer, notify=True)
            await room.close()
            self.rooms.pop(room_id, None)
