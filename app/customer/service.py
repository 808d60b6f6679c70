"""Customer profiles and purchase history, with the access rule that protects them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import Role, User
from app.core.errors import Forbidden, NotFound
from app.core.i18n import gettext as _
from app.core.types import utcnow
from app.customer import repository as repo
from app.customer.models import CustomerProfile, Purchase
from app.customer.schemas import ProfileIn, ProfilePublic
from app.wardrobe import service as wardrobe
from app.wardrobe.models import CatalogItem


@dataclass(frozen=True)
class PurchaseLine:
    purchase: Purchase
    item: CatalogItem


async def create_profile(
    session: AsyncSession, *, user_id: int, marketing_consent: bool
) -> CustomerProfile:
    """Create the empty profile a new customer starts with."""
    profile = CustomerProfile(
        user_id=user_id,
        marketing_consent=marketing_consent,
        marketing_consent_at=utcnow() if marketing_consent else None,
    )
    session.add(profile)
    await session.flush()
    return profile


async def load_customer(
    session: AsyncSession, *, viewer: User, customer_id: int
) -> tuple[User, CustomerProfile]:
    """A customer and their profile, if the viewer may see them.

    Customers see only themselves; stylists, managers and admins see customers (clienteling).
    """
    if viewer.role == Role.customer and viewer.id != customer_id:
        raise Forbidden(_("You can only see your own details."))
    customer = await session.get(User, customer_id)
    profile = await repo.profile(session, customer_id)
    if customer is None or profile is None or customer.role != Role.customer:
        raise NotFound(_("There is no such customer."))
    return customer, profile


def public_profile(customer: User, profile: CustomerProfile) -> ProfilePublic:
    assert customer.id is not None
    return ProfilePublic(
        user_id=customer.id,
        email=customer.email,
        family_name=customer.family_name,
        given_name=customer.given_name,
        family_name_kana=customer.family_name_kana,
        given_name_kana=customer.given_name_kana,
        phone_e164=profile.phone_e164,
        born_on=profile.born_on,
        size_top=profile.size_top,
        size_bottom=profile.size_bottom,
        shoe_size_cm=profile.shoe_size_cm,
        marketing_consent=profile.marketing_consent,
        locale=customer.locale,
        time_zone=customer.time_zone,
    )


async def update_profile(
    session: AsyncSession, *, viewer: User, customer_id: int, data: ProfileIn
) -> ProfilePublic:
    """Change a customer's own profile (only the customer may)."""
    if viewer.id != customer_id:
        raise Forbidden(_("You can only change your own details."))
    customer, profile = await load_customer(session, viewer=viewer, customer_id=customer_id)
    for field in ("family_name", "given_name", "family_name_kana", "given_name_kana", "locale"):
        setattr(customer, field, getattr(data, field))
    customer.time_zone = data.time_zone
    if data.marketing_consent and not profile.marketing_consent:
        profile.marketing_consent_at = utcnow()
    if not data.marketing_consent:
        profile.marketing_consent_at = None
    profile.marketing_consent = data.marketing_consent
    profile.phone_e164 = data.phone
    profile.born_on = data.born_on
    profile.size_top = data.size_top
    profile.size_bottom = data.size_bottom
    profile.shoe_size_cm = data.shoe_size_cm
    session.add_all([customer, profile])
    return public_profile(customer, profile)


async def purchase_history(
    session: AsyncSession, *, viewer: User, customer_id: int, limit: int = 50
) -> list[PurchaseLine]:
    """Store and online purchases, newest first, each with its catalog item."""
    await load_customer(session, viewer=viewer, customer_id=customer_id)
    purchases = await repo.purchases_of(session, customer_id, limit)
    items = await wardrobe.items_by_id(session, ids={p.catalog_item_id for p in purchases})
    return [PurchaseLine(p, items[p.catalog_item_id]) for p in purchases]
