"""Plain view data for lookbook pages and API answers (names in the viewer's language)."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import User
from app.core.errors import AppError
from app.customer import service as customers
from app.customer.models import CustomerProfile
from app.store import service as stores
from app.wardrobe import service as wardrobe
from app.wardrobe.lookbooks.schemas import CatalogPiece, EntryOut, LookbookOut, OwnedPiece
from app.wardrobe.lookbooks.service import LookbookContent
from app.wardrobe.models import CatalogItem, LookbookEntry, OwnedItem

FREE_SIZES = ("F", "FREE")


def catalog_piece(item: CatalogItem, locale: str) -> CatalogPiece:
    assert item.id is not None
    return CatalogPiece(
        id=item.id,
        sku=item.sku,
        name=item.name_ja if locale == "ja" else item.name_en,
        slot=item.slot,
        price_yen=item.price_yen,
        image_url=wardrobe.image_src(item),
        is_active=item.is_active,
    )


def owned_piece(item: OwnedItem) -> OwnedPiece:
    assert item.id is not None
    return OwnedPiece(
        id=item.id,
        label=item.label,
        slot=item.slot,
        colour_rgb=item.colour_rgb,
        photo_url=f"/api/v1/owned-items/{item.id}/photo" if item.photo_path else None,
    )


def entry_out(entry: LookbookEntry, content: LookbookContent, locale: str) -> EntryOut:
    assert entry.id is not None
    catalog_ids = [i for i in entry.catalog_item_ids if i in content.catalog]
    owned_ids = [i for i in entry.owned_item_ids if i in content.owned]
    return EntryOut(
        id=entry.id,
        kind=entry.kind,
        catalog_item_ids=catalog_ids,
        owned_item_ids=owned_ids,  # hidden ones are not even named to staff
        note=entry.note,
        position=entry.position,
        created_at=entry.created_at,
        catalog_items=[catalog_piece(content.catalog[i], locale) for i in catalog_ids],
        owned_items=[owned_piece(content.owned[i]) for i in owned_ids],
    )


def lookbook_out(content: LookbookContent, locale: str) -> LookbookOut:
    lookbook, appointment = content.lookbook, content.appointment
    assert appointment.id is not None
    entries = [entry_out(e, content, locale) for e in content.entries]
    return LookbookOut(
        id=lookbook.id if lookbook else None,
        appointment_id=appointment.id,
        customer_id=appointment.customer_id,
        status=lookbook.status if lookbook else "draft",
        title=lookbook.title if lookbook else "",
        message=lookbook.message if lookbook else "",
        sent_at=lookbook.sent_at if lookbook else None,
        url=f"/lookbooks/{lookbook.id}" if lookbook else None,
        entries=entries,
        count=len(entries),
    )


# ---------------------------------------------------------------- the customer's page


def shop_link(template: str, sku: str) -> str:
    """The online shop's page of an item, from the configured URL template."""
    return template.replace("{sku}", quote(sku, safe=""))


def preferred_sizes(profile: CustomerProfile | None, slot: str) -> set[str]:
    """The customer's own sizes that apply to an item of this slot."""
    mine: set[str] = set(FREE_SIZES)
    if profile is None:
        return mine
    if slot in ("top", "outerwear", "one_piece") and profile.size_top:
        mine.add(profile.size_top)
    if slot == "bottom" and profile.size_bottom:
        mine.add(profile.size_bottom)
    if slot == "shoes" and profile.shoe_size_cm:
        mine |= {f"{profile.shoe_size_cm:.1f}", f"{profile.shoe_size_cm:g}"}
    return mine


@dataclass(frozen=True)
class StoreChoice:
    store_id: int
    name: str


@dataclass(frozen=True)
class SizeChoice:
    size: str
    mine: bool  # one of the customer's sizes: offered first
    stores: list[StoreChoice]  # stores with a unit to hold


@dataclass(frozen=True)
class ItemCard:
    """One catalog item of an entry with what the customer can do about it."""

    piece: CatalogPiece
    shop_url: str
    sizes: list[SizeChoice]

    @property
    def reservable(self) -> bool:
        return self.piece.is_active and any(s.stores for s in self.sizes)


@dataclass(frozen=True)
class EntryView:
    entry: EntryOut
    cards: list[ItemCard] = field(default_factory=list)


async def entry_views(
    session: AsyncSession,
    content: LookbookContent,
    *,
    viewer: User,
    locale: str,
    shop_url: str,
) -> list[EntryView]:
    """Each entry with, per catalog item, the sizes (the customer's first) and the stores that
    can hold one."""
    profile = await _profile(session, viewer, content.appointment.customer_id)
    stock = await wardrobe.stock_for(session, item_ids=set(content.catalog), sizes=None)
    names = {
        s.id: (s.name_ja if locale == "ja" else s.name_en)
        for s in await stores.list_stores(session)
    }
    views = []
    for entry in content.entries:
        out = entry_out(entry, content, locale)
        cards = [
            _card(piece, content.catalog[piece.id], profile, stock.get(piece.id), names, shop_url)
            for piece in out.catalog_items
        ]
        views.append(EntryView(out, cards))
    return views


async def _profile(session: AsyncSession, viewer: User, customer_id: int) -> CustomerProfile | None:
    try:
        return (await customers.load_customer(session, viewer=viewer, customer_id=customer_id))[1]
    except AppError:  # a customer without a profile still sees their lookbook
        return None


def _card(
    piece: CatalogPiece,
    item: CatalogItem,
    profile: CustomerProfile | None,
    stock: wardrobe.ItemStock | None,
    names: dict[int | None, str],
    shop_url: str,
) -> ItemCard:
    mine = preferred_sizes(profile, item.slot)
    by_size: dict[str, list[StoreChoice]] = {size: [] for size in item.sizes}
    for store_id, sizes in (stock.stores if stock else {}).items():
        for size in sizes:
            if size in by_size:
                by_size[size].append(StoreChoice(store_id, names.get(store_id, "")))
    ordered = sorted(item.sizes, key=lambda size: size not in mine)  # stable: catalog order
    choices = [SizeChoice(size, size in mine, by_size[size]) for size in ordered]
    return ItemCard(piece, shop_link(shop_url, item.sku), choices)
