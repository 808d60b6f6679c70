"""The chat websocket: connection handling only; text messages go through the group-commit writer.

Frames (JSON): client ``hello {last_seq}`` first, then ``send {client_msg_id, body}`` (a stylist
may add ``catalog_item_id`` to send a product card; the body is then optional), ``typing``,
``read {seq}``. Server: ``message`` (replayed or live, in seq order, never twice; with
``attachment {url, width, height, content_type}`` or ``product {...}`` when it carries one),
``ready {last_seq, unread}``, ``ack {client_msg_id, seq}``, ``typing {from}``, ``read {from, seq}``,
``error {code, detail}``. Photos are uploaded over HTTP (``POST .../attachments``) and arrive here
as ordinary ``message`` frames.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import ValidationError

from app.accounts.models import User
from app.chat import service
from app.chat.schemas import SendIn
from app.chat.service import TextPost
from app.chat.writer import channel
from app.core.db import transaction, write_transaction
from app.core.errors import AppError
from app.core.types import MAX_ID
from app.core.websockets import origin_allowed

router = APIRouter()
log = logging.getLogger(__name__)
RATE_WINDOW_SECONDS = 10.0
RATE_MAX_MESSAGES = 30


class RateLimiter:
    """Per-user sliding window, owned by one app instance (``app.state.chat_limiter``)."""

    def __init__(self, limit: int = RATE_MAX_MESSAGES, window: float = RATE_WINDOW_SECONDS) -> None:
        self.limit, self.window = limit, window
        self._recent: dict[int, deque[float]] = {}

    def hit(self, user_id: int, now: float) -> bool:
        """Record a message; True when it is over the limit (and so not accepted)."""
        recent = self._recent.setdefault(user_id, deque())
        while recent and now - recent[0] > self.window:
            recent.popleft()
        if len(recent) >= self.limit:
            return True
        recent.append(now)
        return False


def _describe(error: Any) -> str:
    message = str(error["msg"]).removeprefix("Value error, ")
    where = ".".join(map(str, error["loc"]))
    return f"{where}: {message}" if where else message


async def _send(websocket: WebSocket, payload: dict[str, Any]) -> None:
    await websocket.send_text(json.dumps(payload, ensure_ascii=False, default=str))


async def chat_socket(websocket: WebSocket) -> None:
    """A plain Starlette route (no dependency injection): every idle socket holds on to what its
    handler's frames reference for hours, so the set-up lives in functions that return."""
    conversation_id: int = websocket.path_params["conversation_id"]
    user: User | None = websocket.state.user
    db = websocket.app.state.db
    if user is None or not await _may_join(websocket, db, user, conversation_id):
        await websocket.close(code=4403)  # before accept: the client sees HTTP 403
        return
    await websocket.accept()
    broker = websocket.app.state.broker
    async with broker.subscribe(channel(conversation_id)) as items:
        state = await _greet(websocket, db, user, conversation_id)
        if state is not None:
            await _serve(websocket, db, user, conversation_id, broker, items, state)


router.add_websocket_route("/ws/chat/{conversation_id:int}", chat_socket)


async def _may_join(websocket: WebSocket, db: Any, user: User, conversation_id: int) -> bool:
    if not 1 <= conversation_id <= MAX_ID or not origin_allowed(websocket):
        return False
    try:
        async with transaction(db) as session:
            await service.load(session, viewer=user, conversation_id=conversation_id)
    except AppError:
        return False
    return True


async def _greet(
    websocket: WebSocket, db: Any, user: User, conversation_id: int
) -> dict[str, int] | None:
    """hello in, what was missed and ready out; None (socket closed) without a proper hello."""
    try:
        hello = json.loads(await asyncio.wait_for(websocket.receive_text(), 15))
        last_seq = int(hello.get("last_seq", 0)) if hello.get("type") == "hello" else -1
    except (TimeoutError, ValueError, TypeError, AttributeError, json.JSONDecodeError):
        last_seq = -1
    if last_seq < 0:
        await _send(
            websocket,
            {"type": "error", "code": "hello_first", "detail": "send hello {last_seq} first"},
        )
        await websocket.close(code=4400)
        return None
    state = {"last_sent": last_seq}
    await _catch_up(websocket, db, user, conversation_id, state)
    async with transaction(db) as session:
        conversation = await service.load(session, viewer=user, conversation_id=conversation_id)
        unread = await service.unread(session, viewer=user, conversation=conversation)
    await _send(websocket, {"type": "ready", "last_seq": state["last_sent"], "unread": unread})
    return state


async def _serve(
    websocket: WebSocket,
    db: Any,
    user: User,
    conversation_id: int,
    broker: Any,
    items: Any,
    state: dict[str, int],
) -> None:
    """A receiver that stores and publishes, a sender that forwards; when one ends, both end."""
    receiver = asyncio.create_task(_receive(websocket, db, user, conversation_id, broker))
    sender = asyncio.create_task(_forward(websocket, db, user, conversation_id, items, state))
    done, pending = await asyncio.wait({receiver, sender}, return_when=asyncio.FIRST_COMPLETED)
    for task in done:
        # A peer that went away ends a task with a disconnect: expected, not an error. Anything
        # else is logged here rather than left as "Task exception was never retrieved".
        error = None if task.cancelled() else task.exception()
        if error is not None and not _is_disconnect(error):
            log.warning("chat socket task failed", exc_info=error)
    for task in pending:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


def _is_disconnect(error: BaseException) -> bool:
    return (
        isinstance(error, WebSocketDisconnect | ConnectionError)
        or "Disconnect" in type(error).__name__
    )


async def _catch_up(
    websocket: WebSocket, db: Any, user: User, conversation_id: int, state: dict[str, int]
) -> None:
    """Send everything after last_sent from the database, in order."""
    while True:
        async with transaction(db) as session:
            batch = await service.missed(
                session, viewer=user, conversation_id=conversation_id, after_seq=state["last_sent"]
            )
            frames = await service.to_outs(session, batch)
        for frame in frames:
            await _send(websocket, frame.model_dump(mode="json"))
            state["last_sent"] = frame.seq
        if len(batch) < service.PAGE:
            return


async def _forward(
    websocket: WebSocket,
    db: Any,
    user: User,
    conversation_id: int,
    items: Any,
    state: dict[str, int],
) -> None:
    async for raw in items:
        event = json.loads(raw)
        if event.get("type") == "message":
            seq = int(event["seq"])
            if seq <= state["last_sent"]:
                continue  # already delivered (replay and live overlap)
            if seq > state["last_sent"] + 1:
                await _catch_up(websocket, db, user, conversation_id, state)  # a publish was missed
                continue
            await websocket.send_text(raw)  # the published frame as it is: no re-encoding
            state["last_sent"] = seq
        elif event.get("from") != user.id:
            await websocket.send_text(raw)


async def _receive(
    websocket: WebSocket, db: Any, user: User, conversation_id: int, broker: Any
) -> None:
    try:
        while True:
            text = await websocket.receive_text()
            if len(text) > 16_384:
                await _send(
                    websocket,
                    {"type": "error", "code": "frame_too_large", "detail": "16 KB at most"},
                )
                continue
            try:
                frame = json.loads(text)
                kind = frame.get("type")
            except (json.JSONDecodeError, AttributeError):
                await _send(
                    websocket, {"type": "error", "code": "bad_json", "detail": "send JSON objects"}
                )
                continue
            if kind == "send":
                await _handle_send(websocket, db, user, conversation_id, broker, frame)
            elif kind == "typing":
                await broker.publish(
                    channel(conversation_id), json.dumps({"type": "typing", "from": user.id})
                )
            elif kind == "read":
                try:
                    async with transaction(db) as session:
                        seq = await service.mark_read(
                            session,
                            viewer=user,
                            conversation_id=conversation_id,
                            seq=int(frame.get("seq", 0)),
                        )
                except (ValueError, TypeError):
                    await _send(
                        websocket,
                        {
                            "type": "error",
                            "code": "invalid_message",
                            "detail": "seq must be a number",
                        },
                    )
                    continue
                await broker.publish(
                    channel(conversation_id),
                    json.dumps({"type": "read", "from": user.id, "seq": seq}),
                )
            else:
                await _send(
                    websocket,
                    {"type": "error", "code": "unknown_type", "detail": "send, typing or read"},
                )
    except WebSocketDisconnect:
        return


async def _handle_send(
    websocket: WebSocket,
    db: Any,
    user: User,
    conversation_id: int,
    broker: Any,
    frame: dict[str, Any],
) -> None:
    try:
        data = SendIn.model_validate(frame)
    except ValidationError as exc:
        first = exc.errors()[0]
        await _send(
            websocket,
            {
                "type": "error",
                "code": "invalid_message",
                "client_msg_id": frame.get("client_msg_id"),
                "detail": _describe(first),
            },
        )
        return
    if websocket.app.state.chat_limiter.hit(user.id, time.monotonic()):
        await _send(
            websocket,
            {
                "type": "error",
                "code": "rate_limited",
                "client_msg_id": data.client_msg_id,
                "detail": "too many messages; wait a few seconds",
            },
        )
        return
    try:
        if data.catalog_item_id is None:  # text: stored with other sockets' posts (group commit)
            posted = await websocket.app.state.chat_writer.post(
                TextPost(conversation_id, user.id, data.client_msg_id, data.body)  # type: ignore[arg-type]
            )
            seq = posted.seq
        else:
            seq = await _post_card(db, broker, user, conversation_id, data)
    except AppError as exc:
        await _send(
            websocket,
            {
                "type": "error",
                "code": exc.code,
                "detail": exc.detail,
                "client_msg_id": data.client_msg_id,
            },
        )
        return
    # Persisted (committed) and published before the sender hears of it.
    await _send(websocket, {"type": "ack", "client_msg_id": data.client_msg_id, "seq": seq})


async def _post_card(db: Any, broker: Any, user: User, conversation_id: int, data: SendIn) -> int:
    """A product card: checked against the catalog, stored in its own transaction."""
    async with write_transaction(db) as session:
        message, new = await service.post(
            session, viewer=user, conversation_id=conversation_id, data=data
        )
        out = (await service.to_out(session, message)).model_dump(mode="json")
    # Published before the ack, so a sender whose socket has just died cannot keep a stored
    # message from reaching the others live.
    if new:
        await broker.publish(channel(conversation_id), json.dumps(out, ensure_ascii=False))
    return int(out["seq"])
