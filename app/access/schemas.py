"""Request shapes of the access domain."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

from app.core.i18n import gettext as _
from app.core.text import TextError, clean_line

RevealReason = Literal["session", "delivery", "customer_asked", "birthday", "other"]
ContactField = Literal["email", "phone", "birthday"]


def _note(value: str) -> str:
    try:
        return clean_line(value)
    except TextError as exc:
        raise ValueError(_("Please remove control characters and line breaks.")) from exc


class RevealIn(BaseModel):
    """Which masked fields to see, and why (on record; shown to the store's managers)."""

    fields: list[ContactField] = Field(min_length=1, max_length=3)
    reason: RevealReason
    note: Annotated[str, Field(default="", max_length=200), AfterValidator(_note)] = ""
