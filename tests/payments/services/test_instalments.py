"""Instalment plans: creation, the instalments on the invoices (bill run), early settlement.

Hand-computed on the real brochure catalog: Woot 100 Go is 17.99 € − 5.00 € = 12.99 € a month;
500 € in 24 instalments is a first of 20.91 € then 20.83 € (2083 × 24 = 49 992, 8 cents left).
"""

from datetime import UTC, date, datetime

import pytest

from guichet.billing.errors import BillingError, BillingErrorCode
from guichet.billing.models import Invoice
from guichet.billing.services import bill_run, billing_account_close
from guichet.care.acts import Act
from guichet.care.models import Activity
from guichet.catalog.models import CatalogRelease
from guichet.lines.models import Ownership
from guichet.payments.errors import InstalmentError, InstalmentErrorCode
from guichet.payments.models import (
    Instalment,
    InstalmentPlan,
    InstalmentPlanStatus,
    InstalmentStatus,
)
from guichet.payments.selectors.instalments import instalment_plan_outstanding_cents
from guichet.payments.services.instalments import instalment_plan_settle, instalments_bill
from tests.billing.builders import open_account, paris, terminate, woot_line
from tests.customers.builders import SYSTEM, make_customer
from tests.payments.instalment_builders import make_phone, make_plan

SEPTEMBER = date(2026, 9, 1)
OCTOBER = date(2026, 10, 1)
NOVEMBER = date(2026, 11, 1)
DECEMBER = date(2026, 12, 1)
# Runs on the 2nd of the next month, 9:00 in Paris.
RUN_OCTOBER = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
RUN_NOVEMBER = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
RUN_DECEMBER = datetime(2027, 1, 2, 8, 0, tzinfo=UTC)
BOUGHT_AT = paris(2026, 10, 15)


@pytest.fixture(autouse=True)
def _catalog(loaded_catalog: CatalogRelease) -> CatalogRelease:
    return loaded_catalog


def _lines(invoice: Invoice) -> list[tuple[str, int]]:
    return [(line.kind, line.amount_cents) for line in invoice.lines.order_by("position")]


def _invoice(account_id: int, period: date) -> Invoice:
    return Invoice.objects.get(billing_account_id=account_id, period_start=period)


def _plan_with_line(**plan: object) -> tuple[InstalmentPlan, int]:
    account = open_account()
    line = woot_line(account, activated_at=paris(2026, 9, 1))
    phone = make_phone(account, at=BOUGHT_AT, line=line)
    return make_plan(account, phone, at=BOUGHT_AT, first_period=OCTOBER, **plan), account.pk


# Creation ---------------------------------------------------------------------------------------


def test_plan_writes_its_schedule_and_logs_the_act() -> None:
    plan, _ = _plan_with_line()

    instalments = list(plan.instalments.order_by("number"))
    assert [(i.number, i.period_start, i.amount_cents) for i in instalments[:2]] == [
        (1, OCTOBER, 2091),
        (2, NOVEMBER, 2083),
    ]
    assert len(instalments) == 24
    assert instalments[-1].period_start == date(2028, 9, 1)
    assert {i.status for i in instalments} == {InstalmentStatus.SCHEDULED}
    assert (plan.label, plan.status) == ("Samsung Galaxy S24 128 Go", InstalmentPlanStatus.ACTIVE)
    assert instalment_plan_outstanding_cents(plan=plan) == 50_000
    (entry,) = Activity.objects.filter(act=Act.INSTALMENT_PLAN_CREATE)
    assert entry.summary == (
        "Facilité de paiement Samsung Galaxy S24 128 Go : 500,00 € en 24 mensualités à partir"
        " de 10/2026"
    )
    assert entry.new_values["first_instalment_cents"] == 2091
    assert entry.new_values["instalment_cents"] == 2083


def _refused(code: InstalmentErrorCode, **kwargs: object) -> InstalmentError:
    plans, instalments = InstalmentPlan.objects.count(), Instalment.objects.count()
    acts = Activity.objects.filter(act=Act.INSTALMENT_PLAN_CREATE).count()
    with pytest.raises(InstalmentError) as refused:
        make_plan(**kwargs)  # type: ignore[arg-type]
    assert refused.value.code == code
    assert (InstalmentPlan.objects.count(), Instalment.objects.count()) == (plans, instalments)
    assert Activity.objects.filter(act=Act.INSTALMENT_PLAN_CREATE).count() == acts
    return refused.value


def test_a_rented_device_is_refused() -> None:
    account = open_account()
    rented = make_phone(account, at=BOUGHT_AT, ownership=Ownership.RENTED)
    error = _refused(
        InstalmentErrorCode.EQUIPMENT_RENTED,
        account=account,
        phone=rented,
        at=BOUGHT_AT,
        first_period=OCTOBER,
    )
    assert "est loué" in error.message


def test_another_customers_device_is_refused() -> None:
    account = open_account()
    other = make_phone(open_account(make_customer()), at=BOUGHT_AT)
    _refused(
        InstalmentErrorCode.EQUIPMENT_NOT_CUSTOMERS,
        account=account,
        phone=other,
        at=BOUGHT_AT,
        first_period=OCTOBER,
    )


def test_a_past_first_month_is_refused() -> None:
    account = open_account()
    phone = make_phone(account, at=BOUGHT_AT)
    error = _refused(
        InstalmentErrorCode.FIRST_PERIOD_PAST,
        account=account,
        phone=phone,
        at=BOUGHT_AT,
        first_period=SEPTEMBER,
    )
    assert error.message == "La première mensualité ne peut pas porter sur un mois passé (09/2026)."


def test_terms_without_a_schedule_are_refused() -> None:
    account = open_account()
    phone = make_phone(account, at=BOUGHT_AT)
    error = _refused(
        InstalmentErrorCode.TERMS_INVALID,
        account=account,
        phone=phone,
        at=BOUGHT_AT,
        first_period=OCTOBER,
        count=48,
    )
    assert error.message == "Une facilité de paiement compte de 2 à 36 mensualités (demandé : 48)."


def test_a_device_already_being_paid_is_refused() -> None:
    plan, _ = _plan_with_line()
    _refused(
        InstalmentErrorCode.EQUIPMENT_ALREADY_IN_PLAN,
        account=plan.billing_account,
        phone=plan.equipment,
        at=BOUGHT_AT,
        first_period=NOVEMBER,
    )


# The instalments on the invoices ----------------------------------------------------------------


def test_first_instalment_on_the_month_invoice_with_hand_computed_totals() -> None:
    plan, account_id = _plan_with_line()

    bill_run(period=OCTOBER, now=RUN_OCTOBER)

    invoice = _invoice(account_id, OCTOBER)
    assert _lines(invoice) == [("plan_fee", 1799), ("plan_discount", -500), ("instalment", 2091)]
    # 1299 + 2091; VAT per line: 299.83 → 300, −83.33 → −83, 348.5 → 349.
    assert (invoice.total_cents, invoice.vat_cents, invoice.total_excl_vat_cents) == (
        3390,
        566,
        2824,
    )
    line = invoice.lines.get(kind="instalment")
    assert line.label == (
        "Facilité de paiement Samsung Galaxy S24 128 Go — mensualité 1/24 de 10/2026"
    )
    assert line.line_id == plan.equipment.line_id
    assert (line.service_start, line.service_end) == (OCTOBER, date(2026, 10, 31))
    first = plan.instalments.get(number=1)
    assert (first.status, first.invoice_id) == (InstalmentStatus.BILLED, invoice.pk)

    bill_run(period=NOVEMBER, now=RUN_NOVEMBER)

    november = _invoice(account_id, NOVEMBER)
    assert _lines(november) == [("plan_fee", 1799), ("plan_discount", -500), ("instalment", 2083)]
    # VAT: 300 − 83 + round(347.17) = 564.
    assert (november.total_cents, november.vat_cents) == (3382, 564)
    assert instalment_plan_outstanding_cents(plan=plan) == 50_000 - 2091 - 2083


def test_bill_run_again_bills_each_instalment_once() -> None:
    plan, account_id = _plan_with_line()

    bill_run(period=OCTOBER, now=RUN_OCTOBER)
    again = bill_run(period=OCTOBER, now=RUN_OCTOBER)

    assert (again.created, again.existing) == (0, 1)
    assert Invoice.objects.filter(billing_account_id=account_id).count() == 1
    assert list(plan.instalments.filter(status=InstalmentStatus.BILLED).values_list("number")) == [
        (1,)
    ]
    assert _invoice(account_id, OCTOBER).lines.filter(kind="instalment").count() == 1


def test_an_instalment_a_month_missed_comes_on_the_next_invoice_only() -> None:
    plan, account_id = _plan_with_line()

    bill_run(period=NOVEMBER, now=RUN_NOVEMBER)  # October was never run for this account
    bill_run(period=OCTOBER, now=RUN_NOVEMBER)

    november = _invoice(account_id, NOVEMBER)
    assert _lines(november) == [
        ("plan_fee", 1799),
        ("plan_discount", -500),
        ("instalment", 2091),
        ("instalment", 2083),
    ]
    assert november.lines.get(amount_cents=2091).label.endswith("mensualité 1/24 de 10/2026")
    assert _lines(_invoice(account_id, OCTOBER)) == [("plan_fee", 1799), ("plan_discount", -500)]
    assert plan.instalments.filter(invoice__period_start=NOVEMBER).count() == 2


def test_instalments_go_on_after_the_line_ends_and_the_plan_completes() -> None:
    account = open_account()
    line = woot_line(account, activated_at=paris(2026, 9, 1))
    phone = make_phone(account, at=BOUGHT_AT, line=line)
    plan = make_plan(account, phone, at=BOUGHT_AT, first_period=OCTOBER, count=2)
    terminate(line, at=paris(2026, 10, 21))

    bill_run(period=OCTOBER, now=RUN_OCTOBER)
    report = bill_run(period=NOVEMBER, now=RUN_NOVEMBER)

    # 20 days of October: 1799 × 20/31 = 1160.65 → 1161; −500 × 20/31 = −322.58 → −323.
    assert _lines(_invoice(account.pk, OCTOBER)) == [
        ("plan_fee", 1161),
        ("plan_discount", -323),
        ("instalment", 25_000),
    ]
    # No line in service in November: the account is invoiced for its instalment alone.
    assert report.summary() == "accounts=1 created=1 existing=0 total_eur=250.00"
    assert _lines(_invoice(account.pk, NOVEMBER)) == [("instalment", 25_000)]
    plan.refresh_from_db()
    assert plan.status == InstalmentPlanStatus.COMPLETED
    (entry,) = Activity.objects.filter(act=Act.INSTALMENT_PLAN_COMPLETE, subject_id=plan.pk)
    assert entry.summary == (
        "Facilité de paiement Samsung Galaxy S24 128 Go : dernière mensualité facturée"
    )
    assert bill_run(period=DECEMBER, now=RUN_DECEMBER).accounts == 0


def test_an_account_with_a_plan_running_cannot_be_closed() -> None:
    account = open_account()
    line = woot_line(account, activated_at=paris(2026, 9, 1))
    make_plan(account, make_phone(account, at=BOUGHT_AT), at=BOUGHT_AT, first_period=OCTOBER)
    terminate(line, at=paris(2026, 10, 21))

    with pytest.raises(BillingError) as refused:
        billing_account_close(billing_account=account, actor=SYSTEM, now=paris(2026, 10, 22))

    assert refused.value.code == BillingErrorCode.OPEN_INSTALMENT_PLANS
    account.refresh_from_db()
    assert account.status == "active"


def test_billing_an_instalment_twice_is_refused() -> None:
    plan, _ = _plan_with_line()
    bill_run(period=OCTOBER, now=RUN_OCTOBER)
    first = plan.instalments.get(number=1)

    with pytest.raises(InstalmentError) as refused:
        instalments_bill(invoice_of={first.pk: first.invoice_id}, now=RUN_NOVEMBER)

    assert refused.value.code == InstalmentErrorCode.ALREADY_BILLED
    assert refused.value.extra == {"instalment_ids": [first.pk]}


# Early settlement -------------------------------------------------------------------------------


def test_early_settlement_pays_the_outstanding_principal_and_stops_the_instalments() -> None:
    plan, account_id = _plan_with_line()
    bill_run(period=OCTOBER, now=RUN_OCTOBER)
    outstanding = instalment_plan_outstanding_cents(plan=plan)
    assert outstanding == 47_909  # 50 000 − 2091

    settled = instalment_plan_settle(
        plan=plan,
        amount_cents=outstanding,
        payment_reference="card:pi_3Q1",
        actor=SYSTEM,
        now=paris(2026, 11, 10),
    )
    bill_run(period=NOVEMBER, now=RUN_NOVEMBER)

    assert (settled.status, settled.settled_cents, settled.settlement_reference) == (
        InstalmentPlanStatus.SETTLED,
        47_909,
        "card:pi_3Q1",
    )
    assert _lines(_invoice(account_id, NOVEMBER)) == [("plan_fee", 1799), ("plan_discount", -500)]
    statuses = list(plan.instalments.order_by("number").values_list("status", flat=True))
    assert statuses == [InstalmentStatus.BILLED] + [InstalmentStatus.SETTLED] * 23
    assert instalment_plan_outstanding_cents(plan=plan) == 0
    (entry,) = Activity.objects.filter(act=Act.INSTALMENT_PLAN_SETTLE)
    assert entry.summary == (
        "Facilité de paiement Samsung Galaxy S24 128 Go soldée : 479,09 € (23 mensualité(s) non"
        " facturées)"
    )


def test_settling_with_another_amount_is_refused_and_changes_nothing() -> None:
    plan, _ = _plan_with_line()

    with pytest.raises(InstalmentError) as refused:
        instalment_plan_settle(
            plan=plan,
            amount_cents=49_999,
            payment_reference="card:pi_3Q1",
            actor=SYSTEM,
            now=paris(2026, 10, 20),
        )

    assert refused.value.code == InstalmentErrorCode.SETTLEMENT_AMOUNT_MISMATCH
    assert refused.value.extra["outstanding_cents"] == 50_000
    plan.refresh_from_db()
    assert plan.status == InstalmentPlanStatus.ACTIVE
    assert not plan.instalments.exclude(status=InstalmentStatus.SCHEDULED).exists()
    assert not Activity.objects.filter(act=Act.INSTALMENT_PLAN_SETTLE).exists()


def test_a_settled_plan_cannot_be_settled_again() -> None:
    plan, _ = _plan_with_line()
    instalment_plan_settle(
        plan=plan,
        amount_cents=50_000,
        payment_reference="card:pi_1",
        actor=SYSTEM,
        now=paris(2026, 10, 20),
    )

    with pytest.raises(InstalmentError) as refused:
        instalment_plan_settle(
            plan=plan,
            amount_cents=0,
            payment_reference="card:pi_2",
            actor=SYSTEM,
            now=paris(2026, 10, 21),
        )

    assert refused.value.code == InstalmentErrorCode.PLAN_NOT_ACTIVE
    plan.refresh_from_db()
    assert (plan.settled_cents, plan.settlement_reference) == (50_000, "card:pi_1")
