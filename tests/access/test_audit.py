"""The audit log: reads of customer data and sign-ins are recorded; the log is append-only
(the database refuses changes) and ``verify`` finds a row altered or deleted behind its back."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.access import audit
from app.access.models import AuditEvent
from tests.factories import (
    PASSWORD,
    csrf_of,
    login,
    make_appointment,
    make_customer,
    make_service,
    make_store,
    make_stylist,
    tomorrow_at,
)


async def _events(session: AsyncSession) -> list[AuditEvent]:
    session.expire_all()
    return list((await session.exec(select(AuditEvent).order_by(col(AuditEvent.id)))).all())


def _dialect(session: AsyncSession) -> str:
    assert session.bind is not None
    return session.bind.dialect.name


class TestWhatIsRecorded:
    async def test_a_stylist_reading_a_customer_is_on_record(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        store = await make_store(session)
        stylist, customer = await make_stylist(session, store), await make_customer(session)
        await make_appointment(
            session,
            customer=customer,
            stylist=stylist,
            service=await make_service(session, store),
            start=tomorrow_at(11),
        )
        stylist_id, customer_id = stylist.id, customer.id
        await login(client, stylist.email)
        agent = {"user-agent": "AuditTest/1.0"}
        for path in ("", "/purchases", "/owned-items"):
            response = await client.get(f"/api/v1/customers/{customer.id}{path}", headers=agent)
            assert response.status_code == 200, path
        assert (await client.get(f"/customers/{customer.id}", headers=agent)).status_code == 200
        reads = [e for e in await _events(session) if e.customer_id == customer_id]
        assert [e.action for e in reads] == [
            audit.Action.customer_profile_read,
            audit.Action.customer_purchases_read,
            audit.Action.customer_wardrobe_read,
            audit.Action.customer_page_read,
        ]
        first = reads[0]
        assert first.actor_id == stylist_id and first.user_agent == "AuditTest/1.0"
        assert first.ip is not None
        # Masked contact data was not shown, so it is not listed as read.
        assert first.fields == ["name", "sizes"]

    async def test_the_customers_own_reads_are_not_recorded(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        customer = await make_customer(session)
        customer_id = customer.id
        await login(client, customer.email)
        assert (await client.get(f"/api/v1/customers/{customer_id}")).status_code == 200
        assert not [e for e in await _events(session) if e.customer_id == customer_id]

    async def test_sign_ins_and_failed_sign_ins_are_recorded_without_the_typed_address(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        customer = await make_customer(session)
        customer_id, email = customer.id, customer.email
        token = await csrf_of(client)
        typed = "nobody.here@example.jp"
        await client.post("/login", data={"csrf_token": token, "email": typed, "password": "x"})
        await login(client, email, PASSWORD)
        events = [e for e in await _events(session) if e.action.startswith("auth.")]
        assert [e.action for e in events][-2:] == [audit.Action.login_failed, audit.Action.login]
        failed = events[-2]
        assert failed.actor_id is None and failed.detail == "n***@example.jp"
        assert typed not in (failed.detail or "")
        assert events[-1].actor_id == customer_id


class TestAppendOnly:
    async def _one(self, session: AsyncSession) -> AuditEvent:
        return await audit.record(session, actor_id=None, action=audit.Action.login_failed)

    @pytest.mark.parametrize(
        "statement", ["UPDATE audit_event SET action = 'x'", "DELETE FROM audit_event"]
    )
    async def test_the_database_refuses_changes(
        self, session: AsyncSession, statement: str
    ) -> None:
        await self._one(session)
        with pytest.raises(DBAPIError, match="append-only"):
            async with session.begin_nested():
                await session.exec(text(statement))  # type: ignore[call-overload]
        assert len(await _events(session)) >= 1


class TestVerify:
    async def _chain(self, session: AsyncSession, n: int) -> list[AuditEvent]:
        return [
            await audit.record(
                session, actor_id=i, action=audit.Action.customer_page_read, customer_id=100 + i
            )
            for i in range(n)
        ]

    async def _without_triggers(self, session: AsyncSession) -> None:
        """What someone with direct database access could do: drop the guard first."""
        if _dialect(session) == "postgresql":
            await session.exec(text("ALTER TABLE audit_event DISABLE TRIGGER USER"))  # type: ignore[call-overload]
        else:
            for name in ("audit_event_no_update", "audit_event_no_delete"):
                await session.exec(text(f"DROP TRIGGER {name}"))  # type: ignore[call-overload]

    async def test_an_intact_chain_checks_out(self, session: AsyncSession) -> None:
        rows = await self._chain(session, 5)
        assert rows[1].prev_hash == rows[0].hash
        verdict = await audit.verify(session)
        assert verdict.ok and verdict.rows == len(await _events(session))

    async def test_a_deleted_row_is_reported(self, session: AsyncSession) -> None:
        rows = await self._chain(session, 5)
        await self._without_triggers(session)
        delete = text("DELETE FROM audit_event WHERE id = :id").bindparams(id=rows[2].id)
        await session.exec(delete)  # type: ignore[call-overload]
        verdict = await audit.verify(session)
        assert [(p.id, p.kind) for p in verdict.problems] == [(rows[3].id, "missing")]

    async def test_an_altered_row_is_reported(self, session: AsyncSession) -> None:
        rows = await self._chain(session, 5)
        await self._without_triggers(session)
        alter = text("UPDATE audit_event SET customer_id = 999 WHERE id = :id")
        await session.exec(alter.bindparams(id=rows[1].id))  # type: ignore[call-overload]
        verdict = await audit.verify(session)
        assert [(p.id, p.kind) for p in verdict.problems] == [(rows[1].id, "altered")]

    async def test_an_altered_row_with_a_recomputed_hash_breaks_the_next_link(
        self, session: AsyncSession
    ) -> None:
        rows = await self._chain(session, 4)
        await self._without_triggers(session)
        forged = audit.content_hash(
            id=rows[1].id, at=rows[1].at, actor_id=rows[1].actor_id, action=rows[1].action,
            customer_id=999, fields=rows[1].fields, reason=None, ip=None, user_agent=None,
            detail=None, prev_hash=rows[1].prev_hash,
        )  # fmt: skip
        alter = text("UPDATE audit_event SET customer_id = 999, hash = :h WHERE id = :id")
        await session.exec(alter.bindparams(h=forged, id=rows[1].id))  # type: ignore[call-overload]
        verdict = await audit.verify(session)
        assert [(p.id, p.kind) for p in verdict.problems] == [(rows[2].id, "unlinked")]
