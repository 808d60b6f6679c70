"""Booking input and output shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from app.core.i18n import gettext as _
from app.core.text import TextError, clean_line
from app.core.types import FIRST_DAY, LAST_DAY, Day, Id


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError(_("Give the time with its zone offset, e.g. 2026-11-24T21:00:00+09:00."))
    if not FIRST_DAY.year <= value.year <= LAST_DAY.year:
        raise ValueError(_("Give a time between the years 2000 and 2100."))
    return value


def _topic(value: str) -> str:
    # Several lines are welcome here; control characters are not.
    try:
        return "\n".join(
            clean_line(line) for line in value.replace("\r\n", "\n").split("\n")
        ).strip()
    except TextError as exc:
        raise ValueError(_("Please remove control characters.")) from exc


def _line(value: str) -> str:
    try:
        return clean_line(value)
    except TextError as exc:
        raise ValueError(_("Please remove control characters and line breaks.")) from exc


Instant = Annotated[datetime, AfterValidator(_aware)]
Topic = Annotated[str, Field(default="", max_length=1000), AfterValidator(_topic)]
Description = Annotated[str, Field(default="", max_length=300), AfterValidator(_topic)]


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore")


class BookIn(_In):
    service_id: Id
    start: Instant
    staff_id: Id | None = None
    topic: Topic = ""


class RescheduleIn(_In):
    start: Instant
    # Without these the session keeps its stylist, or the move is refused (409
    # stylist_would_change): a different stylist is never chosen silently.
    staff_id: Id | None = None
    allow_other_stylist: bool = False


class CancelIn(_In):
    # The same rule as the topic: several lines, no control characters (a NUL was a 500 on PG).
    reason: Description = ""


class HandoffIn(_In):
    staff_id: Id


class WaitlistIn(_In):
    service_id: Id
    on_date: Day
    staff_id: Id | None = None  # wait for this stylist only


class ServiceIn(_In):
    name_ja: Annotated[str, Field(min_length=1, max_length=80), AfterValidator(_line)]
    name_en: Annotated[str, Field(min_length=1, max_length=80), AfterValidator(_line)]
    duration_min: Annotated[int, Field(ge=10, le=240)]
    buffer_before_min: Annotated[int, Field(ge=0, le=60)] = 0
    buffer_after_min: Annotated[int, Field(ge=0, le=60)] = 0
    step_min: Annotated[int, Field(ge=5, le=120)] = 15
    min_notice_min: Annotated[int, Field(ge=0, le=7 * 24 * 60)] = 120
    horizon_days: Annotated[int, Field(ge=1, le=365)] = 60
    cancellation_notice_hours: Annotated[int, Field(ge=0, le=14 * 24)] = 24
    required_skills: list[Annotated[str, Field(max_length=40), AfterValidator(_line)]] = []
    is_active: bool = True
    price_yen: Annotated[int, Field(ge=0, le=1_000_000)] = 0
    description_ja: Description = ""
    description_en: Description = ""


class SlotOut(BaseModel):
    start: datetime
    end: datetime
    staff_ids: list[int]


class SlotList(BaseModel):
    data: list[SlotOut]
    count: int
    time_zone: str


class AppointmentOut(BaseModel):
    id: int
    store_id: int
    service_id: Id
    customer_id: int
    staff_id: Id
    starts_at: datetime
    ends_at: datetime
    status: str
    topic: str
    cancel_reason: str


class AppointmentList(BaseModel):
    data: list[AppointmentOut]
    count: int
