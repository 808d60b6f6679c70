"""JSON API for the customer's owned items and their photos."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from app.accounts.deps import CsrfProtected, CurrentUser
from app.core.db import WriteSessionDep
from app.core.openapi import errors
from app.core.types import IdPath
from app.wardrobe import service
from app.wardrobe.closet.router import router as closet_router

router = APIRouter(prefix="/api/v1", tags=["wardrobe"], dependencies=[CsrfProtected])
# Listing, adding and editing owned items: app/wardrobe/closet/router.py.
router.include_router(closet_router)


@router.get(
    "/owned-items/{item_id}/photo",
    response_class=FileResponse,
    responses={200: {"content": {"image/*": {}}}, **errors(401, 404)},
)
async def owned_item_photo(
    item_id: IdPath, user: CurrentUser, session: WriteSessionDep, request: Request
) -> FileResponse:
    """The photo of an owned item (the customer, or staff who serve them)."""
    path = await service.photo_of(
        session, viewer=user, item_id=item_id, var_dir=request.app.state.settings.var_dir
    )
    return FileResponse(
        path,
        headers={
            # A customer's photo is personal data, and each view of it is recorded.
            "cache-control": "no-store",
            "x-content-type-options": "nosniff",
        },
    )
