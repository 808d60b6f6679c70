"""JSON API: recommendations for a customer (staff who serve them, and the customer themself)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from app.accounts.deps import CurrentUser
from app.core.db import WriteSessionDep
from app.core.openapi import errors
from app.core.types import IdPath
from app.wardrobe import advice
from app.wardrobe.catalog_cache import cache_of


class PieceOut(BaseModel):
    """An owned item or a catalog item, ready to show as a picture with a name."""

    kind: str
    id: int
    label: str
    slot: str | None = None
    image_url: str
    sku: str | None = None
    colour_code: str | None = None  # the catalog's colour word ("navy")
    colour_name: str | None = None  # in the viewer's language ("ネイビー")
    price_yen: int | None = None
    price: str | None = None


class RecommendationOut(BaseModel):
    item: PieceOut
    outfits_unlocked: int
    wakes_up: list[PieceOut]
    pairs_with: list[PieceOut]  # the first 12, most outfits first
    pairs_with_count: int
    named: list[PieceOut]  # the owned pieces the explanation names
    gap: str | None  # what it fills: "empty" slot, "thin" slot, new "colour" for the slot
    examples: list[list[PieceOut]]
    compatibility: float
    headline: str  # the true count of new outfits
    explanation: str


class RecommendationList(BaseModel):
    data: list[RecommendationOut]
    count: int
    owned_count: int


router = APIRouter(prefix="/api/v1", tags=["wardrobe"])


@router.get("/customers/{customer_id}/recommendations", responses=errors(401, 404, 422))
async def recommendations(
    customer_id: IdPath,
    user: CurrentUser,
    session: WriteSessionDep,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=advice.MAX_LIMIT)] = 10,
    max_price: Annotated[int | None, Query(ge=0, le=10_000_000)] = None,
    min_price: Annotated[int | None, Query(ge=0, le=10_000_000)] = None,
    season: advice.Season | None = None,
) -> RecommendationList:
    """Catalog items in stock in the customer's sizes, ranked by the new outfits they unlock."""
    filters = advice.Filters(limit=limit, max_price=max_price, min_price=min_price, season=season)
    found = await advice.recommendations_for(
        session,
        viewer=user,
        customer_id=customer_id,
        filters=filters,
        locale=user.locale,
        cache=cache_of(request.app.state),
    )
    return RecommendationList.model_validate(found)


class PullOut(BaseModel):
    item: PieceOut  # an owned piece
    suggestion_count: int
    suggestions: list[PieceOut]  # up to 3 of them
    reason: str


class PullList(BaseModel):
    data: list[PullOut]
    count: int
    out_of: int  # how many suggestions were looked at


@router.get("/customers/{customer_id}/pull-list", responses=errors(401, 404))
async def pull_list(
    customer_id: IdPath, user: CurrentUser, session: WriteSessionDep, request: Request
) -> PullList:
    """Owned pieces to ask the customer to bring to the camera: they suit the most suggestions."""
    found = await advice.pull_list_for(
        session,
        viewer=user,
        customer_id=customer_id,
        locale=user.locale,
        cache=cache_of(request.app.state),
    )
    return PullList.model_validate(found)
