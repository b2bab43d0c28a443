from datetime import date

import pytest

from guichet.care.models import RequestKind
from guichet.care.rules import (
    ORDER_CUSTOMER_TRANSITIONS,
    ORDER_TRANSITIONS,
    REQUEST_CUSTOMER_TRANSITIONS,
    REQUEST_TRANSITIONS,
    TICKET_CUSTOMER_TRANSITIONS,
    TICKET_TRANSITIONS,
    add_working_days,
    is_working_day,
    request_due_date,
    withdrawal_deadline,
)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 3, 8), True),  # Saturday: a "jour ouvrable"
        (date(2025, 3, 9), False),  # Sunday
        (date(2025, 7, 14), False),  # Fête nationale, a Monday
        (date(2025, 4, 21), False),  # Easter Monday
        (date(2025, 4, 22), True),
    ],
)
def test_working_days_are_every_day_but_sundays_and_public_holidays(
    day: date, working: bool
) -> None:
    assert is_working_day(day) is working


def test_add_working_days_skips_sundays_and_holidays() -> None:
    # Friday 18 April 2025 + 3: Saturday 19, (Sunday 20, Easter Monday 21) Tuesday 22, Wednesday 23.
    assert add_working_days(date(2025, 4, 18), 3) == date(2025, 4, 23)
    assert add_working_days(date(2025, 3, 5), 3) == date(2025, 3, 8)


@pytest.mark.parametrize(
    ("kind", "due"),
    [
        (RequestKind.TERMINATION, date(2025, 3, 13)),  # CGS 8.1: 10 days' notice
        (RequestKind.PORTING_OUT, date(2025, 3, 6)),  # CGS 10: 3 jours ouvrables
        (RequestKind.WITHDRAWAL, date(2025, 3, 17)),  # CGS 9: refund within 14 days
        (RequestKind.DUPLICATE_INVOICE, None),
        (RequestKind.MOVE, None),
    ],
)
def test_request_due_dates(kind: RequestKind, due: date | None) -> None:
    assert request_due_date(kind, opened_on=date(2025, 3, 3)) == due


def test_withdrawal_deadline_is_14_days_after_the_start() -> None:
    assert withdrawal_deadline(date(2025, 3, 3)) == date(2025, 3, 17)


@pytest.mark.parametrize(
    ("table", "customer_table"),
    [
        (ORDER_TRANSITIONS, ORDER_CUSTOMER_TRANSITIONS),
        (REQUEST_TRANSITIONS, REQUEST_CUSTOMER_TRANSITIONS),
        (TICKET_TRANSITIONS, TICKET_CUSTOMER_TRANSITIONS),
    ],
)
def test_customer_transitions_are_a_subset_of_the_table(
    table: dict[str, frozenset[str]], customer_table: frozenset[tuple[str, str]]
) -> None:
    assert all(target in table[source] for source, target in customer_table)
