"""The device check: a logged-in person's offer gets a server peer that sends their media back."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack
from fastapi import FastAPI
from sqlmodel.ext.asyncio.session import AsyncSession

from signaling.media import EchoPeers, peer_connection
from tests.consultation.rtc import FlatVideoTrack, mean_luma, receive_frames, tracks_of, wait_until
from tests.factories import api_headers, login, make_customer, make_store, make_stylist

OFFER_URL = "/api/v1/device-check/offer"


@pytest.fixture
async def peers(app: FastAPI) -> AsyncIterator[EchoPeers]:
    """The app's echo peers; whatever a test leaves open is closed afterwards."""
    yield app.state.echo_peers
    await app.state.echo_peers.close_all()


@pytest.fixture
async def browser_peers() -> AsyncIterator[list[RTCPeerConnection]]:
    """Client peers made by a test, closed afterwards."""
    made: list[RTCPeerConnection] = []
    yield made
    for pc in made:
        await pc.close()


async def _client_offer(made: list[RTCPeerConnection], luma: int = 180) -> RTCPeerConnection:
    pc = peer_connection([])
    made.append(pc)
    pc.addTrack(FlatVideoTrack(luma))
    pc.addTrack(AudioStreamTrack())
    await pc.setLocalDescription(await pc.createOffer())  # gathers every candidate
    return pc


async def _post(client: httpx.AsyncClient, body: object) -> httpx.Response:
    return await client.post(OFFER_URL, json=body, headers=await api_headers(client))


async def _logged_in_customer(client: httpx.AsyncClient, session: AsyncSession) -> None:
    await login(client, (await make_customer(session)).email)


class TestEcho:
    async def test_a_customer_gets_their_own_video_and_sound_back(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        peers: EchoPeers,
        browser_peers: list[RTCPeerConnection],
    ) -> None:
        await _logged_in_customer(client, session)
        pc = await _client_offer(browser_peers, luma=180)
        received = tracks_of(pc)
        response = await _post(client, {"type": "offer", "sdp": pc.localDescription.sdp})
        assert response.status_code == 200, response.text
        assert response.json()["type"] == "answer"
        assert "a=candidate:" in response.json()["sdp"]  # complete: no trickle afterwards
        await pc.setRemoteDescription(RTCSessionDescription(**response.json()))

        await wait_until(lambda: pc.connectionState == "connected", "the echo to connect")
        await wait_until(lambda: {"audio", "video"} <= received.keys(), "both tracks back")
        frames = await receive_frames(received["video"], 10)
        assert (frames[-1].width, frames[-1].height) == (320, 240)
        assert abs(mean_luma(frames[-1]) - 180) < 20  # our own picture, not some other one
        assert await received["audio"].recv() is not None
        assert peers.count() == 1

        await pc.close()  # leaving the page closes the server's peer too
        await wait_until(lambda: peers.count() == 0, "the echo peer to close")

    async def test_stylists_may_check_their_devices_too(
        self, client: httpx.AsyncClient, session: AsyncSession, peers: EchoPeers
    ) -> None:
        stylist = await make_stylist(session, await make_store(session))
        await login(client, stylist.email)
        page = await client.get("/device-check")
        assert page.status_code == 200
        assert 'id="status-connection"' in page.text and 'href="/home"' in page.text


class TestAccess:
    async def test_the_page_sends_strangers_to_the_login(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/device-check")
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=/device-check"

    async def test_an_offer_without_a_login_is_refused(
        self,
        client: httpx.AsyncClient,
        peers: EchoPeers,
        browser_peers: list[RTCPeerConnection],
    ) -> None:
        pc = await _client_offer(browser_peers)
        response = await _post(client, {"type": "offer", "sdp": pc.localDescription.sdp})
        assert response.status_code == 401
        assert response.json()["error"] == "not_authenticated"
        assert peers.count() == 0

    async def test_an_offer_without_the_csrf_token_is_refused(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        peers: EchoPeers,
        browser_peers: list[RTCPeerConnection],
    ) -> None:
        await _logged_in_customer(client, session)
        pc = await _client_offer(browser_peers)
        response = await client.post(OFFER_URL, json={"sdp": pc.localDescription.sdp})
        assert response.status_code == 403
        assert response.json()["error"] == "csrf_failed"
        assert peers.count() == 0


def _without_ice_credentials(sdp: str) -> str:
    return "".join(line for line in sdp.splitlines(keepends=True) if not line.startswith("a=ice-"))


class TestBadOffers:
    @pytest.mark.parametrize(
        ("body", "says"),
        [
            ({}, "sdp"),
            ({"sdp": ""}, "sdp"),
            ({"sdp": 42}, "sdp"),
            ({"type": "answer", "sdp": "v=0\r\n"}, "type"),
            ({"sdp": "hello"}, "v=0"),
            ({"sdp": "v=0\r\ns=-\r\n"}, "no camera or microphone"),
            ({"sdp": "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"}, "could not be used"),
            ({"sdp": "v=0\r\n" + "a=x\r\n" * 8000}, "sdp"),
        ],
    )
    async def test_a_bad_offer_gets_a_4xx_that_says_what_is_wrong(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        peers: EchoPeers,
        body: dict,
        says: str,
    ) -> None:
        await _logged_in_customer(client, session)
        response = await _post(client, body)
        assert response.status_code == 422, response.text
        assert says in response.json()["detail"]
        assert peers.count() == 0  # nothing half-built is left running

    async def test_a_real_offer_missing_its_ice_credentials_is_refused(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        peers: EchoPeers,
        browser_peers: list[RTCPeerConnection],
    ) -> None:
        await _logged_in_customer(client, session)
        pc = await _client_offer(browser_peers)
        response = await _post(client, {"sdp": _without_ice_credentials(pc.localDescription.sdp)})
        assert response.status_code == 422
        assert response.json()["error"] == "offer_unusable"
        assert response.json()["field"] == "sdp"
        assert peers.count() == 0

    async def test_a_body_that_is_not_json_is_a_422(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await _logged_in_customer(client, session)
        headers = {**await api_headers(client), "Content-Type": "application/json"}
        response = await client.post(OFFER_URL, content=b"{not json", headers=headers)
        assert response.status_code == 422


class TestLimits:
    async def test_a_new_check_replaces_the_oldest_beyond_two_per_person(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        peers: EchoPeers,
        browser_peers: list[RTCPeerConnection],
    ) -> None:
        await _logged_in_customer(client, session)
        for _ in range(3):
            pc = await _client_offer(browser_peers)
            response = await _post(client, {"sdp": pc.localDescription.sdp})
            assert response.status_code == 200
        assert peers.count() == 2

    async def test_when_the_server_is_full_others_are_asked_to_come_back(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        peers: EchoPeers,
        browser_peers: list[RTCPeerConnection],
    ) -> None:
        peers.limits.total = 1
        await _logged_in_customer(client, session)
        first = await _client_offer(browser_peers)
        assert (await _post(client, {"sdp": first.localDescription.sdp})).status_code == 200

        await client.post("/logout", headers=await api_headers(client))
        client.cookies.clear()
        await _logged_in_customer(client, session)
        second = await _client_offer(browser_peers)
        response = await _post(client, {"sdp": second.localDescription.sdp})
        assert response.status_code == 429
        assert "try again in a minute" in response.json()["detail"]
        assert peers.count() == 1

    async def test_an_echo_ends_by_itself_after_its_lifetime(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        peers: EchoPeers,
        browser_peers: list[RTCPeerConnection],
    ) -> None:
        peers.limits.lifetime_seconds = 1.0
        await _logged_in_customer(client, session)
        pc = await _client_offer(browser_peers)
        response = await _post(client, {"sdp": pc.localDescription.sdp})
        await pc.setRemoteDescription(RTCSessionDescription(**response.json()))
        await wait_until(lambda: pc.connectionState == "connected", "the echo to connect")
        await wait_until(lambda: peers.count() == 0, "the echo to reach its lifetime")
        await wait_until(lambda: pc.connectionState == "closed", "the client to see the end")

    async def test_shutting_the_app_down_closes_every_echo(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        session: AsyncSession,
        browser_peers: list[RTCPeerConnection],
    ) -> None:
        async with app.router.lifespan_context(app):
            await _logged_in_customer(client, session)
            pc = await _client_offer(browser_peers)
            response = await _post(client, {"sdp": pc.localDescription.sdp})
            await pc.setRemoteDescription(RTCSessionDescription(**response.json()))
            await wait_until(lambda: pc.connectionState == "connected", "the echo to connect")
            assert app.state.echo_peers.count() == 1
        assert app.state.echo_peers.count() == 0
        await wait_until(lambda: pc.connectionState == "closed", "the client to see the end")
