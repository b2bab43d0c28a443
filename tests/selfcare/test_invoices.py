"""The customer's invoices in self-care: the PDF, its duplicate, and the 36 months they stay."""

from collections.abc import Iterator
from datetime import date

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from guichet.billing.models import Invoice
from guichet.care.acts import Act
from guichet.care.models import Activity, Request, RequestKind, RequestStatus
from guichet.catalog.models import CatalogRelease
from guichet.customers.models import AddressKind, Customer
from tests.billing.builders import (
    invoice_with_usage,
    issue_invoice,
    open_account,
    paris,
    pdf_text,
    woot_charges,
    woot_line,
)
from tests.customers.builders import give_address, make_advisor, make_customer

pytestmark = pytest.mark.django_db

# 23 December 2026, 10:00 in Paris: the invoices of the last 36 months were issued on
# 23 December 2023 or later.
NOW = paris(2026, 12, 23)


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def _catalog(loaded_catalog: CatalogRelease) -> CatalogRelease:
    return loaded_catalog


@pytest.fixture
def customer() -> Customer:
    customer = make_customer()
    give_address(customer, AddressKind.BILLING)
    return customer


@pytest.fixture
def invoice(customer: Customer) -> Invoice:
    return invoice_with_usage(open_account(customer))


@pytest.fixture
def old_invoice(customer: Customer) -> Invoice:
    """November 2023, issued on 2 December 2023: three years and three weeks ago."""
    account = open_account(customer)
    line = woot_line(account, activated_at=paris(2023, 10, 1))
    return issue_invoice(account, woot_charges(line), period=date(2023, 11, 1))


@pytest.fixture
def logged_in(client: Client, customer: Customer) -> Client:
    client.force_login(customer.user)
    return client


def pdf_url(invoice: Invoice) -> str:
    return reverse("selfcare:invoice_pdf", args=[invoice.number])


def duplicate_url(invoice: Invoice) -> str:
    return reverse("selfcare:invoice_duplicate", args=[invoice.number])


def nothing_recorded() -> bool:
    return (
        not Request.objects.exists()
        and not Activity.objects.filter(act=Act.REQUEST_RECORD_FULFILLED).exists()
    )


def test_the_urls_are_french() -> None:
    assert pdf_url(Invoice(number="F2026-000001")) == "/factures/F2026-000001.pdf"
    assert duplicate_url(Invoice(number="F2026-000001")) == "/factures/F2026-000001/duplicata"


def test_the_invoice_pdf_needs_a_login(client: Client, invoice: Invoice) -> None:
    response = client.get(pdf_url(invoice))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("selfcare:login"))


def test_the_customer_opens_their_invoice_pdf_in_the_browser(
    logged_in: Client, invoice: Invoice, django_assert_num_queries
) -> None:
    # session, user, customer, invoice with its account, its lines, their telecom lines,
    # the current catalog release
    # +2 for a direct-debit invoice: its pre-notification, else the account's mandate.
    with django_assert_num_queries(9):
        response = logged_in.get(pdf_url(invoice))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="facture-{invoice.number}.pdf"'
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    text = pdf_text(response.content)
    assert f"N° {invoice.number}" in text
    assert "Total TTC à payer 41,43 € avant le 05/01/2027" in text
    assert "DUPLICATA" not in text
    assert nothing_recorded()


def test_the_customer_downloads_a_duplicate_and_the_request_is_recorded(
    logged_in: Client, invoice: Invoice, customer: Customer, django_assert_num_queries
) -> None:
    # session, user, customer, invoice with its account, its lines; then the duplicate's
    # transaction: the request and its activity (2 inserts, in the 3 nested atomic services:
    # 3 savepoints and their releases under the test's transaction), the current catalog
    # release and the telecom lines for the document
    with django_assert_num_queries(17):
        response = logged_in.post(duplicate_url(invoice))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="facture-{invoice.number}-duplicata.pdf"'
    )
    assert "DUPLICATA produit le 23/12/2026" in pdf_text(response.content)
    request = Request.objects.get()
    assert (request.customer, request.kind, request.status, request.payload) == (
        customer,
        RequestKind.DUPLICATE_INVOICE,
        RequestStatus.COMPLETED,
        {"invoice_number": invoice.number},
    )
    activity = Activity.objects.get(act=Act.REQUEST_RECORD_FULFILLED)
    assert (activity.actor_user, activity.at) == (customer.user, NOW)


def test_a_duplicate_is_only_given_for_a_post(logged_in: Client, invoice: Invoice) -> None:
    response = logged_in.get(duplicate_url(invoice))

    assert response.status_code == 405
    assert nothing_recorded()


def test_a_duplicate_request_needs_the_csrf_token(customer: Customer, invoice: Invoice) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer.user)

    response = client.post(duplicate_url(invoice))

    assert response.status_code == 403
    assert nothing_recorded()


def test_another_customers_invoice_is_not_found(logged_in: Client) -> None:
    stranger = make_customer()
    give_address(stranger, AddressKind.BILLING)
    theirs = invoice_with_usage(open_account(stranger))

    assert logged_in.get(pdf_url(theirs)).status_code == 404
    assert logged_in.post(duplicate_url(theirs)).status_code == 404
    assert nothing_recorded()


def test_an_invoice_number_that_does_not_exist_is_not_found(logged_in: Client) -> None:
    assert logged_in.get("/factures/F2026-999999.pdf").status_code == 404


def test_an_invoice_older_than_36_months_is_neither_listed_nor_served(
    logged_in: Client, invoice: Invoice, old_invoice: Invoice
) -> None:
    home = logged_in.get(reverse("selfcare:invoices")).content.decode()

    assert pdf_url(invoice) in home
    assert old_invoice.number not in home
    assert logged_in.get(pdf_url(old_invoice)).status_code == 404
    assert logged_in.post(duplicate_url(old_invoice)).status_code == 404
    assert nothing_recorded()


def test_the_home_page_lists_the_invoices_with_their_documents(
    logged_in: Client, invoice: Invoice
) -> None:
    html = logged_in.get(reverse("selfcare:invoices")).content.decode()

    assert "Mes factures" in html
    assert f'Novembre 2026 <span class="muted">— {invoice.number}</span>' in html
    assert "<dd>41,43\u00a0€</dd>" in html
    assert f'<a href="/factures/{invoice.number}.pdf">Voir (PDF)' in html
    assert f'action="/factures/{invoice.number}/duplicata"' in html
    assert "Demander un duplicata" in html
    assert "Vos factures des 36 derniers mois restent disponibles ici." in html


def test_the_home_page_says_when_there_is_no_invoice_yet(logged_in: Client) -> None:
    html = logged_in.get(reverse("selfcare:invoices")).content.decode()

    assert "Vous n'avez pas encore de facture." in html


def test_a_staff_login_without_customer_gets_no_invoice(client: Client, invoice: Invoice) -> None:
    client.force_login(make_advisor())

    assert client.get(pdf_url(invoice)).status_code == 403
    assert client.post(duplicate_url(invoice)).status_code == 403
    assert nothing_recorded()
