"""Helpers shared by the socket benchmarks: a bench database, server processes, statistics.

The servers run in their own processes (``bench/_serve.py``) so that their RSS and CPU time can be
read from /proc, and so that the load generator in the bench process does not share their core.
"""

from __future__ import annotations

import asyncio
import math
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from app.core.db import Database, create_engine  # noqa: E402
from app.core.migrate import upgrade  # noqa: E402

T = TypeVar("T")
SERVE = Path(__file__).resolve().parent / "_serve.py"


# ---- process limits, timing, statistics


def raise_open_files(wanted: int) -> int:
    """Raise the soft RLIMIT_NOFILE towards ``wanted`` (never past the hard limit); child
    processes inherit it. Returns the soft limit in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank; NaN for no samples."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


def rss_bytes(pid: int) -> int:
    """Resident set size of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU time of a process (this one when pid is None)."""
    if pid is None:
        return time.process_time()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run the load generator on uvloop when it is installed (uvicorn[standard] brings it)."""
    try:
        import uvloop

        factory: Callable[[], asyncio.AbstractEventLoop] | None = uvloop.new_event_loop
    except ImportError:  # pragma: no cover - uvloop comes with the dev install
        factory = None
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(main())


# ---- the bench database: a SQLite file in a temporary directory, or a PostgreSQL schema


@dataclass
class BenchDatabase:
    url: str
    schema: str | None
    var_dir: Path

    def open(self) -> Database:
        return Database(create_engine(self.url, schema=self.schema))


async def _execute(url: str, sql: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text(sql))
    await engine.dispose()


@asynccontextmanager
async def bench_database(database_url: str | None, name: str) -> AsyncIterator[BenchDatabase]:
    """A freshly migrated database that is thrown away afterwards."""
    with tempfile.TemporaryDirectory(prefix=f"cc-{name}-") as tmp:
        var_dir = Path(tmp)
        schema = None
        if database_url and not database_url.startswith("sqlite"):
            url, schema = database_url, f"bench_{name}_{uuid.uuid4().hex[:8]}"
            await _execute(url, f'CREATE SCHEMA "{schema}"')
        else:
            url = database_url or f"sqlite:///{var_dir / 'bench.db'}"
        target = BenchDatabase(url, schema, var_dir)
        db = target.open()
        try:
            await upgrade(db.engine)
            await db.dispose()
            yield target
        finally:
            await db.dispose()
            if schema:
                await _execute(url, f'DROP SCHEMA "{schema}" CASCADE')


# ---- server processes


@dataclass
class ServerProcess:
    pid: int
    port: int

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"


def _wait_listening(process: subprocess.Popen[bytes], port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the server did not listen on port {port} within {timeout:.0f} s")


@contextmanager
def server_process(role: str, *args: str) -> Any:
    """Start ``bench/_serve.py <role> --port N ...`` and stop it (SIGTERM, then SIGKILL) after."""
    port = free_port()
    command = [sys.executable, str(SERVE), role, "--port", str(port), *args]
    process = subprocess.Popen(command, cwd=ROOT)  # noqa: S603 - our own script, fixed arguments
    try:
        _wait_listening(process, port, timeout=60)
        yield ServerProcess(process.pid, port)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


async def settle(seconds: float) -> None:
    """Let the servers finish what they were doing (garbage, pending frames) before measuring."""
    await asyncio.sleep(seconds)
