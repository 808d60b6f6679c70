"""Chat use cases: open a conversation, post (exactly once), read what was missed, mark as read."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import Role, User
from app.booking.models import Appointment
from app.chat import repository as repo
from app.chat.models import ChatMessage, Conversation, ReadMark
from app.chat.schemas import MessageOut, SendIn
from app.core.errors import Conflict, Forbidden, NotFound
from app.core.i18n import gettext as _
from app.store import service as stores

PAGE = 500


def to_out(message: ChatMessage) -> MessageOut:
    return MessageOut.model_validate(message, from_attributes=True)


async def _shares_an_appointment(
    session: AsyncSession, customer_id: int, staff_id: int
) -> Appointment | None:
    statement = select(Appointment).where(
        Appointment.customer_id == customer_id, Appointment.staff_id == staff_id
    )
    return (await session.exec(statement)).first()


async def open_conversation(
    session: AsyncSession, *, viewer: User, customer_id: int, staff_id: int
) -> Conversation:
    """The conversation of a customer and stylist who share an appointment (made on first use)."""
    if viewer.id not in (customer_id, staff_id):
        raise Forbidden(_("You can only open your own conversations."))
    existing = await repo.pair(session, customer_id, staff_id)
    if existing is not None:
        return existing
    appointment = await _shares_an_appointment(session, customer_id, staff_id)
    if appointment is None:
        raise Forbidden(_("A conversation opens once you have a session together."))
    conversation = Conversation(
        customer_id=customer_id, staff_id=staff_id, store_id=appointment.store_id
    )
    session.add(conversation)
    try:
        await session.flush()
    except IntegrityError as exc:  # opened at the same moment from the other side
        raise Conflict(_("This conversation was just opened. Please try again.")) from exc
    return conversation


async def load(session: AsyncSession, *, viewer: User, conversation_id: int) -> Conversation:
    """A conversation its customer, stylist or store manager may see; 404 for anyone else."""
    conversation = await session.get(Conversation, conversation_id)
    allowed = conversation is not None and (
        viewer.id in (conversation.customer_id, conversation.staff_id)
        or (
            viewer.role in (Role.manager, Role.admin)
            and (
                viewer.role == Role.admin
                or await stores.manages(session, user_id=viewer.id, store_id=conversation.store_id)
            )  # type: ignore[arg-type]
        )
    )
    if not allowed:
        raise NotFound(_("There is no such conversation."))
    assert conversation is not None
    return conversation


async def post(
    session: AsyncSession, *, viewer: User, conversation_id: int, data: SendIn
) -> tuple[ChatMessage, bool]:
    """Store a message once: a retry with the same client_msg_id returns the stored one."""
    conversation = await load(session, viewer=viewer, conversation_id=conversation_id)
    if viewer.id not in (conversation.customer_id, conversation.staff_id):
        raise Forbidden(_("Only the customer and the stylist write in this conversation."))
    assert viewer.id is not None and conversation.id is not None
    locked = await repo.conversation_for_update(session, conversation.id)
    assert locked is not None
    existing = await repo.by_client_id(session, conversation.id, viewer.id, data.client_msg_id)
    if existing is not None:
        return existing, False
    locked.last_seq += 1
    message = ChatMessage(
        conversation_id=conversation.id,
        seq=locked.last_seq,
        sender_id=viewer.id,
        client_msg_id=data.client_msg_id,
        body=data.body,
    )
    session.add_all([locked, message])
    await session.flush()
    return message, True


async def missed(
    session: AsyncSession, *, viewer: User, conversation_id: int, after_seq: int
) -> list[ChatMessage]:
    """Messages after ``after_seq``, in order (at most one page)."""
    conversation = await load(session, viewer=viewer, conversation_id=conversation_id)
    return await repo.after(session, conversation.id, max(0, after_seq), PAGE)  # type: ignore[arg-type]


async def mark_read(session: AsyncSession, *, viewer: User, conversation_id: int, seq: int) -> int:
    """Remember how far the viewer has read; never moves backwards."""
    conversation = await load(session, viewer=viewer, conversation_id=conversation_id)
    assert viewer.id is not None and conversation.id is not None
    mark = await repo.read_mark(session, conversation.id, viewer.id) or ReadMark(
        conversation_id=conversation.id, user_id=viewer.id
    )
    mark.last_read_seq = max(mark.last_read_seq, min(seq, conversation.last_seq))
    session.add(mark)
    return mark.last_read_seq


async def unread(session: AsyncSession, *, viewer: User, conversation: Conversation) -> int:
    assert viewer.id is not None and conversation.id is not None
    mark = await repo.read_mark(session, conversation.id, viewer.id)
    return conversation.last_seq - (mark.last_read_seq if mark else 0)
