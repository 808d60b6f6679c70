"""The signaling protocol: typed JSON messages, validated on the way in.

Every frame is one JSON object with a ``type``. Clients send ``join``, ``admit``, ``offer``,
``answer``, ``candidate``, ``media`` and ``bye``; the server sends ``welcome``, ``waiting``,
``admitted``, ``peer-joined``, ``peer-left``, relayed ``offer``/``answer``/``candidate``/``media``/
``bye`` (with ``from`` set) and ``error``.
See docs/signaling.md. This module imports nothing from the application.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

MAX_FRAME_BYTES = 64 * 1024
PeerId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class ProtocolError(Exception):
    """A frame the server refuses; answered with an ``error`` frame, never a crash."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, exclude_none=True)


# ---- client to server (``to`` names the peer a description or candidate is for)


class Join(_Message):
    type: Literal["join"] = "join"


class Admit(_Message):
    """Staff let a waiting participant in from the lobby."""

    type: Literal["admit"] = "admit"
    id: PeerId


class Offer(_Message):
    type: Literal["offer"] = "offer"
    to: PeerId | None = None
    sdp: Annotated[str, Field(min_length=1, max_length=32_000)]
    restart: bool = False  # an ICE restart after the network changed
    sender: PeerId | None = Field(default=None, alias="from")


class Answer(_Message):
    type: Literal["answer"] = "answer"
    to: PeerId | None = None
    sdp: Annotated[str, Field(min_length=1, max_length=32_000)]
    sender: PeerId | None = Field(default=None, alias="from")


class Candidate(_Message):
    type: Literal["candidate"] = "candidate"
    to: PeerId | None = None
    candidate: Annotated[str, Field(max_length=1_000)]  # "" marks the end of candidates
    sdp_mid: Annotated[str | None, Field(default=None, max_length=64, alias="sdpMid")] = None
    sdp_mline_index: Annotated[
        int | None, Field(default=None, ge=0, le=64, alias="sdpMLineIndex")
    ] = None
    sender: PeerId | None = Field(default=None, alias="from")


class Media(_Message):
    """What the sender's camera, microphone and screen are doing (shown to the other side)."""

    type: Literal["media"] = "media"
    muted: bool = False
    camera_off: bool = False
    screen_sharing: bool = False
    sender: PeerId | None = Field(default=None, alias="from")


class Bye(_Message):
    type: Literal["bye"] = "bye"
    sender: PeerId | None = Field(default=None, alias="from")


# ---- server to client


class PeerInfo(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: PeerId
    role: Annotated[str, Field(max_length=32)]


class Welcome(_Message):
    """``peers`` are the admitted others; ``waiting`` (sent to staff) those still in the lobby."""

    type: Literal["welcome"] = "welcome"
    id: PeerId
    peers: list[PeerInfo]
    ice_servers: list[dict[str, Any]] = Field(default_factory=list, alias="iceServers")
    admitted: bool = True
    waiting: list[PeerInfo] = Field(default_factory=list)


class Waiting(_Message):
    """To staff: someone is in the lobby."""

    type: Literal["waiting"] = "waiting"
    peer: PeerInfo


class Admitted(_Message):
    """To the one let in: who is in the call."""

    type: Literal["admitted"] = "admitted"
    peers: list[PeerInfo]


class PeerJoined(_Message):
    type: Literal["peer-joined"] = "peer-joined"
    peer: PeerInfo


class PeerLeft(_Message):
    type: Literal["peer-left"] = "peer-left"
    id: PeerId


class Error(_Message):
    type: Literal["error"] = "error"
    code: str
    detail: str


ClientMessage = Annotated[
    Join | Admit | Offer | Answer | Candidate | Media | Bye, Field(discriminator="type")
]
_client = TypeAdapter(ClientMessage)


def parse_client_frame(
    frame: str | bytes,
) -> Join | Admit | Offer | Answer | Candidate | Media | Bye:
    """Validate one frame from a client, or raise ProtocolError with a code a client can act on."""
    size = len(frame.encode() if isinstance(frame, str) else frame)
    if size > MAX_FRAME_BYTES:
        raise ProtocolError("frame_too_large", f"frames are limited to {MAX_FRAME_BYTES} bytes")
    try:
        message = _client.validate_json(frame)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        kind = first.get("type", "")
        if kind in ("json_invalid", "json_type"):
            raise ProtocolError("bad_json", "send one JSON object per frame") from exc
        if kind in ("union_tag_invalid", "union_tag_not_found"):
            raise ProtocolError(
                "unknown_type", "type must be join, admit, offer, answer, candidate, media or bye"
            ) from exc
        raise ProtocolError("invalid_message", f"{where}: {first.get('msg')}") from exc
    if getattr(message, "sender", None) is not None:
        raise ProtocolError("invalid_message", "from is set by the server, not by clients")
    return message
