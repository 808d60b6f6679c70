"""Names, kana and phone numbers as Japanese customers type them."""

from __future__ import annotations

import pytest

from app.core.text import (
    TextError,
    clean_line,
    format_phone,
    mask_phone,
    normalize_phone,
    to_katakana,
)


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("090-1234-5678", "+819012345678"),
        ("09012345678", "+819012345678"),
        ("０９０－１２３４－５６７８", "+819012345678"),
        ("+81 90 1234 5678", "+819012345678"),
        ("03-1234-5678", "+81312345678"),
        ("(06) 6345-1234", "+81663451234"),
        ("+1 650 253 0000", "+16502530000"),
    ],
)
def test_phone_numbers_become_e164(typed: str, e164: str) -> None:
    assert normalize_phone(typed) == e164


@pytest.mark.parametrize(
    "typed", ["", "abc", "090-1234", "12345678901234567890", "090\x001234\x005678"]
)
def test_bad_phone_numbers_are_refused(typed: str) -> None:
    with pytest.raises(TextError):
        normalize_phone(typed)


def test_phones_are_shown_in_national_format_and_masked_for_logs() -> None:
    assert format_phone("+819012345678") == "090-1234-5678"
    assert mask_phone("+819012345678") == "…5678"


@pytest.mark.parametrize(
    ("typed", "katakana"),
    [
        ("さとう", "サトウ"),
        ("ｻﾄｳ", "サトウ"),
        ("サトウ", "サトウ"),
        ("ゆうこ", "ユウコ"),
        ("ナカムラ　ダイスケ", "ナカムラ ダイスケ"),
    ],
)
def test_kana_is_stored_as_full_width_katakana(typed: str, katakana: str) -> None:
    assert to_katakana(typed) == katakana


@pytest.mark.parametrize("typed", ["佐藤", "sato", "サトウ1"])
def test_non_kana_readings_are_refused(typed: str) -> None:
    with pytest.raises(TextError):
        to_katakana(typed)


def test_clean_line_trims_and_refuses_control_characters() -> None:
    assert clean_line("  佐藤\u3000 由紀 ") == "佐藤 由紀"
    for bad in ("a\x00b", "a\nb", "a\x1bb"):
        with pytest.raises(TextError):
            clean_line(bad)
