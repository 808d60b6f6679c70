"""Try-on reservations: one unit of an item in one size, held at a store for a few days.

Reserving takes the unit from the store's stock (``wardrobe.reserve_stock``, one conditional
UPDATE) and writes the reservation in the same transaction: out of stock means nothing is
written. Every way a reservation ends other than collection (the customer or the store cancels,
the expiry job finds it overdue) gives the unit back, and exactly once: the status moves away from
``active`` in one conditional UPDATE, and only the caller whose UPDATE matched releases the unit.
A collected unit is not given back: it left the shelf with the customer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from app.access import service as access
from app.accounts import service as accounts
from app.accounts.models import Role, User
from app.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.core.i18n import format_datetime
from app.core.i18n import gettext as _
from app.store import service as stores
from app.store.models import Store
from app.wardrobe import service as wardrobe
from app.wardrobe.lookbooks import codes, notify
from app.wardrobe.lookbooks import repository as repo
from app.wardrobe.lookbooks.schemas import ReserveIn
from app.wardrobe.models import (
    CatalogItem,
    Lookbook,
    LookbookEntry,
    LookbookStatus,
    Reservation,
    ReservationStatus,
)

MAX_ACTIVE = 5  # holds one customer may have at a time
STAFF_LIST_DAYS = 7  # closed reservations stay on the store's list this long
STAFF_LIST_LIMIT = 200
EXPIRY_BATCH = 500


class AlreadyReserved(Conflict):
    code = "already_reserved"


class TooManyReservations(Conflict):
    code = "too_many_reservations"


class NotActive(Conflict):
    code = "reservation_not_active"


@dataclass(frozen=True)
class ReservationView:
    """A reservation with what a page shows about it."""

    reservation: Reservation
    item: CatalogItem
    store: Store
    customer: User | None


# ---------------------------------------------------------------- who may act


async def store_ids_of(session: AsyncSession, *, user: User) -> list[int]:
    """The stores whose pickup list this person handles: an in-store stylist's home store, a
    manager's stores (every store for an admin). A stylist who works from home has none: she
    sees only the reservations of customers in her care (``_in_her_care``)."""
    assert user.id is not None
    if user.role == Role.staff:
        profile = await stores.staff_profile(session, user_id=user.id)
        return [profile.home_store_id] if profile and not profile.works_remotely else []
    if user.role in (Role.manager, Role.admin):
        return [s.id for s in await stores.stores_managed_by(session, user=user) if s.id]
    return []


async def _in_her_care(session: AsyncSession, viewer: User, customer_id: int) -> bool:
    """A home-based stylist's rule: the access policy lets her see this customer now."""
    if viewer.role != Role.staff:
        return False
    return (await access.decide(session, viewer=viewer, customer_id=customer_id)).visible


async def _visible(session: AsyncSession, viewer: User, reservation_id: int) -> Reservation:
    reservation = await session.get(Reservation, reservation_id)
    if reservation is not None and (
        viewer.id == reservation.customer_id
        or reservation.store_id in await store_ids_of(session, user=viewer)
        or await _in_her_care(session, viewer, reservation.customer_id)
    ):
        return reservation
    raise NotFound(_("There is no such reservation."))


async def _view(session: AsyncSession, reservation: Reservation) -> ReservationView:
    item = await session.get(CatalogItem, reservation.catalog_item_id)
    store = await stores.get_store(session, store_id=reservation.store_id)
    customer = await session.get(User, reservation.customer_id)
    assert item is not None
    return ReservationView(reservation, item, store, customer)


# ---------------------------------------------------------------- reserving


async def _item_from_lookbook(
    session: AsyncSession, customer: User, data: ReserveIn
) -> CatalogItem:
    lookbook = await session.get(Lookbook, data.lookbook_id)
    if (
        lookbook is None
        or lookbook.customer_id != customer.id
        or lookbook.status != LookbookStatus.sent
    ):
        raise NotFound(_("There is no such lookbook."))
    entry = await session.get(LookbookEntry, data.entry_id)
    if (
        entry is None
        or entry.lookbook_id != lookbook.id
        or data.catalog_item_id not in entry.catalog_item_ids
    ):
        raise NotFound(_("That item is not in this lookbook."))
    item = (await wardrobe.items_by_id(session, ids={data.catalog_item_id})).get(
        data.catalog_item_id
    )
    if item is None or not item.is_active:
        raise Conflict(_("Sorry, this item is no longer on sale."))
    if data.size not in item.sizes:
        raise InvalidInput(
            _("This item does not come in size %(size)s.", size=data.size), field="size"
        )
    return item


async def _check_holds(session: AsyncSession, customer: User, item: CatalogItem, size: str) -> None:
    assert customer.id is not None and item.id is not None
    held = await repo.active_hold(session, customer.id, item.id, size)
    if held is not None:
        store = await stores.get_store(session, store_id=held.store_id)
        raise AlreadyReserved(
            _(
                "You are already holding this item in size %(size)s, until %(until)s.",
                size=size,
                until=format_datetime(held.expires_at, store.time_zone),
            )
        )
    if await repo.active_count(session, customer.id) >= MAX_ACTIVE:
        raise TooManyReservations(
            _(
                "You can hold at most %(max)s items at a time. Cancel one you no longer need.",
                max=MAX_ACTIVE,
            )
        )


async def _free_pickup_code(session: AsyncSession, store_id: int) -> str:
    """A random code no reservation of this store carries (the unique index backs this up)."""
    for _attempt in range(8):
        code = codes.new_code()
        if not await repo.pickup_code_taken(session, store_id, code):
            return code
    raise RuntimeError("no free pickup code after 8 tries")  # ~1e-70 with 887M codes per store


async def reserve(
    session: AsyncSession,
    *,
    customer: User,
    data: ReserveIn,
    now: datetime,
    hold: timedelta,
    postman: notify.Postman,
    base_url: str,
) -> Reservation:
    """Hold one unit of an item from the customer's lookbook at a store, to try on."""
    if customer.role != Role.customer:
        raise Forbidden(_("Reservations are made by customers from their lookbook."))
    item = await _item_from_lookbook(session, customer, data)
    await stores.get_store(session, store_id=data.store_id)
    await _check_holds(session, customer, item, data.size)
    await wardrobe.reserve_stock(
        session, item_id=data.catalog_item_id, store_id=data.store_id, size=data.size
    )
    reservation = Reservation(
        customer_id=customer.id,  # type: ignore[arg-type]
        pickup_code=await _free_pickup_code(session, data.store_id),
        catalog_item_id=data.catalog_item_id,
        store_id=data.store_id,
        size=data.size,
        lookbook_entry_id=data.entry_id,
        created_at=now,
        expires_at=now + hold,
    )
    session.add(reservation)
    try:
        await session.flush()
    except IntegrityError as exc:  # the same hold made a moment ago from another tab
        raise AlreadyReserved(
            _("You are already holding this item in size %(size)s.", size=data.size)
        ) from exc
    await notify.reservation_changed(
        session, reservation=reservation, kind="confirmed", postman=postman, base_url=base_url
    )
    return reservation


# ---------------------------------------------------------------- ending a reservation


async def _end(
    session: AsyncSession,
    reservation: Reservation,
    status: ReservationStatus,
    now: datetime,
    by: User | None,
) -> bool:
    """Move an active reservation to ``status``; the unit goes back unless it was collected."""
    assert reservation.id is not None
    if not await repo.close_if_active(session, reservation.id, status, now, by.id if by else None):
        return False
    if status != ReservationStatus.collected:
        await wardrobe.release_stock(
            session,
            item_id=reservation.catalog_item_id,
            store_id=reservation.store_id,
            size=reservation.size,
        )
    await session.refresh(reservation)
    return True


def _not_active(reservation: Reservation) -> NotActive:
    labels = {
        ReservationStatus.cancelled: _("This reservation was cancelled already."),
        ReservationStatus.expired: _("This reservation has expired already."),
        ReservationStatus.collected: _("This item has been collected already."),
    }
    return NotActive(labels.get(ReservationStatus(reservation.status), _("Please reload.")))


async def cancel(
    session: AsyncSession,
    *,
    actor: User,
    reservation_id: int,
    now: datetime,
    postman: notify.Postman,
    base_url: str,
) -> Reservation:
    """Cancel an active reservation (the customer, or staff of its store); the unit goes back."""
    reservation = await _visible(session, actor, reservation_id)
    if not await _end(session, reservation, ReservationStatus.cancelled, now, actor):
        await session.refresh(reservation)
        raise _not_active(reservation)
    if actor.id != reservation.customer_id:
        await notify.reservation_changed(
            session, reservation=reservation, kind="cancelled", postman=postman, base_url=base_url
        )
    return reservation


async def collect(
    session: AsyncSession, *, actor: User, reservation_id: int, now: datetime
) -> Reservation:
    """Mark a reservation collected: the customer came to the store for it (staff of the store)."""
    reservation = await _visible(session, actor, reservation_id)
    if actor.id == reservation.customer_id:
        raise Forbidden(_("The store marks an item collected when you pick it up."))
    if not await _end(session, reservation, ReservationStatus.collected, now, actor):
        await session.refresh(reservation)
        raise _not_active(reservation)
    return reservation


async def expire_due(session: AsyncSession, *, now: datetime) -> int:
    """Expire every active reservation whose hold has run out; returns how many."""
    expired = 0
    for reservation in await repo.due_to_expire(session, now, EXPIRY_BATCH):
        if await _end(session, reservation, ReservationStatus.expired, now, None):
            expired += 1
    return expired


# ---------------------------------------------------------------- lists and pages


async def view_for(session: AsyncSession, *, viewer: User, reservation_id: int) -> ReservationView:
    """One reservation for its customer or the staff of its store."""
    return await _view(session, await _visible(session, viewer, reservation_id))


async def mine(session: AsyncSession, *, customer: User, limit: int = 20) -> list[ReservationView]:
    """The customer's reservations, active first."""
    assert customer.id is not None
    found = await repo.reservations_of_customer(session, customer.id, limit)
    return await _views(session, found)


async def at_my_stores(
    session: AsyncSession, *, viewer: User, now: datetime
) -> tuple[list[Store], list[ReservationView]]:
    """The stores whose reservations this person handles, and those reservations: active first
    (soonest to lapse on top), then the ones closed in the last week."""
    if viewer.role not in (Role.staff, Role.manager, Role.admin):
        raise Forbidden(_("This page is for stylists and managers."))
    ids = await store_ids_of(session, user=viewer)
    since = now - timedelta(days=STAFF_LIST_DAYS)
    found = await repo.reservations_at(session, ids, since, STAFF_LIST_LIMIT)
    if not ids and viewer.role == Role.staff:  # from home: her own customers' reservations only
        care = await access.customers_in_care(session, viewer=viewer, now=now)
        found = await repo.reservations_of_customers(session, care, since, STAFF_LIST_LIMIT)
        ids = sorted({r.store_id for r in found})
    all_stores = {s.id: s for s in await stores.list_stores(session)}
    return [all_stores[i] for i in ids if i in all_stores], await _views(session, found)


async def _views(session: AsyncSession, found: list[Reservation]) -> list[ReservationView]:
    items = await wardrobe.items_by_id(session, ids={r.catalog_item_id for r in found})
    people = await accounts.users_by_id(session, ids={r.customer_id for r in found})
    all_stores = {s.id: s for s in await stores.list_stores(session)}
    return [
        ReservationView(
            r, items[r.catalog_item_id], all_stores[r.store_id], people.get(r.customer_id)
        )
        for r in found
    ]
