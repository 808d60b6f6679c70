"""JSON API for accounts under /api/v1: thin handlers, one service call each."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from app.accounts import service
from app.accounts.context import login_cookies, logout_cookies
from app.accounts.deps import (
    CsrfProtected,
    CurrentUser,
    ManagerUser,
    PostmanDep,
    SettingsDep,
)
from app.accounts.models import InvitationPublic, UserPublic
from app.accounts.schemas import (
    InvitationIn,
    LocaleIn,
    LoginIn,
    PasswordResetIn,
    PasswordResetRequestIn,
    SignupIn,
)
from app.core.db import SessionDep
from app.core.i18n import get_locale
from app.core.openapi import errors

router = APIRouter(prefix="/api/v1", tags=["accounts"], dependencies=[CsrfProtected])


def _set_cookies(response: Response, values: list[str]) -> None:
    for value in values:
        response.headers.append("set-cookie", value)


@router.get("/auth/csrf")
async def csrf_token(request: Request) -> dict[str, str]:
    """Return the CSRF token to send as X-CSRF-Token with every state-changing call."""
    return {"csrf_token": request.state.csrf_token}


@router.post(
    "/auth/signup",
    status_code=status.HTTP_201_CREATED,
    responses=errors(403, 409, 422),
)
async def sign_up(
    data: SignupIn, session: SessionDep, response: Response, settings: SettingsDep
) -> UserPublic:
    """Create a customer account and log it in."""
    user = await service.sign_up(session, data=data, locale=get_locale())
    token = await service.open_session(session, user=user, settings=settings, previous_token=None)
    _set_cookies(response, login_cookies(settings, token))
    return UserPublic.model_validate(user, from_attributes=True)


@router.post("/auth/login", responses=errors(401, 403, 422, 429))
async def log_in(
    data: LoginIn,
    session: SessionDep,
    request: Request,
    response: Response,
    settings: SettingsDep,
) -> UserPublic:
    """Log in with email and password; the session id is new at every login."""
    user = await service.log_in(session, data=data)
    token = await service.open_session(
        session, user=user, settings=settings, previous_token=request.state.session_token
    )
    _set_cookies(response, login_cookies(settings, token))
    return UserPublic.model_validate(user, from_attributes=True)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT, responses=errors(403))
async def log_out(
    session: SessionDep, request: Request, response: Response, settings: SettingsDep
) -> None:
    """End this session."""
    await service.close_session(session, token=request.state.session_token)
    _set_cookies(response, logout_cookies(settings))


@router.post(
    "/auth/password-reset", status_code=status.HTTP_202_ACCEPTED, responses=errors(403, 422)
)
async def request_password_reset(
    data: PasswordResetRequestIn, session: SessionDep, postman: PostmanDep, settings: SettingsDep
) -> dict[str, str]:
    """Email a reset link if the address has an account (the answer is the same either way)."""
    await service.request_password_reset(
        session, email=data.email, postman=postman, settings=settings
    )
    return {"status": "accepted"}


@router.post("/auth/password-reset/{token}", responses=errors(400, 403, 410, 422))
async def reset_password(token: str, data: PasswordResetIn, session: SessionDep) -> UserPublic:
    """Set a new password with a reset link's token; other sessions are logged out."""
    user = await service.reset_password(session, token=token, data=data)
    return UserPublic.model_validate(user, from_attributes=True)


@router.get("/me", responses=errors(401))
async def me(user: CurrentUser) -> UserPublic:
    """The signed-in user."""
    return UserPublic.model_validate(user, from_attributes=True)


@router.put("/me/locale", status_code=status.HTTP_204_NO_CONTENT, responses=errors(401, 403, 422))
async def set_locale(data: LocaleIn, user: CurrentUser, session: SessionDep) -> None:
    """Change the signed-in user's language."""
    assert user.id is not None
    await service.change_locale(session, user_id=user.id, locale=data.locale)


@router.post(
    "/invitations", status_code=status.HTTP_201_CREATED, responses=errors(401, 403, 404, 409, 422)
)
async def invite(
    data: InvitationIn,
    user: ManagerUser,
    session: SessionDep,
    postman: PostmanDep,
    settings: SettingsDep,
) -> InvitationPublic:
    """Invite a stylist or manager to a store you manage (an email with a link is sent)."""
    invitation = await service.invite(
        session, inviter=user, data=data, postman=postman, settings=settings
    )
    return InvitationPublic.model_validate(invitation, from_attributes=True)
