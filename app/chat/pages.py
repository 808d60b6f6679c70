"""The conversation list and the conversation page (the same chat sits beside the video)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts.deps import CsrfProtected, CurrentUser
from app.booking import service as booking
from app.chat import service, views
from app.core.db import SessionDep
from app.core.templating import render
from app.core.types import IdPath

router = APIRouter(include_in_schema=False, dependencies=[CsrfProtected])


@router.post("/appointments/{appointment_id}/conversation")
async def open_from_appointment(
    appointment_id: IdPath, user: CurrentUser, session: SessionDep
) -> Response:
    appointment = await booking.load_for(session, viewer=user, appointment_id=appointment_id)
    conversation = await service.open_conversation(
        session, viewer=user, customer_id=appointment.customer_id, staff_id=appointment.staff_id
    )
    return RedirectResponse(f"/conversations/{conversation.id}", status_code=303)


@router.get("/conversations")
async def conversation_list(request: Request, user: CurrentUser, session: SessionDep) -> Response:
    conversations = await service.list_mine(session, viewer=user)
    return render(request, "chat/list.html", {"conversations": conversations})


@router.get("/conversations/{conversation_id}")
async def conversation_page(
    request: Request, conversation_id: IdPath, user: CurrentUser, session: SessionDep
) -> Response:
    conversation = await service.load(session, viewer=user, conversation_id=conversation_id)
    settings = request.app.state.settings
    context = await views.panel(session, viewer=user, conversation=conversation, settings=settings)
    return render(request, "chat/conversation.html", context)
