"""The device check's use case: answer a browser's offer with a server peer that echoes its media.

The peers themselves live in ``signaling.media.EchoPeers`` (one per app, closed at shutdown); this
module adds who may use them, which ICE servers they get, and errors a person can act on.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from app.accounts.models import User
from app.core.config import Settings
from app.core.errors import AppError
from app.core.i18n import gettext as _
from signaling.ice import ice_servers
from signaling.media import MAX_SDP_CHARS, EchoBusy, EchoFailed, EchoPeers, OfferRejected
from signaling.stun_probe import StunHealth


class DeviceCheckBusy(AppError):
    status = 429
    code = "device_check_busy"


class DeviceCheckUnavailable(AppError):
    status = 503
    code = "device_check_unavailable"


class OfferUnusable(AppError):
    status = 422
    code = "offer_unusable"


class OfferIn(BaseModel):
    """The browser's offer, sent once its ICE gathering is complete (aiortc does not trickle)."""

    type: Literal["offer"] = "offer"
    sdp: str = Field(min_length=1, max_length=MAX_SDP_CHARS)


class AnswerOut(BaseModel):
    type: Literal["answer"] = "answer"
    sdp: str


async def servers_for(settings: Settings, user: User, stun: StunHealth) -> list[dict[str, Any]]:
    """The STUN servers that answer and the TURN servers, with TURN credentials for this user."""
    return ice_servers(
        stun_urls=await stun.answering(settings.ice_stun_urls),
        turn_urls=settings.ice_turn_urls,
        turn_secret=settings.turn_secret,
        user_id=str(user.id),
    )


async def answer_offer(
    *, peers: EchoPeers, settings: Settings, user: User, offer: OfferIn, stun: StunHealth
) -> AnswerOut:
    """Start an echo peer for this user's offer and return its answer."""
    try:
        sdp = await peers.answer(
            owner=str(user.id),
            offer_sdp=offer.sdp,
            ice_servers=await servers_for(settings, user, stun),
        )
    except OfferRejected as exc:
        raise OfferUnusable(
            _("Your browser's connection offer could not be used: %(reason)s.", reason=str(exc)),
            field="sdp",
        ) from exc
    except EchoBusy as exc:
        raise DeviceCheckBusy(
            _("Many people are checking their devices right now. Please try again in a minute.")
        ) from exc
    except EchoFailed as exc:
        raise DeviceCheckUnavailable(
            _("Our video server did not respond in time. Please try again in a moment.")
        ) from exc
    return AnswerOut(sdp=sdp)
