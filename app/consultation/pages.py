"""Wrap-up and rating forms. Included before booking's pages (its /appointments/{id}/{action}
route is generic)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts.deps import CsrfProtected, CurrentUser
from app.accounts.models import User
from app.booking import service as booking
from app.booking import views
from app.consultation import service
from app.consultation.schemas import RatingIn, WrapUpIn
from app.core.db import SessionDep, WriteSessionDep
from app.core.errors import AppError
from app.core.forms import parse_form
from app.core.i18n import get_locale
from app.core.templating import render
from app.core.types import IdPath, utcnow

router = APIRouter(include_in_schema=False, dependencies=[CsrfProtected])

OUTCOMES = ("bought", "thinking", "not_now")


async def _page(
    request: Request,
    session: SessionDep,
    user: User,
    appointment_id: int,
    template: str,
    extra: dict[str, Any],
    status_code: int = 200,
) -> Response:
    appointment = await booking.load_for(session, viewer=user, appointment_id=appointment_id)
    [view] = await views.describe(session, [appointment], get_locale())
    first, last = service.follow_up_range(view.time_zone, utcnow())
    context = {
        "view": view,
        "outcomes": OUTCOMES,
        "follow_up_min": first.isoformat(),
        "follow_up_max": last.isoformat(),
        **extra,
    }
    return render(request, template, context, status_code)


def _failed(exc: AppError) -> dict[str, str]:
    return {exc.field or "form": exc.detail}


@router.get("/appointments/{appointment_id}/wrapup")
async def wrap_up_page(
    request: Request, appointment_id: IdPath, user: CurrentUser, session: SessionDep
) -> Response:
    existing = await service.wrap_up_to_edit(
        session, actor=user, appointment_id=appointment_id, now=utcnow()
    )
    values: dict[str, Any] = {}
    if existing is not None:
        values = {
            "summary": existing.summary,
            "outcome": existing.outcome,
            "follow_up_on": existing.follow_up_on.isoformat() if existing.follow_up_on else "",
        }
    extra = {"values": values, "errors": {}, "editing": existing is not None}
    return await _page(request, session, user, appointment_id, "consultation/wrapup.html", extra)


@router.post("/appointments/{appointment_id}/wrapup")
async def wrap_up_submit(
    request: Request, appointment_id: IdPath, user: CurrentUser, session: WriteSessionDep
) -> Response:
    existing = await service.wrap_up_to_edit(
        session, actor=user, appointment_id=appointment_id, now=utcnow()
    )
    data, values, errors = parse_form(WrapUpIn, await request.form())
    if data is not None:
        try:
            await service.save_wrap_up(
                session, actor=user, appointment_id=appointment_id, data=data, now=utcnow()
            )
            return RedirectResponse(f"/appointments/{appointment_id}?wrapped=1", status_code=303)
        except AppError as exc:
            await session.rollback()  # nothing of the failed attempt stays
            errors, status_code = _failed(exc), exc.status
    else:
        status_code = 422
    extra = {"values": values, "errors": errors, "editing": existing is not None}
    return await _page(
        request, session, user, appointment_id, "consultation/wrapup.html", extra, status_code
    )


@router.get("/appointments/{appointment_id}/rating")
async def rating_page(
    request: Request, appointment_id: IdPath, user: CurrentUser, session: SessionDep
) -> Response:
    existing = await service.rating_to_edit(
        session, actor=user, appointment_id=appointment_id, now=utcnow()
    )
    values: dict[str, Any] = {}
    if existing is not None:
        values = {"score": str(existing.score), "comment": existing.comment}
    extra = {"values": values, "errors": {}, "editing": existing is not None}
    return await _page(request, session, user, appointment_id, "consultation/rating.html", extra)


@router.post("/appointments/{appointment_id}/rating")
async def rating_submit(
    request: Request, appointment_id: IdPath, user: CurrentUser, session: WriteSessionDep
) -> Response:
    existing = await service.rating_to_edit(
        session, actor=user, appointment_id=appointment_id, now=utcnow()
    )
    data, values, errors = parse_form(RatingIn, await request.form())
    if data is not None:
        try:
            await service.save_rating(
                session, actor=user, appointment_id=appointment_id, data=data, now=utcnow()
            )
            return RedirectResponse(f"/appointments/{appointment_id}?rated=1", status_code=303)
        except AppError as exc:
            await session.rollback()
            errors, status_code = _failed(exc), exc.status
    else:
        status_code = 422
    extra = {"values": values, "errors": errors, "editing": existing is not None}
    return await _page(
        request, session, user, appointment_id, "consultation/rating.html", extra, status_code
    )
