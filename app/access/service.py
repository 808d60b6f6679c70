"""Ask the access policy about a real user and customer: gathers the ties, applies the policy.

``decide`` is the question; ``require`` raises the 404 an unknown id would get. The windows come
from the settings the app was created with (``configure``), defaults otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from app.access import audit, policy, watch
from app.access import repository as repo
from app.access.models import ContactReveal
from app.access.schemas import RevealIn
from app.accounts.models import Role, User
from app.booking.models import Appointment
from app.chat.models import ChatMessage, Conversation
from app.core.config import Settings
from app.core.errors import InvalidInput, NotFound
from app.core.i18n import N_
from app.core.i18n import gettext as _
from app.core.mail import Postman
from app.core.types import utcnow
from app.customer.models import Purchase
from app.wardrobe.models import Reservation

_windows = policy.Windows()
_reveal_for = timedelta(minutes=15)


def configure(settings: Settings, postman: Postman | None = None) -> None:
    """Take the relation windows and limits from the settings (called when the app is made)."""
    global _windows, _reveal_for
    _windows = windows_of(settings)
    _reveal_for = timedelta(minutes=settings.access_reveal_minutes)
    watch.WATCH.per_hour = settings.access_unusual_per_hour
    watch.WATCH.postman = postman
    watch.WATCH.base_url = settings.public_base_url


def windows_of(settings: Settings) -> policy.Windows:
    return policy.Windows(
        before=timedelta(hours=settings.access_prepare_hours),
        after=timedelta(days=settings.access_follow_up_days),
        conversation=timedelta(days=settings.access_conversation_days),
    )


async def actor_of(session: AsyncSession, user: User) -> policy.Actor:
    assert user.id is not None
    managed = (
        await repo.managed_store_ids(session, user.id) if user.role == Role.manager else frozenset()
    )
    return policy.Actor(id=user.id, role=str(user.role), managed_store_ids=managed)


async def decide(
    session: AsyncSession, *, viewer: User, customer_id: int, now: datetime | None = None
) -> policy.Decision:
    """May this user see this customer now, and with which fields masked."""
    if viewer.id == customer_id:
        return policy.Decision(True, policy.Relation.self)
    if viewer.role == Role.customer:
        return policy.HIDDEN
    return policy.decide(
        await actor_of(session, viewer),
        await _ties(session, customer_id),
        now or utcnow(),
        _windows,
    )


# A page asks about one customer several times (the profile, the wardrobe, the history): the
# ties are read once per transaction and forgotten as soon as a flush writes a row they come
# from (see _forget_ties), so a decision never rests on stale facts.
_TIES = "access_ties"
_TIE_TABLES = (Appointment, Conversation, ChatMessage, Purchase, Reservation, ContactReveal)


async def _ties(session: AsyncSession, customer_id: int) -> policy.Ties:
    known: dict[int, policy.Ties] = session.info.setdefault(_TIES, {})
    if customer_id not in known:
        known[customer_id] = await repo.ties_of(session, customer_id)
    return known[customer_id]


@event.listens_for(Session, "after_flush")
def _forget_ties(session: Session, _context: object) -> None:
    if _TIES in session.info and any(
        isinstance(row, _TIE_TABLES) for row in (*session.new, *session.dirty, *session.deleted)
    ):
        session.info.pop(_TIES, None)


async def require(
    session: AsyncSession, *, viewer: User, customer_id: int, now: datetime | None = None
) -> policy.Decision:
    """The decision, or the 404 an id that does not exist would get."""
    decision = await decide(session, viewer=viewer, customer_id=customer_id, now=now)
    if decision.visible:
        return decision
    if decision.lapsed_at is not None:
        raise NoLongerInCare()
    raise NotFound(_("There is no such customer."))


class NoLongerInCare(NotFound):
    """Still a 404, but said plainly to the stylist whose own relation with the customer ended."""

    code = "no_longer_in_care"

    def __init__(self) -> None:
        super().__init__(
            _(
                "This customer is no longer in your care: your access ended some time after "
                "your last session or message with them. Ask your store manager if you need to "
                "follow up."
            )
        )


async def customers_in_care(
    session: AsyncSession, *, viewer: User, now: datetime | None = None
) -> list[int]:
    """The customers a stylist may see now through her own appointments and conversations."""
    assert viewer.id is not None
    found = []
    for customer_id in sorted(await repo.customers_linked_to(session, viewer.id)):
        if (await decide(session, viewer=viewer, customer_id=customer_id, now=now)).visible:
            found.append(customer_id)
    return found


async def see(
    session: AsyncSession,
    *,
    viewer: User,
    customer_id: int,
    action: str,
    fields: Iterable[str] = (),
) -> policy.Decision:
    """``require``, and the read is recorded in the audit log (unless it is the customer's own)."""
    decision = await require(session, viewer=viewer, customer_id=customer_id)
    await record_read(session, viewer=viewer, customer_id=customer_id, action=action, fields=fields)
    return decision


async def record_read(
    session: AsyncSession,
    *,
    viewer: User,
    customer_id: int,
    action: str,
    fields: Iterable[str],
    detail: str | None = None,
) -> None:
    """Record a read of a customer's data by someone else (her own reads are not recorded),
    then look for unusual access (many customers in an hour, or outside her shifts)."""
    if viewer.id == customer_id:
        return
    await audit.record(
        session,
        actor_id=viewer.id,
        action=action,
        customer_id=customer_id,
        fields=fields,
        detail=detail,
    )
    await watch.after_read(session, viewer=viewer)


REVEAL_REASONS = {
    "session": N_("To contact her about her session"),
    "delivery": N_("About a delivery or a pickup"),
    "customer_asked": N_("She asked me to contact her"),
    "birthday": N_("A birthday greeting she agreed to"),
    "other": N_("Another reason (say which)"),
}


async def reveal(
    session: AsyncSession,
    *,
    viewer: User,
    customer_id: int,
    data: RevealIn,
    now: datetime | None = None,
) -> ContactReveal:
    """Show a stylist some masked contact fields for a while, with her reason on record."""
    now = now or utcnow()
    decision = await require(session, viewer=viewer, customer_id=customer_id, now=now)
    wanted = {policy.Field(f) for f in data.fields}
    if not wanted & decision.masked:
        raise InvalidInput(_("Nothing of that is hidden from you."), field="fields")
    if data.reason == "other" and len(data.note) < 5:
        raise InvalidInput(_("Say in a few words why you need it."), field="note")
    assert viewer.id is not None
    row = ContactReveal(
        staff_id=viewer.id,
        customer_id=customer_id,
        fields=sorted(f.value for f in wanted & decision.masked),
        reason=data.reason,
        note=data.note,
        revealed_at=now,
        expires_at=now + _reveal_for,
    )
    session.add(row)
    await audit.record(
        session,
        actor_id=viewer.id,
        action=audit.Action.customer_contact_reveal,
        customer_id=customer_id,
        fields=row.fields,
        reason=f"{data.reason}: {data.note}" if data.note else data.reason,
    )
    return row
