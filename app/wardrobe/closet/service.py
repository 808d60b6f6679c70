"""The customer's own wardrobe: what they see and change, and what staff are allowed to see.

The one rule that matters most here: a hidden item is the customer's alone. Every function that
answers staff reads with ``include_hidden=False``; only the customer's own reads include them.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel.ext.asyncio.session import AsyncSession

from app.access import audit
from app.access import service as access
from app.accounts.models import User
from app.core import images
from app.core.errors import Forbidden, InvalidInput, NotFound
from app.core.i18n import gettext as _
from app.wardrobe import service as wardrobe
from app.wardrobe.closet import repository as repo
from app.wardrobe.closet import vocabulary as vocab
from app.wardrobe.closet.schemas import ClosetItemEdit, ClosetItemIn
from app.wardrobe.closet.sync import sync_purchases
from app.wardrobe.closet.views import ItemView, SlotGroup, describe, group_by_slot
from app.wardrobe.models import OwnedItem, OwnedItemSource
from app.wardrobe.schemas import OwnedItemOut, owned_out

PHOTO_DIR = Path("uploads") / "wardrobe"  # under settings.var_dir, beside closet snapshots


def _no_such_item() -> NotFound:
    return NotFound(_("There is no such item in your wardrobe."))


# ---------------------------------------------------------------- reading


async def wardrobe_items(
    session: AsyncSession, *, viewer: User, customer_id: int, active_only: bool = False
) -> list[OwnedItem]:
    """The customer's owned items as the viewer may see them, newest first.

    The customer sees everything (hidden and retired items carry their flags); staff who serve
    them never see a hidden item. Purchases not yet in the wardrobe are added first.
    """
    if not await wardrobe.may_see_wardrobe(session, viewer=viewer, customer_id=customer_id):
        raise NotFound(_("There is no such customer."))
    await sync_purchases(session, customer_id=customer_id)
    return await repo.owned_of(
        session,
        customer_id,
        include_hidden=viewer.id == customer_id,
        active_only=active_only,
    )


async def _views(
    session: AsyncSession, items: list[OwnedItem], *, viewer: User, for_owner: bool, locale: str
) -> list[ItemView]:
    catalog = await wardrobe.items_by_id(
        session, ids={i.catalog_item_id for i in items if i.catalog_item_id}
    )
    purchases = await repo.purchases_by_id(session, {i.purchase_id for i in items if i.purchase_id})
    return describe(
        items,
        catalog=catalog,
        purchases=purchases,
        for_owner=for_owner,
        time_zone=viewer.time_zone,
        locale=locale,
    )


@dataclass(frozen=True)
class MyWardrobe:
    groups: list[SlotGroup]  # the active wardrobe by slot, hidden items included and marked
    retired: list[ItemView]
    active_count: int
    hidden_count: int


async def my_wardrobe(session: AsyncSession, *, customer: User, locale: str) -> MyWardrobe:
    """The customer's own wardrobe page: active items by slot, and the retired ones apart."""
    assert customer.id is not None
    items = await wardrobe_items(session, viewer=customer, customer_id=customer.id)
    views = await _views(session, items, viewer=customer, for_owner=True, locale=locale)
    active = [v for v in views if not v.retired]
    return MyWardrobe(
        groups=group_by_slot(active, locale),
        retired=[v for v in views if v.retired],
        active_count=len(active),
        hidden_count=sum(1 for v in active if v.hidden),
    )


@dataclass(frozen=True)
class StaffPanel:
    customer_id: int
    groups: list[SlotGroup]
    count: int


async def wardrobe_for_staff(
    session: AsyncSession, *, viewer: User, customer_id: int, locale: str
) -> StaffPanel:
    """The customer's active wardrobe by slot for a stylist: never a hidden or retired item."""
    items = await wardrobe_items(session, viewer=viewer, customer_id=customer_id, active_only=True)
    # Belt and braces: whoever the viewer is, this panel is the staff view.
    items = [i for i in items if not i.hidden and i.retired_at is None]
    views = await _views(session, items, viewer=viewer, for_owner=False, locale=locale)
    return StaffPanel(
        customer_id=customer_id, groups=group_by_slot(views, locale), count=len(views)
    )


async def hidden_purchase_ids(session: AsyncSession, *, customer_id: int) -> set[int]:
    """Purchase lines whose wardrobe item the customer hid: staff pages leave them out too."""
    return await repo.hidden_purchase_ids(session, customer_id)


async def item_of_customer(
    session: AsyncSession, *, viewer: User, item_id: int, locale: str
) -> tuple[OwnedItem, ItemView]:
    """One of the viewer's own items with its view data (anyone else's: 404)."""
    item = await repo.owned_item(session, item_id)
    if item is None or item.customer_id != viewer.id:
        raise _no_such_item()
    [view] = await _views(session, [item], viewer=viewer, for_owner=True, locale=locale)
    return item, view


# ---------------------------------------------------------------- describing


def _colour(name: str, rgb: str | None) -> tuple[str, str]:
    """A palette colour brings its own RGB; any other needs one."""
    known = vocab.COLOUR_BY_CODE.get(name.strip().lower())
    if known is not None:
        return known.code, known.rgb
    if rgb is None:
        raise InvalidInput(
            _(
                "Please pick the colour itself: “%(name)s” is not one of our named colours.",
                name=name,
            ),
            field="colour_rgb",
        )
    return name, rgb


def _slot(category: str, slot: str | None) -> str:
    if slot:
        return slot
    known = vocab.CATEGORY_BY_CODE.get(category)
    if known is None:
        raise InvalidInput(
            _("Please choose where it goes in an outfit (top, bottom, shoes …)."), field="slot"
        )
    return known.slot


# ---------------------------------------------------------------- changing


async def add_from_closet(
    session: AsyncSession,
    *,
    viewer: User,
    customer_id: int,
    data: ClosetItemIn,
    image: bytes,
    var_dir: Path,
    locale: str,
) -> OwnedItem:
    """Add an item from the customer's own closet, with its photo, to their wardrobe.

    Only the customer themself may. The photo gets the chat's checks and is stored without its
    metadata (EXIF: location, device); a file that is not a photo stores nothing.
    """
    if viewer.id != customer_id:
        if await wardrobe.may_see_wardrobe(session, viewer=viewer, customer_id=customer_id):
            raise Forbidden(_("Only the customer can add items from their own closet."))
        raise NotFound(_("There is no such customer."))
    colour_name, colour_rgb = _colour(data.colour_name, data.colour_rgb)
    slot = _slot(data.category, data.slot)
    label = data.label or vocab.default_label(colour_name, data.category, locale)
    # Decoding and re-encoding is CPU work: keep it off the event loop.
    clean = await asyncio.to_thread(images.inspect_and_clean, image)
    relative = PHOTO_DIR / f"{secrets.token_urlsafe(18)}.{clean.extension}"
    item = OwnedItem(
        customer_id=customer_id,
        label=label,
        category=data.category,
        slot=slot,
        colour_name=colour_name,
        colour_rgb=colour_rgb,
        pattern=data.pattern,
        seasons=data.seasons or None,
        brand=data.brand,
        photo_path=relative.as_posix(),
        source=OwnedItemSource.upload,
        created_by_id=customer_id,
    )
    target = var_dir / relative
    await asyncio.to_thread(_write_new, target, clean.data)
    try:
        session.add(item)
        await session.flush()
    except BaseException:
        with contextlib.suppress(OSError):
            target.unlink()  # no row, no file
        raise
    return item


def _write_new(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("xb") as fh:
        fh.write(data)


async def edit_item(
    session: AsyncSession, *, viewer: User, item_id: int, data: ClosetItemEdit, now: datetime
) -> OwnedItem:
    """Change, hide or retire one of the customer's own items (only the customer may)."""
    item = await repo.owned_item(session, item_id)
    if item is None or item.customer_id != viewer.id:
        raise _no_such_item()
    sent = data.model_fields_set
    if "label" in sent:
        if data.label is None:
            raise InvalidInput(
                _("Please say what the item is, e.g. “navy wool coat”."), field="label"
            )
        item.label = data.label
    if "category" in sent:
        item.category = data.category
    if "slot" in sent:
        usual = vocab.CATEGORY_BY_CODE.get(item.category or "")
        item.slot = data.slot or (usual.slot if usual else None)  # emptied: as usual for the kind
    if "colour_name" in sent and data.colour_name is not None:
        item.colour_name, item.colour_rgb = _colour(data.colour_name, data.colour_rgb)
    elif "colour_name" in sent:
        item.colour_name = item.colour_rgb = None
    elif "colour_rgb" in sent:
        item.colour_rgb = data.colour_rgb
        if item.colour_name in vocab.COLOUR_BY_CODE:
            item.colour_name = vocab.OTHER_COLOUR  # no longer the palette's shade
    for name in ("pattern", "brand"):
        if name in sent:
            setattr(item, name, getattr(data, name))
    if "seasons" in sent:
        item.seasons = data.seasons or None
    if data.hidden is not None:
        item.hidden = data.hidden
    if data.retired is not None:
        item.retired_at = (item.retired_at or now) if data.retired else None
    item.updated_at = now
    session.add(item)
    await session.flush()
    return item


# ---------------------------------------------------------------- JSON answers


async def owned_out_list(
    session: AsyncSession, *, viewer: User, customer_id: int, active_only: bool, limit: int
) -> list[OwnedItemOut]:
    """The API's list: the same visibility as ``wardrobe_items``, with pictures resolved (the
    read is recorded)."""
    items = await wardrobe_items(
        session, viewer=viewer, customer_id=customer_id, active_only=active_only
    )
    await access.record_read(
        session,
        viewer=viewer,
        customer_id=customer_id,
        action=audit.Action.customer_wardrobe_read,
        fields=["wardrobe"],
    )
    return await owned_out_many(session, items[:limit])


async def owned_out_many(session: AsyncSession, items: list[OwnedItem]) -> list[OwnedItemOut]:
    catalog = await wardrobe.items_by_id(
        session, ids={i.catalog_item_id for i in items if i.catalog_item_id}
    )
    return [owned_out(i, catalog.get(i.catalog_item_id or 0)) for i in items]
