"""The manager's audit pages: the log with filters, the who-saw-whom report, CSV exports."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.access import review
from app.accounts.deps import CsrfProtected, ManagerUser
from app.core.db import WriteSessionDep
from app.core.errors import InvalidInput
from app.core.i18n import gettext as _
from app.core.templating import render
from app.core.types import MAX_ID

router = APIRouter(include_in_schema=False, dependencies=[CsrfProtected])

# The filter form sends every field, empty ones as "": read them as text, "" as "not given".
TextQ = Annotated[str | None, Query(max_length=40)]


def _id(value: str | None, field: str) -> int | None:
    if not value:
        return None
    if not value.isdigit() or not 1 <= int(value) <= MAX_ID:
        raise InvalidInput(_("Give a number from the list, or leave it empty."), field=field)
    return int(value)


def _day(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        day = None
    if day is None or not date(2000, 1, 1) <= day <= date(2100, 12, 31):
        raise InvalidInput(_("Give a date like 2026-12-04, or leave it empty."), field=field)
    return day


def _filters(
    staff_id: str | None,
    customer_id: str | None,
    action: str | None,
    on_or_after: str | None,
    on_or_before: str | None,
    before_id: str | None = None,
) -> review.Filters:
    return review.Filters(
        staff_id=_id(staff_id, "staff_id"),
        customer_id=_id(customer_id, "customer_id"),
        action=action or None,
        on_or_after=_day(on_or_after, "on_or_after"),
        on_or_before=_day(on_or_before, "on_or_before"),
        before_id=_id(before_id, "before_id"),
    )


@router.get("/manager/audit")
async def audit_page(
    request: Request,
    user: ManagerUser,
    session: WriteSessionDep,
    staff_id: TextQ = None,
    customer_id: TextQ = None,
    action: TextQ = None,
    on_or_after: TextQ = None,
    on_or_before: TextQ = None,
    before_id: TextQ = None,
) -> Response:
    """Who read or changed what: filter by staff, customer, action and period."""
    filters = _filters(staff_id, customer_id, action, on_or_after, on_or_before, before_id)
    scope, lines = await review.events(session, viewer=user, filters=filters)
    context = {
        "lines": lines,
        "filters": filters,
        "scope": scope,
        "actions": review.ACTIONS,
        "labels": review.LABELS,
        "flags": [line for line in lines if line.event.action in review.FLAGS],
        "query": request.url.query,
        "older": lines[-1].event.id if len(lines) == review.PAGE else None,
    }
    return render(request, "access/audit.html", context)


@router.get("/manager/audit.csv")
async def audit_csv(
    user: ManagerUser,
    session: WriteSessionDep,
    staff_id: TextQ = None,
    customer_id: TextQ = None,
    action: TextQ = None,
    on_or_after: TextQ = None,
    on_or_before: TextQ = None,
) -> Response:
    """The same rows as a CSV file (up to 50,000, newest first)."""
    filters = _filters(staff_id, customer_id, action, on_or_after, on_or_before)
    scope, lines = await review.events(
        session, viewer=user, filters=filters, limit=review.EXPORT_LIMIT, export=True
    )
    return _csv(review.events_csv(lines, scope.zone), "audit.csv")


@router.get("/manager/audit/report")
async def report_page(
    request: Request,
    user: ManagerUser,
    session: WriteSessionDep,
    staff_id: TextQ = None,
    on_or_after: TextQ = None,
    on_or_before: TextQ = None,
) -> Response:
    """Who saw whom: for one staff member and a period, the customers, fields and reads."""
    filters = _filters(staff_id, None, None, on_or_after, on_or_before)
    scope, lines = await review.who_saw_whom(session, viewer=user, filters=filters)
    context = {"lines": lines, "filters": filters, "scope": scope, "query": request.url.query}
    return render(request, "access/report.html", context)


@router.get("/manager/audit/report.csv")
async def report_csv(
    user: ManagerUser,
    session: WriteSessionDep,
    staff_id: TextQ = None,
    on_or_after: TextQ = None,
    on_or_before: TextQ = None,
) -> Response:
    """The who-saw-whom report as a CSV file."""
    filters = _filters(staff_id, None, None, on_or_after, on_or_before)
    scope, lines = await review.who_saw_whom(session, viewer=user, filters=filters)
    return _csv(review.seen_csv(lines, scope.zone), "who-saw-whom.csv")


def _csv(text: str, name: str) -> Response:
    # A BOM so that Excel (the tool a store office opens it in) reads the Japanese as UTF-8.
    return Response(
        "\ufeff" + text,
        media_type="text/csv; charset=utf-8",
        headers={
            "content-disposition": f'attachment; filename="{name}"',
            "cache-control": "no-store",
        },
    )
