"""JSON API for services, slots, appointments and the waitlist."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response, status

from app.accounts.deps import CsrfProtected, CurrentUser, CustomerUser, ManagerUser
from app.booking import service
from app.booking.models import Appointment, AppointmentStatus, Service
from app.booking.schemas import (
    AppointmentList,
    AppointmentOut,
    BookIn,
    CancelIn,
    HandoffIn,
    RescheduleIn,
    ServiceIn,
    SlotList,
    SlotOut,
    WaitlistIn,
)
from app.consultation import service as consultation
from app.core.db import SessionDep, WriteSessionDep
from app.core.openapi import errors
from app.core.types import Id, IdPath, utcnow
from app.store import service as stores

router = APIRouter(prefix="/api/v1", tags=["booking"], dependencies=[CsrfProtected])


def _out(appointment: Appointment) -> AppointmentOut:
    return AppointmentOut.model_validate(appointment, from_attributes=True)


def _ctx(request: Request) -> dict[str, object]:
    return {
        "postman": request.app.state.postman,
        "base_url": request.app.state.settings.public_base_url,
    }


@router.get("/services", responses=errors(422))
async def list_services(
    session: SessionDep, store_id: Annotated[Id | None, Query()] = None
) -> list[Service]:
    """Bookable services (of one store when store_id is given)."""
    return [s for s in await service.list_services(session, store_id=store_id) if s.is_active]


@router.post("/stores/{store_id}/services", status_code=201, responses=errors(401, 403, 404, 422))
async def create_service(
    store_id: IdPath, data: ServiceIn, user: ManagerUser, session: SessionDep
) -> Service:
    """Create a bookable service for a store you manage."""
    return await service.save_service(session, manager=user, store_id=store_id, data=data)


@router.put("/stores/{store_id}/services/{service_id}", responses=errors(401, 403, 404, 422))
async def update_service(
    store_id: IdPath, service_id: IdPath, data: ServiceIn, user: ManagerUser, session: SessionDep
) -> Service:
    """Edit a service of a store you manage."""
    return await service.save_service(
        session, manager=user, store_id=store_id, data=data, service_id=service_id
    )


@router.get("/slots", responses=errors(404, 422))
async def slots(
    session: SessionDep,
    store_id: Annotated[Id, Query()],
    service_id: Annotated[Id, Query()],
    start: Annotated[datetime, Query(description="ISO 8601 with offset")],
    end: Annotated[datetime, Query(description="ISO 8601 with offset")],
    staff_id: Annotated[Id | None, Query()] = None,
) -> SlotList:
    """Free slots of a service between start and end, with the stylists free for each."""
    chosen = await service.get_service(session, service_id=service_id)
    store = await stores.get_store(session, store_id=store_id)
    if chosen.store_id != store_id:
        from app.core.errors import InvalidInput

        raise InvalidInput("That service belongs to another store.", field="service_id")
    for name, value in (("start", start), ("end", end)):
        if value.tzinfo is None:
            from app.core.errors import InvalidInput

            raise InvalidInput(
                f"Give {name} with its zone offset, e.g. 2026-11-24T21:00:00+09:00.", field=name
            )
    found = await service.compute_slots(
        session,
        service=chosen,
        start=start,
        end=end,
        now=utcnow(),
        staff_ids=[staff_id] if staff_id else None,
    )
    data = [
        SlotOut(
            start=datetime.fromtimestamp(s.start, start.tzinfo),
            end=datetime.fromtimestamp(s.end, start.tzinfo),
            staff_ids=list(s.staff_ids),
        )
        for s in found
    ]
    return SlotList(data=data, count=len(data), time_zone=store.time_zone)


@router.post("/appointments", status_code=201, responses=errors(401, 403, 404, 409, 422))
async def book(
    data: BookIn,
    user: CustomerUser,
    session: WriteSessionDep,
    request: Request,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=100)] = None,
) -> AppointmentOut:
    """Book a slot. With an Idempotency-Key header a retried request returns the same booking."""
    appointment, replayed = await service.book(
        session,
        customer=user,
        data=data,
        idempotency_key=idempotency_key,
        now=utcnow(),
        **_ctx(request),  # type: ignore[arg-type]
    )
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return _out(appointment)


@router.get("/appointments", responses=errors(401))
async def my_appointments(user: CurrentUser, session: SessionDep) -> AppointmentList:
    """Your appointments (customers and stylists), or your stores' (managers)."""
    found = await service.appointments_for(session, viewer=user)
    return AppointmentList(data=[_out(a) for a in found], count=len(found))


# The .ics route must come first: otherwise "7.ics" is tried as an appointment id.
@router.get("/appointments/{appointment_id}.ics", responses=errors(401, 404))
async def appointment_ics(
    appointment_id: IdPath, user: CurrentUser, session: SessionDep, request: Request
) -> Response:
    """The appointment as an iCalendar file."""
    settings = request.app.state.settings
    text = await service.calendar_for(
        session,
        viewer=user,
        appointment_id=appointment_id,
        base_url=settings.public_base_url,
        sender=settings.mail_from,
    )
    return Response(
        text,
        media_type="text/calendar; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="closetcall-{appointment_id}.ics"'},
    )


@router.get("/appointments/{appointment_id}", responses=errors(401, 404))
async def get_appointment(
    appointment_id: IdPath, user: CurrentUser, session: SessionDep
) -> AppointmentOut:
    """One appointment you take part in."""
    return _out(await service.load_for(session, viewer=user, appointment_id=appointment_id))


@router.post("/appointments/{appointment_id}/reschedule", responses=errors(401, 404, 409, 422))
async def reschedule(
    appointment_id: IdPath,
    data: RescheduleIn,
    user: CurrentUser,
    session: WriteSessionDep,
    request: Request,
) -> AppointmentOut:
    """Move an appointment with its stylist; give staff_id (or allow_other_stylist) to change her.

    When the stylist is not free at the new time and neither is given, the answer is 409
    ``stylist_would_change`` and nothing changes."""
    return _out(
        await service.reschedule(
            session,
            actor=user,
            appointment_id=appointment_id,
            start=data.start,
            now=utcnow(),
            staff_id=data.staff_id,
            allow_other=data.allow_other_stylist,
            **_ctx(request),
        )
    )  # type: ignore[arg-type]


@router.post("/appointments/{appointment_id}/cancel", responses=errors(401, 404, 409, 422))
async def cancel(
    appointment_id: IdPath,
    data: CancelIn,
    user: CurrentUser,
    session: WriteSessionDep,
    request: Request,
) -> AppointmentOut:
    """Cancel an appointment (customers within the notice period; staff give a reason)."""
    return _out(
        await service.cancel(
            session,
            actor=user,
            appointment_id=appointment_id,
            reason=data.reason,
            now=utcnow(),
            **_ctx(request),
        )
    )  # type: ignore[arg-type]


@router.post("/appointments/{appointment_id}/complete", responses=errors(401, 403, 404, 409))
async def complete(
    appointment_id: IdPath, user: CurrentUser, session: SessionDep
) -> AppointmentOut:
    """Record that the session took place."""
    return _out(
        await service.mark(
            session,
            actor=user,
            appointment_id=appointment_id,
            status=AppointmentStatus.completed,
            now=utcnow(),
            # A call may take place before the start: completing it then is allowed.
            begun=await consultation.call_took_place(session, appointment_id=appointment_id),
        )
    )


@router.post("/appointments/{appointment_id}/no-show", responses=errors(401, 403, 404, 409))
async def no_show(appointment_id: IdPath, user: CurrentUser, session: SessionDep) -> AppointmentOut:
    """Record that the customer did not come."""
    return _out(
        await service.mark(
            session,
            actor=user,
            appointment_id=appointment_id,
            status=AppointmentStatus.no_show,
            now=utcnow(),
        )
    )


@router.post("/appointments/{appointment_id}/handoff", responses=errors(401, 403, 404, 409, 422))
async def hand_off(
    appointment_id: IdPath,
    data: HandoffIn,
    user: ManagerUser,
    session: WriteSessionDep,
    request: Request,
) -> AppointmentOut:
    """Give the appointment to another qualified stylist who is free (the customer is emailed)."""
    return _out(
        await service.hand_off(
            session,
            manager=user,
            appointment_id=appointment_id,
            staff_id=data.staff_id,
            now=utcnow(),
            **_ctx(request),
        )
    )  # type: ignore[arg-type]


@router.post(
    "/waitlist", status_code=status.HTTP_201_CREATED, responses=errors(401, 403, 404, 409, 422)
)
async def join_waitlist(
    data: WaitlistIn, user: CustomerUser, session: SessionDep
) -> dict[str, object]:
    """Join the waitlist of a full day; you are emailed when a time frees up."""
    entry = await service.join_waitlist(
        session,
        customer=user,
        service_id=data.service_id,
        on_date=data.on_date,
        now=utcnow(),
        staff_id=data.staff_id,
    )
    return {
        "id": entry.id,
        "service_id": entry.service_id,
        "on_date": entry.on_date.isoformat(),
        "staff_id": entry.staff_id,
    }
