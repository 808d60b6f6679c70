"""/openapi.json and /docs, served by setting: for signed-in staff (default), public, or off.

A published API description is a map for an attacker as much as for a partner's developer;
the people who build on it sign in first. Anyone else gets the 404 of a path that is not there.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from app.core.errors import NotFound
from app.core.i18n import gettext as _

router = APIRouter(include_in_schema=False)
STAFF = ("staff", "manager", "admin")


def _allowed(request: Request) -> None:
    mode = request.app.state.settings.api_docs
    user = getattr(request.state, "user", None)
    if mode == "public" or (mode == "staff" and user is not None and user.role in STAFF):
        return
    raise NotFound(_("There is nothing here."))


@router.get("/openapi.json")
async def openapi(request: Request) -> JSONResponse:
    _allowed(request)
    return JSONResponse(request.app.openapi())


@router.get("/docs")
async def docs(request: Request) -> HTMLResponse:
    _allowed(request)
    return get_swagger_ui_html(openapi_url="/openapi.json", title="Closet Call API")
