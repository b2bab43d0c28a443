"""Dunning on the real catalog: a 12.99 € card invoice for November 2026, issued 2 December and
due 17 December (D). Default schedule: reminders at D+5 and D+15, suspension at D+20, formal
notice at D+30, termination at D+60."""

from datetime import UTC, date, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guichet.billing.models import Invoice, InvoiceStatus, OneOffCharge, PaymentMethod
from guichet.billing.services import bill_run
from guichet.billing.settlement import invoice_payment_record
from guichet.care.actors import Actor
from guichet.care.acts import Act
from guichet.care.models import Activity, OutboxMessage
from guichet.catalog.models import CatalogRelease
from guichet.customers.models import Customer
from guichet.lines.models import Line, LineStatus, SuspensionReason, TerminationReason
from guichet.lines.services import line_suspend
from guichet.payments.dunning_rules import StepCode, parse_schedule
from guichet.payments.models.dunning import DunningCase, DunningCaseStatus, DunningStep
from guichet.payments.services.dunning import (
    DunningRunReport,
    dunning_case_resolve_if_paid,
    dunning_run,
)
from tests.billing.builders import open_account, paris, woot_line
from tests.customers.builders import SYSTEM, make_customer

NOVEMBER = date(2026, 11, 1)
DECEMBER = date(2026, 12, 1)
JANUARY = date(2027, 1, 1)
FEBRUARY = date(2027, 2, 1)
STEP_DATES = {
    date(2026, 12, 22): StepCode.FIRST_REMINDER,
    date(2027, 1, 1): StepCode.SECOND_REMINDER,
    date(2027, 1, 6): StepCode.SUSPENSION,
    date(2027, 1, 16): StepCode.FORMAL_NOTICE,
    date(2027, 2, 15): StepCode.TERMINATION,
}


@pytest.fixture(autouse=True)
def _catalog(loaded_catalog: CatalogRelease) -> CatalogRelease:
    return loaded_catalog


@pytest.fixture
def customer() -> Customer:
    return make_customer(first_name="Karim", last_name="Benali")


@pytest.fixture
def line(customer: Customer) -> Line:
    """A Woot 100 Go line on a card account, with its November invoice issued."""
    account = open_account(customer, payment_method=PaymentMethod.CARD)
    line = woot_line(account, activated_at=paris(2026, 10, 15))
    bill_run(period=NOVEMBER, now=datetime(2026, 12, 2, 5, 0, tzinfo=UTC))
    invoice = Invoice.objects.get(billing_account=account)
    assert (invoice.total_cents, invoice.due_on) == (1299, date(2026, 12, 17))
    return line


def run(day: date, **kwargs: object) -> DunningRunReport:
    return dunning_run(now=paris(day.year, day.month, day.day, 8), **kwargs)  # type: ignore[arg-type]


def steps_done(line: Line) -> list[tuple[str, date]]:
    return [
        (step.step, step.done_at.date())
        for step in DunningStep.objects.filter(case__billing_account=line.billing_account)
    ]


def status_of(line: Line) -> tuple[str, str, str]:
    line.refresh_from_db()
    return (line.status, line.suspension_reason, line.termination_reason)


def outbox(template: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(template=template).order_by("channel"))


def pay(line: Line, cents: int, *, at: datetime, customer: Customer) -> Invoice:
    invoice = Invoice.objects.get(billing_account=line.billing_account, period_start=NOVEMBER)
    return invoice_payment_record(
        invoice=invoice,
        amount_cents=cents,
        reference="card-1",
        actor=Actor.customer(customer.user),
        now=at,
    )


def test_the_invoice_becomes_unpaid_and_a_case_opens_the_day_after_its_due_date(
    line: Line,
) -> None:
    assert run(date(2026, 12, 17)).summary() == (
        "date=2026-12-17 marked_unpaid=0 opened=0 first_reminder=0 second_reminder=0"
        " suspension=0 formal_notice=0 termination=0 resolved=0 open=0"
    )
    report = run(date(2026, 12, 18))

    assert (report.marked_unpaid, report.opened, report.open_cases) == (1, 1, 1)
    assert Invoice.objects.get().status == InvoiceStatus.UNPAID
    case = DunningCase.objects.get()
    assert (case.status, case.reference_due_on) == (DunningCaseStatus.OPEN, date(2026, 12, 17))
    assert steps_done(line) == []
    assert Activity.objects.get(act=Act.DUNNING_CASE_OPEN).summary == (
        f"Impayé sur le compte {line.billing_account.number} : 12,99 € dus depuis le 17/12/2026"
    )


def test_each_step_is_done_on_its_date_and_not_the_day_before(line: Line) -> None:
    run(date(2026, 12, 18))
    for day, code in STEP_DATES.items():
        before = len(steps_done(line))
        assert sum(run(date.fromordinal(day.toordinal() - 1)).steps.values()) == 0
        assert len(steps_done(line)) == before

        report = run(day)

        assert dict(report.steps) == {code: 1}
        assert steps_done(line)[-1] == (code, day)
    assert [step.owed_cents for step in DunningStep.objects.all()] == [1299] * 5


def test_reminders_go_by_email_and_sms_and_announce_the_suspension(
    line: Line, customer: Customer
) -> None:
    for day in (date(2026, 12, 18), date(2026, 12, 22), date(2027, 1, 1)):
        run(day)

    reminders = outbox("dunning_reminder")
    assert [(m.channel, m.recipient, m.context["step"]) for m in reminders] == [
        ("email", customer.contact_email, "Première relance"),
        ("email", customer.contact_email, "Seconde relance"),
        ("sms", customer.contact_phone, "Première relance"),
        ("sms", customer.contact_phone, "Seconde relance"),
    ]
    first, second = reminders[0].context, reminders[1].context
    assert (first["owed"], first["due_date"], first["first_name"]) == (
        "12,99 €",
        "17/12/2026",
        "Karim",
    )
    assert first["announcement"] == ""
    # CGS 2.4: the customer is told before the suspension, with its date and the fee.
    assert second["announcement"] == (
        "\nSans règlement, les appels, SMS et données sortants de vos lignes seront suspendus à"
        " partir du 06/01/2027 (CGS 2.4). Vous continuerez à recevoir appels et SMS, et la"
        " facturation se poursuivra pendant la suspension. La remise en service après"
        " régularisation coûte 10,00 € par ligne."
    )
    assert second["announcement_sms"] == " Sans règlement, usages sortants suspendus le 06/01/2027."


def test_suspension_bars_outgoing_usage_of_the_active_lines(line: Line, customer: Customer) -> None:
    for day in (date(2026, 12, 18), date(2026, 12, 22), date(2027, 1, 1), date(2027, 1, 6)):
        run(day)

    assert status_of(line) == (LineStatus.SUSPENDED, SuspensionReason.UNPAID, "")
    assert DunningStep.objects.get(step=StepCode.SUSPENSION).line_ids == [line.pk]
    assert [m.channel for m in outbox("line_suspended_outgoing")] == ["email", "sms"]


def test_formal_notice_announces_the_termination_which_follows_cgs_8_2(line: Line) -> None:
    for day in (date(2026, 12, 18), *STEP_DATES):
        run(day)

    notice = outbox("dunning_formal_notice")[0].context
    assert notice["announcement"] == (
        "\nÀ défaut de paiement, votre contrat sera résilié le 15/02/2027 (CGS 8.2) : la"
        " résiliation entraîne la désactivation définitive de la carte SIM et la perte du"
        " numéro, et les sommes dues restent exigibles."
    )
    assert status_of(line) == (LineStatus.TERMINATED, "", TerminationReason.UNPAID)
    assert DunningStep.objects.get(step=StepCode.TERMINATION).line_ids == [line.pk]
    # Nothing is left to do, and the debt is still owed: the case stays open.
    assert sum(run(date(2027, 3, 1)).steps.values()) == 0
    assert DunningCase.objects.get().status == DunningCaseStatus.OPEN


def test_running_twice_on_the_same_date_does_nothing_more(line: Line) -> None:
    run(date(2026, 12, 18))
    run(date(2026, 12, 22))
    counts = (Activity.objects.count(), OutboxMessage.objects.count(), DunningStep.objects.count())

    again = run(date(2026, 12, 22))

    assert again.summary() == (
        "date=2026-12-22 marked_unpaid=0 opened=0 first_reminder=0 second_reminder=0"
        " suspension=0 formal_notice=0 termination=0 resolved=0 open=1"
    )
    assert (
        Activity.objects.count(),
        OutboxMessage.objects.count(),
        DunningStep.objects.count(),
    ) == counts


def test_a_day_with_nothing_due_costs_the_same_few_queries_whatever_the_cases() -> None:
    def queries(day: date) -> int:
        with CaptureQueriesContext(connection) as captured:
            run(day)
        return len(captured)

    def accounts_with_an_unpaid_invoice(count: int) -> None:
        for _ in range(count):
            woot_line(
                open_account(payment_method=PaymentMethod.CARD), activated_at=paris(2026, 9, 1)
            )

    accounts_with_an_unpaid_invoice(1)
    bill_run(period=NOVEMBER, now=datetime(2026, 12, 2, 5, 0, tzinfo=UTC))
    run(date(2026, 12, 18))
    one = queries(date(2026, 12, 19))
    accounts_with_an_unpaid_invoice(3)
    bill_run(period=NOVEMBER, now=datetime(2026, 12, 2, 5, 0, tzinfo=UTC))
    run(date(2026, 12, 19))
    four = queries(date(2026, 12, 20))

    # Invoices to mark, open cases, their steps, accounts in arrears.
    assert one == four == 4


def test_a_case_opened_late_keeps_the_delay_after_each_reminder(line: Line) -> None:
    report = run(date(2027, 1, 10))  # D+24: the run did not run before

    assert (report.marked_unpaid, report.opened, dict(report.steps)) == (
        1,
        1,
        {StepCode.FIRST_REMINDER: 1},
    )
    for day in (date(2027, 1, 19), date(2027, 1, 20), date(2027, 1, 24), date(2027, 1, 25)):
        run(day)
    assert steps_done(line) == [
        (StepCode.FIRST_REMINDER, date(2027, 1, 10)),
        (StepCode.SECOND_REMINDER, date(2027, 1, 20)),
        (StepCode.SUSPENSION, date(2027, 1, 25)),
    ]


def test_payment_closes_the_case_reinstates_the_line_and_bills_the_fee_next(
    line: Line, customer: Customer
) -> None:
    for day in (date(2026, 12, 18), date(2026, 12, 22), date(2027, 1, 1)):
        run(day)
    bill_run(period=DECEMBER, now=paris(2027, 1, 2, 6))  # billing goes on
    run(date(2027, 1, 6))
    paid_at = paris(2027, 1, 8, 19)
    pay(line, 1299, at=paid_at, customer=customer)

    case = dunning_case_resolve_if_paid(
        billing_account=line.billing_account, actor=Actor.customer(customer.user), now=paid_at
    )

    assert case is not None
    assert (case.status, case.resolved_at) == (DunningCaseStatus.RESOLVED, paid_at)
    assert status_of(line) == (LineStatus.ACTIVE, "", "")
    fee = OneOffCharge.objects.get()
    assert (fee.product.code, fee.amount_cents, fee.charged_on, fee.billing_account_id) == (
        "remise-en-service-impaye",
        1000,
        date(2027, 1, 8),
        line.billing_account_id,
    )
    resolved = outbox("dunning_resolved")
    assert [m.channel for m in resolved] == ["email", "sms"]
    assert resolved[0].context["reinstatement"] == (
        f"\nVotre ligne {line.display_number} est remise en service ; les frais de remise en"
        " service (10,00 € par ligne, Brochure Tarifs) figureront sur votre prochaine facture."
    )
    # The December invoice, issued before, does not carry the fee; January's does, once.
    bill_run(period=JANUARY, now=paris(2027, 2, 2, 6))
    bill_run(period=FEBRUARY, now=paris(2027, 3, 2, 6))
    january = Invoice.objects.get(period_start=JANUARY)
    assert [(line.kind, line.amount_cents) for line in january.lines.order_by("position")] == [
        ("plan_fee", 1799),
        ("plan_discount", -500),
        ("one_off_fee", 1000),
    ]
    assert (january.total_cents, january.vat_cents) == (2299, 384)  # 300 − 83 + 167
    fee.refresh_from_db()
    assert fee.invoice == january
    february = Invoice.objects.get(period_start=FEBRUARY)
    assert february.total_cents == 1299
    # A new run finds the account paid up: nothing to do.
    assert run(date(2027, 1, 9)).summary().endswith("resolved=0 open=0")


def test_the_run_itself_closes_a_case_paid_meanwhile(line: Line, customer: Customer) -> None:
    for day in (date(2026, 12, 18), date(2026, 12, 22), date(2027, 1, 1), date(2027, 1, 6)):
        run(day)
    pay(line, 1299, at=paris(2027, 1, 8, 19), customer=customer)

    report = run(date(2027, 1, 9))

    assert (report.resolved, report.open_cases) == (1, 0)
    assert status_of(line) == (LineStatus.ACTIVE, "", "")
    assert OneOffCharge.objects.get().amount_cents == 1000


def test_a_partial_payment_closes_nothing(line: Line, customer: Customer) -> None:
    for day in (date(2026, 12, 18), date(2026, 12, 22), date(2027, 1, 1), date(2027, 1, 6)):
        run(day)
    at = paris(2027, 1, 8, 19)
    pay(line, 299, at=at, customer=customer)

    case = dunning_case_resolve_if_paid(billing_account=line.billing_account, actor=SYSTEM, now=at)

    assert case is None
    assert DunningCase.objects.get().status == DunningCaseStatus.OPEN
    assert status_of(line) == (LineStatus.SUSPENDED, SuspensionReason.UNPAID, "")
    assert OneOffCharge.objects.count() == 0
    # The next steps quote what is still owed.
    run(date(2027, 1, 16))
    assert DunningStep.objects.get(step=StepCode.FORMAL_NOTICE).owed_cents == 1000


def test_billing_goes_on_while_the_line_is_suspended(line: Line) -> None:
    schedule = parse_schedule("first_reminder=5,suspension=20")
    for day in (date(2026, 12, 18), date(2026, 12, 22), date(2027, 1, 6)):
        run(day, schedule=schedule)

    bill_run(period=FEBRUARY, now=paris(2027, 3, 2, 6))

    assert status_of(line) == (LineStatus.SUSPENDED, SuspensionReason.UNPAID, "")
    february = Invoice.objects.get(period_start=FEBRUARY)
    assert [(item.kind, item.amount_cents) for item in february.lines.order_by("position")] == [
        ("plan_fee", 1799),
        ("plan_discount", -500),
    ]


def test_paid_after_termination_closes_the_case_without_reinstatement(
    line: Line, customer: Customer
) -> None:
    for day in (date(2026, 12, 18), *STEP_DATES):
        run(day)
    pay(line, 1299, at=paris(2027, 2, 20), customer=customer)

    assert run(date(2027, 2, 21)).resolved == 1
    assert status_of(line) == (LineStatus.TERMINATED, "", TerminationReason.UNPAID)
    assert OneOffCharge.objects.count() == 0
    assert outbox("dunning_resolved")[0].context["reinstatement"] == ""


def test_paid_before_any_step_closes_quietly(line: Line, customer: Customer) -> None:
    run(date(2026, 12, 18))
    pay(line, 1299, at=paris(2026, 12, 19), customer=customer)

    assert run(date(2026, 12, 20)).resolved == 1
    assert outbox("dunning_resolved") == []
    assert Activity.objects.filter(act=Act.DUNNING_CASE_RESOLVE).count() == 1


def test_a_line_suspended_for_a_loss_keeps_it_with_the_unpaid_bar_under_it(
    line: Line, customer: Customer
) -> None:
    lost = woot_line(line.billing_account, activated_at=paris(2026, 10, 15))
    line_suspend(line=lost, reason=SuspensionReason.LOSS, actor=SYSTEM, now=paris(2026, 12, 1))
    for day in (date(2026, 12, 18), date(2026, 12, 22), date(2027, 1, 1), date(2027, 1, 6)):
        run(day)
    assert DunningStep.objects.get(step=StepCode.SUSPENSION).line_ids == [line.pk, lost.pk]
    lost.refresh_from_db()
    assert (lost.suspension_reason, lost.suspension_replaced) == (
        SuspensionReason.LOSS,
        SuspensionReason.UNPAID,
    )
    pay(line, 1299, at=paris(2027, 1, 8), customer=customer)

    run(date(2027, 1, 9))

    assert status_of(lost) == (LineStatus.SUSPENDED, SuspensionReason.LOSS, "")
    lost.refresh_from_db()
    assert lost.suspension_replaced == ""  # found later, it works again
    assert status_of(line) == (LineStatus.ACTIVE, "", "")
    assert list(OneOffCharge.objects.values_list("billing_account_id", flat=True)) == [
        line.billing_account_id
    ]


def test_a_new_episode_opens_a_new_case(line: Line, customer: Customer) -> None:
    run(date(2026, 12, 18))
    pay(line, 1299, at=paris(2026, 12, 19), customer=customer)
    run(date(2026, 12, 20))
    bill_run(period=DECEMBER, now=paris(2027, 1, 2, 6))  # due 17 January

    run(date(2027, 1, 18))

    cases = list(DunningCase.objects.order_by("opened_at"))
    assert [(case.status, case.reference_due_on) for case in cases] == [
        (DunningCaseStatus.RESOLVED, date(2026, 12, 17)),
        (DunningCaseStatus.OPEN, date(2027, 1, 17)),
    ]


def test_command_prints_one_summary_line_and_refuses_the_future(
    line: Line, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(timezone, "now", lambda: paris(2026, 12, 22, 23))
    out = StringIO()

    call_command("dunning", "run", "--date", "2026-12-18", stdout=out)
    call_command("dunning", "run", stdout=out)
    call_command("dunning", "run", "--account", str(line.billing_account_id), stdout=out)

    assert out.getvalue().splitlines() == [
        "date=2026-12-18 marked_unpaid=1 opened=1 first_reminder=0 second_reminder=0"
        " suspension=0 formal_notice=0 termination=0 resolved=0 open=1",
        "date=2026-12-22 marked_unpaid=0 opened=0 first_reminder=1 second_reminder=0"
        " suspension=0 formal_notice=0 termination=0 resolved=0 open=1",
        "date=2026-12-22 marked_unpaid=0 opened=0 first_reminder=0 second_reminder=0"
        " suspension=0 formal_notice=0 termination=0 resolved=0 open=1",
    ]
    # A past date runs as the 8:00 run of that day would have.
    assert DunningCase.objects.get().opened_at == paris(2026, 12, 18, 8)
    with pytest.raises(CommandError, match="future"):
        call_command("dunning", "run", "--date", "2026-12-23")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("dunning", "run", "--date", "22/12/2026")


def test_an_invalid_schedule_is_reported_by_the_checks_and_the_command(
    line: Line, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from guichet.payments.checks import check_dunning_schedule

    settings.GUICHET_DUNNING_SCHEDULE = "suspension=20"
    monkeypatch.setattr(timezone, "now", lambda: paris(2026, 12, 22, 23))

    assert [error.id for error in check_dunning_schedule()] == ["guichet.payments.E001"]
    with pytest.raises(CommandError, match=r"CGS 2\.4"):
        call_command("dunning", "run")
    assert DunningCase.objects.count() == 0
