"""Passwords (argon2id), opaque tokens, signed cookies and CSRF tokens."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verifying against this when the account does not exist keeps login time the same either way.
_DUMMY_HASH = _hasher.hash("closetcall-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


async def hash_password_async(password: str) -> str:
    """Hash in a worker thread: argon2 takes ~100 ms of CPU and must not stall the event loop."""
    return await asyncio.to_thread(hash_password, password)


async def verify_password_async(password_hash: str | None, password: str) -> bool:
    return await asyncio.to_thread(verify_password, password_hash, password)


def password_needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def new_token() -> str:
    """An unguessable token for a URL or cookie (256 bits)."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What we store instead of a token, so a database leak does not hand out live links."""
    return hashlib.sha256(token.encode()).hexdigest()


def sign(value: str, secret: str, purpose: str) -> str:
    mac = hmac.new(secret.encode(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()
    return f"{value}.{mac[:32]}"


def unsign(signed: str | None, secret: str, purpose: str) -> str | None:
    if not signed or "." not in signed:
        return None
    value, _, _mac = signed.rpartition(".")
    expected = sign(value, secret, purpose)
    return value if hmac.compare_digest(expected.encode(), signed.encode()) else None


def same_token(a: str | None, b: str | None) -> bool:
    # Compare bytes: compare_digest raises TypeError on non-ASCII str (a 500 from one bad cookie).
    return bool(a) and bool(b) and hmac.compare_digest(str(a).encode(), str(b).encode())
