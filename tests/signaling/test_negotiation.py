"""The offer/answer state machine of one pair, as a table (pure: no rooms, no sockets)."""

from __future__ import annotations

import pytest

from signaling.negotiation import STABLE, next_state, pair_key
from signaling.protocol import ProtocolError

# state, kind, sender, target, sender is polite → new state, or the error code
CASES = [
    (STABLE, "offer", "a", "b", False, "offered:a"),
    (STABLE, "offer", "a", "b", True, "offered:a"),
    (STABLE, "answer", "a", "b", False, "no_offer"),
    ("offered:a", "offer", "a", "b", False, "offered:a"),  # renegotiation before the answer
    ("offered:a", "answer", "b", "a", True, STABLE),
    ("offered:a", "answer", "a", "b", False, "no_offer"),  # nobody answers their own offer
    ("offered:b", "offer", "a", "b", True, "glare"),  # polite: refused
    ("offered:b", "offer", "a", "b", False, "offered:a"),  # impolite: wins
]


@pytest.mark.parametrize(("state", "kind", "sender", "target", "polite", "expected"), CASES)
def test_transitions(
    state: str, kind: str, sender: str, target: str, polite: bool, expected: str
) -> None:
    try:
        result = next_state(
            state,
            kind=kind,  # type: ignore[arg-type]
            sender=sender,
            target=target,
            sender_polite=polite,
        )
    except ProtocolError as refused:
        result = refused.code
    assert result == expected


def test_a_pair_has_one_key_either_way_round() -> None:
    assert pair_key("u1", "u2") == pair_key("u2", "u1") == "u1|u2"
