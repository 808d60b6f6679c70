"""Every query of the customer's wardrobe (owned items) and the purchases it is synced from."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.customer.models import Purchase
from app.wardrobe.models import OwnedItem

WARDROBE_CAP = 1000  # far above any real wardrobe; keeps one page bounded


async def owned_of(
    session: AsyncSession,
    customer_id: int,
    *,
    include_hidden: bool,
    active_only: bool,
    limit: int = WARDROBE_CAP,
) -> list[OwnedItem]:
    """The customer's owned items, newest first; hidden ones only when asked for."""
    statement = select(OwnedItem).where(OwnedItem.customer_id == customer_id)
    if not include_hidden:
        statement = statement.where(col(OwnedItem.hidden).is_(False))
    if active_only:
        statement = statement.where(col(OwnedItem.retired_at).is_(None))
    statement = statement.order_by(col(OwnedItem.created_at).desc(), col(OwnedItem.id).desc())
    return list((await session.exec(statement.limit(limit))).all())


async def hidden_purchase_ids(session: AsyncSession, customer_id: int) -> set[int]:
    statement = select(OwnedItem.purchase_id).where(
        OwnedItem.customer_id == customer_id,
        col(OwnedItem.hidden).is_(True),
        col(OwnedItem.purchase_id).is_not(None),
    )
    return {pid for pid in (await session.exec(statement)).all() if pid is not None}


async def owned_item(session: AsyncSession, item_id: int) -> OwnedItem | None:
    return await session.get(OwnedItem, item_id)


# Purchases are the customer domain's table, and the customer service already imports the
# wardrobe's; these two read-only queries keep the arrow pointing one way.
async def unsynced_purchases(session: AsyncSession, customer_id: int) -> list[Purchase]:
    """Purchase lines of the customer that have no owned item yet, oldest first."""
    synced = select(OwnedItem.purchase_id).where(
        OwnedItem.customer_id == customer_id, col(OwnedItem.purchase_id).is_not(None)
    )
    statement = (
        select(Purchase)
        .where(Purchase.customer_id == customer_id, col(Purchase.id).not_in(synced))
        .order_by(col(Purchase.purchased_at), col(Purchase.id))
    )
    return list((await session.exec(statement)).all())


async def purchases_by_id(session: AsyncSession, ids: set[int]) -> dict[int, Purchase]:
    if not ids:
        return {}
    statement = select(Purchase).where(col(Purchase.id).in_(ids))
    return {p.id: p for p in (await session.exec(statement)).all() if p.id is not None}
