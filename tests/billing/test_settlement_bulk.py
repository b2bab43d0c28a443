"""The bulk settlement entry points give exactly what the one-by-one acts give: the same
invoices, the same refusals, the same activity log (hypothesis on generated lists)."""

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guichet.billing.errors import BillingError
from guichet.billing.models import Invoice, InvoiceStatus, PaymentMethod
from guichet.billing.services import bill_run, invoice_credit
from guichet.billing.settlement import (
    PaymentIn,
    ReversalIn,
    invoice_mark_unpaid,
    invoice_payment_record,
    invoice_payment_reverse,
    invoice_payments_record,
    invoice_payments_reverse,
    invoices_mark_unpaid,
)
from guichet.care.models import Activity
from guichet.catalog.models import CatalogRelease
from tests.billing.builders import open_account, paris, woot_line
from tests.customers.builders import SYSTEM

pytestmark = pytest.mark.django_db

NOVEMBER = date(2026, 11, 1)
RUN_AT = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
# Card invoices of 2 December are due 17 December; direct-debit ones on the debit day after.
TIMES = [datetime(2026, 12, 10, 8, 0, tzinfo=UTC), datetime(2027, 1, 20, 8, 0, tzinfo=UTC)]
AMOUNTS = st.sampled_from([-1, 0, 1, 299, 500, 799, 1000, 1299, 1300, 2598])
EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def invoices(loaded_catalog: CatalogRelease) -> list[int]:
    """Four 12.99 € invoices: by card, by direct debit, one already half paid, one cancelled."""
    accounts = [
        open_account(payment_method=PaymentMethod.CARD),
        open_account(payment_method=PaymentMethod.DIRECT_DEBIT),
        open_account(payment_method=PaymentMethod.CARD),
        open_account(payment_method=PaymentMethod.CARD),
    ]
    for account in accounts:
        woot_line(account, activated_at=paris(2026, 10, 15))
    bill_run(period=NOVEMBER, now=RUN_AT)
    ids = [Invoice.objects.get(billing_account=account).pk for account in accounts]
    invoice_payment_record(
        invoice=Invoice.objects.get(pk=ids[2]),
        amount_cents=650,
        reference="before",
        actor=SYSTEM,
        now=TIMES[0],
    )
    invoice_credit(
        invoice=Invoice.objects.get(pk=ids[3]), reason="erreur", actor=SYSTEM, now=TIMES[0]
    )
    return ids


class _Undo(Exception):
    """Raised to roll a path's writes back, so that the other path starts from the same state."""


def _outcome(run: Callable[[], list[str | None]]) -> tuple[Any, ...]:
    """What `run` leaves (refusal codes, invoices, activities written), then rolled back."""
    first_activity = (Activity.objects.order_by("-id").values_list("id", flat=True).first()) or 0
    result: tuple[Any, ...] = ()
    try:
        with transaction.atomic():
            codes = run()
            result = (
                codes,
                list(Invoice.objects.order_by("id").values_list("id", "paid_cents", "status")),
                list(
                    Activity.objects.filter(id__gt=first_activity)
                    .order_by("id")
                    .values_list("act", "subject_id", "summary", "old_values", "new_values", "at")
                ),
            )
            raise _Undo
    except _Undo:
        pass
    return result


def _one_by_one(act: Callable[[], object]) -> str | None:
    """An act in its own savepoint, as a batch job runs it: a refusal rolls back alone."""
    try:
        with transaction.atomic():
            act()
    except BillingError as error:
        return error.code.value
    return None


@EXAMPLES
@given(
    items=st.lists(st.tuples(st.integers(0, 3), AMOUNTS), max_size=8),
    at=st.sampled_from(TIMES),
)
def test_bulk_payments_are_the_one_by_one_payments(
    invoices: list[int], items: list[tuple[int, int]], at: datetime
) -> None:
    payments = [
        PaymentIn(invoice_id=invoices[n], amount_cents=cents, reference=f"pay-{i}")
        for i, (n, cents) in enumerate(items)
    ]

    def one_by_one() -> list[str | None]:
        return [
            _one_by_one(
                lambda p=payment: invoice_payment_record(
                    invoice=Invoice.objects.get(pk=p.invoice_id),
                    amount_cents=p.amount_cents,
                    reference=p.reference,
                    actor=SYSTEM,
                    now=at,
                )
            )
            for payment in payments
        ]

    def bulk() -> list[str | None]:
        outcome = invoice_payments_record(payments=payments, actor=SYSTEM, now=at)
        return [None if error is None else error.code.value for error in outcome]

    assert _outcome(bulk) == _outcome(one_by_one)


@EXAMPLES
@given(
    items=st.lists(st.tuples(st.integers(0, 3), AMOUNTS), max_size=8),
    at=st.sampled_from(TIMES),
)
def test_bulk_reversals_are_the_one_by_one_reversals(
    invoices: list[int], items: list[tuple[int, int]], at: datetime
) -> None:
    # Invoices 0 and 1 are wholly paid first, 2 is half paid, 3 is cancelled.
    for pk in invoices[:2]:
        invoice_payment_record(
            invoice=Invoice.objects.get(pk=pk),
            amount_cents=1299,
            reference="paid",
            actor=SYSTEM,
            now=TIMES[0],
        )
    reversals = [
        ReversalIn(invoice_id=invoices[n], amount_cents=cents, reference=f"r-{i}", reason="AM04")
        for i, (n, cents) in enumerate(items)
    ]

    def one_by_one() -> list[str | None]:
        return [
            _one_by_one(
                lambda r=reversal: invoice_payment_reverse(
                    invoice=Invoice.objects.get(pk=r.invoice_id),
                    amount_cents=r.amount_cents,
                    reference=r.reference,
                    reason=r.reason,
                    actor=SYSTEM,
                    now=at,
                )
            )
            for reversal in reversals
        ]

    def bulk() -> list[str | None]:
        outcome = invoice_payments_reverse(reversals=reversals, actor=SYSTEM, now=at)
        return [None if error is None else error.code.value for error in outcome]

    try:
        assert _outcome(bulk) == _outcome(one_by_one)
    finally:
        Invoice.objects.filter(pk__in=invoices[:2]).update(
            paid_cents=0, status=InvoiceStatus.ISSUED
        )


@EXAMPLES
@given(picks=st.lists(st.integers(0, 3), max_size=6), at=st.sampled_from(TIMES))
def test_bulk_mark_unpaid_is_the_one_by_one_mark_unpaid(
    invoices: list[int], picks: list[int], at: datetime
) -> None:
    ids = [invoices[n] for n in picks]

    def one_by_one() -> list[str | None]:
        for pk in ids:
            invoice_mark_unpaid(invoice=Invoice.objects.get(pk=pk), actor=SYSTEM, now=at)
        return []

    def bulk() -> list[str | None]:
        invoices_mark_unpaid(invoice_ids=ids, actor=SYSTEM, now=at)
        return []

    assert _outcome(bulk) == _outcome(one_by_one)


def test_a_refused_payment_does_not_stop_the_others(invoices: list[int]) -> None:
    outcome = invoice_payments_record(
        payments=[
            PaymentIn(invoice_id=invoices[0], amount_cents=1299, reference="a"),
            PaymentIn(invoice_id=invoices[0], amount_cents=1, reference="b"),
            PaymentIn(invoice_id=invoices[3], amount_cents=100, reference="c"),
            PaymentIn(invoice_id=invoices[2], amount_cents=649, reference="d"),
        ],
        actor=SYSTEM,
        now=TIMES[0],
    )

    assert [None if error is None else error.code.value for error in outcome] == [
        None,
        "billing_invoice_not_payable",
        "billing_invoice_not_payable",
        None,
    ]
    assert list(
        Invoice.objects.filter(pk__in=invoices).order_by("id").values_list("paid_cents", "status")
    ) == [
        (1299, InvoiceStatus.PAID),
        (0, InvoiceStatus.ISSUED),
        (1299, InvoiceStatus.PAID),
        (0, InvoiceStatus.CANCELLED),
    ]
