"""Domain errors and the one place that renders them (JSON under /api, a page elsewhere)."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core.i18n import gettext as _
from app.core.logging import redact

log = logging.getLogger(__name__)


class AppError(Exception):
    """Base for errors a user can act on. Subclasses set ``status`` and ``code``."""

    status: int = 400
    code: str = "bad_request"
    # True for errors that are a recorded outcome (a failed login counts towards a lockout):
    # the request's transaction commits what was written before the error is rendered.
    commit_changes: bool = False

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


class NotFound(AppError):
    status = 404
    code = "not_found"


class Forbidden(AppError):
    status = 403
    code = "forbidden"


class NotAuthenticated(AppError):
    status = 401
    code = "not_authenticated"


class Conflict(AppError):
    status = 409
    code = "conflict"


class InvalidInput(AppError):
    status = 422
    code = "invalid_input"


class CsrfFailed(AppError):
    status = 403
    code = "csrf_failed"


def error_body(code: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"error": code, "detail": detail, **extra}


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or "request"


def describe_validation(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Validation errors as ``[{"field": ..., "message": ...}]`` a person can read."""
    return [
        {
            "field": _field_name(tuple(e.get("loc", ()))),
            "message": str(e["msg"]).removeprefix("Value error, "),
        }
        for e in errors
    ]


def install_error_handlers(app: FastAPI) -> None:
    from app.core.templating import render_error_page

    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> Response:
        if is_api(request):
            extra = {"field": exc.field} if exc.field else {}
            return JSONResponse(error_body(exc.code, exc.detail, **extra), status_code=exc.status)
        if isinstance(exc, NotAuthenticated) and request.method == "GET":
            target = quote(request.url.path, safe="/")
            return RedirectResponse(f"/login?next={target}", status_code=303)
        return render_error_page(request, exc.status, exc.detail)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        fields = describe_validation(list(exc.errors()))
        detail = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
        if is_api(request):
            return JSONResponse(error_body("invalid_input", detail, fields=fields), status_code=422)
        return render_error_page(request, 422, detail)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        detail = str(exc.detail)
        if exc.status_code == 404:
            detail = _("We could not find that page.")
        elif exc.status_code == 405:
            detail = _("That action is not available here.")
        if is_api(request):
            code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
            return JSONResponse(error_body(code, detail), status_code=exc.status_code)
        return render_error_page(request, exc.status_code, detail)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, redact(request.url.path))
        detail = _("Something went wrong on our side. Please try again in a moment.")
        if is_api(request):
            return JSONResponse(error_body("internal_error", detail), status_code=500)
        return render_error_page(request, 500, detail)
