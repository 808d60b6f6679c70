"""Load the demo data. Idempotent: every row is found by its natural key before it is created."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import Role, User
from app.booking.models import Appointment
from app.core.security import hash_password
from app.customer.models import Channel, CustomerProfile, Purchase
from app.demo import people
from app.demo.catalog import generate_catalog, generate_stock
from app.demo.roster import load_roster
from app.demo.today import load_today
from app.store.models import Brand, StaffProfile, Store, StoreManager
from app.wardrobe import service as wardrobe
from app.wardrobe.models import CatalogItem, CatalogStock

DEMO_PASSWORD = "closetcall-demo"  # noqa: S105 - printed for people trying the demo


@dataclass
class DemoReport:
    created: dict[str, int] = field(default_factory=dict)
    logins: list[tuple[str, str]] = field(default_factory=list)
    soon: Appointment | None = None  # Yuki's session about to start, when this load made one
    time_zone: str = "Asia/Tokyo"

    def count(self, kind: str) -> None:
        self.created[kind] = self.created.get(kind, 0) + 1

    def summary(self) -> str:
        if not self.created:
            return "Demo data already present; nothing to add."
        parts = ", ".join(f"{n} {kind}" for kind, n in sorted(self.created.items()))
        lines = [f"Demo data loaded: {parts}."]
        if self.soon is not None:
            local = self.soon.starts_at.astimezone(ZoneInfo(self.time_zone))
            lines.append(
                f"Try the call now: Yuki's session with 田中 愛子 starts at {local:%H:%M}"
                f" ({self.time_zone}); its call is open: /appointments/{self.soon.id}/call"
            )
        return "\n".join(lines)


async def _one(session: AsyncSession, model: type, **where: object) -> object | None:
    statement = select(model)
    for name, value in where.items():
        statement = statement.where(getattr(model, name) == value)
    return (await session.exec(statement)).first()


async def _user(
    session: AsyncSession,
    report: DemoReport,
    person: tuple[str, str, str, str, str],
    role: str,
    pw: str,
) -> User:
    email, family, given, family_kana, given_kana = person
    user = await _one(session, User, email=email)
    if user is None:
        user = User(
            email=email,
            password_hash=pw,
            role=role,
            family_name=family,
            given_name=given,
            family_name_kana=family_kana,
            given_name_kana=given_kana,
        )
        session.add(user)
        await session.flush()
        report.count("users")
    assert isinstance(user, User)
    return user


async def load_demo(session: AsyncSession, now: datetime | None = None) -> DemoReport:
    """Create whatever part of the demo brand is missing; never duplicates.

    ``now`` (default: the clock) places the roster's weeks and the session about to start: the
    day is the store's local date, not the UTC one (09:00 in Tokyo is still yesterday in UTC)."""
    now = now or datetime.now(UTC)
    report = DemoReport()
    password_hash = hash_password(DEMO_PASSWORD)

    brand = await _one(session, Brand, slug=people.BRAND["slug"])
    if brand is None:
        brand = Brand(**people.BRAND)
        session.add(brand)
        await session.flush()
        report.count("brands")
    assert isinstance(brand, Brand) and brand.id is not None

    stores: dict[str, Store] = {}
    for data in people.STORES:
        store = await _one(session, Store, slug=data["slug"])
        if store is None:
            store = Store(brand_id=brand.id, **data)
            session.add(store)
            await session.flush()
            report.count("stores")
        assert isinstance(store, Store)
        stores[store.slug] = store

    admin = await _user(session, report, people.ADMIN, Role.admin, password_hash)
    report.logins.append(("admin", admin.email))
    for store_slug, person in people.MANAGERS:
        manager = await _user(session, report, person, Role.manager, password_hash)
        if (
            await _one(session, StoreManager, user_id=manager.id, store_id=stores[store_slug].id)
            is None
        ):
            session.add(StoreManager(user_id=manager.id, store_id=stores[store_slug].id))
        report.logins.append(("manager", manager.email))

    for index, (store_slug, remote, skills, languages, person) in enumerate(people.STYLISTS):
        stylist = await _user(session, report, person, Role.staff, password_hash)
        if await session.get(StaffProfile, stylist.id) is None:
            session.add(
                StaffProfile(
                    user_id=stylist.id,
                    home_store_id=stores[store_slug].id,
                    works_remotely=remote,
                    skills=skills,
                    languages=languages,
                )
            )
            report.count("staff profiles")
        if index == 0:
            report.logins.append(("stylist", stylist.email))

    catalog = await _catalog(session, report, brand.id)
    await _stock(session, report, catalog, list(stores.values()))
    await wardrobe.catalog_changed(session)  # running servers re-read the catalog
    await _customers(session, report, list(stores.values()), catalog, password_hash)
    report.logins.append(("customer", people.DEMO_CUSTOMER_EMAIL))
    await session.flush()
    home = stores["tokyo-shibuya"]
    today = now.astimezone(ZoneInfo(home.time_zone)).date()
    await load_roster(session, report, stores, today)
    await session.flush()
    aiko = await _one(session, User, email=people.STYLISTS[0][4][0])
    assert isinstance(aiko, User)
    report.soon = await load_today(session, report, aiko, home, now)
    report.time_zone = home.time_zone
    await session.flush()
    return report


async def _catalog(session: AsyncSession, report: DemoReport, brand_id: int) -> list[CatalogItem]:
    existing = {item.sku: item for item in (await session.exec(select(CatalogItem))).all()}
    for data in generate_catalog():
        if data["sku"] not in existing:
            item = CatalogItem(brand_id=brand_id, **data)  # type: ignore[arg-type]
            session.add(item)
            existing[item.sku] = item
            report.count("catalog items")
    await session.flush()
    return sorted(existing.values(), key=lambda i: i.sku)


async def _stock(
    session: AsyncSession, report: DemoReport, catalog: list[CatalogItem], stores: list[Store]
) -> None:
    """Units per size online and in every store; rows already there (maybe since reserved
    from) are left as they are."""
    have = set(
        (
            await session.exec(
                select(CatalogStock.catalog_item_id, CatalogStock.store_id, CatalogStock.size)
            )
        ).all()
    )
    store_ids: dict[str, int | None] = {"online": None, **{s.slug: s.id for s in stores}}
    for item in catalog:
        stock = generate_stock(item.sku, item.sizes, [s.slug for s in stores])
        for location, quantities in stock.items():
            for size, quantity in quantities.items():
                if (item.id, store_ids[location], size) not in have:
                    session.add(
                        CatalogStock(
                            catalog_item_id=item.id,  # type: ignore[arg-type]
                            store_id=store_ids[location],
                            size=size,
                            quantity=quantity,
                        )
                    )
                    report.count("stock lines")
    await session.flush()


async def _customers(
    session: AsyncSession,
    report: DemoReport,
    stores: list[Store],
    catalog: list[CatalogItem],
    password_hash: str,
) -> None:
    rng = random.Random(7)
    now = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)
    for index, person in enumerate(people.customers()):
        customer = await _user(session, report, person, Role.customer, password_hash)
        home = stores[index % len(stores)]
        if await session.get(CustomerProfile, customer.id) is None:
            session.add(
                CustomerProfile(
                    user_id=customer.id,
                    phone_e164=f"+81{rng.choice('789')}0{rng.randint(10000000, 99999999)}",
                    born_on=date(rng.randint(1965, 2003), rng.randint(1, 12), rng.randint(1, 28)),
                    size_top=rng.choice(["S", "M", "M", "L"]),
                    size_bottom=rng.choice(["S", "M", "M", "L"]),
                    shoe_size_cm=rng.choice([22.5, 23.0, 23.5, 24.0, 24.5, 25.0, 26.0, 27.0]),
                    marketing_consent=rng.random() < 0.6,
                    home_store_id=home.id,
                )
            )
            report.count("customers")
        has_purchases = (
            await session.exec(select(Purchase.id).where(col(Purchase.customer_id) == customer.id))
        ).first()
        if has_purchases is None:
            picks = (
                _yuki_basics(catalog) if index == 0 else rng.sample(catalog, k=rng.randint(5, 12))
            )
            _add_purchases(session, report, customer, home, picks, rng, now)


def _yuki_basics(catalog: list[CatalogItem]) -> list[CatalogItem]:
    """佐藤 由紀 owns many navy and beige basics and two skirts she never wears."""
    basics = [i for i in catalog if i.colour_name in ("navy", "beige") and i.pattern == "solid"]
    tops = [i for i in basics if i.slot == "top"][:5]
    bottoms = [i for i in basics if i.slot == "bottom" and i.category != "skirt"][:2]
    skirts = [i for i in catalog if i.category == "skirt"][:2]
    shoes = [i for i in basics if i.slot == "shoes"][:2]
    return tops + bottoms + skirts + shoes


def _add_purchases(
    session: AsyncSession,
    report: DemoReport,
    customer: User,
    home: Store,
    items: list[CatalogItem],
    rng: random.Random,
    now: datetime,
) -> None:
    order_size = 3
    for start in range(0, len(items), order_size):
        online = rng.random() < 0.45
        when = now - timedelta(days=rng.randint(10, 700), minutes=rng.randint(0, 600))
        ref = f"{'W' if online else 'S'}-{customer.id:05d}-{start // order_size + 1:02d}"
        for item in items[start : start + order_size]:
            session.add(
                Purchase(
                    customer_id=customer.id,
                    channel=Channel.online if online else Channel.store,
                    store_id=None if online else home.id,
                    order_ref=ref,
                    catalog_item_id=item.id,
                    size=item.sizes[len(item.sizes) // 2],
                    unit_price_yen=item.price_yen,
                    purchased_at=when,
                )
            )
            report.count("purchase lines")
