"""Device orders paid by card against localstripe, as the customer makes them: ordered, the
card handed to the PSP and confirmed, the PSP's webhook received."""

from datetime import UTC, datetime, timedelta

from guichet.devices.card_orders import device_renewal_order_by_card
from guichet.payments.services.card import card_payment_confirm, psp_event_receive
from tests.customers.builders import as_customer
from tests.payments.psp import CARD_OK, event_payload, hand_card, signature_header

SKU, PRICE = "SAM-A55-128-N", 39900  # Samsung Galaxy A55 5G 128 Go (neuf), devices.toml
ORDERED_AT = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)  # a Tuesday


def order_by_card(line, gateway, now=ORDERED_AT):
    customer = line.billing_account.customer
    return device_renewal_order_by_card(
        customer=customer, line=line, sku=SKU, actor=as_customer(customer), now=now, gateway=gateway
    )


def hand_and_confirm(attempt, gateway, psp, number):
    secrets = gateway.client_secrets(
        payment_intent_id=attempt.psp_payment_intent_id,
        setup_intent_id=attempt.psp_setup_intent_id,
    )
    hand_card(psp, setup_client_secret=secrets.setup_intent, number=number)
    return card_payment_confirm(
        attempt=attempt, actor=as_customer(attempt.customer), now=ORDERED_AT, gateway=gateway
    )


def webhook_success(attempt, gateway, psp, *, now):
    payload = event_payload(
        psp, event_type="payment_intent.succeeded", payment_intent_id=attempt.psp_payment_intent_id
    )
    event = gateway.webhook_event(payload=payload, signature=signature_header(payload))
    return psp_event_receive(event=event, now=now)


def paid_order(line, gateway, psp):
    renewal, attempt = order_by_card(line, gateway)
    hand_and_confirm(attempt, gateway, psp, CARD_OK)
    webhook_success(attempt, gateway, psp, now=ORDERED_AT + timedelta(seconds=3))
    renewal.refresh_from_db()
    return renewal, attempt
