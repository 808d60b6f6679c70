"""The device check: a page that tries camera, microphone and connection against an echo peer."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.accounts.deps import CsrfProtected, CurrentUser, SettingsDep
from app.consultation import echo
from app.core.openapi import errors
from app.core.templating import render

router = APIRouter(dependencies=[CsrfProtected])


@router.get("/device-check", include_in_schema=False)
async def device_check_page(request: Request, user: CurrentUser, settings: SettingsDep) -> Response:
    servers = await echo.servers_for(settings, user, request.app.state.stun_health)
    return render(request, "consultation/device_check.html", {"ice_servers": servers})


@router.post(
    "/api/v1/device-check/offer", tags=["consultation"], responses=errors(401, 403, 422, 429, 503)
)
async def device_check_offer(
    offer: echo.OfferIn, user: CurrentUser, settings: SettingsDep, request: Request
) -> echo.AnswerOut:
    """Answer a device-check offer with a server peer that sends the caller's media straight back.

    Send the offer once ICE gathering is complete: the answer carries all of the server's
    candidates and no candidates are exchanged afterwards. The echo ends after two minutes, when
    the connection closes, or when the same user starts another check (at most two at once).
    """
    return await echo.answer_offer(
        peers=request.app.state.echo_peers,
        settings=settings,
        user=user,
        offer=offer,
        stun=request.app.state.stun_health,
    )
