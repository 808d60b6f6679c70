"""Purchases become owned items: every line of a store receipt or online order, exactly once.

Purchases arrive from outside the app (the store tills and the web shop feed the ``purchase``
table; the demo loader writes it directly), so there is no single "purchase recorded" moment to
hook. Instead the wardrobe syncs itself right before it is read — by the customer, by staff, by
the recommender's callers — and anything that records purchases may call ``sync_purchases`` too.

Idempotent by construction: a purchase line with an owned item is skipped by the query, and the
unique (customer_id, purchase_id) constraint stops two concurrent syncs from both inserting (the
loser's savepoint is rolled back and the winner's rows stand).
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import User
from app.core.types import utcnow
from app.customer.models import Purchase
from app.wardrobe import repository as catalog_repo
from app.wardrobe.closet import repository as repo
from app.wardrobe.models import CatalogItem, OwnedItem, OwnedItemSource

log = logging.getLogger(__name__)


def owned_from_purchase(purchase: Purchase, item: CatalogItem, locale: str) -> OwnedItem:
    """The owned item a purchase line stands for, described as the catalog describes it."""
    return OwnedItem(
        customer_id=purchase.customer_id,
        label=item.name_ja if locale == "ja" else item.name_en,
        category=item.category,
        slot=item.slot,
        colour_name=item.colour_name,
        colour_rgb=item.colour_rgb,
        secondary_colour_name=item.secondary_colour_name,
        secondary_colour_rgb=item.secondary_colour_rgb,
        pattern=item.pattern,
        formality=item.formality,
        seasons=list(item.seasons),
        catalog_item_id=item.id,
        purchase_id=purchase.id,
        source=OwnedItemSource.purchase,
        created_by_id=purchase.customer_id,
        # In the wardrobe since it was bought, so "newest first" means what it says.
        created_at=purchase.purchased_at,
        updated_at=utcnow(),
    )


async def sync_purchases(session: AsyncSession, *, customer_id: int) -> int:
    """Give each of the customer's purchase lines without one an owned item; return how many."""
    missing = await repo.unsynced_purchases(session, customer_id)
    if not missing:
        return 0
    customer = await session.get(User, customer_id)
    locale = customer.locale if customer is not None else "ja"
    items = {
        item.id: item
        for item in await catalog_repo.items_by_ids(session, {p.catalog_item_id for p in missing})
    }
    rows = [owned_from_purchase(p, items[p.catalog_item_id], locale) for p in missing]
    try:
        async with session.begin_nested():
            session.add_all(rows)
    except IntegrityError:
        # Another request synced the same lines a moment earlier: its rows stand.
        return 0
    except OperationalError:
        # SQLite refuses to upgrade a stale read transaction to a write; the next read retries.
        log.info("purchase sync for customer %s deferred: database busy", customer_id)
        return 0
    return len(rows)
