"""Catalog import (CSV and JSON), stock per store and online, and reserving the last units."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, delete, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core import i18n
from app.core.db import Database, write_transaction
from app.store.models import Brand, Store
from app.wardrobe import service
from app.wardrobe.catalog_import import UnreadableCatalog, parse_catalog
from app.wardrobe.models import CatalogItem, CatalogStock
from tests.factories import make_item, make_store

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
HEADER = (
    "sku,name_ja,name_en,category,slot,colour_name,colour_rgb,pattern,material,formality,"
    "seasons,style_tags,sizes,price_yen,image_url,stock"
)


def csv_line(sku: str, **changes: str) -> str:
    values = {
        "sku": sku,
        "name_ja": "ネイビー コットンシャツ",
        "name_en": "Navy cotton shirt",
        "category": "shirt",
        "slot": "top",
        "colour_name": "navy",
        "colour_rgb": "#1F2A44",
        "pattern": "solid",
        "material": "cotton",
        "formality": "3",
        "seasons": "autumn;spring",
        "style_tags": "Office;classic",
        "sizes": "S;M;L",
        "price_yen": "8900",
        "image_url": "",
        "stock": "online:S=3;M=0",
    }
    values.update(changes)
    return ",".join(values[name] for name in HEADER.split(","))


def csv_file(*lines: str, bom: bool = False) -> bytes:
    text = "\r\n".join([HEADER, *lines]) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def json_item(sku: str, **changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "sku": sku,
        "name_ja": "ベージュ リネンパンツ",
        "name_en": "Beige linen trousers",
        "category": "wide trousers",
        "slot": "bottom",
        "colour_name": "beige",
        "colour_rgb": "#d8c3a5",
        "pattern": "solid",
        "material": "linen",
        "formality": 2,
        "seasons": ["summer"],
        "sizes": ["S", "M"],
        "price_yen": 11900,
    }
    item.update(changes)
    return item


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Messages are asserted in English, whatever the catalogs translate them to."""
    previous = i18n.get_locale()
    i18n.set_locale("en")
    yield
    i18n.set_locale(previous)


# ---------------------------------------------------------------- reading files (pure)


class TestReadingCsv:
    def test_valid_rows_are_normalised(self) -> None:
        parsed = parse_catalog(csv_file(csv_line("KN-1")), filename="catalog.csv")
        assert parsed.errors == []
        [row] = parsed.rows
        assert (row.where, row.sku) == ("line 2", "KN-1")
        assert row.fields["name_ja"] == "ネイビー コットンシャツ"
        assert row.fields["colour_rgb"] == "#1f2a44"
        assert row.fields["seasons"] == ["spring", "autumn"]  # calendar order
        assert row.fields["style_tags"] == ["classic", "office"]
        assert row.fields["sizes"] == ["S", "M", "L"]
        assert (row.fields["formality"], row.fields["price_yen"]) == (3, 8900)
        assert row.fields["image_url"] is None and row.fields["is_active"] is True
        assert row.stock == {"online": {"S": 3, "M": 0}}

    def test_a_byte_order_mark_is_ignored(self) -> None:
        parsed = parse_catalog(csv_file(csv_line("KN-1"), bom=True), filename="catalog.csv")
        assert [r.sku for r in parsed.rows] == ["KN-1"] and parsed.errors == []

    def test_header_case_and_trailing_empty_columns_do_not_matter(self) -> None:
        text = f"{HEADER.upper()},,\r\n{csv_line('KN-1')},,\r\n"
        parsed = parse_catalog(text.encode(), filename="catalog.csv")
        assert [r.sku for r in parsed.rows] == ["KN-1"] and parsed.errors == []

    def test_invalid_rows_are_reported_by_line_and_the_rest_kept(self) -> None:
        data = csv_file(
            csv_line("KN-1"),
            csv_line("KN-2", formality="9"),
            "",  # a blank line still counts as a line
            csv_line("KN-3", slot="hat", colour_rgb="navy"),
            csv_line("KN-4", price_yen="¥8,900"),
            csv_line("KN-5"),
        )
        parsed = parse_catalog(data, filename="catalog.csv")
        assert [r.sku for r in parsed.rows] == ["KN-1", "KN-5"]
        assert [str(e) for e in parsed.errors] == [
            "line 3: formality must be 1–5, got 9",
            "line 5: slot must be one of top, bottom, one_piece, outerwear, shoes, bag, "
            "accessory, got 'hat'",
            "line 5: colour_rgb must be a colour written #RRGGBB, e.g. #1f2a44, got 'navy'",
            "line 6: has 17 values but the header names 16 columns; put values that contain "
            "commas in double quotes",
        ]

    def test_every_rule_has_a_reason(self) -> None:
        cases = {
            "seasons": ("fall", "seasons must be from spring, summer, autumn, winter, got 'fall'"),
            "sizes": ("", "sizes needs at least one size, e.g. S;M;L or F for one size"),
            "pattern": ("paisley", "pattern must be one of solid, stripe, check, dot, floral"),
            "image_url": (
                "ftp://x.example/a.jpg",
                "image_url must be an http:// or https:// address, got 'ftp://x.example/a.jpg'",
            ),
            "price_yen": ("-1", "price_yen must be a whole number of yen, 0 or more"),
            "sku": ("KN 1", "sku must be 1–32 letters, digits, '-' or '_', got 'KN 1'"),
            "name_en": ("", "name_en is required"),
            "stock": ("tokyo:XL=1", "stock at tokyo names size 'XL', which is not in sizes"),
        }
        for column, (value, reason) in cases.items():
            line = csv_line("KN-1", **{column: value}) if column != "sku" else csv_line(value)
            data = csv_file(line)
            parsed = parse_catalog(data, filename="catalog.csv")
            assert parsed.rows == [], column
            assert any(reason in str(e) for e in parsed.errors), (column, parsed.errors)

    def test_stock_names_a_location_then_its_sizes(self) -> None:
        data = csv_file(csv_line("KN-1", stock="online:S=3;M=1;tokyo-shibuya:S=2;osaka-umeda:L=0"))
        [row] = parse_catalog(data, filename="catalog.csv").rows
        assert row.stock == {
            "online": {"S": 3, "M": 1},
            "tokyo-shibuya": {"S": 2},
            "osaka-umeda": {"L": 0},
        }
        bad = parse_catalog(csv_file(csv_line("KN-1", stock="S=3")), filename="catalog.csv")
        assert "must look like online:S=3;M=0;tokyo-shibuya:S=2" in str(bad.errors[0])

    def test_a_quoted_value_across_lines_keeps_later_line_numbers_right(self) -> None:
        two_line_name = '"Navy shirt,\nlong sleeves"'
        data = csv_file(csv_line("KN-1", name_en=two_line_name), csv_line("KN-2", formality="0"))
        parsed = parse_catalog(data, filename="catalog.csv")
        assert parsed.rows[0].fields["name_en"] == "Navy shirt,\nlong sleeves"
        assert [str(e) for e in parsed.errors] == ["line 4: formality must be 1–5, got 0"]

    def test_a_header_without_required_columns_makes_the_file_unreadable(self) -> None:
        with pytest.raises(UnreadableCatalog, match="lacks required column"):
            parse_catalog(b"sku,name_ja\nKN-1,x\n", filename="catalog.csv")
        with pytest.raises(UnreadableCatalog, match="Unknown column"):
            parse_catalog(csv_file().replace(b"image_url", b"image"), filename="catalog.csv")

    def test_a_file_that_is_not_utf8_is_unreadable(self) -> None:
        shift_jis = csv_file(csv_line("KN-1")).decode().encode("shift_jis")
        with pytest.raises(UnreadableCatalog, match="not UTF-8"):
            parse_catalog(shift_jis, filename="catalog.csv")
        with pytest.raises(UnreadableCatalog, match="empty"):
            parse_catalog(b"\xef\xbb\xbf  \n", filename="catalog.csv")


class TestReadingJson:
    def test_valid_objects_and_stock_objects(self) -> None:
        document = [
            json_item("KN-J1", stock={"online": {"S": 2}, "tokyo-shibuya": {"M": 1}}),
            json_item("KN-J2", is_active=False),
        ]
        parsed = parse_catalog(json.dumps(document).encode(), filename="catalog.json")
        assert parsed.errors == []
        assert [r.where for r in parsed.rows] == ["index 0", "index 1"]
        assert parsed.rows[0].stock == {"online": {"S": 2}, "tokyo-shibuya": {"M": 1}}
        assert parsed.rows[0].fields["category"] == "wide_trousers"
        assert parsed.rows[1].stock is None and parsed.rows[1].fields["is_active"] is False

    def test_invalid_entries_are_reported_by_array_index(self) -> None:
        document = [
            json_item("KN-J1"),
            json_item("KN-J2", formality=9),
            "not an object",
            json_item("KN-J4", colour="navy"),
            json_item("KN-J5", sizes=[], stock={"online": {"S": -1}}),
        ]
        parsed = parse_catalog(json.dumps(document).encode(), filename="catalog.json")
        assert [r.sku for r in parsed.rows] == ["KN-J1"]
        messages = [str(e) for e in parsed.errors]
        assert messages[:3] == [
            "index 1: formality must be 1–5, got 9",
            "index 2: each entry must be an object with the item's fields",
            "index 3: unknown field 'colour' (allowed: sku, name_ja, name_en, category, slot, "
            "colour_name, colour_rgb, pattern, material, formality, seasons, sizes, price_yen, "
            "secondary_colour_name, secondary_colour_rgb, style_tags, image_url, is_active, "
            "stock)",
        ]
        assert "index 4: sizes needs at least one size, e.g. S;M;L or F for one size" in messages
        assert (
            "index 4: stock of size 'S' at online must be a whole number, 0 or more, got -1"
            in messages
        )

    def test_the_format_is_found_from_the_content_without_an_extension(self) -> None:
        document = json.dumps([json_item("KN-J1")]).encode()
        assert [r.sku for r in parse_catalog(document, filename="upload").rows] == ["KN-J1"]
        as_csv = csv_file(csv_line("KN-1"))
        assert [r.sku for r in parse_catalog(as_csv, filename="upload").rows] == ["KN-1"]

    def test_broken_json_or_another_shape_is_unreadable(self) -> None:
        with pytest.raises(UnreadableCatalog, match="not valid JSON"):
            parse_catalog(b'[{"sku": "KN-1",}]', filename="catalog.json")
        with pytest.raises(UnreadableCatalog, match="array of objects"):
            parse_catalog(b'{"items": []}', filename="catalog.json")


# ---------------------------------------------------------------- importing (database)


@dataclass
class Shop:
    brand: Brand
    shibuya: Store
    umeda: Store


@pytest.fixture
async def shop(session: AsyncSession) -> Shop:
    shibuya = await make_store(session, slug="test-shibuya")
    umeda = await make_store(session, slug="test-umeda", brand_id=shibuya.brand_id)
    brand = await session.get(Brand, shibuya.brand_id)
    assert brand is not None
    return Shop(brand, shibuya, umeda)


async def _import(
    session: AsyncSession, shop: Shop, data: bytes, filename: str = "catalog.csv"
) -> service.ImportReport:
    return await service.import_catalog(
        session, data=data, filename=filename, brand=shop.brand.slug
    )


async def _stock_of(session: AsyncSession, sku: str) -> dict[tuple[int | None, str], int]:
    statement = (
        select(CatalogStock)
        .join(CatalogItem, col(CatalogItem.id) == CatalogStock.catalog_item_id)
        .where(CatalogItem.sku == sku)
    )
    return {(s.store_id, s.size): s.quantity for s in (await session.exec(statement)).all()}


async def _count_items(session: AsyncSession, brand: Brand) -> int:
    statement = select(func.count()).where(CatalogItem.brand_id == brand.id)
    return (await session.exec(statement)).one()


class TestImportCatalog:
    async def test_a_csv_creates_items_and_their_stock(
        self, session: AsyncSession, shop: Shop
    ) -> None:
        data = csv_file(
            csv_line("KN-1", stock="online:S=3;M=0;test-shibuya:S=2;test-umeda:L=1"),
            csv_line("KN-2", image_url="https://img.example.jp/kn-2.jpg", stock=""),
        )
        report = await _import(session, shop, data)
        assert (report.created, report.updated, report.unchanged, report.invalid) == (2, 0, 0, 0)
        assert report.summary() == "created 2, updated 0, unchanged 0, invalid 0"
        # A quantity of 0 for a size that had no row needs no row.
        assert await _stock_of(session, "KN-1") == {
            (None, "S"): 3,
            (shop.shibuya.id, "S"): 2,
            (shop.umeda.id, "L"): 1,
        }
        item = await service.item_by_sku(session, sku="KN-2")
        assert item.brand_id == shop.brand.id and item.name_ja == "ネイビー コットンシャツ"
        assert service.image_src(item) == "https://img.example.jp/kn-2.jpg"
        plain = await service.item_by_sku(session, sku="KN-1")
        assert service.image_src(plain) == "/catalog/KN-1/swatch.svg"

    async def test_a_rerun_updates_instead_of_duplicating(
        self, session: AsyncSession, shop: Shop
    ) -> None:
        first = csv_file(csv_line("KN-1"), csv_line("KN-2"), csv_line("KN-3"))
        await _import(session, shop, first)
        again = await _import(session, shop, first)
        assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
        changed = csv_file(
            csv_line("KN-1", price_yen="7900"),
            csv_line("KN-2", stock="online:S=3;M=4"),  # only the stock differs
            csv_line("KN-3"),
            csv_line("KN-4"),
        )
        report = await _import(session, shop, changed)
        assert (report.created, report.updated, report.unchanged) == (1, 2, 1)
        assert await _count_items(session, shop.brand) == 4
        assert (await service.item_by_sku(session, sku="KN-1")).price_yen == 7900
        assert await _stock_of(session, "KN-2") == {(None, "S"): 3, (None, "M"): 4}

    async def test_sizes_dropped_from_an_item_hold_no_stock(
        self, session: AsyncSession, shop: Shop
    ) -> None:
        await _import(session, shop, csv_file(csv_line("KN-1", stock="online:S=3;L=2")))
        report = await _import(
            session, shop, csv_file(csv_line("KN-1", sizes="S;M", stock="online:S=3"))
        )
        assert report.updated == 1
        assert await _stock_of(session, "KN-1") == {(None, "S"): 3, (None, "L"): 0}

    async def test_mixed_rows_import_the_valid_ones_and_report_the_rest(
        self, session: AsyncSession, shop: Shop
    ) -> None:
        other = await make_store(session, slug="elsewhere")  # another brand's store
        await make_item(session, await session.get(Brand, other.brand_id), sku="KN-THEIRS")
        data = csv_file(
            csv_line("KN-1"),
            csv_line("KN-2", seasons="spring;monsoon"),
            csv_line("KN-3", stock="nagoya:S=1"),
            csv_line("KN-4", stock="elsewhere:S=1"),
            csv_line("KN-THEIRS"),
            csv_line("KN-1", name_en="Duplicate"),
            csv_line("KN-7"),
        )
        report = await _import(session, shop, data)
        assert (report.created, report.invalid) == (2, 5)
        assert report.problems() == [
            "line 3: seasons must be from spring, summer, autumn, winter, got 'monsoon'",
            "line 4: there is no store nagoya (use online or one of: test-shibuya, test-umeda)",
            "line 5: store elsewhere belongs to another brand",
            "line 6: sku KN-THEIRS belongs to another brand; SKUs are unique across brands",
            "line 7: sku KN-1 is already on line 2",
        ]
        assert await _count_items(session, shop.brand) == 2
        assert (await service.item_by_sku(session, sku="KN-1")).name_en == "Navy cotton shirt"

    async def test_json_import_with_a_bom(self, session: AsyncSession, shop: Shop) -> None:
        document = [
            json_item("KN-J1", stock={"online": {"S": 1}, "test-umeda": {"M": 2}}),
            json_item("KN-J2", slot="skirt"),
        ]
        data = b"\xef\xbb\xbf" + json.dumps(document, ensure_ascii=False).encode()
        report = await _import(session, shop, data, filename="catalog.json")
        assert (report.created, report.invalid) == (1, 1)
        assert report.problems()[0].startswith("index 1: slot must be one of")
        assert await _stock_of(session, "KN-J1") == {(None, "S"): 1, (shop.umeda.id, "M"): 2}

    async def test_the_documented_examples_import_cleanly(self, session: AsyncSession) -> None:
        shibuya = await make_store(session, slug="tokyo-shibuya")
        await make_store(session, slug="osaka-umeda", brand_id=shibuya.brand_id)
        brand = await session.get(Brand, shibuya.brand_id)
        assert brand is not None
        for name, created in (("catalog.csv", 4), ("catalog.json", 2)):
            data = (EXAMPLES / name).read_bytes()
            report = await service.import_catalog(
                session, data=data, filename=name, brand=brand.slug
            )
            assert (report.created, report.invalid) == (created, 0), report.problems()

    async def test_an_unknown_brand_or_an_unreadable_file_writes_nothing(
        self, session: AsyncSession, shop: Shop
    ) -> None:
        with pytest.raises(UnreadableCatalog, match="There is no brand nope"):
            await service.import_catalog(
                session, data=csv_file(csv_line("KN-1")), filename="c.csv", brand="nope"
            )
        with pytest.raises(UnreadableCatalog, match="not UTF-8"):
            await _import(session, shop, b"sku\xff\n")
        await make_store(session)  # a second brand: it has to be named
        with pytest.raises(UnreadableCatalog, match="several brands"):
            await service.import_catalog(
                session, data=csv_file(csv_line("KN-1")), filename="c.csv", brand=None
            )
        assert await _count_items(session, shop.brand) == 0


# ---------------------------------------------------------------- stock


async def _stock(
    session: AsyncSession, item: CatalogItem, store: Store | None, size: str, quantity: int
) -> None:
    session.add(
        CatalogStock(
            catalog_item_id=item.id,  # type: ignore[arg-type]
            store_id=store.id if store else None,
            size=size,
            quantity=quantity,
        )
    )
    await session.flush()


class TestStock:
    async def test_stock_for_tells_where_the_sizes_are(
        self, session: AsyncSession, shop: Shop
    ) -> None:
        shirt = await make_item(session, shop.brand, sizes=["S", "M", "L"])
        coat = await make_item(session, shop.brand, sizes=["M"])
        empty = await make_item(session, shop.brand)
        await _stock(session, shirt, None, "M", 2)
        await _stock(session, shirt, None, "S", 0)
        await _stock(session, shirt, shop.shibuya, "S", 1)
        await _stock(session, shirt, shop.umeda, "L", 4)
        await _stock(session, coat, shop.umeda, "M", 0)
        found = await service.stock_for(
            session, item_ids=[shirt.id, coat.id, empty.id], sizes=["M", "S"]
        )
        assert found[shirt.id].online == ("M",)
        assert found[shirt.id].stores == {shop.shibuya.id: ("S",)}  # L was not asked about
        assert found[shirt.id].sizes == {"M", "S"} and list(found[shirt.id]) == ["M", "S"]
        assert not found[coat.id] and not found[empty.id]
        anything = await service.stock_for(session, item_ids=[shirt.id], sizes=None)
        assert anything[shirt.id].stores == {shop.shibuya.id: ("S",), shop.umeda.id: ("L",)}

    async def test_reserving_takes_one_unit_until_none_is_left(
        self, session: AsyncSession, shop: Shop
    ) -> None:
        item = await make_item(session, shop.brand)
        await _stock(session, item, shop.shibuya, "M", 2)
        await _stock(session, item, None, "M", 1)
        for _ in range(2):
            await service.reserve_stock(
                session, item_id=item.id, store_id=shop.shibuya.id, size="M"
            )
        with pytest.raises(service.OutOfStock, match="out of stock"):
            await service.reserve_stock(
                session, item_id=item.id, store_id=shop.shibuya.id, size="M"
            )
        with pytest.raises(service.OutOfStock):  # never stocked there at all
            await service.reserve_stock(session, item_id=item.id, store_id=shop.umeda.id, size="M")
        await service.reserve_stock(session, item_id=item.id, store_id=None, size="M")
        assert await _stock_of(session, item.sku) == {(shop.shibuya.id, "M"): 0, (None, "M"): 0}
        await service.release_stock(session, item_id=item.id, store_id=shop.shibuya.id, size="M")
        await service.release_stock(session, item_id=item.id, store_id=shop.umeda.id, size="M")
        assert await _stock_of(session, item.sku) == {
            (shop.shibuya.id, "M"): 1,
            (shop.umeda.id, "M"): 1,
            (None, "M"): 0,
        }

    async def test_one_row_per_item_location_and_size_even_online(
        self, session: AsyncSession, shop: Shop
    ) -> None:
        item = await make_item(session, shop.brand)
        await _stock(session, item, None, "M", 1)
        await _stock(session, item, shop.shibuya, "M", 1)  # same size in a store: fine
        for store in (None, shop.shibuya):
            with pytest.raises(IntegrityError):
                async with session.begin_nested():
                    await _stock(session, item, store, "M", 5)
        with pytest.raises(IntegrityError):  # quantity >= 0 is a constraint too
            async with session.begin_nested():
                await _stock(session, item, shop.umeda, "M", -1)


class TestConcurrentReservations:
    """Real transactions that commit, so the database, not the test, decides who wins."""

    async def test_parallel_reservations_of_the_last_units(self, engine: AsyncEngine) -> None:
        db = Database(engine)
        units, customers = 3, 10
        async with db.sessions() as session:
            store = await make_store(session, slug=f"race-{id(self)}")
            brand = await session.get(Brand, store.brand_id)
            assert brand is not None
            item = await make_item(session, brand)
            await _stock(session, item, store, "M", units)
            ids = (item.id, store.id, brand.id)
            await session.commit()
        item_id, store_id, brand_id = ids

        async def reserve() -> bool:
            try:
                async with write_transaction(db) as session:
                    await service.reserve_stock(
                        session, item_id=item_id, store_id=store_id, size="M"
                    )
            except service.OutOfStock:
                return False
            return True

        try:
            outcomes = await asyncio.gather(*(reserve() for _ in range(customers)))
            async with db.sessions() as session:
                left = await session.exec(
                    select(CatalogStock.quantity).where(CatalogStock.catalog_item_id == item_id)
                )
                assert left.one() == 0
            assert outcomes.count(True) == units
        finally:
            async with db.sessions() as session:
                await session.exec(
                    delete(CatalogStock).where(col(CatalogStock.catalog_item_id) == item_id)
                )  # type: ignore[call-overload]
                await session.exec(delete(CatalogItem).where(col(CatalogItem.id) == item_id))  # type: ignore[call-overload]
                await session.exec(delete(Store).where(col(Store.id) == store_id))  # type: ignore[call-overload]
                await session.exec(delete(Brand).where(col(Brand.id) == brand_id))  # type: ignore[call-overload]
                await session.commit()
