"""Karim's unpaid invoice in dunning, made by the real settlement and dunning run at past dates.

Karim pays each invoice by card three days after it is issued, until the one he leaves unpaid:
the latest invoice due at least the schedule's suspension offset before the demo's today, so
that on that day his reminders have gone out and his line's outgoing usage is suspended
(with the default schedule he is never terminated: that comes 60 days after the due date, and
the invoice chosen is due at most 20 + 31 days before today). The invoices issued after it stay
unpaid too: he stopped paying. Then the dunning run runs every morning from the day after that
due date to today, as the operator's nightly run would have.

The run is scoped to Karim's account: the other demo customers' invoices are not collected yet
(card and SEPA collection come with the payments part), and a run over every account would put
them all in dunning. Once collection lands in the demo, the scope can go.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from guichet.billing.models import Invoice
from guichet.billing.selectors import billing_accounts_for_customer, invoices_for_billing_account
from guichet.billing.settlement import invoice_payment_record
from guichet.care.actors import Actor
from guichet.customers.models import Customer
from guichet.payments.dunning_rules import StepCode
from guichet.payments.selectors.dunning import dunning_schedule
from guichet.payments.services.dunning import dunning_run

PARIS = ZoneInfo("Europe/Paris")
# The nightly dunning run's time, and how long after an invoice is issued Karim pays it.
RUN_TIME = time(8, 0)
PAID_AFTER_ISSUE = timedelta(days=3)


def demo_dunning_create(*, customer: Customer, now: datetime) -> Invoice | None:
    """Leave the customer's latest invoice old enough to be in suspension unpaid, pay the ones
    before it, and run the dunning day by day up to `now`. Returns the unpaid invoice."""
    today = now.astimezone(PARIS).date()
    schedule = dunning_schedule()
    suspension = schedule.step(StepCode.SUSPENSION) or schedule.steps[0]
    account = billing_accounts_for_customer(customer=customer)[0]
    invoices = sorted(
        invoices_for_billing_account(billing_account=account), key=lambda i: i.period_start
    )
    latest_due = today - timedelta(days=suspension.offset_days)
    unpaid = next((i for i in reversed(invoices) if i.due_on <= latest_due), None)
    if unpaid is None:
        return None
    payer = Actor.customer(customer.user)
    for invoice in invoices:
        if invoice.period_start >= unpaid.period_start:
            break
        invoice_payment_record(
            invoice=invoice,
            amount_cents=invoice.outstanding_cents,
            reference=f"CB-{invoice.number}",
            actor=payer,
            now=_at(invoice.issued_on + PAID_AFTER_ISSUE, time(19, 30)),
        )
    day = unpaid.due_on + timedelta(days=1)
    while day <= today:
        run_at = now if day == today else _at(day, RUN_TIME)
        dunning_run(now=run_at, billing_account_id=account.pk)
        day += timedelta(days=1)
    return unpaid


def _at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=PARIS)
