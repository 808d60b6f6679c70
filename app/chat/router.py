"""JSON API for conversations (the websocket carries the live traffic)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from app.accounts.deps import CsrfProtected, CurrentUser
from app.chat import service
from app.chat.schemas import ConversationOut, MessageOut, OpenIn, SendIn
from app.core.db import SessionDep, WriteSessionDep
from app.core.openapi import errors
from app.core.types import IdPath

router = APIRouter(prefix="/api/v1/conversations", tags=["chat"], dependencies=[CsrfProtected])


@router.post("", responses=errors(401, 403, 409, 422))
async def open_conversation(
    data: OpenIn, user: CurrentUser, session: SessionDep
) -> ConversationOut:
    """Open (or find) the conversation of a customer and a stylist who share an appointment."""
    conversation = await service.open_conversation(
        session, viewer=user, customer_id=data.customer_id, staff_id=data.staff_id
    )
    return ConversationOut(
        id=conversation.id,
        customer_id=conversation.customer_id,  # type: ignore[arg-type]
        staff_id=conversation.staff_id,
        last_seq=conversation.last_seq,
        unread=await service.unread(session, viewer=user, conversation=conversation),
    )


@router.get("/{conversation_id}/messages", responses=errors(401, 404, 422))
async def history(
    conversation_id: IdPath,
    user: CurrentUser,
    session: SessionDep,
    after: Annotated[int, Query(ge=0)] = 0,
) -> list[MessageOut]:
    """Messages after a sequence number, in order (up to 500)."""
    found = await service.missed(
        session, viewer=user, conversation_id=conversation_id, after_seq=after
    )
    return [service.to_out(m) for m in found]


@router.post("/{conversation_id}/messages", status_code=201, responses=errors(401, 403, 404, 422))
async def post_message(
    conversation_id: IdPath,
    data: SendIn,
    user: CurrentUser,
    session: WriteSessionDep,
    request: Request,
) -> MessageOut:
    """Send a message without a live socket; the same client_msg_id is stored once."""
    import json

    message, new = await service.post(
        session, viewer=user, conversation_id=conversation_id, data=data
    )
    out = service.to_out(message)
    if new:
        from app.core.events import after_commit

        broker = request.app.state.broker
        payload = json.dumps(out.model_dump(mode="json"), ensure_ascii=False)
        after_commit(session, lambda: broker.publish(f"chat:{conversation_id}", payload))
    return out
