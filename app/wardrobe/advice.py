"""Recommendations for one customer: their active wardrobe and the catalog in stock in their sizes
go into the pure recommender; what comes out is explained with their own items' names and pictures.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Literal

from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import User
from app.core.errors import InvalidInput, NotFound
from app.core.i18n import format_yen, ngettext
from app.core.i18n import gettext as _
from app.customer import service as customers
from app.customer.models import CustomerProfile
from app.wardrobe import advice_repository as repo
from app.wardrobe import recommender
from app.wardrobe import service as wardrobe
from app.wardrobe.closet import sync as closet_sync
from app.wardrobe.models import CatalogItem, OwnedItem

SEASONS = ("spring", "summer", "autumn", "winter")
Season = Literal["spring", "summer", "autumn", "winter"]
MAX_LIMIT = 50


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


def _garment_of_catalog(item: CatalogItem, garment_id: int) -> recommender.Garment:
    return recommender.Garment(
        id=garment_id,
        slot=item.slot,
        colour_rgb=item.colour_rgb,
        secondary_rgb=item.secondary_colour_rgb,
        pattern=item.pattern,
        formality=item.formality,
        seasons=frozenset(item.seasons),
        style_tags=frozenset(item.style_tags),
        colour_name=item.colour_name,
        category=item.category,
    )


def _garment_of_owned(owned: OwnedItem, source: CatalogItem | None) -> recommender.Garment | None:
    if source is not None:
        return _garment_of_catalog(source, owned.id)  # type: ignore[arg-type]
    if not owned.slot:
        return None  # a closet photo nobody has sorted into a slot yet cannot be in an outfit
    return recommender.Garment(
        id=owned.id,  # type: ignore[arg-type]
        slot=owned.slot,
        colour_rgb=owned.colour_rgb,
        secondary_rgb=owned.secondary_colour_rgb,
        pattern=owned.pattern,
        formality=owned.formality,
        seasons=frozenset(owned.seasons or ()),
        colour_name=owned.colour_name,
        category=owned.category,
    )


def _catalog_view(item: CatalogItem, locale: str) -> dict[str, Any]:
    return {
        "kind": "catalog",
        "id": item.id,
        "sku": item.sku,
        "label": item.name_ja if locale == "ja" else item.name_en,
        "slot": item.slot,
        "colour_name": item.colour_name,
        "price_yen": item.price_yen,
        "price": format_yen(item.price_yen, locale),
        "image_url": wardrobe.image_src(item),
    }


def _owned_view(owned: OwnedItem, source: CatalogItem | None, locale: str) -> dict[str, Any]:
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
        "image_url": image,
    }


def _explain(pairs: list[str], unlocked: int, woken: int, locale: str) -> tuple[str, str]:
    headline = ngettext("%(num)s new outfit", "%(num)s new outfits", unlocked)
    if woken:
        headline += " · " + ngettext(
            "wakes up %(num)s unworn piece", "wakes up %(num)s unworn pieces", woken
        )
    named = ("、" if locale == "ja" else ", ").join(pairs[:3])
    explanation = _("Goes with your %(items)s.", items=named) if pairs else ""
    return headline, explanation


async def recommendations_for(
    session: AsyncSession, *, viewer: User, customer_id: int, filters: Filters, locale: str
) -> dict[str, Any]:
    """Catalog items that unlock the most new outfits with what the customer owns, explained."""
    filters.check()
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
    owned_by_id = {o.id: o for o in owned_rows}
    owned = [
        g
        for o in owned_rows
        if (g := _garment_of_owned(o, sources.get(o.catalog_item_id or 0))) is not None
    ]
    # Access was checked above (may_see_wardrobe); this only reads the sizes.
    _customer, profile = await customers.load_customer(
        session, viewer=viewer, customer_id=customer_id
    )
    catalog = await repo.catalog_candidates(
        session, max_price=filters.max_price, min_price=filters.min_price, season=filters.season
    )
    wanted = {item.id: _sizes_for(profile, item.slot) for item in catalog}
    in_stock = await wardrobe.stock_for(
        session, item_ids=set(wanted), sizes=set().union(*wanted.values()) if wanted else set()
    )
    candidates_by_id = {
        item.id: item
        for item in catalog
        if (stock := in_stock.get(item.id)) is not None and stock.sizes & wanted[item.id]
    }
    # Candidate ids must not collide with owned ids inside the recommender: offset them.
    offset = 1 + max(owned_by_id, default=0)
    candidates = [_garment_of_catalog(i, offset + i.id) for i in candidates_by_id.values()]  # type: ignore[operator]
    # Matrix work: off the event loop, like image processing.
    results = await asyncio.to_thread(
        recommender.recommend, owned, candidates, limit=filters.limit, season=filters.season
    )

    def view_of(garment_id: int) -> dict[str, Any]:
        if garment_id >= offset:
            return _catalog_view(candidates_by_id[garment_id - offset], locale)
        owned_item = owned_by_id[garment_id]
        return _owned_view(owned_item, sources.get(owned_item.catalog_item_id or 0), locale)

    data = []
    for rec in results:
        pairs = [view_of(i) for i in rec.pairs_with]
        headline, explanation = _explain(
            [p["label"] for p in pairs], rec.outfits_unlocked, len(rec.wakes_up), locale
        )
        data.append(
            {
                "item": view_of(rec.candidate_id),
                "outfits_unlocked": rec.outfits_unlocked,
                "wakes_up": [view_of(i) for i in rec.wakes_up],
                "pairs_with": pairs,
                "examples": [[view_of(i) for i in outfit] for outfit in rec.examples],
                "compatibility": round(rec.compatibility, 3),
                "headline": headline,
                "explanation": explanation,
            }
        )
    return {"data": data, "count": len(data), "owned_count": len(owned)}
