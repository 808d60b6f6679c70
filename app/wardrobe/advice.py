"""Recommendations for one customer: their active wardrobe and the catalog in stock in their sizes
go into the pure recommender; what comes out is explained with their own items' names and pictures.

The catalog side (items, the recommender's index, stock) comes from the process's
``CatalogCache``: per request only the customer's own items are read.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from sqlmodel.ext.asyncio.session import AsyncSession

from app.access import audit
from app.access import service as access
from app.accounts.models import User
from app.core.errors import InvalidInput, NotFound
from app.core.i18n import format_yen
from app.core.i18n import gettext as _
from app.customer import service as customers
from app.customer.models import CustomerProfile
from app.wardrobe import advice_repository as repo
from app.wardrobe import advice_text, recommender
from app.wardrobe import service as wardrobe
from app.wardrobe.catalog_cache import CATALOG_OFFSET, CatalogCache, CatalogRecord, Snapshot
from app.wardrobe.closet import sync as closet_sync
from app.wardrobe.models import CatalogItem

SEASONS = ("spring", "summer", "autumn", "winter")
Season = Literal["spring", "summer", "autumn", "winter"]
MAX_LIMIT = 50
# An owned item as advice_repository.active_owned reads it: a row of OwnedItem's columns.
OwnedRow = Any
PAIRS_SHOWN = 12  # owned pieces listed per recommendation (most outfits first); the count is whole


@dataclass(frozen=True)
class Filters:
    limit: int = 10
    max_price: int | None = None
    min_price: int | None = None
    season: str | None = None

    def check(self) -> None:
        if not 1 <= self.limit <= MAX_LIMIT:
            raise InvalidInput(_("limit must be between 1 and %(n)s.", n=MAX_LIMIT), field="limit")
        if self.season is not None and self.season not in SEASONS:
            raise InvalidInput(
                _("season must be spring, summer, autumn or winter."), field="season"
            )
        for name, value in (("max_price", self.max_price), ("min_price", self.min_price)):
            if value is not None and value < 0:
                raise InvalidInput(_("Prices cannot be negative."), field=name)
        if (
            self.max_price is not None
            and self.min_price is not None
            and self.min_price > self.max_price
        ):
            raise InvalidInput(_("The lowest price is above the highest."), field="min_price")


def _sizes_for(profile: CustomerProfile | None, slot: str) -> set[str]:
    """The customer's sizes that fit an item of this slot (free-size items fit everyone)."""
    sizes = {"F"}
    if profile is None:
        return sizes
    if slot in ("top", "outerwear", "one_piece") and profile.size_top:
        sizes.add(profile.size_top)
    if slot == "bottom" and profile.size_bottom:
        sizes.add(profile.size_bottom)
    if slot == "shoes" and profile.shoe_size_cm:
        sizes.add(f"{profile.shoe_size_cm:.1f}")
    return sizes


# A garment is made (and its colour checked) once per distinct description, not per request: a
# wardrobe of 300 is read on every request and rarely changes.
@lru_cache(maxsize=50_000)
def _garment(
    garment_id: int,
    slot: str,
    rgb: str | None,
    second: str | None,
    pattern: str | None,
    formality: int | None,
    seasons: tuple[str, ...],
    tags: tuple[str, ...],
    colour_name: str | None,
    category: str | None,
) -> recommender.Garment:
    return recommender.Garment(
        id=garment_id,
        slot=slot,
        colour_rgb=rgb,
        secondary_rgb=second,
        pattern=pattern,
        formality=formality,
        seasons=frozenset(seasons),
        style_tags=frozenset(tags),
        colour_name=colour_name,
        category=category,
    )


def _garment_of_owned(owned: OwnedRow, source: CatalogItem | None) -> recommender.Garment | None:
    if source is not None:  # a purchase: described as the catalog describes it
        return _garment(
            owned.id,
            source.slot,
            source.colour_rgb,
            source.secondary_colour_rgb,
            source.pattern,
            source.formality,
            tuple(source.seasons),
            tuple(source.style_tags),
            source.colour_name,
            source.category,
        )
    if not owned.slot:
        return None  # a closet photo nobody has sorted into a slot yet cannot be in an outfit
    return _garment(
        owned.id,
        owned.slot,
        owned.colour_rgb,
        owned.secondary_colour_rgb,
        owned.pattern,
        owned.formality,
        tuple(owned.seasons or ()),
        (),
        owned.colour_name,
        owned.category,
    )


def _catalog_view(item: CatalogRecord, locale: str) -> dict[str, Any]:
    return {
        "kind": "catalog",
        "id": item.id,
        "sku": item.sku,
        "label": item.name(locale),
        "slot": item.slot,
        "colour_code": item.colour_name,
        "colour_name": advice_text.colour_name(item.colour_name, locale),
        "price_yen": item.price_yen,
        "price": format_yen(item.price_yen, locale),
        "image_url": item.image_url or f"/catalog/{item.sku}/swatch.svg",
    }


def _owned_view(owned: OwnedRow, source: CatalogItem | None, locale: str) -> dict[str, Any]:
    if owned.photo_path:
        image = f"/api/v1/owned-items/{owned.id}/photo"
    elif source is not None:
        image = wardrobe.image_src(source)
    else:
        image = "/static/img/garment.svg"
    return {
        "kind": "owned",
        "id": owned.id,
        "label": owned.label,
        "slot": owned.slot,
        "colour_code": owned.colour_name,
        "colour_name": advice_text.colour_name(owned.colour_name, locale)
        if owned.colour_name
        else None,
        "image_url": image,
    }


@dataclass
class _Wardrobe:
    owned_rows: list[OwnedRow]
    sources: dict[int, CatalogItem]
    garments: list[recommender.Garment]
    sizes: dict[str, set[str]]

    def __post_init__(self) -> None:
        self._rows = {o.id: o for o in self.owned_rows}
        self._views: dict[int, dict[str, Any]] = {}

    def view(self, owned_id: int, locale: str) -> dict[str, Any]:
        if owned_id not in self._views:
            row = self._rows[owned_id]
            self._views[owned_id] = _owned_view(
                row, self.sources.get(row.catalog_item_id or 0), locale
            )
        return self._views[owned_id]


async def _wardrobe_of(session: AsyncSession, *, viewer: User, customer_id: int) -> _Wardrobe:
    if not await wardrobe.may_see_wardrobe(session, viewer=viewer, customer_id=customer_id):
        raise NotFound(_("There is no such customer."))
    await closet_sync.sync_purchases(session, customer_id=customer_id)
    # Hidden items are the customer's own business: they never shape what staff are shown.
    owned_rows = await repo.active_owned(
        session, customer_id, include_hidden=viewer.id == customer_id
    )
    sources = await wardrobe.items_by_id(
        session, ids={o.catalog_item_id for o in owned_rows if o.catalog_item_id}
    )
    garments = [
        g
        for o in owned_rows
        if (g := _garment_of_owned(o, sources.get(o.catalog_item_id or 0))) is not None
    ]
    # Access was checked above (may_see_wardrobe); this only reads the sizes.
    _customer, profile = await customers.load_customer(
        session, viewer=viewer, customer_id=customer_id
    )
    sizes = {slot: _sizes_for(profile, slot) for slot in recommender.SLOTS}
    return _Wardrobe(owned_rows, sources, garments, sizes)


def _compute(
    snapshot: Snapshot, mine: _Wardrobe, filters: Filters, locale: str
) -> tuple[list[recommender.Recommendation], list[advice_text.Explained]]:
    """The matrix work and the sentences (run in a thread: CPU, not I/O)."""
    from app.core.i18n import set_locale

    set_locale(locale)  # the thread has its own context
    allowed = snapshot.allowed(
        sizes=mine.sizes, min_price=filters.min_price, max_price=filters.max_price
    )
    recs = recommender.recommend(
        mine.garments,
        snapshot.index,
        limit=filters.limit,
        season=filters.season,
        allowed_ids=allowed,
    )
    owned = {o.id: _piece_of_owned(o, mine.sources) for o in mine.owned_rows if o.id is not None}
    candidates = {
        r.candidate_id: _piece_of_record(r.candidate_id, snapshot.record(r.candidate_id), locale)
        for r in recs
    }
    return recs, advice_text.explain_all(recs, candidates, owned)


def _piece_of_owned(o: OwnedRow, sources: dict[int, CatalogItem]) -> advice_text.Piece:
    source = sources.get(o.catalog_item_id or 0)
    return advice_text.Piece(
        id=o.id,  # type: ignore[arg-type]
        label=o.label,
        slot=o.slot or (source.slot if source else None),
        colour=o.colour_name or (source.colour_name if source else None),
    )


def _piece_of_record(garment_id: int, item: CatalogRecord, locale: str) -> advice_text.Piece:
    return advice_text.Piece(garment_id, item.name(locale), item.slot, item.colour_name)


async def _recommend(
    session: AsyncSession,
    *,
    viewer: User,
    customer_id: int,
    filters: Filters,
    locale: str,
    cache: CatalogCache,
) -> tuple[_Wardrobe, Snapshot, list[recommender.Recommendation], list[advice_text.Explained]]:
    filters.check()
    mine = await _wardrobe_of(session, viewer=viewer, customer_id=customer_id)
    snapshot = await cache.get(session)
    # Matrix work: off the event loop, like image processing.
    recs, texts = await asyncio.to_thread(_compute, snapshot, mine, filters, locale)
    return mine, snapshot, recs, texts


async def recommendations_for(
    session: AsyncSession,
    *,
    viewer: User,
    customer_id: int,
    filters: Filters,
    locale: str,
    cache: CatalogCache,
) -> dict[str, Any]:
    """Catalog items that unlock the most new outfits with what the customer owns, explained."""
    mine, snapshot, recs, texts = await _recommend(
        session, viewer=viewer, customer_id=customer_id, filters=filters, locale=locale, cache=cache
    )

    def view_of(garment_id: int) -> dict[str, Any]:
        if garment_id >= CATALOG_OFFSET:
            return _catalog_view(snapshot.record(garment_id), locale)
        return mine.view(garment_id, locale)

    data = []
    for rec, text in zip(recs, texts, strict=True):
        data.append(
            {
                "item": view_of(rec.candidate_id),
                "outfits_unlocked": rec.outfits_unlocked,
                "wakes_up": [view_of(i) for i in rec.wakes_up],
                "pairs_with": [view_of(i) for i in rec.pairs_with[:PAIRS_SHOWN]],
                "pairs_with_count": len(rec.pairs_with),
                "named": [view_of(i) for i in text.named],
                "gap": text.gap,
                "examples": [[view_of(i) for i in outfit] for outfit in rec.examples],
                "compatibility": round(rec.compatibility, 3),
                "headline": text.headline,
                "explanation": text.explanation,
            }
        )
    await _record(session, viewer, customer_id)
    return {"data": data, "count": len(data), "owned_count": len(mine.garments)}


async def _record(session: AsyncSession, viewer: User, customer_id: int) -> None:
    """Suggestions name and show the customer's own pieces: a read of her wardrobe, on record.
    Written last, so the audit lock is held for as short a time as possible."""
    await access.record_read(
        session,
        viewer=viewer,
        customer_id=customer_id,
        action=audit.Action.customer_recommendations_read,
        fields=["wardrobe"],
    )


PULL_FROM = 20  # the pull list looks at this many suggestions


async def pull_list_for(
    session: AsyncSession, *, viewer: User, customer_id: int, locale: str, cache: CatalogCache
) -> dict[str, Any]:
    """The owned pieces to ask the customer to bring to the camera: they go with the most of
    the items worth suggesting (the top suggestions in stock in their sizes)."""
    mine, snapshot, recs, texts = await _recommend(
        session,
        viewer=viewer,
        customer_id=customer_id,
        filters=Filters(limit=PULL_FROM),
        locale=locale,
        cache=cache,
    )
    named = {r.candidate_id: set(t.named) for r, t in zip(recs, texts, strict=True)}
    data, labels = [], set()
    for pull in advice_text.pull_list(recs, limit=2 * advice_text.PULL_LIST):
        label = mine.view(pull.owned_id, locale)["label"]
        if label in labels or len(data) >= advice_text.PULL_LIST:
            continue  # two pieces of one name: one on camera is enough to talk about
        labels.add(label)
        # Examples: the suggestions whose explanation names this piece come first.
        order = sorted(pull.suggestions, key=lambda c: pull.owned_id not in named[c])
        items = [snapshot.record(i) for i in order]
        names = [i.name(locale) for i in items[:3]]
        data.append(
            {
                "item": mine.view(pull.owned_id, locale),
                "suggestion_count": len(items),
                "suggestions": [_catalog_view(i, locale) for i in items[:3]],
                "reason": _(
                    "Goes with %(n)s of the %(total)s suggestions, e.g. %(items)s.",
                    n=len(items),
                    total=len(recs),
                    items=("、" if locale == "ja" else ", ").join(names),
                ),
            }
        )
    await _record(session, viewer, customer_id)
    return {"data": data, "count": len(data), "out_of": len(recs)}
