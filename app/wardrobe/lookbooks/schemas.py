"""Request and response shapes of lookbooks and reservations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from app.booking.schemas import _topic
from app.core.i18n import gettext as _
from app.core.text import TextError, clean_line
from app.core.types import Id
from app.wardrobe.models import (
    ENTRY_NOTE_MAX,
    LOOKBOOK_MESSAGE_MAX,
    LOOKBOOK_TITLE_MAX,
    EntryKind,
)

MAX_PIECES = 8  # catalog and owned items of one outfit together


def _line(value: str) -> str:
    try:
        return clean_line(value)
    except TextError as exc:
        raise ValueError(_("Please use one line without control characters.")) from exc


Note = Annotated[str, Field(max_length=ENTRY_NOTE_MAX), AfterValidator(_line)]
Title = Annotated[str, Field(max_length=LOOKBOOK_TITLE_MAX), AfterValidator(_line)]
# Several lines are welcome in the message; control characters are not.
Message = Annotated[str, Field(max_length=LOOKBOOK_MESSAGE_MAX), AfterValidator(_topic)]
Size = Annotated[str, Field(min_length=1, max_length=8), AfterValidator(_line)]


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore")


class EntryIn(_In):
    """A suggestion to add: one catalog item, or an outfit of catalog and owned items."""

    kind: EntryKind
    catalog_item_ids: list[Id] = Field(default_factory=list, max_length=MAX_PIECES)
    owned_item_ids: list[Id] = Field(default_factory=list, max_length=MAX_PIECES)
    note: Note = ""

    @model_validator(mode="after")
    def _shape(self) -> EntryIn:
        pieces = len(self.catalog_item_ids) + len(self.owned_item_ids)
        if len(set(self.catalog_item_ids)) != len(self.catalog_item_ids) or len(
            set(self.owned_item_ids)
        ) != len(self.owned_item_ids):
            raise ValueError(_("Each item can appear only once in an entry."))
        if self.kind == EntryKind.item and (len(self.catalog_item_ids) != 1 or self.owned_item_ids):
            raise ValueError(
                _("An item entry holds exactly one catalog item; use an outfit to combine pieces.")
            )
        if self.kind == EntryKind.outfit and not 2 <= pieces <= MAX_PIECES:
            raise ValueError(_("An outfit needs between 2 and %(max)s pieces.", max=MAX_PIECES))
        return self


class SendIn(_In):
    """Optional title and covering message for the email and the page."""

    title: Title = ""
    message: Message = ""


class ReserveIn(_In):
    """Hold one unit of an item from a sent lookbook at a store, in one size."""

    lookbook_id: Id
    entry_id: Id
    catalog_item_id: Id
    store_id: Id
    size: Size


class CatalogPiece(BaseModel):
    id: int
    sku: str
    name: str  # in the viewer's language
    slot: str
    price_yen: int
    image_url: str
    is_active: bool


class OwnedPiece(BaseModel):
    id: int
    label: str
    slot: str | None
    colour_rgb: str | None
    photo_url: str | None


class EntryOut(BaseModel):
    id: int
    kind: str
    catalog_item_ids: list[int]
    owned_item_ids: list[int]
    note: str
    position: int
    created_at: datetime
    catalog_items: list[CatalogPiece]
    owned_items: list[OwnedPiece]  # hidden items are left out for staff


class LookbookOut(BaseModel):
    id: int | None  # None: nothing added yet (the lookbook starts with its first entry)
    appointment_id: int
    customer_id: int
    status: str
    title: str
    message: str
    sent_at: datetime | None
    url: str | None  # the customer's page
    entries: list[EntryOut]
    count: int


class ReservationOut(BaseModel):
    id: int
    pickup_code: str | None  # what the customer gives at the counter
    customer_id: int
    catalog_item_id: int
    store_id: int
    size: str
    status: str
    lookbook_entry_id: int | None
    created_at: datetime
    expires_at: datetime
    closed_at: datetime | None


class ReservationList(BaseModel):
    data: list[ReservationOut]
    count: int
