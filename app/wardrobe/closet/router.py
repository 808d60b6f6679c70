"""JSON API for the customer's wardrobe: list what the viewer may see, add from the closet, edit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile

from app.accounts.deps import CsrfProtected, CurrentUser
from app.core.db import SessionDep, WriteSessionDep
from app.core.i18n import get_locale
from app.core.images import ImageLimits
from app.core.openapi import errors
from app.core.types import IdPath, utcnow
from app.wardrobe.closet import service
from app.wardrobe.closet.repository import WARDROBE_CAP
from app.wardrobe.closet.schemas import (
    Brand,
    CategoryCode,
    ClosetItemEdit,
    ClosetItemIn,
    PatternCode,
    Season,
)
from app.wardrobe.models import Slot
from app.wardrobe.schemas import ColourName, ColourRgb, Label, OwnedItemList, OwnedItemOut

# Mounted under /api/v1 by app/wardrobe/router.py.
router = APIRouter(tags=["wardrobe"], dependencies=[CsrfProtected])

# Read one byte past the limit, so an oversized photo is refused with its size (413), unread.
_READ_AT_MOST = ImageLimits().max_bytes + 1


@router.get("/customers/{customer_id}/owned-items", responses=errors(401, 404, 422))
async def owned_items(
    customer_id: IdPath,
    user: CurrentUser,
    session: WriteSessionDep,  # the read is recorded (SQLite: take the write lock first)
    active_only: Annotated[bool, Query(description="Leave out retired items")] = False,
    limit: Annotated[int, Query(ge=1, le=WARDROBE_CAP)] = 200,
) -> OwnedItemList:
    """The customer's owned items, newest first (the customer, or staff who serve them).

    The customer sees all of theirs with their `hidden` and `retired_at` flags; staff never see
    a hidden item. Purchases from the stores and the web shop appear here by themselves."""
    found = await service.owned_out_list(
        session, viewer=user, customer_id=customer_id, active_only=active_only, limit=limit
    )
    return OwnedItemList(data=found, count=len(found))


@router.post(
    "/customers/{customer_id}/owned-items",
    status_code=201,
    responses=errors(401, 403, 404, 413, 422),
)
async def add_owned_item(
    customer_id: IdPath,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    image: Annotated[UploadFile, File(description="A JPEG, PNG, WebP or HEIC photo of the item")],
    category: Annotated[CategoryCode, Form(description="e.g. knit, skirt, sneakers, or other")],
    colour_name: Annotated[
        ColourName, Form(description="A named colour (navy, beige …) or other with colour_rgb")
    ],
    colour_rgb: Annotated[ColourRgb | None, Form(description="#rrggbb")] = None,
    slot: Annotated[Slot | None, Form(description="Defaults from the category")] = None,
    label: Annotated[Label | None, Form(description="Defaults to colour and category")] = None,
    pattern: Annotated[PatternCode | None, Form()] = None,
    seasons: Annotated[list[Season] | None, Form()] = None,
    brand: Annotated[Brand | None, Form(description="Any brand")] = None,
) -> OwnedItemOut:
    """Add an item from your own closet, with a photo, to your wardrobe (the customer only).

    The photo's metadata (EXIF: location, device) is removed before it is stored."""
    data = ClosetItemIn(
        category=category,
        colour_name=colour_name,
        colour_rgb=colour_rgb,
        slot=slot,
        label=label,
        pattern=pattern,
        seasons=seasons or [],
        brand=brand,
    )
    item = await service.add_from_closet(
        session,
        viewer=user,
        customer_id=customer_id,
        data=data,
        image=await image.read(_READ_AT_MOST),
        var_dir=request.app.state.settings.var_dir,
        locale=get_locale(),
    )
    [out] = await service.owned_out_many(session, [item])
    return out


@router.patch("/owned-items/{item_id}", responses=errors(401, 404, 422))
async def edit_owned_item(
    item_id: IdPath, data: ClosetItemEdit, user: CurrentUser, session: SessionDep
) -> OwnedItemOut:
    """Change, hide (`hidden`) or retire (`retired`) one of your own items (the customer only).

    Only the fields sent change; null clears an optional field."""
    item = await service.edit_item(session, viewer=user, item_id=item_id, data=data, now=utcnow())
    [out] = await service.owned_out_many(session, [item])
    return out
