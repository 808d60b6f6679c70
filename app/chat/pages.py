"""The conversation list and the conversation page (the same chat sits beside the video)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts.deps import CsrfProtected, CurrentUser
from app.accounts.models import User
from app.booking import service as booking
from app.chat import service
from app.core.db import SessionDep
from app.core.images import accepted_formats
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
    other = await session.get(User, service.other_member(conversation, user))
    name = f"{other.family_name} {other.given_name}" if other else ""
    can_write = user.id in (conversation.customer_id, conversation.staff_id)
    settings = request.app.state.settings
    return render(
        request,
        "chat/conversation.html",
        {
            "conversation": conversation,
            "other_name": name,
            "can_write": can_write,
            "can_send_products": can_write and user.id == conversation.staff_id,
            "unread": await service.unread(session, viewer=user, conversation=conversation),
            "photo_formats": accepted_formats(),
            "photo_max_mb": f"{settings.chat_photo_max_bytes / 1024 / 1024:g}",
        },
    )
