"""Direct debit states built through the real services: a card account that signs a mandate,
its November 2026 invoice issued by the bill run, pre-notified, collected, settled."""

from datetime import date, datetime

from guichet.billing.models import BillingAccount, Invoice, PaymentMethod
from guichet.billing.services import bill_run
from guichet.care.actors import Actor
from guichet.care.services import outbox_send_pending
from guichet.care.sms import LogSmsSender
from guichet.customers.rules import paris_date
from guichet.payments.models import DirectDebit, Mandate, Prenotification
from guichet.payments.sepa_files import OutgoingDirectory
from guichet.payments.services.direct_debit import (
    direct_debits_collect,
    mandate_sign,
    prenotification_send,
)
from tests.billing.builders import open_account, paris, woot_line
from tests.customers.builders import SYSTEM

IBAN = "FR7630006000011234567890189"  # Crédit Agricole test account, BIC AGRIFRPPXXX
NOVEMBER = date(2026, 11, 1)
DECEMBER = date(2026, 12, 1)
SIGNED_AT = paris(2026, 10, 20)
# The November invoice: issued Wednesday 2 December 2026, 12.99 €, debit day 15 → due Tuesday
# 15 December (the first 15th at least 10 days after the issue, CGS 7.1).
ISSUED_AT = paris(2026, 12, 2, 9)
DUE_ON = date(2026, 12, 15)
COLLECTED_AT = paris(2026, 12, 10, 18)  # the file leaves Thursday 10 December
SETTLED_AT = paris(2026, 12, 15, 20)


def sign(
    account: BillingAccount,
    *,
    iban: str = IBAN,
    bic: str = "",
    debtor_name: str = "Camille Martin",
    signed_on: date | None = None,
    reference: str | None = None,
    actor: Actor = SYSTEM,
    now: datetime = SIGNED_AT,
) -> Mandate:
    """A mandate signed on the day of `now` unless `signed_on` says otherwise."""
    return mandate_sign(
        billing_account=account,
        debtor_name=debtor_name,
        iban=iban,
        bic=bic,
        signed_on=signed_on or paris_date(now),
        reference=reference,
        actor=actor,
        now=now,
    )


def direct_debit_account(*, debit_day: int = 15) -> tuple[BillingAccount, Mandate]:
    """A card account with a Woot 100 Go line since 15 October 2026 that signed a mandate on
    20 October: its invoices are paid by direct debit."""
    account = open_account(payment_method=PaymentMethod.CARD, debit_day=debit_day)
    woot_line(account, activated_at=paris(2026, 10, 15))
    return account, sign(account)


def issue(
    account: BillingAccount, period: date = NOVEMBER, *, now: datetime = ISSUED_AT
) -> Invoice:
    bill_run(period=period, now=now, account_id=account.pk)
    return Invoice.objects.get(billing_account=account, period_start=period)


def send_outbox(now: datetime) -> None:
    outbox_send_pending(now=now, sms_sender=LogSmsSender())


def prenotified(invoice: Invoice, *, at: datetime = ISSUED_AT) -> Prenotification:
    """Pre-notified and its email sent at `at`."""
    notice = prenotification_send(invoice=invoice, actor=SYSTEM, now=at)
    send_outbox(at)
    return notice


def collected(invoice: Invoice, *, now: datetime = COLLECTED_AT) -> DirectDebit:
    """Pre-notified on its issue day and collected on its due date."""
    prenotified(invoice)
    direct_debits_collect(collection_date=invoice.due_on, now=now, channel=OutgoingDirectory())
    return DirectDebit.objects.get(invoice=invoice)
