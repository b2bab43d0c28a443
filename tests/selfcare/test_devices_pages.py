"""The pages of devices, insurance and after-sales, through HTTP as the demo personas."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from guichet.care.actors import Actor
from guichet.care.models import Request, RequestKind, TicketNote, TroubleTicket
from guichet.customers.selectors import customer_get_by_login_email
from guichet.demo.services import DEMO_PASSWORD, demo_data_create
from guichet.devices.card_orders import device_renewal_order_by_card
from guichet.devices.models import DeviceRenewal, InsuranceContract
from guichet.devices.partners import LocalInsurer, LocalLogistics, LocalRepairer
from guichet.devices.services import after_sales_sync
from guichet.lines.selectors import lines_for_customer
from guichet.payments.models import CardRefund, PaymentAttempt
from guichet.payments.psp import card_gateway
from guichet.payments.services.card import card_payment_confirm
from tests.devices.test_services import settle_all_but_karim
from tests.payments.psp import CARD_OK, event_payload, hand_card, post_webhook

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=ZoneInfo("Europe/Paris"))

pytestmark = pytest.mark.django_db


@pytest.fixture
def personas(loaded_catalog):
    demo_data_create(customers=0, seed=1, now=NOW)
    settle_all_but_karim()


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _log_in(client, name):
    response = client.post(
        reverse("selfcare:login"),
        {"username": f"{name}@demo.guichet.fr", "password": DEMO_PASSWORD},
    )
    assert response.status_code == 302
    return customer_get_by_login_email(email=f"{name}@demo.guichet.fr")


def _line(customer, market="mobile"):
    return next(line for line in lines_for_customer(customer=customer) if line.market == market)


@pytest.mark.parametrize(
    ("payment", "posted", "count", "shown"),
    [
        ("24 mensualités", "24", 24, r"399,00\s€ en 24 mensualités sur vos factures"),
        (
            "En une fois",
            "next_invoice",
            0,
            r"399,00\s€ en une fois, sur la facture du mois de livraison",
        ),
    ],
)
def test_a_renewal_is_ordered_from_the_catalogue_and_tracked_on_the_page(
    client, personas, payment, posted, count, shown
):
    camille = _log_in(client, "camille")
    url = reverse("selfcare:device_renewal", kwargs={"line_id": _line(camille).pk})

    page = client.get(url).content.decode()
    assert "Apple iPhone 13 128 Go (reconditionné grade B)" in page
    assert payment in page
    response = client.post(url, {"sku": "SAM-A55-128-N", "payment": posted})

    assert response.status_code == 302
    renewal = DeviceRenewal.objects.get(order__customer=camille)
    assert (renewal.sku, renewal.instalment_count) == ("SAM-A55-128-N", count)
    page = client.get(url).content.decode()
    assert f"{renewal.order_id}" in page and "Reçue" in page
    assert re.search(shown, page)


def test_karim_sees_the_unpaid_refusal_and_a_way_to_pay_at_the_confirm_step(client, personas):
    karim = _log_in(client, "karim")
    url = reverse("selfcare:device_renewal", kwargs={"line_id": _line(karim).pk})

    assert client.get(url).status_code == 200  # access is never blocked
    response = client.post(url, {"sku": "SAM-A55-128-N", "payment": "12"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "Le renouvellement de votre mobile est indisponible" in page
    assert reverse("selfcare:arrears_pay") in page
    assert re.search(r'value="SAM-A55-128-N"[^>]* checked', page)  # what was chosen is kept
    assert not DeviceRenewal.objects.exists()


def test_karim_may_ask_to_insure_his_phone_and_is_refused_at_the_last_step(client, personas):
    karim = _log_in(client, "karim")
    url = reverse("selfcare:insurance_subscribe", kwargs={"line_id": _line(karim).pk})
    page = client.get(url).content.decode()
    assert "Apple iPhone 13 128 Go" in page  # access is never blocked
    phone_id = page.split('name="equipment"')[1].split('value="')[1].split('"')[0]

    recap = client.post(url, {"equipment": phone_id, "purchase_price": "629,00"})
    assert "Vérifiez avant de confirmer" in recap.content.decode()
    response = client.post(url, {"equipment": phone_id, "purchase_price": "629,00", "confirm": "1"})

    assert response.status_code == 400
    page = response.content.decode()
    assert reverse("selfcare:arrears_pay") in page
    assert "629,00" in page  # what was typed is kept
    assert not InsuranceContract.objects.filter(customer=karim).exists()


def test_lea_insures_her_phone_then_declares_a_claim(client, personas):
    lea = _log_in(client, "lea")
    line = _line(lea)
    url = reverse("selfcare:insurance_subscribe", kwargs={"line_id": line.pk})
    page = client.get(url).content.decode()
    phone_id = page.split('name="equipment"')[1].split('value="')[1].split('"')[0]

    bad = client.post(url, {"equipment": phone_id, "purchase_price": "abc"})
    assert bad.status_code == 400
    assert 'value="799,00"' in page  # the price she paid us, filled in
    for step in ({}, {"confirm": "1"}):  # refused at the recap, and if posted past it
        lower = client.post(url, {"equipment": phone_id, "purchase_price": "100,00", **step})
        assert lower.status_code == 400
        assert "acheté 799,00 € chez nous" in lower.content.decode()
        assert "Vérifiez avant de confirmer" not in lower.content.decode()
    assert not InsuranceContract.objects.filter(customer=lea).exists()
    recap = client.post(url, {"equipment": phone_id, "purchase_price": "799,00"}).content.decode()
    assert "Vérifiez avant de confirmer" in recap
    assert "13,99\xa0€ par mois" in recap
    response = client.post(url, {"equipment": phone_id, "purchase_price": "799,00", "confirm": "1"})

    assert response.status_code == 302
    assert InsuranceContract.objects.get(customer=lea).monthly_price_cents == 1399
    claim_url = reverse("selfcare:insurance_claim", kwargs={"line_id": line.pk})
    claim = {"kind": "breakage", "occurred_on": "2026-11-22", "description": "Écran brisé."}
    before = client.post(claim_url, claim)
    assert before.status_code == 400
    assert "antérieur à la souscription" in before.content.decode()
    response = client.post(claim_url, {**claim, "occurred_on": "2026-11-23"})
    assert response.status_code == 302
    claims = client.get(claim_url).content.decode()
    assert "SIN-202611-" in claims
    assert "(23 novembre 2026)" in claims and "2026-11-23" not in claims


def test_a_ticket_is_opened_noted_and_hidden_from_another_customer(client, personas):
    hugo = _log_in(client, "hugo")
    response = client.post(
        reverse("selfcare:tickets"),
        {
            "category": "no_service",
            "line": str(_line(hugo, "fixed").pk),
            "description": "Plus rien",
        },
    )
    ticket = TroubleTicket.objects.filter(customer=hugo).order_by("-id").first()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "selfcare:ticket_detail", kwargs={"ticket_id": ticket.pk}
    )
    detail = reverse("selfcare:ticket_detail", kwargs={"ticket_id": ticket.pk})

    assert client.post(detail, {"text": "Le voyant est rouge."}).status_code == 302
    assert TicketNote.objects.filter(ticket=ticket, text="Le voyant est rouge.").exists()
    assert client.post(detail, {"to_status": "cancelled"}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "cancelled"

    client.logout()
    _log_in(client, "camille")
    assert client.get(detail).status_code == 404


def test_the_network_status_shows_the_incidents_of_the_customers_area_and_a_search(
    client, personas
):
    _log_in(client, "hugo")  # Lille, 59000
    page = client.get(reverse("selfcare:network_status")).content.decode()
    assert "Coupure de fibre optique" in page
    assert "Antenne en maintenance" not in page  # Bordeaux

    found = client.get(reverse("selfcare:network_status"), {"postcode": "33000"})
    assert "Antenne en maintenance" in found.content.decode()
    wrong = client.get(reverse("selfcare:network_status"), {"postcode": "330"})
    assert wrong.status_code == 400
    assert "5 chiffres" in wrong.content.decode()


def test_the_diagnostic_walks_to_a_result_with_its_next_step(client, personas):
    hugo = _log_in(client, "hugo")
    url = reverse("selfcare:diagnostic", kwargs={"line_id": _line(hugo, "fixed").pk})

    assert "Pas d&#x27;internet" in client.get(url).content.decode()
    page = client.get(url, {"path": "no-internet.red.incident"}).content.decode()

    assert "Un incident est en cours dans votre commune" in page
    assert reverse("selfcare:network_status") in page
    assert client.get(url, {"path": "no-internet.forged"}).status_code == 404


def test_line_pages_404_for_a_line_of_another_customer(client, personas):
    karim = customer_get_by_login_email(email="karim@demo.guichet.fr")
    _log_in(client, "camille")
    for name in (
        "device_renewal",
        "insurance_subscribe",
        "insurance_claim",
        "refund_offers",
        "diagnostic",
        "express_repair",
    ):
        url = reverse(f"selfcare:{name}", kwargs={"line_id": _line(karim).pk})
        assert client.get(url).status_code == 404, name


def test_an_express_repair_is_booked_and_shown_with_the_repairs(client, personas):
    hugo = _log_in(client, "hugo")
    url = reverse("selfcare:express_repair", kwargs={"line_id": _line(hugo).pk})
    page = client.get(url).content.decode()
    slot = page.split('name="slot"')[1].split('value="')[1].split('"')[0]

    response = client.post(url, {"fault": "battery", "slot": slot})

    assert response.status_code == 302
    repairs = client.get(reverse("selfcare:repairs")).content.decode()
    assert "Réparation express" in repairs and "79,00" in repairs
    assert "Apple iPhone 13" in repairs  # the demo's SAV deposit


def test_a_renewal_paid_by_card_goes_through_the_card_page_then_is_refunded_on_cancel(
    client, personas, stripe_settings
):
    camille = _log_in(client, "camille")
    line = _line(camille)
    url = reverse("selfcare:device_renewal", kwargs={"line_id": line.pk})
    assert "Par carte maintenant" in client.get(url).content.decode()

    response = client.post(url, {"sku": "SAM-A55-128-N", "payment": "card"})

    renewal = DeviceRenewal.objects.get(order__customer=camille)
    attempt = PaymentAttempt.objects.get(order=renewal.order)
    assert response.status_code == 302
    assert response["Location"] == reverse("selfcare:card_payment", args=[attempt.pk])
    page = client.get(url).content.decode()
    assert "En attente de paiement" in page
    assert reverse("selfcare:card_payment", args=[attempt.pk]) in page
    for tracking in (reverse("selfcare:orders"), reverse("selfcare:account")):
        assert "En attente de paiement" in client.get(tracking).content.decode()

    gateway = card_gateway()
    secrets = gateway.client_secrets(
        payment_intent_id=attempt.psp_payment_intent_id,
        setup_intent_id=attempt.psp_setup_intent_id,
    )
    hand_card(stripe_settings, setup_client_secret=secrets.setup_intent, number=CARD_OK)
    client.post(reverse("selfcare:card_payment", args=[attempt.pk]))
    payload = event_payload(
        stripe_settings,
        event_type="payment_intent.succeeded",
        payment_intent_id=attempt.psp_payment_intent_id,
    )
    assert post_webhook(client, payload).status_code == 200

    result = client.get(reverse("selfcare:card_payment_result", args=[attempt.pk]))
    assert f"commande n° {renewal.order_id} est confirmée" in result.content.decode()
    page = client.get(url).content.decode()
    assert "payé par carte à la commande" in page
    receipt_url = reverse("selfcare:device_order_receipt", args=[line.pk, renewal.order_id])
    assert receipt_url in page
    receipt = client.get(receipt_url)
    assert (receipt.status_code, receipt["Content-Type"]) == (200, "application/pdf")
    assert receipt.content.startswith(b"%PDF")

    cancel = client.post(
        reverse("selfcare:device_renewal_cancel", args=[line.pk, renewal.order_id]), follow=True
    )
    assert re.search(r"399,00\s€ vous seront remboursés sur votre carte", cancel.content.decode())
    renewal.order.refresh_from_db()
    assert renewal.order.status == "cancelled"
    assert CardRefund.objects.get(attempt=attempt).status == "succeeded"


def test_another_customer_gets_no_receipt_nor_cancel(client, personas, stripe_settings):
    camille = _log_in(client, "camille")
    line = _line(camille)
    client.post(
        reverse("selfcare:device_renewal", kwargs={"line_id": line.pk}),
        {"sku": "SAM-A55-128-N", "payment": "next_invoice"},
    )
    renewal = DeviceRenewal.objects.get(order__customer=camille)
    client.logout()
    _log_in(client, "lea")

    receipt = reverse("selfcare:device_order_receipt", args=[line.pk, renewal.order_id])
    cancel = reverse("selfcare:device_renewal_cancel", args=[line.pk, renewal.order_id])
    assert client.get(receipt).status_code == 404
    assert client.post(cancel).status_code == 404
    renewal.order.refresh_from_db()
    assert renewal.order.status == "received"


def test_a_phone_paid_by_card_and_delivered_is_withdrawn_from_the_page(
    client, personas, stripe_settings
):
    camille = _log_in(client, "camille")
    line = _line(camille)
    ordered_at = NOW - timedelta(days=10)
    gateway = card_gateway()
    renewal, attempt = device_renewal_order_by_card(
        customer=camille,
        line=line,
        sku="SAM-A55-128-N",
        actor=Actor.customer(camille.user),
        now=ordered_at,
        gateway=gateway,
    )
    secrets = gateway.client_secrets(
        payment_intent_id=attempt.psp_payment_intent_id,
        setup_intent_id=attempt.psp_setup_intent_id,
    )
    hand_card(stripe_settings, setup_client_secret=secrets.setup_intent, number=CARD_OK)
    card_payment_confirm(
        attempt=attempt, actor=Actor.customer(camille.user), now=ordered_at, gateway=gateway
    )
    post_webhook(
        client,
        event_payload(
            stripe_settings,
            event_type="payment_intent.succeeded",
            payment_intent_id=attempt.psp_payment_intent_id,
        ),
    )
    for days in range(10):
        after_sales_sync(
            logistics=LocalLogistics(),
            insurer=LocalInsurer(),
            repairer=LocalRepairer(),
            now=ordered_at + timedelta(days=days, hours=1),
        )
    url = reverse("selfcare:device_renewal", kwargs={"line_id": line.pk})
    page = client.get(url).content.decode()
    assert "Me rétracter" in page

    response = client.post(
        reverse("selfcare:device_renewal_withdraw", args=[line.pk, renewal.order_id]),
        follow=True,
    )

    page = response.content.decode()
    assert "Votre rétractation est enregistrée" in page
    assert f"RET{renewal.order_id:010d}FR" in page
    renewal.refresh_from_db()
    assert renewal.withdrawn_at == NOW


def test_nora_claims_the_refund_offer_of_her_new_box(client, personas):
    nora = _log_in(client, "nora")
    url = reverse("selfcare:refund_offers", kwargs={"line_id": _line(nora, "fixed").pk})
    assert "ODR-BOX-RESIL-100" in client.get(url).content.decode()

    response = client.post(
        url, {"offer": "ODR-BOX-RESIL-100", "iban": "FR7630006000011234567890189"}
    )

    assert response.status_code == 302
    claim = Request.objects.get(customer=nora, kind=RequestKind.REFUND_OFFER)
    assert claim.payload["amount_cents"] == 10000
    assert "ODR-BOX-RESIL-100" in client.get(url).content.decode()
