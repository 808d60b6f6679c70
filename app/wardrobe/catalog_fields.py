"""Checking one catalog row's fields and stock. Pure: no database, no I/O.

Used by catalog_import.py, which reads the file; the rules are documented in
docs/catalog-import.md — keep the two in step.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from app.core.i18n import gettext as _
from app.wardrobe.models import Slot

ONLINE = "online"  # the stock location that is the web shop rather than a store
PATTERNS: tuple[str, ...] = ("solid", "stripe", "check", "dot", "floral", "print")
SEASONS: tuple[str, ...] = ("spring", "summer", "autumn", "winter")
SLOTS: tuple[str, ...] = tuple(s.value for s in Slot)

REQUIRED: tuple[str, ...] = (
    "sku",
    "name_ja",
    "name_en",
    "category",
    "slot",
    "colour_name",
    "colour_rgb",
    "pattern",
    "material",
    "formality",
    "seasons",
    "sizes",
    "price_yen",
)
OPTIONAL: tuple[str, ...] = (
    "secondary_colour_name",
    "secondary_colour_rgb",
    "style_tags",
    "image_url",
    "is_active",
    "stock",
)
COLUMNS: tuple[str, ...] = REQUIRED + OPTIONAL

# Column lengths follow the catalog_item table (models.py).
_MAX_LEN = {
    "name_ja": 120,
    "name_en": 120,
    "category": 32,
    "colour_name": 24,
    "secondary_colour_name": 24,
    "material": 24,
    "image_url": 500,
}
_SKU = re.compile(r"^[A-Za-z0-9_-]{1,32}$")  # the same shape the swatch route accepts
_RGB = re.compile(r"^#[0-9A-Fa-f]{6}$")
_SIZE_MAX = 8
_TAG_MAX = 32
_LIST_SPLIT = re.compile(r"[;,]")
_TRUE = {"true", "yes", "1", "y"}
_FALSE = {"false", "no", "0", "n"}


def shown(value: object) -> str:
    """A value as a message quotes it: text in quotes, cut at 40 characters."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    if len(text) > 40:
        text = text[:39] + "…"
    return f"'{text}'" if isinstance(value, str) else text


class _Row:
    """Collects the checked fields and the problems of one record."""

    def __init__(self, record: dict[str, Any]) -> None:
        self.record = record
        self.fields: dict[str, Any] = {}
        self.problems: list[str] = []

    def raw(self, name: str) -> Any:
        value = self.record.get(name)
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value

    def fail(self, message: str) -> None:
        self.problems.append(message)


def check_record(
    record: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, dict[str, int]] | None, list[str]]:
    """The checked item fields, the stock (None when not given) and every problem found."""
    row = _Row(record)
    for check in _CHECKS:
        check(row)
    stock = _stock(row)
    return row.fields, stock, row.problems


def _required_text(row: _Row, name: str, *, lower: bool = False) -> str | None:
    value = row.raw(name)
    if value is None:
        row.fail(_("%(field)s is required", field=name))
        return None
    return _text(row, name, value, lower=lower)


def _text(row: _Row, name: str, value: Any, *, lower: bool = False) -> str | None:
    if not isinstance(value, str):
        row.fail(_("%(field)s must be text, got %(value)s", field=name, value=shown(value)))
        return None
    limit = _MAX_LEN.get(name)
    if limit is not None and len(value) > limit:
        row.fail(
            _(
                "%(field)s is longer than %(limit)s characters (%(length)s)",
                field=name,
                limit=limit,
                length=len(value),
            )
        )
        return None
    return " ".join(value.lower().split()) if lower else value


def _check_sku(row: _Row) -> None:
    value = _required_text(row, "sku")
    if value is None:
        return
    if not _SKU.match(value):
        row.fail(
            _(
                "sku must be 1–32 letters, digits, '-' or '_', got %(value)s",
                value=shown(value),
            )
        )
        return
    row.fields["sku"] = value


def _check_names(row: _Row) -> None:
    for name in ("name_ja", "name_en", "material"):
        value = _required_text(row, name)
        if value is not None:
            row.fields[name] = value.lower() if name == "material" else value
    category = _required_text(row, "category", lower=True)
    if category is not None:
        row.fields["category"] = category.replace(" ", "_")


def _choice(row: _Row, name: str, allowed: tuple[str, ...]) -> None:
    value = _required_text(row, name, lower=True)
    if value is None:
        return
    if value not in allowed:
        row.fail(
            _(
                "%(field)s must be one of %(allowed)s, got %(value)s",
                field=name,
                allowed=", ".join(allowed),
                value=shown(row.raw(name)),
            )
        )
        return
    row.fields[name] = value


def _check_slot_and_pattern(row: _Row) -> None:
    _choice(row, "slot", SLOTS)
    _choice(row, "pattern", PATTERNS)


def _colour(row: _Row, name: str, value: Any) -> str | None:
    if not isinstance(value, str) or not _RGB.match(value):
        row.fail(
            _(
                "%(field)s must be a colour written #RRGGBB, e.g. #1f2a44, got %(value)s",
                field=name,
                value=shown(value),
            )
        )
        return None
    return value.lower()


def _check_colours(row: _Row) -> None:
    name = _required_text(row, "colour_name", lower=True)
    rgb = row.raw("colour_rgb")
    if rgb is None:
        row.fail(_("%(field)s is required", field="colour_rgb"))
    else:
        rgb = _colour(row, "colour_rgb", rgb)
    if name is not None and rgb is not None:
        row.fields.update(colour_name=name, colour_rgb=rgb)
    second_name = row.raw("secondary_colour_name")
    second_rgb = row.raw("secondary_colour_rgb")
    if (second_name is None) != (second_rgb is None):
        row.fail(
            _(
                "secondary_colour_name and secondary_colour_rgb go together: "
                "give both or leave both empty"
            )
        )
        return
    if second_name is None:
        row.fields.update(secondary_colour_name=None, secondary_colour_rgb=None)
        return
    second_name = _text(row, "secondary_colour_name", second_name, lower=True)
    second_rgb = _colour(row, "secondary_colour_rgb", second_rgb)
    if second_name is not None and second_rgb is not None:
        row.fields.update(secondary_colour_name=second_name, secondary_colour_rgb=second_rgb)


def _whole_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value):
        return int(value)
    return None


def _check_numbers(row: _Row) -> None:
    raw = row.raw("formality")
    if raw is None:
        row.fail(_("%(field)s is required", field="formality"))
    else:
        number = _whole_number(raw)
        if number is None or not 1 <= number <= 5:
            got = number if number is not None else shown(raw)
            row.fail(_("formality must be 1–5, got %(value)s", value=got))
        else:
            row.fields["formality"] = number
    raw = row.raw("price_yen")
    if raw is None:
        row.fail(_("%(field)s is required", field="price_yen"))
        return
    number = _whole_number(raw)
    if number is None or number < 0:
        got = number if number is not None else shown(raw)
        row.fail(
            _(
                "price_yen must be a whole number of yen, 0 or more (no ¥ or commas), "
                "got %(value)s",
                value=got,
            )
        )
        return
    row.fields["price_yen"] = number


def _list(row: _Row, name: str) -> list[str] | None:
    """A list column: a JSON array of strings, or text separated by ';' (or ',')."""
    raw = row.raw(name)
    if raw is None:
        return []
    if isinstance(raw, str):
        parts: Iterable[Any] = _LIST_SPLIT.split(raw)
    elif isinstance(raw, list):
        parts = raw
    else:
        row.fail(
            _(
                "%(field)s must be a list such as %(example)s, got %(value)s",
                field=name,
                example="spring;autumn",
                value=shown(raw),
            )
        )
        return None
    values: list[str] = []
    for part in parts:
        if not isinstance(part, str):
            row.fail(
                _("%(field)s must hold text values, got %(value)s", field=name, value=shown(part))
            )
            return None
        if part.strip():
            values.append(part.strip())
    return values


def _check_seasons_and_tags(row: _Row) -> None:
    seasons = _list(row, "seasons")
    if seasons is not None:
        lowered = [s.lower() for s in seasons]
        wrong = [s for s, low in zip(seasons, lowered, strict=True) if low not in SEASONS]
        if wrong:
            row.fail(
                _(
                    "seasons must be from %(allowed)s, got %(value)s",
                    allowed=", ".join(SEASONS),
                    value=shown(wrong[0]),
                )
            )
        elif not lowered:
            row.fail(_("seasons needs at least one of %(allowed)s", allowed=", ".join(SEASONS)))
        else:
            row.fields["seasons"] = [s for s in SEASONS if s in lowered]
    tags = _list(row, "style_tags")
    if tags is not None:
        long = [t for t in tags if len(t) > _TAG_MAX]
        if long:
            row.fail(
                _(
                    "style tag %(value)s is longer than %(limit)s characters",
                    value=shown(long[0]),
                    limit=_TAG_MAX,
                )
            )
        else:
            row.fields["style_tags"] = sorted({" ".join(t.lower().split()) for t in tags})


def _check_sizes(row: _Row) -> None:
    sizes = _list(row, "sizes")
    if sizes is None:
        return
    if not sizes:
        row.fail(_("sizes needs at least one size, e.g. S;M;L or F for one size"))
        return
    for size in sizes:
        if len(size) > _SIZE_MAX:
            row.fail(
                _(
                    "size %(value)s is longer than %(limit)s characters",
                    value=shown(size),
                    limit=_SIZE_MAX,
                )
            )
            return
        if re.search(r"[:=\s]", size):
            row.fail(_("size %(value)s must not contain spaces, ':' or '='", value=shown(size)))
            return
    doubled = sorted({s for s in sizes if sizes.count(s) > 1})
    if doubled:
        row.fail(_("size %(value)s is listed twice", value=shown(doubled[0])))
        return
    row.fields["sizes"] = sizes


def _check_image_and_flags(row: _Row) -> None:
    url = row.raw("image_url")
    if url is None:
        row.fields["image_url"] = None
    elif (url := _text(row, "image_url", url)) is not None:
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc or " " in url:
            row.fail(
                _(
                    "image_url must be an http:// or https:// address, got %(value)s",
                    value=shown(url),
                )
            )
        else:
            row.fields["image_url"] = url
    active = row.raw("is_active")
    if active is None:
        row.fields["is_active"] = True
    elif isinstance(active, bool):
        row.fields["is_active"] = active
    elif isinstance(active, str) and active.lower() in _TRUE | _FALSE:
        row.fields["is_active"] = active.lower() in _TRUE
    else:
        row.fail(_("is_active must be true or false, got %(value)s", value=shown(active)))


_CHECKS: tuple[Callable[[_Row], None], ...] = (
    _check_sku,
    _check_names,
    _check_slot_and_pattern,
    _check_colours,
    _check_numbers,
    _check_seasons_and_tags,
    _check_sizes,
    _check_image_and_flags,
)


# ---------------------------------------------------------------- stock


def _stock(row: _Row) -> dict[str, dict[str, int]] | None:
    raw = row.raw("stock")
    if raw is None:
        return None
    if isinstance(raw, str):
        found = _stock_from_text(row, raw)
    elif isinstance(raw, dict):
        found = {str(k).strip().lower(): v for k, v in raw.items()}
    else:
        row.fail(
            _(
                "stock must be an object like %(example)s, got %(value)s",
                example='{"online": {"S": 3}}',
                value=shown(raw),
            )
        )
        return None
    if found is None:
        return None
    stock: dict[str, dict[str, int]] = {}
    for location, quantities in found.items():
        checked = _quantities(row, location, quantities)
        if checked is None:
            return None
        stock[location] = checked
    return stock


def _stock_from_text(row: _Row, raw: str) -> dict[str, dict[str, Any]] | None:
    """'online:S=3;M=0;tokyo-shibuya:S=2': a location applies until the next one is named."""
    found: dict[str, dict[str, Any]] = {}
    location: str | None = None
    for entry in (e.strip() for e in _LIST_SPLIT.split(raw)):
        if not entry:
            continue
        if ":" in entry:
            named, _colon, entry = entry.partition(":")
            location = named.strip().lower()
        size, equals, quantity = (part.strip() for part in entry.partition("="))
        if not location or not equals or not size:
            row.fail(
                _(
                    "stock %(value)s must look like %(example)s: a location, then size=quantity "
                    "pairs, all separated by ';'",
                    value=shown(raw),
                    example="online:S=3;M=0;tokyo-shibuya:S=2",
                )
            )
            return None
        if size in found.setdefault(location, {}):
            row.fail(
                _(
                    "stock names size %(size)s at %(location)s twice",
                    size=shown(size),
                    location=location,
                )
            )
            return None
        found[location][size] = quantity
    return found


def _quantities(row: _Row, location: str, quantities: Any) -> dict[str, int] | None:
    if not isinstance(quantities, dict):
        row.fail(
            _(
                "stock for %(location)s must be an object of size to quantity, e.g. %(example)s",
                location=location,
                example='{"S": 3, "M": 0}',
            )
        )
        return None
    sizes = row.fields.get("sizes")
    checked: dict[str, int] = {}
    for size, raw in quantities.items():
        number = _whole_number(raw)
        if number is None or number < 0:
            row.fail(
                _(
                    "stock of size %(size)s at %(location)s must be a whole number, 0 or more, "
                    "got %(value)s",
                    size=shown(size),
                    location=location,
                    value=number if number is not None else shown(raw),
                )
            )
            return None
        if sizes is not None and size not in sizes:
            row.fail(
                _(
                    "stock at %(location)s names size %(size)s, which is not in sizes (%(sizes)s)",
                    location=location,
                    size=shown(size),
                    sizes=";".join(sizes),
                )
            )
            return None
        checked[size] = number
    return checked
