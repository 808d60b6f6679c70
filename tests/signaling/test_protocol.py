"""Typed signaling messages: round trips, strict types, the browser's own candidate shapes, and a
clear code for every frame that is not a message."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signaling.protocol import (
    MAX_FRAME_BYTES,
    Answer,
    Bye,
    Candidate,
    ErrorCode,
    Join,
    Media,
    Offer,
    Ping,
    ProtocolError,
    RefreshIce,
    is_polite,
    parse_client_frame,
    relayed,
)

peer_ids = st.from_regex(r"[A-Za-z0-9_-]{1,64}", fullmatch=True)
messages = st.one_of(
    st.builds(Join, version=st.just(1)),
    st.builds(Offer, to=peer_ids, sdp=st.text(min_size=1, max_size=500), restart=st.booleans()),
    st.builds(Answer, to=peer_ids, sdp=st.text(min_size=1, max_size=500)),
    st.builds(
        Candidate,
        to=peer_ids,
        candidate=st.text(max_size=200),
        sdpMid=st.just("0"),
        sdpMLineIndex=st.none() | st.integers(0, 65_535),
        usernameFragment=st.none() | st.text(min_size=4, max_size=256),
    ),
    st.builds(Media, muted=st.booleans(), camera_off=st.booleans(), screen_sharing=st.booleans()),
    st.builds(Bye),
    st.builds(Ping),
    st.builds(RefreshIce),
)


@given(message=messages)
def test_every_client_message_survives_a_round_trip(message: object) -> None:
    assert parse_client_frame(message.to_json()) == message  # type: ignore[attr-defined]


# What Chromium's and Firefox's RTCIceCandidate.toJSON() return, spread into the frame.
BROWSER_CANDIDATES = [
    {
        "candidate": "candidate:842163049 1 udp 1677729535 203.0.113.7 61665 typ srflx "
        "raddr 0.0.0.0 rport 0 generation 0 ufrag Yx0a network-cost 999",
        "sdpMid": "0",
        "sdpMLineIndex": 0,
        "usernameFragment": "Yx0a",
    },
    {
        "candidate": "candidate:0 1 UDP 2122252543 192.0.2.10 54027 typ host",
        "sdpMid": "1",
        "sdpMLineIndex": None,
        "usernameFragment": "6f2c3a1e",
    },
    {
        "candidate": "candidate:1 1 udp 2122260223 192.0.2.1 5000 typ host",
        "sdpMid": None,
        "sdpMLineIndex": 2,
        "usernameFragment": None,
    },
    # end of candidates, as Firefox sends it and as a null event.candidate is written
    {"candidate": "", "sdpMid": "0", "sdpMLineIndex": 0, "usernameFragment": "6f2c3a1e"},
    {"candidate": "", "sdpMid": None, "sdpMLineIndex": None},
]


@pytest.mark.parametrize("shape", BROWSER_CANDIDATES)
def test_the_browsers_own_candidate_json_is_accepted_and_relayed_unchanged(shape: dict) -> None:
    frame = {"type": "candidate", "to": "u2", **shape}
    message = parse_client_frame(json.dumps(frame))
    assert isinstance(message, Candidate)
    out = json.loads(relayed(message, "u1").to_json())
    expected = {k: v for k, v in frame.items() if v is not None}
    assert out == expected | {"from": "u1"}


@pytest.mark.parametrize(
    ("frame", "code", "field"),
    [
        ("not json", "bad_json", None),
        ("[1, 2]", "bad_json", None),
        ('{"type": "ping", "n": NaN}', "bad_json", None),
        ('{"type": "dance"}', "unknown_type", "type"),
        ("{}", "unknown_type", "type"),
        ('{"type": 1}', "unknown_type", "type"),
        ('{"type": "join"}', "missing_field", "version"),
        ('{"type": "join", "version": 7}', "unsupported_version", "version"),
        ('{"type": "join", "version": "1"}', "wrong_type", "version"),
        ('{"type": "join", "version": true}', "wrong_type", "version"),
        ('{"type": "join", "version": 1.0}', "wrong_type", "version"),
        ('{"type": "offer", "to": "u1"}', "missing_field", "sdp"),
        ('{"type": "offer", "sdp": "v=0"}', "missing_field", "to"),
        ('{"type": "offer", "to": "u1", "sdp": ""}', "invalid_value", "sdp"),
        ('{"type": "offer", "to": "../etc", "sdp": "v=0"}', "invalid_value", "to"),
        ('{"type": "offer", "to": "u1", "sdp": "v=0", "from": "u9"}', "unknown_field", "from"),
        ('{"type": "offer", "to": "u1", "sdp": "v=0", "restart": "yes"}', "wrong_type", "restart"),
        ('{"type": "offer", "to": "u1", "sdp": "v=0", "restart": 1}', "wrong_type", "restart"),
        ('{"type": "media", "muted": "yes"}', "wrong_type", "muted"),
        ('{"type": "media", "camera_off": 0}', "wrong_type", "camera_off"),
        ('{"type": "admit", "id": 12}', "wrong_type", "id"),
        ('{"type": "candidate", "to": "u1", "candidate": 5}', "wrong_type", "candidate"),
        (
            '{"type": "candidate", "to": "u1", "candidate": "c", "sdpMLineIndex": "1"}',
            "wrong_type",
            "sdpMLineIndex",
        ),
        (
            '{"type": "candidate", "to": "u1", "candidate": "c", "sdpMLineIndex": 70000}',
            "invalid_value",
            "sdpMLineIndex",
        ),
        ('{"type": "candidate", "to": "u1", "candidate": "candidate:1"}', "invalid_value", None),
        ('{"type": "bye", "extra": 1}', "unknown_field", "extra"),
    ],
)
def test_malformed_frames_get_a_code_and_name_the_field(
    frame: str, code: str, field: str | None
) -> None:
    with pytest.raises(ProtocolError) as caught:
        parse_client_frame(frame)
    assert caught.value.code == code
    assert caught.value.field == field
    assert caught.value.detail


def test_a_refusal_says_which_message_it_refuses() -> None:
    with pytest.raises(ProtocolError) as caught:
        parse_client_frame('{"type": "media", "muted": "yes"}')
    assert caught.value.in_reply_to == "media"


def test_oversized_frames_are_refused_before_parsing() -> None:
    frame = json.dumps({"type": "offer", "to": "u1", "sdp": "a" * MAX_FRAME_BYTES})
    with pytest.raises(ProtocolError) as caught:
        parse_client_frame(frame)
    assert caught.value.code == "frame_too_large"


@given(frame=st.one_of(st.text(max_size=300), st.binary(max_size=300)))
def test_no_frame_crashes_the_parser(frame: str | bytes) -> None:
    try:
        parse_client_frame(frame)
    except ProtocolError as error:
        assert error.code in set(ErrorCode)


def test_deeply_nested_json_is_refused_not_crashed() -> None:
    with pytest.raises(ProtocolError) as caught:
        parse_client_frame("[" * 30_000 + "]" * 30_000)
    assert caught.value.code == "bad_json"


@pytest.mark.parametrize(
    ("me", "other", "polite"),
    [
        (("customer", "u7"), ("stylist", "u3"), True),
        (("stylist", "u3"), ("customer", "u7"), False),
        (("manager", "u1"), ("stylist", "u9"), True),
        (("customer", "u1"), ("manager", "u9"), True),
        (("manager", "u5"), ("manager", "u4"), True),  # equal ranks: the later id yields
        (("manager", "u4"), ("manager", "u5"), False),
    ],
)
def test_politeness_is_decided_by_role_then_id(
    me: tuple[str, str], other: tuple[str, str], polite: bool
) -> None:
    assert is_polite(me[0], me[1], other[0], other[1]) is polite
    assert is_polite(other[0], other[1], me[0], me[1]) is not polite
