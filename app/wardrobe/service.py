"""The catalog, and the owned items recommendations start from, with who may see them."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from pathlib import Path

from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import Role, User
from app.core import images
from app.core.errors import NotFound
from app.core.i18n import gettext as _
from app.store import service as stores
from app.wardrobe import repository as repo
from app.wardrobe.models import CatalogItem, OwnedItem, OwnedItemSource
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
    """The customer themself, a stylist who has an appointment with them, a manager of a store
    where they have one, or an admin."""
    assert viewer.id is not None
    if viewer.id == customer_id or viewer.role == Role.admin:
        return True
    if viewer.role == Role.staff:
        return await repo.shares_appointment(session, customer_id, viewer.id)
    if viewer.role == Role.manager:
        managed = [s.id for s in await stores.stores_managed_by(session, user=viewer)]
        return await repo.has_appointment_at(session, customer_id, managed)  # type: ignore[arg-type]
    return False


async def owned_items(
    session: AsyncSession, *, viewer: User, customer_id: int, limit: int = OWNED_SHOWN
) -> list[OwnedItem]:
    """The customer's owned items, newest first, for someone who may see them."""
    if not await may_see_wardrobe(session, viewer=viewer, customer_id=customer_id):
        raise NotFound(_("There is no such customer."))
    return await repo.owned_of(session, customer_id, limit)


async def photo_of(session: AsyncSession, *, viewer: User, item_id: int, var_dir: Path) -> Path:
    """The stored photo of an owned item, for someone who may see the customer's wardrobe."""
    item = await session.get(OwnedItem, item_id)
    if (
        item is None
        or item.photo_path is None
        or not await may_see_wardrobe(session, viewer=viewer, customer_id=item.customer_id)
    ):
        raise NotFound(_("There is no such photo."))
    path = await asyncio.to_thread(_stored_file, var_dir, item.photo_path)
    if path is None:
        raise NotFound(_("There is no such photo."))
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
