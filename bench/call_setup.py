"""Benchmark: call set-up, from the customer's ``join`` to both aiortc peers ``connected``.

The real app is served by uvicorn in its own process with a STUN server configured that never
answers (a UDP port on 127.0.0.1 where nothing listens), so every peer finds it in
``welcome.iceServers``. Per call: the stylist is already in the room; the customer's socket is open;
the clock starts when the customer sends ``join``. The stylist admits the customer from the lobby
(as soon as ``waiting`` arrives), receives ``peer-joined`` and offers; the customer answers. Each call
has its own appointment, so every customer goes through the lobby.

In the same run: the baseline (the same two aiortc peers exchanging offer and answer directly in
this process: no signaling server, no STUN), and the app with no STUN server configured (the share
of the signaling path itself).

    .venv/bin/python bench/call_setup.py [--calls 20] [--database-url postgresql://...]

The last line is JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import struct
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    BenchDatabase,
    ServerProcess,
    bench_database,
    percentile,
    run,
    server_process,
)
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from websockets.asyncio.client import ClientConnection, connect

from app.booking.models import Appointment
from app.core.types import utcnow
from signaling.media import rtc_ice_servers
from tests.factories import make_customer, make_service, make_store, make_stylist
from tests.live import SECRET, Person, person_with_session

CONNECT_TIMEOUT = 30.0  # seconds; a call that takes longer counts as failed
PROBE_BUDGET = 0.25  # seconds a probing client waits for a STUN server's answer


@dataclass(frozen=True)
class Call:
    appointment: int
    stylist: Person
    customer: Person


async def seed(bench: BenchDatabase, calls: int) -> list[Call]:
    """One appointment (starting in five minutes) per call, each with its own two people."""
    db = bench.open()
    made: list[Call] = []
    async with db.sessions() as session:
        store = await make_store(session)
        service = await make_service(session, store)
        start = utcnow() + timedelta(minutes=5)
        for _ in range(calls):
            stylist, customer = await make_stylist(session, store), await make_customer(session)
            appointment = Appointment(
                store_id=store.id,
                service_id=service.id,
                customer_id=customer.id,
                staff_id=stylist.id,
                starts_at=start,
                ends_at=start + timedelta(minutes=30),
                blocked_from=start,
                blocked_until=start + timedelta(minutes=30),
            )
            session.add(appointment)
            await session.flush()
            assert appointment.id is not None
            made.append(
                Call(
                    appointment.id,
                    await person_with_session(session, stylist),
                    await person_with_session(session, customer),
                )
            )
        await session.commit()
    await db.dispose()
    return made


def dead_udp_port() -> int:
    """A UDP port on 127.0.0.1 where nothing listens (bound for a moment, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def watch_connected(pc: RTCPeerConnection) -> asyncio.Future[float]:
    """A future that gets the perf_counter time at which ``pc`` reaches ``connected``."""
    done: asyncio.Future[float] = asyncio.get_running_loop().create_future()

    @pc.on("connectionstatechange")
    def _changed() -> None:
        if done.done():
            return
        if pc.connectionState == "connected":
            done.set_result(time.perf_counter())
        elif pc.connectionState == "failed":
            done.set_exception(RuntimeError("the peer connection failed"))

    return done


# ---- the probing client's STUN check (RFC 5389 binding request, nothing else)


class _Binding(asyncio.DatagramProtocol):
    def __init__(self, transaction: bytes, answered: asyncio.Future[bool]) -> None:
        self.transaction, self.answered = transaction, answered

    def datagram_received(self, data: bytes, addr: Any) -> None:
        if data[8:20] == self.transaction and data[:2] == b"\x01\x01" and not self.answered.done():
            self.answered.set_result(True)

    def error_received(self, exc: Exception) -> None:  # e.g. ICMP port unreachable
        if not self.answered.done():
            self.answered.set_result(False)


async def stun_answers(url: str, budget: float) -> bool:
    """Whether ``stun:host[:port]`` answers one binding request within ``budget`` seconds."""
    host, _, port = url.split(":", 1)[1].partition(":")
    transaction = os.urandom(12)
    request = struct.pack("!HHI", 0x0001, 0, 0x2112A442) + transaction
    answered: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
    try:
        transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
            lambda: _Binding(transaction, answered), remote_addr=(host, int(port or 3478))
        )
    except OSError:
        return False
    try:
        transport.sendto(request)
        return await asyncio.wait_for(answered, budget)
    except TimeoutError:
        return False
    finally:
        transport.close()


async def answering(servers: list[dict[str, Any]], budget: float) -> list[dict[str, Any]]:
    """The ICE servers without the STUN URLs that do not answer (TURN entries are kept)."""
    kept = []
    for server in servers:
        urls = server.get("urls", [])
        urls = [urls] if isinstance(urls, str) else list(urls)
        stun = [u for u in urls if u.startswith("stun:")]
        checks = await asyncio.gather(*(stun_answers(u, budget) for u in stun))
        live = [u for u in urls if u not in stun or checks[stun.index(u)]]
        if live:
            kept.append({**server, "urls": live})
    return kept


# ---- the baseline: offer and answer handed over directly, no signaling, no STUN


async def direct_call() -> dict[str, float]:
    config = RTCConfiguration(iceServers=[])
    offerer, answerer = RTCPeerConnection(config), RTCPeerConnection(config)
    try:
        connected = [watch_connected(offerer), watch_connected(answerer)]
        offerer.createDataChannel("chat")
        started = time.perf_counter()
        await offerer.setLocalDescription(await offerer.createOffer())
        await answerer.setRemoteDescription(offerer.localDescription)
        await answerer.setLocalDescription(await answerer.createAnswer())
        await offerer.setRemoteDescription(answerer.localDescription)
        done = await asyncio.wait_for(asyncio.gather(*connected), CONNECT_TIMEOUT)
        return {"total": max(done) - started}
    finally:
        await offerer.close()
        await answerer.close()


# ---- through the app's /ws/call/{id}


@dataclass
class Side:
    """One participant: its socket, its ICE servers, its peer connection once made, its times."""

    ws: ClientConnection
    probe: bool  # check the STUN servers while waiting, and leave out those that do not answer
    ice: asyncio.Future[list[dict[str, Any]]] | None = None
    pc: RTCPeerConnection | None = None
    connected: asyncio.Future[float] | None = None
    made: asyncio.Event = field(default_factory=asyncio.Event)
    marks: dict[str, float] = field(default_factory=dict)

    def welcomed(self, servers: list[dict[str, Any]]) -> None:
        if self.probe:
            self.ice = asyncio.ensure_future(answering(servers, PROBE_BUDGET))
        else:
            self.ice = asyncio.get_running_loop().create_future()
            self.ice.set_result(servers)

    async def peer_connection(self) -> RTCPeerConnection:
        assert self.ice is not None, "no welcome yet"
        servers = rtc_ice_servers(await self.ice)
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=servers))
        self.connected = watch_connected(self.pc)
        self.made.set()
        return self.pc

    async def send(self, **frame: Any) -> None:
        await self.ws.send(json.dumps(frame))

    async def frames(self) -> AsyncIterator[dict[str, Any]]:
        async for raw in self.ws:
            yield json.loads(raw)


async def _stylist(side: Side) -> None:
    """Admit whoever waits; offer to whoever joins; take the answer."""
    async for frame in side.frames():
        kind = frame["type"]
        if kind == "waiting":
            await side.send(type="admit", id=frame["peer"]["id"])
        elif kind == "peer-joined":
            side.marks["peer_joined"] = time.perf_counter()
            pc = await side.peer_connection()
            pc.createDataChannel("chat")
            await pc.setLocalDescription(await pc.createOffer())
            side.marks["offer_sent"] = time.perf_counter()
            await side.send(type="offer", to=frame["peer"]["id"], sdp=pc.localDescription.sdp)
        elif kind == "answer" and side.pc is not None:
            side.marks["answer_received"] = time.perf_counter()
            await side.pc.setRemoteDescription(RTCSessionDescription(frame["sdp"], "answer"))
        elif kind == "error":
            raise RuntimeError(f"stylist got an error: {frame}")


async def _customer(side: Side) -> None:
    """Wait in the lobby until admitted; answer the offer."""
    async for frame in side.frames():
        kind = frame["type"]
        if kind == "welcome":
            side.welcomed(frame.get("iceServers", []))
            if frame.get("admitted", True):
                side.marks["admitted"] = time.perf_counter()
        elif kind == "admitted":
            side.marks["admitted"] = time.perf_counter()
        elif kind == "offer":
            pc = await side.peer_connection()
            await pc.setRemoteDescription(RTCSessionDescription(frame["sdp"], "offer"))
            await pc.setLocalDescription(await pc.createAnswer())
            await side.send(type="answer", to=frame["from"], sdp=pc.localDescription.sdp)
            side.marks["answer_sent"] = time.perf_counter()
        elif kind == "error":
            raise RuntimeError(f"customer got an error: {frame}")


def _open(server: ServerProcess, appointment: int, person: Person) -> Any:
    return connect(
        f"{server.ws}/ws/call/{appointment}",
        additional_headers={"Cookie": person.cookie},
        origin=server.http,  # type: ignore[arg-type]
        open_timeout=10,
    )


async def _until_connected(side: Side) -> float:
    await side.made.wait()
    assert side.connected is not None
    return await side.connected


async def signaled_call(server: ServerProcess, call: Call, probe: bool) -> dict[str, float]:
    async with (
        _open(server, call.appointment, call.stylist) as stylist_ws,
        _open(server, call.appointment, call.customer) as customer_ws,
    ):
        stylist, customer = Side(stylist_ws, probe), Side(customer_ws, probe)
        await stylist.send(type="join", version=1)
        welcome = json.loads(await asyncio.wait_for(stylist_ws.recv(), 10))
        assert welcome["type"] == "welcome", welcome
        stylist.welcomed(welcome.get("iceServers", []))
        tasks = [asyncio.create_task(_stylist(stylist)), asyncio.create_task(_customer(customer))]
        try:
            started = time.perf_counter()
            await customer.send(type="join", version=1)
            waiting = asyncio.gather(_until_connected(stylist), _until_connected(customer))
            done = await asyncio.wait_for(_first_failure(waiting, tasks), CONNECT_TIMEOUT)
            marks = {**stylist.marks, **customer.marks}
            result = {"total": max(done) - started}
            for name in ("admitted", "offer_sent", "answer_sent"):
                if name in marks:
                    result[name] = marks[name] - started
            return result
        finally:
            with contextlib.suppress(Exception):
                await customer.send(type="bye")
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for side in (stylist, customer):
                if side.pc is not None:
                    await side.pc.close()


async def _first_failure(
    waiting: asyncio.Future[list[float]], tasks: list[asyncio.Task[None]]
) -> list[float]:
    """The connected times, unless a participant's frame handler fails first."""
    done, _pending = await asyncio.wait([waiting, *tasks], return_when=asyncio.FIRST_COMPLETED)
    for task in done:
        if task is not waiting and task.exception() is not None:
            waiting.cancel()
            raise task.exception()  # type: ignore[misc]
    return await waiting


# ---- running and reporting


async def series(
    name: str, calls: int, one: Callable[[int], Awaitable[dict[str, float]]]
) -> dict[str, Any]:
    """Call ``one(0)`` once to warm up (not counted), then ``one(1..calls)`` one after another."""
    await one(0)
    samples: list[dict[str, float]] = []
    for i in range(1, calls + 1):
        await asyncio.sleep(0.05)
        samples.append(await one(i))
    totals = [s["total"] * 1000 for s in samples]
    summary: dict[str, Any] = {
        "p50_ms": percentile(totals, 50),
        "p95_ms": percentile(totals, 95),
        "max_ms": max(totals),
    }
    parts = []
    for mark in ("admitted", "offer_sent", "answer_sent"):
        values = [s[mark] * 1000 for s in samples if mark in s]
        if values:
            summary[f"{mark}_p50_ms"] = percentile(values, 50)
            parts.append(f"{mark.replace('_', ' ')} p50 {summary[f'{mark}_p50_ms']:.0f} ms")
    print(
        f"{name:<48} p50 {summary['p50_ms']:8.1f} ms  p95 {summary['p95_ms']:8.1f} ms  "
        f"max {summary['max_ms']:8.1f} ms  ({calls} calls)"
        + (f"\n{'':<48} since join: {', '.join(parts)}" if parts else ""),
        flush=True,
    )
    return summary


def _server_args(bench: BenchDatabase, stun_url: str | None) -> list[str]:
    args = ["--database-url", bench.url, "--schema", bench.schema or ""]
    args += ["--var-dir", str(bench.var_dir), "--secret", SECRET]
    return args + (["--stun-url", stun_url] if stun_url else [])


async def main(args: argparse.Namespace) -> dict[str, Any]:
    n = args.calls
    async with bench_database(args.database_url, "call") as bench:
        plain, dead, probing = [await seed(bench, n + 1) for _ in range(3)]
        stun_url = f"stun:127.0.0.1:{dead_udp_port()}"
        print(
            f"scenario: {n} calls per series (after one warm-up call), aiortc "
            f"{_aiortc_version()}, database {bench.url.split(':', 1)[0]}; "
            f"STUN server that never answers: {stun_url}; load average {_loadavg()}",
            flush=True,
        )
        baseline = await series("baseline: direct, no server, no STUN", n, lambda i: direct_call())
        with server_process("app", *_server_args(bench, None)) as server:
            no_stun = await series(
                "app, no STUN configured", n, lambda i: signaled_call(server, plain[i], False)
            )
        with server_process("app", *_server_args(bench, stun_url)) as server:
            app = await series(
                "app, dead STUN (the target)", n, lambda i: signaled_call(server, dead[i], False)
            )
            probed = await series(
                f"app, dead STUN, clients probe it ({PROBE_BUDGET * 1000:.0f} ms)",
                n,
                lambda i: signaled_call(server, probing[i], True),
            )
    met = app["p95_ms"] <= 1000
    print(f"done (load average {_loadavg()})")
    print(f"target p95 <= 1000 ms with the dead STUN server: {'met' if met else 'NOT met'}")
    return {
        "p95_ms": round(app["p95_ms"], 1),
        "p50_ms": round(app["p50_ms"], 1),
        "max_ms": round(app["max_ms"], 1),
        "baseline_p50_ms": round(baseline["p50_ms"], 1),
        "baseline_p95_ms": round(baseline["p95_ms"], 1),
        "no_stun_p50_ms": round(no_stun["p50_ms"], 1),
        "no_stun_p95_ms": round(no_stun["p95_ms"], 1),
        "probing_p50_ms": round(probed["p50_ms"], 1),
        "probing_p95_ms": round(probed["p95_ms"], 1),
        "offer_sent_p50_ms": round(app.get("offer_sent_p50_ms", float("nan")), 1),
        "answer_sent_p50_ms": round(app.get("answer_sent_p50_ms", float("nan")), 1),
        "calls": n,
        "target_met": met,
    }


def _loadavg() -> str:
    """The machine is shared: other work on it shows up here and in the figures."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _aiortc_version() -> str:
    from importlib.metadata import version

    return version("aiortc")


def cli() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp dir")
    args = parser.parse_args()
    print(json.dumps(run(lambda: main(args))))


if __name__ == "__main__":
    cli()
