"""HTML pages for signing up, logging in and out, resetting passwords and accepting invitations."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts import service
from app.accounts.context import language_cookie, login_cookies, logout_cookies
from app.accounts.deps import CsrfProtected, OptionalUser, PostmanDep, SettingsDep
from app.accounts.models import Role, User
from app.accounts.schemas import (
    InvitationAcceptIn,
    LocaleIn,
    LoginIn,
    PasswordResetIn,
    PasswordResetRequestIn,
    SignupIn,
)
from app.core.db import SessionDep
from app.core.errors import AppError
from app.core.forms import parse_form
from app.core.i18n import get_locale
from app.core.templating import render

router = APIRouter(include_in_schema=False, dependencies=[CsrfProtected])

HOME_BY_ROLE = {
    Role.customer: "/me",
    Role.staff: "/stylist",
    Role.manager: "/manager",
    Role.admin: "/manager",
}


def safe_next(target: str | None, default: str = "/home") -> str:
    """Only redirect to paths on this site (no scheme, no //host)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return default


def redirect(url: str, cookies: list[str] | None = None) -> Response:
    response = RedirectResponse(url, status_code=303)
    for value in cookies or []:
        response.headers.append("set-cookie", value)
    return response


def _logged_in(user: User, settings_cookies: list[str], target: str | None) -> Response:
    home = HOME_BY_ROLE.get(Role(user.role), "/")
    return redirect(safe_next(target, home), settings_cookies)


@router.get("/")
async def landing(request: Request) -> Response:
    return render(request, "landing.html")


@router.get("/home")
async def home(user: OptionalUser) -> Response:
    if user is None:
        return redirect("/login")
    return redirect(HOME_BY_ROLE.get(Role(user.role), "/"))


@router.get("/signup")
async def signup_page(request: Request, user: OptionalUser) -> Response:
    if user is not None:
        return redirect("/home")
    return render(request, "accounts/signup.html", {"values": {}, "errors": {}})


@router.post("/signup")
async def signup_submit(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    data, values, errors = parse_form(SignupIn, await request.form())
    if data is None:
        return render(request, "accounts/signup.html", {"values": values, "errors": errors}, 422)
    try:
        user = await service.sign_up(session, data=data, locale=get_locale())
    except AppError as exc:
        errors = {exc.field or "form": exc.detail}
        return render(
            request, "accounts/signup.html", {"values": values, "errors": errors}, exc.status
        )
    token = await service.open_session(
        session, user=user, settings=settings, previous_token=request.state.session_token
    )
    return redirect("/me?welcome=1", login_cookies(settings, token))


@router.get("/login")
async def login_page(request: Request, user: OptionalUser, next: str | None = None) -> Response:
    if user is not None:
        return redirect(safe_next(next))
    return render(request, "accounts/login.html", {"values": {}, "errors": {}, "next": next})


@router.post("/login")
async def login_submit(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    form = await request.form()
    target = form.get("next")
    next_url = target if isinstance(target, str) else None
    data, values, errors = parse_form(LoginIn, form)
    context = {"values": values, "errors": errors, "next": next_url}
    if data is None:
        return render(request, "accounts/login.html", context, 422)
    try:
        user = await service.log_in(session, data=data)
    except AppError as exc:
        context["errors"] = {"form": exc.detail}
        return render(request, "accounts/login.html", context, exc.status)
    token = await service.open_session(
        session, user=user, settings=settings, previous_token=request.state.session_token
    )
    return _logged_in(user, login_cookies(settings, token), next_url)


@router.post("/logout")
async def logout(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    await service.close_session(session, token=request.state.session_token)
    return redirect("/login?bye=1", logout_cookies(settings))


@router.post("/language")
async def change_language(
    request: Request, session: SessionDep, settings: SettingsDep, user: OptionalUser
) -> Response:
    form = await request.form()
    data, _values, _errors = parse_form(LocaleIn, form)
    back = form.get("next")
    target = safe_next(back if isinstance(back, str) else None, "/")
    if data is None:
        return redirect(target)
    if user is not None and user.id is not None:
        await service.change_locale(session, user_id=user.id, locale=data.locale)
    return redirect(target, [language_cookie(settings, data.locale)])


@router.get("/password/forgot")
async def forgot_page(request: Request) -> Response:
    return render(request, "accounts/forgot.html", {"values": {}, "errors": {}, "sent": False})


@router.post("/password/forgot")
async def forgot_submit(
    request: Request, session: SessionDep, postman: PostmanDep, settings: SettingsDep
) -> Response:
    data, values, errors = parse_form(PasswordResetRequestIn, await request.form())
    if data is None:
        context = {"values": values, "errors": errors, "sent": False}
        return render(request, "accounts/forgot.html", context, 422)
    await service.request_password_reset(
        session, email=data.email, postman=postman, settings=settings
    )
    return render(request, "accounts/forgot.html", {"values": values, "errors": {}, "sent": True})


@router.get("/password/reset/{token}")
async def reset_page(request: Request, token: str, session: SessionDep) -> Response:
    await service.check_reset_link(session, token=token)
    return render(request, "accounts/reset.html", {"errors": {}, "token": token})


@router.post("/password/reset/{token}")
async def reset_submit(request: Request, token: str, session: SessionDep) -> Response:
    data, _values, errors = parse_form(PasswordResetIn, await request.form())
    if data is None:
        await service.check_reset_link(session, token=token)
        return render(request, "accounts/reset.html", {"errors": errors, "token": token}, 422)
    await service.reset_password(session, token=token, data=data)
    return redirect("/login?reset=1")


@router.get("/invitations/{token}")
async def invitation_page(request: Request, token: str, session: SessionDep) -> Response:
    invitation = await service.check_invitation(session, token=token)
    context = {"values": {}, "errors": {}, "token": token, "invitation": invitation}
    return render(request, "accounts/invitation.html", context)


@router.post("/invitations/{token}")
async def invitation_submit(
    request: Request, token: str, session: SessionDep, settings: SettingsDep
) -> Response:
    invitation = await service.check_invitation(session, token=token)
    data, values, errors = parse_form(InvitationAcceptIn, await request.form())
    context = {"values": values, "errors": errors, "token": token, "invitation": invitation}
    if data is None:
        return render(request, "accounts/invitation.html", context, 422)
    user = await service.accept_invitation(session, token=token, data=data, locale=get_locale())
    session_token = await service.open_session(
        session, user=user, settings=settings, previous_token=request.state.session_token
    )
    return _logged_in(user, login_cookies(settings, session_token), None)
