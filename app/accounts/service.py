"""Account use cases: sign up, log in and out, reset a password, invite and onboard staff."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from app.access import audit
from app.access.policy import mask_email
from app.accounts import repository as repo
from app.accounts.models import AuthSession, Invitation, PasswordReset, Role, User
from app.accounts.schemas import (
    InvitationAcceptIn,
    InvitationIn,
    LoginIn,
    PasswordResetIn,
    SignupIn,
)
from app.core.config import Settings
from app.core.errors import AppError, Conflict, Forbidden, NotFound
from app.core.events import after_commit
from app.core.i18n import gettext as _
from app.core.mail import Postman
from app.core.security import (
    hash_password_async,
    new_token,
    password_needs_rehash,
    token_digest,
    verify_password_async,
)
from app.core.types import utcnow
from app.customer import service as customers
from app.store import service as stores


class EmailTaken(Conflict):
    code = "email_taken"


class InvalidCredentials(AppError):
    status = 401
    code = "invalid_credentials"
    commit_changes = True  # the failed attempt is counted


class TooManyAttempts(AppError):
    status = 429
    code = "too_many_attempts"


MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15


class LinkInvalid(AppError):
    status = 400
    code = "link_invalid"


class LinkExpired(AppError):
    status = 410
    code = "link_expired"


async def sign_up(session: AsyncSession, *, data: SignupIn, locale: str) -> User:
    """Create a customer account and its empty profile."""
    if await repo.user_by_email(session, data.email):
        raise EmailTaken(
            _("An account with this email already exists. Log in, or reset your password."),
            field="email",
        )
    user = User(
        email=data.email,
        password_hash=await hash_password_async(data.password),
        role=Role.customer,
        family_name=data.family_name,
        given_name=data.given_name,
        family_name_kana=data.family_name_kana,
        given_name_kana=data.given_name_kana,
        locale=locale,
    )
    await _insert_user(session, user)
    assert user.id is not None
    await customers.create_profile(
        session, user_id=user.id, marketing_consent=data.marketing_consent
    )
    return user


async def _insert_user(session: AsyncSession, user: User) -> None:
    session.add(user)
    try:
        await session.flush()
    except IntegrityError as exc:  # two sign-ups racing for one address
        raise EmailTaken(
            _("An account with this email already exists. Log in, or reset your password."),
            field="email",
        ) from exc


async def log_in(session: AsyncSession, *, data: LoginIn) -> User:
    """Check an email and password; the same answer whether the email or password was wrong."""
    user = await repo.user_by_email(session, data.email.strip().lower())
    now = utcnow()
    if user is not None and user.locked_until is not None and user.locked_until > now:
        minutes = max(1, -(-int((user.locked_until - now).total_seconds()) // 60))
        raise TooManyAttempts(
            _(
                "Too many failed attempts. Try again in %(minutes)s minutes, or reset your password.",  # noqa: E501
                minutes=minutes,
            )
        )
    ok = await verify_password_async(user.password_hash if user else None, data.password)
    if not user or not ok or not user.is_active:
        await audit.record(
            session,
            actor_id=user.id if user else None,
            action=audit.Action.login_failed,
            detail=mask_email(data.email.strip().lower()),  # never the whole typed address
        )
        if user is not None and _count_failure(user, now):
            await audit.record(session, actor_id=user.id, action=audit.Action.lockout)
        if user is not None:
            session.add(user)
        raise InvalidCredentials(_("That email and password do not match. Please try again."))
    if password_needs_rehash(user.password_hash):
        user.password_hash = await hash_password_async(data.password)
    user.last_login_at = now
    user.failed_logins, user.locked_until = 0, None
    session.add(user)
    await audit.record(session, actor_id=user.id, action=audit.Action.login)
    return user


def _count_failure(user: User, now: datetime) -> bool:
    """Five wrong passwords in a row lock the account for a quarter of an hour (True: locked)."""
    user.failed_logins += 1
    if user.failed_logins >= MAX_FAILED_LOGINS:
        user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
        user.failed_logins = 0
        return True
    return False


async def open_session(
    session: AsyncSession, *, user: User, settings: Settings, previous_token: str | None
) -> str:
    """Start a fresh server-side session (a new id at every login) and return its token."""
    if previous_token:
        await repo.delete_session(session, token_digest(previous_token))
    token = new_token()
    assert user.id is not None
    session.add(
        AuthSession(
            id=token_digest(token),
            user_id=user.id,
            expires_at=utcnow() + timedelta(days=settings.session_days),
        )
    )
    return token


async def close_session(session: AsyncSession, *, token: str | None) -> None:
    """End the session behind this token (logging out)."""
    if token:
        await repo.delete_session(session, token_digest(token))


async def viewer_for(session: AsyncSession, *, token: str | None) -> User | None:
    """The active user behind a session token, if the session is still valid."""
    if not token:
        return None
    return await repo.user_for_session(session, token_digest(token), utcnow())


async def request_password_reset(
    session: AsyncSession, *, email: str, postman: Postman, settings: Settings
) -> None:
    """Email a single-use reset link. Says nothing about whether the address has an account."""
    user = await repo.user_by_email(session, email)
    if not user or not user.is_active:
        return
    token = new_token()
    assert user.id is not None
    session.add(
        PasswordReset(
            user_id=user.id,
            token_digest=token_digest(token),
            expires_at=utcnow() + timedelta(minutes=settings.password_reset_minutes),
        )
    )
    link = f"{settings.public_base_url}/password/reset/{token}"
    context = {"name": user.family_name, "link": link, "minutes": settings.password_reset_minutes}
    after_commit(
        session, lambda: postman.deliver(user.email, "password_reset", context, user.locale)
    )


async def check_reset_link(session: AsyncSession, *, token: str) -> PasswordReset:
    """The reset behind a link, or an error saying why the link no longer works."""
    reset = await repo.reset_by_digest(session, token_digest(token))
    if reset is None or reset.used_at is not None:
        raise LinkInvalid(
            _("This reset link is not valid or has already been used. Please request a new one.")
        )
    if reset.expires_at <= utcnow():
        raise LinkExpired(_("This reset link has expired. Please request a new one."))
    return reset


async def reset_password(session: AsyncSession, *, token: str, data: PasswordResetIn) -> User:
    """Set a new password from a reset link, use the link up and log out every other session."""
    reset = await check_reset_link(session, token=token)
    user = await repo.user_by_id(session, reset.user_id)
    if user is None:
        raise LinkInvalid(_("This reset link is not valid. Please request a new one."))
    user.password_hash = await hash_password_async(data.password)
    user.failed_logins, user.locked_until = 0, None  # proving ownership by email unlocks
    reset.used_at = utcnow()
    session.add_all([user, reset])
    await repo.use_up_resets_of(session, reset.user_id, reset.used_at)
    await repo.delete_sessions_of(session, reset.user_id)
    return user


async def invite(
    session: AsyncSession,
    *,
    inviter: User,
    data: InvitationIn,
    postman: Postman,
    settings: Settings,
) -> Invitation:
    """Invite a stylist or manager to a store the inviter manages."""
    assert inviter.id is not None
    store = await stores.get_store(session, store_id=data.store_id)
    if inviter.role != Role.admin and not await stores.manages(
        session, user_id=inviter.id, store_id=data.store_id
    ):
        raise Forbidden(_("You can only invite people to stores you manage."), field="store_id")
    if await repo.user_by_email(session, data.email):
        raise EmailTaken(_("Someone already has an account with this email."), field="email")
    token = new_token()
    invitation = Invitation(
        email=data.email,
        role=data.role,
        store_id=data.store_id,
        invited_by_id=inviter.id,
        token_digest=token_digest(token),
        expires_at=utcnow() + timedelta(days=settings.invitation_days),
        works_remotely=data.works_remotely,
        skills=list(data.skills),
        languages=list(data.languages),
    )
    session.add(invitation)
    context = {
        "inviter": f"{inviter.family_name} {inviter.given_name}",
        "store_ja": store.name_ja,
        "store_en": store.name_en,
        "role": data.role,
        "link": f"{settings.public_base_url}/invitations/{token}",
        "days": settings.invitation_days,
    }
    after_commit(
        session, lambda: postman.deliver(data.email, "invitation", context, inviter.locale)
    )
    return invitation


async def check_invitation(session: AsyncSession, *, token: str) -> Invitation:
    """The open invitation behind a link, or an error saying why it no longer works."""
    invitation = await repo.invitation_by_digest(session, token_digest(token))
    if invitation is None or invitation.accepted_at is not None:
        raise LinkInvalid(_("This invitation is not valid or has already been used."))
    if invitation.expires_at <= utcnow():
        raise LinkExpired(_("This invitation has expired. Please ask your manager for a new one."))
    return invitation


async def accept_invitation(
    session: AsyncSession, *, token: str, data: InvitationAcceptIn, locale: str
) -> User:
    """Create the invited stylist's or manager's account and attach it to the store."""
    invitation = await check_invitation(session, token=token)
    if await repo.user_by_email(session, invitation.email):
        raise EmailTaken(_("Someone already has an account with this email."))
    user = User(
        email=invitation.email,
        password_hash=await hash_password_async(data.password),
        role=invitation.role,
        family_name=data.family_name,
        given_name=data.given_name,
        family_name_kana=data.family_name_kana,
        given_name_kana=data.given_name_kana,
        locale=locale,
    )
    await _insert_user(session, user)
    assert user.id is not None
    await stores.join_store(
        session,
        user_id=user.id,
        role=invitation.role,
        store_id=invitation.store_id,
        works_remotely=invitation.works_remotely,
        skills=invitation.skills,
        languages=invitation.languages,
    )
    invitation.accepted_at = utcnow()
    session.add(invitation)
    return user


async def users_by_id(session: AsyncSession, *, ids: set[int]) -> dict[int, User]:
    """Several users in one query, keyed by id (for lists that show names)."""
    return {u.id: u for u in await repo.users_by_ids(session, ids) if u.id is not None}


async def change_locale(session: AsyncSession, *, user_id: int, locale: str) -> None:
    """Remember the language a signed-in person chose."""
    user = await repo.user_by_id(session, user_id)
    if user is None:
        raise NotFound(_("We could not find your account."))
    user.locale = locale
    session.add(user)


async def invitations_for(session: AsyncSession, *, manager: User) -> list[Invitation]:
    """The latest invitations to the stores this manager runs."""
    assert manager.id is not None
    store_ids = [s.id for s in await stores.stores_managed_by(session, user=manager)]
    return await repo.invitations_for_stores(session, [i for i in store_ids if i is not None])
