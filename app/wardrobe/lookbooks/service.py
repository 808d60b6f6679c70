"""Lookbooks: the stylist (or a manager of the store) collects suggestions after a session and
sends them once; the customer reads them on their own page.

A lookbook belongs to one appointment and is created with its first entry. While it is a draft
only staff see it; sending freezes it and emails the customer a link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts import service as accounts
from app.accounts.models import Role, User
from app.booking import service as booking
from app.booking.models import Appointment, AppointmentStatus
from app.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.core.i18n import gettext as _
from app.wardrobe import service as wardrobe
from app.wardrobe.lookbooks import notify
from app.wardrobe.lookbooks import repository as repo
from app.wardrobe.lookbooks.schemas import EntryIn, SendIn
from app.wardrobe.models import (
    CatalogItem,
    Lookbook,
    LookbookEntry,
    LookbookStatus,
    OwnedItem,
)

MAX_ENTRIES = 30


class LookbookSent(Conflict):
    code = "lookbook_sent"


class LookbookEmpty(Conflict):
    code = "lookbook_empty"


class LookbookFull(Conflict):
    code = "lookbook_full"


@dataclass(frozen=True)
class LookbookContent:
    """A lookbook with everything its entries show, as far as this viewer may see it."""

    appointment: Appointment
    lookbook: Lookbook | None  # None: no entry added yet
    entries: list[LookbookEntry]
    catalog: dict[int, CatalogItem]
    owned: dict[int, OwnedItem]  # hidden items only for the customer themself
    for_customer: bool


# ---------------------------------------------------------------- checks


async def _as_author(session: AsyncSession, actor: User, appointment_id: int) -> Appointment:
    """The appointment, for its stylist or a manager of its store (404 for strangers)."""
    appointment = await booking.load_for(session, viewer=actor, appointment_id=appointment_id)
    if actor.id == appointment.customer_id or actor.role == Role.customer:
        raise Forbidden(_("Only the stylist of this session or a store manager can do this."))
    return appointment


def _require_draft(lookbook: Lookbook) -> None:
    if lookbook.status != LookbookStatus.draft:
        raise LookbookSent(_("This lookbook has been sent already and can no longer change."))


async def _content(
    session: AsyncSession, appointment: Appointment, lookbook: Lookbook | None, viewer: User
) -> LookbookContent:
    entries = await repo.entries_of(session, lookbook.id) if lookbook and lookbook.id else []
    catalog_ids = {i for e in entries for i in e.catalog_item_ids}
    owned_ids = {i for e in entries for i in e.owned_item_ids}
    for_customer = viewer.id == appointment.customer_id
    owned = {
        item.id: item
        for item in await repo.owned_by_ids(session, owned_ids)
        if item.id is not None
        and item.customer_id == appointment.customer_id
        and (for_customer or not item.hidden)  # hidden items never reach staff
    }
    catalog = await wardrobe.items_by_id(session, ids=catalog_ids)
    return LookbookContent(appointment, lookbook, entries, catalog, owned, for_customer)


# ---------------------------------------------------------------- the stylist's side


async def draft_for(session: AsyncSession, *, actor: User, appointment_id: int) -> LookbookContent:
    """The appointment's lookbook as staff see it (a draft or sent)."""
    appointment = await _as_author(session, actor, appointment_id)
    lookbook = await repo.lookbook_of_appointment(session, appointment_id)
    return await _content(session, appointment, lookbook, actor)


async def _check_pieces(session: AsyncSession, appointment: Appointment, data: EntryIn) -> None:
    items = await wardrobe.items_by_id(session, ids=set(data.catalog_item_ids))
    for item_id in data.catalog_item_ids:
        item = items.get(item_id)
        if item is None or not item.is_active:
            raise InvalidInput(
                _("Catalog item %(id)s is not on sale, so it cannot be suggested.", id=item_id),
                field="catalog_item_ids",
            )
    owned = {o.id: o for o in await repo.owned_by_ids(session, set(data.owned_item_ids))}
    for owned_id in data.owned_item_ids:
        piece = owned.get(owned_id)
        # Someone else's item and a hidden one get the same answer: staff learn nothing of either.
        if piece is None or piece.customer_id != appointment.customer_id or piece.hidden:
            raise InvalidInput(
                _("Item %(id)s is not in this customer's wardrobe.", id=owned_id),
                field="owned_item_ids",
            )
        if piece.retired_at is not None:
            raise InvalidInput(
                _("The customer no longer wears item %(id)s.", id=owned_id),
                field="owned_item_ids",
            )


async def _draft_to_extend(
    session: AsyncSession, actor: User, appointment: Appointment, now: datetime
) -> Lookbook:
    lookbook = await repo.lookbook_of_appointment(session, appointment.id)  # type: ignore[arg-type]
    if lookbook is None:
        lookbook = Lookbook(
            appointment_id=appointment.id,  # type: ignore[arg-type]
            customer_id=appointment.customer_id,
            created_by_id=actor.id,  # type: ignore[arg-type]
            created_at=now,
        )
        session.add(lookbook)
        try:
            await session.flush()
        except IntegrityError as exc:  # started at the same moment from another tab
            raise Conflict(
                _("This lookbook was just started elsewhere. Please try again.")
            ) from exc
        return lookbook
    locked = await repo.lookbook_for_update(session, lookbook.id)  # type: ignore[arg-type]
    assert locked is not None
    _require_draft(locked)
    return locked


async def add_entry(
    session: AsyncSession, *, actor: User, appointment_id: int, data: EntryIn, now: datetime
) -> LookbookEntry:
    """Add an item or an outfit, with its note, to the appointment's draft lookbook."""
    appointment = await _as_author(session, actor, appointment_id)
    if appointment.status == AppointmentStatus.cancelled:
        raise Conflict(_("This session was cancelled, so it has no lookbook."))
    await _check_pieces(session, appointment, data)
    lookbook = await _draft_to_extend(session, actor, appointment, now)
    assert lookbook.id is not None
    counts = await repo.entry_counts(session, [lookbook.id])
    if counts.get(lookbook.id, 0) >= MAX_ENTRIES:
        raise LookbookFull(
            _("A lookbook holds at most %(max)s entries. Remove one first.", max=MAX_ENTRIES)
        )
    entry = LookbookEntry(
        lookbook_id=lookbook.id,
        kind=data.kind,
        catalog_item_ids=list(data.catalog_item_ids),
        owned_item_ids=list(data.owned_item_ids),
        note=data.note,
        position=await repo.next_position(session, lookbook.id),
        created_by_id=actor.id,  # type: ignore[arg-type]
        created_at=now,
    )
    session.add(entry)
    await session.flush()
    return entry


async def remove_entry(
    session: AsyncSession, *, actor: User, appointment_id: int, entry_id: int
) -> None:
    """Take an entry out of the draft lookbook."""
    await _as_author(session, actor, appointment_id)
    lookbook = await repo.lookbook_of_appointment(session, appointment_id)
    entry = await session.get(LookbookEntry, entry_id)
    if lookbook is None or entry is None or entry.lookbook_id != lookbook.id:
        raise NotFound(_("There is no such entry in this lookbook."))
    locked = await repo.lookbook_for_update(session, lookbook.id)  # type: ignore[arg-type]
    assert locked is not None
    _require_draft(locked)
    await session.delete(entry)
    await session.flush()


async def send(
    session: AsyncSession,
    *,
    actor: User,
    appointment_id: int,
    data: SendIn,
    now: datetime,
    postman: notify.Postman,
    base_url: str,
) -> Lookbook:
    """Send the lookbook: it is frozen, and the customer gets an email with the link."""
    appointment = await _as_author(session, actor, appointment_id)
    found = await repo.lookbook_of_appointment(session, appointment_id)
    lookbook = await repo.lookbook_for_update(session, found.id) if found and found.id else None
    if lookbook is None or not await repo.entries_of(session, lookbook.id):  # type: ignore[arg-type]
        raise LookbookEmpty(_("Add at least one item or outfit before sending the lookbook."))
    _require_draft(lookbook)
    lookbook.title, lookbook.message = data.title, data.message
    lookbook.status, lookbook.sent_at, lookbook.sent_by_id = LookbookStatus.sent, now, actor.id
    session.add(lookbook)
    await session.flush()
    await notify.lookbook_sent(
        session, lookbook=lookbook, appointment=appointment, postman=postman, base_url=base_url
    )
    return lookbook


# ---------------------------------------------------------------- the customer's side


async def for_viewer(session: AsyncSession, *, viewer: User, lookbook_id: int) -> LookbookContent:
    """A lookbook for its customer once sent; staff who serve the appointment may look too."""
    lookbook = await session.get(Lookbook, lookbook_id)
    missing = NotFound(_("There is no such lookbook."))
    if lookbook is None:
        raise missing
    if viewer.id == lookbook.customer_id:
        if lookbook.status != LookbookStatus.sent:
            raise missing
        appointment = await session.get(Appointment, lookbook.appointment_id)
        assert appointment is not None
    elif viewer.role == Role.customer:
        raise missing
    else:
        try:
            appointment = await booking.load_for(
                session, viewer=viewer, appointment_id=lookbook.appointment_id
            )
        except NotFound:
            raise missing from None
    return await _content(session, appointment, lookbook, viewer)


@dataclass(frozen=True)
class LookbookSummary:
    lookbook: Lookbook
    stylist: str
    entries: int


async def sent_to(session: AsyncSession, *, customer: User) -> list[LookbookSummary]:
    """The lookbooks a customer has been sent, newest first."""
    assert customer.id is not None
    lookbooks = await repo.sent_lookbooks_of(session, customer.id)
    counts = await repo.entry_counts(session, [lb.id for lb in lookbooks if lb.id is not None])
    authors = await accounts.users_by_id(
        session, ids={lb.sent_by_id or lb.created_by_id for lb in lookbooks}
    )
    summaries = []
    for lb in lookbooks:
        author = authors.get(lb.sent_by_id or lb.created_by_id)
        name = f"{author.family_name} {author.given_name}" if author else ""
        summaries.append(LookbookSummary(lb, name, counts.get(lb.id, 0)))  # type: ignore[arg-type]
    return summaries
