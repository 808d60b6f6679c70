"""Error responses documented on each route, so the OpenAPI schema says what can go wrong."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

_DESCRIPTIONS = {
    400: "The request cannot be used as sent (the detail says why).",
    401: "Not logged in, or the credentials do not match.",
    403: "Not allowed for this user, or the CSRF token is missing.",
    404: "No such resource.",
    409: "Conflicts with what is already stored.",
    410: "The link has expired.",
    413: "The upload is too large (the detail gives the limit).",
    422: "A field is invalid; `fields` names each one.",
    429: "Too many requests; try again later.",
    503: "The server cannot do this right now; try again shortly.",
}


class ErrorBody(BaseModel):
    error: str
    detail: str
    field: str | None = None
    fields: list[dict[str, str]] | None = None


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorBody, "description": _DESCRIPTIONS[code]} for code in codes}
