"""What a customer sends to add or change an item of their own wardrobe."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from app.core.i18n import gettext as _
from app.core.text import TextError, clean_line
from app.wardrobe.models import Slot
from app.wardrobe.schemas import ColourName, ColourRgb, Label

_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def _category(value: str) -> str:
    value = value.strip().lower()
    if not _CODE.match(value):
        raise ValueError(_("Please choose a category from the list, or “other”."))
    return value


def _pattern(value: str) -> str:
    value = value.strip().lower()
    if not _CODE.match(value):
        raise ValueError(_("Please choose a pattern from the list."))
    return value


def _brand(value: str) -> str | None:
    try:
        return clean_line(value) or None
    except TextError as exc:
        raise ValueError(_("Please use one line without control characters.")) from exc


def _seasons(value: list[str]) -> list[str]:
    order = ("spring", "summer", "autumn", "winter")
    return [season for season in order if season in value]  # no repeats, calendar order


CategoryCode = Annotated[str, Field(max_length=32), AfterValidator(_category)]
PatternCode = Annotated[str, Field(max_length=16), AfterValidator(_pattern)]
Brand = Annotated[str, Field(max_length=60), AfterValidator(_brand)]
Season = Literal["spring", "summer", "autumn", "winter"]
Seasons = Annotated[list[Season], AfterValidator(_seasons)]


class ClosetItemIn(BaseModel):
    """An item the customer adds from their own closet (the photo travels beside it).

    ``colour_name`` is one of the palette's names (then its RGB is the palette's) or anything else,
    e.g. ``other``, together with ``colour_rgb``. ``slot`` may be left out for a category on the
    list (a knit is a top); the label, when left out, is made from the colour and category.
    """

    model_config = ConfigDict(extra="ignore")
    category: CategoryCode
    colour_name: ColourName
    colour_rgb: ColourRgb | None = None
    slot: Slot | None = None
    label: Label | None = None
    pattern: PatternCode | None = None
    seasons: Seasons = []
    brand: Brand | None = None


class ClosetItemEdit(BaseModel):
    """A change to one owned item: only the fields sent change; null clears an optional one.

    ``hidden: true`` keeps the item from staff entirely; ``retired: true`` takes it out of the
    active wardrobe (it stays in the history) and ``false`` brings it back.
    """

    model_config = ConfigDict(extra="forbid")
    label: Label | None = None
    category: CategoryCode | None = None
    slot: Slot | None = None
    colour_name: ColourName | None = None
    colour_rgb: ColourRgb | None = None
    pattern: PatternCode | None = None
    seasons: Seasons | None = None
    brand: Brand | None = None
    hidden: bool | None = None
    retired: bool | None = None
