"""Refunds of card payments, to the card they came from, through the PSP (payments.psp).

The same discipline as the payments (services.card): never a PSP call inside a transaction.

- `card_refund_create` writes the refund (status created) in the transaction of the act that
  owes the money back (a device order cancelled before shipping: devices.services), so that
  the act and the debt it leaves are committed together or not at all.
- `card_refund_send`, after that commit, asks the PSP for the refund (idempotency key
  `card_refund:{id}`) and records its answer: succeeded, pending (the card network confirms
  later), failed, or unknown when no answer came.
- `card_refunds_reconcile` (`guichet payments reconcile`) asks again for every refund created,
  pending or unknown: the same key makes the PSP answer with the refund it already made.

A failed refund stays failed: the money is owed (logged at error level, and in the customer's
activity). It waits in the advisor console (`card_refunds_to_settle`) until an advisor either
asks the PSP again with a new refund (`card_refund_retry`: a refusal that has passed, such as
a PSP fault) or refunds it by bank transfer and records the transfer
(`card_refund_transfer_record`), after which the payment is refunded for good.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q

from guichet.care.actors import Actor
from guichet.care.acts import Act
from guichet.care.services import activity_record, activity_record_and_notify
from guichet.catalog.rendering import euros
from guichet.payments.errors import PaymentError, PaymentErrorCode
from guichet.payments.models.card import (
    REFUND_OPEN_STATUSES,
    CardRefund,
    CardRefundStatus,
    PaymentAttempt,
    PaymentAttemptStatus,
)
from guichet.payments.psp import (
    CardGateway,
    PspDeclined,
    PspOutcomeUnknown,
    PspRefused,
    RefundState,
)

logger = logging.getLogger("guichet.payments")

SYSTEM = Actor.system()

# Stripe's error code for a refund of a charge refunded in full already.
ALREADY_REFUNDED = "charge_already_refunded"
# The PSP's refund statuses (Stripe's), as ours.
_PSP_REFUND_STATUSES = {
    "succeeded": CardRefundStatus.SUCCEEDED,
    "pending": CardRefundStatus.PENDING,
    "requires_action": CardRefundStatus.PENDING,
    "failed": CardRefundStatus.FAILED,
    "canceled": CardRefundStatus.FAILED,
}


@transaction.atomic
def card_refund_create(
    *, attempt: PaymentAttempt, reason: str, actor: Actor, now: datetime
) -> CardRefund:
    """Owe the whole of a succeeded card payment back to its card. Refused for an attempt not
    succeeded, or already refunded (or being refunded)."""
    attempt = PaymentAttempt.objects.select_for_update(of=("self",)).get(pk=attempt.pk)
    if attempt.status != PaymentAttemptStatus.SUCCEEDED:
        raise PaymentError(
            code=PaymentErrorCode.NOT_REFUNDABLE,
            message="Seul un paiement par carte réussi peut être remboursé.",
            extra={"attempt": attempt.pk, "status": attempt.status},
        )
    if attempt.refunds.filter(
        ~Q(status=CardRefundStatus.FAILED) | Q(transferred_at__isnull=False)
    ).exists():
        raise PaymentError(
            code=PaymentErrorCode.NOT_REFUNDABLE,
            message="Ce paiement par carte est déjà remboursé.",
            extra={"attempt": attempt.pk},
        )
    refund = CardRefund.objects.create(
        attempt=attempt,
        amount_cents=attempt.amount_cents,
        reason=reason[:300],
        created_at=now,
        status_changed_at=now,
    )
    activity_record(
        customer=attempt.customer,
        actor=actor,
        act=Act.CARD_REFUND_CREATE,
        subject=refund,
        summary=f"Remboursement de {euros(refund.amount_cents)} sur votre carte : {reason}"[:300],
        at=now,
        new_values={"attempt": attempt.pk, "amount_cents": refund.amount_cents},
    )
    return refund


@transaction.atomic
def card_refund_record(
    *,
    refund: CardRefund,
    status: CardRefundStatus,
    now: datetime,
    psp_refund_id: str = "",
    failure_code: str = "",
) -> CardRefund:
    """Record what the PSP said of a refund. A refund already succeeded or failed is left as it
    is (a late answer to a repeated request changes nothing)."""
    refund = (
        CardRefund.objects.select_for_update().select_related("attempt__customer").get(pk=refund.pk)
    )
    if refund.status in (CardRefundStatus.SUCCEEDED, CardRefundStatus.FAILED):
        return refund
    old = refund.status
    refund.status = CardRefundStatus(status)
    refund.status_changed_at = now
    refund.psp_refund_id = psp_refund_id or refund.psp_refund_id
    refund.failure_code = failure_code[:60]
    refund.save(update_fields=["status", "status_changed_at", "psp_refund_id", "failure_code"])
    if refund.status == CardRefundStatus.FAILED:
        logger.error(
            "card_refund:%s failed at the PSP (%s): refund payment_attempt:%s by other means",
            refund.pk,
            refund.failure_code,
            refund.attempt_id,
        )
    if refund.status != old:
        activity_record(
            customer=refund.attempt.customer,
            actor=SYSTEM,
            act=Act.CARD_REFUND_SETTLE,
            subject=refund,
            summary=f"Remboursement de {euros(refund.amount_cents)} sur votre carte :"
            f" {refund.get_status_display().lower()}",
            at=now,
            old_values={"status": old},
            new_values={"status": refund.status, "failure_code": refund.failure_code},
        )
    return refund


def _failed_to_settle(refund: CardRefund) -> CardRefund:
    """`refund` locked, if it is the last refund of its payment, failed and not transferred:
    what an advisor settles, once."""
    refund = (
        CardRefund.objects.select_for_update(of=("self",))
        .select_related("attempt__customer")
        .get(pk=refund.pk)
    )
    later = CardRefund.objects.filter(attempt_id=refund.attempt_id, pk__gt=refund.pk).exists()
    if refund.status != CardRefundStatus.FAILED or refund.transferred_at or later:
        raise PaymentError(
            code=PaymentErrorCode.REFUND_NOT_FAILED,
            message=f"Le remboursement n° {refund.pk} n'est plus à traiter : il a abouti, est en"
            " cours ou a déjà été relancé ou fait par virement.",
            extra={"refund": refund.pk, "status": refund.status},
        )
    return refund


@transaction.atomic
def card_refund_retry(*, refund: CardRefund, actor: Actor, now: datetime) -> CardRefund:
    """A new refund of the payment a failed `refund` was for, written here; the caller sends it
    to the PSP once committed (`card_refund_send`). For a refusal that has passed (a fault at
    the PSP); a card closed since the payment fails again."""
    refund = _failed_to_settle(refund)
    return card_refund_create(attempt=refund.attempt, reason=refund.reason, actor=actor, now=now)


@transaction.atomic
def card_refund_transfer_record(
    *, refund: CardRefund, reference: str, actor: Actor, now: datetime
) -> CardRefund:
    """The advisor refunded a failed `refund` by bank transfer (reference as the operator's bank
    gave it): the payment is refunded for good, and no refund to the card may follow."""
    reference = reference.strip()
    if not reference:
        raise PaymentError(
            code=PaymentErrorCode.TRANSFER_REFERENCE_MISSING,
            message="Indiquez la référence du virement de remboursement.",
            extra={"refund": refund.pk},
        )
    refund = _failed_to_settle(refund)
    refund.transferred_at, refund.transfer_reference = now, reference[:140]
    refund.save(update_fields=["transferred_at", "transfer_reference"])
    activity_record_and_notify(
        customer=refund.attempt.customer,
        actor=actor,
        act=Act.CARD_REFUND_TRANSFER,
        subject=refund,
        summary=f"Remboursement de {euros(refund.amount_cents)} fait par virement (référence"
        f" {refund.transfer_reference}) : {refund.reason}"[:300],
        at=now,
        new_values={"transferred_at": now, "transfer_reference": refund.transfer_reference},
        template="card_refund_transferred",
        context={
            "amount": euros(refund.amount_cents),
            "reason": refund.reason,
            "reference": refund.transfer_reference,
        },
    )
    return refund


def _record_answer(refund: CardRefund, answer: RefundState, now: datetime) -> CardRefund:
    status = _PSP_REFUND_STATUSES.get(answer.status, CardRefundStatus.PENDING)
    return card_refund_record(
        refund=refund,
        status=status,
        now=now,
        psp_refund_id=answer.refund_id,
        failure_code=answer.failure_code if status == CardRefundStatus.FAILED else "",
    )


def card_refund_send(*, refund: CardRefund, now: datetime, gateway: CardGateway) -> CardRefund:
    """Ask the PSP for the refund (no transaction open) and record its answer."""
    refund = CardRefund.objects.select_related("attempt").get(pk=refund.pk)
    if refund.status not in REFUND_OPEN_STATUSES:
        return refund
    try:
        if refund.psp_refund_id:
            answer = gateway.refund_retrieve(refund_id=refund.psp_refund_id)
        else:
            answer = gateway.refund_create(
                payment_intent_id=refund.attempt.psp_payment_intent_id,
                amount_cents=refund.amount_cents,
                idempotency_key=refund.idempotency_key,
            )
    except PspOutcomeUnknown as error:
        logger.warning("card_refund:%s: no answer from the PSP: %s", refund.pk, error)
        return card_refund_record(refund=refund, status=CardRefundStatus.UNKNOWN, now=now)
    except (PspRefused, PspDeclined) as error:
        if error.code == ALREADY_REFUNDED:
            # The whole payment is back on the card already (this refund, made once and asked
            # again after the PSP forgot its key, or one made from the PSP's dashboard): every
            # refund of ours is of the whole amount, so nothing more is owed.
            logger.warning("card_refund:%s: the PSP had refunded the payment already", refund.pk)
            return card_refund_record(refund=refund, status=CardRefundStatus.SUCCEEDED, now=now)
        code = error.code or "psp_refused"
        logger.warning("card_refund:%s refused by the PSP: %s", refund.pk, error)
        return card_refund_record(
            refund=refund, status=CardRefundStatus.FAILED, now=now, failure_code=code
        )
    return _record_answer(refund, answer, now)


def card_refunds_send_for(
    *, attempt: PaymentAttempt, now: datetime, gateway: CardGateway
) -> list[CardRefund]:
    """Send the attempt's refunds written and not asked of the PSP yet: after a webhook event
    has settled a payment that could not be credited and is owed back (payments.services.card,
    `refund_if_not_credited`), once that event is committed."""
    return [
        card_refund_send(refund=refund, now=now, gateway=gateway)
        for refund in attempt.refunds.filter(status=CardRefundStatus.CREATED).order_by("id")
    ]


@dataclass(frozen=True)
class RefundReconcileReport:
    examined: int = 0
    succeeded: int = 0
    failed: int = 0
    waiting: int = 0

    def summary(self) -> str:
        return (
            f"refunds examined={self.examined} succeeded={self.succeeded} failed={self.failed}"
            f" waiting={self.waiting}"
        )


def card_refunds_reconcile(
    *, now: datetime, gateway: CardGateway, limit: int = 500
) -> RefundReconcileReport:
    """Ask the PSP again about every refund not succeeded or failed yet, oldest first."""
    counts = {CardRefundStatus.SUCCEEDED: 0, CardRefundStatus.FAILED: 0}
    examined = waiting = 0
    for refund in CardRefund.objects.filter(status__in=REFUND_OPEN_STATUSES).order_by(
        "status_changed_at", "id"
    )[:limit]:
        examined += 1
        status = card_refund_send(refund=refund, now=now, gateway=gateway).status
        if status in counts:
            counts[CardRefundStatus(status)] += 1
        else:
            waiting += 1
    return RefundReconcileReport(
        examined=examined,
        succeeded=counts[CardRefundStatus.SUCCEEDED],
        failed=counts[CardRefundStatus.FAILED],
        waiting=waiting,
    )
