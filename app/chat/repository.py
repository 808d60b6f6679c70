"""Every query of the chat domain."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.chat.models import ChatMessage, Conversation, ReadMark


async def conversation_for_update(
    session: AsyncSession, conversation_id: int
) -> Conversation | None:
    """The conversation row, locked to the end of the transaction (SQLite: BEGIN IMMEDIATE)."""
    statement = select(Conversation).where(Conversation.id == conversation_id).with_for_update()
    return (await session.exec(statement)).first()


async def pair(session: AsyncSession, customer_id: int, staff_id: int) -> Conversation | None:
    statement = select(Conversation).where(
        Conversation.customer_id == customer_id, Conversation.staff_id == staff_id
    )
    return (await session.exec(statement)).first()


async def by_client_id(
    session: AsyncSession, conversation_id: int, sender_id: int, client_msg_id: str
) -> ChatMessage | None:
    statement = select(ChatMessage).where(
        ChatMessage.conversation_id == conversation_id,
        ChatMessage.sender_id == sender_id,
        ChatMessage.client_msg_id == client_msg_id,
    )
    return (await session.exec(statement)).first()


async def after(
    session: AsyncSession, conversation_id: int, after_seq: int, limit: int
) -> list[ChatMessage]:
    statement = (
        select(ChatMessage)
        .where(ChatMessage.conversation_id == conversation_id, ChatMessage.seq > after_seq)
        .order_by(col(ChatMessage.seq))
        .limit(limit)
    )
    return list((await session.exec(statement)).all())


async def read_mark(session: AsyncSession, conversation_id: int, user_id: int) -> ReadMark | None:
    return await session.get(ReadMark, (conversation_id, user_id))
