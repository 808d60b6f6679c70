"""Every query of the wardrobe domain."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.wardrobe.models import CatalogItem


async def items_by_ids(session: AsyncSession, ids: set[int]) -> list[CatalogItem]:
    if not ids:
        return []
    statement = select(CatalogItem).where(col(CatalogItem.id).in_(ids))
    return list((await session.exec(statement)).all())


async def item_by_sku(session: AsyncSession, sku: str) -> CatalogItem | None:
    return (await session.exec(select(CatalogItem).where(CatalogItem.sku == sku))).first()
