"""The chat websocket: connection handling only; text messages go through the group-commit writer.

Each socket's conversation state is a ``ChatEndpoint`` (``app/chat/endpoint.py``). ``closetcall
serve`` carries it on ``app.core.fastsocket`` (no ASGI layers, no task while idle, opened by
``open_chat``); under any other server the ASGI route below does.

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
import logging
import re
from collections import deque

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.requests import HTTPConnection

from app.accounts.context import session_token, user_for
from app.accounts.models import User
from app.chat import service
from app.chat.endpoint import ChatEndpoint
from app.core.db import transaction
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


PATH = r"/ws/chat/(\d{1,10})"


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
