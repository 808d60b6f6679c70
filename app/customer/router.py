"""JSON API for customer profiles and purchase history."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query
from pydantic import BaseModel

from app.access import audit
from app.access.schemas import RevealIn
from app.accounts.deps import CsrfProtected, CurrentUser
from app.core.db import SessionDep, WriteSessionDep
from app.core.openapi import errors
from app.core.types import IdPath
from app.customer import service
from app.customer.schemas import ProfileIn, ProfilePublic

router = APIRouter(prefix="/api/v1/customers", tags=["customers"], dependencies=[CsrfProtected])


class PurchasePublic(BaseModel):
    id: int
    channel: str
    store_id: int | None
    order_ref: str
    sku: str
    name_ja: str
    name_en: str
    size: str
    quantity: int
    unit_price_yen: int
    purchased_at: datetime


class PurchaseList(BaseModel):
    data: list[PurchasePublic]
    count: int


@router.get("/{customer_id}", responses=errors(401, 404))
async def get_customer(
    customer_id: IdPath, user: CurrentUser, session: WriteSessionDep
) -> ProfilePublic:
    """A customer's profile, for the customer and the staff whose work involves them.

    Anyone else gets 404, as for an id that does not exist. Stylists get email, phone and
    birthday masked (listed in ``masked``)."""
    customer, profile, decision = await service.load_customer_as(
        session, viewer=user, customer_id=customer_id, audit_as=audit.Action.customer_profile_read
    )
    return service.public_profile(customer, profile, decision)


class Revealed(BaseModel):
    profile: ProfilePublic
    until: datetime  # the fields show whole until then; ask again after


@router.post("/{customer_id}/reveal", responses=errors(401, 404, 422))
async def reveal_contact(
    customer_id: IdPath, data: RevealIn, user: CurrentUser, session: WriteSessionDep
) -> Revealed:
    """See masked contact fields (stylists) for a while; the reason is recorded for managers.

    Reasons: session, delivery, customer_asked, birthday, other (with a note of 5+ characters).
    """
    profile, until = await service.reveal_contact(
        session, viewer=user, customer_id=customer_id, data=data
    )
    return Revealed(profile=profile, until=until)


@router.put("/{customer_id}", responses=errors(401, 403, 404, 422))
async def update_customer(
    customer_id: IdPath, data: ProfileIn, user: CurrentUser, session: SessionDep
) -> ProfilePublic:
    """Change your own profile: names with kana, phone, birthday, sizes, consent, language."""
    return await service.update_profile(session, viewer=user, customer_id=customer_id, data=data)


@router.get("/{customer_id}/purchases", responses=errors(401, 404, 422))
async def purchases(
    customer_id: IdPath,
    user: CurrentUser,
    session: WriteSessionDep,  # the read is recorded (SQLite: take the write lock first)
    limit: int = Query(default=50, ge=1, le=200),
) -> PurchaseList:
    """Store and online purchases, newest first."""
    lines = await service.purchase_history(
        session, viewer=user, customer_id=customer_id, limit=limit
    )
    data = [
        PurchasePublic(
            id=line.purchase.id or 0,
            channel=line.purchase.channel,
            store_id=line.purchase.store_id,
            order_ref=line.purchase.order_ref,
            sku=line.item.sku,
            name_ja=line.item.name_ja,
            name_en=line.item.name_en,
            size=line.purchase.size,
            quantity=line.purchase.quantity,
            unit_price_yen=line.purchase.unit_price_yen,
            purchased_at=line.purchase.purchased_at,
        )
        for line in lines
    ]
    return PurchaseList(data=data, count=len(data))
