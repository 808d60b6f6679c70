"""The access policy for customer data: pure, no database, no web framework.

``decide(actor, ties, now, windows)`` answers for one staff member (or customer) and one customer
at one instant: may they see this customer at all, through which relation, until when, and which
fields are masked. Every route, page, socket, photo and email that touches customer data asks
this (through ``app.access.service``); no other code decides.

The relations, in the order they are tried:

- the customer themself: everything;
- an admin: everything;
- a manager of a store where the customer has a relation (an appointment that was not cancelled,
  a purchase, a try-on reservation): everything, as the store's data controller;
- the stylist of an appointment (not cancelled) from ``windows.before`` before its start to
  ``windows.after`` after its end — preparation and follow-up; contact data masked;
- a stylist in a conversation with the customer that had a message within
  ``windows.conversation``: contact data masked.

A stylist who revealed masked fields (with a reason, recorded) sees those whole until the
reveal expires — and only while a relation lets her see the customer at all.

Outside every relation the answer is "not visible", which callers turn into the same 404 an id
that does not exist gets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum


class Relation(StrEnum):
    self = "self"
    admin = "admin"
    store_manager = "store_manager"
    appointment = "appointment"
    conversation = "conversation"


class Field(StrEnum):
    """Contact data a stylist sees masked unless she reveals it (with a reason, on record)."""

    email = "email"
    phone = "phone"
    birthday = "birthday"


CONTACT_FIELDS = frozenset(Field)


@dataclass(frozen=True)
class Actor:
    id: int
    role: str  # accounts.models.Role value: customer, staff, manager, admin
    managed_store_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class AppointmentTie:
    staff_id: int
    store_id: int
    starts_at: datetime
    ends_at: datetime
    status: str


@dataclass(frozen=True)
class ConversationTie:
    staff_id: int
    store_id: int
    last_message_at: datetime | None  # None: opened, nothing written yet (then: when opened)
    opened_at: datetime


@dataclass(frozen=True)
class RevealTie:
    """A stylist asked to see some masked fields, with a reason, until ``expires_at``."""

    staff_id: int
    fields: frozenset[Field]
    expires_at: datetime


@dataclass(frozen=True)
class Ties:
    """Everything about one customer the policy needs: what links them to staff and stores."""

    customer_id: int
    appointments: tuple[AppointmentTie, ...] = ()
    conversations: tuple[ConversationTie, ...] = ()
    purchase_store_ids: frozenset[int] = frozenset()
    reservation_store_ids: frozenset[int] = frozenset()
    reveals: tuple[RevealTie, ...] = ()

    def store_ids(self) -> frozenset[int]:
        booked = {a.store_id for a in self.appointments if a.status != "cancelled"}
        return frozenset(booked) | self.purchase_store_ids | self.reservation_store_ids


@dataclass(frozen=True)
class Windows:
    before: timedelta = timedelta(days=7)
    after: timedelta = timedelta(days=14)
    conversation: timedelta = timedelta(days=30)


@dataclass(frozen=True)
class Decision:
    visible: bool
    relation: Relation | None = None
    masked: frozenset[Field] = field(default_factory=frozenset)
    until: datetime | None = None  # when this access ends (None: it does not end by time)
    # Hidden, but this stylist's own relation with the customer ended then: the page may say
    # "no longer in your care" instead of a bare "not found" (she knew the customer anyway).
    lapsed_at: datetime | None = None

    def shows(self, name: Field) -> bool:
        return self.visible and name not in self.masked


HIDDEN = Decision(visible=False)
STAFF_ROLES = ("staff", "manager")


def decide(actor: Actor, ties: Ties, now: datetime, windows: Windows) -> Decision:
    """May this actor see this customer now, through which relation, with which fields masked."""
    if actor.id == ties.customer_id:
        return Decision(True, Relation.self)
    if actor.role == "admin":
        return Decision(True, Relation.admin)
    if actor.role not in STAFF_ROLES:
        return HIDDEN  # another customer
    if actor.role == "manager" and actor.managed_store_ids & ties.store_ids():
        return Decision(True, Relation.store_manager)
    masked = CONTACT_FIELDS - _revealed(actor.id, ties.reveals, now)
    until = _latest(_appointment_ends(actor.id, ties.appointments, now, windows))
    if until is not None:
        return Decision(True, Relation.appointment, masked, until)
    until = _latest(_conversation_ends(actor.id, ties.conversations, now, windows))
    if until is not None:
        return Decision(True, Relation.conversation, masked, until)
    return Decision(False, lapsed_at=_lapsed(actor.id, ties, now, windows))


def _appointment_ends(
    staff_id: int, ties: Iterable[AppointmentTie], now: datetime, windows: Windows
) -> Iterable[datetime]:
    for tie in ties:
        if tie.staff_id != staff_id or tie.status == "cancelled":
            continue
        if tie.starts_at - windows.before <= now < tie.ends_at + windows.after:
            yield tie.ends_at + windows.after


def _conversation_ends(
    staff_id: int, ties: Iterable[ConversationTie], now: datetime, windows: Windows
) -> Iterable[datetime]:
    for tie in ties:
        if tie.staff_id != staff_id:
            continue
        end = (tie.last_message_at or tie.opened_at) + windows.conversation
        if now < end:
            yield end


def _revealed(staff_id: int, reveals: Iterable[RevealTie], now: datetime) -> frozenset[Field]:
    shown: set[Field] = set()
    for reveal in reveals:
        if reveal.staff_id == staff_id and now < reveal.expires_at:
            shown |= reveal.fields
    return frozenset(shown)


def _lapsed(staff_id: int, ties: Ties, now: datetime, windows: Windows) -> datetime | None:
    ended = [
        t.ends_at + windows.after
        for t in ties.appointments
        if t.staff_id == staff_id and t.status != "cancelled" and t.ends_at + windows.after <= now
    ]
    ended += [
        (t.last_message_at or t.opened_at) + windows.conversation
        for t in ties.conversations
        if t.staff_id == staff_id
    ]
    return _latest(e for e in ended if e <= now)


def _latest(ends: Iterable[datetime]) -> datetime | None:
    return max(ends, default=None)


# ---------------------------------------------------------------- masking


def mask_phone(national: str) -> str:
    """090-1234-5678 -> 090-****-5678: the first and last groups stay, the ones between read as
    ****; a number written without separators keeps its first 3 and last 4 digits."""
    groups = re.split(r"(\D+)", national)  # digits, separator, digits, ...
    digit_groups = [i for i, g in enumerate(groups) if g.isdigit()]
    if sum(len(groups[i]) for i in digit_groups) <= 6:
        return "*" * len(national)
    if len(digit_groups) == 1:
        only = groups[digit_groups[0]]
        groups[digit_groups[0]] = f"{only[:3]}****{only[-4:]}"
    elif len(digit_groups) == 2:
        last = groups[digit_groups[1]]
        groups[digit_groups[1]] = f"****{last[-4:]}" if len(last) > 4 else last
    else:
        for i in digit_groups[1:-1]:
            groups[i] = "****"
    return "".join(groups)


def mask_email(email: str) -> str:
    """yuki.sato@example.jp -> y***@example.jp."""
    local, at, domain = email.partition("@")
    if not at or not local:
        return "***"
    return f"{local[0]}***@{domain}"


def birth_month(born_on: date | None) -> int | None:
    return born_on.month if born_on is not None else None
