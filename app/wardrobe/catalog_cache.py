"""The catalog as recommendations read it, kept ready in each process until it changes.

Reading 50,000 catalog items and their stock and indexing them for the recommender takes about
a second; scoring them for one customer takes ~40 ms. So each process keeps one snapshot (the
items' display fields, the recommender's ``CatalogIndex``, per item the sizes in stock) and checks
per request, with one primary-key read, whether the ``catalog_version`` counters moved. Imports
bump both counters and stock changes (reservations, their release) the stock counter, in the
transaction that makes the change, so every process on the database — SQLite or PostgreSQL,
with or without Redis — sees a change as soon as it commits: a moved stock counter re-reads the
stock only, a moved catalog counter everything.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from sqlmodel.ext.asyncio.session import AsyncSession

from app.wardrobe import recommender
from app.wardrobe import repository as repo

# Catalog items enter the recommender under this offset, so their ids never meet an owned item's.
CATALOG_OFFSET = 10**12
ALLOWED_KEPT = 64  # size/price combinations remembered per snapshot


@dataclass(frozen=True)
class CatalogRecord:
    """What a recommendation shows of a catalog item."""

    id: int
    sku: str
    name_ja: str
    name_en: str
    category: str
    slot: str
    colour_name: str
    colour_rgb: str
    price_yen: int
    image_url: str | None

    def name(self, locale: str) -> str:
        return self.name_ja if locale == "ja" else self.name_en


@dataclass(frozen=True)
class Snapshot:
    """One version of the active catalog and its stock, aligned by position."""

    catalog_version: int
    stock_version: int
    records: tuple[CatalogRecord, ...]
    by_id: Mapping[int, CatalogRecord]
    index: recommender.CatalogIndex
    garment_ids: np.ndarray  # the ids the recommender knows the items by (catalog id + offset)
    price: np.ndarray
    slot: np.ndarray  # slot names
    size_column: Mapping[str, int]
    in_stock: np.ndarray  # (items, sizes) bool: a unit of that size somewhere
    slot_rows: Mapping[str, np.ndarray]  # slot -> positions of its items
    _allowed: dict[tuple[object, ...], np.ndarray] = field(default_factory=dict, compare=False)

    def allowed(
        self,
        *,
        sizes: Mapping[str, Iterable[str]],
        min_price: int | None = None,
        max_price: int | None = None,
    ) -> np.ndarray:
        """Recommender ids of the items in stock in the sizes wanted for their slot, in range.

        Customers share sizes, so the last few answers are kept (the snapshot never changes)."""
        wanted = tuple(sorted((slot, tuple(sorted(set(s)))) for slot, s in sizes.items()))
        key = (wanted, min_price, max_price)
        found = self._allowed.get(key)
        if found is not None:
            return found
        keep = np.zeros(len(self.records), dtype=bool)
        for slot, want in wanted:
            columns = [self.size_column[s] for s in want if s in self.size_column]
            rows = self.slot_rows.get(slot)
            if columns and rows is not None and rows.size:
                keep[rows] = self.in_stock[rows][:, columns].any(axis=1)
        if min_price is not None:
            keep &= self.price >= min_price
        if max_price is not None:
            keep &= self.price <= max_price
        found = self.garment_ids[keep]
        if len(self._allowed) >= ALLOWED_KEPT:
            self._allowed.pop(next(iter(self._allowed)))
        self._allowed[key] = found
        return found

    def record(self, garment_id: int) -> CatalogRecord:
        return self.by_id[garment_id - CATALOG_OFFSET]


def _garment(row: tuple) -> recommender.Garment:  # type: ignore[type-arg]
    (item_id, _sku, _ja, _en, category, slot, colour, rgb, second, pattern, formality) = row[:11]
    seasons, tags = row[11], row[12]
    return recommender.Garment(
        id=CATALOG_OFFSET + item_id,
        slot=slot,
        colour_rgb=rgb,
        secondary_rgb=second,
        pattern=pattern,
        formality=formality,
        seasons=frozenset(seasons or ()),
        style_tags=frozenset(tags or ()),
        colour_name=colour,
        category=category,
    )


def _stock_matrix(
    records: tuple[CatalogRecord, ...], rows: list[tuple[int, str]]
) -> tuple[dict[str, int], np.ndarray]:
    position = {r.id: k for k, r in enumerate(records)}
    columns = {size: k for k, size in enumerate(sorted({s for _, s in rows}))}
    matrix = np.zeros((len(records), max(1, len(columns))), dtype=bool)
    for item_id, size in rows:
        at = position.get(item_id)
        if at is not None:
            matrix[at, columns[size]] = True
    return columns, matrix


def _build(
    versions: tuple[int, int],
    rows: list[tuple],
    stock: list[tuple[int, str]],  # type: ignore[type-arg]
) -> Snapshot:
    """CPU work (run in a thread): the records, the recommender's index, the stock matrix."""
    records = tuple(
        CatalogRecord(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[13], r[14]) for r in rows
    )
    index = recommender.CatalogIndex([_garment(r) for r in rows])
    columns, matrix = _stock_matrix(records, stock)
    slots = np.array([r.slot for r in records], dtype=object)
    return Snapshot(
        catalog_version=versions[0],
        stock_version=versions[1],
        records=records,
        by_id={r.id: r for r in records},
        index=index,
        garment_ids=np.array([CATALOG_OFFSET + r.id for r in records], dtype=np.int64),
        price=np.array([r.price_yen for r in records], dtype=np.int64),
        slot=slots,
        size_column=columns,
        in_stock=matrix,
        slot_rows={s: np.flatnonzero(slots == s) for s in set(slots.tolist())},
    )


def _restock(
    snapshot: Snapshot, versions: tuple[int, int], stock: list[tuple[int, str]]
) -> Snapshot:
    columns, matrix = _stock_matrix(snapshot.records, stock)
    return Snapshot(
        **{
            **snapshot.__dict__,
            "stock_version": versions[1],
            "size_column": columns,
            "in_stock": matrix,
            "_allowed": {},
        }
    )


class CatalogCache:
    """One process's snapshot; ``get`` answers the current one, re-reading what moved."""

    def __init__(self) -> None:
        self._snapshot: Snapshot | None = None
        self._lock = asyncio.Lock()
        self.loads = 0  # full reads, for tests and the benchmark to tell hits from misses
        self.restocks = 0

    async def get(self, session: AsyncSession) -> Snapshot:
        versions = await repo.catalog_versions(session)
        current = self._snapshot
        if current is not None and (current.catalog_version, current.stock_version) == versions:
            return current
        async with self._lock:  # one reload at a time; the others wait and reuse it
            current = self._snapshot
            if (
                current is not None
                and (
                    current.catalog_version,
                    current.stock_version,
                )
                == versions
            ):
                return current
            stock = await repo.sizes_in_stock(session)
            if current is not None and current.catalog_version == versions[0]:
                fresh = await asyncio.to_thread(_restock, current, versions, stock)
                self.restocks += 1
            else:
                rows = await repo.active_catalog_rows(session)
                fresh = await asyncio.to_thread(_build, versions, rows, stock)
                self.loads += 1
            self._snapshot = fresh
            return fresh


def cache_of(state: object) -> CatalogCache:
    """The app's cache (``app.state``), made on first use."""
    cache = getattr(state, "catalog_cache", None)
    if cache is None:
        cache = CatalogCache()
        state.catalog_cache = cache  # type: ignore[attr-defined]
    return cache
