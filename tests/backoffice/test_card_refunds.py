"""A refund the PSP refuses (a phone order cancelled after its payment, against localstripe
behind a proxy that refuses refunds as Stripe does): it fails with the PSP's code, waits in the
advisor console, and the advisor either asks the PSP again or records the bank transfer made
instead, after which the payment is refunded for good."""

from datetime import timedelta

import pytest

from guichet.care.actors import Actor
from guichet.care.acts import Act
from guichet.care.models import Activity, OrderStatus, OutboxMessage
from guichet.devices.card_orders import device_renewal_cancel_and_refund
from guichet.payments.errors import PaymentError, PaymentErrorCode
from guichet.payments.models import CardRefund, CardRefundStatus
from guichet.payments.psp import CardGateway, card_gateway
from guichet.payments.selectors.card import card_refunds_to_settle
from guichet.payments.services.refunds import (
    card_refund_create,
    card_refund_retry,
    card_refund_transfer_record,
)
from tests.billing.builders import paris, woot_line
from tests.customers.builders import as_customer
from tests.payments.card_builders import card_account
from tests.payments.device_orders import ORDERED_AT, PRICE, paid_order
from tests.payments.psp import gateway_via, psp_list, refusing_proxy

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system()


@pytest.fixture(autouse=True)
def _catalog(loaded_catalog):
    return loaded_catalog


@pytest.fixture
def gateway(stripe_settings: str) -> CardGateway:
    return card_gateway()


def _cancel_refused(line, gateway, psp, *, code: str) -> CardRefund:
    """A phone paid by card, its order cancelled before shipping, its refund refused by the PSP
    with `code`."""
    renewal, attempt = paid_order(line, gateway, psp)
    with refusing_proxy(psp, path_suffix="/refunds", code=code) as proxy:
        cancelled = device_renewal_cancel_and_refund(
            renewal=renewal,
            actor=as_customer(attempt.customer),
            now=ORDERED_AT + timedelta(hours=1),
            gateway=gateway_via(proxy, timeout_seconds=5),
        )
    assert cancelled.renewal.order.status == OrderStatus.CANCELLED
    return cancelled.refund


@pytest.fixture
def refused(gateway, stripe_settings) -> CardRefund:
    """Refused because the operator's PSP balance cannot cover the refund for now: the money
    is still owed, to the card later or by bank transfer."""
    line = woot_line(card_account(), activated_at=paris(2026, 10, 15))
    return _cancel_refused(line, gateway, stripe_settings, code="balance_insufficient")


def _refunds_at_psp(psp: str, refund: CardRefund) -> list[dict]:
    intent = refund.attempt.psp_payment_intent_id
    return [r for r in psp_list(psp, "refunds") if r["payment_intent"] == intent]


def test_a_refund_the_psp_refuses_fails_with_its_code_and_waits_for_an_advisor(
    refused, stripe_settings, advisor_client
):
    assert (refused.status, refused.failure_code) == (
        CardRefundStatus.FAILED,
        "balance_insufficient",
    )
    assert _refunds_at_psp(stripe_settings, refused) == []
    assert card_refunds_to_settle() == [refused]

    page = advisor_client.get("/conseiller/")

    assert [refund for refund, _ in page.context["refunds"]] == [refused]
    html = page.content.decode()
    assert "balance_insufficient" in html
    assert f"/conseiller/remboursements/{refused.pk}/virement/" in html


def test_a_payment_the_psp_had_refunded_already_is_refunded_and_owes_nothing(
    gateway, stripe_settings
):
    """Stripe's `charge_already_refunded`: the whole payment is back on the card (a refund made
    once then asked again after the PSP forgot its key, or one from the PSP's dashboard)."""
    line = woot_line(card_account(), activated_at=paris(2026, 10, 15))
    refund = _cancel_refused(line, gateway, stripe_settings, code="charge_already_refunded")

    assert (refund.status, refund.failure_code) == (CardRefundStatus.SUCCEEDED, "")
    assert card_refunds_to_settle() == []
    with pytest.raises(PaymentError) as again:
        card_refund_create(
            attempt=refund.attempt, reason="again", actor=SYSTEM, now=ORDERED_AT + timedelta(days=1)
        )
    assert again.value.code == PaymentErrorCode.NOT_REFUNDABLE


def test_the_advisor_asks_the_psp_again_and_the_card_is_refunded(
    refused, stripe_settings, advisor_client
):
    response = advisor_client.post(f"/conseiller/remboursements/{refused.pk}/relance/")

    assert response.status_code == 302
    retried = CardRefund.objects.get(attempt=refused.attempt, pk__gt=refused.pk)
    assert (retried.status, retried.amount_cents) == (CardRefundStatus.SUCCEEDED, PRICE)
    assert [r["id"] for r in _refunds_at_psp(stripe_settings, refused)] == [retried.psp_refund_id]
    assert card_refunds_to_settle() == []
    # Settled by the retry: neither retried again nor transferred.
    again = advisor_client.post(f"/conseiller/remboursements/{refused.pk}/relance/", follow=True)
    assert "plus à traiter" in again.content.decode()
    assert CardRefund.objects.filter(attempt=refused.attempt).count() == 2


def test_the_advisor_records_the_bank_transfer_and_the_customer_is_told(
    refused, stripe_settings, advisor_client
):
    url = f"/conseiller/remboursements/{refused.pk}/virement/"
    prefix = f"refund{refused.pk}"

    blank = advisor_client.post(url, {f"{prefix}-reference": "  "})
    assert blank.status_code == 400
    form = dict(blank.context["refunds"])[refused]
    assert "reference" in form.errors
    refused.refresh_from_db()
    assert refused.transferred_at is None

    done = advisor_client.post(url, {f"{prefix}-reference": "VIR-2026-11-0042"})

    assert done.status_code == 302
    refused.refresh_from_db()
    assert refused.transfer_reference == "VIR-2026-11-0042"
    assert refused.transferred_at is not None
    assert card_refunds_to_settle() == []
    customer = refused.attempt.customer
    notice = OutboxMessage.objects.get(
        customer=customer, template="card_refund_transferred", channel="email"
    )
    assert notice.context["amount"] == "399,00 €"
    assert notice.context["reference"] == "VIR-2026-11-0042"
    assert Activity.objects.filter(act=Act.CARD_REFUND_TRANSFER, customer=customer).exists()
    # Refunded for good: no refund to the card may follow, by the console or otherwise.
    retry = advisor_client.post(f"/conseiller/remboursements/{refused.pk}/relance/", follow=True)
    assert "plus à traiter" in retry.content.decode()
    with pytest.raises(PaymentError) as twice:
        card_refund_create(
            attempt=refused.attempt, reason="again", actor=as_customer(customer), now=ORDERED_AT
        )
    assert twice.value.code == PaymentErrorCode.NOT_REFUNDABLE
    assert _refunds_at_psp(stripe_settings, refused) == []


def test_only_a_failed_refund_is_settled_by_an_advisor(refused, gateway):
    advisor = as_customer(refused.attempt.customer)
    retried = card_refund_retry(refund=refused, actor=advisor, now=ORDERED_AT)

    for settle in (
        lambda refund: card_refund_retry(refund=refund, actor=advisor, now=ORDERED_AT),
        lambda refund: card_refund_transfer_record(
            refund=refund, reference="VIR-1", actor=advisor, now=ORDERED_AT
        ),
    ):
        for refund in (refused, retried):  # superseded by the retry; created, not failed
            with pytest.raises(PaymentError) as refusal:
                settle(refund)
            assert refusal.value.code == PaymentErrorCode.REFUND_NOT_FAILED
    with pytest.raises(PaymentError) as missing:
        card_refund_transfer_record(refund=refused, reference=" ", actor=advisor, now=ORDERED_AT)
    assert missing.value.code == PaymentErrorCode.TRANSFER_REFERENCE_MISSING
    # Nothing was written by the refusals: the retry's refund alone, no transfer.
    rows = CardRefund.objects.filter(attempt=refused.attempt).order_by("id")
    assert [(r.pk, r.status, r.transferred_at, r.transfer_reference) for r in rows] == [
        (refused.pk, CardRefundStatus.FAILED, None, ""),
        (retried.pk, CardRefundStatus.CREATED, None, ""),
    ]
    assert not Activity.objects.filter(act=Act.CARD_REFUND_TRANSFER).exists()
