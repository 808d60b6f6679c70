"""Pure helpers for the text people type: names, kana, phone numbers. No I/O."""

from __future__ import annotations

import re
import unicodedata

import phonenumbers

# Control characters (and NUL, which PostgreSQL refuses in text) never belong in a form field.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_KATAKANA = re.compile(r"^[\u30a0-\u30ff\u3000 ・ー]+$")


class TextError(ValueError):
    """Raised with a message that names what to fix."""


def clean_line(value: str) -> str:
    """Normalise one line of text: NFC, no control characters, trimmed, inner spaces collapsed."""
    if _CONTROL.search(value) or "\n" in value or "\r" in value:
        raise TextError("contains control characters or line breaks")
    value = unicodedata.normalize("NFC", value)
    return re.sub(r"[ \t\u3000]+", " ", value).strip()


def to_katakana(value: str) -> str:
    """Accept hiragana, half-width or full-width katakana and return full-width katakana."""
    value = unicodedata.normalize("NFKC", clean_line(value))
    converted = "".join(chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" else c for c in value)
    if not converted:
        return converted
    if not _KATAKANA.match(converted):
        raise TextError("use kana only (ひらがな or カタカナ)")
    return converted


def normalize_phone(value: str, region: str = "JP") -> str:
    """Return E.164 (``+819012345678``) for a number typed any usual way, or raise TextError."""
    raw = unicodedata.normalize("NFKC", clean_line(value))
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise TextError("is not a phone number we can read") from exc
    if not phonenumbers.is_valid_number(number):
        raise TextError("is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """National format for Japanese numbers (090-1234-5678), international for the rest."""
    number = phonenumbers.parse(e164, None)
    kind = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 81
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, kind)


def mask_phone(e164: str) -> str:
    """What logs and staff lists may show: the last four digits only."""
    return f"…{e164[-4:]}" if len(e164) > 4 else "…"


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"
