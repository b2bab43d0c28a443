"""The whole loop with nothing simulated on the PSP's side: localstripe posts its own signed
webhook to a live Guichet server, which credits the invoice."""

import time

import pytest

from guichet.billing.models import InvoiceStatus
from guichet.payments.models import CardPaymentPurpose, PaymentAttemptStatus, PspEvent
from guichet.payments.psp import card_gateway
from guichet.payments.services.card import card_payment_confirm, card_payment_start
from tests.conftest import STRIPE_TEST_KEYS, localstripe_running
from tests.customers.builders import as_customer
from tests.payments.card_builders import BEFORE_DUE, november_invoice
from tests.payments.psp import CARD_OK, hand_card

pytestmark = pytest.mark.django_db(transaction=True)


def test_localstripe_delivers_the_webhook_that_credits_the_invoice(
    loaded_catalog, live_server, settings
):
    invoice = november_invoice()
    customer = invoice.billing_account.customer
    with localstripe_running(
        webhook=f"http://127.0.0.1:{live_server.thread.port}/psp/stripe/webhook"
    ) as psp:
        for name, value in STRIPE_TEST_KEYS.items():
            setattr(settings, name, value)
        settings.GUICHET_STRIPE_API_BASE = psp
        settings.GUICHET_STRIPE_JS_URL = f"{psp}/js.stripe.com/v3/"
        gateway = card_gateway()
        attempt = card_payment_start(
            customer=customer,
            purpose=CardPaymentPurpose.INVOICE,
            amount_cents=1299,
            invoice=invoice,
            actor=as_customer(customer),
            now=BEFORE_DUE,
            gateway=gateway,
        )
        secrets = gateway.client_secrets(
            payment_intent_id=attempt.psp_payment_intent_id,
            setup_intent_id=attempt.psp_setup_intent_id,
        )
        hand_card(psp, setup_client_secret=secrets.setup_intent, number=CARD_OK)
        card_payment_confirm(
            attempt=attempt, actor=as_customer(customer), now=BEFORE_DUE, gateway=gateway
        )

        # localstripe posts its events one second after they happen.
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            attempt.refresh_from_db()
            if attempt.status == PaymentAttemptStatus.SUCCEEDED:
                break
            time.sleep(0.2)

    invoice.refresh_from_db()
    assert attempt.status == PaymentAttemptStatus.SUCCEEDED
    assert (invoice.paid_cents, invoice.status) == (1299, InvoiceStatus.PAID)
    assert "payment_intent.succeeded" in set(PspEvent.objects.values_list("type", flat=True))
