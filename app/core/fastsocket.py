"""Websocket endpoints served straight from uvicorn's connection, without the ASGI layers.

Why: a chat socket sits idle for hours, and thousands of them are open at once. Under ASGI each
one keeps a task, a chain of middleware frames, queues and uvicorn's protocol state alive: about
20 KB before the app holds anything (``bench/chat_fanout.py`` measures that floor). Here an idle
socket is one small object and a sans-I/O ``websockets`` parser, with no task at all: a task is
started when frames arrive and ends when they have been handled, in order.

uvicorn takes this class as its websocket protocol (``ws=`` in ``app.cli.SERVER_OPTIONS``). Paths
registered in ``app.state.fast_sockets`` are served here; every other websocket is handed to
uvicorn's own protocol unchanged, so the signaling sockets keep the ASGI route and middleware.

An endpoint opener decides before the handshake is answered: it returns an ``Endpoint`` (the
socket is accepted) or None (HTTP 403, the socket never opens). Received text frames go to
``Endpoint.receive`` one at a time; ``send_text`` writes at once (no task, no queue), and a peer
that stops reading is closed (1013) rather than buffered without end: it reconnects and catches up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from starlette.requests import HTTPConnection
from websockets.frames import BINARY, CLOSE, CONT, PONG, TEXT, Frame
from websockets.http11 import Request
from websockets.protocol import OPEN
from websockets.server import ServerProtocol

from app.core.periodic import Periodic

log = logging.getLogger(__name__)
# websockets' own per-connection lines ("connection open", ...) carry no path or client; the
# access line below replaces them, as uvicorn's protocol writes one per websocket.
_protocol_log = logging.getLogger(f"{__name__}.protocol")
_protocol_log.setLevel(logging.WARNING)

MAX_MESSAGE_BYTES = 1 << 20  # what uvicorn allows by default is 16 MiB; chat frames are tiny
WRITE_BUFFER_LIMIT = 1 << 20  # a peer this far behind is closed and catches up on reconnect
PING_INTERVAL = 20.0  # seconds; a peer that has not answered by the next round is dropped
HANDSHAKE_TIMEOUT = 10.0


class Endpoint(Protocol):
    async def receive(self, text: str) -> None:
        """Handle one text message; the next one waits until this returns."""

    def closed(self) -> None:
        """The socket is gone (either side closed it, or the network did)."""


Opener = Callable[[HTTPConnection, re.Match[str], "FastSocket"], Awaitable[Endpoint | None]]


@dataclass
class FastSockets:
    """The registry an app keeps in ``app.state.fast_sockets``: path patterns and their openers."""

    routes: list[tuple[re.Pattern[str], Opener]] = field(default_factory=list)
    ping_interval: float = PING_INTERVAL
    write_buffer_limit: int = WRITE_BUFFER_LIMIT
    live: set[FastSocket] = field(default_factory=set)
    _pinger: _Pinger | None = None

    def add(self, pattern: str, opener: Opener) -> None:
        self.routes.append((re.compile(pattern), opener))

    def match(self, path: str) -> tuple[re.Match[str], Opener] | None:
        for pattern, opener in self.routes:
            found = pattern.fullmatch(path)
            if found is not None:
                return found, opener
        return None

    def track(self, socket: FastSocket) -> None:
        self.live.add(socket)
        if self._pinger is None:  # started by the first socket: it needs the running loop
            self._pinger = _Pinger(self.live)
            self._pinger.start(self.ping_interval)

    async def close(self) -> None:
        """At shutdown (uvicorn has closed the sockets by then): stop the pinger."""
        if self._pinger is not None:
            await self._pinger.stop()
            self._pinger = None


class _Pinger(Periodic):
    """One job pings every socket of the process: a dead peer (a phone that lost its network
    without a FIN) is noticed within two rounds instead of never."""

    name = "websocket keepalive"

    def __init__(self, sockets: set[FastSocket]) -> None:
        super().__init__()
        self._sockets = sockets

    async def tick(self) -> None:
        for socket in list(self._sockets):
            socket.keepalive()


def _find_app(config: Any) -> Any:
    """The app that keeps a registry, found through uvicorn's wrappers (proxy headers, …)."""
    app = getattr(config, "loaded_app", None)
    for _ in range(10):
        if isinstance(getattr(getattr(app, "state", None), "fast_sockets", None), FastSockets):
            return app
        app = getattr(app, "app", None)
    return None


def _scope(request: Request, transport: asyncio.Transport, app: Any) -> dict[str, Any]:
    path, _, query = request.path.partition("?")
    return {
        "type": "websocket",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": [
            # websockets decodes header values as ISO-8859-1, so this gives back the exact bytes
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in request.headers.raw_items()
        ],
        "client": transport.get_extra_info("peername"),
        "server": transport.get_extra_info("sockname"),
        "scheme": "ws",
        "root_path": "",
        "app": app,
        "state": {},
    }


class FastSocket(asyncio.Protocol):
    """uvicorn's websocket protocol class: serves registered paths itself, forwards the rest."""

    __slots__ = (
        "_app",
        "_app_state",
        "_config",
        "_delegate",
        "_endpoint",
        "_fragments",
        "_inbox",
        "_opening",
        "_pinged",
        "_protocol",
        "_registry",
        "_route",
        "_server_state",
        "_transport",
        "_worker",
    )

    def __init__(self, config: Any, server_state: Any, app_state: Any, _loop: Any = None) -> None:
        self._config, self._server_state, self._app_state = config, server_state, app_state
        self._app: Any = None
        self._route: tuple[re.Match[str], Opener] | None = None  # until the handshake is answered
        self._delegate: asyncio.Protocol | None = None
        self._transport: asyncio.Transport | None = None
        self._protocol: ServerProtocol | None = None
        self._registry: FastSockets | None = None
        self._endpoint: Endpoint | None = None
        self._inbox: deque[str] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._fragments: list[bytes] | None = None
        self._pinged = False
        self._opening: asyncio.Task[None] | None = None

    # ---- asyncio.Protocol: the first data is the upgrade request uvicorn has already parsed

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if self._delegate is not None:
            self._delegate.data_received(data)
            return
        if self._protocol is None and not self._claim(data):
            return
        assert self._protocol is not None
        self._protocol.receive_data(data)
        self._pump()

    def eof_received(self) -> bool | None:
        if self._delegate is not None:
            return self._delegate.eof_received()
        if self._protocol is not None:
            self._protocol.receive_eof()
            self._pump()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        if self._delegate is not None:
            self._delegate.connection_lost(exc)
            return
        self._finish()

    def pause_writing(self) -> None:
        if self._delegate is not None:
            self._delegate.pause_writing()

    def resume_writing(self) -> None:
        if self._delegate is not None:
            self._delegate.resume_writing()

    def shutdown(self) -> None:
        """uvicorn is stopping: 1012 (service restart), and the client reconnects elsewhere."""
        if self._delegate is not None:
            self._delegate.shutdown()  # type: ignore[attr-defined]
        elif self._protocol is not None and self._protocol.state is OPEN:
            self.close(1012, "server restarting")
        elif self._transport is not None:
            self._transport.close()

    # ---- the endpoint's side

    @property
    def open(self) -> bool:
        return self._protocol is not None and self._protocol.state is OPEN

    def send_text(self, text: str) -> None:
        """Write one text message now; a peer too far behind is closed instead."""
        if not self.open:
            return
        assert self._protocol is not None and self._transport is not None
        assert self._registry is not None
        if self._transport.get_write_buffer_size() > self._registry.write_buffer_limit:
            self.close(1013, "too far behind; reconnect to catch up")
            return
        self._protocol.send_text(text.encode())
        self._flush()

    def close(self, code: int, reason: str = "") -> None:
        if self.open:
            assert self._protocol is not None
            self._protocol.send_close(code, reason)
            self._flush()
            # A server closes the TCP connection once its close frame is out; the peer's answer
            # is not needed for anything.
            if self._transport is not None:
                self._transport.close()

    def keepalive(self) -> None:
        if not self.open:
            return
        if self._pinged:
            assert self._protocol is not None
            self._protocol.fail(1011, "keepalive ping timeout")
            self._flush()
            if self._transport is not None:
                self._transport.close()
            return
        self._pinged = True
        assert self._protocol is not None
        self._protocol.send_ping(b"")
        self._flush()

    # ---- internals

    def _claim(self, data: bytes) -> bool:
        """Serve this socket here, or hand it to uvicorn's own protocol for good."""
        self._app = _find_app(self._config)
        self._registry = self._app.state.fast_sockets if self._app is not None else None
        path = data.split(b" ", 2)[1].split(b"?", 1)[0].decode("latin-1") if b" " in data else ""
        self._route = self._registry.match(path) if self._registry is not None else None
        if self._route is None:
            from uvicorn.protocols.websockets.auto import AutoWebSocketsProtocol

            assert AutoWebSocketsProtocol is not None
            self._delegate = AutoWebSocketsProtocol(
                config=self._config, server_state=self._server_state, app_state=self._app_state
            )
            self._delegate.connection_made(self._transport)  # type: ignore[arg-type]
            self._delegate.data_received(data)
            return False
        self._protocol = ServerProtocol(max_size=MAX_MESSAGE_BYTES, logger=_protocol_log)
        self._server_state.connections.add(self)
        return True

    def _pump(self) -> None:
        assert self._protocol is not None
        for event in self._protocol.events_received():
            if isinstance(event, Request):
                self._opening = asyncio.get_running_loop().create_task(self._handshake(event))
            elif isinstance(event, Frame):
                self._frame(event)
        self._flush()

    def _frame(self, frame: Frame) -> None:
        self._pinged = False  # anything from the peer proves it is there
        if frame.opcode is TEXT or frame.opcode is CONT:
            if frame.opcode is TEXT and frame.fin:
                self._queue(frame.data)
                return
            self._fragments = (self._fragments or []) + [frame.data]
            if frame.fin:
                whole, self._fragments = b"".join(self._fragments), None
                self._queue(whole)
        elif frame.opcode is CLOSE or frame.opcode is PONG:
            return
        elif frame.opcode is BINARY:
            assert self._protocol is not None
            self._protocol.fail(1003, "text frames only")

    def _queue(self, data: bytes) -> None:
        if self._endpoint is None:
            return
        try:
            text = data.decode()
        except UnicodeDecodeError:
            assert self._protocol is not None
            self._protocol.fail(1007, "invalid UTF-8")
            return
        if self._inbox is None:
            self._inbox = deque()
        self._inbox.append(text)
        if self._worker is None:
            self._worker = asyncio.get_running_loop().create_task(self._work())

    async def _work(self) -> None:
        """Hand queued messages to the endpoint in order; ends (no idle task) when none are left."""
        try:
            while self._inbox and self._endpoint is not None:
                text = self._inbox.popleft()
                try:
                    await self._endpoint.receive(text)
                except Exception:
                    log.exception("fast socket endpoint failed")
                    self.close(1011, "internal error")
                    return
        finally:
            self._worker = None
            self._inbox = None

    async def _handshake(self, request: Request) -> None:
        try:
            await self._answer(request)
        except Exception:  # whatever it was, the client must not wait on an unanswered upgrade
            log.exception("fast socket handshake failed")
            if self._transport is not None:
                self._transport.close()
        finally:
            self._opening = self._route = None  # not kept for the socket's lifetime

    async def _answer(self, request: Request) -> None:
        assert self._protocol is not None and self._transport is not None
        assert self._registry is not None
        found = self._route  # matched on the same path when uvicorn handed the socket over
        endpoint: Endpoint | None = None
        if found is not None:
            connection = HTTPConnection(_scope(request, self._transport, self._app))
            try:
                async with asyncio.timeout(HANDSHAKE_TIMEOUT):
                    endpoint = await found[1](connection, found[0], self)
            except Exception:
                log.exception("fast socket opener failed")
                endpoint = None
        if self._transport.is_closing():
            if endpoint is not None:
                endpoint.closed()
            return
        if endpoint is None:
            self._access(request, "403")
            self._protocol.send_response(self._protocol.reject(403, "Forbidden\n"))
            self._flush()
            return
        response = self._protocol.accept(request)
        self._protocol.send_response(response)
        self._flush()
        if response.status_code != 101:
            endpoint.closed()
            return
        self._endpoint = endpoint
        self._registry.track(self)
        self._access(request, "accepted")

    def _access(self, request: Request, outcome: str) -> None:
        """One access line per socket, like uvicorn's (the path only: no query, no cookies)."""
        if log.isEnabledFor(logging.INFO):
            peer = self._transport.get_extra_info("peername") if self._transport else None
            client = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else "-"
            log.info('%s - "WebSocket %s" %s', client, request.path.split("?", 1)[0], outcome)

    def _flush(self) -> None:
        if self._protocol is None or self._transport is None:
            return
        for data in self._protocol.data_to_send():
            if data:
                self._transport.write(data)
            elif not self._transport.is_closing():
                self._transport.close()  # end of stream: a server closes the TCP connection
        if self._protocol.close_expected() and not self._transport.is_closing():
            self._transport.close()

    def _finish(self) -> None:
        with contextlib.suppress(KeyError):
            self._server_state.connections.remove(self)
        if self._registry is not None:
            self._registry.live.discard(self)
        if self._opening is not None and not self._opening.done():
            self._opening.cancel()
        endpoint, self._endpoint = self._endpoint, None
        if endpoint is not None:
            endpoint.closed()
