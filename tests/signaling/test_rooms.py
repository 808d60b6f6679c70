"""Rooms relay descriptions, candidates and media state, and survive peers that fail or leave."""

from __future__ import annotations

import json

import pytest

from signaling.protocol import Candidate, Media, Offer, ProtocolError
from signaling.rooms import MAX_PEERS_PER_ROOM, Peer, Registry, Room


class Socket:
    """A transport at the edge: records what the room sends; can be made to fail."""

    def __init__(self, fail: bool = False) -> None:
        self.sent: list[dict] = []
        self.closed: int | None = None
        self.fail = fail

    async def send_text(self, text: str) -> None:
        if self.fail:
            raise ConnectionResetError("gone")
        self.sent.append(json.loads(text))

    async def close(self, code: int = 1000) -> None:
        self.closed = code

    def types(self) -> list[str]:
        return [m["type"] for m in self.sent]


ICE = [{"urls": ["stun:stun.example.jp"]}]


async def _room_with_two() -> tuple[Room, Peer, Peer]:
    room = Room("appointment-1")
    customer = Peer("c1", "customer", Socket())
    stylist = Peer("s1", "stylist", Socket())
    await room.join(customer, ICE)
    await room.join(stylist, ICE)
    return room, customer, stylist


class TestRooms:
    async def test_joining_welcomes_with_the_others_and_announces_the_newcomer(self) -> None:
        _room, customer, stylist = await _room_with_two()
        welcome = stylist.connection.sent[0]  # type: ignore[attr-defined]
        assert welcome == {
            "type": "welcome",
            "id": "s1",
            "peers": [{"id": "c1", "role": "customer"}],
            "iceServers": ICE,
        }
        assert customer.connection.types() == ["welcome", "peer-joined"]  # type: ignore[attr-defined]

    async def test_descriptions_and_candidates_reach_only_their_target_with_from_set(self) -> None:
        room, customer, stylist = await _room_with_two()
        await room.relay(stylist, Offer(to="c1", sdp="v=0 offer"))
        await room.relay(
            customer, Candidate(to="s1", candidate="candidate:1", sdpMid="0", sdpMLineIndex=0)
        )
        assert customer.connection.sent[-1] == {
            "type": "offer",
            "to": "c1",
            "sdp": "v=0 offer",
            "restart": False,
            "from": "s1",
        }  # type: ignore[attr-defined]
        assert stylist.connection.sent[-1]["from"] == "c1"  # type: ignore[attr-defined]
        assert stylist.connection.sent[-1]["type"] == "candidate"  # type: ignore[attr-defined]

    async def test_media_state_goes_to_everyone_else(self) -> None:
        room, customer, stylist = await _room_with_two()
        await room.relay(customer, Media(muted=True))
        assert stylist.connection.sent[-1] == {
            "type": "media",
            "muted": True,
            "camera_off": False,  # type: ignore[attr-defined]
            "screen_sharing": False,
            "from": "c1",
        }
        assert customer.connection.types() == ["welcome", "peer-joined"]  # type: ignore[attr-defined]

    async def test_an_unknown_target_is_an_error_to_the_sender(self) -> None:
        room, customer, _stylist = await _room_with_two()
        await room.relay(customer, Offer(to="nobody", sdp="v=0"))
        assert customer.connection.sent[-1]["type"] == "error"  # type: ignore[attr-defined]
        assert customer.connection.sent[-1]["code"] == "unknown_peer"  # type: ignore[attr-defined]

    async def test_a_peer_whose_socket_fails_is_dropped_and_the_others_are_told(self) -> None:
        room, customer, stylist = await _room_with_two()
        stylist.connection.fail = True  # type: ignore[attr-defined]
        await room.relay(customer, Offer(to="s1", sdp="v=0"))
        assert "s1" not in room.peers
        assert stylist.connection.closed == 1011  # type: ignore[attr-defined]
        assert customer.connection.sent[-1] == {"type": "peer-left", "id": "s1"}  # type: ignore[attr-defined]

    async def test_rejoining_with_the_same_id_replaces_the_old_socket(self) -> None:
        room, customer, _stylist = await _room_with_two()
        old = customer.connection
        again = Peer("c1", "customer", Socket())
        await room.join(again, ICE)
        assert old.closed == 1000  # type: ignore[attr-defined]
        assert room.peers["c1"] is again and len(room.peers) == 2

    async def test_a_full_room_refuses_more_peers(self) -> None:
        room = Room("r")
        for index in range(MAX_PEERS_PER_ROOM):
            await room.join(Peer(f"p{index}", "viewer", Socket()), ICE)
        with pytest.raises(ProtocolError) as caught:
            await room.join(Peer("late", "viewer", Socket()), ICE)
        assert caught.value.code == "room_full"


class TestRegistry:
    async def test_leaving_tells_the_others_and_an_empty_room_disappears(self) -> None:
        registry = Registry()
        room = registry.room("appointment-9")
        a, b = Peer("a", "customer", Socket()), Peer("b", "stylist", Socket())
        await room.join(a, ICE)
        await room.join(b, ICE)
        await registry.leave("appointment-9", "a")
        assert b.connection.sent[-1] == {"type": "peer-left", "id": "a"}  # type: ignore[attr-defined]
        await registry.leave("appointment-9", "b")
        assert "appointment-9" not in registry.rooms

    async def test_close_all_closes_every_socket(self) -> None:
        registry = Registry()
        sockets = [Socket() for _ in range(3)]
        for index, socket in enumerate(sockets):
            await registry.room(f"r{index % 2}").join(Peer(f"p{index}", "customer", socket), ICE)
        await registry.close_all()
        assert all(s.closed == 1000 for s in sockets) and registry.rooms == {}
