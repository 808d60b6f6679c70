"""Notices page for staff: the full recent list, and 'mark all as read'."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts.deps import CsrfProtected, StaffUser
from app.core.db import SessionDep
from app.core.templating import render
from app.notices import service

router = APIRouter(include_in_schema=False, dependencies=[CsrfProtected])


@router.get("/notices")
async def notices_page(request: Request, user: StaffUser, session: SessionDep) -> Response:
    box = await service.inbox(session, user=user, limit=100)
    return render(request, "notices/list.html", {"inbox": box})


@router.post("/notices/read")
async def mark_read(request: Request, user: StaffUser, session: SessionDep) -> Response:
    await service.mark_all_read(session, user=user)
    wanted = str((await request.form()).get("next") or "")
    target = wanted if wanted in _BACK else "/notices"
    return RedirectResponse(target, status_code=303)


_BACK = ("/stylist", "/manager/roster", "/notices")
