"""Closet snapshots: the stylist saves a photo of the customer's own item during the call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from PIL import Image
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import User
from app.booking.models import Appointment
from app.core.config import Settings
from app.core.types import utcnow
from app.wardrobe.models import OwnedItem
from tests.factories import (
    api_headers,
    login,
    make_appointment,
    make_customer,
    make_manager,
    make_service,
    make_store,
    make_stylist,
)
from tests.photos import gps_of, has_metadata, photo, png_header_only


def jpeg_with_exif() -> bytes:
    """A real JPEG from a phone: camera make and GPS position in its EXIF."""
    data = photo("JPEG", (64, 48), gps=True)
    assert gps_of(data) and has_metadata(data) and b"TestPhone" in data
    return data


def png() -> bytes:
    return photo("PNG", (40, 40))


@dataclass
class World:
    customer: User
    stylist: User
    other_stylist: User
    manager: User
    other_manager: User
    now: Appointment  # started five minutes ago: the call is on
    later: Appointment  # the day after tomorrow
    earlier: Appointment  # ended three hours ago: the call has closed


@pytest.fixture
async def world(session: AsyncSession) -> World:
    store, elsewhere = await make_store(session), await make_store(session)
    stylist = await make_stylist(session, store)
    service = await make_service(session, store)
    customer = await make_customer(session)
    start = utcnow().replace(microsecond=0)

    async def at(moment: object) -> Appointment:
        return await make_appointment(
            session, customer=customer, stylist=stylist, service=service, start=moment
        )

    return World(
        customer=customer,
        stylist=stylist,
        other_stylist=await make_stylist(session, store),
        manager=await make_manager(session, store),
        other_manager=await make_manager(session, elsewhere),
        now=await at(start - timedelta(minutes=5)),
        later=await at(start + timedelta(days=2)),
        earlier=await at(start - timedelta(hours=3, minutes=30)),
    )


async def snap(
    client: httpx.AsyncClient,
    appointment: Appointment,
    data: bytes,
    label: str | None = "ネイビーのウールコート",
    **fields: str,
) -> httpx.Response:
    form = {**fields, **({"label": label} if label is not None else {})}
    return await client.post(
        f"/api/v1/appointments/{appointment.id}/snapshots",
        data=form,
        files={"image": ("IMG_0001.jpg", data, "image/jpeg")},
        headers=await api_headers(client),
    )


async def owned(session: AsyncSession, customer: User) -> list[OwnedItem]:
    statement = select(OwnedItem).where(OwnedItem.customer_id == customer.id)
    return list((await session.exec(statement)).all())


def stored_files(settings: Settings) -> list[Path]:
    folder = Path(settings.var_dir) / "uploads" / "wardrobe"
    return sorted(folder.iterdir()) if folder.exists() else []


class TestSnapshot:
    async def test_the_stylist_saves_a_photo_without_its_exif(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, settings: Settings
    ) -> None:
        await login(client, world.stylist.email)
        response = await snap(
            client,
            world.now,
            jpeg_with_exif(),
            slot="outerwear",
            colour_name="navy",
            colour_rgb="#1F2A44",
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["label"] == "ネイビーのウールコート" and body["source"] == "closet_snapshot"
        assert body["slot"] == "outerwear" and body["colour_rgb"] == "#1f2a44"
        assert body["appointment_id"] == world.now.id and body["customer_id"] == world.customer.id
        assert body["created_by_id"] == world.stylist.id
        [item] = await owned(session, world.customer)
        assert item.id == body["id"] and item.photo_path is not None
        [path] = stored_files(settings)
        assert item.photo_path.endswith(path.name) and path.suffix == ".jpg"
        saved = path.read_bytes()
        assert not has_metadata(saved) and gps_of(saved) == {} and b"TestPhone" not in saved
        with Image.open(path) as picture:
            assert picture.format == "JPEG" and picture.size == (64, 48)

    async def test_a_png_stays_a_png_and_a_manager_may_save_one(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, settings: Settings
    ) -> None:
        await login(client, world.manager.email)
        response = await snap(client, world.now, png(), label="ベージュのトレンチ")
        assert response.status_code == 201, response.text
        [path] = stored_files(settings)
        assert path.suffix == ".png" and path.read_bytes().startswith(b"\x89PNG")

    @pytest.mark.parametrize("when", ["later", "earlier"])
    async def test_only_while_the_call_is_open(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        world: World,
        settings: Settings,
        when: str,
    ) -> None:
        await login(client, world.stylist.email)
        response = await snap(client, getattr(world, when), jpeg_with_exif())
        assert response.status_code == 409
        assert response.json()["error"] == "call_not_open"
        assert await owned(session, world.customer) == [] and stored_files(settings) == []

    async def test_not_once_the_session_is_no_longer_booked(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        world.now.status = "cancelled"
        session.add(world.now)
        await session.flush()
        await login(client, world.stylist.email)
        assert (await snap(client, world.now, png())).status_code == 409

    async def test_the_customer_is_refused(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, settings: Settings
    ) -> None:
        await login(client, world.customer.email)
        response = await snap(client, world.now, jpeg_with_exif())
        assert response.status_code == 403
        assert await owned(session, world.customer) == [] and stored_files(settings) == []

    @pytest.mark.parametrize("who", ["other_stylist", "other_manager"])
    async def test_staff_of_other_appointments_get_a_404(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        world: World,
        settings: Settings,
        who: str,
    ) -> None:
        await login(client, getattr(world, who).email)
        response = await snap(client, world.now, jpeg_with_exif())
        assert response.status_code == 404
        assert await owned(session, world.customer) == [] and stored_files(settings) == []

    @pytest.mark.parametrize(
        "data",
        [
            b"this is not a photo at all",
            b"",
            jpeg_with_exif()[:200],  # a JPEG cut off after its header
            b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,  # PNG signature, nothing behind it
        ],
    )
    async def test_garbage_bytes_are_refused_and_nothing_is_stored(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        world: World,
        settings: Settings,
        data: bytes,
    ) -> None:
        await login(client, world.stylist.email)
        response = await snap(client, world.now, data)
        assert response.status_code == 422, response.text
        assert response.json()["error"] == "invalid_image"
        assert "photo" in response.json()["detail"]
        assert await owned(session, world.customer) == [] and stored_files(settings) == []

    @pytest.mark.parametrize(
        "data",
        [
            b"\xff\xd8\xff" + b"\x00" * (10 * 1024 * 1024),  # one file over 10 MB
            png_header_only(20_000, 20_000),  # a tiny file claiming 400 megapixels
        ],
    )
    async def test_too_large_photos_are_refused_with_the_limit(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        world: World,
        settings: Settings,
        data: bytes,
    ) -> None:
        await login(client, world.stylist.email)
        response = await snap(client, world.now, data)
        assert response.status_code == 413
        assert response.json()["error"] == "image_too_large"
        assert "smaller photo" in response.json()["detail"]
        assert await owned(session, world.customer) == [] and stored_files(settings) == []

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"label": None}, "label"),
            ({"label": "   "}, "label"),
            ({"label": "x" * 121}, "label"),
            ({"slot": "hat"}, "slot"),
            ({"colour_rgb": "navy"}, "colour_rgb"),
        ],
    )
    async def test_bad_fields_are_named(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        world: World,
        settings: Settings,
        fields: dict,
        field: str,
    ) -> None:
        await login(client, world.stylist.email)
        extra = {k: v for k, v in fields.items() if k != "label"}
        label = fields.get("label", "コート")
        response = await snap(client, world.now, png(), label=label, **extra)
        assert response.status_code == 422
        assert response.json()["fields"][0]["field"] == field
        assert await owned(session, world.customer) == [] and stored_files(settings) == []


class TestWhoSeesTheWardrobe:
    async def _saved(self, client: httpx.AsyncClient, world: World) -> dict:
        await login(client, world.stylist.email)
        response = await snap(client, world.now, jpeg_with_exif(), label="白いスニーカー")
        assert response.status_code == 201, response.text
        return response.json()

    @pytest.mark.parametrize("who", ["customer", "stylist", "manager"])
    async def test_the_customer_and_their_staff_see_the_photo_and_list(
        self, client: httpx.AsyncClient, world: World, who: str
    ) -> None:
        item = await self._saved(client, world)
        await login(client, getattr(world, who).email)
        served = await client.get(item["photo_url"])
        assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
        assert served.headers["cache-control"] == "no-store"  # personal data: no cache at all
        assert not has_metadata(served.content)
        listed = await client.get(f"/api/v1/customers/{world.customer.id}/owned-items")
        assert listed.status_code == 200
        assert [i["label"] for i in listed.json()["data"]] == ["白いスニーカー"]

    @pytest.mark.parametrize("who", ["other_stylist", "other_manager", "stranger"])
    async def test_everyone_else_gets_a_404(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, who: str
    ) -> None:
        item = await self._saved(client, world)
        person = await make_customer(session) if who == "stranger" else getattr(world, who)
        await login(client, person.email)
        assert (await client.get(item["photo_url"])).status_code == 404
        listed = await client.get(f"/api/v1/customers/{world.customer.id}/owned-items")
        assert listed.status_code == 404

    async def test_logged_out_visitors_get_a_401(
        self, app: object, client: httpx.AsyncClient, world: World
    ) -> None:
        item = await self._saved(client, world)
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as anon:
            assert (await anon.get(item["photo_url"])).status_code == 401

    async def test_the_appointment_page_and_the_profile_show_it(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        item = await self._saved(client, world)
        staff_page = await client.get(f"/appointments/{world.now.id}")
        assert "白いスニーカー" in staff_page.text and item["photo_url"] in staff_page.text
        await login(client, world.customer.email)
        profile = await client.get("/me/profile")
        assert profile.status_code == 200
        assert "白いスニーカー" in profile.text and item["photo_url"] in profile.text
        customer_page = await client.get(f"/appointments/{world.now.id}")
        assert "Customer's wardrobe" not in customer_page.text
