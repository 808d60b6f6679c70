"""The catalog each process keeps in memory for recommendations is re-read when anyone changes it.

Two app instances serve one database (a SQLite file, or a PostgreSQL schema). Both have read the
catalog once; then a catalog import (on SQLite: ``closetcall import-catalog`` in its own process)
and a stock change (the last unit reserved) are committed outside either instance, and each
instance's next answer reflects them — without re-reading the catalog on requests in between.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import select

from app.core.config import Settings
from app.core.db import Database, create_engine, write_transaction
from app.core.mail import FileOutbox
from app.core.migrate import upgrade
from app.customer.models import CustomerProfile
from app.main import create_app
from app.store.models import Brand
from app.wardrobe import service
from app.wardrobe.models import CatalogStock, OwnedItem
from tests.conftest import PG_URL, free_port, service_missing
from tests.factories import (
    make_appointment,
    make_customer,
    make_item,
    make_service,
    make_store,
    make_stylist,
    tomorrow_at,
)
from tests.live import SECRET, _exec, person_with_session, serve

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Pair:
    kind: str
    url: str
    schema: str | None
    bases: list[str]
    apps: list[FastAPI]
    cookie: str  # the stylist's
    customer_id: int
    blouse_id: int  # the one catalog item to begin with: one unit left, in her size
    brand: str
    var_dir: Path

    def database(self) -> Database:
        return Database(create_engine(self.url, schema=self.schema))


async def _seed(db: Database) -> dict[str, Any]:
    async with db.sessions() as session:
        store = await make_store(session)
        brand = await session.get(Brand, store.brand_id)
        assert brand is not None
        stylist = await make_stylist(session, store)
        customer = await make_customer(session)
        profile = (
            await session.exec(
                select(CustomerProfile).where(CustomerProfile.user_id == customer.id)
            )
        ).one()
        profile.size_top, profile.size_bottom = "M", "M"
        service_row = await make_service(session, store)
        await make_appointment(
            session, customer=customer, stylist=stylist, service=service_row, start=tomorrow_at(11)
        )
        for label, slot, rgb in (
            ("紺のスカート", "bottom", "#1f2a44"),
            ("白い靴", "shoes", "#f5f5f0"),
        ):
            session.add(
                OwnedItem(
                    customer_id=customer.id,  # type: ignore[arg-type]
                    label=label,
                    slot=slot,
                    colour_rgb=rgb,
                    source="upload",
                    created_by_id=customer.id,  # type: ignore[arg-type]
                )
            )
        blouse = await make_item(session, brand, sizes=["M"], colour_rgb="#f0ebe0")
        session.add(
            CatalogStock(catalog_item_id=blouse.id, store_id=store.id, size="M", quantity=1)  # type: ignore[arg-type]
        )
        person = await person_with_session(session, stylist)
        await session.commit()
        return {
            "cookie": person.cookie,
            "customer_id": customer.id,
            "blouse_id": blouse.id,
            "brand": brand.slug,
            "store_id": store.id,
        }


@pytest.fixture(params=["sqlite", "postgresql"])
def pair(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Pair]:
    kind: str = request.param
    schema = None
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'shared.db'}"
    else:
        if not PG_URL:
            service_missing("PostgreSQL", "CLOSETCALL_TEST_DATABASE_URL")
        assert PG_URL
        url, schema = PG_URL, f"cc_cache_{uuid.uuid4().hex[:8]}"
        asyncio.run(_exec(url, f'CREATE SCHEMA "{schema}"'))

    async def prepare() -> dict[str, Any]:
        db = Database(create_engine(url, schema=schema))
        try:
            await upgrade(db.engine)
            return await _seed(db)
        finally:
            await db.dispose()

    try:
        seeded = asyncio.run(prepare())
        apps, ports = [], [free_port(), free_port()]
        for port in ports:
            settings = Settings(
                env="test",
                var_dir=tmp_path / f"instance-{port}",
                secret_key=SECRET,
                database_url=url,
                cookie_secure=False,
                reminders_enabled=False,
                public_base_url=f"http://127.0.0.1:{port}",
            )
            apps.append(
                create_app(
                    settings,
                    database=Database(create_engine(url, schema=schema)),
                    mailer=FileOutbox(tmp_path / f"out-{port}"),
                )
            )
        with serve(apps[0], ports[0]) as one, serve(apps[1], ports[1]) as two:
            yield Pair(
                kind, url, schema, [one, two], apps, seeded["cookie"], seeded["customer_id"],
                seeded["blouse_id"], seeded["brand"], tmp_path,
            )  # fmt: skip
    finally:
        if schema:
            asyncio.run(_exec(url, f'DROP SCHEMA "{schema}" CASCADE'))


async def _ids(pair: Pair, base: str) -> list[int]:
    async with httpx.AsyncClient(base_url=base, headers={"cookie": pair.cookie}) as client:
        response = await client.get(f"/api/v1/customers/{pair.customer_id}/recommendations")
    assert response.status_code == 200, response.text
    return [r["item"]["id"] for r in response.json()["data"]]


def _loads(pair: Pair) -> list[tuple[int, int]]:
    caches = [app.state.catalog_cache for app in pair.apps]
    return [(c.loads, c.restocks) for c in caches]


CSV = (
    "sku,name_ja,name_en,category,slot,colour_name,colour_rgb,pattern,material,formality,"
    "seasons,style_tags,sizes,price_yen,image_url,stock\r\n"
    "NEW-1,アイボリー シャツ,Ivory shirt,shirt,top,ivory,#efe9dc,solid,cotton,3,"
    "spring,office,M,8900,,online:M=2\r\n"
)


async def _import(pair: Pair) -> None:
    """A catalog import from outside both instances: the real command in its own process on
    SQLite; the same service call from this test's own connection on PostgreSQL (the command
    has no schema option)."""
    if pair.kind == "sqlite":
        path = pair.var_dir / "catalog.csv"
        path.write_text(CSV, encoding="utf-8")
        env = {**os.environ, "CLOSETCALL_DATABASE_URL": pair.url}
        env["CLOSETCALL_VAR_DIR"] = str(pair.var_dir)
        done = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "app.cli", "import-catalog", str(path), "--brand", pair.brand],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return
    db = pair.database()
    try:
        async with write_transaction(db) as session:
            await service.import_catalog(
                session, data=CSV.encode(), filename="catalog.csv", brand=pair.brand
            )
    finally:
        await db.dispose()


async def _reserve_last_unit(pair: Pair) -> None:
    db = pair.database()
    try:
        async with write_transaction(db) as session:
            line = (
                await session.exec(
                    select(CatalogStock).where(CatalogStock.catalog_item_id == pair.blouse_id)
                )
            ).one()
            await service.reserve_stock(
                session, item_id=pair.blouse_id, store_id=line.store_id, size="M"
            )
    finally:
        await db.dispose()


async def _new_item_id(pair: Pair) -> int:
    db = pair.database()
    try:
        async with db.sessions() as session:
            return (await service.item_by_sku(session, sku="NEW-1")).id  # type: ignore[return-value]
    finally:
        await db.dispose()


class TestCatalogCacheAcrossProcesses:
    async def test_an_import_and_a_stock_change_reach_both_instances(self, pair: Pair) -> None:
        one, two = pair.bases
        for base in (one, two, one, two):  # read once per instance, then served from memory
            assert await _ids(pair, base) == [pair.blouse_id]
        assert _loads(pair) == [(1, 0), (1, 0)]

        await _import(pair)
        new_id = await _new_item_id(pair)
        for base in (one, two):
            assert set(await _ids(pair, base)) == {pair.blouse_id, new_id}
        assert _loads(pair) == [(2, 0), (2, 0)]  # the catalog counter moved: read again

        await _reserve_last_unit(pair)  # the blouse's last unit in her size is gone
        for base in (one, two):
            assert await _ids(pair, base) == [new_id]
        # Only the stock was read again, not the catalog; and a second request reads nothing.
        assert _loads(pair) == [(2, 1), (2, 1)]
        assert await _ids(pair, one) == [new_id]
        assert _loads(pair)[0] == (2, 1)
