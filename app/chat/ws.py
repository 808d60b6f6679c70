"""The chat websocket: connection handling only; text messages go through the group-commit writer.

One ``ChatEndpoint`` per socket holds the conversation state. ``closetcall serve`` serves it through
``app.core.fastsocket`` (no ASGI layers, no task while idle); under any other server the ASGI route
below does. Published items reach it through ``put`` (called by the broker, synchronously): a
message is written to the socket at once when it is the next seq, and a gap is filled from the
database first, so each client sees every message once and in order.

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
import re
import time
from collections import deque
from typing import Any, Protocol

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import ValidationError
from starlette.requests import HTTPConnection

from app.accounts.context import session_token, user_for
from app.accounts.models import User
from app.chat import service
from app.chat.schemas import SendIn
from app.chat.service import TextPost
from app.chat.writer import channel
from app.core import i18n
from app.core.db import transaction, write_transaction
from app.core.errors import AppError
from app.core.fastsocket import FastSocket
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


HELLO_SECONDS = 15.0
PATH = r"/ws/chat/(\d{1,10})"


class Link(Protocol):
    """Where an endpoint writes: a fast socket, or the ASGI adapter below."""

    def send_text(self, text: str) -> None: ...

    def close(self, code: int, reason: str = "") -> None: ...


def _describe(error: Any) -> str:
    message = str(error["msg"]).removeprefix("Value error, ")
    where = ".".join(map(str, error["loc"]))
    return f"{where}: {message}" if where else message


def _error(code: str, detail: str, **extra: Any) -> str:
    return json.dumps({"type": "error", "code": code, "detail": detail, **extra}, default=str)


class ChatEndpoint:
    """One socket's side of a conversation. States: hello (waiting for it), live, gone."""

    __slots__ = (
        "_app",
        "_attached",
        "_conversation_id",
        "_last_sent",
        "_link",
        "_pending",
        "_recovery",
        "_state",
        "_timer",
        "_user",
    )

    def __init__(self, app: Any, user: User, conversation_id: int, link: Link) -> None:
        self._app, self._user, self._conversation_id, self._link = app, user, conversation_id, link
        self._state = "hello"
        self._attached = False
        self._last_sent = 0
        # Published items held back while the database is read (hello, or a gap), then sent.
        self._pending: list[str] | None = []
        self._recovery: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = asyncio.get_running_loop().call_later(
            HELLO_SECONDS, self._no_hello
        )

    # ---- from the client, one frame at a time

    async def receive(self, text: str) -> None:
        # Error details are translated; under the fast socket no middleware has set the language.
        i18n.set_locale(self._user.locale)
        if self._state == "hello":
            await self._greet(text)
        elif self._state == "live":
            await self._handle(text)

    def closed(self) -> None:
        self._state = "gone"
        self._pending = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._recovery is not None:
            self._recovery.cancel()
        if self._attached:
            self._attached = False
            asyncio.get_running_loop().create_task(
                self._app.state.broker.detach(channel(self._conversation_id), self)
            )

    def _no_hello(self) -> None:
        self._timer = None
        if self._state == "hello":
            self._refuse_hello()

    def _refuse_hello(self) -> None:
        self._link.send_text(_error("hello_first", "send hello {last_seq} first"))
        self._link.close(4400)
        self._state = "gone"

    async def _greet(self, text: str) -> None:
        """hello in; subscribe, send what was missed, then ready, then the live items."""
        try:
            hello = json.loads(text)
            last_seq = int(hello.get("last_seq", 0)) if hello.get("type") == "hello" else -1
        except (ValueError, TypeError, AttributeError):
            last_seq = -1
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if last_seq < 0:
            self._refuse_hello()
            return
        self._state = "joining"
        self._last_sent = last_seq
        broker = self._app.state.broker
        await broker.attach(channel(self._conversation_id), self)
        self._attached = True
        if self._state == "gone":  # the socket closed while the subscription was made
            self.closed()
            return
        await self._catch_up()
        async with transaction(self._app.state.db) as session:
            conversation = await service.load(
                session, viewer=self._user, conversation_id=self._conversation_id
            )
            unread = await service.unread(session, viewer=self._user, conversation=conversation)
        if self._state == "gone":
            return
        self._send({"type": "ready", "last_seq": self._last_sent, "unread": unread})
        self._state = "live"
        self._drain()

    # ---- from the broker

    def put(self, raw: str) -> None:
        if self._state == "gone":
            return
        if self._pending is not None:
            if self._state != "gone":
                self._pending.append(raw)
            return
        if not self._deliver(raw):
            self._pending = [raw]
            self._recovery = asyncio.get_running_loop().create_task(self._recover())

    def _deliver(self, raw: str) -> bool:
        """Send one published item; False when it shows that an earlier message was missed."""
        event = json.loads(raw)
        if event.get("type") == "message":
            seq = int(event["seq"])
            if seq <= self._last_sent:
                return True  # already sent (from the database, or live)
            if seq > self._last_sent + 1:
                return False
            self._link.send_text(raw)  # the published frame as it is: no re-encoding
            self._last_sent = seq
        elif event.get("from") != self._user.id:
            self._link.send_text(raw)
        return True

    def _drain(self) -> None:
        pending = self._pending or []
        while pending:
            if not self._deliver(pending[0]):
                self._recovery = asyncio.get_running_loop().create_task(self._recover())
                return
            pending.pop(0)
        self._pending = None

    async def _recover(self) -> None:
        try:
            await self._catch_up()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("chat catch-up failed; the client reconnects and catches up")
            self._link.close(1011)
            return
        if self._state == "live":
            self._drain()

    async def _catch_up(self) -> None:
        """Send everything after last_sent from the database, in order."""
        while True:
            async with transaction(self._app.state.db) as session:
                batch = await service.missed(
                    session,
                    viewer=self._user,
                    conversation_id=self._conversation_id,
                    after_seq=self._last_sent,
                )
                frames = await service.to_outs(session, batch)
            for frame in frames:
                self._send(frame.model_dump(mode="json"))
                self._last_sent = frame.seq
            if len(batch) < service.PAGE:
                return

    # ---- client frames

    def _send(self, payload: dict[str, Any]) -> None:
        self._link.send_text(json.dumps(payload, ensure_ascii=False, default=str))

    async def _handle(self, text: str) -> None:
        if len(text) > 16_384:
            self._link.send_text(_error("frame_too_large", "16 KB at most"))
            return
        try:
            frame = json.loads(text)
            kind = frame.get("type")
        except (json.JSONDecodeError, AttributeError):
            self._link.send_text(_error("bad_json", "send JSON objects"))
            return
        broker = self._app.state.broker
        if kind == "send":
            await self._handle_send(frame)
        elif kind == "typing":
            await broker.publish(
                channel(self._conversation_id),
                json.dumps({"type": "typing", "from": self._user.id}),
            )
        elif kind == "read":
            try:
                async with transaction(self._app.state.db) as session:
                    seq = await service.mark_read(
                        session,
                        viewer=self._user,
                        conversation_id=self._conversation_id,
                        seq=int(frame.get("seq", 0)),
                    )
            except (ValueError, TypeError):
                self._link.send_text(_error("invalid_message", "seq must be a number"))
                return
            await broker.publish(
                channel(self._conversation_id),
                json.dumps({"type": "read", "from": self._user.id, "seq": seq}),
            )
        else:
            self._link.send_text(_error("unknown_type", "send, typing or read"))

    async def _handle_send(self, frame: dict[str, Any]) -> None:
        try:
            data = SendIn.model_validate(frame)
        except ValidationError as exc:
            detail = _describe(exc.errors()[0])
            self._link.send_text(
                _error("invalid_message", detail, client_msg_id=frame.get("client_msg_id"))
            )
            return
        state = self._app.state
        if state.chat_limiter.hit(self._user.id, time.monotonic()):
            self._link.send_text(
                _error(
                    "rate_limited",
                    "too many messages; wait a few seconds",
                    client_msg_id=data.client_msg_id,
                )
            )
            return
        try:
            if data.catalog_item_id is None:  # text: stored with other sockets' posts
                posted = await state.chat_writer.post(
                    TextPost(self._conversation_id, self._user.id, data.client_msg_id, data.body)  # type: ignore[arg-type]
                )
                seq = posted.seq
            else:
                seq = await _post_card(
                    state.db, state.broker, self._user, self._conversation_id, data
                )
        except AppError as exc:
            self._link.send_text(_error(exc.code, exc.detail, client_msg_id=data.client_msg_id))
            return
        # Persisted (committed) and published before the sender hears of it.
        self._send({"type": "ack", "client_msg_id": data.client_msg_id, "seq": seq})


async def _may_join(connection: HTTPConnection, user: User, conversation_id: int) -> bool:
    if not 1 <= conversation_id <= MAX_ID or not origin_allowed(connection):
        return False
    try:
        async with transaction(connection.app.state.db) as session:
            await service.load(session, viewer=user, conversation_id=conversation_id)
    except AppError:
        return False
    return True


async def open_chat(
    connection: HTTPConnection, match: re.Match[str], socket: FastSocket
) -> ChatEndpoint | None:
    """The fast-socket opener: session cookie, Origin and access, before the handshake is
    answered (a refusal is an HTTP 403 and the socket never opens)."""
    state = connection.app.state
    token = session_token(connection, state.settings)
    user = await user_for(state.db, token) if token else None
    conversation_id = int(match.group(1))
    if user is None or not await _may_join(connection, user, conversation_id):
        return None
    return ChatEndpoint(connection.app, user, conversation_id, socket)


class _AsgiLink:
    """The same endpoint under another ASGI server: writes go out through one sender task."""

    __slots__ = ("_out", "_wake", "_websocket")

    def __init__(self, websocket: WebSocket) -> None:
        self._websocket = websocket
        self._out: deque[str | int] = deque()
        self._wake = asyncio.Event()

    def send_text(self, text: str) -> None:
        self._out.append(text)
        self._wake.set()

    def close(self, code: int, reason: str = "") -> None:
        self._out.append(code)
        self._wake.set()

    async def run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._out:
                item = self._out.popleft()
                if isinstance(item, int):
                    await self._websocket.close(code=item)
                    return
                await self._websocket.send_text(item)


async def chat_socket(websocket: WebSocket) -> None:
    """The ASGI route (any server); ``closetcall serve`` answers this path in ``fastsocket``."""
    conversation_id: int = websocket.path_params["conversation_id"]
    user: User | None = websocket.state.user
    if user is None or not await _may_join(websocket, user, conversation_id):
        await websocket.close(code=4403)  # before accept: the client sees HTTP 403
        return
    await websocket.accept()
    link = _AsgiLink(websocket)
    endpoint = ChatEndpoint(websocket.app, user, conversation_id, link)
    sender = asyncio.create_task(link.run())
    receiver = asyncio.create_task(_receive(websocket, endpoint))
    try:
        done, _ = await asyncio.wait({sender, receiver}, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            error = None if task.cancelled() else task.exception()
            if error is not None and not _is_disconnect(error):
                log.warning("chat socket task failed", exc_info=error)
    finally:
        endpoint.closed()
        for task in (sender, receiver):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


async def _receive(websocket: WebSocket, endpoint: ChatEndpoint) -> None:
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            await endpoint.receive(await websocket.receive_text())


router.add_websocket_route("/ws/chat/{conversation_id:int}", chat_socket)


def _is_disconnect(error: BaseException) -> bool:
    return (
        isinstance(error, WebSocketDisconnect | ConnectionError)
        or "Disconnect" in type(error).__name__
    )


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
