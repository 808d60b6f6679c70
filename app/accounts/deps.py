"""Permission dependencies, declared once and used in every signature."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.accounts.models import STAFF_ROLES, Role, User
from app.core.config import Settings
from app.core.errors import CsrfFailed, Forbidden, NotAuthenticated
from app.core.i18n import gettext as _
from app.core.mail import Postman
from app.core.security import same_token

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def optional_user(request: Request) -> User | None:
    return request.state.user


def require_user(request: Request) -> User:
    user: User | None = request.state.user
    if user is None:
        raise NotAuthenticated(_("Please log in to continue."))
    return user


def require_staff(user: Annotated[User, Depends(require_user)]) -> User:
    if user.role not in STAFF_ROLES:
        raise Forbidden(_("This page is for stylists and managers."))
    return user


def require_manager(user: Annotated[User, Depends(require_user)]) -> User:
    if user.role not in (Role.manager, Role.admin):
        raise Forbidden(_("This page is for store managers."))
    return user


def require_customer(user: Annotated[User, Depends(require_user)]) -> User:
    if user.role != Role.customer:
        raise Forbidden(_("This page is for customers."))
    return user


async def csrf_protect(request: Request) -> None:
    """Every state-changing request carries the CSRF token: a form field or X-CSRF-Token header."""
    if request.method not in UNSAFE_METHODS:
        return
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get("csrf_token")
            sent = value if isinstance(value, str) else None
    if not same_token(sent, request.state.csrf_token):
        raise CsrfFailed(
            _("Your form expired or came from another site. Please reload the page and try again.")
        )


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def get_postman(request: Request) -> Postman:
    return request.app.state.postman


OptionalUser = Annotated[User | None, Depends(optional_user)]
CurrentUser = Annotated[User, Depends(require_user)]
StaffUser = Annotated[User, Depends(require_staff)]
ManagerUser = Annotated[User, Depends(require_manager)]
CustomerUser = Annotated[User, Depends(require_customer)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
PostmanDep = Annotated[Postman, Depends(get_postman)]
CsrfProtected = Depends(csrf_protect)
