"""How the demo customers paid their past invoices, made by the real payment flows at past dates.

Direct-debit customers signed a SEPA mandate when they opened their account; each of their
invoices was pre-notified when issued, collected on its due date and settled by the bank the
next business day, through the real `guichet direct-debit prenotify | collect | settle` jobs
run at those dates. An invoice due after the demo's today stays pre-notified (and a debit
whose settlement date is still to come stays in flight). Card customers paid each invoice by
card three days after it was issued, as Karim did before he stopped paying (demo.dunning):
Karim's account is left to demo.dunning, so that he alone is in arrears.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import F
from schwifty import IBAN

from guichet.billing.models import BillingAccount, Invoice, InvoiceStatus, PaymentMethod
from guichet.billing.settlement import invoice_payment_record
from guichet.care.actors import Actor
from guichet.care.models import OutboxMessage
from guichet.customers.models import Customer
from guichet.payments.models import MandateStatus
from guichet.payments.sepa_files import get_debit_file_channel
from guichet.payments.sepa_rules import earliest_collection_date, settlement_date
from guichet.payments.services.direct_debit import (
    direct_debits_collect,
    direct_debits_settle,
    mandate_sign,
    prenotification_send,
)

PARIS = ZoneInfo("Europe/Paris")
# The nightly jobs' times: pre-notification after the 6:00 bill run, collection files the
# evening before, settlement in the morning.
PRENOTIFY_TIME = time(7, 0)
COLLECT_TIME = time(20, 0)
SETTLE_TIME = time(9, 0)
CARD_PAID_AFTER_ISSUE = timedelta(days=3)
SYSTEM = Actor.system()
DEMO_BANK_CODE = "30004"  # a French bank schwifty knows, so that the BIC is derived


def demo_payments_create(*, now: datetime, card_payers_left_out: list[Customer]) -> None:
    """Sign the direct-debit accounts' mandates, then pay every past invoice as its payment
    method would have: by direct debit through the real jobs, or by card."""
    today = now.astimezone(PARIS).date()
    _mandates_sign()
    _direct_debits_run(today=today, now=now)
    _card_invoices_pay(today=today, left_out={customer.pk for customer in card_payers_left_out})


def demo_iban(account: BillingAccount) -> str:
    """A valid French IBAN of its own for each demo account (never a real one's on purpose)."""
    digits = "".join(ch for ch in account.number if ch.isdigit()).rjust(11, "0")[-11:]
    return str(IBAN.generate("FR", bank_code=DEMO_BANK_CODE, account_code=digits))


def _mandates_sign() -> None:
    accounts = (
        BillingAccount.objects.filter(payment_method=PaymentMethod.DIRECT_DEBIT)
        .exclude(sepa_mandates__status=MandateStatus.ACTIVE)
        .select_related("customer")
        .order_by("id")
    )
    for account in accounts:
        customer = account.customer
        mandate_sign(
            billing_account=account,
            debtor_name=f"{customer.first_name} {customer.last_name}",
            iban=demo_iban(account),
            signed_on=account.created_at.astimezone(PARIS).date(),
            actor=Actor.customer(customer.user),
            now=account.created_at,
        )


def _direct_debits_run(*, today: date, now: datetime) -> None:
    """Day by day over the days something happened: an invoice issued (pre-notify), a debit
    to ask for (collect the evening before its earliest date), a debit to settle."""
    invoices = (
        Invoice.objects.filter(
            payment_method=PaymentMethod.DIRECT_DEBIT,
            status__in=[InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID],
            total_cents__gt=F("paid_cents"),
            billing_account__sepa_mandates__status=MandateStatus.ACTIVE,
        )
        .select_related("billing_account__customer")
        .order_by("issued_on", "id")
    )
    due_days: set[date] = set()
    for invoice in invoices:
        # The job run the morning of the issue (prenotifications_send) sends exactly these;
        # run at a past date it would also notify the invoices issued after that date.
        notice = prenotification_send(
            invoice=invoice, actor=SYSTEM, now=min(now, _at(invoice.issued_on, PRENOTIFY_TIME))
        )
        # The outbox worker sent the notice that morning (a debit is collected only once its
        # notice has left); the demo does not replay years of emails through it.
        OutboxMessage.objects.filter(pk=notice.outbox_message_id, sent_at__isnull=True).update(
            sent_at=notice.created_at
        )
        due_days.add(invoice.due_on)
    channel = get_debit_file_channel()
    for due_on in sorted(due_days):
        file_day = _file_day(due_on)
        if file_day > today:
            continue
        direct_debits_collect(
            collection_date=due_on,
            now=min(now, _at(file_day, COLLECT_TIME)),
            channel=channel,
        )
        settles_on = settlement_date(due_on)
        if settles_on <= today:
            direct_debits_settle(now=min(now, _at(settles_on, SETTLE_TIME)))


def _file_day(collection_date: date) -> date:
    """The last day a file can be sent for `collection_date`."""
    day = collection_date - timedelta(days=1)
    while earliest_collection_date(day) > collection_date:
        day -= timedelta(days=1)
    return day


def _card_invoices_pay(*, today: date, left_out: set[int]) -> None:
    invoices = (
        Invoice.objects.filter(
            payment_method=PaymentMethod.CARD,
            status__in=[InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID],
            issued_on__lte=today - CARD_PAID_AFTER_ISSUE,
        )
        .exclude(billing_account__customer_id__in=left_out)
        .select_related("billing_account__customer__user")
        .order_by("issued_on", "id")
    )
    for invoice in invoices:
        if invoice.outstanding_cents <= 0:
            continue
        invoice_payment_record(
            invoice=invoice,
            amount_cents=invoice.outstanding_cents,
            reference=f"CB-{invoice.number}",
            actor=Actor.customer(invoice.billing_account.customer.user),
            now=_at(invoice.issued_on + CARD_PAID_AFTER_ISSUE, time(19, 30)),
        )


def _at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=PARIS)
