"""The call's signaling socket: authorises the appointment's participants, then relays through
``signaling`` rooms (the library does the protocol; this module only handles the connection).

Each connection runs two tasks: a receiver that handles the client's frames one at a time, and a
watchdog that closes the connection when the client falls silent (4008), when the call window ends
(4002) or the appointment is cancelled or moved away (4004), and that pushes fresh TURN
credentials before the old ones expire. When either task ends, both end.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from datetime import datetime

from fastapi import APIRouter, WebSocket

from app.accounts.models import Role, User
from app.booking import service as booking
from app.booking.models import Appointment
from app.consultation import service as consultation
from app.consultation.window import CallWindow, call_window
from app.core.config import Settings
from app.core.db import transaction, write_transaction
from app.core.errors import AppError
from app.core.types import utcnow
from app.core.websockets import origin_allowed
from signaling.ice import IceConfig, ice_config
from signaling.protocol import (
    CLOSE_REASONS,
    Admit,
    Bye,
    CloseCode,
    ErrorCode,
    IceServers,
    Join,
    Keepalive,
    Ping,
    Pong,
    ProtocolError,
    RefreshIce,
    error_frame,
    parse_client_frame,
)
from signaling.rooms import Peer, Registry, Terms

router = APIRouter()


def _role(user: User, appointment: Appointment) -> str:
    if user.id == appointment.customer_id:
        return "customer"
    if user.id == appointment.staff_id:
        return "stylist"
    return "manager" if user.role in (Role.manager, Role.admin) else "viewer"


def _window(settings: Settings, appointment: Appointment) -> CallWindow:
    return call_window(
        appointment,
        opens_before=settings.call_opens_minutes_before,
        grace_after=settings.call_grace_minutes_after,
    )


async def _load(websocket: WebSocket, user: User, appointment_id: int) -> Appointment | None:
    """The appointment as this user may see it now (None: gone, or no longer theirs to see)."""
    try:
        async with transaction(websocket.app.state.db) as session:
            return await booking.load_for(session, viewer=user, appointment_id=appointment_id)
    except AppError:
        return None


async def _authorise(websocket: WebSocket, appointment_id: int) -> tuple[User, Appointment] | None:
    """The appointment's customer, its stylist or a manager of its store, inside the join window."""
    user: User | None = websocket.state.user
    if user is None or not origin_allowed(websocket):
        return None
    appointment = await _load(websocket, user, appointment_id)
    if appointment is None:
        return None
    if not _window(websocket.app.state.settings, appointment).is_open(utcnow()):
        return None
    return user, appointment


@dataclass
class _Connection:
    """One participant's socket: its frames, its deadlines, and how it ends."""

    websocket: WebSocket
    user: User
    appointment_id: int
    closes_at: datetime
    peer: Peer
    settings: Settings
    registry: Registry
    joined: bool = False
    ice: IceConfig | None = None
    heard_at: float = field(default_factory=time.monotonic)
    wake: asyncio.Event = field(default_factory=asyncio.Event)  # deadlines changed: look again

    @property
    def room_id(self) -> str:
        return f"appointment-{self.appointment_id}"

    @property
    def keepalive(self) -> Keepalive:
        return Keepalive(
            interval_seconds=self.settings.call_keepalive_interval_seconds,
            timeout_seconds=self.settings.call_keepalive_timeout_seconds,
        )

    async def _fresh_ice(self) -> IceConfig:
        settings = self.settings
        self.ice = ice_config(
            # Only STUN servers that answer: aiortc waits ~5 s on a silent one.
            stun_urls=await self.websocket.app.state.stun_health.answering(settings.ice_stun_urls),
            turn_urls=settings.ice_turn_urls,
            turn_secret=settings.turn_secret,
            user_id=str(self.user.id),
            ttl_seconds=settings.turn_ttl_seconds,
        )
        return self.ice

    async def send(self, text: str) -> None:
        # A send to a socket that is already gone is no error: its receiver sees the disconnect.
        with contextlib.suppress(Exception):
            await self.websocket.send_text(text)

    async def _send_ice(self) -> None:
        ice = await self._fresh_ice()
        frame = IceServers(iceServers=ice.servers, ice_expires_at=ice.expires_at)  # type: ignore[arg-type]
        await self.send(frame.to_json())

    async def close(self, code: CloseCode) -> None:
        if self.joined:
            self.joined = False
            await self.registry.leave(self.room_id, self.peer, code=code)
        with contextlib.suppress(Exception):
            await self.websocket.close(int(code), CLOSE_REASONS[code])

    # ---- the receiver

    async def receive(self) -> None:
        while True:
            event = await self.websocket.receive()
            if event["type"] == "websocket.disconnect":
                return
            self.heard_at = time.monotonic()
            text = event.get("text")
            try:
                if text is None:
                    raise ProtocolError(ErrorCode.BAD_JSON, "send JSON in text frames")
                if not await self._handle(text):
                    return
            except ProtocolError as problem:
                await self.send(error_frame(problem).to_json())
                if problem.code is ErrorCode.UNSUPPORTED_VERSION:
                    await self.close(CloseCode.UNSUPPORTED_VERSION)
                    return

    async def _handle(self, text: str) -> bool:
        """Handle one frame; False when the connection is over (after ``bye``)."""
        message = parse_client_frame(text)
        try:
            if isinstance(message, Ping):
                await self.send(Pong().to_json())
            elif isinstance(message, Join):
                if self.joined:
                    raise ProtocolError(ErrorCode.ALREADY_JOINED, "join once per connection")
                ice = await self._fresh_ice()
                terms = Terms(ice.servers, ice.expires_at, self.keepalive, self.closes_at)
                await self.registry.room(self.room_id).join(self.peer, terms)
                self.joined = True
                self.wake.set()
            elif not self.joined:
                raise ProtocolError(ErrorCode.JOIN_FIRST, "send join before anything else")
            elif isinstance(message, RefreshIce):
                await self._send_ice()
            elif isinstance(message, Admit):
                if self.peer.is_staff and self.peer.admitted:
                    # The call takes place: its wrap-up may be written even before the start.
                    # Stored before the admission goes out, so whoever reacts to "admitted"
                    # finds it (and no write of ours lands in the middle of theirs).
                    async with write_transaction(self.websocket.app.state.db) as session:
                        await consultation.record_call(
                            session, appointment_id=self.appointment_id, now=utcnow()
                        )
                await self.registry.room(self.room_id).admit(self.peer, message)
            else:
                await self.registry.room(self.room_id).relay(self.peer, message)
                if isinstance(message, Bye):
                    await self.close(CloseCode.NORMAL)
                    return False
        except ProtocolError as problem:
            problem.in_reply_to = problem.in_reply_to or message.type
            raise
        return True

    # ---- the watchdog

    async def watch(self) -> None:
        """Sleep until the next deadline, act on it, repeat; returns once it closed the socket."""
        interval = self.settings.call_keepalive_interval_seconds
        timeout = self.settings.call_keepalive_timeout_seconds
        next_check = time.monotonic() + interval
        while True:
            now = time.monotonic()
            if now - self.heard_at >= timeout:
                await self.close(CloseCode.KEEPALIVE_TIMEOUT)
                return
            if utcnow() >= self.closes_at:
                await self.close(CloseCode.CALL_OVER)
                return
            if now >= next_check:
                next_check = now + interval
                ended = await self._recheck()
                if ended is not None:
                    await self.close(ended)
                    return
            refresh_at = self.ice.refresh_at() if self.joined and self.ice else None
            if refresh_at is not None and time.time() >= refresh_at:
                await self._send_ice()
                continue
            waits = [
                self.heard_at + timeout - now,
                (self.closes_at - utcnow()).total_seconds(),
                next_check - now,
            ]
            if refresh_at is not None:
                waits.append(refresh_at - time.time())
            self.wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), max(0.01, min(waits)))

    async def _recheck(self) -> CloseCode | None:
        """The appointment again: cancelled, moved or out of reach ends the call; a new end
        time moves the deadline."""
        appointment = await _load(self.websocket, self.user, self.appointment_id)
        if appointment is None:
            return CloseCode.APPOINTMENT_CLOSED
        window = _window(self.settings, appointment)
        state = window.state(utcnow())
        if state == "over":
            return CloseCode.CALL_OVER
        if state != "open":
            return CloseCode.APPOINTMENT_CLOSED
        self.closes_at = window.closes_at
        return None


@router.websocket("/ws/call/{appointment_id}")
async def call_socket(websocket: WebSocket, appointment_id: int) -> None:
    allowed = await _authorise(websocket, appointment_id)
    if allowed is None:
        await websocket.close(code=CloseCode.REFUSED)  # before accept: the client sees HTTP 403
        return
    user, appointment = allowed
    await websocket.accept()
    settings: Settings = websocket.app.state.settings
    connection = _Connection(
        websocket=websocket,
        user=user,
        appointment_id=appointment_id,
        closes_at=_window(settings, appointment).closes_at,
        peer=Peer(id=f"u{user.id}", role=_role(user, appointment), connection=websocket),
        settings=settings,
        registry=websocket.app.state.call_rooms,
    )
    tasks = {
        asyncio.create_task(connection.receive(), name=f"call {appointment_id} receive"),
        asyncio.create_task(connection.watch(), name=f"call {appointment_id} watch"),
    }
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if connection.joined:
            await connection.registry.leave(connection.room_id, connection.peer)
        with contextlib.suppress(Exception):
            await websocket.close()
