"""Catalog images (generated swatches)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import Response

from app.core.db import SessionDep
from app.wardrobe import service
from app.wardrobe.closet import pages as closet_pages
from app.wardrobe.swatch import swatch_svg

router = APIRouter(include_in_schema=False)
# The customer's wardrobe pages (/me/wardrobe…): app/wardrobe/closet/pages.py.
router.include_router(closet_pages.router)


@router.get("/catalog/{sku}/swatch.svg")
async def swatch(
    sku: Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,32}$")], session: SessionDep
) -> Response:
    item = await service.item_by_sku(session, sku=sku)
    return Response(
        swatch_svg(item),
        media_type="image/svg+xml",
        headers={"cache-control": "public, max-age=86400"},
    )
