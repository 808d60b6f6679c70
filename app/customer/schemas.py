"""What a customer may change about themselves, validated with messages that say what to fix."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from zoneinfo import available_timezones

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from app.accounts.schemas import Kana, Name
from app.core.i18n import gettext as _
from app.core.text import TextError, normalize_phone

CLOTHING_SIZES = ("XS", "S", "M", "L", "XL", "XXL")
_ZONES = frozenset(available_timezones())


def _phone(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    if len(value) > 30:
        raise ValueError(_("Please enter a phone number such as 090-1234-5678."))
    try:
        return normalize_phone(value)
    except TextError as exc:
        raise ValueError(_("Please enter a phone number such as 090-1234-5678.")) from exc


def _birthday(value: date | None) -> date | None:
    if value is not None and not (date(1900, 1, 1) <= value <= date.today()):
        raise ValueError(_("Please enter a birthday between 1900 and today."))
    return value


def _zone(value: str) -> str:
    if value not in _ZONES:
        raise ValueError(_("Please choose a time zone from the list."))
    return value


Size = Literal["XS", "S", "M", "L", "XL", "XXL"]


class ProfileIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    family_name: Name
    given_name: Name
    family_name_kana: Kana = None
    given_name_kana: Kana = None
    phone: Annotated[str | None, AfterValidator(_phone)] = None
    born_on: Annotated[date | None, AfterValidator(_birthday)] = None
    size_top: Size | None = None
    size_bottom: Size | None = None
    shoe_size_cm: Annotated[float | None, Field(ge=19.0, le=32.0, multiple_of=0.5)] = None
    marketing_consent: bool = False
    locale: Literal["ja", "en"] = "ja"
    time_zone: Annotated[str, Field(max_length=64), AfterValidator(_zone)] = "Asia/Tokyo"


class ProfilePublic(BaseModel):
    user_id: int
    email: str
    family_name: str
    given_name: str
    family_name_kana: str | None
    given_name_kana: str | None
    # Contact data a stylist sees masked (see "masked"): phone_e164 and born_on are then null,
    # email reads y***@example.jp and phone_display 090-****-5678.
    phone_e164: str | None
    phone_display: str | None = None
    born_on: date | None
    birth_month: int | None = None
    size_top: str | None
    size_bottom: str | None
    shoe_size_cm: float | None
    marketing_consent: bool
    locale: str
    time_zone: str
    masked: list[str] = []  # which of email, phone, birthday are masked for this viewer
