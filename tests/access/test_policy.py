"""The access policy as a table: one actor, one customer's ties, one instant -> the decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from app.access.policy import (
    CONTACT_FIELDS,
    Actor,
    AppointmentTie,
    ConversationTie,
    Field,
    Relation,
    Ties,
    Windows,
    birth_month,
    decide,
    mask_email,
    mask_phone,
)

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
W = Windows(before=timedelta(days=7), after=timedelta(days=14), conversation=timedelta(days=30))
H = timedelta(hours=1)
D = timedelta(days=1)
CUSTOMER = 10
AIKO, SHOTA, MANAGER_A, MANAGER_B, ADMIN, OTHER_CUSTOMER = 2, 3, 4, 5, 1, 11
STORE_A, STORE_B = 1, 2


def appointment(start: datetime, staff: int = AIKO, store: int = STORE_A, status: str = "booked"):  # type: ignore[no-untyped-def]
    return AppointmentTie(staff, store, start, start + H, status)


def ties(*appointments: AppointmentTie, **kw: object) -> Ties:
    return Ties(CUSTOMER, appointments=appointments, **kw)  # type: ignore[arg-type]


stylist = Actor(AIKO, "staff")
colleague = Actor(SHOTA, "staff")
manager_a = Actor(MANAGER_A, "manager", frozenset({STORE_A}))
manager_b = Actor(MANAGER_B, "manager", frozenset({STORE_B}))


@dataclass(frozen=True)
class Case:
    name: str
    actor: Actor
    ties: Ties
    relation: Relation | None  # None: not visible
    masked: frozenset[Field] = frozenset()
    now: datetime = NOW


CASES = [
    Case("the customer sees herself", Actor(CUSTOMER, "customer"), ties(), Relation.self),
    Case("another customer sees nothing", Actor(OTHER_CUSTOMER, "customer"), ties(appointment(NOW)), None),
    Case("admin sees every customer", Actor(ADMIN, "admin"), ties(), Relation.admin),
    Case("stylist with no relation", stylist, ties(), None),
    Case("stylist during her session", stylist, ties(appointment(NOW - 30 * timedelta(minutes=1))), Relation.appointment, CONTACT_FIELDS),
    Case("stylist 6 days 23 h before: preparing", stylist, ties(appointment(NOW + 7 * D - H)), Relation.appointment, CONTACT_FIELDS),
    Case("stylist 7 days 1 h before: too early", stylist, ties(appointment(NOW + 7 * D + H)), None),
    Case("stylist 13 days after: follow-up", stylist, ties(appointment(NOW - 13 * D)), Relation.appointment, CONTACT_FIELDS),
    Case("stylist 15 days after: over", stylist, ties(appointment(NOW - 15 * D)), None),
    Case("a cancelled appointment is no relation", stylist, ties(appointment(NOW, status="cancelled")), None),
    Case("a no-show still allows the follow-up", stylist, ties(appointment(NOW - D, status="no_show")), Relation.appointment, CONTACT_FIELDS),
    Case("a colleague's appointment is not hers", colleague, ties(appointment(NOW)), None),
    Case("an old session plus a new one: the new one counts", stylist, ties(appointment(NOW - 90 * D), appointment(NOW + D)), Relation.appointment, CONTACT_FIELDS),
    Case("conversation with a message 29 days ago", stylist, ties(conversations=(ConversationTie(AIKO, STORE_A, NOW - 29 * D, NOW - 200 * D),)), Relation.conversation, CONTACT_FIELDS),
    Case("conversation silent 31 days", stylist, ties(conversations=(ConversationTie(AIKO, STORE_A, NOW - 31 * D, NOW - 200 * D),)), None),
    Case("conversation opened 2 days ago, nothing written", stylist, ties(conversations=(ConversationTie(AIKO, STORE_A, None, NOW - 2 * D),)), Relation.conversation, CONTACT_FIELDS),
    Case("someone else's conversation", colleague, ties(conversations=(ConversationTie(AIKO, STORE_A, NOW, NOW),)), None),
    Case("manager of the store of an appointment, any time", manager_a, ties(appointment(NOW - 400 * D)), Relation.store_manager),
    Case("manager of the store of a purchase", manager_a, ties(purchase_store_ids=frozenset({STORE_A})), Relation.store_manager),
    Case("manager of the store of a reservation", manager_a, ties(reservation_store_ids=frozenset({STORE_A})), Relation.store_manager),
    Case("the other store's manager", manager_b, ties(appointment(NOW), purchase_store_ids=frozenset({STORE_A})), None),
    Case("manager: a cancelled appointment is no relation", manager_a, ties(appointment(NOW, status="cancelled")), None),
    Case("a manager running a session elsewhere is a stylist there", manager_b, ties(appointment(NOW, staff=MANAGER_B)), Relation.appointment, CONTACT_FIELDS),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_decision(case: Case) -> None:
    decision = decide(case.actor, case.ties, case.now, W)
    assert decision.visible == (case.relation is not None)
    assert decision.relation == case.relation
    assert decision.masked == case.masked
    if decision.visible:
        assert decision.lapsed_at is None


class TestUntilAndLapse:
    def test_until_is_the_latest_end_of_her_relations(self) -> None:
        start = NOW + D
        decision = decide(stylist, ties(appointment(NOW - D), appointment(start)), NOW, W)
        assert decision.until == start + H + W.after

    def test_a_lapsed_relation_is_reported_to_her_only(self) -> None:
        old = ties(appointment(NOW - 20 * D))
        mine = decide(stylist, old, NOW, W)
        assert not mine.visible and mine.lapsed_at == NOW - 20 * D + H + W.after
        theirs = decide(colleague, old, NOW, W)
        assert not theirs.visible and theirs.lapsed_at is None

    def test_the_window_edges(self) -> None:
        tie = appointment(NOW)
        assert decide(stylist, ties(tie), NOW - W.before, W).visible
        assert not decide(stylist, ties(tie), NOW - W.before - timedelta(seconds=1), W).visible
        assert decide(stylist, ties(tie), NOW + H + W.after - timedelta(seconds=1), W).visible
        assert not decide(stylist, ties(tie), NOW + H + W.after, W).visible

    def test_windows_of_zero_mean_only_during_the_session(self) -> None:
        none = Windows(timedelta(0), timedelta(0), timedelta(0))
        assert decide(stylist, ties(appointment(NOW)), NOW, none).visible
        assert not decide(stylist, ties(appointment(NOW)), NOW + H, none).visible


@pytest.mark.parametrize(
    ("national", "masked"),
    [
        ("090-1234-5678", "090-****-5678"),
        ("03-1234-5678", "03-****-5678"),
        ("0120-123-456", "0120-****-456"),
        ("09012345678", "090****5678"),
        ("+1 415-555-2671", "+1 ****-****-2671"),
        ("12345", "*****"),
    ],
)
def test_mask_phone(national: str, masked: str) -> None:
    assert mask_phone(national) == masked


def test_masked_phone_never_shows_the_middle_digits() -> None:
    assert "1234" not in mask_phone("090-1234-5678")


@pytest.mark.parametrize(
    ("email", "masked"),
    [("yuki.sato@example.jp", "y***@example.jp"), ("a@b.jp", "a***@b.jp"), ("broken", "***")],
)
def test_mask_email(email: str, masked: str) -> None:
    assert mask_email(email) == masked


def test_birthday_is_shown_as_its_month_only() -> None:
    assert birth_month(date(1992, 5, 14)) == 5
    assert birth_month(None) is None
