"""Wrap-up and rating input and output shapes, and the history the appointment page shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from app.booking.schemas import _topic
from app.consultation.models import COMMENT_MAX, SUMMARY_MAX
from app.core.i18n import gettext as _
from app.core.types import Day
from app.wardrobe.schemas import OwnedItemOut

OutcomeCode = Literal["bought", "thinking", "not_now"]
# Several lines are fine; control characters are not (the same rule as a booking's topic).
Summary = Annotated[str, Field(max_length=SUMMARY_MAX), AfterValidator(_topic)]
Comment = Annotated[str, Field(default="", max_length=COMMENT_MAX), AfterValidator(_topic)]


def _not_blank(value: str) -> str:
    if not value:
        raise ValueError(_("Please write a short summary of the session."))
    return value


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore")


class WrapUpIn(_In):
    summary: Annotated[Summary, AfterValidator(_not_blank)]
    outcome: OutcomeCode
    follow_up_on: Day | None = None


class RatingIn(_In):
    score: Annotated[int, Field(ge=1, le=5)]
    comment: Comment = ""


class WrapUpOut(BaseModel):
    appointment_id: int
    summary: str
    outcome: str | None  # staff only: null for the customer
    follow_up_on: date | None
    created_at: datetime
    updated_at: datetime


class RatingOut(BaseModel):
    appointment_id: int
    score: int
    comment: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class History:
    """What the appointment page shows about the session itself, already filtered for the viewer."""

    is_staff: bool
    wrap_up: WrapUpOut | None
    rating: RatingOut | None
    follow_up_label: str  # the follow-up date in the viewer's language, "" when none
    held: bool  # started, or its call took place: the session's outcome can be recorded
    can_wrap_up: bool
    can_rate: bool
    call_open: bool
    call_opens_before: int  # minutes
    owned: list[OwnedItemOut]
    customer_visible: bool = False  # staff: the access policy lets the viewer see the customer
