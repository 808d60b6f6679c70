"""The signaling protocol, version 1: strictly typed JSON messages, validated on the way in.

Every frame is one JSON object with a ``type``. Client → server messages are the ``Client*`` union,
server → client messages the ``Server*`` union; ``signaling.schemas`` publishes both as JSON Schema
(docs/signaling/schemas/). Validation is strict: ``"yes"`` is not a boolean and ``"1"`` is not a
number. Every refusal carries an ``ErrorCode`` and every close a ``CloseCode``; docs/signaling.md
tables both, and a test keeps the tables and these enums equal.
This module imports nothing from the application.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

PROTOCOL_VERSION = 1
SUPPORTED_VERSIONS = (1,)
MAX_FRAME_BYTES = 64 * 1024
MAX_SDP_CHARS = 32_000
PeerId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
Sdp = Annotated[str, Field(min_length=1, max_length=MAX_SDP_CHARS)]


class ErrorCode(StrEnum):
    """The ``code`` of an ``error`` frame (the connection stays open unless a close follows)."""

    BAD_JSON = "bad_json"
    FRAME_TOO_LARGE = "frame_too_large"
    UNKNOWN_TYPE = "unknown_type"
    MISSING_FIELD = "missing_field"
    UNKNOWN_FIELD = "unknown_field"
    WRONG_TYPE = "wrong_type"
    INVALID_VALUE = "invalid_value"
    UNSUPPORTED_VERSION = "unsupported_version"
    JOIN_FIRST = "join_first"
    ALREADY_JOINED = "already_joined"
    ROOM_FULL = "room_full"
    NOT_ADMITTED = "not_admitted"
    FORBIDDEN = "forbidden"
    UNKNOWN_PEER = "unknown_peer"
    NO_OFFER = "no_offer"
    GLARE = "glare"


class CloseCode(IntEnum):
    """Websocket close codes the server uses (4403 is answered as HTTP 403 at the handshake)."""

    NORMAL = 1000
    GOING_AWAY = 1001
    INTERNAL_ERROR = 1011
    SERVICE_RESTART = 1012  # sent by uvicorn itself when it restarts, listed for clients
    REPLACED = 4001
    CALL_OVER = 4002
    UNSUPPORTED_VERSION = 4003
    APPOINTMENT_CLOSED = 4004
    KEEPALIVE_TIMEOUT = 4008
    REFUSED = 4403


# The close frame's reason (at most 123 bytes of UTF-8 on the wire).
CLOSE_REASONS: dict[CloseCode, str] = {
    CloseCode.NORMAL: "bye",
    CloseCode.GOING_AWAY: "server shutting down",
    CloseCode.INTERNAL_ERROR: "sending to this connection failed",
    CloseCode.SERVICE_RESTART: "service restart",
    CloseCode.REPLACED: "replaced by a newer connection of the same participant",
    CloseCode.CALL_OVER: "the call window has ended",
    CloseCode.UNSUPPORTED_VERSION: "unsupported protocol version",
    CloseCode.APPOINTMENT_CLOSED: "the appointment was cancelled or moved",
    CloseCode.KEEPALIVE_TIMEOUT: "nothing received within the keepalive timeout",
    CloseCode.REFUSED: "not allowed to join this call now",
}


class ProtocolError(Exception):
    """A frame the server refuses; answered with an ``error`` frame, never a crash."""

    def __init__(self, code: ErrorCode, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.field = field
        self.in_reply_to: str | None = None


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, exclude_none=True)


# ---- client to server (``to`` names the peer a description or candidate is for)


class Join(_Message):
    """Enter the room the connection was authorised for, speaking protocol ``version``."""

    type: Literal["join"] = "join"
    version: Annotated[int, Field(ge=1)]


class Admit(_Message):
    """Staff let a waiting participant in from the lobby."""

    type: Literal["admit"] = "admit"
    id: PeerId


class Offer(_Message):
    """A session description offer; ``restart`` marks an ICE restart of the existing connection."""

    type: Literal["offer"] = "offer"
    to: PeerId
    sdp: Sdp
    restart: bool = False


class Answer(_Message):
    """The answer to the offer ``to`` sent last (refused when there is none)."""

    type: Literal["answer"] = "answer"
    to: PeerId
    sdp: Sdp


class Candidate(_Message):
    """A trickled ICE candidate: the browser's ``RTCIceCandidate.toJSON()`` spread into the frame.

    ``candidate: ""`` marks the end of candidates; any other candidate names its media section
    with ``sdpMid`` or ``sdpMLineIndex`` (a browser cannot make a candidate without one).
    """

    # The same rule as the validator below, for the published JSON Schema.
    model_config = ConfigDict(
        json_schema_extra={
            "if": {"properties": {"candidate": {"minLength": 1}}},
            "then": {
                "anyOf": [
                    {"properties": {"sdpMid": {"type": "string"}}, "required": ["sdpMid"]},
                    {
                        "properties": {"sdpMLineIndex": {"type": "integer"}},
                        "required": ["sdpMLineIndex"],
                    },
                ]
            },
        }
    )
    type: Literal["candidate"] = "candidate"
    to: PeerId
    candidate: Annotated[str, Field(max_length=1_000)]
    sdp_mid: Annotated[str | None, Field(max_length=256, alias="sdpMid")] = None
    sdp_mline_index: Annotated[int | None, Field(ge=0, le=65_535, alias="sdpMLineIndex")] = None
    username_fragment: Annotated[str | None, Field(max_length=256, alias="usernameFragment")] = None

    @model_validator(mode="after")
    def _names_its_media_section(self) -> Candidate:
        if self.candidate and self.sdp_mid is None and self.sdp_mline_index is None:
            raise ValueError("a candidate needs sdpMid or sdpMLineIndex")
        return self


class Media(_Message):
    """What the sender's camera, microphone and screen are doing (shown to the other side)."""

    type: Literal["media"] = "media"
    muted: bool = False
    camera_off: bool = False
    screen_sharing: bool = False


class Bye(_Message):
    """Hanging up: the sender leaves the call, and its admission ends with it."""

    type: Literal["bye"] = "bye"


class Ping(_Message):
    """Keepalive: answered with ``pong``; any frame resets the server's timeout."""

    type: Literal["ping"] = "ping"


class RefreshIce(_Message):
    """Ask for fresh ``iceServers`` (TURN credentials) now; answered with ``ice-servers``."""

    type: Literal["refresh-ice"] = "refresh-ice"


ClientMessage = Join | Admit | Offer | Answer | Candidate | Media | Bye | Ping | RefreshIce
CLIENT_MESSAGES: tuple[type[_Message], ...] = (
    Join,
    Admit,
    Offer,
    Answer,
    Candidate,
    Media,
    Bye,
    Ping,
    RefreshIce,
)
CLIENT_TYPES: tuple[str, ...] = tuple(m.model_fields["type"].default for m in CLIENT_MESSAGES)


# ---- server to client


class PeerInfo(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
    id: PeerId
    role: Annotated[str, Field(max_length=32)]


class IceServer(BaseModel):
    """One entry of ``iceServers``, shaped as ``RTCPeerConnection`` takes it."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
    urls: Annotated[list[str], Field(min_length=1)]
    username: str | None = None
    credential: str | None = None


class Keepalive(BaseModel):
    """Send a frame (``ping`` if nothing else) every ``interval_seconds``; silent for
    ``timeout_seconds`` and the server closes the connection with 4008."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
    interval_seconds: Annotated[float, Field(gt=0)]
    timeout_seconds: Annotated[float, Field(gt=0)]


class Welcome(_Message):
    """The answer to ``join``. ``peers`` are the admitted others; ``waiting`` (to staff only)
    those still in the lobby; ``closes_at`` when the server ends the call (UTC)."""

    type: Literal["welcome"] = "welcome"
    version: int = PROTOCOL_VERSION
    id: PeerId
    role: Annotated[str, Field(max_length=32)]
    admitted: bool
    peers: list[PeerInfo]
    waiting: list[PeerInfo] = Field(default_factory=list)
    ice_servers: list[IceServer] = Field(default_factory=list, alias="iceServers")
    ice_expires_at: int | None = None  # Unix time the TURN credentials stop working
    keepalive: Keepalive
    closes_at: datetime | None = None


class Waiting(_Message):
    """To staff: someone is in the lobby."""

    type: Literal["waiting"] = "waiting"
    peer: PeerInfo


class Admitted(_Message):
    """To the one let in: who is in the call."""

    type: Literal["admitted"] = "admitted"
    peers: list[PeerInfo]


class PeerJoined(_Message):
    """Someone entered the call: the receiver makes the offer to them."""

    type: Literal["peer-joined"] = "peer-joined"
    peer: PeerInfo


class PeerLeft(_Message):
    type: Literal["peer-left"] = "peer-left"
    id: PeerId


class _Relayed(_Message):
    sender: PeerId = Field(alias="from")


class OfferFrom(_Relayed, Offer):
    """An offer relayed from ``from``."""


class AnswerFrom(_Relayed, Answer):
    """An answer relayed from ``from``."""


class CandidateFrom(_Relayed, Candidate):
    """A candidate relayed from ``from``."""


class MediaFrom(_Relayed, Media):
    """Media state relayed from ``from``."""


class ByeFrom(_Relayed, Bye):
    """``from`` hung up."""


class Pong(_Message):
    type: Literal["pong"] = "pong"


class IceServers(_Message):
    """Fresh ICE servers: pushed before the TURN credentials expire, or after ``refresh-ice``.
    Apply them with ``pc.setConfiguration({...pc.getConfiguration(), iceServers})``."""

    type: Literal["ice-servers"] = "ice-servers"
    ice_servers: list[IceServer] = Field(alias="iceServers")
    ice_expires_at: int | None = None


class Error(_Message):
    """A refused frame. ``in_reply_to`` is the refused frame's type when it was readable."""

    type: Literal["error"] = "error"
    code: ErrorCode
    detail: str
    field: str | None = None
    in_reply_to: str | None = None
    supported_versions: list[int] | None = None


SERVER_MESSAGES: tuple[type[_Message], ...] = (
    Welcome,
    Waiting,
    Admitted,
    PeerJoined,
    PeerLeft,
    OfferFrom,
    AnswerFrom,
    CandidateFrom,
    MediaFrom,
    ByeFrom,
    Pong,
    IceServers,
    Error,
)
_RELAYED: dict[type[_Message], type[_Relayed]] = {
    Offer: OfferFrom,
    Answer: AnswerFrom,
    Candidate: CandidateFrom,
    Media: MediaFrom,
    Bye: ByeFrom,
}
client_adapter: TypeAdapter[Any] = TypeAdapter(
    Annotated[ClientMessage, Field(discriminator="type")]
)
server_adapter: TypeAdapter[Any] = TypeAdapter(
    Annotated[
        Welcome
        | Waiting
        | Admitted
        | PeerJoined
        | PeerLeft
        | OfferFrom
        | AnswerFrom
        | CandidateFrom
        | MediaFrom
        | ByeFrom
        | Pong
        | IceServers
        | Error,
        Field(discriminator="type"),
    ]
)


def relayed(message: Offer | Answer | Candidate | Media | Bye, sender: str) -> _Relayed:
    """The frame the others receive: the message as sent, with ``from`` set by the server."""
    data = message.model_dump(by_alias=True, exclude_none=True) | {"from": sender}
    return _RELAYED[type(message)].model_validate(data)


def error_frame(problem: ProtocolError) -> Error:
    return Error(
        code=problem.code,
        detail=problem.detail,
        field=problem.field,
        in_reply_to=problem.in_reply_to,
        supported_versions=list(SUPPORTED_VERSIONS)
        if problem.code is ErrorCode.UNSUPPORTED_VERSION
        else None,
    )


# ---- politeness (who yields when two offers cross)

ROLE_RANK = {"stylist": 3, "manager": 2, "customer": 1}


def is_polite(role: str, peer_id: str, other_role: str, other_id: str) -> bool:
    """True when ``peer_id`` yields to ``other_id`` in glare: the lower-ranked role (customer <
    manager < stylist) is polite; between equal ranks, the id that sorts later is."""
    mine, theirs = ROLE_RANK.get(role, 0), ROLE_RANK.get(other_role, 0)
    if mine != theirs:
        return mine < theirs
    return peer_id > other_id


# ---- parsing


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _code_for(kind: str) -> ErrorCode:
    if kind == "missing":
        return ErrorCode.MISSING_FIELD
    if kind == "extra_forbidden":
        return ErrorCode.UNKNOWN_FIELD
    if kind.endswith("_type") or kind == "literal_error":
        return ErrorCode.WRONG_TYPE
    return ErrorCode.INVALID_VALUE


def parse_client_frame(frame: str | bytes) -> ClientMessage:
    """Validate one frame from a client, or raise ProtocolError with a code a client can act on."""
    size = len(frame.encode() if isinstance(frame, str) else frame)
    if size > MAX_FRAME_BYTES:
        raise ProtocolError(
            ErrorCode.FRAME_TOO_LARGE, f"frames are limited to {MAX_FRAME_BYTES} bytes"
        )
    try:
        data = json.loads(frame, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise ProtocolError(ErrorCode.BAD_JSON, "send one JSON object per frame") from exc
    if not isinstance(data, dict):
        raise ProtocolError(ErrorCode.BAD_JSON, "send one JSON object per frame")
    kind = data.get("type")
    version = data.get("version")
    if kind == "join" and type(version) is int and version not in SUPPORTED_VERSIONS:
        problem = ProtocolError(
            ErrorCode.UNSUPPORTED_VERSION,
            f"this server speaks protocol version {', '.join(map(str, SUPPORTED_VERSIONS))}",
            field="version",
        )
        problem.in_reply_to = "join"
        raise problem
    try:
        return client_adapter.validate_python(data)
    except ValidationError as exc:
        problem = _problem(exc)
        if isinstance(kind, str) and problem.code is not ErrorCode.UNKNOWN_TYPE:
            problem.in_reply_to = kind
        raise problem from exc


def _problem(exc: ValidationError) -> ProtocolError:
    first = exc.errors()[0]
    kind = first.get("type", "")
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        names = ", ".join(CLIENT_TYPES)
        return ProtocolError(ErrorCode.UNKNOWN_TYPE, f"type must be one of: {names}", field="type")
    loc = [str(p) for p in first.get("loc", ())][1:]  # the first item is the union's tag
    where = ".".join(loc) or None
    if kind == "extra_forbidden" and where == "from":
        return ProtocolError(
            ErrorCode.UNKNOWN_FIELD, "from is set by the server, not by clients", field="from"
        )
    message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
    return ProtocolError(_code_for(kind), f"{where}: {message}" if where else message, field=where)
