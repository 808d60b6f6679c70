"""The policy asked for real users: ties read once per transaction, never stale after a write."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from app.access import repository as repo
from app.access import service as access
from app.core.types import utcnow
from tests.factories import make_appointment, make_customer, make_service, make_store, make_stylist


async def test_ties_are_read_once_and_forgotten_when_a_tie_is_written(
    session: AsyncSession, monkeypatch: object
) -> None:
    store = await make_store(session)
    stylist, customer = await make_stylist(session, store), await make_customer(session)
    assert customer.id is not None
    reads: list[int] = []
    real = repo.ties_of

    async def counted(s: AsyncSession, customer_id: int):  # type: ignore[no-untyped-def]
        reads.append(customer_id)
        return await real(s, customer_id)

    monkeypatch.setattr(repo, "ties_of", counted)  # type: ignore[attr-defined]
    first = await access.decide(session, viewer=stylist, customer_id=customer.id)
    again = await access.decide(session, viewer=stylist, customer_id=customer.id)
    assert not first.visible and not again.visible and reads == [customer.id]
    await make_appointment(
        session,
        customer=customer,
        stylist=stylist,
        service=await make_service(session, store),
        start=utcnow() + timedelta(days=1),
    )  # flushes: the cached ties are gone
    assert (await access.decide(session, viewer=stylist, customer_id=customer.id)).visible
    assert reads == [customer.id, customer.id]
