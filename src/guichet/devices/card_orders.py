"""A device renewal paid by card at the order, and its cancellation with a refund: the acts of
devices.services joined to the card payments of `payments`, each PSP call made outside any
transaction (payments.services.card, payments.services.refunds).

This module imports payments.services.card, which imports devices.services (to confirm or
cancel the order when the PSP answers): so these live here, not in devices.services.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet

from guichet.care.actors import Actor
from guichet.care.models import OrderStatus
from guichet.customers.models import Customer
from guichet.devices.models import DeviceRenewal, RenewalPayment
from guichet.devices.services import (
    device_renewal_cancel,
    device_renewal_card_unpaid,
    device_renewal_order,
)
from guichet.lines.models import Line
from guichet.payments.errors import PaymentError
from guichet.payments.models import (
    CardPaymentPurpose,
    CardRefund,
    PaymentAttempt,
    PaymentAttemptStatus,
)
from guichet.payments.psp import CardGateway
from guichet.payments.services.card import card_payment_abandon, card_payment_start
from guichet.payments.services.refunds import card_refund_send

logger = logging.getLogger("guichet.devices")

SYSTEM = Actor.system()


def device_renewal_order_by_card(
    *,
    customer: Customer,
    line: Line,
    sku: str,
    actor: Actor,
    now: datetime,
    gateway: CardGateway,
) -> tuple[DeviceRenewal, PaymentAttempt]:
    """Order `sku` paid by card now: the order is committed awaiting its payment, then the card
    payment of its price starts (the caller sends the customer to its page). A payment the PSP
    cannot prepare fails at once and cancels the order (payments' `on_failure`); a payment
    refused before the PSP (not configured) cancels it too, so that no order waits for a
    payment that cannot come."""
    renewal = device_renewal_order(
        customer=customer,
        line=line,
        sku=sku,
        payment=RenewalPayment.CARD,
        actor=actor,
        now=now,
    )
    try:
        attempt = card_payment_start(
            customer=customer,
            purpose=CardPaymentPurpose.DEVICE_ORDER,
            amount_cents=renewal.price_cents,
            order=renewal.order,
            actor=actor,
            now=now,
            gateway=gateway,
        )
    except PaymentError as refused:
        logger.warning("Order %s: its card payment could not start: %s", renewal.order_id, refused)
        device_renewal_card_unpaid(renewal=renewal, reason=refused.message, actor=actor, now=now)
        raise
    renewal.refresh_from_db()
    return renewal, attempt


def device_renewal_pending_attempt(*, renewal: DeviceRenewal) -> PaymentAttempt | None:
    """The card payment an order awaiting it can still be paid with (its card not submitted)."""
    if not renewal.awaiting_card_payment:
        return None
    return (
        PaymentAttempt.objects.filter(order_id=renewal.order_id)
        .exclude(status=PaymentAttemptStatus.FAILED)
        .order_by("-id")
        .first()
    )


@dataclass(frozen=True)
class Cancellation:
    renewal: DeviceRenewal
    refund: CardRefund | None


def device_renewal_cancel_and_refund(
    *, renewal: DeviceRenewal, actor: Actor, now: datetime, gateway: CardGateway
) -> Cancellation:
    """Cancel an order before it ships. Awaiting its card payment: the payment is abandoned at
    the PSP, which cancels the order. Paid by card: the order is cancelled and its refund
    recorded in one transaction, then the refund is sent to the PSP (a PSP that does not
    answer leaves it to `guichet payments reconcile`)."""
    if renewal.awaiting_card_payment:
        attempt = device_renewal_pending_attempt(renewal=renewal)
        if attempt is None:
            device_renewal_card_unpaid(
                renewal=renewal, reason="paiement abandonné.", actor=actor, now=now
            )
        else:
            card_payment_abandon(attempt=attempt, actor=actor, now=now, gateway=gateway)
        renewal.refresh_from_db()
        renewal.order.refresh_from_db()
        return Cancellation(renewal=renewal, refund=None)
    renewal, refund = device_renewal_cancel(renewal=renewal, actor=actor, now=now)
    if refund is not None:
        refund = card_refund_send(refund=refund, now=now, gateway=gateway)
    return Cancellation(renewal=renewal, refund=refund)


def device_orders_without_payment_cancel(
    *, now: datetime, stale_after: timedelta, limit: int = 500
) -> int:
    """Cancel the orders committed awaiting their card payment for longer than `stale_after`
    whose payment never started: the process stopped between the order's commit and the
    payment's first write (`device_renewal_order_by_card`), so no PSP answer, reconciliation
    or customer's payment page will ever settle them, and their phone stays out of stock.
    Run by `guichet payments reconcile`, after the attempts; returns how many were cancelled."""
    stale = _without_attempt(
        DeviceRenewal.objects.filter(
            payment=RenewalPayment.CARD,
            paid_at__isnull=True,
            order__status=OrderStatus.RECEIVED,
            order__created_at__lte=now - stale_after,
        )
    ).order_by("order__created_at", "order_id")[:limit]
    return sum(_cancel_without_payment(renewal, now=now) for renewal in stale)


def _without_attempt(renewals: QuerySet[DeviceRenewal]) -> QuerySet[DeviceRenewal]:
    return renewals.exclude(Exists(PaymentAttempt.objects.filter(order_id=OuterRef("order_id"))))


@transaction.atomic
def _cancel_without_payment(renewal: DeviceRenewal, *, now: datetime) -> bool:
    """Cancel the order if, under its renewal's lock, it still has no payment attempt: a payment
    starting meanwhile locks the renewal too (`payments.services.card._awaiting_renewal`)."""
    locked = _without_attempt(DeviceRenewal.objects.select_for_update(of=("self",))).filter(
        pk=renewal.pk
    )
    if locked.first() is None:
        return False
    renewal = device_renewal_card_unpaid(
        renewal=renewal,
        reason="Le paiement n'a jamais pu commencer : commandez à nouveau.",
        actor=SYSTEM,
        now=now,
    )
    return renewal.order.status == OrderStatus.CANCELLED
