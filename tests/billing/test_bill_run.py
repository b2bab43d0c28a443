"""Invoices and the bill run on the real brochure catalog: exact, hand-computed totals."""

from datetime import UTC, date, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guichet.billing import services
from guichet.billing.cycle_rules import BillingPeriod
from guichet.billing.errors import BillingError, BillingErrorCode
from guichet.billing.models import (
    CreditNote,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    NumberSequence,
    PaymentMethod,
)
from guichet.billing.selectors import invoices_for_billing_account
from guichet.billing.services import (
    bill_run,
    billing_account_set_billing_address,
    invoice_credit,
)
from guichet.care.acts import Act
from guichet.care.models import Activity
from guichet.catalog.models import CatalogRelease, Product
from guichet.customers.models import AddressKind, Civility
from guichet.customers.selectors import address_get
from guichet.customers.services import address_set
from guichet.lines.offer_services import add_on_cancel, add_on_subscribe, withdrawal
from guichet.lines.services import line_activate, subscription_add
from tests.billing.builders import (
    add_option,
    open_account,
    paris,
    product,
    terminate,
    woot_line,
)
from tests.customers.builders import SYSTEM, give_address, make_customer
from tests.lines.builders import make_fixed_line, make_mobile_line

OCTOBER = date(2026, 10, 1)
NOVEMBER = date(2026, 11, 1)  # 30 days
DECEMBER = date(2026, 12, 1)
# 2 December 2026, 9:00 in Paris: November has ended.
RUN_AT = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _catalog(loaded_catalog: CatalogRelease) -> CatalogRelease:
    return loaded_catalog


def lines_of(invoice: Invoice) -> list[tuple[str, int]]:
    return [(line.kind, line.amount_cents) for line in invoice.lines.order_by("position")]


def invoice_of(account_id: int, period: date) -> Invoice:
    return Invoice.objects.get(billing_account_id=account_id, period_start=period)


def test_full_month_of_woot_100_is_1299_with_217_vat() -> None:
    account = open_account()
    woot_line(account, activated_at=paris(2026, 10, 15))

    report = bill_run(period=NOVEMBER, now=RUN_AT)

    invoice = invoice_of(account.pk, NOVEMBER)
    assert lines_of(invoice) == [("plan_fee", 1799), ("plan_discount", -500)]
    assert (invoice.total_cents, invoice.vat_cents, invoice.total_excl_vat_cents) == (
        1299,
        217,  # 300 + (−83), and round(1299 × 20 / 120) = round(216.5) = 217 too
        1082,
    )
    assert invoice.number == "F2026-000001"
    assert (invoice.period_start, invoice.period_end) == (NOVEMBER, date(2026, 11, 30))
    assert invoice.issued_on == date(2026, 12, 2)
    # Direct debit on the 5th: 2 Dec + 10 days = 12 Dec, so 5 January (CGS 7.1 notice).
    assert invoice.due_on == date(2027, 1, 5)
    assert invoice.payment_method == PaymentMethod.DIRECT_DEBIT
    assert invoice.status == InvoiceStatus.ISSUED
    assert [line.vat_rate_bp for line in invoice.lines.all()] == [2000, 2000]
    assert report.summary() == "accounts=1 created=1 existing=0 total_eur=12.99"
    assert Activity.objects.filter(act=Act.INVOICE_ISSUE, subject_id=invoice.pk).count() == 1


def test_the_invoice_keeps_who_was_billed_and_where() -> None:
    customer = make_customer(civility=Civility.MONSIEUR, first_name="Karim", last_name="Haddad")
    give_address(customer, AddressKind.BILLING)
    account = open_account(customer)
    woot_line(account, activated_at=paris(2026, 10, 15))
    abroad = open_account(make_customer())
    address_set(
        customer=abroad.customer,
        kind=AddressKind.POSTAL,
        street_lines=["Rue Neuve 12"],
        postcode="1000",
        city="Bruxelles",
        country="BE",
        actor=SYSTEM,
        now=RUN_AT,
    )
    billing_account_set_billing_address(
        billing_account=abroad,
        address=address_get(customer=abroad.customer, kind=AddressKind.POSTAL),
        actor=SYSTEM,
        now=RUN_AT,
    )
    woot_line(abroad, activated_at=paris(2026, 10, 15))
    electronic_only = open_account()
    woot_line(electronic_only, activated_at=paris(2026, 10, 15))

    bill_run(period=NOVEMBER, now=RUN_AT)

    invoice = invoice_of(account.pk, NOVEMBER)
    assert (invoice.billed_name, invoice.billed_address) == (
        "Monsieur Karim Haddad",
        ["12 rue de la Paix", "75002 PARIS"],
    )
    assert invoice_of(abroad.pk, NOVEMBER).billed_address == [
        "Rue Neuve 12",
        "1000 Bruxelles",
        "BE",
    ]
    assert invoice_of(electronic_only.pk, NOVEMBER).billed_address == []


def test_first_invoice_has_sim_fee_and_prorata_from_the_11th() -> None:
    account = open_account(payment_method=PaymentMethod.CARD)
    line = woot_line(account, activated_at=paris(2026, 11, 11))

    bill_run(period=NOVEMBER, now=RUN_AT)

    invoice = invoice_of(account.pk, NOVEMBER)
    # 20 days of 30: 1799 × 20/30 = 1199.33 → 1199; −500 × 20/30 = −333.33 → −333.
    assert lines_of(invoice) == [
        ("activation_fee", 1000),
        ("plan_fee", 1199),
        ("plan_discount", -333),
    ]
    assert invoice.total_cents == 1866
    # VAT per line: 166.67 → 167, 199.83 → 200, −55.5 → −56: 311.
    assert invoice.vat_cents == 311
    first = invoice.lines.get(position=1)
    assert first.line_id == line.pk
    assert first.label == f"Frais d'activation Carte SIM — ligne {line.display_number}"
    plan = invoice.lines.get(position=2)
    assert (plan.service_start, plan.service_end) == (date(2026, 11, 11), date(2026, 11, 30))
    # Card: issue date + 15 days.
    assert invoice.due_on == date(2026, 12, 17)

    bill_run(period=DECEMBER, now=datetime(2027, 1, 2, 8, 0, tzinfo=UTC))
    assert lines_of(invoice_of(account.pk, DECEMBER)) == [
        ("plan_fee", 1799),
        ("plan_discount", -500),
    ]


def test_a_line_withdrawn_is_billed_the_days_used_without_the_sim_fee() -> None:
    account = open_account(payment_method=PaymentMethod.CARD)
    line = woot_line(account, activated_at=paris(2026, 11, 11))
    withdrawal(line=line, actor=SYSTEM, now=paris(2026, 11, 17))

    bill_run(period=NOVEMBER, now=RUN_AT)

    # 11–16 November, 6 days of 30: 1799 × 6/30 = 359.8 → 360; −500 × 6/30 = −100.
    assert lines_of(invoice_of(account.pk, NOVEMBER)) == [
        ("plan_fee", 360),
        ("plan_discount", -100),
    ]


def test_mobile_security_first_month_free_then_300() -> None:
    account = open_account()
    line = woot_line(account, activated_at=paris(2026, 10, 1))
    add_option(line, "securite-kaspersky", at=paris(2026, 11, 1))

    bill_run(period=NOVEMBER, now=RUN_AT)
    bill_run(period=DECEMBER, now=datetime(2027, 1, 2, 8, 0, tzinfo=UTC))

    assert lines_of(invoice_of(account.pk, NOVEMBER)) == [
        ("plan_fee", 1799),
        ("plan_discount", -500),
        ("option_fee", 0),
    ]
    assert lines_of(invoice_of(account.pk, DECEMBER)) == [
        ("plan_fee", 1799),
        ("plan_discount", -500),
        ("option_fee", 300),
    ]
    assert invoice_of(account.pk, DECEMBER).total_cents == 1599


def test_an_option_with_minutes_cancelled_the_day_it_was_taken_is_due_for_the_month() -> None:
    account = open_account()
    line = woot_line(account, activated_at=paris(2026, 10, 1))
    taken = add_on_subscribe(
        line=line, product=product("suisse-3h-300sms-300mo"), actor=SYSTEM, now=paris(2026, 11, 12)
    )
    add_on_cancel(subscription=taken, actor=SYSTEM, now=paris(2026, 11, 12, 18))

    bill_run(period=NOVEMBER, now=RUN_AT)

    assert lines_of(invoice_of(account.pk, NOVEMBER)) == [
        ("plan_fee", 1799),
        ("plan_discount", -500),
        ("option_fee", 2000),
    ]


def test_terminated_line_is_billed_up_to_the_day_before_termination() -> None:
    account = open_account()
    line = woot_line(account, activated_at=paris(2026, 10, 1))
    terminate(line, at=paris(2026, 11, 20))

    bill_run(period=NOVEMBER, now=RUN_AT)
    report = bill_run(period=DECEMBER, now=datetime(2027, 1, 2, 8, 0, tzinfo=UTC))

    # 19 days of 30: 1139.37 → 1139; −316.67 → −317.
    assert lines_of(invoice_of(account.pk, NOVEMBER)) == [
        ("plan_fee", 1139),
        ("plan_discount", -317),
    ]
    assert report.summary() == "accounts=0 created=0 existing=0 total_eur=0.00"
    assert not Invoice.objects.filter(period_start=DECEMBER).exists()


def test_accounts_without_a_line_in_service_get_no_invoice() -> None:
    pending = open_account()
    make_mobile_line(pending, now=paris(2026, 10, 1))  # never activated
    open_account()  # no line at all
    later = open_account()
    woot_line(later, activated_at=paris(2026, 12, 1))  # after the period

    report = bill_run(period=NOVEMBER, now=RUN_AT)

    assert (report.accounts, report.created, report.total_cents) == (0, 0, 0)
    assert Invoice.objects.count() == 0


def make_accounts(count: int) -> list[int]:
    ids = []
    for _ in range(count):
        account = open_account()
        woot_line(account, activated_at=paris(2026, 9, 1))
        ids.append(account.pk)
    return ids


def test_numbers_are_sequential_without_gaps_across_runs() -> None:
    ids = make_accounts(3)

    bill_run(period=OCTOBER, now=RUN_AT)
    bill_run(period=NOVEMBER, now=RUN_AT)

    numbers = [invoice_of(pk, period).number for period in (OCTOBER, NOVEMBER) for pk in ids]
    assert numbers == [f"F2026-{n:06d}" for n in range(1, 7)]
    assert NumberSequence.objects.get(name="invoice:2026").next_value == 7


def test_numbering_restarts_each_issue_year() -> None:
    make_accounts(1)
    bill_run(period=OCTOBER, now=RUN_AT)
    bill_run(period=DECEMBER, now=datetime(2027, 1, 2, 8, 0, tzinfo=UTC))
    assert sorted(Invoice.objects.values_list("number", flat=True)) == [
        "F2026-000001",
        "F2027-000001",
    ]


def test_second_run_creates_nothing_and_totals_are_identical() -> None:
    make_accounts(3)

    first = bill_run(period=NOVEMBER, now=RUN_AT)
    snapshot = list(Invoice.objects.values_list("number", "total_cents").order_by("id"))
    second = bill_run(period=NOVEMBER, now=datetime(2026, 12, 3, 8, 0, tzinfo=UTC))

    assert first.summary() == "accounts=3 created=3 existing=0 total_eur=38.97"
    assert second.summary() == "accounts=3 created=0 existing=3 total_eur=38.97"
    assert list(Invoice.objects.values_list("number", "total_cents").order_by("id")) == snapshot
    assert InvoiceLine.objects.count() == 6


def test_a_run_killed_halfway_is_finished_by_the_next_run(monkeypatch: pytest.MonkeyPatch) -> None:
    ids = make_accounts(5)
    real_record = services.activity_record_many
    calls = {"n": 0}

    def crash_on_second_chunk(**kwargs):  # the 2nd chunk fails after its invoices are written
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("killed")
        return real_record(**kwargs)

    monkeypatch.setattr(services, "activity_record_many", crash_on_second_chunk)
    with pytest.raises(RuntimeError, match="killed"):
        bill_run(period=NOVEMBER, now=RUN_AT, chunk_size=2)
    # The first chunk (two accounts) has its invoices; the second chunk's transaction left
    # nothing.
    assert sorted(Invoice.objects.values_list("billing_account_id", flat=True)) == ids[:2]
    assert InvoiceLine.objects.count() == 4
    monkeypatch.setattr(services, "activity_record_many", real_record)

    report = bill_run(period=NOVEMBER, now=RUN_AT)

    assert report.summary() == "accounts=5 created=3 existing=2 total_eur=64.95"
    assert [Invoice.objects.filter(billing_account_id=pk).count() for pk in ids] == [1] * 5
    # No number was lost with the rolled-back invoice.
    assert [invoice_of(pk, NOVEMBER).number for pk in ids] == [
        f"F2026-{n:06d}" for n in range(1, 6)
    ]


def test_resume_after_billing_some_accounts_one_by_one() -> None:
    ids = make_accounts(3)
    one = bill_run(period=NOVEMBER, now=RUN_AT, account_id=ids[1])
    assert one.summary() == "accounts=1 created=1 existing=0 total_eur=12.99"

    report = bill_run(period=NOVEMBER, now=RUN_AT)

    assert report.summary() == "accounts=3 created=2 existing=1 total_eur=38.97"
    assert Invoice.objects.count() == 3


@pytest.mark.parametrize(
    ("now", "period"),
    [
        # 30 November, 23:59 in Paris: November has not ended.
        (datetime(2026, 11, 30, 22, 59, tzinfo=UTC), NOVEMBER),
        (RUN_AT, DECEMBER),
        (RUN_AT, date(2027, 3, 1)),
    ],
)
def test_a_period_not_ended_is_refused_and_nothing_changes(now: datetime, period: date) -> None:
    make_accounts(1)
    with pytest.raises(BillingError) as refused:
        bill_run(period=period, now=now)
    assert refused.value.code == BillingErrorCode.PERIOD_NOT_ENDED
    assert Invoice.objects.count() == 0
    assert not NumberSequence.objects.filter(name__startswith="invoice:").exists()
    assert not Activity.objects.filter(act=Act.INVOICE_ISSUE).exists()


def test_a_period_ends_at_midnight_in_paris() -> None:
    make_accounts(1)
    # 1 December 2026, 00:00 in Paris (UTC+1).
    report = bill_run(period=NOVEMBER, now=datetime(2026, 11, 30, 23, 0, tzinfo=UTC))
    assert report.created == 1


@pytest.mark.parametrize("day", [29, 30, 31])
def test_a_period_starting_after_the_28th_is_refused(day: int) -> None:
    # Cycle days are 1–28 (billing.cycle_rules): no period starts on the 29th–31st.
    with pytest.raises(BillingError) as refused:
        bill_run(period=date(2026, 10, day), now=RUN_AT)
    assert refused.value.code == BillingErrorCode.PERIOD_INVALID


def test_a_run_on_another_day_leaves_the_calendar_month_accounts_alone() -> None:
    make_accounts(1)
    report = bill_run(period=date(2026, 10, 2), now=RUN_AT)
    assert (report.accounts, report.created) == (0, 0)
    assert Invoice.objects.count() == 0


def test_credit_note_cancels_an_invoice_wholly() -> None:
    account = open_account()
    woot_line(account, activated_at=paris(2026, 11, 11))
    bill_run(period=NOVEMBER, now=RUN_AT)
    invoice = invoice_of(account.pk, NOVEMBER)
    issued_lines = lines_of(invoice)

    credit = invoice_credit(invoice=invoice, reason="Geste commercial", actor=SYSTEM, now=RUN_AT)

    assert credit.number == "A2026-000001"
    assert (credit.total_cents, credit.vat_cents, credit.total_excl_vat_cents) == (
        1866,
        311,
        1555,
    )
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.CANCELLED
    assert (invoice.total_cents, lines_of(invoice)) == (1866, issued_lines)
    assert Activity.objects.filter(act=Act.INVOICE_CREDIT, subject_id=invoice.pk).count() == 1
    # The period stays invoiced: a new run does not issue a second invoice.
    assert bill_run(period=NOVEMBER, now=RUN_AT).created == 0


def test_credit_note_refused_twice_and_nothing_changes() -> None:
    account = open_account()
    woot_line(account, activated_at=paris(2026, 10, 1))
    bill_run(period=NOVEMBER, now=RUN_AT)
    invoice = invoice_of(account.pk, NOVEMBER)
    invoice_credit(invoice=invoice, reason="Erreur", actor=SYSTEM, now=RUN_AT)

    with pytest.raises(BillingError) as refused:
        invoice_credit(invoice=invoice, reason="Encore", actor=SYSTEM, now=RUN_AT)

    assert refused.value.code == BillingErrorCode.INVOICE_NOT_CANCELLABLE
    assert CreditNote.objects.count() == 1
    assert NumberSequence.objects.get(name="credit_note:2026").next_value == 2


def test_bill_run_reads_in_bulk() -> None:
    def queries(period: date) -> int:
        with CaptureQueriesContext(connection) as captured:
            bill_run(period=period, now=datetime(2027, 1, 2, 8, 0, tzinfo=UTC))
        return len(captured)

    make_accounts(2)
    queries(date(2026, 9, 1))  # warms up: the year's counter row, the catalog cache
    two = queries(OCTOBER)
    make_accounts(2)
    four = queries(NOVEMBER)
    again = queries(NOVEMBER)

    # Issuing costs the same few queries per chunk whatever its number of accounts (lock the
    # counter, existing invoices, reserve the numbers, then one insert each for the invoices,
    # their lines and the activities, and the invoices' ids read back); the reads are the same
    # for 2 or 4 accounts (release, ids with lines, ids with one-off charges, ids with
    # instalments due, ids with late items of lines ended before, existing, accounts, lines,
    # subscriptions, one-off charges, instalments, advance credits, deposits held, out-of-bundle
    # usage, Internet+ and VOD purchases, insurance contracts, total), and the accounts' cycle
    # days and cycle changes (the periods starting that day). A run with nothing left to issue:
    # release, the four lists of ids, cycle days, cycle changes, existing, total.
    assert two == four
    assert again == 9


def test_invoices_for_billing_account_newest_first() -> None:
    account = open_account()
    woot_line(account, activated_at=paris(2026, 9, 1))
    bill_run(period=OCTOBER, now=RUN_AT)
    bill_run(period=NOVEMBER, now=RUN_AT)
    assert [i.period_start for i in invoices_for_billing_account(billing_account=account)] == [
        NOVEMBER,
        OCTOBER,
    ]


def test_command_prints_one_summary_line(monkeypatch: pytest.MonkeyPatch) -> None:
    ids = make_accounts(2)
    monkeypatch.setattr(timezone, "now", lambda: RUN_AT)
    out = StringIO()

    call_command("bill-run", "--period", "2026-11", "--account", str(ids[0]), stdout=out)
    call_command("bill-run", "--period", "2026-11", stdout=out)

    assert out.getvalue() == (
        "accounts=1 created=1 existing=0 total_eur=12.99\n"
        "accounts=2 created=1 existing=1 total_eur=25.98\n"
    )


def test_command_refuses_a_future_period_and_a_bad_month(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_accounts(1)
    monkeypatch.setattr(timezone, "now", lambda: RUN_AT)
    with pytest.raises(CommandError, match="n'est pas terminée"):
        call_command("bill-run", "--period", "2026-12")
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("bill-run", "--period", "2026-13")
    assert Invoice.objects.count() == 0


def test_box_offer_first_invoice_has_its_activation_fee() -> None:
    account = open_account()
    line = make_fixed_line(account)
    subscription_add(
        line=line, product=product("bbox-fibre-exemple"), actor=SYSTEM, now=paris(2026, 11, 11)
    )
    line_activate(line=line, actor=SYSTEM, now=paris(2026, 11, 11))

    bill_run(period=NOVEMBER, now=RUN_AT)

    # Sample box offer: 30.99 €/month, 48 € activation. 3099 × 20/30 = 2066.
    assert lines_of(invoice_of(account.pk, NOVEMBER)) == [
        ("activation_fee", 4800),
        ("plan_fee", 2066),
    ]
    assert invoice_of(account.pk, NOVEMBER).total_cents == 6866


def test_a_product_missing_from_the_catalog_fails_that_account_only(
    catalog: dict[str, Product],
) -> None:
    priced = open_account()
    woot_line(priced, activated_at=paris(2026, 10, 1))
    unpriced = open_account()
    line = make_mobile_line(unpriced, now=paris(2026, 10, 1))
    subscription_add(line=line, product=catalog["woot-20"], actor=SYSTEM, now=paris(2026, 10, 1))
    line_activate(line=line, actor=SYSTEM, now=paris(2026, 10, 1))

    report = bill_run(period=NOVEMBER, now=RUN_AT)

    assert report.summary() == "accounts=2 created=1 existing=0 total_eur=12.99"
    assert report.failed == [(unpriced.pk, "billing_product_not_priced")]
    assert not Invoice.objects.filter(billing_account=unpriced).exists()


def test_an_account_invoiced_meanwhile_is_skipped_without_losing_a_number() -> None:
    ids = make_accounts(3)
    bill_run(period=NOVEMBER, now=RUN_AT, account_id=ids[1])
    accounts = services.accounts_for_bill_run(
        account_ids=ids, period=NOVEMBER, stop=services._period_bounds(NOVEMBER)[1]
    )
    drafts = [
        (
            account,
            services._account_charges(
                billing_account=account,
                period=BillingPeriod(start=NOVEMBER, stop=DECEMBER),
                prices={},
                catalog=services.catalog_current(),
                usage={},
                purchases={},
                insurances={},
            ),
        )
        for account in accounts
    ]

    issued = services.invoices_issue(drafts=drafts, period=NOVEMBER, actor=SYSTEM, now=RUN_AT)

    assert [invoice.billing_account_id for invoice in issued] == [ids[0], ids[2]]
    assert [invoice_of(pk, NOVEMBER).number for pk in ids] == [
        "F2026-000002",
        "F2026-000001",
        "F2026-000003",
    ]
    assert Activity.objects.filter(act=Act.INVOICE_ISSUE).count() == 3
