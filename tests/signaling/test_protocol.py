"""Typed signaling messages: round trips, and clear errors for frames that are not messages."""

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
    Join,
    Media,
    Offer,
    ProtocolError,
    parse_client_frame,
)

peer_ids = st.from_regex(r"[A-Za-z0-9_-]{1,64}", fullmatch=True)
messages = st.one_of(
    st.builds(Join),
    st.builds(
        Offer, to=st.none() | peer_ids, sdp=st.text(min_size=1, max_size=500), restart=st.booleans()
    ),
    st.builds(Answer, to=st.none() | peer_ids, sdp=st.text(min_size=1, max_size=500)),
    st.builds(
        Candidate,
        to=st.none() | peer_ids,
        candidate=st.text(max_size=200),
        sdpMid=st.none() | st.text(max_size=10),
        sdpMLineIndex=st.none() | st.integers(0, 64),
    ),
    st.builds(Media, muted=st.booleans(), camera_off=st.booleans(), screen_sharing=st.booleans()),
    st.builds(Bye),
)


@given(message=messages)
def test_every_client_message_survives_a_round_trip(message: object) -> None:
    assert parse_client_frame(message.to_json()) == message  # type: ignore[attr-defined]


def test_candidates_use_the_browsers_field_names() -> None:
    frame = json.dumps(
        {
            "type": "candidate",
            "to": "p1",
            "candidate": "candidate:1 1 udp 2122260223 192.0.2.1 5000 typ host",
            "sdpMid": "0",
            "sdpMLineIndex": 0,
        }
    )
    message = parse_client_frame(frame)
    assert (
        isinstance(message, Candidate) and message.sdp_mid == "0" and message.sdp_mline_index == 0
    )
    assert json.loads(message.to_json())["sdpMLineIndex"] == 0


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("not json", "bad_json"),
        ("[1, 2]", "invalid_message"),
        ('{"type": "dance"}', "unknown_type"),
        ("{}", "unknown_type"),
        ('{"type": "offer"}', "invalid_message"),
        ('{"type": "offer", "sdp": ""}', "invalid_message"),
        ('{"type": "offer", "sdp": "v=0", "to": "../etc"}', "invalid_message"),
        ('{"type": "offer", "sdp": "v=0", "from": "someone-else"}', "invalid_message"),
        ('{"type": "media", "muted": "yes please"}', "invalid_message"),
        ('{"type": "candidate", "candidate": "x", "sdpMLineIndex": 999}', "invalid_message"),
        ('{"type": "bye", "extra": 1}', "invalid_message"),
    ],
)
def test_malformed_frames_get_a_code(frame: str, code: str) -> None:
    with pytest.raises(ProtocolError) as caught:
        parse_client_frame(frame)
    assert caught.value.code == code
    assert caught.value.detail


def test_oversized_frames_are_refused_before_parsing() -> None:
    frame = json.dumps({"type": "offer", "sdp": "a" * MAX_FRAME_BYTES})
    with pytest.raises(ProtocolError) as caught:
        parse_client_frame(frame)
    assert caught.value.code == "frame_too_large"


@given(frame=st.one_of(st.text(max_size=300), st.binary(max_size=300)))
def test_no_frame_crashes_the_parser(frame: str | bytes) -> None:
    try:
        parse_client_frame(frame)
    except ProtocolError as error:
        assert error.code in {"bad_json", "invalid_message", "unknown_type", "frame_too_large"}
