"""Conversations between a customer and a stylist, and their numbered messages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.types import UTCDateTime, utcnow


class Conversation(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("customer_id", "staff_id", name="uq_conversation_pair"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="user_account.id", index=True)
    staff_id: int = Field(foreign_key="user_account.id", index=True)
    store_id: int = Field(foreign_key="store.id")
    last_seq: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ChatMessage(SQLModel, table=True):
    __tablename__ = "chat_message"
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq", name="uq_chat_message_seq"),
        UniqueConstraint(
            "conversation_id", "sender_id", "client_msg_id", name="uq_chat_message_client_id"
        ),
        Index("ix_chat_message_conversation_seq", "conversation_id", "seq"),
    )

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversation.id")
    seq: int
    sender_id: int = Field(foreign_key="user_account.id")
    client_msg_id: str = Field(max_length=64)
    body: str = Field(max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ReadMark(SQLModel, table=True):
    __tablename__ = "chat_read_mark"

    conversation_id: int = Field(foreign_key="conversation.id", primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", primary_key=True)
    last_read_seq: int = 0
