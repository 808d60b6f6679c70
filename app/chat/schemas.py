"""Chat input and output shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from app.booking.schemas import _topic
from app.core.i18n import gettext as _
from app.core.types import Id

ClientMsgId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
Body = Annotated[str, Field(min_length=1, max_length=2000), AfterValidator(_topic)]
Caption = Annotated[str, Field(default="", max_length=2000), AfterValidator(_topic)]


class SendIn(BaseModel):
    """A text message, or a product card (``catalog_item_id``, staff only) with optional text."""

    model_config = ConfigDict(extra="ignore")
    client_msg_id: ClientMsgId
    body: Caption = ""
    catalog_item_id: Id | None = None

    @model_validator(mode="after")
    def _something_to_send(self) -> SendIn:
        if not self.body and self.catalog_item_id is None:
            raise ValueError(_("Please write a message."))
        return self


class AttachmentIn(BaseModel):
    """The form fields that come with an uploaded photo."""

    model_config = ConfigDict(extra="ignore")
    client_msg_id: ClientMsgId
    body: Caption = ""


class OpenIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    customer_id: Annotated[int, Field(ge=1, le=2**31 - 1)]
    staff_id: Annotated[int, Field(ge=1, le=2**31 - 1)]


class AttachmentOut(BaseModel):
    url: str
    width: int
    height: int
    content_type: str


class ProductOut(BaseModel):
    """A catalog item as a card: both languages, the client shows the viewer's."""

    id: int
    sku: str
    name_ja: str
    name_en: str
    colour_name: str  # the catalog's colour word ("navy")
    colour_name_ja: str = ""  # ... in each language ("ネイビー" / "Navy")
    colour_name_en: str = ""
    colour_rgb: str
    price_yen: int
    sizes: list[str]
    swatch_url: str


class MessageOut(BaseModel):
    type: str = "message"
    conversation_id: int
    seq: int
    sender_id: int
    client_msg_id: str
    body: str
    created_at: datetime
    attachment: AttachmentOut | None = None
    product: ProductOut | None = None


class ConversationOut(BaseModel):
    id: int
    customer_id: int
    staff_id: int
    last_seq: int
    unread: int = 0
    other_name: str = ""
    last_message_at: datetime | None = None


class ConversationList(BaseModel):
    data: list[ConversationOut]
    count: int
