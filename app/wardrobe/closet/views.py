"""Plain view data for wardrobe pages and the stylist's panel. No database, no session."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.core.i18n import format_date
from app.core.i18n import gettext as _
from app.customer.models import Channel, Purchase
from app.wardrobe.closet import vocabulary as vocab
from app.wardrobe.models import CatalogItem, OwnedItem, OwnedItemSource


@dataclass(frozen=True)
class ItemView:
    id: int
    label: str
    slot: str | None
    category: str  # in the viewer's language
    colour_name: str | None  # the palette code, or what was typed
    colour_rgb: str | None
    colour: str  # in the viewer's language
    pattern: str
    seasons: str  # 春・秋 / Spring, Autumn
    brand: str | None
    image_url: str | None
    is_photo: bool  # a photo of the real thing, not a catalog picture or swatch
    source: str
    origin: str  # "Bought in store on …", "Added by you", …
    hidden: bool
    retired: bool


@dataclass(frozen=True)
class SlotGroup:
    slot: str  # "" for items whose slot is not known
    label: str
    items: list[ItemView] = field(default_factory=list)


def image_of(item: OwnedItem, catalog: CatalogItem | None) -> tuple[str | None, bool]:
    """The picture to show: the item's own photo, else the catalog's image or swatch."""
    if item.photo_path:
        return f"/api/v1/owned-items/{item.id}/photo", True
    if catalog is not None:
        return catalog.image_url or f"/catalog/{catalog.sku}/swatch.svg", False
    return None, False


def origin_of(
    item: OwnedItem, purchase: Purchase | None, *, for_owner: bool, time_zone: str, locale: str
) -> str:
    """Where the item came from, in words the viewer understands."""
    if item.source == OwnedItemSource.purchase:
        if purchase is None:
            return _("Bought from us")
        day = format_date(purchase.purchased_at, time_zone, locale)
        if purchase.channel == Channel.store:
            return _("Bought in store on %(day)s", day=day)
        return _("Bought online on %(day)s", day=day)
    if item.source == OwnedItemSource.upload:
        return _("Added by you") if for_owner else _("Added by the customer")
    day = format_date(item.created_at, time_zone, locale)
    if for_owner:
        return _("Snapshot in your session on %(day)s", day=day)
    return _("Snapshot in a session on %(day)s", day=day)


def describe(
    items: list[OwnedItem],
    *,
    catalog: dict[int, CatalogItem],
    purchases: dict[int, Purchase],
    for_owner: bool,
    time_zone: str,
    locale: str,
) -> list[ItemView]:
    views = []
    separator = "・" if locale == "ja" else ", "
    for item in items:
        assert item.id is not None
        source = catalog.get(item.catalog_item_id) if item.catalog_item_id else None
        image, is_photo = image_of(item, source)
        purchase = purchases.get(item.purchase_id) if item.purchase_id else None
        views.append(
            ItemView(
                id=item.id,
                label=item.label,
                slot=item.slot,
                category=vocab.category_label(item.category, locale),
                colour_name=item.colour_name,
                colour_rgb=item.colour_rgb,
                colour=vocab.colour_label(item.colour_name, locale)
                if item.colour_name != vocab.OTHER_COLOUR
                else "",
                pattern=vocab.pattern_label(item.pattern, locale),
                seasons=separator.join(vocab.season_label(s, locale) for s in item.seasons or []),
                brand=item.brand,
                image_url=image,
                is_photo=is_photo,
                source=item.source,
                origin=origin_of(
                    item, purchase, for_owner=for_owner, time_zone=time_zone, locale=locale
                ),
                hidden=item.hidden,
                retired=item.retired_at is not None,
            )
        )
    return views


def group_by_slot(views: list[ItemView], locale: str) -> list[SlotGroup]:
    """Items by outfit slot, tops first and unknown slots last; empty slots are left out."""
    groups = {code: SlotGroup(code, vocab.slot_label(code, locale)) for code in vocab.SLOT_ORDER}
    unknown = SlotGroup("", _("Not sorted yet"))
    for view in views:
        groups.get(view.slot or "", unknown).items.append(view)
    return [g for g in (*groups.values(), unknown) if g.items]
