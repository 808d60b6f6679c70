"""Slot maths: a table of edge cases, and equality with the naive reference on random schedules."""

from __future__ import annotations

from datetime import date, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.booking.availability import (
    AvailabilityError,
    SlotRequest,
    StaffSchedule,
    available_slots,
    grid_offset,
    local_span,
    local_to_epoch,
)
from tests.booking.naive_slots import naive_slots

H = 3600
M = 60
DAY = 24 * H
# 2026-11-24 00:00 Asia/Tokyo, a Tuesday.
TOKYO = local_to_epoch(date(2026, 11, 24), time(0), "Asia/Tokyo")


def request(**overrides: int) -> SlotRequest:
    base = {
        "duration": 30 * M,
        "step": 30 * M,
        "grid_offset": grid_offset("Asia/Tokyo", TOKYO, 30 * M),
        "window_start": TOKYO,
        "window_end": TOKYO + 2 * DAY,
        "earliest": TOKYO,
        "horizon_end": TOKYO + 30 * DAY,
    }
    base.update(overrides)
    return SlotRequest(**base)


def starts(slots: list, origin: int = TOKYO) -> list[float]:
    """Slot starts as hours after ``origin`` (readable in the table below)."""
    return [(s.start - origin) / H for s in slots]


def shift(a: float, b: float) -> tuple[int, int]:
    return int(TOKYO + a * H), int(TOKYO + b * H)


CASES = [
    pytest.param(
        request(), [StaffSchedule(1, [shift(10, 12)])], [10, 10.5, 11, 11.5], id="plain shift"
    ),
    pytest.param(
        request(),
        [StaffSchedule(1, [shift(10, 13)], breaks=[shift(11, 12)])],
        [10, 10.5, 12, 12.5],
        id="break removes its hour",
    ),
    pytest.param(
        request(),
        [StaffSchedule(1, [shift(10, 12)], time_off=[shift(9, 11)])],
        [11, 11.5],
        id="time off",
    ),
    pytest.param(
        request(buffer_before=15 * M, buffer_after=15 * M),
        [StaffSchedule(1, [shift(10, 12)])],
        [10, 10.5, 11, 11.5],
        id="buffers may run past shift edges",
    ),
    pytest.param(
        request(buffer_before=15 * M, buffer_after=15 * M),
        [StaffSchedule(1, [shift(10, 13)], busy=[shift(11, 11.5)])],
        [10, 12, 12.5],
        id="buffers keep distance from another appointment",
    ),
    pytest.param(
        request(),
        [StaffSchedule(1, [shift(10, 12)], busy=[shift(10.5, 11)])],
        [10, 11, 11.5],
        id="touching an appointment is not overlapping",
    ),
    pytest.param(
        request(earliest=int(TOKYO + 10.75 * H)),
        [StaffSchedule(1, [shift(10, 12)])],
        [11, 11.5],
        id="minimum notice",
    ),
    pytest.param(
        request(horizon_end=int(TOKYO + 11.5 * H)),
        [StaffSchedule(1, [shift(10, 12)])],
        [10, 10.5, 11],
        id="horizon end cuts the last slot",
    ),
    pytest.param(
        request(window_end=int(TOKYO + 11 * H)),
        [StaffSchedule(1, [shift(10, 12)])],
        [10, 10.5],
        id="window end",
    ),
    pytest.param(
        request(), [StaffSchedule(1, [shift(23, 25)])], [23, 23.5, 24, 24.5], id="crossing midnight"
    ),
    pytest.param(
        request(duration=45 * M, step=15 * M, grid_offset=0),
        [StaffSchedule(1, [shift(10, 11.5)])],
        [10, 10.25, 10.5, 10.75],
        id="45-minute service on a 15-minute grid",
    ),
    pytest.param(
        request(),
        [StaffSchedule(1, [shift(10.25, 11.5)])],
        [10.5, 11],
        id="grid stays on round local times",
    ),
    pytest.param(
        request(),
        [StaffSchedule(2, [shift(10, 11)]), StaffSchedule(1, [shift(10.5, 11.5)])],
        [10, 10.5, 11],
        id="several stylists",
    ),
    pytest.param(
        request(), [StaffSchedule(1, [shift(10, 10.25)])], [], id="shift shorter than the service"
    ),
    pytest.param(
        request(),
        [StaffSchedule(1, [shift(10, 12)], busy=[shift(9, 13)])],
        [],
        id="fully booked day",
    ),
]


@pytest.mark.parametrize(("req", "schedules", "expected"), CASES)
def test_edge_cases(
    req: SlotRequest, schedules: list[StaffSchedule], expected: list[float]
) -> None:
    slots = available_slots(req, schedules)
    assert starts(slots) == expected
    assert slots == naive_slots(req, schedules)


def test_slots_name_every_free_stylist() -> None:
    slots = available_slots(
        request(), [StaffSchedule(2, [shift(10, 11)]), StaffSchedule(1, [shift(10.5, 11.5)])]
    )
    assert [s.staff_ids for s in slots] == [(2,), (1, 2), (1,)]


@pytest.mark.parametrize(
    ("req", "schedules", "message"),
    [
        (request(duration=0), [StaffSchedule(1, [shift(10, 12)])], "duration"),
        (request(step=0), [StaffSchedule(1, [shift(10, 12)])], "step"),
        (request(buffer_before=-1), [StaffSchedule(1, [shift(10, 12)])], "buffers"),
        (request(window_end=TOKYO - 1), [StaffSchedule(1, [shift(10, 12)])], "window"),
        (request(), [StaffSchedule(1, [shift(12, 10)])], "shift"),
        (request(), [StaffSchedule(1, [shift(10, 10)])], "shift"),
        (request(), [StaffSchedule(1, [shift(10, 12)], breaks=[shift(11, 11)])], "break"),
        (request(), [StaffSchedule(1, [shift(10, 12)], busy=[shift(11, 10.5)])], "appointment"),
    ],
)
def test_zero_length_and_inverted_inputs_are_rejected(
    req: SlotRequest, schedules: list, message: str
) -> None:
    with pytest.raises(AvailabilityError, match=message):
        available_slots(req, schedules)


class TestDaylightSaving:
    def test_a_shift_across_the_spring_jump_is_an_hour_shorter(self) -> None:
        zone = "America/New_York"
        start, end = local_span(date(2026, 3, 8), time(1), time(4), zone)
        assert end - start == 2 * H
        req = SlotRequest(
            duration=H,
            step=H,
            grid_offset=grid_offset(zone, start, H),
            window_start=start,
            window_end=end,
            earliest=0,
            horizon_end=end,
        )
        slots = available_slots(req, [StaffSchedule(1, [(start, end)])])
        assert starts(slots, start) == [0, 1]  # 01:00 EST and 03:00 EDT; 02:00 does not exist

    def test_a_shift_across_the_autumn_fallback_is_an_hour_longer(self) -> None:
        start, end = local_span(date(2026, 11, 1), time(0), time(3), "America/New_York")
        assert end - start == 4 * H

    def test_a_wall_time_skipped_by_the_jump_moves_forward(self) -> None:
        skipped = local_to_epoch(date(2026, 3, 8), time(2, 30), "America/New_York")
        assert skipped == local_to_epoch(date(2026, 3, 8), time(3, 30), "America/New_York")

    def test_half_hour_zone_keeps_slots_on_round_local_times(self) -> None:
        zone = "Asia/Kolkata"
        start, end = local_span(date(2026, 11, 24), time(10), time(12), zone)
        req = SlotRequest(
            duration=H,
            step=H,
            grid_offset=grid_offset(zone, start, H),
            window_start=start - 3 * H,
            window_end=end,
            earliest=0,
            horizon_end=end,
        )
        assert starts(available_slots(req, [StaffSchedule(1, [(start, end)])]), start) == [0, 1]


# Random schedules on a small grid of quarter hours, so that collisions and edges are common.
Q = 15 * M
quarter = st.integers(min_value=0, max_value=4 * 24)
span = st.tuples(quarter, st.integers(min_value=1, max_value=24)).map(
    lambda p: (TOKYO + p[0] * Q, TOKYO + (p[0] + p[1]) * Q)
)


@st.composite
def schedules(draw: st.DrawFn) -> list[StaffSchedule]:
    staff = []
    for staff_id in range(1, draw(st.integers(1, 4)) + 1):
        # One stylist's shifts never overlap (the roster refuses that), so draw them disjoint.
        shifts = []
        for s in sorted(draw(st.lists(span, max_size=3)), key=lambda x: x[0]):
            if not shifts or s[0] >= shifts[-1][1]:
                shifts.append(s)
        staff.append(
            StaffSchedule(
                staff_id,
                shifts,
                draw(st.lists(span, max_size=2)),
                draw(st.lists(span, max_size=1)),
                draw(st.lists(span, max_size=4)),
            )
        )
    return staff


@st.composite
def requests(draw: st.DrawFn) -> SlotRequest:
    step = draw(st.sampled_from([Q, 2 * Q, 4 * Q]))
    start = TOKYO + draw(st.integers(0, 48)) * Q
    return SlotRequest(
        duration=draw(st.sampled_from([Q, 2 * Q, 3 * Q, 4 * Q])),
        buffer_before=draw(st.sampled_from([0, 5 * M, Q])),
        buffer_after=draw(st.sampled_from([0, 10 * M, Q])),
        step=step,
        grid_offset=draw(st.sampled_from([0, 5 * M])),
        window_start=start,
        window_end=start + draw(st.integers(1, 96)) * Q,
        earliest=TOKYO + draw(st.integers(0, 60)) * Q,
        horizon_end=TOKYO + draw(st.integers(0, 120)) * Q,
    )


@settings(max_examples=400, deadline=None)
@given(req=requests(), staff=schedules())
def test_fast_and_naive_agree(req: SlotRequest, staff: list[StaffSchedule]) -> None:
    assert available_slots(req, staff) == naive_slots(req, staff)
