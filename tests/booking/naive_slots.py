"""The obviously-correct reference: try every grid point for every stylist and check every rule."""

from __future__ import annotations

from collections.abc import Sequence

from app.booking.availability import Slot, SlotRequest, StaffSchedule, align_up, validate


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def naive_slots(request: SlotRequest, schedules: Sequence[StaffSchedule]) -> list[Slot]:
    validate(request, schedules)
    r = request
    result: list[Slot] = []
    t = align_up(r.window_start, r.step, r.grid_offset)
    while t < r.window_end:
        session = (t, t + r.duration)
        blocked = (t - r.buffer_before, t + r.duration + r.buffer_after)
        free = []
        for s in schedules:
            ok = (
                t >= r.earliest
                and t + r.duration <= r.horizon_end
                and any(start <= t and t + r.duration <= end for start, end in s.shifts)
                and not any(_overlaps(session, hole) for hole in [*s.breaks, *s.time_off])
                and not any(_overlaps(blocked, busy) for busy in s.busy)
            )
            if ok:
                free.append(s.staff_id)
        if free:
            result.append(Slot(t, t + r.duration, tuple(sorted(set(free)))))
        t += r.step
    return result
