"""JSON API for stores."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from app.core.db import SessionDep
from app.store import service
from app.store.models import StorePublic

router = APIRouter(prefix="/api/v1/stores", tags=["stores"])


class StoreList(BaseModel):
    data: list[StorePublic]
    count: int


@router.get("")
async def list_stores(session: SessionDep) -> StoreList:
    """Every store with its address, phone and time zone (public information)."""
    stores = [
        StorePublic.model_validate(s, from_attributes=True)
        for s in await service.list_stores(session)
    ]
    return StoreList(data=stores, count=len(stores))
