"""Rooms: the lobby, relaying descriptions, candidates and media state, surviving peers that fail
or leave — in one process, and across two processes that share a bus and a member store."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest

from app.core.realtime import RedisBroker
from signaling.members import MemoryMemberStore, RedisMemberStore
from signaling.protocol import (
    CLOSE_REASONS,
    Admit,
    Answer,
    Bye,
    Candidate,
    CloseCode,
    Media,
    Offer,
    ProtocolError,
)
from signaling.rooms import MAX_PEERS_PER_ROOM, LocalBus, Peer, Registry, Terms
from tests.conftest import service_missing


class Socket:
    """A transport at the edge: records what the room sends; can be made to fail."""

    def __init__(self, fail: bool = False) -> None:
        self.sent: list[dict] = []
        self.closed: int | None = None
        self.reason: str | None = None
        self.fail = fail

    async def send_text(self, text: str) -> None:
        if self.fail:
            raise ConnectionResetError("gone")
        self.sent.append(json.loads(text))

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        self.closed = code
        self.reason = reason

    def types(self) -> list[str]:
        return [m["type"] for m in self.sent]

    def last(self, kind: str) -> dict:
        return [m for m in self.sent if m["type"] == kind][-1]


SERVERS = [{"urls": ["stun:stun.example.jp"]}]
ICE = Terms(ice_servers=SERVERS)


async def eventually(check: Callable[[], bool], seconds: float = 3.0) -> None:
    """Deliveries go through the room's bus: wait until they have arrived (no timing asserted)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the expected delivery never arrived")
        await asyncio.sleep(0.005)


def peer(peer_id: str, role: str) -> Peer:
    return Peer(peer_id, role, Socket())


def sock(p: Peer) -> Socket:
    assert isinstance(p.connection, Socket)
    return p.connection


@dataclass
class Cluster:
    """Two "processes": registries sharing one bus and one member store, like two app instances."""

    one: Registry
    two: Registry


@pytest.fixture(params=["memory", "redis"])
async def cluster(request: pytest.FixtureRequest) -> AsyncIterator[Cluster]:
    if request.param == "memory":
        bus, store = LocalBus(), MemoryMemberStore()
        yield Cluster(Registry(bus, store), Registry(bus, store))
        return
    url = os.environ.get("CLOSETCALL_TEST_REDIS_URL")
    if not url:
        service_missing("Redis", "CLOSETCALL_TEST_REDIS_URL")
    from redis.asyncio import Redis

    client = Redis.from_url(url)
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    buses = [RedisBroker(url), RedisBroker(url)]
    registries = [Registry(b, RedisMemberStore(client, prefix=prefix)) for b in buses]
    try:
        yield Cluster(*registries)
    finally:
        for registry in registries:
            await registry.close_all()
        for b in buses:
            await b.close()
        keys = await client.keys(f"{prefix}:*")
        if keys:
            await client.delete(*keys)
        await client.aclose()


async def _in_call(cluster: Cluster) -> tuple[Peer, Peer]:
    """A stylist on instance one, a customer on instance two, admitted from the lobby."""
    stylist, customer = peer("s1", "stylist"), peer("c1", "customer")
    await cluster.one.room("a1").join(stylist, ICE)
    await cluster.two.room("a1").join(customer, ICE)
    await eventually(lambda: "waiting" in sock(stylist).types())
    await cluster.one.room("a1").admit(stylist, Admit(id="c1"))
    await eventually(lambda: "admitted" in sock(customer).types())
    await eventually(lambda: "peer-joined" in sock(stylist).types())
    return stylist, customer


class TestLobby:
    async def test_staff_enter_at_once_and_customers_wait_to_be_admitted(
        self, cluster: Cluster
    ) -> None:
        stylist, customer = peer("s1", "stylist"), peer("c1", "customer")
        await cluster.one.room("a1").join(stylist, ICE)
        assert sock(stylist).sent[0] == {
            "type": "welcome",
            "version": 1,
            "id": "s1",
            "role": "stylist",
            "peers": [],
            "iceServers": SERVERS,
            "admitted": True,
            "waiting": [],
            "keepalive": {"interval_seconds": 20.0, "timeout_seconds": 60.0},
        }
        await cluster.two.room("a1").join(customer, ICE)
        assert sock(customer).sent[0]["admitted"] is False
        assert sock(customer).sent[0]["peers"] == []
        await eventually(lambda: "waiting" in sock(stylist).types())
        assert sock(stylist).last("waiting")["peer"] == {"id": "c1", "role": "customer"}
        assert "peer-joined" not in sock(stylist).types()

    async def test_staff_arriving_later_see_who_is_waiting(self, cluster: Cluster) -> None:
        customer, stylist = peer("c1", "customer"), peer("s1", "stylist")
        await cluster.two.room("a1").join(customer, ICE)
        await cluster.one.room("a1").join(stylist, ICE)
        assert sock(stylist).sent[0]["waiting"] == [{"id": "c1", "role": "customer"}]

    async def test_a_waiting_customer_can_neither_signal_nor_admit(self, cluster: Cluster) -> None:
        stylist, customer = peer("s1", "stylist"), peer("c1", "customer")
        await cluster.one.room("a1").join(stylist, ICE)
        await cluster.two.room("a1").join(customer, ICE)
        with pytest.raises(ProtocolError) as caught:
            await cluster.two.room("a1").relay(customer, Offer(to="s1", sdp="v=0"))
        assert caught.value.code == "not_admitted"
        with pytest.raises(ProtocolError) as refused:
            await cluster.two.room("a1").admit(customer, Admit(id="c1"))
        assert refused.value.code == "forbidden"

    async def test_admitting_lets_the_customer_in_and_tells_the_stylist_to_offer(
        self, cluster: Cluster
    ) -> None:
        stylist, customer = await _in_call(cluster)
        assert sock(customer).last("admitted")["peers"] == [{"id": "s1", "role": "stylist"}]
        assert sock(stylist).last("peer-joined")["peer"] == {"id": "c1", "role": "customer"}

    async def test_admitting_nobody_is_an_error(self, cluster: Cluster) -> None:
        stylist = peer("s1", "stylist")
        await cluster.one.room("a1").join(stylist, ICE)
        with pytest.raises(ProtocolError) as caught:
            await cluster.one.room("a1").admit(stylist, Admit(id="c404"))
        assert caught.value.code == "unknown_peer"


class TestRelay:
    async def test_descriptions_and_candidates_reach_only_their_target_with_from_set(
        self, cluster: Cluster
    ) -> None:
        stylist, customer = await _in_call(cluster)
        await cluster.one.room("a1").relay(stylist, Offer(to="c1", sdp="v=0 offer"))
        await eventually(lambda: "offer" in sock(customer).types())
        assert sock(customer).last("offer") == {
            "type": "offer",
            "to": "c1",
            "sdp": "v=0 offer",
            "restart": False,
            "from": "s1",
        }
        candidate = Candidate(to="s1", candidate="candidate:1", sdpMid="0", sdpMLineIndex=0)
        await cluster.two.room("a1").relay(customer, Answer(to="s1", sdp="v=0 answer"))
        await cluster.two.room("a1").relay(customer, candidate)
        await eventually(lambda: "candidate" in sock(stylist).types())
        assert sock(stylist).last("candidate")["from"] == "c1"
        assert "offer" not in sock(stylist).types()

    async def test_media_state_reaches_the_call_but_not_the_lobby(self, cluster: Cluster) -> None:
        stylist, customer = await _in_call(cluster)
        manager = peer("m1", "manager")
        lurker = peer("c2", "customer")
        await cluster.one.room("a1").join(manager, ICE)
        await cluster.two.room("a1").join(lurker, ICE)
        await cluster.two.room("a1").relay(customer, Media(muted=True))
        await eventually(lambda: "media" in sock(stylist).types())
        await eventually(lambda: "media" in sock(manager).types())
        assert sock(stylist).last("media") == {
            "type": "media",
            "muted": True,
            "camera_off": False,
            "screen_sharing": False,
            "from": "c1",
        }
        await asyncio.sleep(0.05)
        assert "media" not in sock(lurker).types()
        assert "media" not in sock(customer).types()

    async def test_an_unknown_target_is_refused(self, cluster: Cluster) -> None:
        _stylist, customer = await _in_call(cluster)
        with pytest.raises(ProtocolError) as caught:
            await cluster.two.room("a1").relay(customer, Offer(to="nobody", sdp="v=0"))
        assert caught.value.code == "unknown_peer"


class TestLeavingAndFailing:
    async def test_a_peer_whose_socket_fails_is_dropped_and_the_others_are_told(
        self, cluster: Cluster
    ) -> None:
        stylist, customer = await _in_call(cluster)
        sock(stylist).fail = True
        await cluster.two.room("a1").relay(customer, Offer(to="s1", sdp="v=0"))
        await eventually(lambda: "peer-left" in sock(customer).types())
        assert sock(customer).last("peer-left") == {"type": "peer-left", "id": "s1"}
        assert "s1" not in cluster.one.room("a1").peers
        assert sock(stylist).closed is not None

    async def test_reconnecting_replaces_the_old_socket_and_skips_the_lobby(
        self, cluster: Cluster
    ) -> None:
        stylist, customer = await _in_call(cluster)
        again = peer("c1", "customer")
        # The customer's network dropped; the new connection lands on the other instance.
        await cluster.one.room("a1").join(again, ICE)
        assert sock(again).sent[0]["admitted"] is True
        assert sock(again).sent[0]["peers"] == [{"id": "s1", "role": "stylist"}]
        await eventually(lambda: sock(customer).closed is not None)
        assert sock(customer).closed == CloseCode.REPLACED == 4001
        assert sock(customer).reason == CLOSE_REASONS[CloseCode.REPLACED]
        # The stale connection's clean-up must not take the new one out of the call.
        await cluster.two.leave("a1", customer)
        await eventually(lambda: sock(stylist).types().count("peer-joined") == 2)
        await asyncio.sleep(0.05)
        assert "peer-left" not in sock(stylist).types()
        await cluster.one.room("a1").relay(stylist, Offer(to="c1", sdp="v=0 again"))
        await eventually(lambda: "offer" in sock(again).types())

    async def test_a_full_room_refuses_more_peers(self, cluster: Cluster) -> None:
        for index in range(MAX_PEERS_PER_ROOM):
            await cluster.one.room("r").join(peer(f"p{index}", "manager"), ICE)
        with pytest.raises(ProtocolError) as caught:
            await cluster.two.room("r").join(peer("late", "manager"), ICE)
        assert caught.value.code == "room_full"

    async def test_leaving_tells_the_others_and_an_empty_room_disappears(
        self, cluster: Cluster
    ) -> None:
        stylist, customer = await _in_call(cluster)
        await cluster.two.leave("a1", customer)
        await eventually(lambda: "peer-left" in sock(stylist).types())
        assert "a1" not in cluster.two.rooms
        await cluster.one.leave("a1", stylist)
        assert "a1" not in cluster.one.rooms

    async def test_close_all_closes_every_socket(self) -> None:
        registry = Registry()
        peers = [peer(f"p{index}", "stylist") for index in range(3)]
        for index, p in enumerate(peers):
            await registry.room(f"r{index % 2}").join(p, ICE)
        await registry.close_all()
        assert all(sock(p).closed == CloseCode.GOING_AWAY for p in peers)
        assert registry.rooms == {}


class TestHangingUp:
    async def test_after_bye_the_customer_waits_in_the_lobby_again(self, cluster: Cluster) -> None:
        stylist, customer = await _in_call(cluster)
        await cluster.two.room("a1").relay(customer, Bye())
        await eventually(lambda: "bye" in sock(stylist).types())
        assert sock(stylist).last("bye") == {"type": "bye", "from": "c1"}
        await cluster.two.leave("a1", customer)
        again = peer("c1", "customer")
        await cluster.one.room("a1").join(again, ICE)
        assert sock(again).sent[0]["admitted"] is False
        with pytest.raises(ProtocolError) as caught:
            await cluster.one.room("a1").relay(again, Offer(to="s1", sdp="v=0"))
        assert caught.value.code == "not_admitted"
        await eventually(lambda: sock(stylist).types().count("waiting") == 2)

    async def test_a_dropped_network_keeps_the_admission(self, cluster: Cluster) -> None:
        _stylist, customer = await _in_call(cluster)
        await cluster.two.leave("a1", customer)  # no bye: the connection just went
        again = peer("c1", "customer")
        await cluster.one.room("a1").join(again, ICE)
        assert sock(again).sent[0]["admitted"] is True


class TestNegotiation:
    """The offer/answer state machine per pair, shared by both processes."""

    async def test_an_answer_before_any_offer_is_refused_and_not_relayed(
        self, cluster: Cluster
    ) -> None:
        stylist, customer = await _in_call(cluster)
        with pytest.raises(ProtocolError) as caught:
            await cluster.two.room("a1").relay(customer, Answer(to="s1", sdp="v=0 answer"))
        assert caught.value.code == "no_offer"
        await cluster.two.room("a1").relay(customer, Media(muted=True))
        await eventually(lambda: "media" in sock(stylist).types())
        assert "answer" not in sock(stylist).types()

    async def test_offer_answer_then_a_second_answer_is_refused(self, cluster: Cluster) -> None:
        stylist, customer = await _in_call(cluster)
        await cluster.one.room("a1").relay(stylist, Offer(to="c1", sdp="v=0 o"))
        await cluster.two.room("a1").relay(customer, Answer(to="s1", sdp="v=0 a"))
        await eventually(lambda: "answer" in sock(stylist).types())
        with pytest.raises(ProtocolError) as caught:
            await cluster.two.room("a1").relay(customer, Answer(to="s1", sdp="v=0 a"))
        assert caught.value.code == "no_offer"
        # Renegotiation: an ICE restart offer, offered again before its answer, then answered.
        await cluster.one.room("a1").relay(stylist, Offer(to="c1", sdp="v=0 r", restart=True))
        await cluster.one.room("a1").relay(stylist, Offer(to="c1", sdp="v=0 r2", restart=True))
        await cluster.two.room("a1").relay(customer, Answer(to="s1", sdp="v=0 a2"))
        await eventually(lambda: sock(stylist).types().count("answer") == 2)

    async def test_an_offerer_cannot_answer_its_own_offer(self, cluster: Cluster) -> None:
        stylist, _customer = await _in_call(cluster)
        await cluster.one.room("a1").relay(stylist, Offer(to="c1", sdp="v=0 o"))
        with pytest.raises(ProtocolError) as caught:
            await cluster.one.room("a1").relay(stylist, Answer(to="c1", sdp="v=0 a"))
        assert caught.value.code == "no_offer"

    async def test_glare_the_polite_customers_crossing_offer_is_refused(
        self, cluster: Cluster
    ) -> None:
        stylist, customer = await _in_call(cluster)
        await cluster.one.room("a1").relay(stylist, Offer(to="c1", sdp="v=0 stylist"))
        with pytest.raises(ProtocolError) as caught:
            await cluster.two.room("a1").relay(customer, Offer(to="s1", sdp="v=0 customer"))
        assert caught.value.code == "glare"
        await cluster.two.room("a1").relay(customer, Answer(to="s1", sdp="v=0 a"))
        await eventually(lambda: "answer" in sock(stylist).types())
        assert "offer" not in sock(stylist).types()

    async def test_glare_the_impolite_stylists_crossing_offer_wins(self, cluster: Cluster) -> None:
        stylist, customer = await _in_call(cluster)
        await cluster.two.room("a1").relay(customer, Offer(to="s1", sdp="v=0 customer"))
        await cluster.one.room("a1").relay(stylist, Offer(to="c1", sdp="v=0 stylist"))
        await eventually(lambda: "offer" in sock(customer).types())
        # The customer rolled back: its answer to the stylist's offer is the one accepted ...
        await cluster.two.room("a1").relay(customer, Answer(to="s1", sdp="v=0 a"))
        await eventually(lambda: "answer" in sock(stylist).types())
        # ... and the stylist can no longer answer the customer's abandoned offer.
        with pytest.raises(ProtocolError) as caught:
            await cluster.one.room("a1").relay(stylist, Answer(to="c1", sdp="v=0 late"))
        assert caught.value.code == "no_offer"

    async def test_a_new_connection_starts_the_pair_afresh(self, cluster: Cluster) -> None:
        stylist, _customer = await _in_call(cluster)
        await cluster.one.room("a1").relay(stylist, Offer(to="c1", sdp="v=0 o"))
        again = peer("c1", "customer")
        await cluster.two.room("a1").join(again, ICE)
        with pytest.raises(ProtocolError) as caught:
            await cluster.two.room("a1").relay(again, Answer(to="s1", sdp="v=0 stale"))
        assert caught.value.code == "no_offer"
