"""Roster input: local dates and wall-clock times in the store's time zone."""

from __future__ import annotations

from datetime import date, time
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from app.accounts.schemas import _line
from app.core.i18n import gettext as _
from app.core.types import Day, Id

Note = Annotated[str, Field(default="", max_length=300), AfterValidator(_line)]


class _Form(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ShiftTimes(_Form):
    on_date: Day
    starts: time
    ends: time
    break_starts: time | None = None
    break_ends: time | None = Field(default=None, validate_default=True)

    # Field validators (not a model validator) so that the error names the field to fix.
    @field_validator("ends")
    @classmethod
    def _ends(cls, value: time, info: ValidationInfo) -> time:
        if info.data.get("starts") == value:
            raise ValueError(_("A shift needs an end time different from its start."))
        return value

    @field_validator("break_ends")
    @classmethod
    def _break(cls, value: time | None, info: ValidationInfo) -> time | None:
        if (info.data.get("break_starts") is None) != (value is None):
            raise ValueError(_("Give both the start and the end of the break, or neither."))
        return value


class ShiftIn(ShiftTimes):
    staff_id: Id
    note: Note = ""


class ShiftRequestIn(ShiftTimes):
    note: Note = ""


class TimeOffIn(_Form):
    staff_id: Id
    first_day: Day
    last_day: date
    reason: Note = ""

    @model_validator(mode="after")
    def _check(self) -> TimeOffIn:
        if self.last_day < self.first_day:
            raise ValueError(_("The last day of time off cannot be before the first."))
        if (self.last_day - self.first_day).days > 92:
            raise ValueError(_("Time off can cover at most 93 days at once."))
        return self


class TemplateIn(_Form):
    staff_id: Id
    weekday: Annotated[int, Field(ge=0, le=6)]
    starts: time
    ends: time
    break_starts: time | None = None
    break_ends: time | None = None


class ApplyTemplatesIn(_Form):
    store_id: Id
    first_day: Day
    weeks: Annotated[int, Field(ge=1, le=8)] = 1
