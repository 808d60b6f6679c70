"""A whole call between two real aiortc peers through the real signaling socket of a live server.

The customer waits in the lobby, the stylist admits them, the stylist offers, the customer answers
(all through ``/ws/call/{id}``), and then media and a data channel flow peer to peer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from aiortc import MediaStreamTrack, RTCDataChannel, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack
from websockets.asyncio.client import ClientConnection, connect

from app.booking.models import Appointment
from app.core.types import utcnow
from signaling.media import peer_connection
from tests.consultation.rtc import FlatVideoTrack, mean_luma, receive_frames, wait_until
from tests.factories import make_customer, make_service, make_store, make_stylist
from tests.live import Person, Server, live_app, person_with_session

CUSTOMER_LUMA, STYLIST_LUMA = 200, 60  # each side's picture has its own brightness


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    yield from live_app(request.param, tmp_path_factory, "rtc")


@pytest.fixture
async def world(server: Server) -> AsyncIterator[dict[str, Any]]:
    """An appointment starting in five minutes, its customer and its stylist, both logged in."""
    async with server.db.sessions() as session:
        store = await make_store(session)
        stylist, customer = await make_stylist(session, store), await make_customer(session)
        service = await make_service(session, store)
        start = utcnow() + timedelta(minutes=5)
        appointment = Appointment(
            store_id=store.id,
            service_id=service.id,
            customer_id=customer.id,
            staff_id=stylist.id,
            starts_at=start,
            ends_at=start + timedelta(minutes=30),
            blocked_from=start,
            blocked_until=start + timedelta(minutes=30),
        )
        session.add(appointment)
        await session.flush()
        people = {
            "customer": await person_with_session(session, customer),
            "stylist": await person_with_session(session, stylist),
        }
        await session.commit()
        yield {"appointment": appointment.id, **people}
    await server.db.engine.dispose()


@dataclass
class Participant:
    """One side of the call: a signaling socket and an aiortc peer, driven by the server's frames."""

    name: str
    staff: bool
    luma: int
    ws: ClientConnection
    id: str = ""
    admitted: bool = False
    pc: RTCPeerConnection | None = None
    tracks: dict[str, MediaStreamTrack] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    channels: list[RTCDataChannel] = field(default_factory=list)

    async def send(self, **frame: Any) -> None:
        await self.ws.send(json.dumps(frame))

    def _peer(self, ice_servers: list[dict[str, Any]]) -> RTCPeerConnection:
        pc = peer_connection(ice_servers)
        pc.addTrack(FlatVideoTrack(self.luma))
        pc.addTrack(AudioStreamTrack())

        @pc.on("track")
        def _track(track: MediaStreamTrack) -> None:
            self.tracks[track.kind] = track

        @pc.on("datachannel")
        def _channel(channel: RTCDataChannel) -> None:
            self._listen(channel)
            channel.send(f"hello from the {self.name}")

        return pc

    def _listen(self, channel: RTCDataChannel) -> None:
        self.channels.append(channel)
        channel.on("message", self.messages.append)

    async def _offer_to(self, peer_id: str) -> None:
        assert self.pc is not None
        channel = self.pc.createDataChannel("chat")
        self._listen(channel)
        channel.on("open", lambda: channel.send(f"hello from the {self.name}"))
        await self.pc.setLocalDescription(await self.pc.createOffer())
        await self.send(type="offer", to=peer_id, sdp=self.pc.localDescription.sdp)

    async def run(self) -> None:
        """Answer the server's frames until the socket closes."""
        await self.send(type="join", version=1)
        async for text in self.ws:
            frame = json.loads(text)
            kind = frame["type"]
            if kind == "welcome":
                self.id, self.admitted = frame["id"], frame.get("admitted", True)
                self.pc = self._peer(frame["iceServers"])
                for waiting in frame.get("waiting", []) if self.staff else []:
                    await self.send(type="admit", id=waiting["id"])
            elif kind == "waiting" and self.staff:
                await self.send(type="admit", id=frame["peer"]["id"])
            elif kind == "admitted":
                self.admitted = True
            elif kind == "peer-joined":
                await self._offer_to(frame["peer"]["id"])
            elif kind == "offer":
                assert self.pc is not None
                await self.pc.setRemoteDescription(RTCSessionDescription(frame["sdp"], "offer"))
                await self.pc.setLocalDescription(await self.pc.createAnswer())
                await self.send(type="answer", to=frame["from"], sdp=self.pc.localDescription.sdp)
            elif kind == "answer":
                assert self.pc is not None
                await self.pc.setRemoteDescription(RTCSessionDescription(frame["sdp"], "answer"))
            elif kind == "error":
                self.errors.append(frame)

    def connected(self) -> bool:
        return self.pc is not None and self.pc.connectionState == "connected"


def _socket(server: Server, appointment_id: int, person: Person) -> Any:
    return connect(
        f"{server.ws}/ws/call/{appointment_id}",
        additional_headers={"Cookie": person.cookie},
        origin=server.http,  # type: ignore[arg-type]
        open_timeout=10,
    )


class TestCallBetweenTwoPeers:
    async def test_customer_and_stylist_see_each_other_and_exchange_a_message(
        self, server: Server, world: dict[str, Any]
    ) -> None:
        appointment = world["appointment"]
        async with (
            _socket(server, appointment, world["customer"]) as customer_ws,
            _socket(server, appointment, world["stylist"]) as stylist_ws,
        ):
            customer = Participant("customer", False, CUSTOMER_LUMA, customer_ws)
            stylist = Participant("stylist", True, STYLIST_LUMA, stylist_ws)
            tasks = [asyncio.create_task(customer.run())]

            async def until(condition: Callable[[], bool], what: str) -> None:
                def holds() -> bool:
                    for task in tasks:  # a side that crashed fails the test with its own error
                        if task.done() and not task.cancelled() and task.exception():
                            raise task.exception()  # type: ignore[misc]
                    return condition()

                await wait_until(holds, what)

            try:
                # The customer arrives first and waits in the lobby until the stylist admits them.
                await until(lambda: customer.id != "", "the customer's welcome")
                assert customer.admitted is False
                tasks.append(asyncio.create_task(stylist.run()))
                await until(lambda: customer.admitted, "the stylist to admit the customer")

                for side in (customer, stylist):
                    await until(side.connected, f"the {side.name} to connect")
                    await until(lambda s=side: "video" in s.tracks, f"{side.name}'s video")
                customer_sees = await receive_frames(customer.tracks["video"], 5)
                stylist_sees = await receive_frames(stylist.tracks["video"], 5)
                assert abs(mean_luma(customer_sees[-1]) - STYLIST_LUMA) < 20
                assert abs(mean_luma(stylist_sees[-1]) - CUSTOMER_LUMA) < 20
                assert "audio" in customer.tracks and "audio" in stylist.tracks

                await until(lambda: bool(customer.messages), "the stylist's message")
                await until(lambda: bool(stylist.messages), "the customer's message")
                assert customer.messages == ["hello from the stylist"]
                assert stylist.messages == ["hello from the customer"]
                assert customer.errors == [] and stylist.errors == []

                await customer.send(type="bye")
            finally:
                for task in tasks:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await task
                for side in (customer, stylist):
                    if side.pc is not None:
                        await side.pc.close()
