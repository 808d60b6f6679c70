"""JSON API of lookbooks (staff build and send them) and reservations (customers hold items)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from app.accounts.deps import CsrfProtected, CurrentUser, CustomerUser
from app.core.db import SessionDep, WriteSessionDep
from app.core.i18n import get_locale
from app.core.openapi import errors
from app.core.types import IdPath
from app.wardrobe.lookbooks import reservations, service
from app.wardrobe.lookbooks.schemas import (
    EntryIn,
    EntryOut,
    LookbookOut,
    ReservationList,
    ReservationOut,
    ReserveIn,
    SendIn,
)
from app.wardrobe.lookbooks.views import entry_out, lookbook_out
from app.wardrobe.models import Reservation

router = APIRouter(prefix="/api/v1", tags=["lookbooks"], dependencies=[CsrfProtected])


def _now(request: Request) -> datetime:
    return request.app.state.clock()


Now = Annotated[datetime, Depends(_now)]


def _reservation_out(reservation: Reservation) -> ReservationOut:
    return ReservationOut.model_validate(reservation, from_attributes=True)


@router.get("/appointments/{appointment_id}/lookbook", responses=errors(401, 403, 404))
async def get_lookbook(
    appointment_id: IdPath, user: CurrentUser, session: SessionDep
) -> LookbookOut:
    """The appointment's lookbook with its entries (its stylist or a manager of its store)."""
    content = await service.draft_for(session, actor=user, appointment_id=appointment_id)
    return lookbook_out(content, get_locale())


@router.post(
    "/appointments/{appointment_id}/lookbook/entries",
    status_code=201,
    responses=errors(401, 403, 404, 409, 422),
)
async def add_entry(
    appointment_id: IdPath, data: EntryIn, user: CurrentUser, session: WriteSessionDep, now: Now
) -> EntryOut:
    """Add an item or an outfit with its note to the draft lookbook (started by the first one)."""
    entry = await service.add_entry(
        session, actor=user, appointment_id=appointment_id, data=data, now=now
    )
    content = await service.draft_for(session, actor=user, appointment_id=appointment_id)
    return entry_out(entry, content, get_locale())


@router.delete(
    "/appointments/{appointment_id}/lookbook/entries/{entry_id}",
    status_code=204,
    responses=errors(401, 403, 404, 409),
)
async def remove_entry(
    appointment_id: IdPath, entry_id: IdPath, user: CurrentUser, session: WriteSessionDep
) -> Response:
    """Remove an entry from the draft lookbook."""
    await service.remove_entry(
        session, actor=user, appointment_id=appointment_id, entry_id=entry_id
    )
    return Response(status_code=204)


@router.post(
    "/appointments/{appointment_id}/lookbook/send", responses=errors(401, 403, 404, 409, 422)
)
async def send_lookbook(
    appointment_id: IdPath,
    user: CurrentUser,
    session: WriteSessionDep,
    request: Request,
    now: Now,
    data: SendIn | None = None,
) -> LookbookOut:
    """Send the lookbook: it is frozen and the customer is emailed a link to it."""
    await service.send(
        session,
        actor=user,
        appointment_id=appointment_id,
        data=data or SendIn(),
        now=now,
        postman=request.app.state.postman,
        base_url=request.app.state.settings.public_base_url,
    )
    content = await service.draft_for(session, actor=user, appointment_id=appointment_id)
    return lookbook_out(content, get_locale())


# ---------------------------------------------------------------- reservations


@router.post("/reservations", status_code=201, responses=errors(401, 403, 404, 409, 422))
async def reserve(
    data: ReserveIn, user: CustomerUser, session: WriteSessionDep, request: Request, now: Now
) -> ReservationOut:
    """Hold one unit of an item from your lookbook at a store, to try on (409 when none left)."""
    settings = request.app.state.settings
    reservation = await reservations.reserve(
        session,
        customer=user,
        data=data,
        now=now,
        hold=timedelta(days=settings.reservation_hold_days),
        postman=request.app.state.postman,
        base_url=settings.public_base_url,
    )
    return _reservation_out(reservation)


@router.get("/reservations", responses=errors(401, 403))
async def my_reservations(user: CustomerUser, session: SessionDep) -> ReservationList:
    """Your reservations, active first."""
    found = [v.reservation for v in await reservations.mine(session, customer=user)]
    return ReservationList(data=[_reservation_out(r) for r in found], count=len(found))


@router.post("/reservations/{reservation_id}/cancel", responses=errors(401, 404, 409))
async def cancel_reservation(
    reservation_id: IdPath, user: CurrentUser, session: WriteSessionDep, request: Request, now: Now
) -> ReservationOut:
    """Cancel an active reservation (its customer, or staff of its store); the unit goes back."""
    reservation = await reservations.cancel(
        session,
        actor=user,
        reservation_id=reservation_id,
        now=now,
        postman=request.app.state.postman,
        base_url=request.app.state.settings.public_base_url,
    )
    return _reservation_out(reservation)


@router.post("/reservations/{reservation_id}/collect", responses=errors(401, 403, 404, 409))
async def collect_reservation(
    reservation_id: IdPath, user: CurrentUser, session: WriteSessionDep, now: Now
) -> ReservationOut:
    """Mark a reservation collected (staff of its store)."""
    reservation = await reservations.collect(
        session, actor=user, reservation_id=reservation_id, now=now
    )
    return _reservation_out(reservation)
