"""Locale for the current request, Babel catalogs compiled in memory, and local-time formatting.

Message ids are English. ``web/locale/<lang>/LC_MESSAGES/messages.po`` is the source of truth and
is compiled into memory at start-up, so no ``.mo`` file has to be built or committed.
"""

from __future__ import annotations

import io
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.core import Locale
from babel.dates import get_timezone, get_timezone_name
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from app.core.config import PROJECT_ROOT

SUPPORTED_LOCALES: tuple[str, ...] = ("ja", "en")
LOCALE_DIR = PROJECT_ROOT / "web" / "locale"

_current_locale: ContextVar[str] = ContextVar("closetcall_locale", default="ja")


def set_locale(locale: str) -> None:
    _current_locale.set(locale if locale in SUPPORTED_LOCALES else "ja")


def get_locale() -> str:
    return _current_locale.get()


@lru_cache
def translations(locale: str) -> Translations:
    po_path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return Translations()
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def N_(message: str) -> str:
    """Mark a message for translation where it is defined; translate it where it is shown."""
    return message


def gettext(message: str, **params: object) -> str:
    """Translate ``message`` into the current locale; ``params`` fill ``%(name)s`` slots."""
    text = translations(get_locale()).gettext(message)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, **params: object) -> str:
    text = translations(get_locale()).ngettext(singular, plural, n)
    return text % {"num": n, **params}


def negotiate(accept_language: str | None, default: str = "ja") -> str:
    """Pick ja or en from an ``Accept-Language`` header (quality values respected)."""
    if not accept_language:
        return default
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")):
        piece = part.strip()
        if not piece:
            continue
        tag, _, params = piece.partition(";")
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, index, tag.strip().lower().split("-")[0]))
    for negative_quality, _index, language in sorted(ranked):
        if negative_quality < 0 and language in SUPPORTED_LOCALES:
            return language
    return default


_WEEKDAYS_JA = "月火水木金土日"


def to_zone(moment: datetime, time_zone: str) -> datetime:
    """Convert a stored instant (naive means UTC) into ``time_zone``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(time_zone))


def format_datetime(moment: datetime, time_zone: str, locale: str | None = None) -> str:
    """``11月24日(火) 21:00`` in Japanese, ``Tue 24 Nov 21:00`` in English."""
    local = to_zone(moment, time_zone)
    if (locale or get_locale()) == "ja":
        return f"{local.month}月{local.day}日({_WEEKDAYS_JA[local.weekday()]}) {local:%H:%M}"
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def format_date(moment: datetime, time_zone: str, locale: str | None = None) -> str:
    local = to_zone(moment, time_zone)
    if (locale or get_locale()) == "ja":
        return f"{local.year}年{local.month}月{local.day}日({_WEEKDAYS_JA[local.weekday()]})"
    return f"{local:%a} {local.day} {local:%b %Y}"


def format_day(moment: datetime, time_zone: str, locale: str | None = None) -> str:
    """Short day for day pickers: ``11/24(火)`` / ``Tue 24 Nov``."""
    local = to_zone(moment, time_zone)
    if (locale or get_locale()) == "ja":
        return f"{local.month}/{local.day}({_WEEKDAYS_JA[local.weekday()]})"
    return f"{local:%a} {local.day} {local:%b}"


def format_yen(amount: int, locale: str | None = None) -> str:
    """Tax-inclusive yen: ``¥12,100（税込）`` / ``¥12,100 (tax incl.)``."""
    if (locale or get_locale()) == "ja":
        return f"¥{amount:,}（税込）"
    return f"¥{amount:,} (tax incl.)"


@lru_cache(maxsize=256)
def _zone_name(time_zone: str, locale: str) -> str:
    try:
        return get_timezone_name(get_timezone(time_zone), locale=locale) or time_zone
    except (LookupError, ValueError):
        return time_zone


def zone_name(time_zone: str, locale: str | None = None) -> str:
    """A zone's name for people, in the UI language: ``日本時間`` / ``Japan Time``, not its id."""
    return _zone_name(time_zone, locale or get_locale())


def language_name(code: str) -> str:
    return Locale.parse(code).get_display_name(code) or code
