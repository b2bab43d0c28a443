"""Reads of SEPA direct debit: mandates, pre-notifications, debits and their batch files."""

from collections.abc import Sequence
from datetime import date

from django.db.models import Count, F, Max, Sum

from guichet.billing.models import BillingAccount, Invoice
from guichet.billing.selectors import invoices_owed_by_direct_debit
from guichet.customers.models import Customer
from guichet.payments.models import (
    DirectDebit,
    DirectDebitBatch,
    DirectDebitStatus,
    Mandate,
    MandateStatus,
    Prenotification,
)
from guichet.payments.sepa_files import Rejection
from guichet.payments.sepa_rules import SequenceType

# Debits that count as a collection under their mandate (FRST/RCUR, the 36-month lapse): a
# debit rejected before settlement never reached the account, so the next one is FRST again.
COLLECTED_STATUSES = (
    DirectDebitStatus.SUBMITTED,
    DirectDebitStatus.SETTLED,
    DirectDebitStatus.RETURNED,
)


def mandate_active_for(*, billing_account: BillingAccount) -> Mandate | None:
    return Mandate.objects.filter(
        billing_account=billing_account, status=MandateStatus.ACTIVE
    ).first()


def mandates_for_billing_account(*, billing_account: BillingAccount) -> list[Mandate]:
    """The account's mandates, newest first (the active one, then the revoked ones)."""
    return list(
        Mandate.objects.filter(billing_account=billing_account).order_by("-created_at", "-id")
    )


def invoices_to_prenotify(*, due_from: date) -> list[Invoice]:
    """Direct debit invoices still owed, due on `due_from` or later, whose account has an active
    mandate and that have no pre-notification for their due date yet."""
    return list(
        invoices_owed_by_direct_debit(due_from=due_from)
        .filter(billing_account__sepa_mandates__status=MandateStatus.ACTIVE)
        .exclude(sepa_prenotifications__debit_on=F("due_on"))
    )


def prenotification_ids_to_collect(*, debit_on: date) -> list[int]:
    """Pre-notifications of debits on `debit_on` that have no debit yet, in order."""
    return list(
        Prenotification.objects.filter(debit_on=debit_on, debit__isnull=True)
        .order_by("id")
        .values_list("id", flat=True)
    )


def prenotifications_for_collection(*, ids: Sequence[int]) -> list[Prenotification]:
    """The pre-notifications with their invoice, account, customer, mandate and email."""
    return list(
        Prenotification.objects.filter(pk__in=ids)
        .select_related("invoice__billing_account__customer", "mandate", "outbox_message")
        .order_by("id")
    )


def mandate_last_collections(*, mandate_ids: Sequence[int]) -> dict[int, date]:
    """For each mandate that was already used, the date of its last collection."""
    rows = (
        DirectDebit.objects.filter(mandate_id__in=mandate_ids, status__in=COLLECTED_STATUSES)
        .values("mandate_id")
        .annotate(last=Max("collection_date"))
    )
    return {row["mandate_id"]: row["last"] for row in rows}


def batches_to_submit(*, collection_date: date) -> list[DirectDebitBatch]:
    return list(
        DirectDebitBatch.objects.filter(
            collection_date=collection_date, submitted_at__isnull=True
        ).order_by("serial")
    )


def debits_of_batch(*, batch: DirectDebitBatch) -> list[DirectDebit]:
    return list(
        DirectDebit.objects.filter(batch=batch)
        .select_related("invoice", "mandate", "prenotification__outbox_message")
        .order_by("id")
    )


def debits_total(*, collection_date: date) -> tuple[int, int]:
    """How many debits ask for money on `collection_date`, and their sum in cents."""
    totals = DirectDebit.objects.filter(collection_date=collection_date).aggregate(
        count=Count("id"), cents=Sum("amount_cents")
    )
    return totals["count"], totals["cents"] or 0


def debit_ids_to_settle(*, collection_date_until: date) -> list[int]:
    """Submitted debits (their file handed to the bank) requested for that day or before."""
    return list(
        DirectDebit.objects.filter(
            status=DirectDebitStatus.SUBMITTED,
            batch__submitted_at__isnull=False,
            collection_date__lte=collection_date_until,
        )
        .order_by("collection_date", "id")
        .values_list("id", flat=True)
    )


def debits_for_rejection(*, rejection: Rejection) -> list[DirectDebit]:
    """The debits a bank rejection names: one transaction, the debits of one payment
    information block ("<message id>-FRST"), or every debit of the original file."""
    debits = DirectDebit.objects.select_related("invoice__billing_account__customer")
    if rejection.end_to_end_id is not None:
        return list(debits.filter(end_to_end_id=rejection.end_to_end_id))
    debits = debits.filter(batch__message_id=rejection.original_message_id)
    if rejection.payment_information_id is not None:
        prefix, _, kind = rejection.payment_information_id.rpartition("-")
        if prefix != rejection.original_message_id or kind not in {k.value for k in SequenceType}:
            return []
        debits = debits.filter(sequence_type=kind)
    return list(debits.order_by("id"))


def direct_debits_for_invoice(*, invoice: Invoice) -> list[DirectDebit]:
    """The debits of an invoice, newest first, with their mandate."""
    return list(
        DirectDebit.objects.filter(invoice=invoice)
        .select_related("mandate")
        .order_by("-collection_date", "-id")
    )


# -- portal: invoices and payment means --


def direct_debit_mandate_for_invoice(*, invoice: Invoice) -> tuple[Mandate, date] | None:
    """The mandate a direct-debit invoice is (or will be) collected under, and the debit date:
    its pre-notification's when one was sent (the notice is what the customer was promised),
    else the account's active mandate and the due date. None without a mandate. One or two
    queries."""
    notice = (
        Prenotification.objects.filter(invoice=invoice)
        .select_related("mandate")
        .order_by("-debit_on", "-id")
        .first()
    )
    if notice is not None:
        return notice.mandate, notice.debit_on
    mandate = Mandate.objects.filter(
        billing_account_id=invoice.billing_account_id, status=MandateStatus.ACTIVE
    ).first()
    return (mandate, invoice.due_on) if mandate is not None else None


def mandates_for_customer(*, customer: Customer) -> list[Mandate]:
    """The customer's mandates on all their accounts, the active one first then the newest;
    one query."""
    return list(
        Mandate.objects.filter(billing_account__customer=customer)
        .select_related("billing_account")
        .order_by("status", "-created_at", "-id")
    )
