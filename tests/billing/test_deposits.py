"""Security deposit (CGS 5.1 (ii)): its cases, its refund within 10 days, how invoices show it."""

from datetime import UTC, date, datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from guichet.billing.deposits import (
    security_deposit_cause_gone,
    security_deposit_contract_end,
    security_deposit_record,
    security_deposit_refund,
    security_deposits_review,
)
from guichet.billing.errors import BillingError, BillingErrorCode
from guichet.billing.models import (
    BillingAccount,
    Invoice,
    SecurityDeposit,
    SecurityDepositCause,
    SecurityDepositStatus,
)
from guichet.billing.services import bill_run
from guichet.billing.settlement import invoice_payment_record
from guichet.care.acts import Act
from guichet.care.models import Activity, OutboxMessage
from guichet.catalog.models import CatalogRelease
from guichet.catalog.selectors import catalog_current
from guichet.customers.rules import paris_date
from guichet.lines.models import Line
from tests.billing.builders import open_account, paris, terminate, woot_line
from tests.customers.builders import SYSTEM

RECEIVED_AT = paris(2026, 9, 1)


@pytest.fixture(autouse=True)
def _catalog(loaded_catalog: CatalogRelease) -> CatalogRelease:
    return loaded_catalog


def _deposit(
    account: BillingAccount,
    cause: SecurityDepositCause = SecurityDepositCause.PREVENTEL_LISTED,
    at: datetime = RECEIVED_AT,
) -> SecurityDeposit:
    return security_deposit_record(
        billing_account=account, cause=cause, payment_reference="chq:1234567", actor=SYSTEM, now=at
    )


def _lines(account: BillingAccount, count: int) -> list[Line]:
    return [woot_line(account, activated_at=paris(2026, 8, 1)) for _ in range(count)]


def test_the_cases_are_the_catalogs() -> None:
    causes = catalog_current().terms.security_deposit.causes
    assert [cause.code for cause in causes] == SecurityDepositCause.values


def test_a_deposit_of_the_brochures_500_euros_is_held() -> None:
    account = open_account()

    deposit = _deposit(account)

    assert (deposit.amount_cents, deposit.status, deposit.payment_reference) == (
        50_000,
        SecurityDepositStatus.HELD,
        "chq:1234567",
    )
    (entry,) = Activity.objects.filter(act=Act.SECURITY_DEPOSIT_RECORD)
    assert (
        entry.summary == "Dépôt de garantie de 500,00 € encaissé (inscription au fichier préventel)"
    )


def test_more_than_two_contracts_needs_a_third_line() -> None:
    account = open_account()
    _lines(account, 2)

    with pytest.raises(BillingError) as refused:
        _deposit(account, SecurityDepositCause.MORE_THAN_TWO_CONTRACTS)

    assert refused.value.code == BillingErrorCode.DEPOSIT_CAUSE_NOT_MET
    assert refused.value.message == (
        "Le client n'a que 2 contrat(s) : un dépôt de garantie n'est demandé qu'au-delà de 2."
    )
    assert not SecurityDeposit.objects.exists()
    _lines(account, 1)
    assert _deposit(account, SecurityDepositCause.MORE_THAN_TWO_CONTRACTS).status == "held"


def test_one_deposit_per_case_while_held() -> None:
    account = open_account()
    _deposit(account)

    with pytest.raises(BillingError) as refused:
        _deposit(account)

    assert refused.value.code == BillingErrorCode.DEPOSIT_EXISTS
    assert SecurityDeposit.objects.count() == 1


def test_an_unknown_case_is_refused() -> None:
    with pytest.raises(BillingError) as refused:
        _deposit(open_account(), "no-french-bank-account")  # type: ignore[arg-type]

    assert refused.value.code == BillingErrorCode.DEPOSIT_CAUSE_UNKNOWN
    assert not SecurityDeposit.objects.exists()


# Refund when the cause disappears ---------------------------------------------------------------


def test_cause_gone_refund_due_10_days_after_the_written_request() -> None:
    deposit = _deposit(open_account())

    due = security_deposit_cause_gone(
        deposit=deposit,
        request_received_on=date(2026, 10, 5),
        actor=SYSTEM,
        now=paris(2026, 10, 7),
    )

    assert (due.status, due.refund_trigger, due.refund_from, due.refund_due_on) == (
        SecurityDepositStatus.REFUND_DUE,
        "cause_gone",
        date(2026, 10, 5),
        date(2026, 10, 15),
    )
    (message,) = OutboxMessage.objects.filter(template="security_deposit_refund_due")
    assert message.context["due"] == "15/10/2026"
    (entry,) = Activity.objects.filter(act=Act.SECURITY_DEPOSIT_CAUSE_GONE)
    assert entry.summary == (
        "Dépôt de garantie de 500,00 € à restituer au plus tard le 15/10/2026 (disparition du"
        " motif, sur demande écrite)"
    )

    refunded = security_deposit_refund(
        deposit=due, refund_reference="vir:FR76-889", actor=SYSTEM, now=paris(2026, 10, 12)
    )
    assert (refunded.status, refunded.refund_reference) == ("refunded", "vir:FR76-889")


def test_the_third_contract_must_be_gone() -> None:
    account = open_account()
    lines = _lines(account, 3)
    deposit = _deposit(account, SecurityDepositCause.MORE_THAN_TWO_CONTRACTS)

    with pytest.raises(BillingError) as refused:
        security_deposit_cause_gone(
            deposit=deposit,
            request_received_on=date(2026, 10, 5),
            actor=SYSTEM,
            now=paris(2026, 10, 5),
        )
    assert refused.value.code == BillingErrorCode.DEPOSIT_CAUSE_STILL_PRESENT
    deposit.refresh_from_db()
    assert (deposit.status, deposit.refund_due_on) == (SecurityDepositStatus.HELD, None)

    terminate(lines[0], at=paris(2026, 10, 1))
    assert security_deposit_cause_gone(
        deposit=deposit,
        request_received_on=date(2026, 10, 5),
        actor=SYSTEM,
        now=paris(2026, 10, 5),
    ).refund_due_on == date(2026, 10, 15)


@pytest.mark.parametrize("received", [date(2026, 8, 31), date(2026, 10, 8)])
def test_a_request_before_the_deposit_or_after_today_is_refused(received: date) -> None:
    deposit = _deposit(open_account())

    with pytest.raises(BillingError) as refused:
        security_deposit_cause_gone(
            deposit=deposit, request_received_on=received, actor=SYSTEM, now=paris(2026, 10, 7)
        )

    assert refused.value.code == BillingErrorCode.DEPOSIT_REQUEST_DATE_INVALID
    deposit.refresh_from_db()
    assert deposit.status == SecurityDepositStatus.HELD


def test_a_held_deposit_cannot_be_refunded_yet() -> None:
    deposit = _deposit(open_account())

    with pytest.raises(BillingError) as refused:
        security_deposit_refund(
            deposit=deposit, refund_reference="vir:1", actor=SYSTEM, now=RECEIVED_AT
        )

    assert refused.value.code == BillingErrorCode.DEPOSIT_NOT_REFUND_DUE
    deposit.refresh_from_db()
    assert (deposit.status, deposit.refund_reference) == (SecurityDepositStatus.HELD, "")


# Refund at the end of the contract --------------------------------------------------------------


def _ended_contract() -> tuple[BillingAccount, SecurityDeposit, list[Invoice]]:
    account = open_account()
    (line,) = _lines(account, 1)
    deposit = _deposit(account)
    terminate(line, at=paris(2026, 9, 20))
    bill_run(period=date(2026, 8, 1), now=datetime(2026, 10, 2, 8, tzinfo=UTC))
    bill_run(period=date(2026, 9, 1), now=datetime(2026, 10, 2, 8, tzinfo=UTC))
    return account, deposit, list(Invoice.objects.filter(billing_account=account))


def test_contract_end_with_debt_left_waits_then_refund_due_10_days_after_it_is_paid() -> None:
    _, deposit, invoices = _ended_contract()

    with pytest.raises(BillingError) as refused:
        security_deposit_contract_end(deposit=deposit, actor=SYSTEM, now=paris(2026, 10, 3))
    assert refused.value.code == BillingErrorCode.DEPOSIT_DEBT_REMAINS
    # August: activation 10 € + 12.99 €; September: 19 days of 30, 1139 − 317 = 8.22 €.
    assert refused.value.extra["debt_cents"] == 2299 + 822

    for invoice in invoices:
        invoice_payment_record(
            invoice=invoice,
            amount_cents=invoice.total_cents,
            reference=f"sepa:{invoice.number}",
            actor=SYSTEM,
            now=paris(2026, 10, 6),
        )
    due = security_deposit_contract_end(deposit=deposit, actor=SYSTEM, now=paris(2026, 10, 7))

    assert (due.refund_trigger, due.refund_from, due.refund_due_on) == (
        "contract_end",
        date(2026, 10, 7),
        date(2026, 10, 17),
    )


def test_contract_end_needs_every_line_terminated() -> None:
    account = open_account()
    _lines(account, 1)
    deposit = _deposit(account)

    with pytest.raises(BillingError) as refused:
        security_deposit_contract_end(deposit=deposit, actor=SYSTEM, now=paris(2026, 10, 3))

    assert refused.value.code == BillingErrorCode.DEPOSIT_CONTRACT_NOT_ENDED
    deposit.refresh_from_db()
    assert deposit.status == SecurityDepositStatus.HELD


def test_review_makes_due_the_ended_contracts_once_and_lists_the_refunds() -> None:
    _, ended, invoices = _ended_contract()
    still_open = _deposit(open_account())
    for invoice in invoices:
        invoice_payment_record(
            invoice=invoice,
            amount_cents=invoice.total_cents,
            reference="sepa:1",
            actor=SYSTEM,
            now=paris(2026, 10, 6),
        )

    review = security_deposits_review(now=paris(2026, 10, 20))
    again = security_deposits_review(now=paris(2026, 10, 31))

    assert [deposit.pk for deposit in review.made_due] == [ended.pk]
    assert review.summary() == "made_due=1 to_refund=1 overdue=0 total_eur=500.00"
    # Due on 30 October: overdue on the 31st until its refund is recorded.
    assert again.summary() == "made_due=0 to_refund=1 overdue=1 total_eur=500.00"
    still_open.refresh_from_db()
    assert still_open.status == SecurityDepositStatus.HELD


def test_deposit_refunds_command_prints_its_summary_and_list() -> None:
    account = open_account()
    deposit = _deposit(account, at=paris(2025, 4, 1))
    security_deposit_cause_gone(
        deposit=deposit,
        request_received_on=date(2025, 4, 2),
        actor=SYSTEM,
        now=paris(2025, 4, 3),
    )
    out = StringIO()

    call_command("deposit-refunds", "--list", stdout=out)

    assert paris_date(timezone.now()) > date(2025, 4, 12)  # the machine's clock is past it
    assert out.getvalue().splitlines() == [
        "made_due=0 to_refund=1 overdue=1 total_eur=500.00",
        f"{account.number} preventel-listed 500.00 due=2025-04-12 OVERDUE",
    ]


# Shown apart on the invoice ---------------------------------------------------------------------


def test_the_invoice_shows_the_deposit_held_apart_from_its_total() -> None:
    account = open_account()
    woot_line(account, activated_at=paris(2026, 9, 1))
    deposit = _deposit(account)

    bill_run(period=date(2026, 10, 1), now=datetime(2026, 11, 2, 8, tzinfo=UTC))
    due = security_deposit_cause_gone(
        deposit=deposit, request_received_on=date(2026, 11, 3), actor=SYSTEM, now=paris(2026, 11, 3)
    )
    bill_run(period=date(2026, 11, 1), now=datetime(2026, 12, 2, 8, tzinfo=UTC))
    security_deposit_refund(
        deposit=due, refund_reference="vir:1", actor=SYSTEM, now=paris(2026, 12, 5)
    )
    bill_run(period=date(2026, 12, 1), now=datetime(2027, 1, 2, 8, tzinfo=UTC))

    invoices = Invoice.objects.filter(billing_account=account).order_by("period_start")
    # Held, then still to refund (still ours), then refunded; never in the 12.99 € total.
    assert [(i.total_cents, i.security_deposit_held_cents) for i in invoices] == [
        (1299, 50_000),
        (1299, 50_000),
        (1299, 0),
    ]
    assert not invoices[0].lines.exclude(kind__in=["plan_fee", "plan_discount"]).exists()
