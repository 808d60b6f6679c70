"""The catalog (owned items and recommendations join later)."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.errors import NotFound
from app.core.i18n import gettext as _
from app.wardrobe import repository as repo
from app.wardrobe.models import CatalogItem


async def items_by_id(session: AsyncSession, *, ids: set[int]) -> dict[int, CatalogItem]:
    """Catalog items keyed by id."""
    return {item.id: item for item in await repo.items_by_ids(session, ids) if item.id is not None}


async def item_by_sku(session: AsyncSession, *, sku: str) -> CatalogItem:
    """One catalog item by SKU, or a 404."""
    item = await repo.item_by_sku(session, sku)
    if item is None:
        raise NotFound(_("There is no catalog item with that code."))
    return item
