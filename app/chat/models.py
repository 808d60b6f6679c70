"""Conversations between a customer and a stylist, and their numbered messages.

A message is text, a photo (``attachment_*``: a re-encoded copy stored under
``var/uploads/chat/<conversation>/<attachment_name>``) or a product card (``catalog_item_id``,
staff only), each with an optional text. ``ReadMark`` also remembers up to which message the
member was emailed about unread messages (``notified_seq``), so a restart never re-sends a notice.
"""

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
    catalog_item_id: int | None = Field(default=None, foreign_key="catalog_item.id")
    attachment_name: str | None = Field(default=None, max_length=64)
    attachment_type: str | None = Field(default=None, max_length=32)
    attachment_width: int | None = None
    attachment_height: int | None = None
    attachment_bytes: int | None = None


class ReadMark(SQLModel, table=True):
    __tablename__ = "chat_read_mark"

    conversation_id: int = Field(foreign_key="conversation.id", primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", primary_key=True)
    last_read_seq: int = 0
    # The newest message the member has been emailed about (see app/chat/notifier.py).
    notified_seq: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    notified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
