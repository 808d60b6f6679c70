"""View data for the chat panel, shared by the conversation page and the call page."""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts import service as accounts
from app.accounts.models import User
from app.chat import service
from app.chat.models import Conversation
from app.core.config import Settings
from app.core.images import accepted_formats


async def panel(
    session: AsyncSession, *, viewer: User, conversation: Conversation, settings: Settings
) -> dict[str, Any]:
    """What ``chat/_panel.html`` needs: who the other member is and what the viewer may send."""
    other_id = service.other_member(conversation, viewer)
    other = (await accounts.users_by_id(session, ids={other_id})).get(other_id)
    can_write = viewer.id in (conversation.customer_id, conversation.staff_id)
    return {
        "conversation": conversation,
        "other_name": f"{other.family_name} {other.given_name}" if other else "",
        "can_write": can_write,
        "can_send_products": can_write and viewer.id == conversation.staff_id,
        "unread": await service.unread(session, viewer=viewer, conversation=conversation),
        "photo_formats": accepted_formats(),
        "photo_max_mb": f"{settings.chat_photo_max_bytes / 1024 / 1024:g}",
    }
