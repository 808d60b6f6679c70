"""Benchmark: chat fan-out through the real app against a bare ``websockets`` relay.

1,000 websocket clients in conversations of two or three (customer, stylist, and in every other
conversation a store manager who reads along), 100-byte messages. The app is served by uvicorn in
its own process with the full path: session cookie and Origin checks, one short write transaction
per message, the broker. The baseline is ``bench/_serve.py relay`` in its own process: the same
frames and conversations, relayed with ``websockets.broadcast``, nothing stored. Clients run in
this process on one asyncio loop (uvloop), and every delivery latency is measured on one clock.

For each server, in this order:
  (c) RSS growth of the server process over 2,000 idle authenticated sockets (hello done), on a
      fresh process each time: once without per-message deflate, once with it (as browsers ask);
  (a) capacity: the offered rate rises by half each step (4 s) until p99 delivery latency passes
      500 ms or deliveries fall behind (twice at the same rate); one more step halfway back; the
      highest delivered rate of a step that kept up counts;
  (b) p50/p99 delivery latency at a fixed offered load of 1,000 messages/s for 10 s; then the
      bench waits while deliveries still arrive, and whatever is missing after that is lost.
Between the two, (a) and (b) for ``bench/_serve.py durable``: the same relay, but each message is
stored durably (the app's statements, group commit, one fsync'd commit per batch) before it is
fanned out, on a database of its own seeded the same way. No app code stands between: it shows
the part of the app's latency that comes from storing each message before anyone sees it, which
the issue requires and the baseline does not do (``durable_floor_*``); then once more with the
same writes committed without a flush (``unflushed_floor_*``), to show what the flush costs.
Last, (c) once more for ``bench/_serve.py floor``: an empty ASGI app under uvicorn with the app's
server options, i.e. what any websocket of any app served this way costs before its own state.
Load is spread over all customers and stylists (round robin); managers only read. The app under
test gets a chat rate limit of 1,000 messages per user per 10 s (``--chat-rate-limit``), so the
capacity ladder measures the server rather than the limit: at 1,000 messages/s each writer sends
12.5 messages per 10 s, inside the production limit of 30 anyway.

    .venv/bin/python bench/chat_fanout.py [--clients 1000] [--idle 2000]
        [--database-url postgresql://...] [--redis-url redis://...]

The last line is JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    BenchDatabase,
    ServerProcess,
    bench_database,
    cpu_seconds,
    percentile,
    raise_open_files,
    rss_bytes,
    run,
    server_process,
    settle,
)
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from app.chat.models import Conversation
from tests.factories import (
    make_appointment,
    make_customer,
    make_manager,
    make_service,
    make_store,
    make_stylist,
    tomorrow_at,
)
from tests.live import SECRET, person_with_session

BODY = ("fan-out bench message " * 5)[:99] + "."  # 100 bytes of ASCII
assert len(BODY.encode()) == 100
P99_LIMIT = 0.5  # seconds
KEEP_UP = 0.95  # a step keeps up when it sends at >= 95 % of the offered rate and drains in time


class BenchFailed(RuntimeError):
    """The run cannot go on (a server refused or dropped a fresh connection)."""


@dataclass(frozen=True)
class Member:
    conversation: int
    user_id: int
    cookie: str
    others: tuple[int, ...]  # the other members' user ids: each must receive what this one sends
    writes: bool  # customers and stylists write; managers read along


@dataclass(frozen=True)
class Target:
    name: str
    server: ServerProcess
    is_app: bool

    def url(self, member: Member) -> str:
        if self.is_app:
            return f"{self.server.ws}/ws/chat/{member.conversation}"
        return f"{self.server.ws}/chat/{member.conversation}?user={member.user_id}"


async def seed(bench: BenchDatabase, clients: int) -> list[Member]:
    """Users, appointments, conversations and sessions: conversations of 2 and 3 alternately."""
    db = bench.open()
    members: list[Member] = []
    async with db.sessions() as session:
        store = await make_store(session)
        service = await make_service(session, store)
        start = tomorrow_at(10)
        left, index = clients, 0
        while left >= 2:
            size = 2 + index % 2
            if left - size == 1:  # never leave one client without a conversation
                size = 5 - size
            index += 1
            customer, stylist = await make_customer(session), await make_stylist(session, store)
            await make_appointment(
                session, customer=customer, stylist=stylist, service=service, start=start
            )
            conversation = Conversation(
                customer_id=customer.id, staff_id=stylist.id, store_id=store.id
            )
            session.add(conversation)
            await session.flush()
            people = [(customer, True), (stylist, True)]
            if size == 3:
                people.append((await make_manager(session, store), False))
            ids = [int(user.id or 0) for user, _ in people]
            for user, writes in people:
                person = await person_with_session(session, user)
                assert conversation.id is not None and user.id is not None
                others = tuple(i for i in ids if i != user.id)
                members.append(Member(conversation.id, user.id, person.cookie, others, writes))
            left -= size
        await session.commit()
    await db.dispose()
    return members


# ---- load generation and bookkeeping


@dataclass
class Phase:
    name: str
    offered: float
    sent: int = 0
    expected: int = 0
    refused: int = 0
    send_seconds: float = 0.0
    first_send: float = 0.0
    last_delivery: float = 0.0
    latencies: list[float] = field(default_factory=list)
    server_cpu: float = 0.0
    client_cpu: float = 0.0

    @property
    def missing(self) -> int:
        return self.expected - len(self.latencies)

    def p(self, q: float) -> float:
        return percentile(self.latencies, q)

    @property
    def delivered_msgs_per_s(self) -> float:
        """Messages (each delivered to all its recipients) per second over the phase."""
        span = max(self.last_delivery, self.first_send + self.send_seconds) - self.first_send
        complete = self.sent - self.refused if self.missing == 0 else 0
        return complete / span if span > 0 and complete else 0.0

    @property
    def deliveries_per_s(self) -> float:
        span = max(self.last_delivery, self.first_send + self.send_seconds) - self.first_send
        return len(self.latencies) / span if span > 0 else 0.0

    @property
    def kept_up(self) -> bool:
        achieved = self.sent / self.send_seconds if self.send_seconds else 0.0
        return (
            self.missing == 0
            and self.refused == 0
            and achieved >= KEEP_UP * self.offered
            and self.p(99) <= P99_LIMIT
        )


class Tracker:
    """Send times by client_msg_id; every delivery to another member records a latency."""

    def __init__(self) -> None:
        self.pending: dict[str, list[Any]] = {}  # id -> [sent at, recipients left, phase]
        self.phases: dict[str, Phase] = {}
        self.errors: Counter[str] = Counter()
        self.drops: Counter[str] = Counter()  # connections the server closed, by close code
        self.unexpected = 0

    def sent(self, cid: str, phase: Phase, recipients: tuple[int, ...], at: float) -> None:
        self.pending[cid] = [at, set(recipients), phase]
        phase.sent += 1
        phase.expected += len(recipients)

    def delivered(self, cid: str, recipient: int, at: float) -> None:
        entry = self.pending.get(cid)
        if entry is None or recipient not in entry[1]:
            self.unexpected += 1  # a duplicate, or a message this run did not send
            return
        phase: Phase = entry[2]
        phase.latencies.append(at - entry[0])
        phase.last_delivery = max(phase.last_delivery, at)
        entry[1].discard(recipient)
        if not entry[1]:
            del self.pending[cid]

    def error(self, frame: dict[str, Any]) -> None:
        self.errors[str(frame.get("code"))] += 1
        entry = self.pending.pop(str(frame.get("client_msg_id")), None)
        if entry is not None:  # refused (e.g. rate_limited): not expected to arrive
            phase: Phase = entry[2]
            phase.refused += 1
            phase.expected -= len(entry[1])

    def outstanding(self, phase: Phase | None = None) -> int:
        return sum(len(e[1]) for e in self.pending.values() if phase is None or e[2] is phase)


async def _open(
    target: Target, member: Member, deflate: bool = True, last_seq: int = 0
) -> tuple[ClientConnection, list[dict[str, Any]]]:
    """Connect (cookie and Origin as a browser sends them), say hello, wait for ready; returns
    the socket and the replayed frames. Like a browser, the client offers per-message deflate
    (unless ``deflate`` is False) and sends no keepalive pings of its own."""
    headers = {"Cookie": member.cookie} if target.is_app else {}
    ws = await connect(
        target.url(member),
        additional_headers=headers,
        origin=target.server.http,  # type: ignore[arg-type]
        open_timeout=60,
        compression="deflate" if deflate else None,
        ping_interval=None,
    )
    replayed = []
    try:
        await ws.send(json.dumps({"type": "hello", "last_seq": last_seq}))
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 60))
            if frame.get("type") == "ready":
                return ws, replayed
            replayed.append(frame)
    except ConnectionClosed as exc:
        raise BenchFailed(
            f"{target.name} closed the socket of user {member.user_id} before 'ready' "
            f"(close code {ws.close_code}); see the server's log above"
        ) from exc


async def open_many(
    target: Target, members: list[Member], count: int, deflate: bool = True, parallel: int = 50
) -> list[ClientConnection]:
    gate = asyncio.Semaphore(parallel)

    async def one(i: int) -> ClientConnection:
        async with gate:
            return (await _open(target, members[i % len(members)], deflate))[0]

    return list(await asyncio.gather(*(one(i) for i in range(count))))


async def close_all(sockets: list[ClientConnection]) -> None:
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)


class Client:
    """One member's socket, as the chat page uses it: when the server drops the connection it
    reconnects with the last seq it saw (the server replays what was missed) and sends its
    unacknowledged messages again (the server stores each client_msg_id once)."""

    def __init__(self, target: Target, member: Member, tracker: Tracker) -> None:
        self.target, self.member, self.tracker = target, member, tracker
        self.ws: ClientConnection | None = None
        self.last_seq = 0
        self.unacked: dict[str, str] = {}
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.ws, _ = await _open(self.target, self.member)
        self.task = asyncio.create_task(self._run())

    async def send(self, cid: str, text: str) -> None:
        self.unacked[cid] = text
        with contextlib.suppress(ConnectionClosed):
            assert self.ws is not None
            await self.ws.send(text)  # if the socket is gone, the reconnect sends it

    async def _run(self) -> None:
        while True:
            assert self.ws is not None
            try:
                async for raw in self.ws:
                    self._handle(json.loads(raw), time.perf_counter())
            except ConnectionClosed:
                pass
            code = self.ws.close_code
            self.tracker.drops[f"{code} {self.ws.close_reason or ''}".strip()] += 1
            self.ws, replayed = await self._reconnect()
            for frame in replayed:
                self._handle(frame, time.perf_counter())
            for text in list(self.unacked.values()):
                await self.ws.send(text)

    async def _reconnect(self) -> tuple[ClientConnection, list[dict[str, Any]]]:
        for attempt in range(1, 6):
            await asyncio.sleep(0.5 * attempt)  # like the chat page: wait a moment, then retry
            try:
                return await _open(self.target, self.member, last_seq=self.last_seq)
            except (OSError, TimeoutError, ConnectionClosed, InvalidStatus):
                self.tracker.drops["reconnect failed"] += 1
        raise RuntimeError(f"user {self.member.user_id} could not reconnect")

    def _handle(self, frame: dict[str, Any], at: float) -> None:
        kind = frame.get("type")
        if kind == "message":
            self.last_seq = max(self.last_seq, int(frame["seq"]))
            if frame["sender_id"] != self.member.user_id:
                self.tracker.delivered(frame["client_msg_id"], self.member.user_id, at)
        elif kind == "ack":
            self.unacked.pop(frame["client_msg_id"], None)
        elif kind == "error":
            self.unacked.pop(str(frame.get("client_msg_id")), None)
            self.tracker.error(frame)

    async def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
        if self.ws is not None:
            await self.ws.close()


class Load:
    def __init__(self, target: Target, members: list[Member], tracker: Tracker) -> None:
        self.target, self.tracker = target, tracker
        self.clients = [Client(target, member, tracker) for member in members]
        # Round robin over customers and stylists; consecutive sends go to other conversations.
        self.writers = [c for c in self.clients if c.member.writes]
        random.Random(7).shuffle(self.writers)
        self.cursor = 0

    async def connect(self, parallel: int = 50) -> None:
        gate = asyncio.Semaphore(parallel)

        async def one(client: Client) -> None:
            async with gate:
                await client.start()

        await asyncio.gather(*(one(c) for c in self.clients))

    async def offer(self, phase: Phase, seconds: float) -> None:
        """Send at phase.offered messages/s for ``seconds``, round-robin over the writers."""
        total = round(phase.offered * seconds)
        clock, started, n = time.perf_counter, time.perf_counter(), 0
        server_cpu, client_cpu = cpu_seconds(self.target.server.pid), cpu_seconds()
        phase.first_send = started
        while n < total:
            due = min(total, int((clock() - started) * phase.offered) + 1)
            while n < due:
                client = self.writers[self.cursor % len(self.writers)]
                self.cursor += 1
                cid = f"{phase.name}-{n}"
                self.tracker.sent(cid, phase, client.member.others, clock())
                await client.send(cid, f'{{"type":"send","client_msg_id":"{cid}","body":"{BODY}"}}')
                n += 1
            await asyncio.sleep(0.002)
        phase.send_seconds = clock() - started
        phase.server_cpu = cpu_seconds(self.target.server.pid) - server_cpu
        phase.client_cpu = cpu_seconds() - client_cpu

    async def drain(self, phase: Phase | None, seconds: float) -> None:
        deadline = time.perf_counter() + seconds
        while self.tracker.outstanding(phase) and time.perf_counter() < deadline:  # noqa: ASYNC110 - polls a counter the clients update
            await asyncio.sleep(0.05)

    async def drain_all(self, quiet: float = 20.0, limit: float = 300.0) -> bool:
        """Wait until nothing is outstanding, while deliveries keep arriving (at most ``limit`` s).
        False when it gave up with messages still missing."""
        deadline, last_change = time.perf_counter() + limit, time.perf_counter()
        left = self.tracker.outstanding()
        while left and time.perf_counter() < min(deadline, last_change + quiet):
            await asyncio.sleep(0.1)
            now_left = self.tracker.outstanding()
            if now_left != left:
                left, last_change = now_left, time.perf_counter()
        return left == 0

    async def close(self) -> None:
        await asyncio.gather(*(c.close() for c in self.clients), return_exceptions=True)


def _describe(phase: Phase) -> str:
    achieved = phase.sent / phase.send_seconds if phase.send_seconds else 0.0
    return (
        f"  {phase.name:>6}: offered {phase.offered:7.0f}/s sent {achieved:7.0f}/s  "
        f"delivered {phase.delivered_msgs_per_s:7.0f} msg/s ({phase.deliveries_per_s:7.0f} deliveries/s)  "
        f"p50 {phase.p(50) * 1000:7.1f} ms p99 {phase.p(99) * 1000:7.1f} ms  "
        f"missing {phase.missing} refused {phase.refused}  "
        f"cpu server {phase.server_cpu / phase.send_seconds:4.0%} "
        f"client {phase.client_cpu / phase.send_seconds:4.0%}  "
        f"{'ok' if phase.kept_up else 'FELL BEHIND'}"
    )


async def idle_memory(
    target: Target, members: list[Member], count: int, deflate: bool = True
) -> float:
    """(c) RSS growth of the server per idle, authenticated, subscribed socket. Measured on a
    fresh server process: memory freed by earlier sockets would be reused and hide the growth."""
    warm = await open_many(target, members, 100, deflate)  # the first ones pay for lazy set-up
    await settle(2)
    before = rss_bytes(target.server.pid)
    idle = await open_many(target, members, count, deflate)
    await settle(3)
    after = rss_bytes(target.server.pid)
    await close_all(idle + warm)
    per_connection = (after - before) / count
    print(
        f"  idle, deflate {'on ' if deflate else 'off'}: {count} sockets, "
        f"RSS {before / 2**20:.1f} -> {after / 2**20:.1f} MiB, "
        f"{per_connection / 1024:.1f} KiB per connection",
        flush=True,
    )
    return per_connection


def ladder(start: float, factor: float, top: float) -> list[float]:
    rates, rate = [], start
    while rate <= top:
        rates.append(round(rate))
        rate *= factor
    return rates


async def step(load: Load, name: str, rate: float, seconds: float) -> Phase:
    phase = Phase(name, rate)
    load.tracker.phases[name] = phase
    await load.offer(phase, seconds)
    await load.drain(phase, 2)
    print(_describe(phase), flush=True)
    return phase


async def capacity(load: Load, args: argparse.Namespace) -> Phase | None:
    """(a) Raise the offered rate by half each step until a step falls behind twice in a row (the
    machine is shared: one hiccup should not end the ladder); then try once halfway between the
    last good rate and that one. The best step that kept up counts."""
    best: Phase | None = None
    rates = ladder(args.start_rate, 1.5, args.max_rate)
    for i, rate in enumerate(rates):
        tried = await step(load, f"s{i}", rate, args.step_seconds)
        if not tried.kept_up:
            await load.drain_all()
            tried = await step(load, f"s{i}r", rate, args.step_seconds)
        if tried.kept_up:
            if best is None or tried.delivered_msgs_per_s > best.delivered_msgs_per_s:
                best = tried
            continue
        if best is not None:
            await load.drain_all()
            middle = await step(load, f"s{i}h", (rates[i - 1] + rate) / 2, args.step_seconds)
            if middle.kept_up and middle.delivered_msgs_per_s > best.delivered_msgs_per_s:
                best = middle
        return best
    print(f"  (stopped at the top of the ladder, {args.max_rate:.0f}/s, still keeping up)")
    return best


async def measure(
    target: Target, members: list[Member], args: argparse.Namespace, memory: bool = True
) -> dict:
    result: dict[str, Any] = {}
    if memory:
        result["bytes_per_idle_conn"] = await idle_memory(target, members, args.idle)
        await settle(2)
    tracker = Tracker()
    load = Load(target, members, tracker)
    started = time.perf_counter()
    await load.connect()
    print(f"  {len(load.clients)} clients connected in {time.perf_counter() - started:.1f} s")
    warm = Phase("warm", 20)
    await load.offer(warm, 2)
    await load.drain_all()

    best = await capacity(load, args)
    await load.drain_all()
    await settle(1)

    fixed = Phase("fixed", args.fixed_rate)  # (b)
    tracker.phases[fixed.name] = fixed
    await load.offer(fixed, args.fixed_seconds)
    drained = await load.drain_all()  # whatever is still missing then is lost
    print(_describe(fixed), flush=True)
    lost = tracker.outstanding()
    await load.close()
    result.update(
        p50_ms=fixed.p(50) * 1000,
        p99_ms=fixed.p(99) * 1000,
        fixed_kept_up=fixed.kept_up,
        fixed_delivered_msgs_per_s=fixed.delivered_msgs_per_s,
        capacity_msgs_per_s=best.delivered_msgs_per_s if best else 0.0,
        capacity_deliveries_per_s=best.deliveries_per_s if best else 0.0,
        lost=lost,
        refused=sum(p.refused for p in tracker.phases.values()),
        errors=dict(tracker.errors),
        unexpected=tracker.unexpected,
        drops=dict(tracker.drops),
    )
    print(
        f"  capacity {result['capacity_msgs_per_s']:.0f} msg/s "
        f"({result['capacity_deliveries_per_s']:.0f} deliveries/s); "
        f"lost {lost}{'' if drained else ' (drain cut off at its time limit)'}, "
        f"errors {dict(tracker.errors) or 'none'}, duplicates/unknown {tracker.unexpected}, "
        f"connections dropped by the server {dict(tracker.drops) or 'none'}",
        flush=True,
    )
    return result


def _loadavg() -> str:
    """The machine is shared: other work on it shows up here and in the figures."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _shape(members: list[Member]) -> list[tuple[int, int, tuple[int, ...], bool]]:
    return [(m.conversation, m.user_id, m.others, m.writes) for m in members]


async def durable_floor(
    args: argparse.Namespace, members: list[Member], fsync: bool
) -> dict[str, Any]:
    """The bare relay plus a stored write per message (``bench/_serve.py durable``), each on a
    database of its own seeded the same way: the app's database must not hold the floor's
    client_msg_ids, which the app would take for retries."""
    async with bench_database(args.database_url, "chat-floor") as bench:
        if _shape(await seed(bench, args.clients)) != _shape(members):
            raise BenchFailed("the floor's database was not seeded like the app's")
        if fsync:
            name = "durable floor (the relay + a fsync'd group-commit write per message)"
        else:
            name = "unflushed floor (the same writes, committed without waiting for the disk)"
        print(f"{name}: (load average {_loadavg()})", flush=True)
        floor_args = ["--database-url", bench.url, "--schema", bench.schema or ""]
        floor_args += [] if fsync else ["--no-fsync"]
        with server_process("durable", *floor_args) as server:
            return await measure(Target(name, server, False), members, args, memory=False)


async def main(args: argparse.Namespace) -> dict[str, Any]:
    limit = raise_open_files(args.clients + args.idle + 1000)
    async with bench_database(args.database_url, "chat") as bench:
        started = time.perf_counter()
        members = await seed(bench, args.clients)
        conversations = len({m.conversation for m in members})
        print(
            f"scenario: {len(members)} clients in {conversations} conversations "
            f"({sum(m.writes for m in members)} writers), {len(BODY)}-byte messages; "
            f"database {bench.url.split(':', 1)[0]}, broker {'redis' if args.redis_url else 'memory'}; "
            f"seeded in {time.perf_counter() - started:.1f} s; open files {limit}",
            flush=True,
        )
        app_args = [
            "--database-url", bench.url,
            "--schema", bench.schema or "",
            "--var-dir", str(bench.var_dir),
            "--secret", SECRET,
            "--redis-url", args.redis_url or "",
            "--chat-rate-limit", str(args.chat_rate_limit),
        ]  # fmt: skip
        results = {}
        for name, role, role_args, is_app in (
            ("baseline (bare websockets relay)", "relay", [], False),
            ("app (uvicorn, /ws/chat)", "app", app_args, True),
        ):
            print(f"{name}: (load average {_loadavg()})", flush=True)
            with server_process(role, *role_args) as server:
                plain = await idle_memory(Target(name, server, is_app), members, args.idle, False)
            with server_process(role, *role_args) as server:
                result = await measure(Target(name, server, is_app), members, args)
            results[role] = {**result, "bytes_per_idle_conn_no_deflate": plain}
            if role == "relay":
                results["durable"] = await durable_floor(args, members, fsync=True)
                results["unflushed"] = await durable_floor(args, members, fsync=False)
        name = "floor (an empty ASGI app under uvicorn, same server options)"
        print(f"{name}: (load average {_loadavg()})", flush=True)
        with server_process("floor") as server:
            floor = await idle_memory(Target(name, server, False), members, args.idle, False)
        baseline, app, durable = results["relay"], results["app"], results["durable"]
        print(f"done (load average {_loadavg()})", flush=True)
    return {
        "throughput_ratio": round(app["capacity_msgs_per_s"] / baseline["capacity_msgs_per_s"], 3)
        if baseline["capacity_msgs_per_s"]
        else None,
        "p99_ratio": round(app["p99_ms"] / baseline["p99_ms"], 2),
        "lost": app["lost"],
        "bytes_per_idle_conn": round(app["bytes_per_idle_conn"]),
        "app_capacity_msgs_per_s": round(app["capacity_msgs_per_s"]),
        "baseline_capacity_msgs_per_s": round(baseline["capacity_msgs_per_s"]),
        "app_p50_ms": round(app["p50_ms"], 1),
        "app_p99_ms": round(app["p99_ms"], 1),
        "baseline_p50_ms": round(baseline["p50_ms"], 1),
        "baseline_p99_ms": round(baseline["p99_ms"], 1),
        "baseline_bytes_per_idle_conn": round(baseline["bytes_per_idle_conn"]),
        "bytes_per_idle_conn_no_deflate": round(app["bytes_per_idle_conn_no_deflate"]),
        "baseline_bytes_per_idle_conn_no_deflate": round(
            baseline["bytes_per_idle_conn_no_deflate"]
        ),
        "uvicorn_floor_bytes_per_idle_conn": round(floor),
        "durable_floor_capacity_msgs_per_s": round(durable["capacity_msgs_per_s"]),
        "durable_floor_p50_ms": round(durable["p50_ms"], 1),
        "durable_floor_p99_ms": round(durable["p99_ms"], 1),
        "durable_floor_p99_ratio": round(durable["p99_ms"] / baseline["p99_ms"], 2),
        "app_p99_vs_durable_floor": round(app["p99_ms"] / durable["p99_ms"], 2),
        "durable_floor_lost": durable["lost"],
        "unflushed_floor_capacity_msgs_per_s": round(results["unflushed"]["capacity_msgs_per_s"]),
        "unflushed_floor_p50_ms": round(results["unflushed"]["p50_ms"], 1),
        "unflushed_floor_p99_ms": round(results["unflushed"]["p99_ms"], 1),
        "unflushed_floor_p99_ratio": round(results["unflushed"]["p99_ms"] / baseline["p99_ms"], 2),
        "unflushed_floor_lost": results["unflushed"]["lost"],
        "baseline_lost": baseline["lost"],
        "app_errors": app["errors"],
        "app_dropped_connections": sum(app["drops"].values()),
        "clients": args.clients,
        "fixed_rate": args.fixed_rate,
        "database": "postgresql"
        if args.database_url and "postgres" in args.database_url
        else "sqlite",
        "broker": "redis" if args.redis_url else "memory",
    }


def cli() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--idle", type=int, default=2000, help="idle sockets for the memory figure")
    parser.add_argument("--fixed-rate", type=float, default=1000.0, help="messages/s for (b)")
    parser.add_argument("--fixed-seconds", type=float, default=10.0)
    parser.add_argument("--start-rate", type=float, default=50.0, help="first step of (a)")
    parser.add_argument("--max-rate", type=float, default=20000.0, help="the ladder stops here")
    parser.add_argument("--step-seconds", type=float, default=4.0)
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp dir")
    parser.add_argument("--redis-url", default=None, help="use the Redis broker")
    parser.add_argument(
        "--chat-rate-limit",
        type=int,
        default=1000,
        help="messages per user per 10 s on the app under test (production: 30)",
    )
    args = parser.parse_args()
    try:
        result = run(lambda: main(args))
    except BenchFailed as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        print(json.dumps({"error": str(failure)}))
        sys.exit(1)
    print(json.dumps(result))


if __name__ == "__main__":
    cli()
