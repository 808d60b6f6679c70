"""JSON API for what follows a consultation: wrap-up, rating and closet snapshots."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile

from app.accounts.deps import CsrfProtected, CurrentUser
from app.consultation import service
from app.consultation.schemas import RatingIn, RatingOut, WrapUpIn, WrapUpOut
from app.core.db import SessionDep, WriteSessionDep
from app.core.images import ImageLimits
from app.core.openapi import errors
from app.core.types import IdPath, utcnow
from app.wardrobe.models import Slot
from app.wardrobe.schemas import ColourName, ColourRgb, Label, OwnedItemIn, OwnedItemOut, owned_out

router = APIRouter(
    prefix="/api/v1/appointments", tags=["consultation"], dependencies=[CsrfProtected]
)


@router.get("/{appointment_id}/wrapup", responses=errors(401, 404))
async def get_wrap_up(
    appointment_id: IdPath, user: CurrentUser, session: SessionDep
) -> WrapUpOut | None:
    """The session's wrap-up (null until written; the outcome is shown to staff only)."""
    return await service.get_wrap_up(session, viewer=user, appointment_id=appointment_id)


@router.put("/{appointment_id}/wrapup", responses=errors(401, 403, 404, 409, 422))
async def save_wrap_up(
    appointment_id: IdPath, data: WrapUpIn, user: CurrentUser, session: WriteSessionDep
) -> WrapUpOut:
    """Write or edit the wrap-up (the stylist or a store manager, once the session started).

    The first wrap-up marks a booked appointment completed."""
    wrap_up = await service.save_wrap_up(
        session, actor=user, appointment_id=appointment_id, data=data, now=utcnow()
    )
    return service.wrap_up_out(wrap_up, for_staff=True)


@router.get("/{appointment_id}/rating", responses=errors(401, 404))
async def get_rating(
    appointment_id: IdPath, user: CurrentUser, session: SessionDep
) -> RatingOut | None:
    """The customer's rating of the session (null until given)."""
    return await service.get_rating(session, viewer=user, appointment_id=appointment_id)


@router.put("/{appointment_id}/rating", responses=errors(401, 403, 404, 409, 422))
async def save_rating(
    appointment_id: IdPath, data: RatingIn, user: CurrentUser, session: WriteSessionDep
) -> RatingOut:
    """Rate the session 1–5 with an optional comment (the customer, once it started).

    Sending it again within 7 days changes the rating."""
    rating = await service.save_rating(
        session, actor=user, appointment_id=appointment_id, data=data, now=utcnow()
    )
    return service.rating_out(rating)


# Read one byte past the limit, so an oversized photo is refused with its size (413), unread.
_READ_AT_MOST = ImageLimits().max_bytes + 1


@router.post(
    "/{appointment_id}/snapshots", status_code=201, responses=errors(401, 403, 404, 409, 413, 422)
)
async def take_snapshot(
    appointment_id: IdPath,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    image: Annotated[UploadFile, File(description="A JPEG, PNG or WebP photo of the item")],
    label: Annotated[Label, Form()],
    slot: Annotated[Slot | None, Form()] = None,
    colour_name: Annotated[ColourName | None, Form()] = None,
    colour_rgb: Annotated[ColourRgb | None, Form(description="#rrggbb")] = None,
) -> OwnedItemOut:
    """Save a photo of an item the customer shows on the call to their wardrobe.

    For the appointment's stylist or a store manager, while the call is open. The photo's
    metadata (EXIF: location, device) is removed before it is stored."""
    item = await service.take_snapshot(
        session,
        actor=user,
        appointment_id=appointment_id,
        data=OwnedItemIn(label=label, slot=slot, colour_name=colour_name, colour_rgb=colour_rgb),
        image=await image.read(_READ_AT_MOST),
        now=utcnow(),
        settings=request.app.state.settings,
    )
    return owned_out(item)
