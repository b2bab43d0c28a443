"""Factures and payment means through HTTP, as the demo personas (issues 5 and 6)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from guichet.billing.models import BillingAccount, InvoiceDelivery, OneOffCharge, PaymentMethod
from guichet.customers.selectors import customer_get_by_login_email
from guichet.demo.services import DEMO_PASSWORD, demo_data_create
from guichet.payments.models import InstalmentPlan, Mandate, MandateStatus, PaymentAttempt
from guichet.payments.selectors.instalments import instalment_plan_outstanding_cents

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=ZoneInfo("Europe/Paris"))
CAMILLE, KARIM, LEA, HUGO = (
    f"{name}@demo.guichet.fr" for name in ("camille", "karim", "lea", "hugo")
)
NEW_IBAN = "FR76 3000 6000 0112 3456 7890 189"

pytestmark = pytest.mark.django_db


@pytest.fixture
def personas(loaded_catalog):
    demo_data_create(customers=0, seed=1, now=NOW)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _log_in(client: Client, email: str) -> None:
    response = client.post(
        reverse("selfcare:login"), {"username": email, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302


def _account(email: str) -> BillingAccount:
    return BillingAccount.objects.get(customer=customer_get_by_login_email(email=email))


# Factures ------------------------------------------------------------------------------------


def test_invoices_are_grouped_by_year_with_status_and_what_is_left(client, personas, clock):
    _log_in(client, CAMILLE)

    html = client.get(reverse("selfcare:invoices")).content.decode()

    assert '<h2 id="year-2026">2026</h2>' in html and '<h2 id="year-2024">2024</h2>' in html
    assert "Payée" in html and "Prélèvement" in html and "Reste à payer" in html
    # Camille's November invoice is announced for debit, not offered to pay by card.
    assert "prélevée le" in html or "prélevé le" in html
    assert "Régularisez vos impayés au plus vite" not in html
    assert reverse("selfcare:instalment_plans") in html
    assert reverse("selfcare:billing_preferences") in html


def test_karim_sees_his_arrears_and_a_pay_button_per_unpaid_invoice(client, personas, clock):
    _log_in(client, KARIM)

    html = client.get(reverse("selfcare:invoices")).content.decode()

    assert "Régularisez vos impayés au plus vite" in html
    assert reverse("selfcare:arrears_pay") in html
    assert "Impayée" in html
    assert html.count('class="button primary" href="/factures/F') >= 1


def test_the_invoices_page_reads_a_bounded_number_of_queries(
    client, personas, clock, django_assert_max_num_queries
):
    _log_in(client, CAMILLE)  # 36 months of invoices
    with django_assert_max_num_queries(12):
        response = client.get(reverse("selfcare:invoices"))
    assert response.status_code == 200


# Facilité de paiement ------------------------------------------------------------------------


def test_lea_sees_her_plan_and_settles_it_by_card(client, personas, clock, stripe_settings):
    _log_in(client, LEA)
    plan = InstalmentPlan.objects.get()
    outstanding = instalment_plan_outstanding_cents(plan=plan)
    assert outstanding > 0

    html = client.get(reverse("selfcare:instalment_plans")).content.decode()
    assert "Samsung Galaxy S24" in html
    assert "Capital restant dû" in html

    response = client.post(reverse("selfcare:instalment_plan_settle", args=[plan.pk]))

    attempt = PaymentAttempt.objects.get()
    assert response["Location"] == reverse("selfcare:card_payment", args=[attempt.pk])
    assert (attempt.purpose, attempt.amount_cents) == ("instalment_plan", outstanding)


def test_another_customers_plan_cannot_be_settled(client, personas, clock):
    _log_in(client, CAMILLE)
    plan = InstalmentPlan.objects.get()  # Léa's
    response = client.post(reverse("selfcare:instalment_plan_settle", args=[plan.pk]))
    assert response.status_code == 404


# Préférences ---------------------------------------------------------------------------------


def test_the_debit_day_changes_for_free_with_its_effect_date(client, personas, clock):
    _log_in(client, CAMILLE)
    account = _account(CAMILLE)
    page = client.get(reverse("selfcare:billing_preferences")).content.decode()
    assert "5,00" in page  # the phone price, shown as what self-care saves

    response = client.post(
        reverse("selfcare:billing_preferences"),
        {"account": account.number, "action": "debit_day", f"{account.number}-debit_day": "12"},
        follow=True,
    )

    account.refresh_from_db()
    assert account.debit_day == 12
    # Next invoice issued on 2 December 2026: first debit day 12 at least 10 days later.
    assert "12/12/2026" in response.content.decode()
    # Free in self-care (brochure: 5 € by phone): nothing is charged.
    assert not OneOffCharge.objects.filter(billing_account=account).exists()


def test_a_wrong_debit_day_is_refused_with_the_form_kept(client, personas, clock):
    _log_in(client, CAMILLE)
    account = _account(CAMILLE)
    response = client.post(
        reverse("selfcare:billing_preferences"),
        {"account": account.number, "action": "debit_day", f"{account.number}-debit_day": "31"},
    )
    assert response.status_code == 400
    account.refresh_from_db()
    assert account.debit_day == 5


def test_invoice_delivery_switches_to_paper(client, personas, clock):
    _log_in(client, HUGO)
    account = _account(HUGO)
    client.post(
        reverse("selfcare:billing_preferences"),
        {
            "account": account.number,
            "action": "invoice_delivery",
            f"{account.number}-invoice_delivery": "paper",
        },
    )
    account.refresh_from_db()
    assert account.invoice_delivery == InvoiceDelivery.PAPER


def test_another_customers_account_is_not_found(client, personas, clock):
    _log_in(client, CAMILLE)
    response = client.post(
        reverse("selfcare:billing_preferences"),
        {"account": _account(HUGO).number, "action": "debit_day", "x-debit_day": "3"},
    )
    assert response.status_code == 404


# Mode de paiement ----------------------------------------------------------------------------


def test_karim_switches_to_direct_debit_by_signing_a_mandate(client, personas, clock):
    _log_in(client, KARIM)
    account = _account(KARIM)
    prefix = account.number

    response = client.post(
        reverse("selfcare:payment_method"),
        {
            "account": prefix,
            "action": "sign",
            f"{prefix}-debtor_name": "Karim Benali",
            f"{prefix}-iban": NEW_IBAN,
            f"{prefix}-consent": "on",
        },
    )

    assert response.status_code == 302
    account.refresh_from_db()
    assert account.payment_method == PaymentMethod.DIRECT_DEBIT
    mandate = Mandate.objects.get(billing_account=account)
    assert mandate.iban == NEW_IBAN.replace(" ", "")


def test_an_invalid_iban_is_refused_in_french_and_nothing_typed_is_lost(client, personas, clock):
    _log_in(client, KARIM)
    prefix = _account(KARIM).number
    response = client.post(
        reverse("selfcare:payment_method"),
        {
            "account": prefix,
            "action": "sign",
            f"{prefix}-debtor_name": "Karim Benali",
            f"{prefix}-iban": "FR76 3000 6000 0112 3456 7890 188",
            f"{prefix}-consent": "on",
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "IBAN" in html and "Karim Benali" in html
    assert not Mandate.objects.filter(billing_account__number=prefix).exists()


def test_unticked_consent_signs_nothing(client, personas, clock):
    _log_in(client, KARIM)
    prefix = _account(KARIM).number
    response = client.post(
        reverse("selfcare:payment_method"),
        {
            "account": prefix,
            "action": "sign",
            f"{prefix}-debtor_name": "K B",
            f"{prefix}-iban": NEW_IBAN,
        },
    )
    assert response.status_code == 400
    assert "Cochez la case" in response.content.decode()


def test_back_to_card_revokes_the_mandate(client, personas, clock):
    _log_in(client, CAMILLE)
    account = _account(CAMILLE)
    client.post(reverse("selfcare:payment_method"), {"account": account.number, "action": "card"})
    account.refresh_from_db()
    assert account.payment_method == PaymentMethod.CARD
    assert Mandate.objects.get(billing_account=account).status == MandateStatus.REVOKED


# Mandats SEPA ---------------------------------------------------------------------------------


def test_sepa_mandates_asks_a_fresh_authentication(client, personas, settings):
    settings.GUICHET_REAUTH_SECONDS = 300
    with time_machine.travel(NOW, tick=False):
        _log_in(client, HUGO)
    with time_machine.travel(NOW + timedelta(minutes=6), tick=False):
        response = client.get(reverse("selfcare:sepa_mandates"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("selfcare:reauthenticate"))


def test_hugo_sees_his_mandate_downloads_it_and_changes_bank_details(client, personas, clock):
    _log_in(client, HUGO)
    account = _account(HUGO)
    old = Mandate.objects.get(billing_account=account)

    html = client.get(reverse("selfcare:sepa_mandates")).content.decode()
    assert old.reference in html and "FR72ZZZ123456" in html and old.masked_iban in html
    assert old.iban not in html

    pdf = client.get(reverse("selfcare:sepa_mandate_pdf", args=[old.reference]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")

    client.post(
        reverse("selfcare:sepa_mandates"),
        {
            "account": account.number,
            "action": "sign",
            f"{account.number}-debtor_name": "Hugo Lefebvre",
            f"{account.number}-iban": NEW_IBAN,
            f"{account.number}-consent": "on",
        },
    )
    old.refresh_from_db()
    assert old.status == MandateStatus.REVOKED
    new = Mandate.objects.get(billing_account=account, status=MandateStatus.ACTIVE)
    assert new.iban == NEW_IBAN.replace(" ", "")


def test_another_customers_mandate_pdf_is_not_found(client, personas, clock):
    _log_in(client, CAMILLE)
    hugo = Mandate.objects.get(billing_account=_account(HUGO))
    response = client.get(reverse("selfcare:sepa_mandate_pdf", args=[hugo.reference]))
    assert response.status_code == 404
