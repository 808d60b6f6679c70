"""Bookable slots from shifts, breaks, time off and existing appointments. Pure: no app, no I/O.

All instants are integer seconds since the epoch (UTC). The rules, in one place:

* A session ``[t, t + duration)`` must lie inside one shift and must not touch a break or time off.
* Buffers are the stylist's preparation and wrap-up time: ``[t - before, t + duration + after)``
  must not overlap another appointment's blocked range (which already includes that appointment's
  own buffers). Buffers may run past a shift edge or into a break: preparing before the first
  session of a shift is allowed.
* Candidate starts lie on a grid: ``t ≡ grid_offset (mod step)``. The caller passes the store zone's
  UTC offset so that slots fall on round local times (10:00, 10:30, …) even in half-hour zones.
* ``t >= earliest`` (now + minimum notice), ``window_start <= t < window_end``, and the session
  must end by ``horizon_end`` (now + how far ahead the service can be booked).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

Interval = tuple[int, int]


class AvailabilityError(ValueError):
    """Inputs that cannot describe a real schedule (zero-length, inverted, non-positive step)."""


@dataclass(frozen=True)
class StaffSchedule:
    staff_id: int
    shifts: Sequence[Interval]
    breaks: Sequence[Interval] = ()
    time_off: Sequence[Interval] = ()
    busy: Sequence[Interval] = ()  # other appointments' blocked ranges (buffers included)


@dataclass(frozen=True)
class SlotRequest:
    duration: int
    buffer_before: int = 0
    buffer_after: int = 0
    step: int = 900
    grid_offset: int = 0
    window_start: int = 0
    window_end: int = 0
    earliest: int = 0
    horizon_end: int = 0


@dataclass(frozen=True)
class Slot:
    start: int
    end: int
    staff_ids: tuple[int, ...] = field(default_factory=tuple)


def _check_interval(interval: Interval, what: str) -> None:
    start, end = interval
    if end <= start:
        raise AvailabilityError(f"{what} {interval} is empty or inverted")


def validate(request: SlotRequest, schedules: Iterable[StaffSchedule]) -> None:
    """Refuse inputs that are not a schedule; silently producing no slots would hide the bug."""
    if request.duration <= 0:
        raise AvailabilityError("duration must be positive")
    if request.step <= 0:
        raise AvailabilityError("step must be positive")
    if request.buffer_before < 0 or request.buffer_after < 0:
        raise AvailabilityError("buffers cannot be negative")
    if request.window_end <= request.window_start:
        raise AvailabilityError("the window ends before it starts")
    for schedule in schedules:
        for kind, intervals in (
            ("shift", schedule.shifts),
            ("break", schedule.breaks),
            ("time off", schedule.time_off),
            ("appointment", schedule.busy),
        ):
            for interval in intervals:
                _check_interval(interval, kind)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sort and merge overlapping or touching intervals."""
    merged: list[list[int]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def subtract(base: Interval, holes: Sequence[Interval]) -> list[Interval]:
    """``base`` minus merged, sorted ``holes``."""
    start, end = base
    pieces: list[Interval] = []
    cursor = start
    for hole_start, hole_end in holes:
        if hole_end <= cursor:
            continue
        if hole_start >= end:
            break
        if hole_start > cursor:
            pieces.append((cursor, hole_start))
        cursor = max(cursor, hole_end)
        if cursor >= end:
            break
    if cursor < end:
        pieces.append((cursor, end))
    return pieces


def align_up(value: int, step: int, offset: int) -> int:
    """The smallest ``t >= value`` with ``t ≡ offset (mod step)``."""
    return value + (offset - value) % step


def free_starts(schedule: StaffSchedule, request: SlotRequest) -> list[int]:
    """Every grid start at which this stylist can take the session."""
    r = request
    holes = merge([*schedule.breaks, *schedule.time_off])
    busy = merge(schedule.busy)
    busy_starts = [s for s, _ in busy]
    lower = max(r.window_start, r.earliest)
    last_end = r.horizon_end
    starts: list[int] = []
    for shift in sorted(schedule.shifts):
        for piece_start, piece_end in subtract(shift, holes):
            t = align_up(max(piece_start, lower), r.step, r.grid_offset)
            stop = min(piece_end, last_end)
            while t + r.duration <= stop and t < r.window_end:
                blocked_start, blocked_end = t - r.buffer_before, t + r.duration + r.buffer_after
                # The merged busy range that could overlap is the last one starting before our end.
                index = bisect_left(busy_starts, blocked_end) - 1
                if index >= 0 and busy[index][1] > blocked_start:
                    # Jump past it: the first start whose buffer clears that range.
                    t = align_up(busy[index][1] + r.buffer_before, r.step, r.grid_offset)
                    continue
                starts.append(t)
                t += r.step
    return starts


def available_slots(request: SlotRequest, schedules: Sequence[StaffSchedule]) -> list[Slot]:
    """Slots in time order, each with the (sorted) stylists free for it."""
    validate(request, schedules)
    by_start: dict[int, list[int]] = {}
    for schedule in schedules:
        for start in free_starts(schedule, request):
            by_start.setdefault(start, []).append(schedule.staff_id)
    return [
        Slot(start, start + request.duration, tuple(sorted(set(staff))))
        for start, staff in sorted(by_start.items())
    ]


def local_to_epoch(day: date, clock: time, zone: str) -> int:
    """A wall-clock time on a date in ``zone`` as epoch seconds.

    Times that do not exist (skipped by a DST jump) move forward by the jump; ambiguous times (the
    repeated hour) take the first occurrence — what a person reading the clock means.
    """
    # PEP 495: fold=0 reads a skipped time with the offset before the jump (so it lands after
    # the jump) and picks the first of two repeated times.
    return int(datetime.combine(day, clock, tzinfo=ZoneInfo(zone)).replace(fold=0).timestamp())


def local_span(day: date, start: time, end: time, zone: str) -> Interval:
    """A local start–end on ``day`` as epoch seconds; an end at or before the start is next day."""
    start_ts = local_to_epoch(day, start, zone)
    end_day = day if end > start else day + timedelta(days=1)
    return start_ts, local_to_epoch(end_day, end, zone)


def grid_offset(zone: str, at: int, step: int) -> int:
    """The grid offset that puts slots on round local times for ``zone`` around instant ``at``."""
    moment = datetime.fromtimestamp(at, ZoneInfo(zone))
    utc_offset = moment.utcoffset()
    seconds = int(utc_offset.total_seconds()) if utc_offset else 0
    return (-seconds) % step
