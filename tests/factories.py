"""Small factories for arranging data; each takes overrides for what a test cares about."""

from __future__ import annotations

import re
from itertools import count
from typing import Any

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import Role, User
from app.core.security import hash_password
from app.customer.models import CustomerProfile, Purchase
from app.store.models import Brand, StaffProfile, Store, StoreManager
from app.wardrobe.models import CatalogItem

PASSWORD = "correct horse battery"
_HASH = hash_password(PASSWORD)
_seq = count(1)


async def make_user(session: AsyncSession, **overrides: Any) -> User:
    n = next(_seq)
    data: dict[str, Any] = {
        "email": f"user{n}@example.jp",
        "password_hash": _HASH,
        "role": Role.customer,
        "family_name": "山田",
        "given_name": "花子",
        "family_name_kana": "ヤマダ",
        "given_name_kana": "ハナコ",
        "locale": "en",  # tests read English messages; Japanese ones ask for locale="ja"
    }
    data.update(overrides)
    user = User(**data)
    session.add(user)
    await session.flush()
    return user


async def make_customer(session: AsyncSession, **overrides: Any) -> User:
    user = await make_user(session, role=Role.customer, **overrides)
    session.add(CustomerProfile(user_id=user.id, phone_e164="+819012345678", size_top="M"))
    await session.flush()
    return user


async def make_brand(session: AsyncSession) -> Brand:
    n = next(_seq)
    brand = Brand(slug=f"brand-{n}", name_ja="テスト", name_en="Test")
    session.add(brand)
    await session.flush()
    return brand


async def make_store(session: AsyncSession, **overrides: Any) -> Store:
    brand = await make_brand(session)
    n = next(_seq)
    data: dict[str, Any] = {
        "brand_id": brand.id,
        "slug": f"store-{n}",
        "name_ja": f"テスト店{n}",
        "name_en": f"Test store {n}",
        "address_ja": "東京都",
        "address_en": "Tokyo",
        "phone_e164": "+81312345678",
    }
    data.update(overrides)
    store = Store(**data)
    session.add(store)
    await session.flush()
    return store


async def make_manager(session: AsyncSession, store: Store, **overrides: Any) -> User:
    user = await make_user(session, role=Role.manager, **overrides)
    session.add(StoreManager(store_id=store.id, user_id=user.id))
    await session.flush()
    return user


async def make_stylist(
    session: AsyncSession, store: Store, *, works_remotely: bool = True, **overrides: Any
) -> User:
    user = await make_user(session, role=Role.staff, **overrides)
    session.add(
        StaffProfile(
            user_id=user.id,
            home_store_id=store.id,
            works_remotely=works_remotely,
            skills=["womenswear"],
            languages=["ja"],
        )
    )
    await session.flush()
    return user


async def make_item(session: AsyncSession, brand: Brand, **overrides: Any) -> CatalogItem:
    n = next(_seq)
    data: dict[str, Any] = {
        "brand_id": brand.id,
        "sku": f"T-{n:05d}",
        "name_ja": "ネイビー ブラウス",
        "name_en": "Navy blouse",
        "category": "blouse",
        "slot": "top",
        "colour_name": "navy",
        "colour_rgb": "#1f2a44",
        "pattern": "solid",
        "material": "cotton",
        "formality": 3,
        "seasons": ["spring"],
        "style_tags": ["office"],
        "sizes": ["S", "M"],
        "price_yen": 12100,
    }
    data.update(overrides)
    item = CatalogItem(**data)
    session.add(item)
    await session.flush()
    return item


async def make_purchase(
    session: AsyncSession, customer: User, item: CatalogItem, **overrides: Any
) -> Purchase:
    from app.core.types import utcnow

    data: dict[str, Any] = {
        "customer_id": customer.id,
        "channel": "online",
        "order_ref": f"W-{next(_seq)}",
        "catalog_item_id": item.id,
        "size": "M",
        "unit_price_yen": item.price_yen,
        "purchased_at": utcnow(),
    }
    data.update(overrides)
    purchase = Purchase(**data)
    session.add(purchase)
    await session.flush()
    return purchase


async def csrf_of(client: httpx.AsyncClient, path: str = "/") -> str:
    """Load a page and return the CSRF token its forms carry (the cookie is kept by the client)."""
    response = await client.get(path)
    match = re.search(r'name="csrf-token" content="([^"]+)"', response.text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    token = await csrf_of(client)
    response = await client.post(
        "/login", data={"csrf_token": token, "email": email, "password": password}
    )
    assert response.status_code == 303, response.text[:500]
    return response


async def api_headers(client: httpx.AsyncClient) -> dict[str, str]:
    response = await client.get("/api/v1/auth/csrf")
    return {"X-CSRF-Token": response.json()["csrf_token"]}


async def make_service(session: AsyncSession, store: Store, **overrides: Any) -> Any:
    from app.booking.models import Service

    data: dict[str, Any] = {
        "store_id": store.id,
        "name_ja": "スタイリング相談 30分",
        "name_en": "Styling consultation 30 min",
        "duration_min": 30,
        "buffer_before_min": 0,
        "buffer_after_min": 0,
        "step_min": 30,
        "min_notice_min": 60,
        "horizon_days": 60,
        "cancellation_notice_hours": 24,
        "required_skills": [],
    }
    data.update(overrides)
    service = Service(**data)
    session.add(service)
    await session.flush()
    return service


async def make_shift(
    session: AsyncSession,
    stylist: User,
    store: Store,
    start: Any,
    hours: float = 4,
    **overrides: Any,
) -> Any:
    from datetime import timedelta

    from app.scheduling.models import Shift

    data: dict[str, Any] = {
        "staff_id": stylist.id,
        "store_id": store.id,
        "starts_at": start,
        "ends_at": start + timedelta(hours=hours),
        "status": "approved",
    }
    data.update(overrides)
    shift = Shift(**data)
    session.add(shift)
    await session.flush()
    return shift


def tomorrow_at(hour: int, zone: str = "Asia/Tokyo", days: int = 1) -> Any:
    """A local wall-clock time ``days`` from today in ``zone``, as an aware UTC datetime."""
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    local = datetime.now(ZoneInfo(zone)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    ) + timedelta(days=days)
    return local.astimezone(UTC)


async def make_appointment(
    session: AsyncSession,
    *,
    customer: User,
    stylist: User,
    service: Any,
    start: Any,
    **overrides: Any,
) -> Any:
    """An appointment written directly (no slot checks), e.g. one that is already under way."""
    from datetime import timedelta

    from app.booking.models import Appointment

    end = start + timedelta(minutes=service.duration_min)
    data: dict[str, Any] = {
        "store_id": service.store_id,
        "service_id": service.id,
        "customer_id": customer.id,
        "staff_id": stylist.id,
        "starts_at": start,
        "ends_at": end,
        "blocked_from": start,
        "blocked_until": end,
    }
    data.update(overrides)
    appointment = Appointment(**data)
    session.add(appointment)
    await session.flush()
    return appointment
