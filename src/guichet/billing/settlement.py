"""How money received or returned moves an invoice's status: the one place that does it.

Payments (card, direct debit, bill-advance credit…) call `invoice_payment_record` once the money
is certain, a rejected direct debit calls `invoice_payment_reverse`, and dunning calls
`invoice_mark_unpaid` when the due date has passed. Each act locks the invoice row, so two
payments landing together never both fit in what was owed.

Batch jobs (direct-debit settlement and returns) settle thousands of invoices per run through
the bulk entry points `invoice_payments_record`, `invoice_payments_reverse` and
`invoices_mark_unpaid`: the same rules and the same activity log as the acts above applied one
after the other in the list's order, with every invoice locked in one query and updated in one
more. A refused item changes nothing and does not stop the others.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar
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


def _payment_refusal(invoice: Invoice, amount_cents: int) -> BillingError | None:
    """Why `amount_cents` may not be paid on the (locked) invoice, or None."""
    if invoice.status in (InvoiceStatus.CANCELLED, InvoiceStatus.PAID):
        return BillingError(
            code=BillingErrorCode.INVOICE_NOT_PAYABLE,
            message=f"La facture {invoice.number} n'est pas à payer : elle est"
            f" {InvoiceStatus(invoice.status).label.lower()}.",
            extra={"number": invoice.number, "status": invoice.status},
        )
    if amount_cents > invoice.outstanding_cents:
        return BillingError(
            code=BillingErrorCode.PAYMENT_EXCEEDS_OUTSTANDING,
            message=f"Le paiement de {euros(amount_cents)} dépasse le reste à payer de la"
            f" facture {invoice.number} ({euros(invoice.outstanding_cents)}).",
            extra={"number": invoice.number, "outstanding_cents": invoice.outstanding_cents},
        )
    return None


def _record(
    invoice: Invoice, *, amount_cents: int, reference: str, actor: Actor, now: datetime
) -> None:
    """Apply a payment that passed `_payment_refusal` to the invoice in memory and log it."""
    old = {"status": invoice.status, "paid_cents": invoice.paid_cents}
    invoice.paid_cents += amount_cents
    invoice.status = _status_after(invoice, now=now)
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


@transaction.atomic
def invoice_payment_record(
    *, invoice: Invoice, amount_cents: int, reference: str, actor: Actor, now: datetime
) -> Invoice:
    """Apply `amount_cents` received (under the payment's `reference`) to the invoice. Refuses
    a cancelled or already paid invoice and an amount larger than what is owed."""
    _check_positive(amount_cents)
    invoice = _locked(invoice)
    refusal = _payment_refusal(invoice, amount_cents)
    if refusal is not None:
        raise refusal
    _record(invoice, amount_cents=amount_cents, reference=reference, actor=actor, now=now)
    invoice.save(update_fields=["paid_cents", "status"])
    return invoice


def _reversal_refusal(invoice: Invoice, amount_cents: int) -> BillingError | None:
    if amount_cents > invoice.paid_cents:
        return BillingError(
            code=BillingErrorCode.REVERSAL_EXCEEDS_PAID,
            message=f"Impossible de rejeter {euros(amount_cents)} : seuls"
            f" {euros(invoice.paid_cents)} ont été payés sur la facture {invoice.number}.",
            extra={"number": invoice.number, "paid_cents": invoice.paid_cents},
        )
    return None


def _reverse(
    invoice: Invoice,
    *,
    amount_cents: int,
    reference: str,
    reason: str,
    actor: Actor,
    now: datetime,
) -> None:
    old = {"status": invoice.status, "paid_cents": invoice.paid_cents}
    invoice.paid_cents -= amount_cents
    invoice.status = InvoiceStatus.UNPAID
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
    refusal = _reversal_refusal(invoice, amount_cents)
    if refusal is not None:
        raise refusal
    _reverse(
        invoice,
        amount_cents=amount_cents,
        reference=reference,
        reason=reason,
        actor=actor,
        now=now,
    )
    invoice.save(update_fields=["paid_cents", "status"])
    return invoice


def _becomes_unpaid(invoice: Invoice, *, now: datetime) -> bool:
    due_passed = now.astimezone(PARIS).date() > invoice.due_on
    return invoice.status in (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID) and due_passed


def _mark_unpaid(invoice: Invoice, *, actor: Actor, now: datetime) -> None:
    old = {"status": invoice.status}
    invoice.status = InvoiceStatus.UNPAID
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


@transaction.atomic
def invoice_mark_unpaid(*, invoice: Invoice, actor: Actor, now: datetime) -> Invoice:
    """An invoice still owed after its due date becomes unpaid (idempotent: an unpaid, paid or
    cancelled invoice, or one not yet due, is left as it is)."""
    invoice = _locked(invoice)
    if _becomes_unpaid(invoice, now=now):
        _mark_unpaid(invoice, actor=actor, now=now)
        invoice.save(update_fields=["status"])
    return invoice


# Bulk ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentIn:
    """Money received on an invoice (`invoice_payments_record`)."""

    invoice_id: int
    amount_cents: int
    reference: str


@dataclass(frozen=True)
class ReversalIn:
    """Money recorded as paid on an invoice that did not stay (`invoice_payments_reverse`)."""

    invoice_id: int
    amount_cents: int
    reference: str
    reason: str


def _locked_many(invoice_ids: Sequence[int]) -> dict[int, Invoice]:
    """The invoices, locked in id order (two batches never wait on each other in a cycle),
    with their account and customer, by id. One query."""
    return {
        invoice.pk: invoice
        for invoice in Invoice.objects.select_for_update(of=("self",))
        .select_related("billing_account__customer")
        .filter(pk__in=sorted(set(invoice_ids)))
        .order_by("pk")
    }


def _positive_refusal(amount_cents: int) -> BillingError | None:
    try:
        _check_positive(amount_cents)
    except BillingError as error:
        return error
    return None


def _save_many(invoices: Sequence[Invoice], fields: list[str]) -> None:
    if invoices:
        Invoice.objects.bulk_update(invoices, fields, batch_size=BULK_UPDATE_BATCH)


# Rows per UPDATE: bounds the CASE expressions `bulk_update` writes, and SQLite's parameters.
BULK_UPDATE_BATCH = 500


Item = TypeVar("Item", PaymentIn, ReversalIn)


def _apply_many(
    items: Sequence[Item],
    *,
    refusal: Callable[[Invoice, int], BillingError | None],
    apply: Callable[[Invoice, Item], None],
) -> list[BillingError | None]:
    """Lock the items' invoices, then for each item in order: its refusal, or `apply` it (an
    invoice's later items see its earlier ones); the invoices changed are saved in bulk."""
    invoices = _locked_many([item.invoice_id for item in items])
    outcome: list[BillingError | None] = []
    changed: dict[int, Invoice] = {}
    for item in items:
        invoice = invoices[item.invoice_id]
        refused = _positive_refusal(item.amount_cents) or refusal(invoice, item.amount_cents)
        if refused is None:
            apply(invoice, item)
            changed[invoice.pk] = invoice
        outcome.append(refused)
    _save_many(list(changed.values()), ["paid_cents", "status"])
    return outcome


@transaction.atomic
def invoice_payments_record(
    *, payments: Sequence[PaymentIn], actor: Actor, now: datetime
) -> list[BillingError | None]:
    """`invoice_payment_record` for each payment, in order, in one transaction: for each, None
    when it was applied, or the refusal (what `invoice_payment_record` would have raised; the
    payment changed nothing). Several payments of one invoice apply one after the other."""
    return _apply_many(
        payments,
        refusal=_payment_refusal,
        apply=lambda invoice, payment: _record(
            invoice,
            amount_cents=payment.amount_cents,
            reference=payment.reference,
            actor=actor,
            now=now,
        ),
    )


@transaction.atomic
def invoice_payments_reverse(
    *, reversals: Sequence[ReversalIn], actor: Actor, now: datetime
) -> list[BillingError | None]:
    """`invoice_payment_reverse` for each reversal, in order, in one transaction; the outcome
    as `invoice_payments_record`'s."""
    return _apply_many(
        reversals,
        refusal=_reversal_refusal,
        apply=lambda invoice, reversal: _reverse(
            invoice,
            amount_cents=reversal.amount_cents,
            reference=reversal.reference,
            reason=reversal.reason,
            actor=actor,
            now=now,
        ),
    )


@transaction.atomic
def invoices_mark_unpaid(
    *, invoice_ids: Sequence[int], actor: Actor, now: datetime
) -> list[Invoice]:
    """`invoice_mark_unpaid` for each of these invoices, in their order, in one transaction;
    returns those that became unpaid."""
    invoices = _locked_many(invoice_ids)
    marked = []
    for invoice in (invoices[pk] for pk in dict.fromkeys(invoice_ids)):
        if _becomes_unpaid(invoice, now=now):
            _mark_unpaid(invoice, actor=actor, now=now)
            marked.append(invoice)
    _save_many(marked, ["status"])
    return marked
