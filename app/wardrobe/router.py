"""JSON API for the customer's owned items and their photos."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from app.accounts.deps import CsrfProtected, CurrentUser
from app.core.db import SessionDep
from app.core.openapi import errors
from app.core.types import IdPath
from app.wardrobe import service
from app.wardrobe.schemas import OwnedItemList, owned_out

router = APIRouter(prefix="/api/v1", tags=["wardrobe"], dependencies=[CsrfProtected])


@router.get("/customers/{customer_id}/owned-items", responses=errors(401, 404))
async def owned_items(customer_id: IdPath, user: CurrentUser, session: SessionDep) -> OwnedItemList:
    """The customer's owned items, newest first (the customer, or staff who serve them)."""
    found = await service.owned_items(session, viewer=user, customer_id=customer_id)
    return OwnedItemList(data=[owned_out(item) for item in found], count=len(found))


@router.get(
    "/owned-items/{item_id}/photo",
    response_class=FileResponse,
    responses={200: {"content": {"image/*": {}}}, **errors(401, 404)},
)
async def owned_item_photo(
    item_id: IdPath, user: CurrentUser, session: SessionDep, request: Request
) -> FileResponse:
    """The photo of an owned item (the customer, or staff who serve them)."""
    path = await service.photo_of(
        session, viewer=user, item_id=item_id, var_dir=request.app.state.settings.var_dir
    )
    return FileResponse(
        path,
        headers={
            "cache-control": "private, max-age=3600",
            "x-content-type-options": "nosniff",
        },
    )
