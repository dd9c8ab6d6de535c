"""The request state machine, deadlines and references (pure: no database)."""

from __future__ import annotations

from datetime import date

import pytest

from persondata.core import requests as rq
from persondata.core.requests import Event, Kind, State

D = date

# (state, event, kind, identity verified) -> the state after, or None when the step is refused
STEPS: list[tuple[State, Event, Kind, bool, State | None]] = [
    (State.RECEIVED, Event.ASK_IDENTITY, Kind.ACCESS, False, State.AWAITING_IDENTITY),
    (State.RECEIVED, Event.IDENTITY_CONFIRMED, Kind.ACCESS, True, State.IN_PROGRESS),
    (State.RECEIVED, Event.START, Kind.INFORMATION, False, State.IN_PROGRESS),
    (State.RECEIVED, Event.START, Kind.OTHER, False, State.IN_PROGRESS),
    (State.RECEIVED, Event.START, Kind.ACCESS, False, None),  # discloses data: identity first
    (State.RECEIVED, Event.START, Kind.ERASURE, True, None),
    (State.RECEIVED, Event.ANSWER, Kind.INFORMATION, False, None),  # start first
    (State.AWAITING_IDENTITY, Event.ASK_IDENTITY, Kind.ACCESS, False, State.AWAITING_IDENTITY),
    (State.AWAITING_IDENTITY, Event.IDENTITY_CONFIRMED, Kind.ERASURE, True, State.IN_PROGRESS),
    (State.AWAITING_IDENTITY, Event.ANSWER, Kind.ACCESS, False, None),
    (State.IN_PROGRESS, Event.ANSWER, Kind.ACCESS, True, State.ANSWERED),
    (State.IN_PROGRESS, Event.ANSWER, Kind.ACCESS, False, None),  # never answered unverified
    (State.IN_PROGRESS, Event.ANSWER, Kind.INFORMATION, False, State.ANSWERED),
    *[(s, Event.REFUSE, Kind.ACCESS, False, State.REFUSED) for s in rq.OPEN_STATES],
    *[(s, Event.WITHDRAW, Kind.ERASURE, False, State.WITHDRAWN) for s in rq.OPEN_STATES],
    *[(s, e, Kind.ACCESS, True, None) for s in rq.CLOSED_STATES for e in Event],  # closed stays closed
]


@pytest.mark.parametrize(("state", "event", "kind", "verified", "after"), STEPS)
def test_transitions(state: State, event: Event, kind: Kind, verified: bool, after: State | None) -> None:
    if after is None:
        with pytest.raises(rq.TransitionError):
            rq.transition(state, event, kind, verified)
    else:
        assert rq.transition(state, event, kind, verified) is after


def test_a_refused_step_says_what_may_come_next() -> None:
    with pytest.raises(rq.TransitionError) as info:
        rq.transition(State.AWAITING_IDENTITY, Event.ANSWER, Kind.ACCESS, False)
    assert "ask_identity" in str(info.value) and "identity_confirmed" in str(info.value)
    with pytest.raises(rq.TransitionError) as closed:
        rq.transition(State.ANSWERED, Event.REFUSE, Kind.ACCESS, True)
    assert "closed" in str(closed.value)


def test_only_information_and_other_go_without_an_identity_check() -> None:
    assert frozenset(Kind) - rq.IDENTITY_REQUIRED == {Kind.INFORMATION, Kind.OTHER}


@pytest.mark.parametrize(
    ("received", "months", "due", "notice_due"),
    [
        (D(2025, 1, 15), 0, D(2025, 2, 17), D(2025, 2, 17)),  # RULES R7: 15 Feb is a Saturday
        (D(2025, 1, 31), 0, D(2025, 2, 28), D(2025, 2, 28)),  # no 31 February: the month's last day
        (D(2025, 1, 15), 2, D(2025, 4, 15), D(2025, 2, 17)),  # extended: one period of three months
        (D(2026, 11, 25), 0, D(2026, 12, 28), D(2026, 12, 28)),  # 25-27 Dec: Christmas and a Sunday
        (D(2024, 2, 29), 0, D(2024, 4, 2), D(2024, 4, 2)),  # 29 Mar 2024 is Langfredag, 1 Apr 2. påskedag
    ],
)
def test_deadlines(received: date, months: int, due: date, notice_due: date) -> None:
    d = rq.deadline(received, months)
    assert (d.due, d.extension_notice_due) == (due, notice_due)


@pytest.mark.parametrize(
    ("today", "left", "level"),
    [
        (D(2025, 1, 15), 33, "ok"),
        (D(2025, 2, 9), 8, "ok"),
        (D(2025, 2, 10), 7, "due_soon"),
        (D(2025, 2, 17), 0, "due_soon"),
        (D(2025, 2, 18), -1, "overdue"),
    ],
)
def test_days_left_and_warning(today: date, left: int, level: str) -> None:
    d = rq.deadline(D(2025, 1, 15))
    assert (d.days_left(today), d.level(today)) == (left, level)


@pytest.mark.parametrize(
    ("months", "today", "reasons", "problem"),
    [
        (2, D(2025, 2, 17), "many records", None),  # on the last day of the first month
        (1, D(2025, 2, 1), "archive search", None),
        (3, D(2025, 1, 20), "many records", "months"),  # at most two further months
        (0, D(2025, 1, 20), "many records", "months"),
        (2, D(2025, 2, 18), "many records", "months"),  # too late: not told within the first month
        (2, D(2025, 1, 20), "  ", "reasons"),
    ],
)
def test_extension_rules(months: int, today: date, reasons: str, problem: str | None) -> None:
    if problem is None:
        rq.check_extension(D(2025, 1, 15), months, today, reasons)
    else:
        with pytest.raises(ValueError, match=f"^{problem}:"):
            rq.check_extension(D(2025, 1, 15), months, today, reasons)


def test_references_are_quotable_and_checked() -> None:
    refs = {rq.new_reference() for _ in range(2000)}
    assert len(refs) == 2000
    for ref in list(refs)[:200]:
        assert rq.normalize_reference(ref) == ref
        assert rq.normalize_reference(ref.lower().replace("-", " ")) == ref
        body = ref.replace("PD-", "").replace("-", "")
        for i, ch in enumerate(body):  # any single mistyped character is caught
            for other in "0123456789ABCDEFGHJKMNPQRSTVWXYZ":
                if other != ch:
                    typo = body[:i] + other + body[i + 1 :]
                    assert rq.normalize_reference(typo) is None, (ref, typo)


@pytest.mark.parametrize("text", ["", "PD-", "PD-1234-567", "PD-1234-56789", "PD-U234-5678", "hello"])
def test_malformed_references(text: str) -> None:
    assert rq.normalize_reference(text) is None


def test_o_and_i_read_as_digits() -> None:
    ref = next(r for r in iter(rq.new_reference, None) if "0" in r or "1" in r)
    assert rq.normalize_reference(ref.replace("0", "O").replace("1", "I")) == ref


@pytest.mark.parametrize(
    ("closed", "months", "removed"),
    [
        (D(2026, 1, 31), 12, D(2027, 1, 31)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2026, 8, 31), 6, D(2027, 2, 28)),
    ],
)
def test_a_closed_requests_details_are_removed_after_the_record_period(
    closed: date, months: int, removed: date
) -> None:
    assert rq.details_removed_on(closed, months) == removed
