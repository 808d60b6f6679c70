"""Shapes of what people send to the accounts endpoints, with messages that say what to fix."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from app.core.i18n import gettext as _
from app.core.text import TextError, clean_line, to_katakana
from app.core.types import Id


def _line(value: str) -> str:
    try:
        return clean_line(value)
    except TextError as exc:
        raise ValueError(_("Please remove control characters and line breaks.")) from exc


def _kana(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        return to_katakana(value)
    except TextError as exc:
        raise ValueError(_("Please write the reading in kana (ひらがな or カタカナ).")) from exc


def _lower_email(value: str) -> str:
    return value.strip().lower()


def _fits(limit: int) -> AfterValidator:
    """Check the length again after normalising: NFKC and lower() can make text longer
    (㌀ becomes アパート), and the column would refuse it."""

    def check(value: str | None) -> str | None:
        if value is not None and len(value) > limit:
            raise ValueError(_("Please use at most %(max)s characters.", max=limit))
        return value

    return AfterValidator(check)


Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=50, strip_whitespace=True),
    AfterValidator(_line),
    _fits(50),
]
Kana = Annotated[str | None, Field(default=None, max_length=50), AfterValidator(_kana), _fits(50)]
Email = Annotated[EmailStr, Field(max_length=254), AfterValidator(_lower_email), _fits(254)]
# Bounded so that a megabyte "password" cannot make argon2 the bottleneck.
NewPassword = Annotated[str, Field(min_length=10, max_length=128)]
Locale = Literal["ja", "en"]


class Form(BaseModel):
    model_config = ConfigDict(str_max_length=2000, extra="ignore")


class SignupIn(Form):
    email: Email
    password: NewPassword
    family_name: Name
    given_name: Name
    family_name_kana: Kana = None
    given_name_kana: Kana = None
    marketing_consent: bool = False


class LoginIn(Form):
    # Not EmailStr: a malformed address should get "email and password do not match", not a hint
    # about which addresses exist. Still cleaned, because it is used in a query (PostgreSQL
    # refuses NUL bytes in text).
    email: Annotated[str, Field(min_length=1, max_length=254), AfterValidator(_line)]
    password: Annotated[str, Field(min_length=1, max_length=128)]


class PasswordResetRequestIn(Form):
    email: Email


class PasswordResetIn(Form):
    password: NewPassword


class InvitationIn(Form):
    email: Email
    role: Literal["staff", "manager"]
    store_id: Id
    works_remotely: bool = False
    skills: list[Literal["womenswear", "menswear", "formal", "fit", "kids"]] = []
    languages: list[Locale] = ["ja"]


class InvitationAcceptIn(Form):
    family_name: Name
    given_name: Name
    family_name_kana: Kana = None
    given_name_kana: Kana = None
    password: NewPassword


class LocaleIn(Form):
    locale: Locale
