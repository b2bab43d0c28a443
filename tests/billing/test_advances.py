"""Bill advance (CGS 5.1 (i)): warnings, the advance and the restriction, its payment, and its
credit on the next invoices. Hand-computed on the real catalog (thresholds 30 € / 1.5 × the
average of the last 3 invoices / 15 € for 6 months after a payment incident)."""

from datetime import UTC, date, datetime

import pytest

from guichet.billing import rules
from guichet.billing.advances import (
    bill_advance_check,
    bill_advance_payment_record,
    bill_advance_threshold,
)
from guichet.billing.errors import BillingError, BillingErrorCode
from guichet.billing.models import (
    BillAdvance,
    BillAdvanceDeduction,
    BillAdvanceStatus,
    BillAdvanceWarning,
    BillingAccount,
    Invoice,
    InvoiceStatus,
)
from guichet.billing.services import bill_run, invoice_credit, invoice_issue
from guichet.billing.settlement import (
    invoice_mark_unpaid,
    invoice_payment_record,
    invoice_payment_reverse,
)
from guichet.care.acts import Act
from guichet.care.models import Activity, OutboxMessage
from guichet.catalog.models import CatalogRelease
from guichet.lines.models import Line, LineStatus
from guichet.lines.services import line_activate, subscription_add
from tests.billing.builders import open_account, paris, product, woot_line
from tests.customers.builders import SYSTEM, as_customer
from tests.lines.builders import make_fixed_line


@pytest.fixture(autouse=True)
def _catalog(loaded_catalog: CatalogRelease) -> CatalogRelease:
    return loaded_catalog


def _account_with_line(activated_at: datetime | None = None) -> tuple[BillingAccount, Line]:
    account = open_account()
    line = woot_line(account, activated_at=activated_at or paris(2026, 9, 1))
    return account, line


def _check(account: BillingAccount, cents: int, at: datetime):  # type: ignore[no-untyped-def]
    return bill_advance_check(
        billing_account=account, out_of_bundle_cents=cents, actor=SYSTEM, now=at
    )


def _messages(template: str) -> list[tuple[str, dict[str, object]]]:
    return [
        (m.channel, m.context)
        for m in OutboxMessage.objects.filter(template=template).order_by("id")
    ]


def _issue(account: BillingAccount, period: date, total_cents: int) -> Invoice:
    """An invoice of `total_cents` for `period`, issued on the 2nd of the next month."""
    following = rules.next_period_start(period)
    return invoice_issue(
        billing_account=account,
        period=period,
        charges=[
            rules.Charge(
                kind=rules.ChargeKind.ONE_OFF_FEE,
                label="Frais",
                line_id=None,
                product_code="",
                quantity=1,
                unit_price_cents=total_cents,
                amount_cents=total_cents,
                service_start=period,
                service_end=rules.period_end_of(period),
                rule="test",
            )
        ],
        actor=SYSTEM,
        now=datetime(following.year, following.month, 2, 8, tzinfo=UTC),
    )


def _three_invoices_of_20_30_40(account: BillingAccount) -> list[Invoice]:
    return [
        _issue(account, date(2026, 6, 1), 2000),
        _issue(account, date(2026, 7, 1), 3000),
        _issue(account, date(2026, 8, 1), 4000),
    ]


# Warnings ---------------------------------------------------------------------------------------


def test_warnings_at_50_and_80_percent_once_each() -> None:
    account, _ = _account_with_line()

    first = _check(account, 1500, paris(2026, 10, 10))
    _check(account, 1600, paris(2026, 10, 11))
    third = _check(account, 2500, paris(2026, 10, 12))

    assert (first.threshold.cents, first.threshold.basis) == (3000, "new_customer")
    assert (first.warned_level, third.warned_level) == (50, 80)
    assert list(
        BillAdvanceWarning.objects.order_by("id").values_list(
            "level_percent", "out_of_bundle_cents"
        )
    ) == [(50, 1500), (80, 2500)]
    # Usage alerts go by e-mail and SMS (CGS 5.1 (i): "sms et emails").
    warnings = _messages("bill_advance_warning")
    assert [(channel, context["level"]) for channel, context in warnings] == [
        ("email", 50),
        ("sms", 50),
        ("email", 80),
        ("sms", 80),
    ]
    assert warnings[2][1] == {
        "first_name": "Camille",
        "month": "10/2026",
        "usage": "25,00 €",
        "threshold": "30,00 €",
        "level": 80,
    }
    summaries = list(
        Activity.objects.filter(act=Act.BILL_ADVANCE_WARN).order_by("id").values_list("summary")
    )
    assert summaries == [
        ("Consommations hors forfait à 50 % du seuil d'avance sur facture (15,00 € sur 30,00 €)",),
        ("Consommations hors forfait à 80 % du seuil d'avance sur facture (25,00 € sur 30,00 €)",),
    ]
    assert not BillAdvance.objects.exists()


def test_warnings_start_again_next_month() -> None:
    account, _ = _account_with_line()
    _check(account, 1500, paris(2026, 10, 10))

    november = _check(account, 1500, paris(2026, 11, 3))

    assert november.warned_level == 50
    assert list(BillAdvanceWarning.objects.values_list("period_start", flat=True)) == [
        date(2026, 10, 1),
        date(2026, 11, 1),
    ]


# The advance and the restriction ----------------------------------------------------------------


def test_above_the_threshold_an_advance_is_asked_and_the_line_restricted() -> None:
    account, line = _account_with_line()
    _check(account, 2500, paris(2026, 10, 12))

    check = _check(account, 3001, paris(2026, 10, 20, hour=15))

    advance = check.advance
    assert advance is not None
    assert (advance.amount_cents, advance.threshold_cents, advance.threshold_basis) == (
        3001,
        3000,
        "new_customer",
    )
    assert (advance.period_start, advance.sequence, advance.due_on) == (
        date(2026, 10, 1),
        1,
        date(2026, 10, 20),
    )
    assert advance.status == BillAdvanceStatus.REQUESTED
    line.refresh_from_db()
    assert (line.status, line.suspension_reason) == (LineStatus.SUSPENDED, "bill_advance_pending")
    requested = _messages("bill_advance_requested")
    assert [channel for channel, _ in requested] == ["email", "sms"]
    assert requested[0][1]["amount"] == "30,01 €"
    assert requested[0][1]["lines"] == line.display_number
    (entry,) = Activity.objects.filter(act=Act.BILL_ADVANCE_REQUEST)
    assert entry.summary == (
        "Avance sur facture de 30,01 € demandée : consommations hors forfait au-delà du seuil"
        " de 30,00 €"
    )
    # Usage rated again, not past the threshold beyond what the advance covers: nothing more.
    again = _check(account, 3100, paris(2026, 10, 21))
    assert (again.uncovered_cents, again.advance, again.warned_level) == (99, None, None)
    assert BillAdvance.objects.count() == 1


def test_a_second_advance_for_the_usage_beyond_the_first() -> None:
    account, _ = _account_with_line()
    _check(account, 3001, paris(2026, 10, 20))

    second = _check(account, 6500, paris(2026, 10, 25)).advance

    assert second is not None
    assert (second.sequence, second.amount_cents) == (2, 3499)


def test_paying_the_advance_lifts_the_restriction_and_credits_it() -> None:
    account, line = _account_with_line()
    advance = _check(account, 3001, paris(2026, 10, 20)).advance
    assert advance is not None

    paid = bill_advance_payment_record(
        advance=advance,
        payment_reference="card:pi_42",
        actor=as_customer(account.customer),
        now=paris(2026, 10, 21),
    )

    assert (paid.status, paid.payment_reference) == (BillAdvanceStatus.PAID, "card:pi_42")
    line.refresh_from_db()
    assert (line.status, line.suspension_reason) == (LineStatus.ACTIVE, "")
    reinstated = Activity.objects.get(act=Act.LINE_REINSTATE, subject_id=line.pk)
    assert reinstated.actor_kind == "system"
    assert Activity.objects.get(act=Act.BILL_ADVANCE_PAYMENT_RECORD).actor_kind == "customer"


def test_the_restriction_stays_while_another_advance_is_unpaid() -> None:
    account, line = _account_with_line()
    first = _check(account, 3001, paris(2026, 10, 20)).advance
    assert first is not None
    _check(account, 6500, paris(2026, 10, 25))

    bill_advance_payment_record(
        advance=first, payment_reference="card:pi_1", actor=SYSTEM, now=paris(2026, 10, 26)
    )

    line.refresh_from_db()
    assert line.status == LineStatus.SUSPENDED


def test_paying_twice_is_refused_and_changes_nothing() -> None:
    account, _ = _account_with_line()
    advance = _check(account, 3001, paris(2026, 10, 20)).advance
    assert advance is not None
    bill_advance_payment_record(
        advance=advance, payment_reference="card:pi_1", actor=SYSTEM, now=paris(2026, 10, 21)
    )

    with pytest.raises(BillingError) as refused:
        bill_advance_payment_record(
            advance=advance, payment_reference="card:pi_2", actor=SYSTEM, now=paris(2026, 10, 22)
        )

    assert refused.value.code == BillingErrorCode.ADVANCE_NOT_PAYABLE
    advance.refresh_from_db()
    assert (advance.payment_reference, advance.paid_at) == ("card:pi_1", paris(2026, 10, 21))
    assert Activity.objects.filter(act=Act.BILL_ADVANCE_PAYMENT_RECORD).count() == 1


def test_negative_usage_is_refused() -> None:
    account, _ = _account_with_line()

    with pytest.raises(BillingError) as refused:
        _check(account, -1, paris(2026, 10, 20))

    assert refused.value.code == BillingErrorCode.OUT_OF_BUNDLE_NEGATIVE
    assert not BillAdvanceWarning.objects.exists()


def test_an_account_without_a_plan_with_thresholds_is_not_checked() -> None:
    account = open_account()
    box = make_fixed_line(account)
    subscription_add(
        line=box, product=product("bbox-fibre-exemple"), actor=SYSTEM, now=paris(2026, 9, 1)
    )
    line_activate(line=box, actor=SYSTEM, now=paris(2026, 9, 1))

    check = _check(account, 100_000, paris(2026, 10, 20))

    assert check.threshold is None and check.advance is None
    assert not BillAdvance.objects.exists()


# The credit on the invoices ---------------------------------------------------------------------


def test_the_advance_is_deducted_across_two_invoices() -> None:
    # Activated on 1 October: the first invoice also has the 10 € SIM activation fee.
    account, _ = _account_with_line(activated_at=paris(2026, 10, 1))
    advance = _check(account, 3001, paris(2026, 10, 20)).advance
    assert advance is not None
    bill_advance_payment_record(
        advance=advance, payment_reference="card:pi_1", actor=SYSTEM, now=paris(2026, 10, 21)
    )

    bill_run(period=date(2026, 10, 1), now=datetime(2026, 11, 2, 8, tzinfo=UTC))
    bill_run(period=date(2026, 11, 1), now=datetime(2026, 12, 2, 8, tzinfo=UTC))
    bill_run(period=date(2026, 11, 1), now=datetime(2026, 12, 2, 9, tzinfo=UTC))  # again
    bill_run(period=date(2026, 12, 1), now=datetime(2027, 1, 2, 8, tzinfo=UTC))

    october, november, december = Invoice.objects.filter(billing_account=account).order_by(
        "period_start"
    )
    # October: 10.00 + 17.99 − 5.00 = 22.99 €, all of it paid by the advance: 0 €, nothing
    # owed, so paid as issued; its VAT is that of 0 €.
    assert [(line.kind, line.amount_cents) for line in october.lines.order_by("position")] == [
        ("activation_fee", 1000),
        ("plan_fee", 1799),
        ("plan_discount", -500),
        ("bill_advance_credit", -2299),
    ]
    assert (october.total_cents, october.vat_cents, october.status) == (0, 0, InvoiceStatus.PAID)
    # November: 12.99 − (30.01 − 22.99 = 7.02) = 5.97 €; VAT of 5.97 €: 99.5 → 100.
    assert [(line.kind, line.amount_cents) for line in november.lines.order_by("position")] == [
        ("plan_fee", 1799),
        ("plan_discount", -500),
        ("bill_advance_credit", -702),
    ]
    assert (november.total_cents, november.vat_cents, november.total_excl_vat_cents) == (
        597,
        100,
        497,
    )
    assert november.lines.get(kind="bill_advance_credit").vat_cents == 100 - 217
    # December: nothing left to deduct.
    assert december.total_cents == 1299
    assert not december.lines.filter(kind="bill_advance_credit").exists()
    assert list(
        BillAdvanceDeduction.objects.order_by("invoice__period_start").values_list(
            "amount_cents", flat=True
        )
    ) == [2299, 702]


def test_an_unpaid_advance_is_not_deducted() -> None:
    account, _ = _account_with_line()
    _check(account, 3001, paris(2026, 10, 20))

    bill_run(period=date(2026, 10, 1), now=datetime(2026, 11, 2, 8, tzinfo=UTC))

    invoice = Invoice.objects.get(billing_account=account)
    assert invoice.total_cents == 1299
    assert not BillAdvanceDeduction.objects.exists()


# Thresholds from the account's history ----------------------------------------------------------


def test_after_three_invoices_of_20_30_40_the_threshold_is_45_euros() -> None:
    account, _ = _account_with_line()
    _three_invoices_of_20_30_40(account)

    threshold = bill_advance_threshold(billing_account=account, now=paris(2026, 10, 5))
    assert (threshold.cents, threshold.basis) == (4500, "average")
    assert _check(account, 4500, paris(2026, 10, 5)).advance is None
    advance = _check(account, 4501, paris(2026, 10, 6)).advance
    assert advance is not None and advance.amount_cents == 4501


def test_a_cancelled_invoice_does_not_count() -> None:
    account, _ = _account_with_line()
    june, *_ = _three_invoices_of_20_30_40(account)
    invoice_credit(invoice=june, reason="Erreur", actor=SYSTEM, now=paris(2026, 9, 10))

    threshold = bill_advance_threshold(billing_account=account, now=paris(2026, 10, 5))

    assert (threshold.cents, threshold.basis) == (3000, "new_customer")


def test_an_unpaid_invoice_lowers_it_to_15_euros_for_6_months() -> None:
    account, _ = _account_with_line()
    june, *_ = _three_invoices_of_20_30_40(account)
    # Issued on 2 July, due by direct debit on 5 August; still owed on 10 August.
    assert june.due_on == date(2026, 8, 5)
    invoice_mark_unpaid(invoice=june, actor=SYSTEM, now=paris(2026, 8, 10))

    def at(day: datetime) -> tuple[int, str]:
        threshold = bill_advance_threshold(billing_account=account, now=day)
        return threshold.cents, threshold.basis

    assert at(paris(2026, 8, 10)) == (1500, "after_incident")
    assert at(paris(2027, 2, 9)) == (1500, "after_incident")
    assert at(paris(2027, 2, 10)) == (4500, "average")
    # Settling the arrears does not shorten the 6 months.
    invoice_payment_record(
        invoice=june, amount_cents=2000, reference="card:pi_9", actor=SYSTEM, now=paris(2026, 9, 1)
    )
    assert at(paris(2026, 10, 1)) == (1500, "after_incident")
    advance = _check(account, 1501, paris(2026, 10, 1)).advance
    assert advance is not None and advance.threshold_basis == "after_incident"


def test_a_returned_direct_debit_is_an_incident_too() -> None:
    account, _ = _account_with_line()
    _, _, august = _three_invoices_of_20_30_40(account)
    invoice_payment_record(
        invoice=august, amount_cents=4000, reference="sepa:1", actor=SYSTEM, now=paris(2026, 10, 5)
    )
    invoice_payment_reverse(
        invoice=august,
        amount_cents=4000,
        reference="sepa:1",
        reason="AM04 provision insuffisante",
        actor=SYSTEM,
        now=paris(2026, 10, 8),
    )

    threshold = bill_advance_threshold(billing_account=account, now=paris(2026, 10, 9))

    assert (threshold.cents, threshold.basis) == (1500, "after_incident")
