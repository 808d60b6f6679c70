"""The customer's own pages: home with purchase history, and profile."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from app.access import service as access
from app.access.schemas import RevealIn
from app.accounts.deps import CsrfProtected, CustomerUser, StaffUser
from app.core.db import SessionDep, WriteSessionDep
from app.core.errors import AppError, InvalidInput
from app.core.forms import parse_form
from app.core.i18n import get_locale, set_locale
from app.core.templating import render
from app.core.types import IdPath, utcnow
from app.customer import service, staff_view
from app.customer.schemas import CLOTHING_SIZES, ProfileIn
from app.wardrobe import service as wardrobe
from app.wardrobe.closet import service as closet

router = APIRouter(include_in_schema=False, dependencies=[CsrfProtected])


@router.get("/me")
async def customer_home(request: Request, user: CustomerUser, session: SessionDep) -> Response:
    assert user.id is not None
    customer, profile, decision = await service.load_customer_as(
        session, viewer=user, customer_id=user.id
    )
    lines = await service.purchase_history(session, viewer=user, customer_id=user.id, limit=12)
    context = {
        "profile": service.public_profile(customer, profile, decision),
        "purchases": lines,
        "welcome": request.query_params.get("welcome") == "1",
    }
    return render(request, "home/customer.html", context)


def _profile_context(values: dict[str, object], errors: dict[str, str], saved: bool) -> dict:
    return {"values": values, "errors": errors, "sizes": CLOTHING_SIZES, "saved": saved}


@router.get("/me/profile")
async def profile_page(request: Request, user: CustomerUser, session: SessionDep) -> Response:
    assert user.id is not None
    customer, profile, decision = await service.load_customer_as(
        session, viewer=user, customer_id=user.id
    )
    values = service.public_profile(customer, profile, decision).model_dump()
    values["phone"] = values.pop("phone_e164")
    saved = request.query_params.get("saved") == "1"
    context = _profile_context(values, {}, saved)
    context["owned"] = await closet.owned_out_many(
        session, await wardrobe.owned_items(session, viewer=user, customer_id=user.id)
    )
    return render(request, "customer/profile.html", context)


@router.post("/me/profile")
async def profile_submit(request: Request, user: CustomerUser, session: SessionDep) -> Response:
    assert user.id is not None
    data, values, errors = parse_form(ProfileIn, await request.form())
    if data is None:
        return render(
            request, "customer/profile.html", _profile_context(values, errors, False), 422
        )
    try:
        await service.update_profile(session, viewer=user, customer_id=user.id, data=data)
    except AppError as exc:
        errors = {exc.field or "form": exc.detail}
        context = _profile_context(values, errors, False)
        return render(request, "customer/profile.html", context, exc.status)
    set_locale(data.locale)
    return RedirectResponse("/me/profile?saved=1", status_code=303)


@router.get("/customers/{customer_id}")
async def customer_for_staff(
    request: Request, customer_id: IdPath, user: StaffUser, session: WriteSessionDep
) -> Response:
    """A customer's history for staff who serve them: purchases, sessions, wardrobe."""
    view = await staff_view.customer_for_staff(
        session, viewer=user, customer_id=customer_id, locale=get_locale(), now=utcnow()
    )
    context = _staff_context(view, revealed=request.query_params.get("revealed") == "1")
    return render(request, "customer/staff_view.html", context)


def _staff_context(
    view: staff_view.CustomerForStaff,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    revealed: bool = False,
) -> dict[str, Any]:
    return {
        "customer": view,
        "wardrobe_panel": view.wardrobe,
        "now": utcnow(),
        "reveal_reasons": access.REVEAL_REASONS,
        "reveal_values": values or {},
        "reveal_errors": errors or {},
        "revealed": revealed,
    }


@router.post("/customers/{customer_id}/reveal")
async def reveal_contact(
    request: Request, customer_id: IdPath, user: StaffUser, session: WriteSessionDep
) -> Response:
    """Show masked contact fields for a while, with the reason on record."""
    data, values, errors = parse_form(RevealIn, await request.form())
    if data is not None:
        try:
            await service.reveal_contact(session, viewer=user, customer_id=customer_id, data=data)
        except InvalidInput as exc:
            errors = {exc.field or "form": exc.detail}
        else:
            return RedirectResponse(f"/customers/{customer_id}?revealed=1#contact", 303)
    view = await staff_view.customer_for_staff(
        session, viewer=user, customer_id=customer_id, locale=get_locale(), now=utcnow()
    )
    context = _staff_context(view, values=values, errors=errors)
    return render(request, "customer/staff_view.html", context, 422)
