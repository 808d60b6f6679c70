"""One chat socket's side of a conversation, whichever server carries the socket.

``ChatEndpoint`` gets the client's frames one at a time (``receive``) and the broker's published
items synchronously (``put``). A message is written to the socket at once when it is the next
seq; a gap is filled from the database first, so each client sees every message once, in order.
Text messages go through the group-commit writer; product cards are stored on their own.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any, Protocol

from pydantic import ValidationError

from app.accounts.models import User
from app.chat import service
from app.chat.schemas import SendIn
from app.chat.service import TextPost
from app.chat.writer import channel
from app.core import i18n
from app.core.db import transaction, write_transaction
from app.core.errors import AppError

log = logging.getLogger(__name__)

HELLO_SECONDS = 15.0


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
