"""Calendar files that calendar apps accept: escaping, folding, UTC times, cancel method."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from app.booking.ics import CalendarEvent, build_ics

EVENT = CalendarEvent(
    uid="appointment-7@closetcall",
    sequence=2,
    start=datetime(2026, 11, 24, 12, 0, tzinfo=UTC),
    end=datetime(2026, 11, 24, 12, 30, tzinfo=UTC),
    summary="スタイリング相談 30分, 田中 愛子",
    description="紺のスカートを活かしたい; 相談\n2行目",
    location="ビデオ通話",
    url="http://127.0.0.1:8000/appointments/7",
    organizer="no-reply@closetcall.example",
    attendee="yuki@example.jp",
)


def _unfold(text: str) -> str:
    return text.replace("\r\n ", "")


def test_event_fields_times_and_escaping() -> None:
    text = build_ics(EVENT, now=datetime(2026, 11, 22, tzinfo=UTC))
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    flat = _unfold(text)
    assert "DTSTART:20261124T120000Z" in flat and "DTEND:20261124T123000Z" in flat
    assert "METHOD:REQUEST" in flat and "SEQUENCE:2" in flat and "STATUS:CONFIRMED" in flat
    assert "SUMMARY:スタイリング相談 30分\\, 田中 愛子" in flat
    assert "DESCRIPTION:紺のスカートを活かしたい\\; 相談\\n2行目" in flat


def test_long_lines_are_folded_at_75_octets_without_breaking_characters() -> None:
    long = CalendarEvent(**{**EVENT.__dict__, "description": "あ" * 100})
    for line in build_ics(long).split("\r\n"):
        assert len(line.encode("utf-8")) <= 75
    assert "あ" * 100 in _unfold(build_ics(long))


def test_cancelled_events_use_the_cancel_method() -> None:
    text = build_ics(CalendarEvent(**{**EVENT.__dict__, "cancelled": True}))
    assert "METHOD:CANCEL" in text and "STATUS:CANCELLED" in text


PROPERTY = re.compile(r"^[A-Z][A-Z-]*[;:]")


@given(
    summary=st.text(max_size=60),
    description=st.text(max_size=200),
    location=st.text(max_size=40),
)
def test_no_text_can_start_a_property_line_of_its_own(
    summary: str, description: str, location: str
) -> None:
    """Any text (a bare CR, a lone LF, U+2028, control characters) stays inside its property."""
    event = CalendarEvent(
        **{**EVENT.__dict__, "summary": summary, "description": description, "location": location}
    )
    text = build_ics(event)
    assert "\r" not in text.replace("\r\n", "")  # no bare CR anywhere
    lines = _unfold(text).split("\r\n")[:-1]
    assert all(PROPERTY.match(line) for line in lines), lines
    begins = [line for line in lines if line.startswith("BEGIN:")]
    assert begins == ["BEGIN:VCALENDAR", "BEGIN:VEVENT"]


def test_a_bare_carriage_return_in_a_service_name_is_escaped() -> None:
    event = CalendarEvent(**{**EVENT.__dict__, "summary": "相談\rATTENDEE:evil@example.com"})
    flat = _unfold(build_ics(event))
    assert "SUMMARY:相談\\nATTENDEE:evil@example.com" in flat
    assert "\r\nATTENDEE:evil" not in flat
