"""Reads of card payments; every read for a customer is scoped to that customer."""

from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Q

from guichet.customers.models import Customer
from guichet.payments.models.card import (
    OPEN_STATUSES,
    CardRefund,
    CardRefundStatus,
    PaymentAttempt,
    PaymentAttemptStatus,
    PspCustomer,
)


def payment_attempt_get_for_customer(
    *, customer: Customer, attempt_id: int
) -> PaymentAttempt | None:
    """The attempt if it is `customer`'s, with what it paid and where the money went."""
    return (
        PaymentAttempt.objects.filter(customer=customer, pk=attempt_id)
        .select_related("customer", "invoice", "line", "product", "order")
        .prefetch_related("allocations__invoice")
        .first()
    )


def payment_attempt_get_by_intent(*, payment_intent_id: str) -> PaymentAttempt | None:
    if not payment_intent_id:
        return None
    return PaymentAttempt.objects.filter(psp_payment_intent_id=payment_intent_id).first()


def psp_customer_id_for(*, customer: Customer) -> str | None:
    return (
        PspCustomer.objects.filter(customer=customer)
        .values_list("psp_customer_id", flat=True)
        .first()
    )


def payment_attempt_ids_to_reconcile(
    *, now: datetime, stale_after: timedelta, limit: int
) -> list[int]:
    """Attempts whose outcome we must ask the PSP for, oldest first: every `unknown` one, and
    those left created or processing for longer than `stale_after` (a closed tab, an
    authentication never finished, a webhook that never came)."""
    stale = now - stale_after
    return list(
        PaymentAttempt.objects.filter(
            Q(status=PaymentAttemptStatus.UNKNOWN)
            | Q(status__in=OPEN_STATUSES, status_changed_at__lte=stale)
        )
        .order_by("status_changed_at", "id")
        .values_list("id", flat=True)[:limit]
    )


def card_refunds_to_settle() -> list[CardRefund]:
    """The failed refunds an advisor has to settle, oldest failure first: the last refund of its
    payment, failed at the PSP, not made by bank transfer (payments.services.refunds)."""
    later = CardRefund.objects.filter(attempt_id=OuterRef("attempt_id"), pk__gt=OuterRef("pk"))
    return list(
        CardRefund.objects.filter(status=CardRefundStatus.FAILED, transferred_at__isnull=True)
        .exclude(Exists(later))
        .select_related("attempt__customer")
        .order_by("status_changed_at", "id")
    )


def card_refund_get(*, refund_id: int) -> CardRefund | None:
    return CardRefund.objects.select_related("attempt__customer").filter(pk=refund_id).first()


def payment_attempts_not_credited() -> list[PaymentAttempt]:
    """The card payments whose money was taken but could not be credited (`credit_error`: the
    invoice paid meanwhile by other means, the line no longer able to take its top-up…) and
    that no refund was written for, oldest first: an advisor credits or refunds each."""
    return list(
        PaymentAttempt.objects.filter(
            status=PaymentAttemptStatus.SUCCEEDED, credited_at__isnull=True
        )
        .exclude(Exists(CardRefund.objects.filter(attempt_id=OuterRef("pk"))))
        .select_related("customer", "invoice", "line", "product", "order")
        .order_by("status_changed_at", "id")
    )


def payment_attempt_get(*, attempt_id: int) -> PaymentAttempt | None:
    return PaymentAttempt.objects.select_related("customer").filter(pk=attempt_id).first()
