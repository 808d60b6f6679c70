"""JSON API for the roster."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from app.accounts.deps import CsrfProtected, CurrentUser, ManagerUser, StaffUser
from app.core.db import SessionDep, WriteSessionDep
from app.core.openapi import errors
from app.core.types import Id, IdPath
from app.scheduling import service
from app.scheduling.models import Shift, ShiftTemplate
from app.scheduling.schemas import (
    ApplyTemplatesIn,
    ShiftIn,
    ShiftRequestIn,
    ShiftTimes,
    TemplateIn,
    TimeOffIn,
)

router = APIRouter(prefix="/api/v1", tags=["roster"], dependencies=[CsrfProtected])


@router.post("/shifts", status_code=201, responses=errors(401, 403, 404, 409, 422))
async def create_shift(data: ShiftIn, user: ManagerUser, session: WriteSessionDep) -> Shift:
    """Add an approved shift for one of your stylists (times in the store's zone)."""
    return await service.create_shift(session, manager=user, data=data)


@router.post("/shift-requests", status_code=201, responses=errors(401, 403, 409, 422))
async def request_shift(
    data: ShiftRequestIn, user: StaffUser, session: WriteSessionDep, request: Request
) -> Shift:
    """Offer a shift you can work; a manager approves or declines it (managers are told)."""
    return await service.request_shift(
        session,
        stylist=user,
        data=data,
        postman=request.app.state.postman,
        base_url=request.app.state.settings.public_base_url,
    )


@router.post("/shifts/{shift_id}/approve", responses=errors(401, 403, 404, 409))
async def approve(shift_id: IdPath, user: ManagerUser, session: WriteSessionDep) -> Shift:
    """Approve a requested shift: it starts producing bookable slots."""
    return await service.decide(session, manager=user, shift_id=shift_id, approve=True)


@router.post("/shifts/{shift_id}/decline", responses=errors(401, 403, 404, 409))
async def decline(shift_id: IdPath, user: ManagerUser, session: WriteSessionDep) -> Shift:
    """Decline a requested shift."""
    return await service.decide(session, manager=user, shift_id=shift_id, approve=False)


@router.put("/shifts/{shift_id}", responses=errors(401, 403, 404, 409, 422))
async def update_shift(
    shift_id: IdPath, data: ShiftTimes, user: ManagerUser, session: WriteSessionDep
) -> Shift:
    """Change a shift's times (refused if booked appointments would fall outside it)."""
    return await service.update_shift(session, manager=user, shift_id=shift_id, data=data)


@router.delete("/shifts/{shift_id}", status_code=204, responses=errors(401, 403, 404, 409))
async def delete_shift(shift_id: IdPath, user: ManagerUser, session: WriteSessionDep) -> None:
    """Remove a shift without booked appointments."""
    await service.delete_shift(session, manager=user, shift_id=shift_id)


@router.post("/time-off", status_code=201, responses=errors(401, 403, 404, 409, 422))
async def add_time_off(
    data: TimeOffIn, user: CurrentUser, session: WriteSessionDep
) -> dict[str, object]:
    """Whole days off for a stylist (yourself, or one of your store's stylists)."""
    entry = await service.add_time_off(session, actor=user, data=data)
    return {
        "id": entry.id,
        "staff_id": entry.staff_id,
        "starts_at": entry.starts_at,
        "ends_at": entry.ends_at,
    }


@router.post("/shift-templates", status_code=201, responses=errors(401, 403, 404, 422))
async def create_template(
    data: TemplateIn, user: ManagerUser, session: SessionDep
) -> ShiftTemplate:
    """Add a weekly pattern (weekday 0 = Monday)."""
    return await service.create_template(session, manager=user, data=data)


@router.post(
    "/shift-templates/apply", status_code=status.HTTP_200_OK, responses=errors(401, 403, 404, 422)
)
async def apply_templates(
    data: ApplyTemplatesIn, user: ManagerUser, session: WriteSessionDep
) -> dict[str, int]:
    """Create approved shifts from the weekly patterns for the given weeks."""
    return {"created": await service.apply_templates(session, manager=user, data=data)}


@router.get("/roster", responses=errors(401, 403, 404, 422))
async def roster(
    user: ManagerUser,
    session: SessionDep,
    store_id: Annotated[Id, Query()],
    week: Annotated[date, Query()],
) -> dict[str, object]:
    """A store's week: shifts (requested and approved) and time off."""
    view = await service.week_view(session, manager=user, store_id=store_id, week=week)
    return {"shifts": view.shifts, "time_off": view.time_off}
