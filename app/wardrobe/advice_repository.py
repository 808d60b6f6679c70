"""The queries behind recommendations: a customer's active wardrobe (the catalog side is read by
``catalog_cache`` through the wardrobe repository)."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.wardrobe.models import OwnedItem

# What recommendations read of an owned item: plain rows (attribute access by column name), not
# ORM objects — a wardrobe of 300 is read on every request, and nothing here is written back.
OWNED_COLUMNS = (
    OwnedItem.id,
    OwnedItem.label,
    OwnedItem.slot,
    OwnedItem.colour_name,
    OwnedItem.colour_rgb,
    OwnedItem.secondary_colour_rgb,
    OwnedItem.pattern,
    OwnedItem.formality,
    OwnedItem.seasons,
    OwnedItem.category,
    OwnedItem.catalog_item_id,
    OwnedItem.photo_path,
)


async def active_owned(
    session: AsyncSession, customer_id: int, *, include_hidden: bool
) -> list[Any]:
    """Owned items not retired; hidden ones only when the customer themself is asking."""
    query = select(*OWNED_COLUMNS).where(
        OwnedItem.customer_id == customer_id, col(OwnedItem.retired_at).is_(None)
    )
    if not include_hidden:
        query = query.where(col(OwnedItem.hidden).is_(False))
    return list((await session.exec(query.order_by(col(OwnedItem.id)))).all())
