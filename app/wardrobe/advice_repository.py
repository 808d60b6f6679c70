"""The queries behind recommendations: a customer's active wardrobe and the catalog candidates."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.wardrobe.models import CatalogItem, OwnedItem


async def active_owned(
    session: AsyncSession, customer_id: int, *, include_hidden: bool
) -> list[OwnedItem]:
    """Owned items not retired; hidden ones only when the customer themself is asking."""
    query = select(OwnedItem).where(
        OwnedItem.customer_id == customer_id, col(OwnedItem.retired_at).is_(None)
    )
    if not include_hidden:
        query = query.where(col(OwnedItem.hidden).is_(False))
    return list((await session.exec(query.order_by(col(OwnedItem.id)))).all())


async def catalog_candidates(
    session: AsyncSession,
    *,
    max_price: int | None,
    min_price: int | None,
    season: str | None,
) -> list[CatalogItem]:
    """Active catalog items in the price range (the season is matched in Python: a JSON list)."""
    query = select(CatalogItem).where(col(CatalogItem.is_active).is_(True))
    if max_price is not None:
        query = query.where(CatalogItem.price_yen <= max_price)
    if min_price is not None:
        query = query.where(CatalogItem.price_yen >= min_price)
    items = list((await session.exec(query.order_by(col(CatalogItem.id)))).all())
    if season is not None:
        items = [i for i in items if not i.seasons or season in i.seasons]
    return items
