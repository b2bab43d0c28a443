"""A phone ordered at a device renewal and paid by card at the order, against localstripe: the
order waits for the PSP, is confirmed by its webhook or cancelled by a failure, is never put
on an invoice, has its receipt, and is refunded to the card when cancelled before shipping."""

from datetime import UTC, datetime, timedelta

import pytest

from guichet.billing.errors import BillingError, BillingErrorCode
from guichet.billing.models import Invoice, OneOffCharge
from guichet.billing.services import bill_run
from guichet.care.actors import Actor
from guichet.care.acts import Act
from guichet.care.models import Activity, Order, OrderStatus, OutboxMessage
from guichet.care.services import order_advance
from guichet.catalog.models import CatalogRelease
from guichet.devices.card_orders import (
    device_orders_without_payment_cancel,
    device_renewal_cancel_and_refund,
)
from guichet.devices.errors import DeviceError, DeviceErrorCode
from guichet.devices.models import DeviceRenewal, RenewalPayment
from guichet.devices.partners import LocalInsurer, LocalLogistics, LocalRepairer
from guichet.devices.selectors import device_units_left
from guichet.devices.services import (
    after_sales_sync,
    device_renewal_order,
    device_renewal_withdraw,
    device_renewal_withdrawal_deadline,
)
from guichet.lines.selectors import equipment_for_customer, equipment_for_line
from guichet.payments.card_rules import PARIS
from guichet.payments.errors import PaymentError, PaymentErrorCode
from guichet.payments.models import (
    CardPaymentPurpose,
    CardRefund,
    CardRefundStatus,
    InstalmentPlan,
    PaymentAttempt,
    PaymentAttemptStatus,
)
from guichet.payments.psp import CardGateway, card_gateway
from guichet.payments.receipts import device_order_receipt_attempt, device_order_receipt_pdf
from guichet.payments.services.card import (
    card_payment_start,
    card_payments_reconcile,
)
from guichet.payments.services.refunds import card_refund_create, card_refunds_reconcile
from tests.billing.builders import paris, woot_line
from tests.customers.builders import as_customer
from tests.payments.card_builders import NOVEMBER, card_account, invoices_in_arrears
from tests.payments.device_orders import (
    ORDERED_AT,
    PRICE,
    SKU,
    hand_and_confirm,
    order_by_card,
    paid_order,
    webhook_success,
)
from tests.payments.psp import (
    CARD_DECLINED,
    CARD_OK,
    event_payload,
    gateway_via,
    post_webhook,
    psp_get,
    psp_list,
    slow_proxy,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _catalog(loaded_catalog: CatalogRelease) -> CatalogRelease:
    return loaded_catalog


@pytest.fixture
def gateway(stripe_settings: str) -> CardGateway:
    return card_gateway()


@pytest.fixture
def line():
    return woot_line(card_account(), activated_at=paris(2026, 10, 15))


def _sync(now):
    return after_sales_sync(
        logistics=LocalLogistics(), insurer=LocalInsurer(), repairer=LocalRepairer(), now=now
    )


def test_an_order_paid_by_card_waits_for_the_psp_then_ships_and_is_never_invoiced(
    line, gateway, stripe_settings
):
    left = device_units_left(sku=SKU)
    renewal, attempt = order_by_card(line, gateway)

    assert (renewal.order.status, renewal.awaiting_card_payment) == (OrderStatus.RECEIVED, True)
    assert (attempt.purpose, attempt.amount_cents, attempt.order_id) == (
        CardPaymentPurpose.DEVICE_ORDER,
        PRICE,
        renewal.order_id,
    )
    assert device_units_left(sku=SKU) == left - 1
    # Not passed to the carrier while unpaid, even once the card is charged: the webhook says.
    assert _sync(ORDERED_AT).orders == 0
    hand_and_confirm(attempt, gateway, stripe_settings, CARD_OK)
    renewal.refresh_from_db()
    assert renewal.awaiting_card_payment
    assert _sync(ORDERED_AT).orders == 0

    paid_at = ORDERED_AT + timedelta(seconds=3)
    webhook_success(attempt, gateway, stripe_settings, now=paid_at)

    renewal.refresh_from_db()
    attempt.refresh_from_db()
    assert (renewal.paid_at, renewal.payment_reference) == (paid_at, attempt.idempotency_key)
    assert (attempt.status, attempt.credited_at) == (PaymentAttemptStatus.SUCCEEDED, paid_at)
    customer = attempt.customer
    notice = OutboxMessage.objects.get(
        customer=customer, template="device_renewal_paid_by_card", channel="email"
    )
    assert notice.context["price"] == "399,00 €"
    assert Activity.objects.filter(act=Act.DEVICE_RENEWAL_PAID, subject_id=renewal.order_id)
    # 11 November is a public holiday: shipped on the 12th, delivered on the 16th.
    for days in range(7):
        _sync(ORDERED_AT + timedelta(days=days, hours=1))
    renewal.refresh_from_db()
    assert renewal.order.status == OrderStatus.DELIVERED
    # Paid at the order: neither a one-off charge nor an instalment plan, no invoice line.
    assert not OneOffCharge.objects.filter(billing_account=line.billing_account)
    assert not InstalmentPlan.objects.filter(equipment=renewal.equipment)
    bill_run(period=NOVEMBER, now=datetime(2026, 12, 2, 8, 0, tzinfo=UTC))
    november = Invoice.objects.get(billing_account=line.billing_account, period_start=NOVEMBER)
    assert [row.kind for row in november.lines.all()] == ["plan_fee", "plan_discount"]
    assert november.total_cents == 1299
    # The sale's document: the receipt of the card payment.
    assert device_order_receipt_attempt(renewal=renewal) == attempt
    receipt = device_order_receipt_pdf(renewal=renewal, attempt=attempt)
    assert receipt.content.startswith(b"%PDF")
    assert receipt.filename == f"justificatif-commande-{renewal.order_id}.pdf"


def test_a_declined_card_cancels_the_order_nothing_shipped_nor_billed(
    line, gateway, stripe_settings
):
    left = device_units_left(sku=SKU)
    renewal, attempt = order_by_card(line, gateway)

    result = hand_and_confirm(attempt, gateway, stripe_settings, CARD_DECLINED)

    assert result.attempt.status == PaymentAttemptStatus.FAILED
    renewal.refresh_from_db()
    assert renewal.order.status == OrderStatus.CANCELLED
    assert device_units_left(sku=SKU) == left
    assert OutboxMessage.objects.filter(
        customer=attempt.customer, template="device_renewal_cancelled"
    ).exists()
    assert [_sync(ORDERED_AT + timedelta(days=d)).orders for d in range(4)] == [0, 0, 0, 0]
    assert not OneOffCharge.objects.filter(billing_account=line.billing_account)
    assert device_order_receipt_attempt(renewal=renewal) is None
    # The line may order again at once.
    again, _ = order_by_card(line, gateway, now=ORDERED_AT + timedelta(minutes=5))
    assert again.order.status == OrderStatus.RECEIVED


def test_an_abandoned_payment_is_cancelled_at_the_psp_and_cancels_theorder_by_card(
    line, gateway, stripe_settings
):
    renewal, attempt = order_by_card(line, gateway)

    report = card_payments_reconcile(
        now=ORDERED_AT + timedelta(hours=1), gateway=gateway, stale_after=timedelta(minutes=30)
    )

    assert report.summary() == "examined=1 succeeded=0 failed=1 waiting=0"
    attempt.refresh_from_db()
    renewal.refresh_from_db()
    assert (attempt.status, attempt.failure_code) == (PaymentAttemptStatus.FAILED, "abandoned")
    assert renewal.order.status == OrderStatus.CANCELLED
    intent = psp_get(stripe_settings, "payment_intents", attempt.psp_payment_intent_id)
    assert intent["status"] == "canceled"


def test_an_order_whose_card_payment_never_started_is_cancelled_by_the_reconciliation(
    line, gateway, stripe_settings
):
    left = device_units_left(sku=SKU)
    customer = line.billing_account.customer
    # The process stopped after the order's commit, before its payment's first write.
    orphan = device_renewal_order(
        customer=customer,
        line=line,
        sku=SKU,
        payment=RenewalPayment.CARD,
        actor=as_customer(customer),
        now=ORDERED_AT,
    )
    paying, attempt = order_by_card(
        woot_line(card_account(), activated_at=paris(2026, 10, 15)), gateway
    )
    other = woot_line(card_account(), activated_at=paris(2026, 10, 15))
    on_instalments = device_renewal_order(
        customer=other.billing_account.customer,
        line=other,
        sku=SKU,
        payment=RenewalPayment.INSTALMENTS,
        instalment_count=24,
        actor=as_customer(other.billing_account.customer),
        now=ORDERED_AT,
    )
    assert device_units_left(sku=SKU) == left - 3

    soon = device_orders_without_payment_cancel(
        now=ORDERED_AT + timedelta(minutes=10), stale_after=timedelta(minutes=30)
    )
    later = device_orders_without_payment_cancel(
        now=ORDERED_AT + timedelta(hours=1), stale_after=timedelta(minutes=30)
    )
    again = device_orders_without_payment_cancel(
        now=ORDERED_AT + timedelta(hours=2), stale_after=timedelta(minutes=30)
    )

    assert (soon, later, again) == (0, 1, 0)
    statuses = {
        renewal.order_id: renewal.order.status
        for renewal in DeviceRenewal.objects.select_related("order")
    }
    assert statuses == {
        orphan.order_id: OrderStatus.CANCELLED,
        paying.order_id: OrderStatus.RECEIVED,
        on_instalments.order_id: OrderStatus.RECEIVED,
    }
    assert device_units_left(sku=SKU) == left - 2
    notice = OutboxMessage.objects.get(
        customer=customer, template="device_renewal_cancelled", channel="email"
    )
    assert notice.context["order"] == orphan.order_id
    assert "jamais pu commencer" in notice.context["reason"]
    attempt.refresh_from_db()
    assert attempt.status == PaymentAttemptStatus.CREATED
    # The line, no longer held by the order that would never be paid, may order again.
    renewal, _ = order_by_card(line, gateway, now=ORDERED_AT + timedelta(hours=2))
    assert renewal.order.status == OrderStatus.RECEIVED


def test_the_customer_cancelling_an_unpaid_order_abandons_its_payment(
    line, gateway, stripe_settings
):
    renewal, attempt = order_by_card(line, gateway)

    cancelled = device_renewal_cancel_and_refund(
        renewal=renewal, actor=as_customer(attempt.customer), now=ORDERED_AT, gateway=gateway
    )

    assert cancelled.refund is None
    assert cancelled.renewal.order.status == OrderStatus.CANCELLED
    attempt.refresh_from_db()
    assert attempt.status == PaymentAttemptStatus.FAILED
    intent = psp_get(stripe_settings, "payment_intents", attempt.psp_payment_intent_id)
    assert intent["status"] == "canceled"


def test_a_paid_order_cancelled_before_shipping_is_refunded_to_the_card_once(
    line, gateway, stripe_settings
):
    renewal, attempt = paid_order(line, gateway, stripe_settings)
    customer = attempt.customer

    cancelled = device_renewal_cancel_and_refund(
        renewal=renewal,
        actor=as_customer(customer),
        now=ORDERED_AT + timedelta(hours=1),
        gateway=gateway,
    )

    assert cancelled.renewal.order.status == OrderStatus.CANCELLED
    refund = cancelled.refund
    assert (refund.status, refund.amount_cents) == (CardRefundStatus.SUCCEEDED, PRICE)
    psp_refund = psp_get(stripe_settings, "refunds", refund.psp_refund_id)
    assert (psp_refund["amount"], psp_refund["payment_intent"]) == (
        PRICE,
        attempt.psp_payment_intent_id,
    )
    assert [_sync(ORDERED_AT + timedelta(days=d)).orders for d in range(4)] == [0, 0, 0, 0]
    with pytest.raises(PaymentError) as twice:
        card_refund_create(
            attempt=attempt, reason="again", actor=as_customer(customer), now=ORDERED_AT
        )
    assert twice.value.code == PaymentErrorCode.NOT_REFUNDABLE
    refunds = [
        r
        for r in psp_list(stripe_settings, "refunds")
        if r["payment_intent"] == attempt.psp_payment_intent_id
    ]
    assert len(refunds) == 1
    receipt = device_order_receipt_pdf(renewal=cancelled.renewal, attempt=attempt)
    assert receipt.content.startswith(b"%PDF")
    assert Activity.objects.filter(act=Act.CARD_REFUND_SETTLE, customer=customer).exists()


def test_a_refund_left_without_answer_is_made_once_by_the_reconciliation(
    line, gateway, stripe_settings
):
    renewal, attempt = paid_order(line, gateway, stripe_settings)

    with slow_proxy(stripe_settings, delay_seconds=1.5, path_suffix="/refunds") as proxy:
        impatient = gateway_via(proxy, timeout_seconds=0.5)
        cancelled = device_renewal_cancel_and_refund(
            renewal=renewal,
            actor=as_customer(attempt.customer),
            now=ORDERED_AT,
            gateway=impatient,
        )

    assert cancelled.refund.status == CardRefundStatus.UNKNOWN
    report = card_refunds_reconcile(now=ORDERED_AT + timedelta(minutes=5), gateway=gateway)
    again = card_refunds_reconcile(now=ORDERED_AT + timedelta(minutes=6), gateway=gateway)

    assert report.summary() == "refunds examined=1 succeeded=1 failed=0 waiting=0"
    assert again.summary() == "refunds examined=0 succeeded=0 failed=0 waiting=0"
    refund = CardRefund.objects.get(attempt=attempt)
    assert refund.status == CardRefundStatus.SUCCEEDED


def test_ordering_by_card_is_refused_while_unpaid_before_any_psp_call(gateway, stripe_settings):
    account = card_account()
    line, _, _ = invoices_in_arrears(account)
    intents = len(psp_list(stripe_settings, "payment_intents"))

    with pytest.raises(BillingError) as refused:
        order_by_card(line, gateway, now=datetime(2026, 11, 25, 9, 0, tzinfo=UTC))

    assert refused.value.code == BillingErrorCode.ACT_REFUSED_WHILE_UNPAID
    assert not Order.objects.exists() and not DeviceRenewal.objects.exists()
    assert not PaymentAttempt.objects.exists()
    assert len(psp_list(stripe_settings, "payment_intents")) == intents


def test_an_order_is_paid_at_its_price_by_its_customer_only(line, gateway, stripe_settings):
    renewal, attempt = order_by_card(line, gateway)
    other = woot_line(card_account(), activated_at=paris(2026, 10, 15))
    stranger = other.billing_account.customer

    with pytest.raises(PaymentError) as wrong_price:
        card_payment_start(
            customer=attempt.customer,
            purpose=CardPaymentPurpose.DEVICE_ORDER,
            amount_cents=PRICE - 100,
            order=renewal.order,
            actor=as_customer(attempt.customer),
            now=ORDERED_AT,
            gateway=gateway,
        )
    with pytest.raises(PaymentError) as not_theirs:
        card_payment_start(
            customer=stranger,
            purpose=CardPaymentPurpose.DEVICE_ORDER,
            amount_cents=PRICE,
            order=renewal.order,
            actor=as_customer(stranger),
            now=ORDERED_AT,
            gateway=gateway,
        )

    assert wrong_price.value.code == PaymentErrorCode.AMOUNT_NOT_THE_PRICE
    assert not_theirs.value.code == PaymentErrorCode.TARGET_NOT_FOUND


def test_a_payment_for_an_order_cancelled_meanwhile_is_refunded_by_the_webhook(
    line, gateway, stripe_settings, client
):
    renewal, attempt = order_by_card(line, gateway)
    hand_and_confirm(attempt, gateway, stripe_settings, CARD_OK)
    # The operator cancels the order while the bank confirms the payment.
    order_advance(
        order=renewal.order, to_status=OrderStatus.CANCELLED, actor=Actor.system(), now=ORDERED_AT
    )

    payload = event_payload(
        stripe_settings,
        event_type="payment_intent.succeeded",
        payment_intent_id=attempt.psp_payment_intent_id,
    )
    assert post_webhook(client, payload).status_code == 200

    attempt.refresh_from_db()
    renewal.refresh_from_db()
    assert attempt.status == PaymentAttemptStatus.SUCCEEDED
    assert attempt.credited_at is None and "n'attend pas de paiement" in attempt.credit_error
    assert renewal.paid_at is None
    refund = CardRefund.objects.get(attempt=attempt)
    assert (refund.status, refund.amount_cents) == (CardRefundStatus.SUCCEEDED, PRICE)
    assert psp_get(stripe_settings, "refunds", refund.psp_refund_id)["amount"] == PRICE
    # Replayed, the event refunds nothing more.
    post_webhook(client, payload)
    assert CardRefund.objects.filter(attempt=attempt).count() == 1


def _delivered(line, gateway, psp):
    renewal, attempt = paid_order(line, gateway, psp)
    for days in range(7):
        _sync(ORDERED_AT + timedelta(days=days, hours=1))
    renewal.refresh_from_db()
    assert renewal.order.status == OrderStatus.DELIVERED
    return renewal, attempt


def test_a_withdrawal_within_14_days_refunds_the_card_once_the_phone_is_back(
    line, gateway, stripe_settings
):
    renewal, attempt = _delivered(line, gateway, stripe_settings)
    delivered_on = renewal.order.delivered_at.astimezone(PARIS).date()
    assert device_renewal_withdrawal_deadline(renewal=renewal) == delivered_on + timedelta(days=14)
    withdrawn_at = renewal.order.delivered_at + timedelta(days=14)

    device_renewal_withdraw(
        renewal=renewal,
        logistics=LocalLogistics(),
        actor=as_customer(attempt.customer),
        now=withdrawn_at,
    )

    notice = OutboxMessage.objects.get(
        customer=attempt.customer, template="device_renewal_withdrawn", channel="email"
    )
    assert notice.context["return_number"] == f"RET{renewal.order_id:010d}FR"
    assert not CardRefund.objects.exists()
    # The phone comes back three working days later: its payment is owed back, then refunded,
    # and it is no longer the customer's.
    _sync(withdrawn_at + timedelta(days=1))
    assert not CardRefund.objects.exists()
    assert [item.pk for item in equipment_for_line(line=line)] == [renewal.equipment_id]
    _sync(withdrawn_at + timedelta(days=7))
    renewal.refresh_from_db()
    assert renewal.returned_at is not None
    assert equipment_for_line(line=line) == []
    assert renewal.equipment not in equipment_for_customer(customer=attempt.customer)
    refund = CardRefund.objects.get(attempt=attempt)
    assert (refund.status, refund.amount_cents) == (CardRefundStatus.CREATED, PRICE)
    report = card_refunds_reconcile(now=withdrawn_at + timedelta(days=7), gateway=gateway)
    assert report.summary() == "refunds examined=1 succeeded=1 failed=0 waiting=0"
    assert (
        psp_get(stripe_settings, "refunds", CardRefund.objects.get().psp_refund_id)["amount"]
        == PRICE
    )
    assert _sync(withdrawn_at + timedelta(days=8)).orders == 0
    with pytest.raises(DeviceError):
        device_renewal_withdraw(
            renewal=renewal,
            logistics=LocalLogistics(),
            actor=as_customer(attempt.customer),
            now=withdrawn_at,
        )


def test_a_withdrawal_after_the_14_days_is_refused(line, gateway, stripe_settings):
    renewal, attempt = _delivered(line, gateway, stripe_settings)

    with pytest.raises(DeviceError) as late:
        device_renewal_withdraw(
            renewal=renewal,
            logistics=LocalLogistics(),
            actor=as_customer(attempt.customer),
            now=renewal.order.delivered_at + timedelta(days=15),
        )

    assert late.value.code == DeviceErrorCode.WITHDRAWAL_NOT_OPEN
    assert "a pris fin le" in late.value.message
    renewal.refresh_from_db()
    assert renewal.withdrawn_at is None
