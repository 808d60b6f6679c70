"""The offer/answer state machine of one pair of peers, enforced by the server. Pure.

A pair is ``stable`` (nothing outstanding: before the first offer, and after every answer) or
``offered`` by one of the two (an offer sent, its answer not yet). An answer is relayed only to
the peer whose offer is outstanding; anything else is refused with ``no_offer``. A peer may offer
again while its own offer is outstanding (a retried ICE restart, a fresh connection). When two
offers cross (glare) the server keeps the first one it saw unless its sender is the polite peer of
the two (``protocol.is_polite``): the polite peer's offer loses either way, so the impolite one is
never asked to roll back.
"""

from __future__ import annotations

from typing import Literal

from signaling.protocol import ErrorCode, ProtocolError

STABLE = ""


def pair_key(one: str, other: str) -> str:
    """The same key for (a, b) and (b, a); peer ids cannot contain ``|``."""
    return "|".join(sorted((one, other)))


def offerer(state: str) -> str | None:
    """Who has an offer outstanding in ``state`` (None when the pair is stable)."""
    return state.removeprefix("offered:") if state.startswith("offered:") else None


def next_state(
    state: str,
    *,
    kind: Literal["offer", "answer"],
    sender: str,
    target: str,
    sender_polite: bool,
) -> str:
    """The pair's state after ``sender`` sends ``kind`` to ``target``, or ProtocolError."""
    pending = offerer(state)
    if kind == "offer":
        if pending == target and sender_polite:
            raise ProtocolError(
                ErrorCode.GLARE,
                f"an offer from {target} is waiting for your answer and you are the polite peer: "
                "roll your offer back and answer theirs",
            )
        return f"offered:{sender}"
    if pending != target:
        raise ProtocolError(
            ErrorCode.NO_OFFER, f"there is no offer from {target} for this answer to answer"
        )
    return STABLE
