"""Roster pages: the manager's week grid, the stylist's week with shift requests, services."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.deps import CsrfProtected, ManagerUser, StaffUser
from app.booking import service as booking
from app.booking.schemas import ServiceIn
from app.core.db import SessionDep, WriteSessionDep
from app.core.errors import AppError
from app.core.forms import errors_by_field, form_values
from app.core.i18n import get_locale
from app.core.templating import render
from app.core.types import Id, IdPath, utcnow
from app.notices import service as notices
from app.scheduling import service, views
from app.scheduling.schemas import ShiftIn, ShiftRequestIn, ShiftTimes, TemplateIn, TimeOffIn
from app.store import service as stores
from app.store.models import Skill

router = APIRouter(include_in_schema=False, dependencies=[CsrfProtected])


async def _store_today(session: AsyncSession, store_id: int | None) -> date:
    """Today on the store's clock (Tokyo is a day ahead of UTC until 09:00)."""
    store = await stores.get_store(session, store_id=store_id or 0)
    return utcnow().astimezone(ZoneInfo(store.time_zone)).date()


def _int(value: object) -> int:
    """A form id, or 0 for anything that is not a sane id (the services then answer 404)."""
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) < 10 else 0


async def _roster(
    request: Request,
    user: ManagerUser,
    session: SessionDep,
    store_id: int | None,
    week: date | None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    managed = await stores.stores_managed_by(session, user=user)
    if not managed:
        return render(
            request, "scheduling/roster.html", {"grid": None, "stores": [], "error": error}
        )
    store = next((s for s in managed if s.id == store_id), managed[0])
    today = utcnow().astimezone(ZoneInfo(store.time_zone)).date()  # the store's today, not UTC's
    grid = await views.roster_grid(
        session, manager=user, store_id=store.id, week=week or today, locale=get_locale()
    )  # type: ignore[arg-type]
    context = {
        "grid": grid,
        "inbox": await notices.inbox(session, user=user),
        "stores": managed,
        "error": error,
        "prev": grid.week - timedelta(days=7),
        "next": grid.week + timedelta(days=7),
        "saved": request.query_params.get("saved") == "1",
    }
    return render(request, "scheduling/roster.html", context, status_code)


@router.get("/manager/roster")
async def roster_page(
    request: Request,
    user: ManagerUser,
    session: SessionDep,
    store_id: Annotated[Id | None, Query()] = None,
    week: Annotated[date | None, Query()] = None,
) -> Response:
    return await _roster(request, user, session, store_id, week)


@router.post("/manager/roster/{action}")
async def roster_action(
    request: Request, action: str, user: ManagerUser, session: WriteSessionDep
) -> Response:
    form = await request.form()
    store_id = _int(form.get("store_id")) or None
    week_raw = str(form.get("week") or "")
    try:
        week = date.fromisoformat(week_raw) if len(week_raw) == 10 else None
    except ValueError:
        week = None
    try:
        shift_id = _int(form.get("shift_id"))
        if action == "approve":
            await service.decide(session, manager=user, shift_id=shift_id, approve=True)
        elif action == "decline":
            await service.decide(session, manager=user, shift_id=shift_id, approve=False)
        elif action == "delete":
            await service.delete_shift(session, manager=user, shift_id=shift_id)
        elif action == "update":
            await service.update_shift(
                session,
                manager=user,
                shift_id=shift_id,
                data=ShiftTimes.model_validate(form_values(form, ShiftTimes)),
            )
        elif action == "add":
            await service.create_shift(
                session, manager=user, data=ShiftIn.model_validate(form_values(form, ShiftIn))
            )
        elif action == "template":
            await service.create_template(
                session, manager=user, data=TemplateIn.model_validate(form_values(form, TemplateIn))
            )
        elif action == "delete-template":
            await service.delete_template(
                session, manager=user, template_id=_int(form.get("template_id"))
            )
        elif action == "time-off":
            await service.add_time_off(
                session, actor=user, data=TimeOffIn.model_validate(form_values(form, TimeOffIn))
            )
        elif action == "apply-templates":
            from app.scheduling.schemas import ApplyTemplatesIn

            await service.apply_templates(
                session,
                manager=user,
                data=ApplyTemplatesIn(
                    store_id=store_id or 0,
                    first_day=week or await _store_today(session, store_id),
                    weeks=4,
                ),
            )
        else:
            from starlette.exceptions import HTTPException

            raise HTTPException(status_code=404)
    except ValidationError as exc:
        await session.rollback()
        problems = "; ".join(errors_by_field(exc).values())
        return await _roster(request, user, session, store_id, week, problems, 422)
    except AppError as exc:
        await session.rollback()
        return await _roster(request, user, session, store_id, week, exc.detail, exc.status)
    # Without a week the roster page opens on the store's current week.
    shown = f"&week={week.isoformat()}" if week else ""
    target = f"/manager/roster?store_id={store_id or ''}{shown}&saved=1"
    return RedirectResponse(target, status_code=303)


@router.get("/stylist/week")
async def my_week(
    request: Request,
    user: StaffUser,
    session: SessionDep,
    week: Annotated[date | None, Query()] = None,
) -> Response:
    data = await views.my_week(session, stylist=user, week=week)
    context = {
        "data": data,
        "values": {},
        "errors": {},
        "sent": request.query_params.get("sent") == "1",
        "prev": data.week - timedelta(days=7),
        "next": data.week + timedelta(days=7),
    }
    return render(request, "scheduling/my_week.html", context)


@router.post("/stylist/week")
async def request_shift(request: Request, user: StaffUser, session: WriteSessionDep) -> Response:
    form = await request.form()
    values = form_values(form, ShiftRequestIn)
    try:
        offer = ShiftRequestIn.model_validate(values)
        await service.request_shift(
            session,
            stylist=user,
            data=offer,
            postman=request.app.state.postman,
            base_url=request.app.state.settings.public_base_url,
        )
    except (ValidationError, AppError) as exc:
        await session.rollback()
        errors = (
            errors_by_field(exc)
            if isinstance(exc, ValidationError)
            else {exc.field or "form": exc.detail}
        )
        data = await views.my_week(session, stylist=user, week=None)
        context = {
            "data": data,
            "values": values,
            "errors": errors,
            "sent": False,
            "prev": data.week - timedelta(days=7),
            "next": data.week + timedelta(days=7),
        }
        return render(
            request,
            "scheduling/my_week.html",
            context,
            exc.status if isinstance(exc, AppError) else 422,
        )
    # The week of the day the stylist chose, in her store's calendar: the UTC date of a shift
    # that starts before 09:00 JST is the day before, which can be the week before.
    return RedirectResponse(
        f"/stylist/week?week={offer.on_date.isoformat()}&sent=1", status_code=303
    )


@router.get("/manager/services")
async def services_page(request: Request, user: ManagerUser, session: SessionDep) -> Response:
    managed = await stores.stores_managed_by(session, user=user)
    offers = [(store, await booking.list_services(session, store_id=store.id)) for store in managed]
    return render(
        request,
        "scheduling/services.html",
        {
            "offers": offers,
            "skills": Skill.ALL,
            "errors": {},
            "saved": request.query_params.get("saved") == "1",
        },
    )


@router.post("/manager/services/{store_id}")
async def save_service(
    request: Request, store_id: IdPath, user: ManagerUser, session: SessionDep
) -> Response:
    form = await request.form()
    raw_id = str(form.get("service_id") or "")
    try:
        data = ServiceIn.model_validate(form_values(form, ServiceIn))
        await booking.save_service(
            session,
            manager=user,
            store_id=store_id,
            data=data,
            service_id=int(raw_id) if raw_id.isdigit() else None,
        )
    except (ValidationError, AppError) as exc:
        await session.rollback()
        errors = (
            errors_by_field(exc)
            if isinstance(exc, ValidationError)
            else {exc.field or "form": exc.detail}
        )
        managed = await stores.stores_managed_by(session, user=user)
        offers = [
            (store, await booking.list_services(session, store_id=store.id)) for store in managed
        ]
        status = exc.status if isinstance(exc, AppError) else 422
        return render(
            request,
            "scheduling/services.html",
            {"offers": offers, "skills": Skill.ALL, "errors": errors, "saved": False},
            status,
        )
    return RedirectResponse("/manager/services?saved=1", status_code=303)
