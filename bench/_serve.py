"""Server processes for the socket benchmarks (started by bench/_common.py, not by hand).

    python bench/_serve.py app --port N --database-url URL [--schema S] --var-dir DIR --secret KEY
        [--redis-url URL] [--stun-url URL ...] [--chat-rate-limit N]
    python bench/_serve.py relay --port N
    python bench/_serve.py durable --port N --database-url URL [--schema S] [--no-fsync]
    python bench/_serve.py floor --port N

``app`` serves the real application with uvicorn (uvloop, httptools) and the server options of
``closetcall serve``: per-message deflate off, and ``app.core.fastsocket`` as the websocket protocol,
which carries the chat socket itself and hands every other websocket to uvicorn's own protocol.
``relay`` is the chat baseline: a
bare ``websockets`` server speaking the same frames as /ws/chat/{id} (hello, ready, send, ack,
message) that relays within a conversation with ``websockets.broadcast`` and stores nothing.
``durable`` is that relay plus the least a chat that loses nothing must do before it answers: each
``send`` is stored by the app's own storage function (``app.chat.service.post_texts_sqlite`` or
``post_texts_pg``: the conversation row locked, a retried client_msg_id looked up, the rows
numbered, inserted and last_seq set) from a group-commit writer like the app's, one durable (fsync'd) commit per batch, and only then fanned out and acknowledged.
No session, Origin or access check, no frame validation, no broker: a floor for the app's
latency that comes from storing and flushing, not from the app's own code. With ``--no-fsync`` the
same writes are committed without waiting for the disk (SQLite ``synchronous=NORMAL``, PostgreSQL
``synchronous_commit=off``): the difference between the two is what the flush costs.
``floor`` is the least any ASGI websocket costs under uvicorn's own websocket protocol (deflate
off): an empty ASGI app that accepts, answers hello with ready and then only waits (for the memory figure).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sqlite3
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import websockets
from websockets.asyncio.server import ServerConnection, serve

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

if TYPE_CHECKING:  # the relay roles never import the app at run time
    from app.chat.service import Posted, TextPost


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
                await self.relay(connection, members, conversation, user, frame)
        finally:
            members.discard(connection)

    async def relay(
        self,
        connection: ServerConnection,
        members: set[ServerConnection],
        conversation: int,
        user: int,
        frame: dict[str, Any],
    ) -> None:
        """Number in memory, ack, fan out: nothing is stored."""
        seq = self.seq.get(conversation, 0) + 1
        self.seq[conversation] = seq
        await connection.send(
            json.dumps({"type": "ack", "client_msg_id": frame["client_msg_id"], "seq": seq})
        )
        out = _message(conversation, seq, user, frame, datetime.now(UTC))
        websockets.broadcast(members, json.dumps(out, ensure_ascii=False))


def _message(
    conversation: int, seq: int, user: int, frame: dict[str, Any], at: datetime
) -> dict[str, Any]:
    return {
        "type": "message",
        "conversation_id": conversation,
        "seq": seq,
        "sender_id": user,
        "client_msg_id": frame["client_msg_id"],
        "body": frame["body"],
        "created_at": at.isoformat(),
    }


Stored = tuple[int, datetime | None]  # seq, and created_at when new (None: a retry)


class DurableRelay(Relay):
    """The relay, but every message is durably stored before it is fanned out and acknowledged.

    One writer task takes whatever has queued up while the previous batch was being written (group
    commit, no timer) and stores it with the app's own storage functions (``post_texts_sqlite`` and
    ``post_texts_pg`` of ``app.chat.service``, which ``app.chat.writer`` calls too); SQLite in a
    worker thread with its own connection (journal in WAL mode, synchronous=FULL: the commit is
    fsync'd), PostgreSQL on one asyncpg connection (synchronous_commit as the server has it). With
    ``fsync=False`` the commits do not wait for the disk (synchronous=NORMAL, synchronous_commit=off).
    """

    def __init__(self, database_url: str, schema: str, fsync: bool = True) -> None:
        super().__init__()
        self._url, self._schema, self._fsync = database_url, schema, fsync
        self._queue: list[tuple[TextPost, asyncio.Future[Stored]]] = []
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="durable-writer")
        self._sqlite: sqlite3.Connection | None = None
        self._pg: Any = None

    async def relay(
        self,
        connection: ServerConnection,
        members: set[ServerConnection],
        conversation: int,
        user: int,
        frame: dict[str, Any],
    ) -> None:
        future: asyncio.Future[Stored] = asyncio.get_running_loop().create_future()
        from app.chat.service import TextPost

        post = TextPost(conversation, user, frame["client_msg_id"], frame["body"])
        self._queue.append((post, future))
        if self._task is None:
            self._task = asyncio.create_task(self._run())
        self._wakeup.set()
        seq, created_at = await future
        if created_at is not None:  # stored now (a retry was fanned out the first time)
            out = _message(conversation, seq, user, frame, created_at)
            websockets.broadcast(members, json.dumps(out, ensure_ascii=False))
        await connection.send(
            json.dumps({"type": "ack", "client_msg_id": frame["client_msg_id"], "seq": seq})
        )

    async def _run(self) -> None:
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._queue:
                batch, self._queue = self._queue[:256], self._queue[256:]
                posts = [post for post, _ in batch]
                if self._url.startswith("sqlite"):
                    loop = asyncio.get_running_loop()
                    stored = await loop.run_in_executor(self._executor, self._store_sqlite, posts)
                else:
                    stored = await self._store_pg(posts)
                for (_, future), result in zip(batch, stored, strict=True):
                    if not future.done():  # a sender whose handler was cancelled waits no more
                        future.set_result(result)

    def _store_sqlite(self, posts: list[TextPost]) -> list[Stored]:
        from app.chat import service

        if self._sqlite is None:
            path = self._url.removeprefix("sqlite:///")
            self._sqlite = sqlite3.connect(path, isolation_level=None, timeout=30)
            self._sqlite.execute("PRAGMA journal_mode=WAL")
            self._sqlite.execute(f"PRAGMA synchronous={'FULL' if self._fsync else 'NORMAL'}")
        return _stored(service.post_texts_sqlite(self._sqlite, posts))

    async def _store_pg(self, posts: list[TextPost]) -> list[Stored]:
        import asyncpg

        from app.chat import service

        if self._pg is None:
            url = self._url.replace("postgresql+asyncpg://", "postgresql://")
            settings = {"search_path": self._schema} if self._schema else {}
            if not self._fsync:
                settings["synchronous_commit"] = "off"
            self._pg = await asyncpg.connect(url, server_settings=settings)
        async with self._pg.transaction():
            return _stored(await service.post_texts_pg(self._pg, posts))


def _stored(results: list[Posted | Exception]) -> list[Stored]:
    """The app's results as (seq, created_at when new). Every sender of the bench may write, so a
    refusal is a broken bench: raise it."""
    stored: list[Stored] = []
    for result in results:
        if isinstance(result, Exception):
            raise result
        stored.append((result.seq, result.out.created_at if result.out is not None else None))
    return stored


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


async def serve_relay(port: int, relay: Relay) -> None:
    stop = asyncio.get_running_loop().create_future()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set_result, None)
    async with serve(relay.handle, "127.0.0.1", port):
        await stop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("role", choices=["app", "relay", "durable", "floor"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--schema", default="")
    parser.add_argument("--var-dir", default="")
    parser.add_argument("--secret", default="")
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--stun-url", action="append")
    parser.add_argument("--chat-rate-limit", type=int, default=0)
    parser.add_argument("--no-fsync", action="store_true", help="durable: commit without a flush")
    args = parser.parse_args()
    if args.role == "app":
        serve_app(args)
        return
    if args.role == "floor":
        serve_floor(args.port)
        return
    import uvloop

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        relay: Relay = Relay()
        if args.role == "durable":
            relay = DurableRelay(args.database_url, args.schema, fsync=not args.no_fsync)
        runner.run(serve_relay(args.port, relay))


if __name__ == "__main__":
    main()
