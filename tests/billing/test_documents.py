"""The invoice PDF and its duplicate, read back with pypdf: exact amounts and mentions."""

from datetime import UTC, date, datetime

import pytest
from django.test import override_settings
from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError

from guichet.billing.documents import (
    DirectDebitMention,
    _no_fetching,
    document_pdf,
    invoice_document,
    invoice_duplicate_request,
    invoice_pdf,
)
from guichet.billing.errors import BillingError, BillingErrorCode
from guichet.billing.models import Invoice, PaymentMethod
from guichet.billing.rules import Charge, ChargeKind
from guichet.care.actors import Actor
from guichet.care.acts import Act
from guichet.care.errors import CareError, CareErrorCode
from guichet.care.models import Activity, Request, RequestKind, RequestStatus
from guichet.catalog.models import CatalogRelease
from guichet.customers.models import AddressKind, Civility, Customer
from guichet.customers.services import address_set, customer_update_identity
from tests.billing.builders import (
    charge,
    invoice_with_usage,
    issue_invoice,
    open_account,
    paris,
    pdf_pages,
    pdf_text,
    woot_charges,
    woot_line,
)
from tests.customers.builders import SYSTEM, as_customer, give_address, make_advisor, make_customer
from tests.lines.builders import make_fixed_line

pytestmark = pytest.mark.django_db

# 23 December 2026, 10:00 in Paris.
DUPLICATE_AT = paris(2026, 12, 23)


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


def test_the_invoice_pdf_is_a_two_page_pdf(invoice: Invoice) -> None:
    pdf = invoice_pdf(invoice=invoice)

    assert pdf.content.startswith(b"%PDF-")
    assert pdf.filename == f"facture-{invoice.number}.pdf"
    pages = pdf_pages(pdf.content)
    assert len(pages) == 2
    assert f"Facture {invoice.number} · page 1" in pages[0]
    assert f"Facture {invoice.number} · page 2" in pages[1]


def test_the_invoice_pdf_prints_the_invoice_and_its_totals(
    invoice: Invoice, customer: Customer
) -> None:
    text = pdf_text(invoice_pdf(invoice=invoice).content)

    account = invoice.billing_account
    for fact in (
        f"N° {invoice.number}",
        "Date de facture 02/12/2026",
        "Période facturée 01/11/2026 au 30/11/2026",
        "Date d'échéance 05/01/2027",
        f"N° client {customer.number}",
        f"Compte de facturation {account.number}",
        "Mode de paiement Prélèvement automatique",
        "Madame Camille Martin",
        "12 rue de la Paix",
        "75002 PARIS",
        # VAT 20 % summary (tests/billing/builders.py: 41,43 € of which 6,92 € VAT).
        "TVA 20 % 34,51 € 6,92 € 41,43 €",
        "Total 34,51 € 6,92 € 41,43 €",
        "Total TTC à payer 41,43 € avant le 05/01/2027",
    ):
        assert fact in text, fact


def test_the_detail_is_grouped_by_line_with_the_out_of_bundle_usage_apart(
    invoice: Invoice,
) -> None:
    first, second = sorted({line.line for line in invoice.lines.all()}, key=lambda line: line.pk)

    text = pdf_text(invoice_pdf(invoice=invoice).content)

    subscriptions, usage = text.split("Consommations hors forfait")
    for line in (first, second):
        heading = f"Ligne mobile {line.display_number}"
        assert (
            f"{heading} "
            "Abonnement Woot 100 Go 01/11/2026 au 30/11/2026 1 17,99 € 17,99 € "
            "Remise Woot 100 Go 01/11/2026 au 30/11/2026 1 -5,00 € -5,00 € "
            f"Sous-total {heading} 12,99 €"
        ) in subscriptions
    assert (
        f"Ligne mobile {first.display_number} "
        "Appels vers l'international, zone 3 (12 min) 14/11/2026 12 1,20 € 14,40 € "
        f"Sous-total Ligne mobile {first.display_number} 14,40 €"
    ) in usage
    assert (
        f"Ligne mobile {second.display_number} "
        "SMS surtaxés (3 SMS) 03/11/2026 au 20/11/2026 3 0,35 € 1,05 € "
        f"Sous-total Ligne mobile {second.display_number} 1,05 €"
    ) in usage


def test_the_pdf_carries_the_payment_terms_and_the_legal_mentions(invoice: Invoice) -> None:
    text = pdf_text(invoice_pdf(invoice=invoice).content)

    for mention in (
        # CGS 7.1: the invoice is the direct debit's pre-notification.
        "Le montant de 41,43 € sera prélevé le 05/01/2027.",
        "au moins 10 jours avant l'échéance",
        "délai maximum porté sur la facture (CGS 7)",
        "(CGS 7.2)",
        # CGS 2.4 and the reinstatement fee of the brochure's Services d'accompagnement.
        "la remise en service après régularisation est facturée 10,00 €",
        "(CGS 8.2)",
        # The seller, as the CGS preamble names it.
        "Bouygues Telecom Business – Distribution, Société par actions simplifiée au capital"
        " de 175 715 €, RCS Nanterre 421 713 892, siège social : 6 place Abel Gance, 92100"
        " Boulogne-Billancourt.",
        # FR + (12 + 3 × (421713892 mod 97)) mod 97 + SIREN.
        "N° de TVA intracommunautaire : FR79421713892.",
        f"Facture n° {invoice.number} émise le 02/12/2026.",
        "Prix en euros toutes taxes comprises",
        "Conditions générales de service applicables à compter du 24/11/2022.",
        "Service Consommateurs, Bouygues Telecom Business – Distribution, TSA 42002, 75087"
        " Paris Cedex 02",
        "Médiateur des communications électroniques",
        "Service Client : 0 969 360 200 (appel non surtaxé)",
        "Cette facture reste disponible 36 mois dans votre Espace Client",
    ):
        assert mention in text, mention
    assert "DUPLICATA" not in text


def test_the_same_invoice_gives_the_same_bytes(invoice: Invoice) -> None:
    first = invoice_pdf(invoice=invoice).content

    again = invoice_pdf(invoice=Invoice.objects.get(pk=invoice.pk)).content

    assert again == first


def test_the_invoice_keeps_the_name_and_address_it_was_issued_to(
    invoice: Invoice, customer: Customer
) -> None:
    before = invoice_pdf(invoice=invoice).content
    later = paris(2027, 1, 10)
    address_set(
        customer=customer,
        kind=AddressKind.BILLING,
        street_lines=["3 avenue Foch"],
        postcode="69006",
        city="Lyon",
        actor=SYSTEM,
        now=later,
    )
    customer_update_identity(
        customer=customer,
        civility=Civility.MADAME,
        first_name="Camille",
        last_name="Durand",
        birth_date=customer.birth_date,
        actor=SYSTEM,
        now=later,
    )

    after = invoice_pdf(invoice=Invoice.objects.get(pk=invoice.pk)).content

    assert after == before
    assert "Madame Camille Martin 12 rue de la Paix 75002 PARIS" in pdf_text(after)


def test_a_card_invoice_without_usage_says_so_and_how_to_pay(customer: Customer) -> None:
    account = open_account(customer, payment_method=PaymentMethod.CARD)
    line = woot_line(account, activated_at=paris(2026, 10, 1))
    invoice = issue_invoice(account, woot_charges(line))

    text = pdf_text(invoice_pdf(invoice=invoice).content)

    assert "Mode de paiement Carte bancaire" in text
    # Card: due 15 days after the issue date, 2 December 2026.
    assert "Montant de 12,99 € à régler au plus tard le 17/12/2026" in text
    assert "Consommations hors forfait Aucune consommation hors forfait sur la période." in text
    assert "sera prélevé" not in text


def test_instalments_and_bill_advance_credits_have_their_sections(customer: Customer) -> None:
    account = open_account(customer)
    line = woot_line(account, activated_at=paris(2026, 10, 1))
    charges = [
        *woot_charges(line),
        charge(ChargeKind.INSTALMENT, "Mobile Galaxy, échéance 3/24", line, unit_cents=1250),
        charge(ChargeKind.BILL_ADVANCE_CREDIT, "Avance déduite", line, unit_cents=-1000),
    ]
    invoice = issue_invoice(account, charges)

    text = pdf_text(invoice_pdf(invoice=invoice).content)

    heading = f"Ligne mobile {line.display_number}"
    assert (
        f"Facilités de paiement Désignation Période Qté Prix unitaire TTC Montant TTC {heading}"
        " Mobile Galaxy, échéance 3/24 01/11/2026 au 30/11/2026 1 12,50 € 12,50 €"
    ) in text
    assert (
        f"Avance sur facture Désignation Période Qté Prix unitaire TTC Montant TTC {heading}"
        " Avance déduite 01/11/2026 au 30/11/2026 1 -10,00 € -10,00 €"
    ) in text
    # 12,99 + 12,50 − 10,00
    assert "Total TTC à payer 15,49 €" in text


def test_a_fixed_line_and_the_accounts_own_charges_have_their_headings(
    customer: Customer,
) -> None:
    account = open_account(customer)
    box = make_fixed_line(account)
    account_fee = Charge(
        kind=ChargeKind.ONE_OFF_FEE,
        label="Frais de duplicata papier",
        line_id=None,
        product_code="",
        quantity=1,
        unit_price_cents=300,
        amount_cents=300,
        service_start=date(2026, 11, 12),
        service_end=date(2026, 11, 12),
        rule="test",
    )
    invoice = issue_invoice(
        account,
        [charge(ChargeKind.PLAN_FEE, "Abonnement Bbox Fibre", box, unit_cents=3099), account_fee],
    )

    text = pdf_text(invoice_pdf(invoice=invoice).content)

    assert (
        f"Ligne fixe {box.access_reference}"
        " Abonnement Bbox Fibre 01/11/2026 au 30/11/2026 1 30,99 € 30,99 €"
    ) in text
    assert (
        f"Compte de facturation {account.number} Frais de duplicata papier 12/11/2026 1 3,00 €"
        f" 3,00 € Sous-total Compte de facturation {account.number} 3,00 €"
    ) in text


def test_an_invoice_with_nothing_to_pay_says_so(customer: Customer) -> None:
    account = open_account(customer)
    line = woot_line(account, activated_at=paris(2026, 10, 1))
    credit = charge(ChargeKind.BILL_ADVANCE_CREDIT, "Avance déduite", line, unit_cents=-1299)
    invoice = issue_invoice(account, [*woot_charges(line), credit])

    text = pdf_text(invoice_pdf(invoice=invoice).content)

    assert "Total TTC à payer 0,00 €" in text
    assert "Aucun montant n'est à régler pour cette facture." in text
    assert "avant le" not in text
    assert "sera prélevé" not in text


def test_the_document_fetches_nothing_from_outside(invoice: Invoice) -> None:
    # A name or an address is escaped by the template; were markup to reach WeasyPrint all
    # the same, no file or URL would be read.
    with pytest.raises(FatalURLFetchingError):
        HTML(string='<img src="file:///etc/hostname">', url_fetcher=_no_fetching()).write_pdf()


def test_the_direct_debit_mention_names_the_account_and_mandate(invoice: Invoice) -> None:
    mention = DirectDebitMention(
        masked_iban="FR76 **** **** **** **** ***4 189",
        mandate_reference="GUICHET-CF10000001-1",
        creditor_identifier="FR12ZZZ123456",
    )

    text = pdf_text(document_pdf(invoice_document(invoice=invoice, direct_debit=mention)))

    assert "Compte débité FR76 **** **** **** **** ***4 189" in text
    assert "Référence du mandat GUICHET-CF10000001-1" in text
    # The sentence wraps at the reference's hyphen: its parts are read apart.
    assert (
        "sera prélevé le 05/01/2027 sur le compte FR76 **** **** **** **** ***4 189 (mandat" in text
    )
    assert "CF10000001-1, créancier FR12ZZZ123456)" in text


@override_settings(GUICHET_OPERATOR_VAT_NUMBER="FR00999999999", GUICHET_OPERATOR_BRAND="Mobile X")
def test_the_operator_identity_comes_from_the_settings(invoice: Invoice) -> None:
    text = pdf_text(invoice_pdf(invoice=invoice).content)

    assert "N° de TVA intracommunautaire : FR00999999999." in text
    assert text.startswith("Mobile X") or "Mobile X Bouygues Telecom" in text


# Duplicates ---------------------------------------------------------------------------------


def test_a_duplicate_is_the_same_document_marked_duplicata(
    invoice: Invoice, customer: Customer
) -> None:
    original = pdf_text(invoice_pdf(invoice=invoice).content)

    duplicate = invoice_duplicate_request(
        invoice=invoice, actor=as_customer(customer), now=DUPLICATE_AT
    )

    assert duplicate.pdf.filename == f"facture-{invoice.number}-duplicata.pdf"
    text = pdf_text(duplicate.pdf.content)
    assert "DUPLICATA produit le 23/12/2026" in text
    # Only the mark and its date differ.
    unmarked = text.replace("DUPLICATA produit le 23/12/2026 ", "").replace("DUPLICATA ", "")
    assert unmarked == original


def test_a_duplicate_request_is_recorded_as_a_completed_request_and_logged(
    invoice: Invoice, customer: Customer
) -> None:
    duplicate = invoice_duplicate_request(
        invoice=invoice, actor=as_customer(customer), now=DUPLICATE_AT
    )

    request = Request.objects.get()
    assert duplicate.request == request
    assert (request.customer, request.kind, request.status, request.line) == (
        customer,
        RequestKind.DUPLICATE_INVOICE,
        RequestStatus.COMPLETED,
        None,
    )
    assert request.payload == {"invoice_number": invoice.number}
    assert (request.created_at, request.closed_at) == (DUPLICATE_AT, DUPLICATE_AT)
    assert request.resolution == f"duplicata de la facture {invoice.number} produit le 23/12/2026"
    activity = Activity.objects.get(act=Act.REQUEST_RECORD_FULFILLED)
    assert (activity.customer, activity.actor_user, activity.subject_id, activity.at) == (
        customer,
        customer.user,
        request.pk,
        DUPLICATE_AT,
    )
    assert activity.summary == (
        f"Démarche « Duplicata de facture » n° {request.pk} traitée : duplicata de la facture"
        f" {invoice.number} produit le 23/12/2026"
    )


def test_another_customer_cannot_request_the_duplicate(invoice: Invoice) -> None:
    stranger = make_customer()

    with pytest.raises(CareError) as refused:
        invoice_duplicate_request(invoice=invoice, actor=as_customer(stranger), now=DUPLICATE_AT)

    assert refused.value.code == CareErrorCode.ACTOR_NOT_HOLDER
    assert not Request.objects.exists()
    assert not Activity.objects.filter(act=Act.REQUEST_RECORD_FULFILLED).exists()


def test_a_customer_gets_no_duplicate_of_an_invoice_older_than_36_months(
    invoice: Invoice, customer: Customer
) -> None:
    # Issued on 2 December 2026: still available on 2 December 2029, gone the day after.
    invoice_duplicate_request(invoice=invoice, actor=as_customer(customer), now=paris(2029, 12, 2))

    with pytest.raises(BillingError) as refused:
        invoice_duplicate_request(
            invoice=invoice, actor=as_customer(customer), now=paris(2029, 12, 3)
        )

    assert refused.value.code == BillingErrorCode.INVOICE_NOT_AVAILABLE
    assert refused.value.message == (
        f"La facture {invoice.number} du 02/12/2026 n'est plus disponible dans l'Espace Client"
        " (36 mois)."
    )
    assert Request.objects.count() == 1


def test_an_advisor_can_still_produce_a_duplicate_of_an_older_invoice(
    invoice: Invoice, customer: Customer
) -> None:
    advisor = make_advisor()

    duplicate = invoice_duplicate_request(
        invoice=invoice, actor=Actor.advisor(advisor), now=datetime(2031, 1, 5, 9, tzinfo=UTC)
    )

    assert "DUPLICATA produit le 05/01/2031" in pdf_text(duplicate.pdf.content)
    assert duplicate.request.customer == customer
    assert Activity.objects.get(act=Act.REQUEST_RECORD_FULFILLED).actor_user == advisor
