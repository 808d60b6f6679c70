"""iCalendar (RFC 5545) files for appointments. Pure: builds text, does no I/O."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    sequence: int
    start: datetime
    end: datetime
    summary: str
    description: str
    location: str
    url: str
    organizer: str
    attendee: str
    cancelled: bool = False


def _escape(text: str) -> str:
    """TEXT as RFC 5545 3.3.11 wants it: every line break (CRLF, a bare CR or LF) as \\n, other
    control characters dropped — a bare CR used to start a property line of its own."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    text = text.replace("\u2029", "\n")
    text = "".join(c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc")
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    """Fold lines longer than 75 octets without splitting a UTF-8 character (RFC 5545 3.1)."""
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line
    parts: list[str] = []
    current = b""
    limit = 75
    for char in line:
        piece = char.encode("utf-8")
        if len(current) + len(piece) > limit:
            parts.append(current.decode("utf-8"))
            current = b""
            limit = 74  # continuation lines start with a space
        current += piece
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


def build_ics(event: CalendarEvent, *, now: datetime | None = None) -> str:
    """A one-event calendar: METHOD:REQUEST for a booking or change, CANCEL when cancelled."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Closet Call//Booking//EN",
        "CALSCALE:GREGORIAN",
        f"METHOD:{'CANCEL' if event.cancelled else 'REQUEST'}",
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"SEQUENCE:{event.sequence}",
        f"DTSTAMP:{_stamp(now or datetime.now(UTC))}",
        f"DTSTART:{_stamp(event.start)}",
        f"DTEND:{_stamp(event.end)}",
        f"SUMMARY:{_escape(event.summary)}",
        f"DESCRIPTION:{_escape(event.description)}",
        f"LOCATION:{_escape(event.location)}",
        f"URL:{event.url}",
        f"ORGANIZER:mailto:{event.organizer}",
        f"ATTENDEE;ROLE=REQ-PARTICIPANT:mailto:{event.attendee}",
        f"STATUS:{'CANCELLED' if event.cancelled else 'CONFIRMED'}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
