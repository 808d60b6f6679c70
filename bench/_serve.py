"""Server processes for the socket benchmarks (started by bench/_common.py, not by hand).

    python bench/_serve.py app --port N --database-url URL [--schema S] --var-dir DIR --secret KEY
        [--redis-url URL] [--stun-url URL ...] [--chat-rate-limit N]
    python bench/_serve.py relay --port N
    python bench/_serve.py floor --port N

``app`` serves the real application with uvicorn (uvloop, httptools) and the server options of
``closetcall serve``: per-message deflate off, and ``app.core.fastsocket`` as the websocket protocol,
which carries the chat socket itself and hands every other websocket to uvicorn's own protocol.
``relay`` is the chat baseline: a
bare ``websockets`` server speaking the same frames as /ws/chat/{id} (hello, ready, send, ack,
message) that relays within a conversation with ``websockets.broadcast`` and stores nothing.
``floor`` is the least any ASGI websocket costs under uvicorn's own websocket protocol (deflate
off): an empty ASGI app that accepts, answers hello with ready and then only waits (for the memory figure).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import websockets
from websockets.asyncio.server import ServerConnection, serve

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def serve_app(args: argparse.Namespace) -> None:
    import uvicorn

    from app.chat.ws import RATE_WINDOW_SECONDS, RateLimiter
    from app.core.config import Settings
    from app.core.db import Database, create_engine
    from app.core.mail import FileOutbox
    from app.main import create_app

    settings = Settings(
        env="test",
        var_dir=Path(args.var_dir),
        secret_key=args.secret,
        database_url=args.database_url,
        redis_url=args.redis_url or None,
        cookie_secure=False,  # the bench speaks plain http on loopback
        reminders_enabled=False,
        public_base_url=f"http://127.0.0.1:{args.port}",
        ice_stun_urls=args.stun_url or [],
    )
    app = create_app(
        settings,
        database=Database(create_engine(args.database_url, schema=args.schema or None)),
        mailer=FileOutbox(Path(args.var_dir) / "outbox"),
    )
    if args.chat_rate_limit:
        app.state.chat_limiter = RateLimiter(args.chat_rate_limit, RATE_WINDOW_SECONDS)
    from app.cli import SERVER_OPTIONS, tune_gc

    tune_gc()  # as ``closetcall serve`` does
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        lifespan="on",
        **SERVER_OPTIONS,  # type: ignore[arg-type]
    )


class Relay:
    """The baseline: conversations are sets of connections; nothing is stored or checked."""

    def __init__(self) -> None:
        self.members: dict[int, set[ServerConnection]] = {}
        self.seq: dict[int, int] = {}

    async def handle(self, connection: ServerConnection) -> None:
        assert connection.request is not None
        url = urlsplit(connection.request.path)
        conversation = int(url.path.rstrip("/").rsplit("/", 1)[1])
        user = int(parse_qs(url.query).get("user", ["0"])[0])
        hello = json.loads(await connection.recv())
        if hello.get("type") != "hello":
            await connection.close(4400)
            return
        await connection.send(json.dumps({"type": "ready", "last_seq": 0}))
        members = self.members.setdefault(conversation, set())
        members.add(connection)
        try:
            async for raw in connection:
                frame = json.loads(raw)
                if frame.get("type") != "send":
                    continue
                seq = self.seq.get(conversation, 0) + 1
                self.seq[conversation] = seq
                await connection.send(
                    json.dumps({"type": "ack", "client_msg_id": frame["client_msg_id"], "seq": seq})
                )
                out = {
                    "type": "message",
                    "conversation_id": conversation,
                    "seq": seq,
                    "sender_id": user,
                    "client_msg_id": frame["client_msg_id"],
                    "body": frame["body"],
                    "created_at": datetime.now(UTC).isoformat(),
                }
                websockets.broadcast(members, json.dumps(out, ensure_ascii=False))
        finally:
            members.discard(connection)


async def floor_app(scope: dict, receive: Any, send: Any) -> None:
    """No framework, no auth, no state: accept, hello -> ready, then wait for the close."""
    if scope["type"] != "websocket":
        return
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    await receive()  # hello
    await send({"type": "websocket.send", "text": json.dumps({"type": "ready", "last_seq": 0})})
    while (await receive())["type"] != "websocket.disconnect":
        pass


def serve_floor(port: int) -> None:
    import uvicorn

    from app.cli import SERVER_OPTIONS

    uvicorn.run(
        floor_app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        **{**SERVER_OPTIONS, "ws": "auto"},  # type: ignore[arg-type]  # uvicorn's own protocol
    )


async def serve_relay(port: int) -> None:
    relay = Relay()
    stop = asyncio.get_running_loop().create_future()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set_result, None)
    async with serve(relay.handle, "127.0.0.1", port):
        await stop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("role", choices=["app", "relay", "floor"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--schema", default="")
    parser.add_argument("--var-dir", default="")
    parser.add_argument("--secret", default="")
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--stun-url", action="append")
    parser.add_argument("--chat-rate-limit", type=int, default=0)
    args = parser.parse_args()
    if args.role == "app":
        serve_app(args)
        return
    if args.role == "floor":
        serve_floor(args.port)
        return
    import uvloop

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(serve_relay(args.port))


if __name__ == "__main__":
    main()
