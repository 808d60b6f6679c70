"""Benchmark: what the access policy and the audit log cost.

1. The customer page (``GET /customers/{id}`` as the stylist of an appointment tomorrow) with the
   policy and the audit write, against the same page with both turned off, in the same run and
   the same process: rounds alternate between the two so drift hits both alike. "Turned off"
   means ``access.service.decide`` answers "visible, nothing masked" without reading the ties and
   ``audit.record`` and the unusual-access check do nothing — a patch applied only inside this benchmark process; the app
   has no setting that turns either off.
2. ``audit verify`` over 1,000,000 rows against a bare hash loop over the same rows: read every
   row from the same SQLite file with the standard library and SHA-256 its stored content, no
   chain checks (what any verification must at least do).

    .venv/bin/python bench/audit.py [--rounds 10] [--requests 30] [--rows 1000000]

The last line is JSON with ``page_p95_ratio`` and ``verify_ratio``.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import percentile

from app.access import audit, policy, watch
from app.access import service as access
from app.core.config import Settings
from app.core.db import Database, create_engine
from app.core.migrate import upgrade
from app.core.types import utcnow
from app.main import create_app
from tests.live import SECRET


async def _page_world(db: Database) -> tuple[int, str]:
    from tests.factories import (
        make_appointment,
        make_brand,
        make_customer,
        make_item,
        make_purchase,
        make_service,
        make_store,
        make_stylist,
    )

    async with db.sessions() as session:
        store = await make_store(session)
        stylist = await make_stylist(session, store)
        customer = await make_customer(session, family_name="佐藤", given_name="由紀")
        service = await make_service(session, store)
        await make_appointment(
            session,
            customer=customer,
            stylist=stylist,
            service=service,
            start=utcnow() + timedelta(days=1),
        )
        brand = await make_brand(session)
        for n in range(20):
            item = await make_item(session, brand, name_ja=f"アイテム{n}")
            await make_purchase(session, customer, item, store_id=store.id, channel="store")
        await session.commit()
        return customer.id, stylist.email  # type: ignore[return-value]


class _Off:
    """The policy and the audit write turned off, for the baseline rounds only."""

    def __init__(self) -> None:
        self.decide = access.decide
        self.record = audit.record
        self.watch = watch.after_read

    def __enter__(self) -> None:
        async def visible(*_a: Any, **_k: Any) -> policy.Decision:
            return policy.Decision(True, policy.Relation.admin)

        async def nothing(*_a: Any, **_k: Any) -> None:
            return None

        access.decide = visible  # type: ignore[assignment]
        audit.record = nothing  # type: ignore[assignment]
        watch.after_read = nothing  # type: ignore[assignment]

    def __exit__(self, *_exc: object) -> None:
        access.decide = self.decide  # type: ignore[assignment]
        audit.record = self.record  # type: ignore[assignment]
        watch.after_read = self.watch  # type: ignore[assignment]


async def page_bench(rounds: int, requests: int) -> tuple[list[float], list[float]]:
    import httpx

    from tests.factories import login

    with tempfile.TemporaryDirectory(prefix="cc-audit-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        db = Database(create_engine(url))
        await upgrade(db.engine)
        customer_id, email = await _page_world(db)
        settings = Settings(
            env="test",
            var_dir=Path(tmp),
            secret_key=SECRET,
            database_url=url,
            public_base_url="http://bench",
            cookie_secure=False,
            reminders_enabled=False,
            access_unusual_per_hour=10_000,  # the signal is not what is measured here
        )
        app = create_app(settings, database=db, migrate=False)
        on: list[float] = []
        off: list[float] = []
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            await login(client, email)
            path = f"/customers/{customer_id}"
            for _ in range(5):  # warm-up: templates, caches, the first connection
                (await client.get(path)).raise_for_status()
            for _ in range(rounds):
                for samples, patch in ((on, None), (off, _Off())):
                    if patch is not None:
                        patch.__enter__()
                    try:
                        for _ in range(requests):
                            start = time.perf_counter()
                            response = await client.get(path)
                            samples.append((time.perf_counter() - start) * 1000)
                            response.raise_for_status()
                    finally:
                        if patch is not None:
                            patch.__exit__(None, None, None)
        await db.dispose()
        return on, off


def _fill(path: Path, rows: int) -> None:
    """Write a valid chain of ``rows`` events straight into the table (as the app would)."""
    with sqlite3.connect(path) as con:
        prev = audit.GENESIS
        start = datetime(2026, 1, 1, tzinfo=UTC)
        batch = []
        for i in range(1, rows + 1):
            row = {
                "id": i,
                "at": start + timedelta(seconds=i),
                "actor_id": 1000 + i % 40,
                "action": audit.Action.customer_page_read,
                "customer_id": 1 + i % 5000,
                "fields": ["name", "sizes"],
                "reason": None,
                "ip": "10.0.0.1",
                "user_agent": "Mozilla/5.0 (iPhone)",
                "detail": None,
                "prev_hash": prev,
            }
            digest = audit.content_hash(**row)
            batch.append(
                (i, row["at"].replace(tzinfo=None).isoformat(sep=" "), row["actor_id"],
                 row["action"], row["customer_id"], '["name", "sizes"]', None, row["ip"],
                 row["user_agent"], None, prev, digest)
            )  # fmt: skip
            prev = digest
            if len(batch) == 50_000:
                con.executemany("INSERT INTO audit_event VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", batch)
                batch.clear()
        con.executemany("INSERT INTO audit_event VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", batch)


def bare_loop(path: Path) -> float:
    """Read every row and hash its stored content: no ORM, no chain checks."""
    start = time.perf_counter()
    with sqlite3.connect(path) as con:
        for row in con.execute("SELECT * FROM audit_event ORDER BY id"):
            hashlib.sha256(repr(row[:11]).encode()).hexdigest()
    return time.perf_counter() - start


async def verify_bench(rows: int) -> tuple[float, float, int]:
    with tempfile.TemporaryDirectory(prefix="cc-verify-") as tmp:
        path = Path(tmp) / "audit.db"
        db = Database(create_engine(f"sqlite:///{path}"))
        await upgrade(db.engine)
        began = time.perf_counter()
        _fill(path, rows)
        print(f"  wrote {rows:,} chained rows in {time.perf_counter() - began:.1f} s")
        bare = bare_loop(path)
        start = time.perf_counter()
        async with db.sessions() as session:
            verdict = await audit.verify(session)
        ours = time.perf_counter() - start
        await db.dispose()
        assert verdict.ok and verdict.rows == rows, verdict.problems[:3]
        return ours, bare, verdict.rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--requests", type=int, default=30, help="per round and variant")
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()

    on, off = asyncio.run(page_bench(args.rounds, args.requests))
    on_p50, on_p95 = statistics.median(on), percentile(on, 95)
    off_p50, off_p95 = statistics.median(off), percentile(off, 95)
    print(
        f"customer page, {len(on)} requests each: policy and audit p50 {on_p50:.1f} / p95 "
        f"{on_p95:.1f} ms; both off p50 {off_p50:.1f} / p95 {off_p95:.1f} ms "
        f"-> {on_p95 / off_p95:.2f}x"
    )
    print(f"audit verify over {args.rows:,} rows:")
    ours, bare, rows = asyncio.run(verify_bench(args.rows))
    print(
        f"  verify {ours:.1f} s ({rows / ours:,.0f} rows/s); bare read-and-hash loop {bare:.1f} s "
        f"-> {ours / bare:.2f}x"
    )
    print(
        json.dumps(
            {
                "page_p50_ms": round(on_p50, 2),
                "page_p95_ms": round(on_p95, 2),
                "page_off_p50_ms": round(off_p50, 2),
                "page_off_p95_ms": round(off_p95, 2),
                "page_p95_ratio": round(on_p95 / off_p95, 2),
                "verify_rows": rows,
                "verify_s": round(ours, 2),
                "bare_loop_s": round(bare, 2),
                "verify_ratio": round(ours / bare, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
