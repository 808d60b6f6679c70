"""Who is in each call, shared by every server process: in memory (one process) or Redis (many).

A member records the connection that currently holds it (``conn``), so the clean-up of a replaced
connection never removes the connection that replaced it. Admission is remembered per room, so a
participant who reconnects after a network drop goes straight back into the call, not the lobby;
``bye`` revokes it, so after hanging up the participant waits to be admitted again. The store also
keeps each pair's offer/answer state (``signaling.negotiation``), changed only by compare-and-swap,
so two processes relaying for one call agree on it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any, Protocol

ADMISSION_TTL_SECONDS = 6 * 3600  # longer than any consultation plus its grace period


@dataclass(frozen=True)
class Member:
    id: str
    role: str
    admitted: bool
    conn: str  # the token of the connection holding this member


class MemberStore(Protocol):
    async def put(self, room: str, member: Member) -> None: ...

    async def get(self, room: str, peer_id: str) -> Member | None: ...

    async def all(self, room: str) -> list[Member]: ...

    async def remove(self, room: str, peer_id: str, conn: str) -> bool:
        """Remove the member only while ``conn`` still holds it; True when it was removed."""
        ...

    async def admit(self, room: str, peer_id: str) -> Member | None: ...

    async def was_admitted(self, room: str, peer_id: str) -> bool: ...

    async def revoke(self, room: str, peer_id: str) -> None:
        """Forget that ``peer_id`` was admitted (it hung up)."""
        ...

    async def negotiation(self, room: str, pair: str) -> str: ...

    async def swap_negotiation(self, room: str, pair: str, old: str, new: str) -> bool:
        """Set the pair's state to ``new`` only while it is still ``old``; True when it was set."""
        ...

    async def reset_negotiations(self, room: str, peer_id: str) -> None:
        """Every pair with ``peer_id`` back to stable (it joined afresh or left)."""
        ...


def _involves(pair: str, peer_id: str) -> bool:
    return peer_id in pair.split("|")


class MemoryMemberStore:
    def __init__(self) -> None:
        self._members: dict[str, dict[str, Member]] = {}
        self._admitted: dict[str, set[str]] = {}
        self._negotiations: dict[str, dict[str, str]] = {}

    async def put(self, room: str, member: Member) -> None:
        self._members.setdefault(room, {})[member.id] = member

    async def get(self, room: str, peer_id: str) -> Member | None:
        return self._members.get(room, {}).get(peer_id)

    async def all(self, room: str) -> list[Member]:
        return list(self._members.get(room, {}).values())

    async def remove(self, room: str, peer_id: str, conn: str) -> bool:
        members = self._members.get(room, {})
        current = members.get(peer_id)
        if current is None or current.conn != conn:
            return False
        del members[peer_id]
        if not members:
            self._members.pop(room, None)
            # Nobody left: a later call in this room starts from the lobby again only after the
            # admission memory lapses, which in memory is when the process restarts.
        return True

    async def admit(self, room: str, peer_id: str) -> Member | None:
        member = self._members.get(room, {}).get(peer_id)
        if member is None:
            return None
        admitted = Member(member.id, member.role, True, member.conn)
        self._members[room][peer_id] = admitted
        self._admitted.setdefault(room, set()).add(peer_id)
        return admitted

    async def was_admitted(self, room: str, peer_id: str) -> bool:
        return peer_id in self._admitted.get(room, set())

    async def revoke(self, room: str, peer_id: str) -> None:
        self._admitted.get(room, set()).discard(peer_id)
        member = self._members.get(room, {}).get(peer_id)
        if member is not None:
            self._members[room][peer_id] = Member(member.id, member.role, False, member.conn)

    async def negotiation(self, room: str, pair: str) -> str:
        return self._negotiations.get(room, {}).get(pair, "")

    async def swap_negotiation(self, room: str, pair: str, old: str, new: str) -> bool:
        states = self._negotiations.setdefault(room, {})
        if states.get(pair, "") != old:
            return False
        if new:
            states[pair] = new
        else:
            states.pop(pair, None)
        return True

    async def reset_negotiations(self, room: str, peer_id: str) -> None:
        states = self._negotiations.get(room, {})
        for pair in [p for p in states if _involves(p, peer_id)]:
            del states[pair]


# Compare-and-delete: remove a member only if the stored record still names this connection.
_REMOVE_IF_HELD = """
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
if cjson.decode(raw)['conn'] ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
return 1
"""
# Compare-and-swap of one pair's negotiation state ('' is stable and stored as no field).
_SWAP_STATE = """
local current = redis.call('HGET', KEYS[1], ARGV[1]) or ''
if current ~= ARGV[2] then return 0 end
if ARGV[3] == '' then redis.call('HDEL', KEYS[1], ARGV[1])
else redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) end
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
"""


class RedisMemberStore:
    """A hash of members per room and a set of admitted ids, both expiring after six quiet hours."""

    def __init__(self, redis: Any, prefix: str = "call") -> None:
        self._redis = redis
        self._prefix = prefix
        self._remove_script = redis.register_script(_REMOVE_IF_HELD)
        self._swap_script = redis.register_script(_SWAP_STATE)

    def _members_key(self, room: str) -> str:
        return f"{self._prefix}:{room}:members"

    def _admitted_key(self, room: str) -> str:
        return f"{self._prefix}:{room}:admitted"

    def _negotiation_key(self, room: str) -> str:
        return f"{self._prefix}:{room}:negotiation"

    @staticmethod
    def _decode(raw: bytes | str) -> Member:
        return Member(**json.loads(raw))

    async def put(self, room: str, member: Member) -> None:
        key = self._members_key(room)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, member.id, json.dumps(asdict(member)))
            pipe.expire(key, ADMISSION_TTL_SECONDS)
            await pipe.execute()

    async def get(self, room: str, peer_id: str) -> Member | None:
        raw = await self._redis.hget(self._members_key(room), peer_id)
        return None if raw is None else self._decode(raw)

    async def all(self, room: str) -> list[Member]:
        raw = await self._redis.hgetall(self._members_key(room))
        return [self._decode(value) for value in raw.values()]

    async def remove(self, room: str, peer_id: str, conn: str) -> bool:
        removed = await self._remove_script(keys=[self._members_key(room)], args=[peer_id, conn])
        return bool(removed)

    async def admit(self, room: str, peer_id: str) -> Member | None:
        member = await self.get(room, peer_id)
        if member is None:
            return None
        admitted = Member(member.id, member.role, True, member.conn)
        key = self._admitted_key(room)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(self._members_key(room), peer_id, json.dumps(asdict(admitted)))
            pipe.sadd(key, peer_id)
            pipe.expire(key, ADMISSION_TTL_SECONDS)
            await pipe.execute()
        return admitted

    async def was_admitted(self, room: str, peer_id: str) -> bool:
        return bool(await self._redis.sismember(self._admitted_key(room), peer_id))

    async def revoke(self, room: str, peer_id: str) -> None:
        member = await self.get(room, peer_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.srem(self._admitted_key(room), peer_id)
            if member is not None:
                waiting = Member(member.id, member.role, False, member.conn)
                pipe.hset(self._members_key(room), peer_id, json.dumps(asdict(waiting)))
            await pipe.execute()

    async def negotiation(self, room: str, pair: str) -> str:
        raw = await self._redis.hget(self._negotiation_key(room), pair)
        return "" if raw is None else raw.decode() if isinstance(raw, bytes) else str(raw)

    async def swap_negotiation(self, room: str, pair: str, old: str, new: str) -> bool:
        swapped = await self._swap_script(
            keys=[self._negotiation_key(room)], args=[pair, old, new, ADMISSION_TTL_SECONDS]
        )
        return bool(swapped)

    async def reset_negotiations(self, room: str, peer_id: str) -> None:
        key = self._negotiation_key(room)
        pairs = [p.decode() if isinstance(p, bytes) else p for p in await self._redis.hkeys(key)]
        stale = [p for p in pairs if _involves(p, peer_id)]
        if stale:
            await self._redis.hdel(key, *stale)
