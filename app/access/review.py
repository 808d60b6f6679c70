"""The manager's view of the audit log: filtered events, the "who saw whom" report, CSV.

A manager reviews what the people of his stores did (their stylists and fellow managers); an
admin reviews everyone. Looking is itself recorded.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from app.access import audit
from app.access import repository as repo
from app.access.models import AuditEvent
from app.accounts import service as accounts
from app.accounts.models import Role, User
from app.core.errors import Forbidden, InvalidInput
from app.core.i18n import N_
from app.core.i18n import gettext as _
from app.store import service as stores

PAGE = 100
EXPORT_LIMIT = 50_000
ACTIONS = tuple(v for k, v in vars(audit.Action).items() if not k.startswith("_"))
LABELS = {
    audit.Action.customer_profile_read: N_("Opened the profile"),
    audit.Action.customer_page_read: N_("Opened the customer page"),
    audit.Action.customer_purchases_read: N_("Read the purchases"),
    audit.Action.customer_wardrobe_read: N_("Read the wardrobe"),
    audit.Action.customer_photo_read: N_("Viewed a wardrobe photo"),
    audit.Action.customer_recommendations_read: N_("Opened recommendations"),
    audit.Action.customer_contact_reveal: N_("Revealed contact details"),
    audit.Action.login: N_("Signed in"),
    audit.Action.login_failed: N_("Failed sign-in"),
    audit.Action.lockout: N_("Account locked"),
    audit.Action.unusual_volume: N_("Unusual: many customers in an hour"),
    audit.Action.outside_shift: N_("Unusual: outside her shifts"),
    audit.Action.audit_read: N_("Looked at the audit log"),
    audit.Action.audit_export: N_("Exported the audit log"),
}
FLAGS = (audit.Action.unusual_volume, audit.Action.outside_shift)


@dataclass(frozen=True)
class Filters:
    staff_id: int | None = None
    customer_id: int | None = None
    action: str | None = None
    on_or_after: date | None = None
    on_or_before: date | None = None
    before_id: int | None = None

    def check(self) -> None:
        if self.action is not None and self.action not in ACTIONS:
            raise InvalidInput(_("Choose an action from the list."), field="action")
        if self.on_or_after and self.on_or_before and self.on_or_after > self.on_or_before:
            raise InvalidInput(_("The first day is after the last."), field="on_or_after")

    def describe(self) -> str:
        parts = [f"{k}={v}" for k, v in vars(self).items() if v is not None and k != "before_id"]
        return " ".join(parts)[:300] or "all"


@dataclass
class Scope:
    """Whose actions this viewer may review, the people's names, and the stores' zone."""

    actor_ids: set[int] | None  # None: everyone (admin)
    people: dict[int, User]
    zone: str
    staff: list[User] = field(default_factory=list)  # for the filter's select


async def scope_of(session: AsyncSession, *, viewer: User) -> Scope:
    if viewer.role not in (Role.manager, Role.admin):
        raise Forbidden(_("This page is for store managers."))
    managed = await stores.stores_managed_by(session, user=viewer)
    zone = managed[0].time_zone if managed else "Asia/Tokyo"
    staff = [u for _p, u in await stores.staff_of(session, stores=managed)]
    if viewer.role == Role.admin:
        return Scope(None, {u.id: u for u in staff if u.id}, zone, staff)  # type: ignore[misc]
    ids = {u.id for u in staff if u.id is not None}
    ids |= await repo.managers_of_store_ids(session, frozenset(s.id for s in managed if s.id))
    people = await accounts.users_by_id(session, ids=ids)
    return Scope(ids, people, zone, staff)


def _bounds(filters: Filters, zone: str) -> tuple[datetime | None, datetime | None]:
    tz = ZoneInfo(zone)
    since = datetime.combine(filters.on_or_after, time(), tz) if filters.on_or_after else None
    until = (
        datetime.combine(filters.on_or_before + timedelta(days=1), time(), tz)
        if filters.on_or_before
        else None
    )
    return since, until


@dataclass(frozen=True)
class EventLine:
    event: AuditEvent
    actor: str
    customer: str

    @property
    def reason(self) -> str:
        """A reveal's reason in the reader's language: "code: note" -> "label: note"."""
        from app.access.service import REVEAL_REASONS

        code, _sep, note = (self.event.reason or "").partition(": ")
        label = _(REVEAL_REASONS[code]) if code in REVEAL_REASONS else code
        return f"{label}: {note}" if note else label


async def events(
    session: AsyncSession,
    *,
    viewer: User,
    filters: Filters,
    limit: int = PAGE,
    export: bool = False,
) -> tuple[Scope, list[EventLine]]:
    """The filtered log for a manager (his people) or an admin, newest first; the look is on
    record."""
    filters.check()
    scope = await scope_of(session, viewer=viewer)
    since, until = _bounds(filters, scope.zone)
    found = await repo.audit_events(
        session,
        actor_ids=scope.actor_ids,
        actor_id=filters.staff_id,
        customer_id=filters.customer_id,
        action=filters.action,
        since=since,
        until=until,
        before_id=filters.before_id,
        limit=limit,
    )
    names = await _names(session, found, scope)
    await audit.record(
        session,
        actor_id=viewer.id,
        action=audit.Action.audit_export if export else audit.Action.audit_read,
        detail=filters.describe(),
    )
    return scope, [
        EventLine(e, names.get(e.actor_id or 0, "—"), names.get(e.customer_id or 0, ""))
        for e in found
    ]


async def _names(session: AsyncSession, found: list[AuditEvent], scope: Scope) -> dict[int, str]:
    ids = {e.actor_id for e in found if e.actor_id} | {
        e.customer_id for e in found if e.customer_id
    }
    users = await accounts.users_by_id(session, ids={i for i in ids if i not in scope.people})
    users.update(scope.people)
    return {i: f"{u.family_name} {u.given_name}" for i, u in users.items()}


@dataclass
class SeenLine:
    customer_id: int
    customer: str
    fields: set[str]
    count: int
    first: datetime
    last: datetime


async def who_saw_whom(
    session: AsyncSession, *, viewer: User, filters: Filters
) -> tuple[Scope, list[SeenLine]]:
    """For one staff member and a period: which customers she saw, which fields, how often."""
    if filters.staff_id is None:
        raise InvalidInput(_("Choose a staff member."), field="staff_id")
    scope, lines = await events(session, viewer=viewer, filters=filters, limit=EXPORT_LIMIT)
    seen: dict[int, SeenLine] = {}
    fields: dict[int, set[str]] = defaultdict(set)
    for line in lines:
        e = line.event
        if e.customer_id is None or not e.action.startswith("customer."):
            continue
        fields[e.customer_id] |= set(e.fields)
        if e.customer_id not in seen:
            seen[e.customer_id] = SeenLine(e.customer_id, line.customer, set(), 0, e.at, e.at)
        entry = seen[e.customer_id]
        entry.count += 1
        entry.first, entry.last = min(entry.first, e.at), max(entry.last, e.at)
    for customer_id, entry in seen.items():
        entry.fields = fields[customer_id]
    return scope, sorted(seen.values(), key=lambda s: (-s.count, s.customer_id))


def events_csv(lines: list[EventLine], zone: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["id", "time", "actor_id", "actor", "action", "customer_id", "customer", "fields",
         "reason", "ip", "user_agent", "detail"]
    )  # fmt: skip
    tz = ZoneInfo(zone)
    for line in lines:
        e = line.event
        writer.writerow(
            [e.id, e.at.astimezone(tz).isoformat(timespec="seconds"), e.actor_id or "",
             line.actor, e.action, e.customer_id or "", line.customer, " ".join(e.fields),
             e.reason or "", e.ip or "", e.user_agent or "", e.detail or ""]
        )  # fmt: skip
    return out.getvalue()


def seen_csv(lines: list[SeenLine], zone: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["customer_id", "customer", "fields", "reads", "first", "last"])
    tz = ZoneInfo(zone)
    for s in lines:
        writer.writerow(
            [s.customer_id, s.customer, " ".join(sorted(s.fields)), s.count,
             s.first.astimezone(tz).isoformat(timespec="seconds"),
             s.last.astimezone(tz).isoformat(timespec="seconds")]
        )  # fmt: skip
    return out.getvalue()
