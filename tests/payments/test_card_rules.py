"""The pure rules of card payments: no database, no clock."""

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guichet.payments.card_rules import (
    AmountProblem,
    Owed,
    PspOutcome,
    allocate_oldest_first,
    amount_problem,
    psp_outcome,
    refusal_message,
    top_up_ends_at,
)

debts = st.lists(st.integers(min_value=0, max_value=100_000), max_size=12)


@given(debts, st.integers(min_value=1, max_value=2_000_000))
def test_allocation_pays_the_oldest_in_full_first_and_never_more_than_owed(outstanding, amount):
    owed = [Owed(key=i, outstanding_cents=cents) for i, cents in enumerate(outstanding)]

    shares, left = allocate_oldest_first(amount_cents=amount, owed=owed)

    assert sum(share.amount_cents for share in shares) + left == amount
    assert left == max(0, amount - sum(outstanding))
    assert all(0 < share.amount_cents <= outstanding[share.key] for share in shares)
    keys = [share.key for share in shares]
    assert keys == sorted(keys)
    # Every debt before the last one paid is paid in full.
    for share in shares[:-1]:
        assert share.amount_cents == outstanding[share.key]
    if shares:
        skipped = [i for i in range(keys[-1]) if i not in keys]
        assert all(outstanding[i] == 0 for i in skipped)


def test_allocation_across_two_invoices():
    shares, left = allocate_oldest_first(
        amount_cents=3000,
        owed=[Owed(key=7, outstanding_cents=2299), Owed(key=9, outstanding_cents=1299)],
    )

    assert [(s.key, s.amount_cents) for s in shares] == [(7, 2299), (9, 701)]
    assert left == 0


@pytest.mark.parametrize(
    ("amount", "owed", "exact", "problem"),
    [
        (1299, 1299, False, None),
        (1, 1299, False, None),
        (1300, 1299, False, AmountProblem.EXCEEDS_OWED),
        (0, 1299, False, AmountProblem.NOT_POSITIVE),
        (-5, 1299, False, AmountProblem.NOT_POSITIVE),
        (100, 0, False, AmountProblem.NOTHING_OWED),
        (399, 399, True, None),
        (299, 399, True, AmountProblem.NOT_THE_PRICE),
        (499, 399, True, AmountProblem.NOT_THE_PRICE),
    ],
)
def test_amount_problem(amount, owed, exact, problem):
    assert amount_problem(amount_cents=amount, owed_cents=owed, exact=exact) == problem


def test_a_top_up_valid_for_days_ends_that_many_days_after_activation():
    activated = datetime(2026, 3, 28, 22, 30, tzinfo=UTC)  # across the switch to summer time

    assert top_up_ends_at(
        validity="days_from_activation", validity_days=7, activated_at=activated
    ) == activated + timedelta(days=7)


@pytest.mark.parametrize(
    ("activated", "renewal"),
    [
        # 15 November in Paris → midnight on 1 December in Paris (23:00 UTC).
        (datetime(2026, 11, 15, 9, 0, tzinfo=UTC), datetime(2026, 11, 30, 23, 0, tzinfo=UTC)),
        # 31 December 23:30 UTC is already 1 January in Paris → 1 February.
        (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), datetime(2027, 1, 31, 23, 0, tzinfo=UTC)),
        # In summer Paris is UTC+2.
        (datetime(2026, 6, 3, 12, 0, tzinfo=UTC), datetime(2026, 6, 30, 22, 0, tzinfo=UTC)),
    ],
)
def test_a_top_up_valid_until_renewal_ends_at_the_next_monthly_period(activated, renewal):
    ends = top_up_ends_at(validity="until_plan_renewal", validity_days=None, activated_at=activated)

    assert ends == renewal


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    )
)
def test_renewal_is_always_after_activation_and_within_a_month(activated):
    ends = top_up_ends_at(validity="until_plan_renewal", validity_days=None, activated_at=activated)

    assert activated < ends <= activated + timedelta(days=32)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("succeeded", PspOutcome.SUCCEEDED),
        ("canceled", PspOutcome.FAILED),
        ("requires_payment_method", PspOutcome.FAILED),
        ("processing", PspOutcome.PENDING),
        ("requires_action", PspOutcome.PENDING),
        ("requires_confirmation", PspOutcome.NOT_SUBMITTED),
        ("a_status_from_the_future", PspOutcome.PENDING),
    ],
)
def test_psp_outcome(status, outcome):
    assert psp_outcome(status) == outcome


def test_refusal_messages_say_why_and_that_nothing_was_taken():
    assert refusal_message("expired_card") == (
        "Votre carte est expirée. Aucun montant n'a été débité."
    )
    assert refusal_message("stolen_card") == refusal_message("card_declined")
    assert refusal_message("something_new") == (
        "Votre carte a été refusée. Aucun montant n'a été débité."
    )


def test_the_rules_import_no_django():
    probe = (
        "import sys, guichet.payments.card_rules\n"
        "print(sorted(n for n in sys.modules if n == 'django' or n.startswith('django.')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
