"""Languages: negotiation, local time and yen formatting, and complete Japanese catalogs."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from app.core import i18n
from app.core.config import PROJECT_ROOT


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "ja"),
        ("", "ja"),
        ("en-US,en;q=0.9", "en"),
        ("ja-JP,ja;q=0.9,en;q=0.8", "ja"),
        ("fr-FR,fr;q=0.9,en;q=0.5", "en"),
        ("en;q=0.3,ja;q=0.8", "ja"),
        ("de", "ja"),
        ("en;q=0", "ja"),
        ("en;q=abc", "ja"),
        (",,;", "ja"),
    ],
)
def test_negotiate_picks_the_best_supported_language(header: str | None, expected: str) -> None:
    assert i18n.negotiate(header) == expected


@pytest.mark.parametrize(
    ("moment", "zone", "locale", "expected"),
    [
        (datetime(2026, 11, 24, 12, 0, tzinfo=UTC), "Asia/Tokyo", "ja", "11月24日(火) 21:00"),
        (datetime(2026, 11, 24, 12, 0, tzinfo=UTC), "Asia/Tokyo", "en", "Tue 24 Nov 21:00"),
        (datetime(2026, 11, 24, 15, 30, tzinfo=UTC), "Asia/Tokyo", "ja", "11月25日(水) 00:30"),
        (datetime(2026, 3, 8, 12, 0), "America/New_York", "en", "Sun 8 Mar 08:00"),
    ],
)
def test_times_are_shown_in_the_given_zone(
    moment: datetime, zone: str, locale: str, expected: str
) -> None:
    assert i18n.format_datetime(moment, zone, locale) == expected


def test_yen_is_tax_inclusive() -> None:
    assert i18n.format_yen(12100, "ja") == "¥12,100（税込）"
    assert i18n.format_yen(12100, "en") == "¥12,100 (tax incl.)"


Message = str | tuple[str, ...]  # a plural entry is (singular, plural)


def _source_messages() -> set[Message]:
    method_map = [
        ("app/**.py", "python"),
        ("web/templates/**.html", "jinja2"),
        ("web/templates/**.txt", "jinja2"),
    ]
    options = {
        "web/templates/**.html": {"extensions": "jinja2.ext.i18n"},
        "web/templates/**.txt": {"extensions": "jinja2.ext.i18n"},
    }
    found = extract_from_dir(
        str(PROJECT_ROOT),
        method_map,
        options_map=options,
        keywords={"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)},
    )
    return {
        message if isinstance(message, str) else tuple(message)
        for _file, _line, message, _comments, _context in found
    }


def _catalog(locale: str) -> dict[Message, str | tuple[str, ...]]:
    path = Path(i18n.LOCALE_DIR) / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        return {
            m.id if isinstance(m.id, str) else tuple(m.id): m.string for m in read_po(fh) if m.id
        }


def _translated(msgstr: str | tuple[str, ...] | None) -> bool:
    """A singular needs its text; a plural needs every form the language has."""
    if isinstance(msgstr, tuple):
        return bool(msgstr) and all(msgstr)
    return bool(msgstr)


def test_every_visible_string_has_a_japanese_translation() -> None:
    used = _source_messages()
    assert len(used) > 100  # the extractor really found the templates
    japanese = _catalog("ja")
    missing = sorted((m for m in used if not _translated(japanese.get(m))), key=str)
    assert missing == [], f"untranslated (run `make i18n`): {missing}"
    stale = sorted(set(_catalog("en")) ^ used, key=str)
    assert stale == [], "the English catalog is out of date"


def test_translations_keep_their_placeholders() -> None:
    import re

    def slots(text: str) -> list[str]:
        return sorted(re.findall(r"%\(\w+\)s", text))

    for msgid, msgstr in _catalog("ja").items():
        if isinstance(msgid, tuple):  # every form must fill the plural's slots
            forms = msgstr if isinstance(msgstr, tuple) else (msgstr,)
            assert all(slots(form) == slots(msgid[1]) for form in forms), msgid
        else:
            assert slots(msgid) == slots(str(msgstr)), msgid


def test_gettext_follows_the_current_locale() -> None:
    i18n.set_locale("ja")
    assert i18n.gettext("Log in") == "ログイン"
    i18n.set_locale("en")
    assert i18n.gettext("Log in") == "Log in"
    i18n.set_locale("xx")
    assert i18n.get_locale() == "ja"
