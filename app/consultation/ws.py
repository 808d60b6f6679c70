"""The call's signaling socket: authorises the appointment's participants, then relays through
``signaling`` rooms (the library does the protocol; this module only handles the connection)."""

from __future__ import annotations

import contextlib

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from app.accounts.models import Role, User
from app.booking import service as booking
from app.booking.models import Appointment
from app.consultation import service as consultation
from app.consultation.window import call_window
from app.core.db import transaction
from app.core.errors import AppError
from app.core.types import utcnow
from app.core.websockets import origin_allowed
from signaling.ice import ice_servers
from signaling.protocol import Admit, Bye, Error, Join, ProtocolError, parse_client_frame
from signaling.rooms import Peer

router = APIRouter()


def _role(user: User, appointment: Appointment) -> str:
    if user.id == appointment.customer_id:
        return "customer"
    if user.id == appointment.staff_id:
        return "stylist"
    return "manager" if user.role in (Role.manager, Role.admin) else "viewer"


async def _authorise(websocket: WebSocket, appointment_id: int) -> tuple[User, Appointment] | None:
    """The appointment's customer, its stylist or a manager of its store, inside the join window."""
    user: User | None = websocket.state.user
    if user is None or not origin_allowed(websocket):
        return None
    settings = websocket.app.state.settings
    try:
        async with transaction(websocket.app.state.db) as session:
            appointment = await booking.load_for(
                session, viewer=user, appointment_id=appointment_id
            )
    except AppError:
        return None
    window = call_window(
        appointment,
        opens_before=settings.call_opens_minutes_before,
        grace_after=settings.call_grace_minutes_after,
    )
    if not window.is_open(utcnow()):
        return None
    return user, appointment


@router.websocket("/ws/call/{appointment_id}")
async def call_socket(websocket: WebSocket, appointment_id: int) -> None:
    allowed = await _authorise(websocket, appointment_id)
    if allowed is None:
        await websocket.close(code=4403)  # before accept: the client sees HTTP 403
        return
    user, appointment = allowed
    await websocket.accept()
    settings = websocket.app.state.settings
    registry = websocket.app.state.call_rooms
    room_id = f"appointment-{appointment_id}"
    peer = Peer(id=f"u{user.id}", role=_role(user, appointment), connection=websocket)
    joined = False
    try:
        while True:
            text = await websocket.receive_text()
            try:
                message = parse_client_frame(text)
                if isinstance(message, Join):
                    servers = ice_servers(
                        # Only STUN servers that answer: aiortc waits ~5 s on a silent one.
                        stun_urls=await websocket.app.state.stun_health.answering(
                            settings.ice_stun_urls
                        ),
                        turn_urls=settings.ice_turn_urls,
                        turn_secret=settings.turn_secret,
                        user_id=str(user.id),
                    )
                    await registry.room(room_id).join(peer, servers)
                    joined = True
                elif not joined:
                    raise ProtocolError("join_first", "send join before anything else")
                elif isinstance(message, Admit):
                    await registry.room(room_id).admit(peer, message)
                    async with transaction(websocket.app.state.db) as session:
                        # The call took place: its wrap-up may be written even before the start.
                        await consultation.record_call(
                            session, appointment_id=appointment_id, now=utcnow()
                        )
                else:
                    await registry.room(room_id).relay(peer, message)
                    if isinstance(message, Bye):
                        break
            except ProtocolError as problem:
                await websocket.send_text(Error(code=problem.code, detail=problem.detail).to_json())
    except WebSocketDisconnect:
        pass
    finally:
        if joined:
            await registry.leave(room_id, peer)
        with contextlib.suppress(Exception):
            await websocket.close()
