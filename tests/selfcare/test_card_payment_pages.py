"""The customer's card payment pages, against localstripe. The pages read the real clock, so
the invoices here are built relative to today: the month before last, due last month."""

import re
import socket
from datetime import date, datetime, time, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from guichet.billing.models import BillingAccount, Invoice, InvoiceStatus
from guichet.billing.services import bill_run
from guichet.catalog.models import CatalogRelease
from guichet.lines.models import Line
from guichet.payments.card_rules import PARIS, first_of_next_month
from guichet.payments.models import PaymentAttempt, PaymentAttemptStatus
from guichet.payments.psp import card_gateway
from tests.billing.builders import product, woot_line
from tests.customers.builders import make_customer
from tests.payments.card_builders import card_account
from tests.payments.psp import (
    CARD_3DS,
    CARD_DECLINED,
    CARD_OK,
    authenticate,
    event_payload,
    hand_card,
    post_webhook,
)

pytestmark = pytest.mark.django_db


def _months_back(day: date, months: int) -> date:
    first = day.replace(day=1)
    for _ in range(months):
        first = (first - timedelta(days=1)).replace(day=1)
    return first


def _issue(account: BillingAccount, period: date) -> Invoice:
    run_at = datetime.combine(first_of_next_month(period) + timedelta(days=1), time(9), PARIS)
    bill_run(period=period, now=run_at)
    return Invoice.objects.get(billing_account=account, period_start=period)


@pytest.fixture
def account(loaded_catalog: CatalogRelease) -> BillingAccount:
    return card_account()


@pytest.fixture
def invoices(account: BillingAccount) -> tuple[Invoice, Invoice]:
    """A line activated on the 1st three months ago: that month's invoice is 22.99 € (with the
    10 € activation fee), the next one 12.99 €; both are past their due date."""
    today = timezone.localdate()
    first_month = _months_back(today, 3)
    woot_line(account, activated_at=datetime.combine(first_month, time(10), PARIS))
    older = _issue(account, first_month)
    newer = _issue(account, _months_back(today, 2))
    assert (older.total_cents, newer.total_cents) == (2299, 1299)
    return older, newer


@pytest.fixture
def customer_client(client: Client, account: BillingAccount) -> Client:
    client.force_login(account.customer.user)
    return client


def _start_paying(client: Client, invoice: Invoice, amount: str = "12,99") -> PaymentAttempt:
    response = client.post(
        reverse("selfcare:invoice_pay", args=[invoice.number]), {"amount": amount}
    )
    attempt = PaymentAttempt.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("selfcare:card_payment", args=[attempt.pk])
    return attempt


def _setup_secret(html: str) -> str:
    match = re.search(r'data-setup-secret="([^"]+)"', html)
    assert match, html
    return match.group(1)


def test_the_payment_pages_need_a_login(client: Client, invoices):
    for url in (
        reverse("selfcare:invoice_pay", args=[invoices[1].number]),
        reverse("selfcare:arrears_pay"),
        reverse("selfcare:card_payment_result", args=[1]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("selfcare:login"))


def test_the_invoice_page_shows_what_is_left_to_pay(customer_client, invoices, stripe_settings):
    invoice = invoices[1]

    response = customer_client.get(reverse("selfcare:invoice_pay", args=[invoice.number]))

    html = response.content.decode()
    assert response.status_code == 200
    assert f"Payer la facture {invoice.number}" in html
    assert "Reste à payer" in html
    assert "<strong>12,99\u00a0€</strong>" in html
    assert 'value="12,99"' in html
    assert "Payer par carte" in html


def test_another_customers_invoice_is_not_found(client, invoices, stripe_settings):
    client.force_login(make_customer().user)

    response = client.get(reverse("selfcare:invoice_pay", args=[invoices[1].number]))

    assert response.status_code == 404


def test_an_amount_above_what_is_owed_is_refused_on_the_page(
    customer_client, invoices, stripe_settings
):
    invoice = invoices[1]

    response = customer_client.post(
        reverse("selfcare:invoice_pay", args=[invoice.number]), {"amount": "13,00"}
    )

    assert response.status_code == 400
    assert (
        f"Le montant de 13,00 € dépasse ce qui reste à payer (12,99 €) pour : Facture"
        f" {invoice.number}." in response.content.decode()
    )
    assert PaymentAttempt.objects.count() == 0


def test_paying_an_invoice_through_the_pages(customer_client, invoices, stripe_settings):
    invoice = invoices[1]
    attempt = _start_paying(customer_client, invoice)

    card_page = customer_client.get(reverse("selfcare:card_payment", args=[attempt.pk]))

    html = card_page.content.decode()
    psp = stripe_settings
    assert card_page.status_code == 200
    assert card_page["Content-Security-Policy"] == (
        f"default-src 'none'; script-src 'self' {psp}; connect-src {psp}; frame-src {psp};"
        " style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none';"
        " frame-ancestors 'none'"
    )
    assert "no-store" in card_page["Cache-Control"]
    assert f'<script src="{psp}/js.stripe.com/v3/"></script>' in html
    assert 'data-publishable-key="pk_test_guichet"' in html
    # The card fields are the PSP's: our form has no input but the CSRF token.
    form = html[html.index('<form method="post" id="card-form"') :]
    form = form[: form.index("</form>")]
    assert re.findall(r"<input[^>]*name=\"([^\"]+)\"", form) == ["csrfmiddlewaretoken"]

    hand_card(psp, setup_client_secret=_setup_secret(html), number=CARD_OK)
    submitted = customer_client.post(reverse("selfcare:card_payment", args=[attempt.pk]))
    result_url = reverse("selfcare:card_payment_result", args=[attempt.pk])
    assert (submitted.status_code, submitted["Location"]) == (302, result_url)

    waiting = customer_client.get(result_url).content.decode()
    assert "Votre banque confirme le paiement" in waiting
    assert '<meta http-equiv="refresh" content="3">' in waiting

    post_webhook(
        customer_client,
        event_payload(
            psp,
            event_type="payment_intent.succeeded",
            payment_intent_id=PaymentAttempt.objects.get().psp_payment_intent_id,
        ),
    )
    done = customer_client.get(result_url).content.decode()
    assert "Paiement reçu. Merci." in done
    assert f"12,99\u00a0€ payés sur la facture {invoice.number}" in done
    assert "refresh" not in done
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID

    # Going back to the card page shows the result: nothing is charged again.
    again = customer_client.post(reverse("selfcare:card_payment", args=[attempt.pk]))
    assert (again.status_code, again["Location"]) == (302, result_url)


def test_the_result_page_reads_a_fixed_number_of_queries(
    customer_client, invoices, stripe_settings, django_assert_num_queries
):
    attempt = _start_paying(customer_client, invoices[1])

    # Session, user, customer, attempt (with its invoice, line, product), allocations.
    with django_assert_num_queries(5):
        response = customer_client.get(reverse("selfcare:card_payment_result", args=[attempt.pk]))

    assert response.status_code == 200


def test_a_declined_card_says_so_on_the_result_page(customer_client, invoices, stripe_settings):
    attempt = _start_paying(customer_client, invoices[1])
    html = customer_client.get(reverse("selfcare:card_payment", args=[attempt.pk])).content.decode()

    hand_card(stripe_settings, setup_client_secret=_setup_secret(html), number=CARD_DECLINED)
    customer_client.post(reverse("selfcare:card_payment", args=[attempt.pk]))

    result = customer_client.get(reverse("selfcare:card_payment_result", args=[attempt.pk]))
    assert (
        "Votre carte a été refusée par votre banque. Aucun montant n&#x27;a été débité."
        in result.content.decode()
    )
    assert PaymentAttempt.objects.get().status == PaymentAttemptStatus.FAILED


def test_a_card_asking_for_3d_secure_goes_through_the_authentication_page(
    customer_client, invoices, stripe_settings
):
    attempt = _start_paying(customer_client, invoices[1])
    html = customer_client.get(reverse("selfcare:card_payment", args=[attempt.pk])).content.decode()
    hand_card(stripe_settings, setup_client_secret=_setup_secret(html), number=CARD_3DS)

    submitted = customer_client.post(reverse("selfcare:card_payment", args=[attempt.pk]))

    page_url = reverse("selfcare:card_payment_authentication", args=[attempt.pk])
    assert submitted["Location"] == page_url
    page = customer_client.get(page_url)
    secret = card_gateway().client_secrets(
        payment_intent_id=attempt.psp_payment_intent_id,
        setup_intent_id=attempt.psp_setup_intent_id,
    )
    assert page.status_code == 200
    assert page["Content-Security-Policy"].startswith("default-src 'none'; script-src 'self' ")
    assert f'data-payment-secret="{secret.payment_intent}"' in page.content.decode()

    # The holder fails the bank's challenge; the page posts, and says so at once.
    authenticate(stripe_settings, payment_client_secret=secret.payment_intent, success=False)
    answered = customer_client.post(page_url)
    result_url = reverse("selfcare:card_payment_result", args=[attempt.pk])
    assert answered["Location"] == result_url
    assert "(3-D Secure) n&#x27;a pas abouti." in customer_client.get(result_url).content.decode()


def test_the_arrears_page_lists_the_oldest_first_and_pays_them(
    customer_client, invoices, stripe_settings
):
    older, newer = invoices

    page = customer_client.get(reverse("selfcare:arrears_pay"))

    html = page.content.decode()
    assert html.index(older.number) < html.index(newer.number)
    assert "<strong>35,98\u00a0€</strong>" in html
    assert "La facture la plus ancienne est payée en premier." in html

    response = customer_client.post(reverse("selfcare:arrears_pay"), {"amount": "30"})

    attempt = PaymentAttempt.objects.get()
    assert response["Location"] == reverse("selfcare:card_payment", args=[attempt.pk])
    assert (attempt.purpose, attempt.amount_cents) == ("arrears", 3000)


def test_a_top_up_is_bought_at_its_catalog_price(customer_client, account, stripe_settings):
    line = woot_line(account, activated_at=timezone.now() - timedelta(days=3))
    top_up = product("data-usa-canada-500mo")
    url = reverse("selfcare:top_up_buy", args=[line.pk, top_up.code])

    page = customer_client.get(url)
    assert "<strong>3,99\u00a0€</strong>" in page.content.decode()
    refused = customer_client.post(url, {"price_cents": "299"})
    response = customer_client.post(url, {"price_cents": "399"})

    assert refused.status_code == 400
    assert "Le prix de" in refused.content.decode()
    attempt = PaymentAttempt.objects.get()
    assert response["Location"] == reverse("selfcare:card_payment", args=[attempt.pk])
    assert (attempt.purpose, attempt.amount_cents, attempt.line, attempt.product) == (
        "top_up",
        399,
        line,
        top_up,
    )


def test_a_top_up_is_refused_while_unpaid_before_the_card_is_charged(
    customer_client, invoices, stripe_settings
):
    line = Line.objects.get(billing_account=invoices[0].billing_account)
    url = reverse("selfcare:top_up_buy", args=[line.pk, "data-usa-canada-500mo"])

    response = customer_client.post(url, {"price_cents": "399"})

    page = response.content.decode()
    assert response.status_code == 400
    assert "Vous ne pouvez pas souscrire d&#x27;option ni de recharge" in page
    assert reverse("selfcare:arrears_pay") in page
    assert PaymentAttempt.objects.count() == 0


def test_without_psp_settings_the_page_says_card_payment_is_unavailable(
    customer_client, invoices, settings
):
    settings.GUICHET_STRIPE_SECRET_KEY = ""

    response = customer_client.post(
        reverse("selfcare:invoice_pay", args=[invoices[1].number]), {"amount": "12,99"}
    )

    assert response.status_code == 400
    assert "Le paiement par carte n&#x27;est pas disponible pour le moment." in (
        response.content.decode()
    )
    assert PaymentAttempt.objects.count() == 0


def test_a_psp_that_does_not_answer_is_said_plainly(
    customer_client, invoices, stripe_settings, settings
):
    attempt = _start_paying(customer_client, invoices[1])
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        settings.GUICHET_STRIPE_API_BASE = f"http://127.0.0.1:{closed.getsockname()[1]}"

        response = customer_client.get(reverse("selfcare:card_payment", args=[attempt.pk]))

    assert response.status_code == 503
    assert "Le service de paiement ne répond pas. Aucun montant n&#x27;a été débité." in (
        response.content.decode()
    )
    attempt.refresh_from_db()
    assert attempt.status == PaymentAttemptStatus.CREATED
