"""Lookbook and reservation pages: the stylist's review-and-send page, the customer's lookbook
with "Reserve to try on", the reservation page, and the store's reservation list.

Included before booking's pages (its /appointments/{id}/{action} route is generic).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.deps import CsrfProtected, CurrentUser, CustomerUser, StaffUser
from app.accounts.models import User
from app.booking import views as booking_views
from app.core.db import SessionDep, WriteSessionDep
from app.core.errors import AppError, InvalidInput
from app.core.forms import parse_form
from app.core.i18n import get_locale
from app.core.i18n import gettext as _
from app.core.templating import render
from app.core.types import IdPath
from app.wardrobe import service as wardrobe
from app.wardrobe.lookbooks import reservations, service
from app.wardrobe.lookbooks.schemas import EntryIn, Note, ReserveIn, SendIn
from app.wardrobe.lookbooks.views import entry_views
from app.wardrobe.models import EntryKind

router = APIRouter(include_in_schema=False, dependencies=[CsrfProtected])


def _now(request: Request) -> datetime:
    return request.app.state.clock()


Now = Annotated[datetime, Depends(_now)]


def _failed(exc: AppError) -> dict[str, str]:
    return {exc.field or "form": exc.detail}


def _ctx(request: Request) -> dict[str, Any]:
    return {
        "postman": request.app.state.postman,
        "base_url": request.app.state.settings.public_base_url,
    }


# ---------------------------------------------------------------- the stylist's page


class AddItemForm(BaseModel):
    model_config = ConfigDict(extra="ignore")
    sku: Annotated[str, Field(min_length=1, max_length=32)]
    note: Note = ""


async def _edit_page(
    request: Request,
    session: AsyncSession,
    user: User,
    appointment_id: int,
    extra: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    content = await service.draft_for(session, actor=user, appointment_id=appointment_id)
    locale = get_locale()
    [appointment] = await booking_views.describe(session, [content.appointment], locale)
    context: dict[str, Any] = {
        "view": appointment,
        "lookbook": content.lookbook,
        "entries": await entry_views(
            session,
            content,
            viewer=user,
            locale=locale,
            shop_url=request.app.state.settings.online_shop_url,
        ),
        "values": {},
        "errors": {},
        "flash": request.query_params.get("done", ""),
        **(extra or {}),
    }
    return render(request, "wardrobe/lookbook_edit.html", context, status_code)


@router.get("/appointments/{appointment_id}/lookbook")
async def edit_page(
    request: Request, appointment_id: IdPath, user: StaffUser, session: SessionDep
) -> Response:
    return await _edit_page(request, session, user, appointment_id)


@router.post("/appointments/{appointment_id}/lookbook/entries")
async def add_item_submit(
    request: Request, appointment_id: IdPath, user: StaffUser, session: WriteSessionDep, now: Now
) -> Response:
    form, values, errors = parse_form(AddItemForm, await request.form())
    status_code = 422
    if form is not None:
        try:
            item = await wardrobe.item_by_sku(session, sku=form.sku.strip())
            data = EntryIn(kind=EntryKind.item, catalog_item_ids=[item.id], note=form.note)
            await service.add_entry(
                session, actor=user, appointment_id=appointment_id, data=data, now=now
            )
            return RedirectResponse(
                f"/appointments/{appointment_id}/lookbook?done=added", status_code=303
            )
        except AppError as exc:
            await session.rollback()  # nothing of the failed attempt stays
            errors, status_code = {exc.field or "sku": exc.detail}, exc.status
    extra = {"values": values, "errors": errors}
    return await _edit_page(request, session, user, appointment_id, extra, status_code)


@router.post("/appointments/{appointment_id}/lookbook/entries/{entry_id}/remove")
async def remove_submit(
    request: Request,
    appointment_id: IdPath,
    entry_id: IdPath,
    user: StaffUser,
    session: WriteSessionDep,
) -> Response:
    try:
        await service.remove_entry(
            session, actor=user, appointment_id=appointment_id, entry_id=entry_id
        )
    except AppError as exc:
        await session.rollback()
        extra = {"errors": _failed(exc)}
        return await _edit_page(request, session, user, appointment_id, extra, exc.status)
    return RedirectResponse(f"/appointments/{appointment_id}/lookbook?done=removed", 303)


@router.post("/appointments/{appointment_id}/lookbook/send")
async def send_submit(
    request: Request, appointment_id: IdPath, user: StaffUser, session: WriteSessionDep, now: Now
) -> Response:
    data, values, errors = parse_form(SendIn, await request.form())
    status_code = 422
    if data is not None:
        try:
            await service.send(
                session,
                actor=user,
                appointment_id=appointment_id,
                data=data,
                now=now,
                **_ctx(request),
            )
            return RedirectResponse(f"/appointments/{appointment_id}/lookbook?done=sent", 303)
        except AppError as exc:
            await session.rollback()
            errors, status_code = _failed(exc), exc.status
    extra = {"values": values, "errors": errors}
    return await _edit_page(request, session, user, appointment_id, extra, status_code)


# ---------------------------------------------------------------- the customer's pages


@router.get("/lookbooks")
async def my_lookbooks(request: Request, user: CustomerUser, session: SessionDep) -> Response:
    context = {
        "lookbooks": await service.sent_to(session, customer=user),
        "reservations": await reservations.mine(session, customer=user),
    }
    return render(request, "wardrobe/lookbooks.html", context)


async def _lookbook_page(
    request: Request,
    session: AsyncSession,
    user: User,
    lookbook_id: int,
    extra: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    content = await service.for_viewer(session, viewer=user, lookbook_id=lookbook_id)
    locale = get_locale()
    [appointment] = await booking_views.describe(session, [content.appointment], locale)
    context: dict[str, Any] = {
        "view": appointment,
        "lookbook": content.lookbook,
        "for_customer": content.for_customer,
        "entries": await entry_views(
            session,
            content,
            viewer=user,
            locale=locale,
            shop_url=request.app.state.settings.online_shop_url,
        ),
        "hold_days": request.app.state.settings.reservation_hold_days,
        "failed_entry": None,
        "failed_item": None,
        "error": None,
        **(extra or {}),
    }
    return render(request, "wardrobe/lookbook.html", context, status_code)


@router.get("/lookbooks/{lookbook_id}")
async def lookbook_page(
    request: Request, lookbook_id: IdPath, user: CurrentUser, session: SessionDep
) -> Response:
    return await _lookbook_page(request, session, user, lookbook_id)


def _reserve_data(lookbook_id: int, form: Any) -> ReserveIn:
    """The reservation a "Reserve to try on" form asks for (its choice is "store:size")."""
    store, _sep, size = str(form.get("choice") or "").partition(":")
    try:
        return ReserveIn(
            lookbook_id=lookbook_id,
            entry_id=form.get("entry_id"),
            catalog_item_id=form.get("catalog_item_id"),
            store_id=store,  # type: ignore[arg-type]
            size=size,
        )
    except ValueError:
        raise InvalidInput(_("Please choose a size and a store."), field="choice") from None


@router.post("/lookbooks/{lookbook_id}/reserve")
async def reserve_submit(
    request: Request,
    lookbook_id: IdPath,
    user: CustomerUser,
    session: WriteSessionDep,
    now: Now,
) -> Response:
    form = await request.form()
    try:
        data = _reserve_data(lookbook_id, form)
        reservation = await reservations.reserve(
            session,
            customer=user,
            data=data,
            now=now,
            hold=timedelta(days=request.app.state.settings.reservation_hold_days),
            **_ctx(request),
        )
    except AppError as exc:
        await session.rollback()  # out of stock: nothing was written
        extra = {
            "error": exc.detail,
            "failed_entry": str(form.get("entry_id") or ""),
            "failed_item": str(form.get("catalog_item_id") or ""),
        }
        return await _lookbook_page(request, session, user, lookbook_id, extra, exc.status)
    return RedirectResponse(f"/reservations/{reservation.id}?done=reserved", status_code=303)


@router.get("/reservations/{reservation_id}")
async def reservation_page(
    request: Request, reservation_id: IdPath, user: CurrentUser, session: SessionDep
) -> Response:
    view = await reservations.view_for(session, viewer=user, reservation_id=reservation_id)
    context = {"r": view, "flash": request.query_params.get("done", ""), "error": None}
    return render(request, "wardrobe/lookbook_reservation.html", context)


@router.post("/reservations/{reservation_id}/cancel")
async def cancel_submit(
    request: Request, reservation_id: IdPath, user: CurrentUser, session: WriteSessionDep, now: Now
) -> Response:
    try:
        reservation = await reservations.cancel(
            session, actor=user, reservation_id=reservation_id, now=now, **_ctx(request)
        )
    except AppError as exc:
        await session.rollback()
        view = await reservations.view_for(session, viewer=user, reservation_id=reservation_id)
        context = {"r": view, "flash": "", "error": exc.detail}
        return render(request, "wardrobe/lookbook_reservation.html", context, exc.status)
    if user.id == reservation.customer_id:
        return RedirectResponse(f"/reservations/{reservation_id}?done=cancelled", 303)
    return RedirectResponse("/store/reservations?done=cancelled", 303)


# ---------------------------------------------------------------- the store's list


async def _store_page(
    request: Request,
    session: AsyncSession,
    user: User,
    now: datetime,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    my_stores, found = await reservations.at_my_stores(session, viewer=user, now=now)
    context = {
        "stores": my_stores,
        "reservations": found,
        "flash": request.query_params.get("done", ""),
        "error": error,
    }
    return render(request, "wardrobe/reservations.html", context, status_code)


@router.get("/store/reservations")
async def store_reservations(
    request: Request, user: StaffUser, session: SessionDep, now: Now
) -> Response:
    return await _store_page(request, session, user, now)


@router.post("/store/reservations/{reservation_id}/collect")
async def collect_submit(
    request: Request, reservation_id: IdPath, user: StaffUser, session: WriteSessionDep, now: Now
) -> Response:
    try:
        await reservations.collect(session, actor=user, reservation_id=reservation_id, now=now)
    except AppError as exc:
        await session.rollback()
        return await _store_page(request, session, user, now, exc.detail, exc.status)
    return RedirectResponse("/store/reservations?done=collected", status_code=303)
