"""Row locks taken in one global order, so that two writers can never deadlock.

Every write that can put an appointment on a stylist's calendar, or change the shifts under it,
serialises on row locks (``SELECT … FOR UPDATE`` on PostgreSQL). Two transactions that take the
same locks in different orders deadlock, so every lock goes through ``acquire`` and the order is
checked at run time: locks are taken by ascending ``(level, key)``. A transaction that already
holds a lock may take it again; one that asks for a lock *below* one it holds has a bug, and
``LockOrderError`` says so before the database has a chance to deadlock.

The levels, lowest first:

1. ``customer``    the customer's account row: one booking request per customer at a time, so a
                   retried request with the same ``Idempotency-Key`` finds the first one.
2. ``appointment`` the appointment row being changed (reschedule, hand-off, cancel, mark).
3. ``calendar``    each stylist's profile row: the stylist's appointments, shifts and time off.

On SQLite ``FOR UPDATE`` is not emitted; there a writing request already holds the database's
write lock from its ``BEGIN IMMEDIATE`` (see ``core/db.py``). The order is still recorded and
checked there, so a test on either database catches a path that takes locks out of order.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession


class LockLevel(IntEnum):
    customer = 1
    appointment = 2
    calendar = 3


class LockOrderError(RuntimeError):
    """A code path asked for a lock below one it already holds (a deadlock waiting to happen)."""


@dataclass
class _Held:
    transaction: Any
    keys: list[tuple[int, int]] = field(default_factory=list)


def _held(session: AsyncSession) -> _Held:
    """The locks the session's current transaction holds (a new transaction holds none)."""
    transaction = session.sync_session.get_transaction()
    if transaction is None:  # nothing ran yet: begin now, so the first lock is recorded in it
        transaction = session.sync_session.begin()
    while transaction is not None and transaction.parent is not None:
        transaction = transaction.parent
    held: _Held | None = session.info.get("closetcall_locks")
    if held is None or held.transaction is not transaction:
        held = _Held(transaction)
        session.info["closetcall_locks"] = held
    return held


def held_locks(session: AsyncSession) -> list[tuple[LockLevel, int]]:
    """The locks this transaction holds, in the order they were taken."""
    return [(LockLevel(level), key) for level, key in _held(session).keys]


async def acquire(
    session: AsyncSession,
    level: LockLevel,
    keys: Iterable[int],
    lock: Callable[[int], Awaitable[object]],
) -> None:
    """Take the locks ``(level, key)`` for every key, ascending, checking the global order.

    ``lock(key)`` runs the locking statement for one key. Keys already held are locked again
    (harmless, and it refreshes a row read under the lock).
    """
    held = _held(session)
    for key in sorted(set(keys)):
        wanted = (int(level), key)
        if wanted not in held.keys:
            if held.keys and max(held.keys) > wanted:
                top_level, top_key = max(held.keys)
                raise LockOrderError(
                    f"lock {level.name}:{key} requested while holding "
                    f"{LockLevel(top_level).name}:{top_key}; locks go by ascending (level, key)"
                )
            held.keys.append(wanted)
        await lock(key)
