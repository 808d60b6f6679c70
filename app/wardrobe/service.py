"""The catalog, and the owned items recommendations start from, with who may see them."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from app.access import audit
from app.access import service as access
from app.accounts.models import User
from app.core import images
from app.core.errors import Conflict, NotFound
from app.core.i18n import gettext as _
from app.core.types import utcnow
from app.store import service as stores
from app.store.models import Brand
from app.wardrobe import catalog_import
from app.wardrobe import repository as repo
from app.wardrobe.catalog_import import CatalogRow, ImportReport, RowError, UnreadableCatalog
from app.wardrobe.closet import repository as closet_repo
from app.wardrobe.closet import sync as closet_sync
from app.wardrobe.models import CatalogItem, CatalogStock, OwnedItem, OwnedItemSource
from app.wardrobe.schemas import OwnedItemIn

PHOTO_DIR = Path("uploads") / "wardrobe"  # under settings.var_dir
OWNED_SHOWN = 60


async def items_by_id(session: AsyncSession, *, ids: set[int]) -> dict[int, CatalogItem]:
    """Catalog items keyed by id."""
    return {item.id: item for item in await repo.items_by_ids(session, ids) if item.id is not None}


async def item_by_sku(session: AsyncSession, *, sku: str) -> CatalogItem:
    """One catalog item by SKU, or a 404."""
    item = await repo.item_by_sku(session, sku)
    if item is None:
        raise NotFound(_("There is no catalog item with that code."))
    return item


# ---------------------------------------------------------------- owned items


async def may_see_wardrobe(session: AsyncSession, *, viewer: User, customer_id: int) -> bool:
    """Whoever the access policy lets see the customer (app/access/policy.py)."""
    decision = await access.decide(session, viewer=viewer, customer_id=customer_id)
    return decision.visible


async def owned_items(
    session: AsyncSession, *, viewer: User, customer_id: int, limit: int = OWNED_SHOWN
) -> list[OwnedItem]:
    """The customer's active owned items, newest first, for someone who may see them.

    Staff never get a hidden item; the customer gets all of theirs. Retired items are left out.
    Purchases are synced in first.
    """
    if not await may_see_wardrobe(session, viewer=viewer, customer_id=customer_id):
        raise NotFound(_("There is no such customer."))
    await closet_sync.sync_purchases(session, customer_id=customer_id)
    return await closet_repo.owned_of(
        session,
        customer_id,
        include_hidden=viewer.id == customer_id,
        active_only=True,
        limit=limit,
    )


async def photo_of(session: AsyncSession, *, viewer: User, item_id: int, var_dir: Path) -> Path:
    """The stored photo of an owned item, for someone who may see the customer's wardrobe."""
    item = await session.get(OwnedItem, item_id)
    if (
        item is None
        or item.photo_path is None
        or (item.hidden and viewer.id != item.customer_id)  # hidden: the customer's alone
        or not await may_see_wardrobe(session, viewer=viewer, customer_id=item.customer_id)
    ):
        raise NotFound(_("There is no such photo."))
    path = await asyncio.to_thread(_stored_file, var_dir, item.photo_path)
    if path is None:
        raise NotFound(_("There is no such photo."))
    await access.record_read(
        session,
        viewer=viewer,
        customer_id=item.customer_id,
        action=audit.Action.customer_photo_read,
        fields=["photo"],
        detail=f"owned item {item_id}",
    )
    return path


def _stored_file(var_dir: Path, relative: str) -> Path | None:
    path = (var_dir / relative).resolve()
    return path if path.is_relative_to(var_dir.resolve()) and path.is_file() else None


async def add_closet_snapshot(
    session: AsyncSession,
    *,
    customer_id: int,
    appointment_id: int,
    author: User,
    data: OwnedItemIn,
    image: bytes,
    var_dir: Path,
) -> OwnedItem:
    """Keep a photo of something the customer showed on the call as one of their owned items.

    The image is checked and stripped of its metadata (EXIF: location, device) before anything is
    stored; a file that is not an image stores nothing.
    """
    # Decoding and re-encoding is CPU work: keep it off the event loop.
    clean = await asyncio.to_thread(images.inspect_and_clean, image)
    relative = PHOTO_DIR / f"{secrets.token_urlsafe(18)}.{clean.extension}"
    item = OwnedItem(
        customer_id=customer_id,
        label=data.label,
        slot=data.slot,
        colour_name=data.colour_name,
        colour_rgb=data.colour_rgb,
        photo_path=relative.as_posix(),
        source=OwnedItemSource.closet_snapshot,
        appointment_id=appointment_id,
        created_by_id=author.id,  # type: ignore[arg-type]
    )
    target = var_dir / relative
    await asyncio.to_thread(_write_new, target, clean.data)
    try:
        session.add(item)
        await session.flush()
    except BaseException:
        # The row is not stored, so neither is the file. (Should the commit itself fail later,
        # the file stays behind unreferenced: harmless, never served.)
        with contextlib.suppress(OSError):
            target.unlink()
        raise
    return item


def _write_new(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("xb") as fh:  # never overwrite (the name is random, but be sure)
        fh.write(data)


# ------------------------------------------------------- catalog import and stock (issue 5)
# Functions other parts call:
#   stock_for(session, item_ids=..., sizes=...) -> {item_id: ItemStock}: where those sizes are in
#     stock (stores by id, and/or online); an item with none is present and falsy.
#   reserve_stock(session, item_id=..., store_id=..., size=...): take one unit or raise
#     OutOfStock (a Conflict, 409). store_id None means the online stock.
#   release_stock(session, item_id=..., store_id=..., size=...): give that unit back.
#   image_src(item): the item's photo URL, or its generated swatch.
#   import_catalog(session, data=..., filename=..., brand=...) -> ImportReport.


class OutOfStock(Conflict):
    code = "out_of_stock"


@dataclass(frozen=True)
class ItemStock:
    """Where one item has at least one unit in the sizes asked about."""

    online: tuple[str, ...] = ()  # sizes in stock in the web shop
    stores: dict[int, tuple[str, ...]] = field(default_factory=dict)  # store id -> sizes

    def __bool__(self) -> bool:
        return bool(self.online or self.stores)

    @property
    def sizes(self) -> frozenset[str]:
        """The sizes in stock anywhere: online or in any store."""
        return frozenset(self.online).union(*self.stores.values())

    def __iter__(self) -> Iterator[str]:
        """Iterating gives those sizes too (sorted)."""
        return iter(sorted(self.sizes))


def image_src(item: CatalogItem) -> str:
    """The item's photo, or its generated swatch when it has none."""
    return item.image_url or f"/catalog/{item.sku}/swatch.svg"


async def stock_for(
    session: AsyncSession, *, item_ids: Iterable[int], sizes: Iterable[str] | None
) -> dict[int, ItemStock]:
    """For each item, the stores and/or online where any of ``sizes`` (None: any) is in stock."""
    ids = sorted(set(item_ids))
    if sizes is None:
        wanted = None
    elif isinstance(sizes, list | tuple):  # keep the caller's order (the customer's size first)
        wanted = list(dict.fromkeys(sizes))
    else:
        wanted = sorted(set(sizes))
    rank = {size: n for n, size in enumerate(wanted or [])}
    online: dict[int, list[str]] = defaultdict(list)
    at: dict[int, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    for item_id, store_id, size in await repo.in_stock(session, ids, wanted):
        (online[item_id] if store_id is None else at[item_id][store_id]).append(size)

    def ordered(found: list[str]) -> tuple[str, ...]:
        return tuple(sorted(found, key=lambda s: (rank.get(s, len(rank)), s)))

    return {
        i: ItemStock(
            online=ordered(online.get(i, [])),
            stores={store: ordered(found) for store, found in sorted(at.get(i, {}).items())},
        )
        for i in ids
    }


async def reserve_stock(
    session: AsyncSession, *, item_id: int, store_id: int | None, size: str
) -> None:
    """Take one unit of a size at a store (None: online), or raise OutOfStock.

    One conditional UPDATE decides, so two customers can never both get the last unit. Call it
    in a write transaction (WriteSessionDep, write_transaction) so SQLite takes its write lock
    before anything else; PostgreSQL needs nothing more than the row lock the UPDATE takes.
    """
    if not await repo.take_one(session, item_id, store_id, size, utcnow()):
        raise OutOfStock(_("Sorry, size %(size)s is out of stock there.", size=size))
    await repo.bump_catalog_version(session, catalog=False)


async def release_stock(
    session: AsyncSession, *, item_id: int, store_id: int | None, size: str
) -> None:
    """Give back one unit taken by reserve_stock (a reservation cancelled or expired)."""
    if not await repo.put_back_one(session, item_id, store_id, size, utcnow()):
        session.add(CatalogStock(catalog_item_id=item_id, store_id=store_id, size=size, quantity=1))
        await session.flush()
    await repo.bump_catalog_version(session, catalog=False)


async def catalog_changed(session: AsyncSession) -> None:
    """Tell every process's in-memory catalog (recommendations) that items or stock changed.

    Call it in the transaction that changes catalog items or stock other than through
    import_catalog, reserve_stock and release_stock (which call it themselves)."""
    await repo.bump_catalog_version(session, catalog=True)


async def import_catalog(
    session: AsyncSession, *, data: bytes, filename: str, brand: str | None
) -> ImportReport:
    """Create or update one brand's catalog items and stock from a CSV or JSON file.

    Items are matched by SKU, so a rerun updates rather than duplicates. Rows with a problem are
    reported and left out; the rest import. Raises UnreadableCatalog when the file cannot be
    read as a catalog at all or the brand is unknown (nothing is written then).
    """
    parsed = catalog_import.parse_catalog(data, filename=filename)
    owner = await _import_brand(session, brand)
    assert owner.id is not None
    report = ImportReport(errors=list(parsed.errors))
    all_stores = await stores.list_stores(session)
    store_ids = {s.slug: s.id for s in all_stores if s.brand_id == owner.id}
    existing = {i.sku: i for i in await repo.items_by_skus(session, [r.sku for r in parsed.rows])}
    rows = _importable(parsed.rows, owner, existing, store_ids, {s.slug for s in all_stores})
    report.errors.extend(error for row in rows.values() for error in row)
    valid = [r for r in parsed.rows if r.order in rows and not rows[r.order]]

    stock = await repo.stock_rows_of(
        session, [i.id for i in existing.values() if i.id is not None and i.brand_id == owner.id]
    )
    stock_by_item: dict[int, list[CatalogStock]] = defaultdict(list)
    for line in stock:
        stock_by_item[line.catalog_item_id].append(line)
    outcomes: list[tuple[CatalogRow, CatalogItem, bool]] = []
    for row in valid:
        item = existing.get(row.sku)
        if item is None:
            item = CatalogItem(brand_id=owner.id, **row.fields)
            session.add(item)
            report.created += 1
            outcomes.append((row, item, True))
        else:
            outcomes.append((row, item, _assign(item, row.fields)))
    await session.flush()  # ids for the new items' stock
    now = utcnow()
    for row, item, changed in outcomes:
        assert item.id is not None
        stocked = _apply_stock(session, item, row.stock, store_ids, stock_by_item[item.id], now)
        if item.sku in existing:
            if changed or stocked:
                report.updated += 1
            else:
                report.unchanged += 1
    await session.flush()
    if report.created or report.updated:
        await repo.bump_catalog_version(session, catalog=True)
    return report


async def _import_brand(session: AsyncSession, slug: str | None) -> Brand:
    brands = await repo.brands(session)
    known = ", ".join(b.slug for b in brands)
    if slug is None:
        if len(brands) == 1:
            return brands[0]
        if not brands:
            raise UnreadableCatalog(
                _("There is no brand yet; create one (or load the demo) first.")
            )
        raise UnreadableCatalog(
            _(
                "There are several brands: say which one this catalog is for (%(brands)s).",
                brands=known,
            )
        )
    for candidate in brands:
        if candidate.slug == slug.strip().lower():
            return candidate
    raise UnreadableCatalog(
        _(
            "There is no brand %(brand)s (known brands: %(brands)s).",
            brand=slug,
            brands=known or "-",
        )
    )


def _importable(
    rows: list[CatalogRow],
    owner: Brand,
    existing: dict[str, CatalogItem],
    store_ids: dict[str, int | None],
    every_store: set[str],
) -> dict[int, list[RowError]]:
    """The checks that need the database: per row (by its order), the problems found."""
    seen: dict[str, str] = {}
    problems: dict[int, list[RowError]] = {}
    for row in rows:
        found: list[str] = []
        if row.sku in seen:
            found.append(_("sku %(sku)s is already on %(where)s", sku=row.sku, where=seen[row.sku]))
        else:
            seen[row.sku] = row.where
        other = existing.get(row.sku)
        if other is not None and other.brand_id != owner.id:
            found.append(
                _(
                    "sku %(sku)s belongs to another brand; SKUs are unique across brands",
                    sku=row.sku,
                )
            )
        for location in row.stock or {}:
            if location == catalog_import.ONLINE or location in store_ids:
                continue
            if location in every_store:
                found.append(_("store %(store)s belongs to another brand", store=location))
            else:
                found.append(
                    _(
                        "there is no store %(store)s (use online or one of: %(stores)s)",
                        store=location,
                        stores=", ".join(sorted(store_ids)) or "-",
                    )
                )
        problems[row.order] = [RowError(row.where, row.order, message) for message in found]
    return problems


def _assign(item: CatalogItem, fields: dict[str, Any]) -> bool:
    changed = False
    for name, value in fields.items():
        if getattr(item, name) != value:
            setattr(item, name, value)
            changed = True
    return changed


def _apply_stock(
    session: AsyncSession,
    item: CatalogItem,
    stock: dict[str, dict[str, int]] | None,
    store_ids: dict[str, int | None],
    lines: list[CatalogStock],
    now: Any,
) -> bool:
    """Set the quantities the row names; sizes the item no longer has drop to 0."""
    wanted: dict[tuple[int | None, str], int] = {}
    for location, quantities in (stock or {}).items():
        store_id = None if location == catalog_import.ONLINE else store_ids[location]
        for size, quantity in quantities.items():
            wanted[(store_id, size)] = quantity
    for line in lines:
        if line.size not in item.sizes:
            wanted.setdefault((line.store_id, line.size), 0)
    current = {(line.store_id, line.size): line for line in lines}
    changed = False
    for (store_id, size), quantity in wanted.items():
        line = current.get((store_id, size))
        if line is not None and line.quantity != quantity:
            line.quantity, line.updated_at = quantity, now
            changed = True
        elif line is None and quantity > 0:
            session.add(
                CatalogStock(
                    catalog_item_id=item.id, store_id=store_id, size=size, quantity=quantity
                )
            )
            changed = True
    return changed


# ------------------------------------------------------- end catalog import and stock
