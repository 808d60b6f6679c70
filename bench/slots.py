"""Benchmark: 30 days of slots for one service — the real algorithm against the naive reference.

One store, 20 stylists, 30 days of shifts (10:00–18:00 with a lunch break), 2,000 existing
appointments. Prints p50/p95 for both in the same run; the last line is JSON.

    .venv/bin/python bench/slots.py [--runs 40] [--naive-runs 5]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import date, timedelta
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.booking.availability import (
    SlotRequest,
    StaffSchedule,
    available_slots,
    grid_offset,
    local_span,
)
from tests.booking.naive_slots import naive_slots

ZONE = "Asia/Tokyo"
STYLISTS = 20
DAYS = 30
APPOINTMENTS = 2000
MINUTE = 60


def build(seed: int = 42) -> tuple[SlotRequest, list[StaffSchedule]]:
    rng = random.Random(seed)
    first = date(2026, 12, 1)
    shifts: dict[int, list[tuple[int, int]]] = {s: [] for s in range(1, STYLISTS + 1)}
    breaks: dict[int, list[tuple[int, int]]] = {s: [] for s in range(1, STYLISTS + 1)}
    for staff in shifts:
        for offset in range(DAYS):
            day = first + timedelta(days=offset)
            if rng.random() < 0.75:
                shifts[staff].append(local_span(day, clock(10), clock(18), ZONE))
                breaks[staff].append(local_span(day, clock(13), clock(14), ZONE))
    busy: dict[int, list[tuple[int, int]]] = {s: [] for s in shifts}
    placed = 0
    while placed < APPOINTMENTS:
        staff = rng.randint(1, STYLISTS)
        if not shifts[staff]:
            continue
        start, _end = rng.choice(shifts[staff])
        begin = start + rng.randrange(0, 7 * 60, 15) * MINUTE - 10 * MINUTE
        blocked = (begin, begin + rng.choice([30, 45, 60]) * MINUTE + 20 * MINUTE)
        if all(blocked[1] <= b[0] or b[1] <= blocked[0] for b in busy[staff]):
            busy[staff].append(blocked)
            placed += 1
    window_start = local_span(first, clock(0), clock(1), ZONE)[0]
    window_end = window_start + DAYS * 86400
    request = SlotRequest(
        duration=30 * MINUTE,
        buffer_before=10 * MINUTE,
        buffer_after=10 * MINUTE,
        step=15 * MINUTE,
        grid_offset=grid_offset(ZONE, window_start, 15 * MINUTE),
        window_start=window_start,
        window_end=window_end,
        earliest=window_start + 60 * MINUTE,
        horizon_end=window_end + 86400,
    )
    schedules = [StaffSchedule(s, shifts[s], breaks[s], (), busy[s]) for s in shifts]
    return request, schedules


def timed(fn, runs: int) -> tuple[list[float], object]:  # type: ignore[no-untyped-def]
    samples, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples, result


def p95(samples: list[float]) -> float:
    return (
        statistics.quantiles(samples, n=20, method="inclusive")[18]
        if len(samples) > 1
        else samples[0]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--naive-runs", type=int, default=5)
    args = parser.parse_args()
    request, schedules = build()
    fast_ms, fast = timed(lambda: available_slots(request, schedules), args.runs)
    naive_ms, naive = timed(lambda: naive_slots(request, schedules), args.naive_runs)
    assert fast == naive, "the fast and naive results differ"
    slots = len(fast)  # type: ignore[arg-type]
    print(f"scenario: {STYLISTS} stylists, {DAYS} days, {APPOINTMENTS} appointments, {slots} slots")
    print(
        f"fast : p50 {statistics.median(fast_ms):8.2f} ms  p95 {p95(fast_ms):8.2f} ms  ({args.runs} runs)"
    )
    print(
        f"naive: p50 {statistics.median(naive_ms):8.2f} ms  p95 {p95(naive_ms):8.2f} ms  ({args.naive_runs} runs)"
    )
    result = {
        "p50_ms": round(statistics.median(fast_ms), 2),
        "p95_ms": round(p95(fast_ms), 2),
        "naive_p50_ms": round(statistics.median(naive_ms), 2),
        "naive_p95_ms": round(p95(naive_ms), 2),
        "speedup": round(p95(naive_ms) / p95(fast_ms), 1),
        "slots": slots,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
