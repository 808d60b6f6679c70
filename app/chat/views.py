"""View data for the chat panel, shared by the conversation page and the call page."""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts import service as accounts
from app.accounts.models import User
from app.chat import service
from app.chat.models import Conversation
from app.core.config import Settings
from app.core.images import HEIC_SUPPORTED, accepted_formats
from app.store import service as stores

# What the composer's file picker offers; the upload endpoint checks the bytes whatever is sent.
_PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")
_HEIC_TYPES = ("image/heic", "image/heif", ".heic", ".heif")


def photo_accept() -> str:
    """The ``accept`` list of the photo input (HEIC only where the server can read it)."""
    return ",".join(_PHOTO_TYPES + (_HEIC_TYPES if HEIC_SUPPORTED else ()))


async def panel(
    session: AsyncSession, *, viewer: User, conversation: Conversation, settings: Settings
) -> dict[str, Any]:
    """What ``chat/_panel.html`` needs: who the other member is, what the viewer may send, and
    the store's time zone (message times and day separators are shown in it)."""
    other_id = service.other_member(conversation, viewer)
    other = (await accounts.users_by_id(session, ids={other_id})).get(other_id)
    store = await stores.get_store(session, store_id=conversation.store_id)
    can_write = viewer.id in (conversation.customer_id, conversation.staff_id)
    return {
        "conversation": conversation,
        "other_name": f"{other.family_name} {other.given_name}" if other else "",
        "can_write": can_write,
        "can_send_products": can_write and viewer.id == conversation.staff_id,
        "unread": await service.unread(session, viewer=viewer, conversation=conversation),
        "store_time_zone": store.time_zone,
        "photo_formats": accepted_formats(),
        "photo_accept": photo_accept(),
        "photo_max_bytes": settings.chat_photo_max_bytes,
        "photo_max_mb": f"{settings.chat_photo_max_bytes / 1024 / 1024:g}",
    }
