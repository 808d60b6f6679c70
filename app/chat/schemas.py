"""Chat input and output shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from app.booking.schemas import _topic

ClientMsgId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
Body = Annotated[str, Field(min_length=1, max_length=2000), AfterValidator(_topic)]


class SendIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    client_msg_id: ClientMsgId
    body: Body


class OpenIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    customer_id: Annotated[int, Field(ge=1, le=2**31 - 1)]
    staff_id: Annotated[int, Field(ge=1, le=2**31 - 1)]


class MessageOut(BaseModel):
    type: str = "message"
    conversation_id: int
    seq: int
    sender_id: int
    client_msg_id: str
    body: str
    created_at: datetime


class ConversationOut(BaseModel):
    id: int
    customer_id: int
    staff_id: int
    last_seq: int
    unread: int = 0
