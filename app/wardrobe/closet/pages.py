"""The customer's wardrobe pages: the grid by slot, add from the closet, edit, hide and retire.

Plain HTML forms (multipart for the photo) with the CSRF token, so everything works without
JavaScript; each change redirects back with a short notice.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from app.accounts.deps import CsrfProtected, CustomerUser
from app.core.db import SessionDep
from app.core.errors import AppError
from app.core.forms import errors_by_field, form_values, parse_form
from app.core.i18n import get_locale
from app.core.i18n import gettext as _
from app.core.images import ImageLimits
from app.core.templating import render
from app.core.types import IdPath, utcnow
from app.wardrobe.closet import service
from app.wardrobe.closet import vocabulary as vocab
from app.wardrobe.closet.schemas import ClosetItemEdit, ClosetItemIn

router = APIRouter(include_in_schema=False, dependencies=[CsrfProtected])

_READ_AT_MOST = ImageLimits().max_bytes + 1
_EDITABLE = (
    "label",
    "category",
    "slot",
    "colour_name",
    "colour_rgb",
    "pattern",
    "seasons",
    "brand",
)
_NOTICES = ("added", "saved", "hidden", "shown", "retired", "restored")
_ACTIONS: dict[str, dict[str, bool]] = {
    "hide": {"hidden": True},
    "show": {"hidden": False},
    "retire": {"retired": True},
    "restore": {"retired": False},
}
_ACTION_NOTICE = {"hide": "hidden", "show": "shown", "retire": "retired", "restore": "restored"}


def _choices(locale: str) -> dict[str, Any]:
    """The lists the forms offer, named in the viewer's language."""
    by_slot = [
        (
            slot.label(locale),
            [(c.code, c.label(locale)) for c in vocab.CATEGORIES if c.slot == slot.code],
        )
        for slot in vocab.SLOTS
    ]
    return {
        "category_groups": by_slot,
        "slots": [(s.code, s.label(locale)) for s in vocab.SLOTS],
        "colours": [(c.code, c.label(locale), c.rgb) for c in vocab.COLOURS],
        "patterns": [(p.code, p.label(locale)) for p in vocab.PATTERNS],
        "seasons": [(s.code, s.label(locale)) for s in vocab.SEASONS],
    }


def _form_page(
    request: Request,
    mode: Literal["add", "edit"],
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
    item: Any = None,
) -> Response:
    context = {"mode": mode, "values": values, "errors": errors, "item": item}
    return render(request, "wardrobe/item_form.html", context | _choices(get_locale()), status_code)


@router.get("/me/wardrobe")
async def my_wardrobe(request: Request, user: CustomerUser, session: SessionDep) -> Response:
    view = await service.my_wardrobe(session, customer=user, locale=get_locale())
    notice = next((k for k in _NOTICES if request.query_params.get(k)), None)
    return render(request, "wardrobe/my_wardrobe.html", {"wardrobe": view, "notice": notice})


@router.get("/me/wardrobe/add")
async def add_page(request: Request, user: CustomerUser) -> Response:
    return _form_page(request, "add", {"seasons": []}, {})


@router.post("/me/wardrobe/add")
async def add_submit(request: Request, user: CustomerUser, session: SessionDep) -> Response:
    assert user.id is not None
    form = await request.form()
    data, values, errors = parse_form(ClosetItemIn, form)
    upload = form.get("image")
    photo = await upload.read(_READ_AT_MOST) if isinstance(upload, UploadFile) else b""
    if not photo:
        errors.setdefault("image", _("Please choose a photo of the item."))
    if data is None or errors:
        return _form_page(request, "add", values, errors, 422)
    try:
        item = await service.add_from_closet(
            session,
            viewer=user,
            customer_id=user.id,
            data=data,
            image=photo,
            var_dir=request.app.state.settings.var_dir,
            locale=get_locale(),
        )
    except AppError as exc:
        return _form_page(request, "add", values, {exc.field or "image": exc.detail}, exc.status)
    return RedirectResponse(f"/me/wardrobe?added=1#item-{item.id}", status_code=303)


def _values_of(item: Any) -> dict[str, Any]:
    values = {name: getattr(item, name) for name in _EDITABLE}
    values["seasons"] = list(item.seasons or [])
    return values


@router.get("/me/wardrobe/{item_id}/edit")
async def edit_page(
    request: Request, item_id: IdPath, user: CustomerUser, session: SessionDep
) -> Response:
    item, view = await service.item_of_customer(
        session, viewer=user, item_id=item_id, locale=get_locale()
    )
    return _form_page(request, "edit", _values_of(item), {}, item=view)


@router.post("/me/wardrobe/{item_id}/edit")
async def edit_submit(
    request: Request, item_id: IdPath, user: CustomerUser, session: SessionDep
) -> Response:
    item, view = await service.item_of_customer(
        session, viewer=user, item_id=item_id, locale=get_locale()
    )
    # Every field of the form is sent: an emptied one clears (hidden/retired have their buttons).
    values = form_values(await request.form(), ClosetItemEdit)
    submitted = {name: values.get(name) for name in _EDITABLE}
    submitted["seasons"] = values.get("seasons") or []
    try:
        data = ClosetItemEdit.model_validate(submitted)
        await service.edit_item(session, viewer=user, item_id=item_id, data=data, now=utcnow())
    except AppError as exc:
        return _form_page(
            request, "edit", submitted, {exc.field or "form": exc.detail}, exc.status, view
        )
    except ValidationError as exc:
        errors = errors_by_field(exc)
        return _form_page(request, "edit", submitted, errors, 422, view)
    return RedirectResponse(f"/me/wardrobe?saved=1#item-{item.id}", status_code=303)


@router.post("/me/wardrobe/{item_id}/{action}")
async def change_state(
    item_id: IdPath,
    action: Literal["hide", "show", "retire", "restore"],
    user: CustomerUser,
    session: SessionDep,
) -> Response:
    data = ClosetItemEdit.model_validate(_ACTIONS[action])
    await service.edit_item(session, viewer=user, item_id=item_id, data=data, now=utcnow())
    return RedirectResponse(
        f"/me/wardrobe?{_ACTION_NOTICE[action]}=1#item-{item_id}", status_code=303
    )
