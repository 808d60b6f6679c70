"""Every query of the wardrobe domain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CursorResult, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.store.models import Brand
from app.wardrobe.models import CatalogItem, CatalogStock, CatalogVersion


async def items_by_ids(session: AsyncSession, ids: set[int]) -> list[CatalogItem]:
    if not ids:
        return []
    statement = select(CatalogItem).where(col(CatalogItem.id).in_(ids))
    return list((await session.exec(statement)).all())


async def item_by_sku(session: AsyncSession, sku: str) -> CatalogItem | None:
    return (await session.exec(select(CatalogItem).where(CatalogItem.sku == sku))).first()


# ------------------------------------------------------- catalog import and stock (issue 5)

_CHUNK = 1000  # ids per IN (...) list: well inside SQLite's and asyncpg's parameter limits
_WHOLE_TABLE = 5000  # past this many ids, reading every in-stock row is cheaper than IN lists


# Read-only: the import names its brand by slug, and the store domain has no query for that.
async def brands(session: AsyncSession) -> list[Brand]:
    return list((await session.exec(select(Brand).order_by(col(Brand.slug)))).all())


async def items_by_skus(session: AsyncSession, skus: list[str]) -> list[CatalogItem]:
    found: list[CatalogItem] = []
    for start in range(0, len(skus), _CHUNK):
        chunk = skus[start : start + _CHUNK]
        statement = select(CatalogItem).where(col(CatalogItem.sku).in_(chunk))
        found.extend((await session.exec(statement)).all())
    return found


async def stock_rows_of(session: AsyncSession, item_ids: list[int]) -> list[CatalogStock]:
    found: list[CatalogStock] = []
    for start in range(0, len(item_ids), _CHUNK):
        chunk = item_ids[start : start + _CHUNK]
        statement = select(CatalogStock).where(col(CatalogStock.catalog_item_id).in_(chunk))
        found.extend((await session.exec(statement)).all())
    return found


async def in_stock(
    session: AsyncSession, item_ids: list[int], sizes: list[str] | None
) -> list[tuple[int, int | None, str]]:
    """(item, store or None for online, size) for every row with at least one unit."""
    base = select(CatalogStock.catalog_item_id, CatalogStock.store_id, CatalogStock.size).where(
        col(CatalogStock.quantity) > 0
    )
    if sizes is not None:
        base = base.where(col(CatalogStock.size).in_(sizes))
    if len(item_ids) > _WHOLE_TABLE:
        wanted = set(item_ids)
        return [tuple(r) for r in (await session.exec(base)).all() if r[0] in wanted]  # type: ignore[misc]
    rows: list[tuple[int, int | None, str]] = []
    for start in range(0, len(item_ids), _CHUNK):
        chunk = item_ids[start : start + _CHUNK]
        statement = base.where(col(CatalogStock.catalog_item_id).in_(chunk))
        rows.extend(tuple(r) for r in (await session.exec(statement)).all())  # type: ignore[misc]
    return rows


def _stock_row(item_id: int, store_id: int | None, size: str) -> list:  # type: ignore[type-arg]
    where_store = (
        col(CatalogStock.store_id).is_(None)
        if store_id is None
        else col(CatalogStock.store_id) == store_id
    )
    return [
        col(CatalogStock.catalog_item_id) == item_id,
        where_store,
        col(CatalogStock.size) == size,
    ]


async def take_one(
    session: AsyncSession, item_id: int, store_id: int | None, size: str, now: datetime
) -> bool:
    """Decrement one unit if there is one; False when there was none.

    One conditional UPDATE: on PostgreSQL a concurrent taker waits for the row lock and then
    re-checks ``quantity > 0`` against the committed value, so the last unit goes only once.
    """
    statement = (
        update(CatalogStock)
        .where(*_stock_row(item_id, store_id, size), col(CatalogStock.quantity) > 0)
        .values(quantity=col(CatalogStock.quantity) - 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    result: CursorResult = await session.exec(statement)  # type: ignore[call-overload,type-arg]
    return result.rowcount == 1


async def put_back_one(
    session: AsyncSession, item_id: int, store_id: int | None, size: str, now: datetime
) -> bool:
    """Increment one unit; False when there is no stock row to add it to."""
    statement = (
        update(CatalogStock)
        .where(*_stock_row(item_id, store_id, size))
        .values(quantity=col(CatalogStock.quantity) + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    result: CursorResult = await session.exec(statement)  # type: ignore[call-overload,type-arg]
    return result.rowcount == 1


# ------------------------------------------------------- end catalog import and stock

# ------------------------------------------------------- the catalog kept in memory (issue 12)


async def catalog_versions(session: AsyncSession) -> tuple[int, int]:
    """(catalog, stock) counters; (0, 0) before anything was counted."""
    row = (
        await session.exec(
            select(CatalogVersion.catalog, CatalogVersion.stock).where(CatalogVersion.id == 1)
        )
    ).first()
    return (int(row[0]), int(row[1])) if row is not None else (0, 0)


async def bump_catalog_version(session: AsyncSession, *, catalog: bool) -> None:
    """Move the stock counter (and the catalog counter too when ``catalog``), in the caller's
    transaction: other processes see the change exactly when the data they describe commits."""
    values = {"stock": col(CatalogVersion.stock) + 1}
    if catalog:
        values["catalog"] = col(CatalogVersion.catalog) + 1
    statement = (
        update(CatalogVersion)
        .where(col(CatalogVersion.id) == 1)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    result: CursorResult = await session.exec(statement)  # type: ignore[call-overload,type-arg]
    if result.rowcount == 0:  # a database whose row was deleted by hand
        session.add(CatalogVersion(id=1, catalog=1, stock=1))
        await session.flush()


CATALOG_COLUMNS = (
    CatalogItem.id,
    CatalogItem.sku,
    CatalogItem.name_ja,
    CatalogItem.name_en,
    CatalogItem.category,
    CatalogItem.slot,
    CatalogItem.colour_name,
    CatalogItem.colour_rgb,
    CatalogItem.secondary_colour_rgb,
    CatalogItem.pattern,
    CatalogItem.formality,
    CatalogItem.seasons,
    CatalogItem.style_tags,
    CatalogItem.price_yen,
    CatalogItem.image_url,
)


async def active_catalog_rows(session: AsyncSession) -> list[tuple]:  # type: ignore[type-arg]
    """The columns recommendations read, for every active item, by id (plain rows, no ORM)."""
    statement = (
        select(*CATALOG_COLUMNS)
        .where(col(CatalogItem.is_active).is_(True))
        .order_by(col(CatalogItem.id))
    )
    return [tuple(r) for r in (await session.exec(statement)).all()]  # type: ignore[call-overload]


async def sizes_in_stock(session: AsyncSession) -> list[tuple[int, str]]:
    """(item, size) for every size with a unit anywhere (a store or online)."""
    statement = (
        select(CatalogStock.catalog_item_id, CatalogStock.size)
        .where(col(CatalogStock.quantity) > 0)
        .distinct()
    )
    return [(int(i), str(s)) for i, s in (await session.exec(statement)).all()]


# ------------------------------------------------------- end the catalog kept in memory
