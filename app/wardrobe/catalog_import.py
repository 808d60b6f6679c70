"""Reading a catalog file (CSV or JSON) into checked rows. Pure: no database, no I/O.

The format is documented in docs/catalog-import.md; keep the two in step. Every problem is
reported against where a person finds it: the CSV line (the header is line 1) or the JSON array
index. A row with a problem is left out; the others still import.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

from app.core.errors import InvalidInput
from app.core.i18n import gettext as _
from app.wardrobe.catalog_fields import COLUMNS, ONLINE, REQUIRED, check_record, shown

__all__ = ["ONLINE", "CatalogRow", "ImportReport", "RowError", "UnreadableCatalog", "parse_catalog"]


class UnreadableCatalog(InvalidInput):
    """The file cannot be read as a catalog at all (nothing is imported)."""

    code = "unreadable_catalog"


@dataclass(frozen=True)
class RowError:
    where: str  # "line 7" (CSV) or "index 2" (JSON)
    order: int  # for sorting: the line or the index
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True)
class CatalogRow:
    """One valid row: the catalog item's fields and, when given, its stock."""

    where: str
    order: int
    fields: dict[str, Any]
    # {"online" or a store code: {size: quantity}}; None when the row says nothing about stock.
    stock: dict[str, dict[str, int]] | None

    @property
    def sku(self) -> str:
        return str(self.fields["sku"])


@dataclass
class ParsedCatalog:
    rows: list[CatalogRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


@dataclass
class ImportReport:
    """What an import did: items created, updated or unchanged, and the rows left out."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def invalid(self) -> int:
        return len({e.order for e in self.errors})

    def problems(self) -> list[str]:
        """Every problem, in file order: "line 7: formality must be 1–5, got 9"."""
        return [str(e) for e in sorted(self.errors, key=lambda e: e.order)]

    def summary(self) -> str:
        return _(
            "created %(created)s, updated %(updated)s, unchanged %(unchanged)s, "
            "invalid %(invalid)s",
            created=self.created,
            updated=self.updated,
            unchanged=self.unchanged,
            invalid=self.invalid,
        )


# ---------------------------------------------------------------- reading the file


def parse_catalog(data: bytes, *, filename: str = "") -> ParsedCatalog:
    """Check every row of a CSV or JSON catalog file; raise UnreadableCatalog if it has none."""
    try:
        text = data.decode("utf-8-sig")  # with or without a byte-order mark
    except UnicodeDecodeError as exc:
        raise UnreadableCatalog(
            _(
                "The file is not UTF-8 text (first bad byte at offset %(offset)s). "
                "Save it as UTF-8; in Excel choose 'CSV UTF-8'.",
                offset=exc.start,
            )
        ) from exc
    if not text.strip():
        raise UnreadableCatalog(_("The file is empty."))
    if _looks_like_json(filename, text):
        return _parse_json(text)
    return _parse_csv(text)


def _looks_like_json(filename: str, text: str) -> bool:
    name = filename.lower()
    if name.endswith(".json"):
        return True
    if name.endswith(".csv"):
        return False
    return text.lstrip().startswith(("[", "{"))


def _parse_json(text: str) -> ParsedCatalog:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableCatalog(
            _(
                "The file is not valid JSON: %(reason)s at line %(line)s, column %(column)s.",
                reason=exc.msg,
                line=exc.lineno,
                column=exc.colno,
            )
        ) from exc
    if not isinstance(document, list):
        raise UnreadableCatalog(
            _("A JSON catalog must be an array of objects, one per item: [{...}, {...}].")
        )
    parsed = ParsedCatalog()
    for index, record in enumerate(document):
        where = _("index %(index)s", index=index)
        if not isinstance(record, dict):
            parsed.errors.append(
                RowError(where, index, _("each entry must be an object with the item's fields"))
            )
            continue
        unknown = sorted(k for k in record if k not in COLUMNS)
        if unknown:
            parsed.errors.extend(
                RowError(
                    where,
                    index,
                    _(
                        "unknown field %(field)s (allowed: %(allowed)s)",
                        field=shown(str(name)),
                        allowed=", ".join(COLUMNS),
                    ),
                )
                for name in unknown
            )
            continue
        _check_row(parsed, where, index, record)
    return parsed


def _parse_csv(text: str) -> ParsedCatalog:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except csv.Error as exc:
        raise UnreadableCatalog(
            _("The CSV header cannot be read: %(reason)s", reason=str(exc))
        ) from exc
    columns = [name.strip().lower() for name in header]
    while columns and not columns[-1]:  # spreadsheets sometimes add empty columns at the end
        columns.pop()
    _check_header(columns)
    parsed = ParsedCatalog()
    while True:
        line = reader.line_num + 1  # where the next record starts (a quoted value may span lines)
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise UnreadableCatalog(
                _("line %(line)s cannot be read as CSV: %(reason)s", line=line, reason=str(exc))
            ) from exc
        if not any(v.strip() for v in values):
            continue  # blank line
        where = _("line %(line)s", line=line)
        if any(v.strip() for v in values[len(columns) :]):
            parsed.errors.append(
                RowError(
                    where,
                    line,
                    _(
                        "has %(got)s values but the header names %(expected)s columns; "
                        "put values that contain commas in double quotes",
                        got=len(values),
                        expected=len(columns),
                    ),
                )
            )
            continue
        record = {name: value for name, value in zip(columns, values, strict=False)}
        _check_row(parsed, where, line, record)
    return parsed


def _check_header(columns: list[str]) -> None:
    unknown = [c for c in columns if c not in COLUMNS]
    if unknown:
        raise UnreadableCatalog(
            _(
                "Unknown column(s) in the header: %(unknown)s. Allowed columns: %(allowed)s.",
                unknown=", ".join(unknown),
                allowed=", ".join(COLUMNS),
            )
        )
    doubled = sorted({c for c in columns if columns.count(c) > 1})
    if doubled:
        raise UnreadableCatalog(
            _("Column(s) named twice in the header: %(columns)s.", columns=", ".join(doubled))
        )
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise UnreadableCatalog(
            _(
                "The header lacks required column(s): %(missing)s. The first line must name "
                "the columns, e.g. %(example)s.",
                missing=", ".join(missing),
                example=",".join(REQUIRED),
            )
        )


def _check_row(parsed: ParsedCatalog, where: str, order: int, record: dict[str, Any]) -> None:
    fields, stock, problems = check_record(record)
    if problems:
        parsed.errors.extend(RowError(where, order, message) for message in problems)
        return
    parsed.rows.append(CatalogRow(where, order, fields, stock))
