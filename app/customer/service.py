"""Customer profiles and purchase history; who may see them is app.access's decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from app.access import audit, policy
from app.access import service as access
from app.access.policy import mask_phone
from app.access.schemas import RevealIn
from app.accounts.models import Role, User
from app.core.errors import Forbidden, NotFound
from app.core.i18n import gettext as _
from app.core.text import format_phone
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
    """A customer and their profile, if the access policy lets the viewer see them (else 404)."""
    customer, profile, _decision = await load_customer_as(
        session, viewer=viewer, customer_id=customer_id
    )
    return customer, profile


async def load_customer_as(
    session: AsyncSession, *, viewer: User, customer_id: int, audit_as: str | None = None
) -> tuple[User, CustomerProfile, policy.Decision]:
    """The customer, their profile and the policy's decision (which fields are masked).

    With ``audit_as`` the read is recorded under that action, with the fields it shows."""
    decision = await access.require(session, viewer=viewer, customer_id=customer_id)
    customer = await session.get(User, customer_id)
    profile = await repo.profile(session, customer_id)
    if customer is None or profile is None or customer.role != Role.customer:
        raise NotFound(_("There is no such customer."))
    if audit_as is not None:
        shown = ["name", "sizes", *(f.value for f in policy.Field if decision.shows(f))]
        await access.record_read(
            session, viewer=viewer, customer_id=customer_id, action=audit_as, fields=shown
        )
    return customer, profile, decision


def public_profile(
    customer: User, profile: CustomerProfile, decision: policy.Decision
) -> ProfilePublic:
    """The profile as this viewer may see it: contact data masked unless the decision shows it."""
    assert customer.id is not None

    def shows(name: policy.Field) -> bool:
        return decision.shows(name)

    phone = format_phone(profile.phone_e164) if profile.phone_e164 else None
    masked = [f.value for f in policy.Field if not shows(f)]
    return ProfilePublic(
        user_id=customer.id,
        email=customer.email if shows(policy.Field.email) else policy.mask_email(customer.email),
        family_name=customer.family_name,
        given_name=customer.given_name,
        family_name_kana=customer.family_name_kana,
        given_name_kana=customer.given_name_kana,
        phone_e164=profile.phone_e164 if shows(policy.Field.phone) else None,
        phone_display=phone if phone is None or shows(policy.Field.phone) else mask_phone(phone),
        born_on=profile.born_on if shows(policy.Field.birthday) else None,
        birth_month=policy.birth_month(profile.born_on),
        size_top=profile.size_top,
        size_bottom=profile.size_bottom,
        shoe_size_cm=profile.shoe_size_cm,
        marketing_consent=profile.marketing_consent,
        locale=customer.locale,
        time_zone=customer.time_zone,
        masked=masked,
    )


async def update_profile(
    session: AsyncSession, *, viewer: User, customer_id: int, data: ProfileIn
) -> ProfilePublic:
    """Change a customer's own profile (only the customer may)."""
    customer, profile, decision = await load_customer_as(
        session, viewer=viewer, customer_id=customer_id
    )  # 404 first for anyone who may not even see the customer
    if viewer.id != customer_id:
        raise Forbidden(_("You can only change your own details."))
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
    return public_profile(customer, profile, decision)


async def purchase_history(
    session: AsyncSession, *, viewer: User, customer_id: int, limit: int = 50, audited: bool = True
) -> list[PurchaseLine]:
    """Store and online purchases, newest first, each with its catalog item (the read is
    recorded unless ``audited`` is False: a page that records its own read)."""
    if audited:
        await access.see(
            session,
            viewer=viewer,
            customer_id=customer_id,
            action=audit.Action.customer_purchases_read,
            fields=["purchases"],
        )
    await load_customer(session, viewer=viewer, customer_id=customer_id)
    purchases = await repo.purchases_of(session, customer_id, limit)
    items = await wardrobe.items_by_id(session, ids={p.catalog_item_id for p in purchases})
    return [PurchaseLine(p, items[p.catalog_item_id]) for p in purchases]


async def reveal_contact(
    session: AsyncSession, *, viewer: User, customer_id: int, data: RevealIn
) -> tuple[ProfilePublic, datetime]:
    """Show a stylist masked contact fields for a while (her reason is recorded)."""
    row = await access.reveal(session, viewer=viewer, customer_id=customer_id, data=data)
    customer, profile, decision = await load_customer_as(
        session, viewer=viewer, customer_id=customer_id
    )
    return public_profile(customer, profile, decision), row.expires_at
