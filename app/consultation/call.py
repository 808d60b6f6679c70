"""The call page: lobby, video, controls and the chat beside them (the browser does the media)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.accounts.deps import CurrentUser
from app.booking import service as booking
from app.booking import views as booking_views
from app.chat import service as chat
from app.chat import views as chat_views
from app.consultation.window import call_window
from app.core.db import WriteSessionDep
from app.core.i18n import format_datetime, get_locale
from app.core.templating import render
from app.core.types import IdPath, utcnow
from app.wardrobe.closet import service as closet
from app.wardrobe.closet import vocabulary as vocab

router = APIRouter(include_in_schema=False)


@router.get("/appointments/{appointment_id}/call")
async def call_page(
    request: Request, appointment_id: IdPath, user: CurrentUser, session: WriteSessionDep
) -> Response:
    """Show the lobby and call for the appointment's customer, its stylist or a store manager."""
    appointment = await booking.load_for(session, viewer=user, appointment_id=appointment_id)
    settings = request.app.state.settings
    window = call_window(
        appointment,
        opens_before=settings.call_opens_minutes_before,
        grace_after=settings.call_grace_minutes_after,
    )
    (view,) = await booking_views.describe(session, [appointment], user.locale)
    if user.id == appointment.customer_id:
        role, other_name = "customer", view.stylist
    elif user.id == appointment.staff_id:
        role, other_name = "stylist", view.customer
    else:
        role, other_name = "manager", view.customer
    chat_panel = None
    if role != "manager":
        conversation = await chat.open_conversation(
            session,
            viewer=user,
            customer_id=appointment.customer_id,
            staff_id=appointment.staff_id,
        )
        chat_panel = await chat_views.panel(
            session, viewer=user, conversation=conversation, settings=settings
        )
    # Beside the video for staff: the customer's wardrobe (never a hidden or retired item).
    wardrobe_panel = (
        await closet.wardrobe_for_staff(
            session, viewer=user, customer_id=appointment.customer_id, locale=get_locale()
        )
        if role != "customer"
        else None
    )
    return render(
        request,
        "consultation/call.html",
        {
            "appointment": appointment,
            "view": view,
            "role": role,
            "other_name": other_name,
            "window_state": window.state(utcnow()),
            "opens_at": format_datetime(window.opens_at, view.time_zone, user.locale),
            "wardrobe_panel": wardrobe_panel,
            "snapshot": _snapshot_choices(get_locale()) if role != "customer" else None,
        }
        | ({"chat": True, **chat_panel} if chat_panel else {"chat": False}),
    )


def _snapshot_choices(locale: str) -> dict[str, Any]:
    """What the stylist picks from when she files a snapshot: slot and colour, as the customer's
    own closet form offers them, plus the kinds of item, to guess the slot from the label."""
    return {
        "slots": [(s.code, s.label(locale)) for s in vocab.SLOTS],
        "colours": [(c.code, c.label(locale), c.rgb) for c in vocab.COLOURS],
        "kinds": [[c.ja, c.en, c.slot] for c in vocab.CATEGORIES],
    }
