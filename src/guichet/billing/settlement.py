"""How money received or returned moves an invoice's status: the one place that does it.

Payments (card, direct debit, bill-advance credit…) call `invoice_payment_record` once the money
is certain, a rejected direct debit calls `invoice_payment_reverse`, and dunning calls
`invoice_mark_unpaid` when the due date has passed. Each act locks the invoice row, so two
payments landing together never both fit in what was owed.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import transaction

from guichet.billing.errors import BillingError, BillingErrorCode
from guichet.billing.models import Invoice, InvoiceStatus
from guichet.care.actors import Actor
from guichet.care.acts import Act
from guichet.care.services import activity_record
from guichet.catalog.rendering import euros

PARIS = ZoneInfo("Europe/Paris")


def _locked(invoice: Invoice) -> Invoice:
    return (
        Invoice.objects.select_for_update()
        .select_related("billing_account__customer")
        .get(pk=invoice.pk)
    )


def _check_positive(amount_cents: int) -> None:
    if amount_cents <= 0:
        raise BillingError(
            code=BillingErrorCode.PAYMENT_AMOUNT_INVALID,
            message=f"Le montant doit être positif (reçu {amount_cents} centimes).",
            extra={"amount_cents": amount_cents},
        )


def _status_after(invoice: Invoice, *, now: datetime) -> InvoiceStatus:
    """The status that fits what is paid: paid when nothing is owed; unpaid when something is
    owed after the due date; otherwise partially paid or issued."""
    if invoice.paid_cents >= invoice.total_cents:
        return InvoiceStatus.PAID
    if invoice.status == InvoiceStatus.UNPAID or now.astimezone(PARIS).date() > invoice.due_on:
        return InvoiceStatus.UNPAID
    if invoice.paid_cents > 0:
        return InvoiceStatus.PARTIALLY_PAID
    return InvoiceStatus.ISSUED


@transaction.atomic
def invoice_payment_record(
    *, invoice: Invoice, amount_cents: int, reference: str, actor: Actor, now: datetime
) -> Invoice:
    """Apply `amount_cents` received (under the payment's `reference`) to the invoice. Refuses
    a cancelled or already paid invoice and an amount larger than what is owed."""
    _check_positive(amount_cents)
    invoice = _locked(invoice)
    if invoice.status in (InvoiceStatus.CANCELLED, InvoiceStatus.PAID):
        raise BillingError(
            code=BillingErrorCode.INVOICE_NOT_PAYABLE,
            message=f"La facture {invoice.number} n'est pas à payer : elle est"
            f" {InvoiceStatus(invoice.status).label.lower()}.",
            extra={"number": invoice.number, "status": invoice.status},
        )
    if amount_cents > invoice.outstanding_cents:
        raise BillingError(
            code=BillingErrorCode.PAYMENT_EXCEEDS_OUTSTANDING,
            message=f"Le paiement de {euros(amount_cents)} dépasse le reste à payer de la"
            f" facture {invoice.number} ({euros(invoice.outstanding_cents)}).",
            extra={"number": invoice.number, "outstanding_cents": invoice.outstanding_cents},
        )
    old = {"status": invoice.status, "paid_cents": invoice.paid_cents}
    invoice.paid_cents += amount_cents
    invoice.status = _status_after(invoice, now=now)
    invoice.save(update_fields=["paid_cents", "status"])
    activity_record(
        customer=invoice.billing_account.customer,
        actor=actor,
        act=Act.INVOICE_PAYMENT_RECORD,
        subject=invoice,
        summary=f"Paiement de {euros(amount_cents)} sur la facture {invoice.number}",
        at=now,
        old_values=old,
        new_values={
            "status": invoice.status,
            "paid_cents": invoice.paid_cents,
            "reference": reference,
        },
    )
    return invoice


@transaction.atomic
def invoice_payment_reverse(
    *,
    invoice: Invoice,
    amount_cents: int,
    reference: str,
    reason: str,
    actor: Actor,
    now: datetime,
) -> Invoice:
    """Take back `amount_cents` that was recorded as paid and did not stay (a direct debit
    returned by the bank, a card payment disputed): the invoice is unpaid again."""
    _check_positive(amount_cents)
    invoice = _locked(invoice)
    if amount_cents > invoice.paid_cents:
        raise BillingError(
            code=BillingErrorCode.REVERSAL_EXCEEDS_PAID,
            message=f"Impossible de rejeter {euros(amount_cents)} : seuls"
            f" {euros(invoice.paid_cents)} ont été payés sur la facture {invoice.number}.",
            extra={"number": invoice.number, "paid_cents": invoice.paid_cents},
        )
    old = {"status": invoice.status, "paid_cents": invoice.paid_cents}
    invoice.paid_cents -= amount_cents
    invoice.status = InvoiceStatus.UNPAID
    invoice.save(update_fields=["paid_cents", "status"])
    activity_record(
        customer=invoice.billing_account.customer,
        actor=actor,
        act=Act.INVOICE_PAYMENT_REVERSE,
        subject=invoice,
        summary=f"Paiement de {euros(amount_cents)} rejeté sur la facture {invoice.number}"
        f" : {reason}",
        at=now,
        old_values=old,
        new_values={
            "status": invoice.status,
            "paid_cents": invoice.paid_cents,
            "reference": reference,
            "reason": reason,
        },
    )
    return invoice


@transaction.atomic
def invoice_mark_unpaid(*, invoice: Invoice, actor: Actor, now: datetime) -> Invoice:
    """An invoice still owed after its due date becomes unpaid (idempotent: an unpaid, paid or
    cancelled invoice, or one not yet due, is left as it is)."""
    invoice = _locked(invoice)
    due_passed = now.astimezone(PARIS).date() > invoice.due_on
    if invoice.status not in (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID) or not due_passed:
        return invoice
    old = {"status": invoice.status}
    invoice.status = InvoiceStatus.UNPAID
    invoice.save(update_fields=["status"])
    activity_record(
        customer=invoice.billing_account.customer,
        actor=actor,
        act=Act.INVOICE_MARK_UNPAID,
        subject=invoice,
        summary=f"Facture {invoice.number} impayée à l'échéance du"
        f" {invoice.due_on:%d/%m/%Y} ({euros(invoice.outstanding_cents)} restant dus)",
        at=now,
        old_values=old,
        new_values={"status": invoice.status},
    )
    return invoice
