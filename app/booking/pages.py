"""Booking pages: choose a service, a stylist and a time; my appointments; appointment detail."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from app.accounts.deps import CsrfProtected, CurrentUser, CustomerUser
from app.accounts.models import Role
from app.booking import rules, service, views
from app.booking.models import AppointmentStatus
from app.booking.schemas import BookIn
from app.consultation import service as consultation
from app.core.db import SessionDep, WriteSessionDep
from app.core.errors import AppError
from app.core.forms import errors_by_field
from app.core.i18n import get_locale
from app.core.i18n import gettext as _
from app.core.templating import render
from app.core.types import Id, IdPath, utcnow
from app.store import service as stores

router = APIRouter(include_in_schema=False, dependencies=[CsrfProtected])


def _staff_id(value: object) -> int:
    text = str(value or "")
    if not (text.isdigit() and len(text) < 10):
        raise ValueError("not an id")
    return int(text)


def _ctx(request: Request) -> dict[str, object]:
    return {
        "postman": request.app.state.postman,
        "base_url": request.app.state.settings.public_base_url,
    }


@router.get("/book")
async def choose_service(request: Request, user: CustomerUser, session: SessionDep) -> Response:
    all_stores = await stores.list_stores(session)
    offers = [
        (store, [s for s in await service.list_services(session, store_id=store.id) if s.is_active])
        for store in all_stores
    ]
    return render(request, "booking/choose_service.html", {"offers": offers})


@router.get("/book/{service_id}")
async def choose_time(
    request: Request,
    service_id: IdPath,
    user: CustomerUser,
    session: SessionDep,
    day: Annotated[date | None, Query()] = None,
    staff_id: Annotated[Id | None, Query()] = None,
    anyone: Annotated[bool, Query()] = False,
) -> Response:
    chosen = await service.get_service(session, service_id=service_id)
    picker = await views.slot_picker(
        session,
        service=chosen,
        customer=user,
        day=day,
        staff_id=staff_id,
        now=utcnow(),
        prefer_last=not anyone,
    )
    context = {
        "picker": picker,
        "joined": request.query_params.get("waitlisted") == "1",
        "mode": "book",
        "error": None,
    }
    return render(request, "booking/choose_time.html", context)


@router.get("/book/{service_id}/confirm")
async def confirm_page(
    request: Request,
    service_id: IdPath,
    user: CustomerUser,
    session: SessionDep,
    start: Annotated[datetime, Query()],
    staff_id: Annotated[Id | None, Query()] = None,
) -> Response:
    chosen = await service.get_service(session, service_id=service_id)
    store = await stores.get_store(session, store_id=chosen.store_id)
    context = {
        "service": chosen,
        "store": store,
        "start": start,
        "staff_id": staff_id,
        "stylist": await views.stylist_name(session, staff_id),
        "deadline": rules.change_deadline(start, chosen.cancellation_notice_hours),
        "key": uuid.uuid4().hex,
        "errors": {},
        "topic": "",
    }
    return render(request, "booking/confirm.html", context)


@router.post("/book/{service_id}")
async def book_submit(
    request: Request, service_id: IdPath, user: CustomerUser, session: WriteSessionDep
) -> Response:
    form = await request.form()
    raw = {k: form.get(k) for k in ("start", "staff_id", "topic")}
    chosen = await service.get_service(session, service_id=service_id)
    store = await stores.get_store(session, store_id=chosen.store_id)
    key = str(form.get("idempotency_key") or "")[:100] or None
    context = {
        "service": chosen,
        "store": store,
        "start": raw["start"],
        "staff_id": raw["staff_id"] or None,
        "stylist": "",
        "deadline": None,
        "key": key,
        "topic": raw["topic"] or "",
        "errors": {},
    }
    try:
        data = BookIn.model_validate(
            {"service_id": service_id, **{k: v for k, v in raw.items() if v}}
        )
        appointment, _ = await service.book(
            session, customer=user, data=data, idempotency_key=key, now=utcnow(), **_ctx(request)
        )  # type: ignore[arg-type]
    except ValidationError as exc:
        context["errors"] = errors_by_field(exc)
        return render(request, "booking/confirm.html", context, 422)
    except AppError as exc:
        context["errors"] = {exc.field or "form": exc.detail}
        return render(request, "booking/confirm.html", context, exc.status)
    return RedirectResponse(f"/appointments/{appointment.id}?booked=1", status_code=303)


@router.post("/book/{service_id}/waitlist")
async def waitlist_submit(
    request: Request, service_id: IdPath, user: CustomerUser, session: SessionDep
) -> Response:
    form = await request.form()
    try:
        day = date.fromisoformat(str(form.get("day", "")))
        staff_id = _staff_id(form.get("staff_id")) if form.get("staff_id") else None
    except ValueError:
        return RedirectResponse(f"/book/{service_id}", status_code=303)
    who = f"&staff_id={staff_id}" if staff_id else "&anyone=1"
    try:
        await service.join_waitlist(
            session,
            customer=user,
            service_id=service_id,
            on_date=day,
            now=utcnow(),
            staff_id=staff_id,
        )
    except AppError as exc:
        # Say it on the same page, with the same filter, instead of a dead-end error page.
        await session.rollback()
        chosen = await service.get_service(session, service_id=service_id)
        picker = await views.slot_picker(
            session, service=chosen, customer=user, day=day, staff_id=staff_id, now=utcnow()
        )
        context = {"picker": picker, "joined": False, "mode": "book", "error": exc.detail}
        return render(request, "booking/choose_time.html", context, exc.status)
    return RedirectResponse(
        f"/book/{service_id}?day={day.isoformat()}{who}&waitlisted=1", status_code=303
    )


@router.get("/appointments")
async def my_appointments(request: Request, user: CurrentUser, session: SessionDep) -> Response:
    if user.role != Role.customer:
        return RedirectResponse(
            "/stylist" if user.role == Role.staff else "/manager/roster", status_code=303
        )
    now = utcnow()
    found = await views.describe(
        session, await service.appointments_for(session, viewer=user), get_locale()
    )
    upcoming = [
        v
        for v in found
        if v.appointment.ends_at > now and v.appointment.status == AppointmentStatus.booked
    ]
    past = [v for v in found if v not in upcoming][::-1]
    return render(request, "booking/my_appointments.html", {"upcoming": upcoming, "past": past})


async def _appointment_page(
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    appointment_id: int,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    appointment = await service.load_for(session, viewer=user, appointment_id=appointment_id)
    [view] = await views.describe(session, [appointment], get_locale())
    chosen = await service.get_service(session, service_id=appointment.service_id)
    colleagues = []
    is_manager = user.role in (Role.manager, Role.admin)
    if is_manager and appointment.status == AppointmentStatus.booked:
        store = await stores.get_store(session, store_id=appointment.store_id)
        able = set(
            await service.hand_off_candidates(session, manager=user, appointment_id=appointment_id)
        )
        colleagues = [
            (p.user_id, f"{u.family_name} {u.given_name}")
            for p, u in await stores.staff_of(session, stores=[store])
            if p.user_id in able
        ]
    now = utcnow()
    # The rule the service enforces, so a button is never offered that would then fail.
    refusal = rules.change_refusal(
        status=appointment.status,
        starts_at=appointment.starts_at,
        notice_hours=chosen.cancellation_notice_hours,
        by_customer=user.id == appointment.customer_id,
        now=now,
    )
    flags = ("booked", "moved", "cancelled", "handed", "marked", "wrapped", "rated")
    history = await consultation.history_for(
        session,
        viewer=user,
        appointment_id=appointment_id,
        now=utcnow(),
        settings=request.app.state.settings,
    )
    context = {
        "history": history,
        "view": view,
        "service": chosen,
        "now": now,
        "colleagues": colleagues,
        "is_manager": is_manager,
        "refusal": refusal,
        "deadline": rules.change_deadline(appointment.starts_at, chosen.cancellation_notice_hours),
        "is_customer": user.id == appointment.customer_id,
        "flash": next((k for k in flags if request.query_params.get(k)), None),
        "error": error,
        "access_prepare_days": request.app.state.settings.access_prepare_hours // 24,
    }
    return render(request, "booking/appointment.html", context, status_code)


@router.get("/appointments/{appointment_id}")
async def appointment_page(
    request: Request, appointment_id: IdPath, user: CurrentUser, session: SessionDep
) -> Response:
    return await _appointment_page(request, user, session, appointment_id)


@router.get("/appointments/{appointment_id}/reschedule")
async def reschedule_page(
    request: Request,
    appointment_id: IdPath,
    user: CurrentUser,
    session: SessionDep,
    day: Annotated[date | None, Query()] = None,
    others: Annotated[bool, Query()] = False,
) -> Response:
    appointment = await service.load_for(session, viewer=user, appointment_id=appointment_id)
    chosen = await service.get_service(session, service_id=appointment.service_id)
    # Her own stylist's times first; other stylists' only when asked for, and marked as such.
    picker = await views.slot_picker(
        session,
        service=chosen,
        customer=user,
        day=day,
        staff_id=None if others else appointment.staff_id,
        now=utcnow(),
        exclude=appointment.id,
    )
    context = {
        "picker": picker,
        "mode": "reschedule",
        "appointment": appointment,
        "current": appointment.staff_id,
        "current_name": await views.stylist_name(session, appointment.staff_id),
        "others": others,
        "joined": False,
        "error": None,
    }
    return render(request, "booking/choose_time.html", context)


@router.get("/appointments/{appointment_id}/reschedule/confirm")
async def reschedule_confirm(
    request: Request,
    appointment_id: IdPath,
    user: CurrentUser,
    session: SessionDep,
    start: Annotated[datetime, Query()],
    staff_id: Annotated[Id, Query()],
) -> Response:
    appointment = await service.load_for(session, viewer=user, appointment_id=appointment_id)
    chosen = await service.get_service(session, service_id=appointment.service_id)
    store = await stores.get_store(session, store_id=appointment.store_id)
    context = {
        "appointment": appointment,
        "service": chosen,
        "store": store,
        "start": start,
        "staff_id": staff_id,
        "stylist": await views.stylist_name(session, staff_id),
        "current_name": await views.stylist_name(session, appointment.staff_id),
        "changes_stylist": staff_id != appointment.staff_id,
        "deadline": rules.change_deadline(start, chosen.cancellation_notice_hours),
    }
    return render(request, "booking/reschedule_confirm.html", context)


async def _act(
    request: Request, appointment_id: int, action: str, user: CurrentUser, session: WriteSessionDep
) -> Response:
    form = await request.form()
    try:
        if action == "reschedule":
            start = datetime.fromisoformat(str(form.get("start", "")))
            # The confirm step names the stylist; the move is made with exactly her.
            chosen_staff = _staff_id(form.get("staff_id")) if form.get("staff_id") else None
            await service.reschedule(
                session,
                actor=user,
                appointment_id=appointment_id,
                start=start,
                now=utcnow(),
                staff_id=chosen_staff,
                **_ctx(request),
            )  # type: ignore[arg-type]
            flag = "moved"
        elif action == "cancel":
            await service.cancel(
                session,
                actor=user,
                appointment_id=appointment_id,
                reason=str(form.get("reason", ""))[:300],
                now=utcnow(),
                **_ctx(request),
            )  # type: ignore[arg-type]
            flag = "cancelled"
        elif action == "handoff":
            await service.hand_off(
                session,
                manager=user,
                appointment_id=appointment_id,
                staff_id=_staff_id(form.get("staff_id")),
                now=utcnow(),
                **_ctx(request),
            )  # type: ignore[arg-type]
            flag = "handed"
        else:
            status = (
                AppointmentStatus.completed if action == "complete" else AppointmentStatus.no_show
            )
            # A call may take place before the start: completing it then is allowed.
            held = action == "complete" and await consultation.call_took_place(
                session, appointment_id=appointment_id
            )
            await service.mark(
                session,
                actor=user,
                appointment_id=appointment_id,
                status=status,
                now=utcnow(),
                begun=held,
            )
            flag = "marked"
    except (AppError, ValueError) as exc:
        # Show the problem on the page itself (never echo text from the URL).
        await session.rollback()
        if isinstance(exc, AppError):
            return await _appointment_page(
                request, user, session, appointment_id, exc.detail, exc.status
            )
        return await _appointment_page(
            request, user, session, appointment_id, _("Please pick a time from the list."), 422
        )
    return RedirectResponse(f"/appointments/{appointment_id}?{flag}=1", status_code=303)


@router.post("/appointments/{appointment_id}/{action}")
async def appointment_action(
    request: Request,
    appointment_id: IdPath,
    action: str,
    user: CurrentUser,
    session: WriteSessionDep,
) -> Response:
    if action not in ("reschedule", "cancel", "handoff", "complete", "no-show"):
        from starlette.exceptions import HTTPException

        raise HTTPException(status_code=404)
    return await _act(request, appointment_id, action, user, session)
