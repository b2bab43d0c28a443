"""Karim's unpaid invoice in the demo, made by the real bill run, settlement and dunning run."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from guichet.billing.models import Invoice, InvoiceStatus
from guichet.billing.selectors import arrears_state
from guichet.care.models import Activity, OutboxMessage
from guichet.customers.selectors import customer_get_by_login_email
from guichet.demo.services import demo_data_create
from guichet.lines.models import Line, LineStatus, SuspensionReason
from guichet.payments.dunning_rules import StepCode
from guichet.payments.models.dunning import DunningCase, DunningCaseStatus, DunningStep

PARIS = ZoneInfo("Europe/Paris")
# The demo's today: Karim joined on 23 September 2025 and pays by card; invoices are issued on
# the 2nd and due on the 17th.
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=PARIS)

pytestmark = pytest.mark.django_db


def _karim():
    customer = customer_get_by_login_email(email="karim@demo.guichet.fr")
    assert customer is not None
    return customer


def test_karim_is_in_dunning_at_the_step_the_schedule_gives_for_the_demo_date(loaded_catalog):
    demo_data_create(customers=0, seed=1, now=NOW)
    karim = _karim()

    # September's invoice (due 17 October, 37 days before today) is the one left unpaid;
    # October's (due 17 November) joined it; the ones before were paid by card.
    invoices = Invoice.objects.filter(billing_account__customer=karim).order_by("period_start")
    statuses = [(i.period_start, i.status) for i in invoices]
    assert statuses[-3:] == [
        (date(2026, 8, 1), InvoiceStatus.PAID),
        (date(2026, 9, 1), InvoiceStatus.UNPAID),
        (date(2026, 10, 1), InvoiceStatus.UNPAID),
    ]
    assert {status for _, status in statuses[:-2]} == {InvoiceStatus.PAID}
    case = DunningCase.objects.get(billing_account__customer=karim)
    assert (case.status, case.reference_due_on) == (DunningCaseStatus.OPEN, date(2026, 10, 17))
    steps = [
        (step.step, step.done_at.astimezone(PARIS).date())
        for step in DunningStep.objects.filter(case=case)
    ]
    assert steps == [
        (StepCode.FIRST_REMINDER, date(2026, 10, 22)),
        (StepCode.SECOND_REMINDER, date(2026, 11, 1)),
        (StepCode.SUSPENSION, date(2026, 11, 6)),
        (StepCode.FORMAL_NOTICE, date(2026, 11, 16)),
    ]
    line = Line.objects.get(billing_account__customer=karim)
    assert (line.status, line.suspension_reason) == (LineStatus.SUSPENDED, SuspensionReason.UNPAID)
    assert OutboxMessage.objects.filter(customer=karim, template="dunning_reminder").count() == 4
    state = arrears_state(customer=karim, today=NOW.date())
    # His September and October invoices, out-of-bundle usage included (demo.usage_history).
    owed = sum(
        invoice.total_cents
        for invoice in Invoice.objects.filter(
            billing_account__customer=karim, status=InvoiceStatus.UNPAID
        )
    )
    assert owed > 2 * 1299
    assert (state.owed_cents, state.oldest_due_on, state.dunning_step) == (
        owed,
        date(2026, 10, 17),
        StepCode.FORMAL_NOTICE,
    )
    # The history is dated as it happened: the reminder is logged on its morning.
    reminder = Activity.objects.filter(customer=karim, act="dunning_case.advance").earliest("at")
    assert reminder.at == datetime(2026, 10, 22, 8, 0, tzinfo=PARIS)


def test_only_karim_is_in_dunning(loaded_catalog):
    demo_data_create(customers=3, seed=1, now=NOW)

    assert list(
        DunningCase.objects.values_list("billing_account__customer__first_name", flat=True)
    ) == ["Karim"]
