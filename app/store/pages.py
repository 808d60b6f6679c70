"""Home pages for stylists and managers."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts import service as accounts
from app.accounts.deps import CsrfProtected, ManagerUser, PostmanDep, SettingsDep, StaffUser
from app.accounts.schemas import InvitationIn
from app.core.db import SessionDep
from app.core.errors import AppError
from app.core.forms import parse_form
from app.core.templating import render
from app.store import service
from app.store.models import Skill

router = APIRouter(include_in_schema=False, dependencies=[CsrfProtected])


@router.get("/stylist")
async def stylist_home(request: Request, user: StaffUser, session: SessionDep) -> Response:
    from app.booking import service as booking
    from app.booking.models import AppointmentStatus
    from app.booking.views import describe
    from app.core.i18n import get_locale
    from app.core.types import utcnow

    assert user.id is not None
    profile = await service.staff_profile(session, user_id=user.id)
    store = await service.get_store(session, store_id=profile.home_store_id) if profile else None
    now = utcnow()
    mine = [
        a
        for a in await booking.appointments_for(
            session, viewer=user, start=now, end=now + timedelta(days=7)
        )
        if a.status == AppointmentStatus.booked and a.staff_id == user.id
    ]
    agenda = await describe(session, mine, get_locale())
    from app.notices import service as notices

    inbox = await notices.inbox(session, user=user)
    return render(
        request,
        "home/stylist.html",
        {"profile": profile, "store": store, "agenda": agenda, "inbox": inbox},
    )


async def _manager_context(session: SessionDep, user: ManagerUser) -> dict[str, object]:
    stores = await service.stores_managed_by(session, user=user)
    staff = await service.staff_of(session, stores=stores)
    managers = await service.managers_of(session, stores=stores)
    invitations = await accounts.invitations_for(session, manager=user)
    return {
        "stores": stores,
        "staff": staff,
        "managers": managers,
        "invitations": invitations,
        "skills": Skill.ALL,
        "store_names": {s.id: s for s in stores},
    }


@router.get("/manager")
async def manager_home(request: Request, user: ManagerUser, session: SessionDep) -> Response:
    context = await _manager_context(session, user)
    sent = request.query_params.get("invited") == "1"
    return render(
        request, "home/manager.html", {**context, "values": {}, "errors": {}, "sent": sent}
    )


@router.post("/manager/invitations")
async def invite_submit(
    request: Request,
    user: ManagerUser,
    session: SessionDep,
    postman: PostmanDep,
    settings: SettingsDep,
) -> Response:
    data, values, errors = parse_form(InvitationIn, await request.form())
    status = 422
    if data is not None:
        try:
            await accounts.invite(
                session, inviter=user, data=data, postman=postman, settings=settings
            )
        except AppError as exc:
            errors, status = {exc.field or "form": exc.detail}, exc.status
        else:
            return RedirectResponse("/manager?invited=1#invite", status_code=303)
    context = await _manager_context(session, user)
    context |= {"values": values, "errors": errors, "sent": False}
    return render(request, "home/manager.html", context, status)
