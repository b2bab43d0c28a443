"""Card payments against localstripe: the attempt row, the PSP, the webhook, the credit."""

import logging
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from guichet.billing.models import Invoice, InvoiceStatus
from guichet.billing.services import bill_run
from guichet.billing.settlement import invoice_payment_record
from guichet.care.actors import Actor
from guichet.care.acts import Act
from guichet.care.models import Activity
from guichet.catalog.models import CatalogRelease
from guichet.lines.emergencies import loss_theft_declare, loss_theft_lift
from guichet.lines.models import Subscription, SubscriptionStatus, SuspensionReason
from guichet.payments.card_rules import refusal_message
from guichet.payments.errors import PaymentError, PaymentErrorCode
from guichet.payments.models import (
    CardPaymentPurpose,
    CardRefund,
    CardRefundStatus,
    InstalmentPlanStatus,
    PaymentAllocation,
    PaymentAttempt,
    PaymentAttemptStatus,
    PspEvent,
    PspEventOutcome,
)
from guichet.payments.psp import CardGateway, card_gateway
from guichet.payments.selectors.card import payment_attempts_not_credited
from guichet.payments.selectors.instalments import instalment_plan_outstanding_cents
from guichet.payments.services.card import (
    card_payment_confirm,
    card_payment_refresh,
    card_payment_start,
    card_payments_reconcile,
    payment_attempt_create,
    payment_attempt_credit_again,
    psp_event_receive,
)
from tests.billing.builders import paris, product, woot_line
from tests.customers.builders import as_customer, make_advisor
from tests.payments.card_builders import (
    ARREARS_AT,
    BEFORE_DUE,
    NOVEMBER,
    card_account,
    invoices_in_arrears,
    november_invoice,
)
from tests.payments.instalment_builders import make_phone, make_plan
from tests.payments.psp import (
    CARD_3DS,
    CARD_DECLINED,
    CARD_DECLINED_ON_CHARGE,
    CARD_EXPIRED,
    CARD_OK,
    WEBHOOK_SECRET,
    authenticate,
    event_payload,
    gateway_via,
    hand_card,
    post_webhook,
    psp_get,
    psp_list,
    signature_header,
    slow_proxy,
)

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system()


@pytest.fixture(autouse=True)
def _catalog(loaded_catalog: CatalogRelease) -> CatalogRelease:
    return loaded_catalog


@pytest.fixture
def gateway(stripe_settings: str) -> CardGateway:
    return card_gateway()


@pytest.fixture
def invoice() -> Invoice:
    invoice = november_invoice()
    assert (invoice.total_cents, invoice.status) == (1299, InvoiceStatus.ISSUED)
    return invoice


def _start_invoice(invoice: Invoice, gateway: CardGateway, cents: int = 1299) -> PaymentAttempt:
    customer = invoice.billing_account.customer
    return card_payment_start(
        customer=customer,
        purpose=CardPaymentPurpose.INVOICE,
        amount_cents=cents,
        invoice=invoice,
        actor=as_customer(customer),
        now=BEFORE_DUE,
        gateway=gateway,
    )


def _start_top_up(line, top_up, gateway: CardGateway, *, cents: int, now: datetime):
    customer = line.billing_account.customer
    return card_payment_start(
        customer=customer,
        purpose=CardPaymentPurpose.TOP_UP,
        amount_cents=cents,
        line=line,
        product=top_up,
        actor=as_customer(customer),
        now=now,
        gateway=gateway,
    )


def _pay_with(attempt: PaymentAttempt, gateway: CardGateway, psp: str, number: str):
    """The customer types `number` in the PSP's fields, then the page posts the payment."""
    secrets = gateway.client_secrets(
        payment_intent_id=attempt.psp_payment_intent_id,
        setup_intent_id=attempt.psp_setup_intent_id,
    )
    hand_card(psp, setup_client_secret=secrets.setup_intent, number=number)
    return card_payment_confirm(
        attempt=attempt,
        actor=as_customer(attempt.customer),
        now=BEFORE_DUE,
        gateway=gateway,
    )


def _deliver_success(attempt: PaymentAttempt, gateway: CardGateway, psp: str, *, now: datetime):
    """The PSP's payment_intent.succeeded event, verified and received at a fixed `now` (the
    webhook view reads the real clock)."""
    payload = event_payload(
        psp, event_type="payment_intent.succeeded", payment_intent_id=attempt.psp_payment_intent_id
    )
    event = gateway.webhook_event(payload=payload, signature=signature_header(payload))
    return psp_event_receive(event=event, now=now)


def _charges_of(psp: str, attempt: PaymentAttempt) -> list[dict]:
    return [
        charge
        for charge in psp_list(psp, "charges")
        if charge["payment_intent"] == attempt.psp_payment_intent_id
    ]


def test_an_invoice_is_paid_end_to_end(invoice, gateway, stripe_settings, client: Client):
    psp = stripe_settings
    attempt = _start_invoice(invoice, gateway)

    # The row existed before the PSP was called: the intent carries its id and its key.
    intent = psp_get(psp, "payment_intents", attempt.psp_payment_intent_id)
    assert intent["metadata"] == {
        "payment_attempt": str(attempt.pk),
        "customer_number": attempt.customer.number,
        "purpose": f"Facture {invoice.number}",
    }
    assert (intent["amount"], intent["currency"]) == (1299, "eur")
    assert attempt.idempotency_key == f"payment_attempt:{attempt.pk}"
    assert attempt.status == PaymentAttemptStatus.CREATED

    result = _pay_with(attempt, gateway, psp, CARD_OK)

    # Charged once; the attempt waits for the PSP's webhook to credit the invoice.
    assert result.needs_authentication is False
    assert result.attempt.status == PaymentAttemptStatus.PROCESSING
    assert [c["amount"] for c in _charges_of(psp, attempt)] == [1299]
    invoice.refresh_from_db()
    assert (invoice.paid_cents, invoice.status) == (0, InvoiceStatus.ISSUED)

    payload = event_payload(
        psp, event_type="payment_intent.succeeded", payment_intent_id=attempt.psp_payment_intent_id
    )
    response = post_webhook(client, payload)

    assert response.status_code == 200
    assert response.json()["replayed"] is False
    attempt.refresh_from_db()
    invoice.refresh_from_db()
    assert attempt.status == PaymentAttemptStatus.SUCCEEDED
    assert attempt.credited_at is not None and attempt.credit_error == ""
    assert (invoice.paid_cents, invoice.status) == (1299, InvoiceStatus.PAID)
    assert list(PaymentAllocation.objects.values_list("invoice_id", "amount_cents")) == [
        (invoice.pk, 1299)
    ]
    assert list(
        Activity.objects.filter(customer=attempt.customer)
        .filter(act__startswith="payment_attempt.")
        .order_by("id")
        .values_list("act", "actor_kind")
    ) == [
        (Act.PAYMENT_ATTEMPT_CREATE, "customer"),
        (Act.PAYMENT_ATTEMPT_SUBMIT, "customer"),
        (Act.PAYMENT_ATTEMPT_SETTLE, "system"),
    ]
    payment = Activity.objects.get(act=Act.INVOICE_PAYMENT_RECORD, subject_id=invoice.pk)
    assert payment.new_values["reference"] == attempt.idempotency_key


def test_a_double_submit_charges_once(invoice, gateway, stripe_settings):
    attempt = _start_invoice(invoice, gateway)

    first = _pay_with(attempt, gateway, stripe_settings, CARD_OK)
    second = card_payment_confirm(
        attempt=attempt, actor=as_customer(attempt.customer), now=BEFORE_DUE, gateway=gateway
    )

    assert (first.attempt.status, second.attempt.status) == (
        PaymentAttemptStatus.PROCESSING,
        PaymentAttemptStatus.PROCESSING,
    )
    assert len(_charges_of(stripe_settings, attempt)) == 1
    assert Activity.objects.filter(act=Act.PAYMENT_ATTEMPT_SUBMIT).count() == 1


def test_a_second_payment_of_the_same_debt_waits_for_the_first(invoice, gateway, stripe_settings):
    first = _start_invoice(invoice, gateway, cents=500)
    second = _start_invoice(invoice, gateway, cents=500)
    _pay_with(first, gateway, stripe_settings, CARD_OK)

    with pytest.raises(PaymentError) as refused:
        _pay_with(second, gateway, stripe_settings, CARD_OK)

    assert refused.value.code == PaymentErrorCode.PAYMENT_IN_PROGRESS
    second.refresh_from_db()
    assert second.status == PaymentAttemptStatus.CREATED
    assert _charges_of(stripe_settings, second) == []


def test_a_replayed_webhook_credits_once(invoice, gateway, stripe_settings, client):
    attempt = _start_invoice(invoice, gateway)
    _pay_with(attempt, gateway, stripe_settings, CARD_OK)
    payload = event_payload(
        stripe_settings,
        event_type="payment_intent.succeeded",
        payment_intent_id=attempt.psp_payment_intent_id,
    )

    first = post_webhook(client, payload)
    replay = post_webhook(client, payload)

    assert (first.status_code, replay.status_code) == (200, 200)
    assert (first.json()["replayed"], replay.json()["replayed"]) == (False, True)
    invoice.refresh_from_db()
    assert (invoice.paid_cents, invoice.status) == (1299, InvoiceStatus.PAID)
    assert PaymentAllocation.objects.count() == 1
    assert Activity.objects.filter(act=Act.INVOICE_PAYMENT_RECORD).count() == 1
    assert list(PspEvent.objects.values_list("type", "outcome")) == [
        ("payment_intent.succeeded", PspEventOutcome.SETTLED)
    ]


def test_a_webhook_with_a_bad_signature_is_refused_logged_and_changes_nothing(
    invoice, gateway, stripe_settings, client, caplog
):
    attempt = _start_invoice(invoice, gateway)
    _pay_with(attempt, gateway, stripe_settings, CARD_OK)
    payload = event_payload(
        stripe_settings,
        event_type="payment_intent.succeeded",
        payment_intent_id=attempt.psp_payment_intent_id,
    )
    forged = signature_header(payload, secret="whsec_not_the_shared_secret")
    stale = signature_header(payload, at=int(datetime.now(tz=UTC).timestamp()) - 3600)

    with caplog.at_level(logging.WARNING, logger="guichet.payments"):
        responses = [
            post_webhook(client, payload, signature=forged),
            post_webhook(client, payload, signature=stale),
            post_webhook(client, payload + b" ", signature=signature_header(payload)),
        ]

    assert [r.status_code for r in responses] == [400, 400, 400]
    assert {r.json()["code"] for r in responses} == {PaymentErrorCode.WEBHOOK_SIGNATURE_INVALID}
    assert len([r for r in caplog.records if "bad signature" in r.getMessage()]) == 3
    assert PspEvent.objects.count() == 0
    attempt.refresh_from_db()
    invoice.refresh_from_db()
    assert attempt.status == PaymentAttemptStatus.PROCESSING
    assert (invoice.paid_cents, invoice.status) == (0, InvoiceStatus.ISSUED)


@pytest.mark.parametrize(
    ("number", "code"),
    [
        # Refused while the PSP sets the card up (localstripe answers card_declined for both).
        (CARD_DECLINED, "card_declined"),
        (CARD_EXPIRED, "card_declined"),
        # Refused when charged.
        (CARD_DECLINED_ON_CHARGE, "card_declined"),
    ],
)
def test_a_refused_card_fails_the_attempt_and_credits_nothing(
    invoice, gateway, stripe_settings, client, caplog, number, code
):
    attempt = _start_invoice(invoice, gateway)

    with caplog.at_level(logging.INFO, logger="guichet.payments"):
        result = _pay_with(attempt, gateway, stripe_settings, number)

    assert result.attempt.status == PaymentAttemptStatus.FAILED
    assert result.attempt.failure_code == code
    assert refusal_message(code) == (
        "Votre carte a été refusée par votre banque. Aucun montant n'a été débité."
    )
    assert f"payment_attempt:{attempt.pk} failed (card_declined)" in caplog.text
    # Nothing taken, and the intent can never be charged later.
    assert [c["status"] for c in _charges_of(stripe_settings, attempt)] == (
        ["failed"] if number == CARD_DECLINED_ON_CHARGE else []
    )
    intent = psp_get(stripe_settings, "payment_intents", attempt.psp_payment_intent_id)
    assert intent["status"] == "canceled"
    invoice.refresh_from_db()
    assert (invoice.paid_cents, invoice.status) == (0, InvoiceStatus.ISSUED)
    assert PaymentAllocation.objects.count() == 0
    settle = Activity.objects.get(act=Act.PAYMENT_ATTEMPT_SETTLE)
    assert settle.summary == (
        "Paiement par carte de 12,99 € refusé : Votre carte a été refusée par votre banque."
        " Aucun montant n'a été débité."
    )
    if number == CARD_DECLINED_ON_CHARGE:
        # The PSP's own failure event changes nothing more.
        payload = event_payload(
            stripe_settings,
            event_type="payment_intent.payment_failed",
            payment_intent_id=attempt.psp_payment_intent_id,
        )
        assert post_webhook(client, payload).status_code == 200
        assert PspEvent.objects.get().outcome == PspEventOutcome.ALREADY_SETTLED


def test_a_card_never_handed_to_the_psp_fails_without_a_charge(invoice, gateway, stripe_settings):
    attempt = _start_invoice(invoice, gateway)

    result = card_payment_confirm(
        attempt=attempt, actor=as_customer(attempt.customer), now=BEFORE_DUE, gateway=gateway
    )

    assert (result.attempt.status, result.attempt.failure_code) == (
        PaymentAttemptStatus.FAILED,
        "card_not_submitted",
    )
    assert _charges_of(stripe_settings, attempt) == []


@pytest.mark.parametrize("cents", [1300, 0, -1])
def test_an_amount_above_what_is_owed_is_refused_before_any_psp_call(
    invoice, gateway, stripe_settings, caplog, cents
):
    intents_before = len(psp_list(stripe_settings, "payment_intents"))

    with (
        caplog.at_level(logging.WARNING, logger="guichet.payments"),
        pytest.raises(PaymentError) as refused,
    ):
        _start_invoice(invoice, gateway, cents=cents)

    if cents > 0:
        assert refused.value.code == PaymentErrorCode.AMOUNT_EXCEEDS_OWED
        assert refused.value.message == (
            f"Le montant de 13,00 € dépasse ce qui reste à payer (12,99 €) pour : Facture"
            f" {invoice.number}."
        )
    else:
        assert refused.value.code == PaymentErrorCode.AMOUNT_NOT_POSITIVE
    assert "Card payment refused" in caplog.text
    assert PaymentAttempt.objects.count() == 0
    assert Activity.objects.filter(act__startswith="payment_attempt.").count() == 0
    assert len(psp_list(stripe_settings, "payment_intents")) == intents_before


def test_a_paid_invoice_and_another_customers_invoice_cannot_be_paid(invoice, gateway):
    other = november_invoice()
    customer = invoice.billing_account.customer
    with pytest.raises(PaymentError) as foreign:
        payment_attempt_create(
            customer=customer,
            purpose=CardPaymentPurpose.INVOICE,
            amount_cents=100,
            invoice=other,
            actor=as_customer(customer),
            now=BEFORE_DUE,
        )
    assert foreign.value.code == PaymentErrorCode.TARGET_NOT_FOUND

    Invoice.objects.filter(pk=invoice.pk).update(paid_cents=1299, status=InvoiceStatus.PAID)
    with pytest.raises(PaymentError) as paid:
        _start_invoice(invoice, gateway, cents=100)
    assert paid.value.code == PaymentErrorCode.NOT_PAYABLE
    assert PaymentAttempt.objects.count() == 0


def test_a_timeout_leaves_the_attempt_unknown_and_reconcile_settles_it(
    invoice, gateway, stripe_settings
):
    attempt = _start_invoice(invoice, gateway)
    secrets = gateway.client_secrets(
        payment_intent_id=attempt.psp_payment_intent_id,
        setup_intent_id=attempt.psp_setup_intent_id,
    )
    hand_card(stripe_settings, setup_client_secret=secrets.setup_intent, number=CARD_OK)

    # The confirmation reaches the PSP, which charges the card, but its answer comes too late.
    with slow_proxy(stripe_settings, delay_seconds=1.5, path_suffix="/confirm") as proxy:
        impatient = gateway_via(proxy, timeout_seconds=0.5)
        result = card_payment_confirm(
            attempt=attempt, actor=as_customer(attempt.customer), now=BEFORE_DUE, gateway=impatient
        )

    assert result.attempt.status == PaymentAttemptStatus.UNKNOWN
    assert [c["status"] for c in _charges_of(stripe_settings, attempt)] == ["succeeded"]
    invoice.refresh_from_db()
    assert invoice.paid_cents == 0
    # Nobody may pay the same debt again while the bank's answer is unknown.
    with pytest.raises(PaymentError) as waiting:
        _start_invoice(invoice, gateway, cents=100)
    assert waiting.value.code == PaymentErrorCode.PAYMENT_IN_PROGRESS

    report = card_payments_reconcile(
        now=BEFORE_DUE + timedelta(minutes=1), gateway=gateway, stale_after=timedelta(minutes=30)
    )
    again = card_payments_reconcile(
        now=BEFORE_DUE + timedelta(minutes=2), gateway=gateway, stale_after=timedelta(minutes=30)
    )

    assert report.summary() == "examined=1 succeeded=1 failed=0 waiting=0"
    assert again.summary() == "examined=0 succeeded=0 failed=0 waiting=0"
    attempt.refresh_from_db()
    invoice.refresh_from_db()
    assert attempt.status == PaymentAttemptStatus.SUCCEEDED
    assert (invoice.paid_cents, invoice.status) == (1299, InvoiceStatus.PAID)


def test_the_reconcile_command_cancels_abandoned_attempts_at_the_psp(
    invoice, gateway, stripe_settings
):
    abandoned = _start_invoice(invoice, gateway, cents=500)
    recent = _start_invoice(invoice, gateway, cents=600)
    # The command reads the real clock: one attempt left 2 hours ago, one 10 minutes ago.
    PaymentAttempt.objects.filter(pk=abandoned.pk).update(
        status_changed_at=timezone.now() - timedelta(hours=2)
    )
    PaymentAttempt.objects.filter(pk=recent.pk).update(
        status_changed_at=timezone.now() - timedelta(minutes=10)
    )

    out = StringIO()
    call_command("payments", "reconcile", "--stale-after-minutes", "30", stdout=out)
    call_command("payments", "reconcile", "--stale-after-minutes", "30", stdout=out)

    assert out.getvalue().splitlines() == [
        "examined=1 succeeded=0 failed=1 waiting=0",
        "device orders without payment cancelled=0",
        "refunds examined=0 succeeded=0 failed=0 waiting=0",
        "examined=0 succeeded=0 failed=0 waiting=0",
        "device orders without payment cancelled=0",
        "refunds examined=0 succeeded=0 failed=0 waiting=0",
    ]
    abandoned.refresh_from_db()
    recent.refresh_from_db()
    assert (abandoned.status, abandoned.failure_code) == (PaymentAttemptStatus.FAILED, "abandoned")
    assert recent.status == PaymentAttemptStatus.CREATED
    intents = {
        attempt.psp_payment_intent_id: psp_get(
            stripe_settings, "payment_intents", attempt.psp_payment_intent_id
        )["status"]
        for attempt in (abandoned, recent)
    }
    assert intents == {
        abandoned.psp_payment_intent_id: "canceled",
        recent.psp_payment_intent_id: "requires_payment_method",
    }


def test_reconcile_leaves_a_recent_open_attempt_alone(invoice, gateway, stripe_settings):
    attempt = _start_invoice(invoice, gateway)

    report = card_payments_reconcile(
        now=BEFORE_DUE + timedelta(minutes=10), gateway=gateway, stale_after=timedelta(minutes=30)
    )

    assert report.summary() == "examined=0 succeeded=0 failed=0 waiting=0"
    attempt.refresh_from_db()
    assert attempt.status == PaymentAttemptStatus.CREATED


def test_a_3d_secure_card_is_authenticated_in_the_browser(
    invoice, gateway, stripe_settings, client
):
    attempt = _start_invoice(invoice, gateway)

    result = _pay_with(attempt, gateway, stripe_settings, CARD_3DS)

    assert result.needs_authentication is True
    assert result.attempt.status == PaymentAttemptStatus.PROCESSING
    secrets = gateway.client_secrets(
        payment_intent_id=attempt.psp_payment_intent_id,
        setup_intent_id=attempt.psp_setup_intent_id,
    )
    assert (
        authenticate(stripe_settings, payment_client_secret=secrets.payment_intent, success=True)
        == 200
    )
    payload = event_payload(
        stripe_settings,
        event_type="payment_intent.succeeded",
        payment_intent_id=attempt.psp_payment_intent_id,
    )
    post_webhook(client, payload)
    invoice.refresh_from_db()
    assert (invoice.paid_cents, invoice.status) == (1299, InvoiceStatus.PAID)


def test_a_failed_3d_secure_authentication_fails_the_attempt_at_once(
    invoice, gateway, stripe_settings
):
    attempt = _start_invoice(invoice, gateway)
    _pay_with(attempt, gateway, stripe_settings, CARD_3DS)
    secrets = gateway.client_secrets(
        payment_intent_id=attempt.psp_payment_intent_id,
        setup_intent_id=attempt.psp_setup_intent_id,
    )
    before = card_payment_refresh(attempt=attempt, now=BEFORE_DUE, gateway=gateway)
    assert before.status == PaymentAttemptStatus.PROCESSING  # still waiting for the holder

    authenticate(stripe_settings, payment_client_secret=secrets.payment_intent, success=False)
    after = card_payment_refresh(attempt=attempt, now=BEFORE_DUE, gateway=gateway)

    assert (after.status, after.failure_code) == (
        PaymentAttemptStatus.FAILED,
        "payment_intent_authentication_failure",
    )
    assert refusal_message(after.failure_code) == (
        "L'authentification auprès de votre banque (3-D Secure) n'a pas abouti. Aucun montant"
        " n'a été débité."
    )
    assert _charges_of(stripe_settings, attempt) == []
    invoice.refresh_from_db()
    assert invoice.paid_cents == 0


def test_arrears_pay_the_oldest_unpaid_invoice_first(gateway, stripe_settings):
    account = card_account()
    _, september, october = invoices_in_arrears(account)
    assert (september.total_cents, october.total_cents) == (2299, 1299)
    customer = account.customer

    with pytest.raises(PaymentError) as too_much:
        card_payment_start(
            customer=customer,
            purpose=CardPaymentPurpose.ARREARS,
            amount_cents=3599,
            actor=as_customer(customer),
            now=ARREARS_AT,
            gateway=gateway,
        )
    assert too_much.value.message == (
        "Le montant de 35,99 € dépasse ce qui reste à payer (35,98 €) pour : Régularisation des"
        " factures impayées."
    )

    attempt = card_payment_start(
        customer=customer,
        purpose=CardPaymentPurpose.ARREARS,
        amount_cents=3000,
        actor=as_customer(customer),
        now=ARREARS_AT,
        gateway=gateway,
    )
    secrets = gateway.client_secrets(
        payment_intent_id=attempt.psp_payment_intent_id,
        setup_intent_id=attempt.psp_setup_intent_id,
    )
    hand_card(stripe_settings, setup_client_secret=secrets.setup_intent, number=CARD_OK)
    card_payment_confirm(
        attempt=attempt, actor=as_customer(customer), now=ARREARS_AT, gateway=gateway
    )
    _deliver_success(attempt, gateway, stripe_settings, now=ARREARS_AT + timedelta(minutes=1))

    september.refresh_from_db()
    october.refresh_from_db()
    # 30.00 €: September's 22.99 € in full, then 7.01 € of October's 12.99 € (5.98 € left).
    assert (september.paid_cents, september.status) == (2299, InvoiceStatus.PAID)
    assert (october.paid_cents, october.outstanding_cents) == (701, 598)
    assert list(
        PaymentAllocation.objects.filter(attempt=attempt)
        .order_by("id")
        .values_list("invoice_id", "amount_cents")
    ) == [(september.pk, 2299), (october.pk, 701)]


def test_a_top_up_bought_by_card_becomes_a_subscription_not_invoiced_again(
    gateway, stripe_settings
):
    account = card_account()
    line = woot_line(account, activated_at=paris(2026, 10, 15))
    top_up = product("data-usa-canada-500mo")
    customer = account.customer
    bought_at = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)

    with pytest.raises(PaymentError) as stale_price:
        _start_top_up(line, top_up, gateway, cents=299, now=bought_at)
    assert stale_price.value.code == PaymentErrorCode.AMOUNT_NOT_THE_PRICE

    attempt = _start_top_up(line, top_up, gateway, cents=399, now=bought_at)  # 3.99 € (§3)
    secrets = gateway.client_secrets(
        payment_intent_id=attempt.psp_payment_intent_id,
        setup_intent_id=attempt.psp_setup_intent_id,
    )
    hand_card(stripe_settings, setup_client_secret=secrets.setup_intent, number=CARD_OK)
    card_payment_confirm(
        attempt=attempt, actor=as_customer(customer), now=bought_at, gateway=gateway
    )
    assert Subscription.objects.filter(line=line, product=top_up).count() == 0

    paid_at = bought_at + timedelta(seconds=2)
    _deliver_success(attempt, gateway, stripe_settings, now=paid_at)

    subscription = Subscription.objects.get(line=line, product=top_up)
    attempt.refresh_from_db()
    assert (attempt.status, attempt.credited_at) == (PaymentAttemptStatus.SUCCEEDED, paid_at)
    # "Valable 7 jours à compter de la date d'activation": active once paid, for 7 days.
    assert (subscription.status, subscription.starts_at, subscription.ends_at) == (
        SubscriptionStatus.ACTIVE,
        paid_at,
        paid_at + timedelta(days=7),
    )
    assert subscription.prepaid_by == attempt.idempotency_key
    # November's invoice charges the plan, not the top-up paid by card.
    bill_run(period=NOVEMBER, now=datetime(2026, 12, 2, 8, 0, tzinfo=UTC))
    november = Invoice.objects.get(billing_account=account, period_start=NOVEMBER)
    assert [line.kind for line in november.lines.all()] == ["plan_fee", "plan_discount"]
    assert november.total_cents == 1299


def test_an_instalment_plan_is_settled_early_by_card(invoice, gateway, stripe_settings, client):
    account = invoice.billing_account
    customer = account.customer
    phone = make_phone(account, at=paris(2026, 11, 20))
    plan = make_plan(
        account, phone, at=paris(2026, 11, 20), first_period=date(2027, 1, 1), count=24
    )
    # 500 € in 24: 20.91 € then 23 × 20.83 €, none billed yet.
    assert instalment_plan_outstanding_cents(plan=plan) == 50_000
    with pytest.raises(PaymentError) as refused:
        card_payment_start(
            customer=customer,
            purpose=CardPaymentPurpose.INSTALMENT_PLAN,
            amount_cents=49_999,
            instalment_plan_id=plan.pk,
            actor=as_customer(customer),
            now=BEFORE_DUE,
            gateway=gateway,
        )
    assert refused.value.code == PaymentErrorCode.AMOUNT_NOT_THE_PRICE

    attempt = card_payment_start(
        customer=customer,
        purpose=CardPaymentPurpose.INSTALMENT_PLAN,
        amount_cents=50_000,
        instalment_plan_id=plan.pk,
        actor=as_customer(customer),
        now=BEFORE_DUE,
        gateway=gateway,
    )
    _pay_with(attempt, gateway, stripe_settings, CARD_OK)
    payload = event_payload(
        stripe_settings,
        event_type="payment_intent.succeeded",
        payment_intent_id=attempt.psp_payment_intent_id,
    )
    assert post_webhook(client, payload).status_code == 200

    plan.refresh_from_db()
    assert plan.status == InstalmentPlanStatus.SETTLED
    assert instalment_plan_outstanding_cents(plan=plan) == 0


def test_events_for_unknown_or_mismatching_intents_settle_nothing(
    invoice, gateway, stripe_settings, client
):
    attempt = _start_invoice(invoice, gateway)
    _pay_with(attempt, gateway, stripe_settings, CARD_OK)
    payload = event_payload(
        stripe_settings,
        event_type="payment_intent.succeeded",
        payment_intent_id=attempt.psp_payment_intent_id,
    )
    PaymentAttempt.objects.filter(pk=attempt.pk).update(amount_cents=1000)
    assert post_webhook(client, payload).status_code == 200
    stranger = payload.replace(b'"id": "evt_', b'"id": "evt_x').replace(
        attempt.psp_payment_intent_id.encode(), b"pi_not_ours"
    )
    assert post_webhook(client, stranger).status_code == 200

    assert list(PspEvent.objects.order_by("id").values_list("outcome", flat=True)) == [
        PspEventOutcome.MISMATCH,
        PspEventOutcome.UNKNOWN_INTENT,
    ]
    attempt.refresh_from_db()
    invoice.refresh_from_db()
    assert attempt.status == PaymentAttemptStatus.PROCESSING
    assert invoice.paid_cents == 0


def test_no_card_number_is_stored_or_logged(invoice, gateway, stripe_settings, client, caplog):
    with caplog.at_level(logging.DEBUG):
        attempt = _start_invoice(invoice, gateway)
        _pay_with(attempt, gateway, stripe_settings, CARD_OK)
        post_webhook(
            client,
            event_payload(
                stripe_settings,
                event_type="payment_intent.succeeded",
                payment_intent_id=attempt.psp_payment_intent_id,
            ),
        )
        declined = _start_invoice(november_invoice(), gateway)
        _pay_with(declined, gateway, stripe_settings, CARD_DECLINED_ON_CHARGE)

    dump = StringIO()
    call_command("dumpdata", stdout=dump)
    stored = dump.getvalue()
    assert f"payment_attempt:{attempt.pk}" in stored  # the dump holds the payments
    for number in (CARD_OK, CARD_DECLINED_ON_CHARGE):
        assert number not in stored
        assert number not in caplog.text


def test_the_webhook_secret_is_the_one_configured(stripe_settings, settings, client):
    assert WEBHOOK_SECRET == settings.GUICHET_STRIPE_WEBHOOK_SECRET
    settings.GUICHET_STRIPE_WEBHOOK_SECRET = ""

    response = post_webhook(client, b"{}")

    assert response.status_code == 503
    assert response.json()["code"] == PaymentErrorCode.CARD_PAYMENTS_NOT_CONFIGURED


def _advisor_client() -> Client:
    client = Client()
    client.force_login(make_advisor())
    return client


def test_an_invoice_paid_meanwhile_leaves_the_card_payment_to_an_advisor_who_refunds_it(
    invoice, gateway, stripe_settings
):
    attempt = _start_invoice(invoice, gateway)
    _pay_with(attempt, gateway, stripe_settings, CARD_OK)
    # The customer also paid by bank transfer before the PSP's webhook came.
    invoice_payment_record(
        invoice=invoice, amount_cents=1299, reference="VIR-0042", actor=SYSTEM, now=BEFORE_DUE
    )
    _deliver_success(attempt, gateway, stripe_settings, now=BEFORE_DUE + timedelta(seconds=2))
    attempt.refresh_from_db()
    assert attempt.status == PaymentAttemptStatus.SUCCEEDED
    assert attempt.credited_at is None and attempt.credit_error
    advisor = _advisor_client()

    queue = advisor.get("/conseiller/")
    assert queue.context["uncredited"] == [attempt]
    assert f"/conseiller/paiements/{attempt.pk}/rembourser/" in queue.content.decode()

    # Credited again: the invoice is still paid, so it is not, and the reason stays.
    advisor.post(f"/conseiller/paiements/{attempt.pk}/attribuer/")
    attempt.refresh_from_db()
    assert attempt.credited_at is None and attempt.credit_error
    assert payment_attempts_not_credited() == [attempt]

    refunded = advisor.post(f"/conseiller/paiements/{attempt.pk}/rembourser/", follow=True)

    assert "La carte est remboursée" in refunded.content.decode()
    refund = CardRefund.objects.get(attempt=attempt)
    assert (refund.status, refund.amount_cents) == (CardRefundStatus.SUCCEEDED, 1299)
    assert psp_get(stripe_settings, "refunds", refund.psp_refund_id)["amount"] == 1299
    assert payment_attempts_not_credited() == []
    invoice.refresh_from_db()
    assert invoice.paid_cents == 1299  # the transfer, once
    again = advisor.post(f"/conseiller/paiements/{attempt.pk}/rembourser/", follow=True)
    assert "plus à attribuer" in again.content.decode()
    assert CardRefund.objects.filter(attempt=attempt).count() == 1


def test_a_top_up_paid_while_the_line_was_suspended_is_credited_by_an_advisor_once_it_is_back(
    gateway, stripe_settings
):
    line = woot_line(card_account(), activated_at=paris(2026, 10, 15))
    customer = line.billing_account.customer
    bought_at = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
    top_up = product("data-usa-canada-500mo")
    attempt = _start_top_up(line, top_up, gateway, cents=399, now=bought_at)
    _pay_with(attempt, gateway, stripe_settings, CARD_OK)
    # The phone is lost before the PSP confirms: the suspended line cannot take the top-up.
    loss_theft_declare(
        line=line, reason=SuspensionReason.LOSS, actor=as_customer(customer), now=bought_at
    )
    _deliver_success(attempt, gateway, stripe_settings, now=bought_at + timedelta(seconds=2))
    attempt.refresh_from_db()
    assert attempt.credited_at is None and attempt.credit_error
    assert not Subscription.objects.filter(line=line, product=top_up).exists()
    found_at = bought_at + timedelta(hours=3)
    line.refresh_from_db()
    loss_theft_lift(line=line, actor=as_customer(customer), now=found_at)

    with time_machine.travel(found_at, tick=False):
        done = _advisor_client().post(f"/conseiller/paiements/{attempt.pk}/attribuer/", follow=True)

    assert "Le paiement est attribué" in done.content.decode()
    attempt.refresh_from_db()
    assert (attempt.credited_at, attempt.credit_error) == (found_at, "")
    subscription = Subscription.objects.get(line=line, product=top_up)
    assert (subscription.starts_at, subscription.prepaid_by) == (found_at, attempt.idempotency_key)
    assert Activity.objects.filter(act=Act.PAYMENT_ATTEMPT_CREDIT, customer=customer).exists()
    assert payment_attempts_not_credited() == []
    with pytest.raises(PaymentError) as twice:
        payment_attempt_credit_again(attempt=attempt, actor=SYSTEM, now=found_at)
    assert twice.value.code == PaymentErrorCode.ATTEMPT_NOT_UNCREDITED
    assert Subscription.objects.filter(line=line, product=top_up).count() == 1
