"""Invoice documents: the PDF of an invoice, rendered on demand with WeasyPrint, and duplicates.

Nothing is stored: the PDF is rendered from the invoice's rows each time it is asked for. It is
deterministic: the same invoice gives the same bytes, because what it prints is append-only
(the invoice and its lines; the billed name and address are copied on the invoice at issue),
the PDF's dates are the invoice's, and WeasyPrint writes no random file identifier. What it
prints from elsewhere (the operator's identity from the settings, the CGS references from the
current catalog release) is the same as long as those are.

A duplicate (duplicata) is the same document with a visible "DUPLICATA" mark and the date it
was produced; `invoice_duplicate_request` records the request as a completed démarche.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from guichet.billing import rules
from guichet.billing.errors import BillingError, BillingErrorCode
from guichet.billing.models import Invoice, InvoiceLine, InvoiceLineKind, PaymentMethod
from guichet.care.actors import Actor
from guichet.care.models import Request, RequestKind
from guichet.care.services import request_record_fulfilled
from guichet.catalog.models import Market
from guichet.catalog.schema import Catalog
from guichet.catalog.selectors import catalog_current
from guichet.lines.models import Line
from guichet.lines.selectors import lines_by_ids

PARIS = ZoneInfo("Europe/Paris")
STYLESHEET = Path(__file__).resolve().parent / "templates" / "billing" / "invoice.css"
# Services d'accompagnement: the fee for putting a line back in service after an unpaid invoice.
REINSTATEMENT_FEE_CODE = "remise-en-service-impaye"


# What the document prints -----------------------------------------------------------------


@dataclass(frozen=True)
class OperatorIdentity:
    """The seller, as French invoices must name it (CGI art. 242 nonies A: name, address, VAT
    number; Code de commerce R. 123-237: legal form, share capital, RCS)."""

    brand: str
    legal_name: str
    legal_form: str
    share_capital: str
    rcs: str
    address: str
    vat_number: str
    customer_service_phone: str

    @classmethod
    def from_settings(cls) -> OperatorIdentity:
        siren = settings.GUICHET_OPERATOR_SIREN.replace(" ", "")
        return cls(
            brand=settings.GUICHET_OPERATOR_BRAND,
            legal_name=settings.GUICHET_OPERATOR_LEGAL_NAME,
            legal_form=settings.GUICHET_OPERATOR_LEGAL_FORM,
            share_capital=_format_whole_euros(int(settings.GUICHET_OPERATOR_SHARE_CAPITAL_EUR)),
            rcs=f"RCS {settings.GUICHET_OPERATOR_RCS_CITY} {siren[:3]} {siren[3:6]} {siren[6:]}",
            address=settings.GUICHET_OPERATOR_ADDRESS,
            vat_number=settings.GUICHET_OPERATOR_VAT_NUMBER or rules.french_vat_number(siren),
            customer_service_phone=settings.GUICHET_OPERATOR_CUSTOMER_SERVICE_PHONE,
        )


@dataclass(frozen=True)
class DirectDebitMention:
    """What a direct-debit invoice says of the debit, as the pre-notification of CGS 7.1; the
    payments context gives it once mandates exist. Without it the invoice names the method and
    the date only."""

    masked_iban: str  # e.g. "FR76 •••• •••• •••• •••• •••• 189"
    mandate_reference: str  # the SEPA mandate's unique reference (RUM)
    creditor_identifier: str  # the operator's SEPA creditor identifier (ICS)
    # The debit date the pre-notification gave (the due date when none was sent yet).
    debit_on: date | None = None


@dataclass(frozen=True)
class Row:
    label: str
    period: str
    quantity: int
    unit_price: str
    amount: str


@dataclass(frozen=True)
class Group:
    heading: str
    rows: tuple[Row, ...]
    total: str


@dataclass(frozen=True)
class Section:
    title: str
    groups: tuple[Group, ...]
    empty_text: str = ""


@dataclass(frozen=True)
class VatRow:
    rate: str
    base_excl_vat: str
    vat: str
    amount: str


@dataclass(frozen=True)
class InvoiceDocument:
    """Everything the template prints, already formatted (French amounts and dates), so that
    the template holds no logic and the document depends on nothing but these values."""

    operator: OperatorIdentity
    number: str
    issued_on: str
    created_at: str  # ISO 8601: the PDF's creation date (issue, or production of a duplicate)
    period: str
    due_on: str
    customer_number: str
    billing_account_number: str
    billed_name: str
    billed_address: tuple[str, ...]
    payment_method: str
    total: str
    total_excl_vat: str
    vat_total: str
    vat_rows: tuple[VatRow, ...]
    amount_due: bool
    direct_debit: DirectDebitMention | None
    sections: tuple[Section, ...]
    payment_terms: tuple[str, ...]
    legal_mentions: tuple[str, ...]
    duplicate_produced_on: str | None


@dataclass(frozen=True)
class InvoicePdf:
    filename: str
    content: bytes


@dataclass(frozen=True)
class InvoiceDuplicate:
    request: Request
    pdf: InvoicePdf


# Building the document ----------------------------------------------------------------------


def _fr(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _format_whole_euros(euros: int) -> str:
    return f"{euros:,}".replace(",", rules.NBSP) + f"{rules.NBSP}€"


def _invoice_period(invoice: Invoice) -> str:
    """ "01/04/2026 au 30/04/2026"; a transition period, shorter than a month after a change
    of billing cycle (billing.cycle_rules), says so."""
    text = f"{_fr(invoice.period_start)} au {_fr(invoice.period_end)}"
    if invoice.period_end + timedelta(days=1) != rules.add_months(invoice.period_start, 1):
        text += " (période de transition vers votre nouveau cycle de facturation)"
    return text


def _service_period(line: InvoiceLine) -> str:
    if line.service_start == line.service_end:
        return _fr(line.service_start)
    return f"{_fr(line.service_start)} au {_fr(line.service_end)}"


def _row(line: InvoiceLine, *, telecom_line: Line | None) -> Row:
    label = line.label
    if telecom_line is not None:
        # The group's heading names the line: its labels need not repeat it.
        label = label.removesuffix(f" — ligne {telecom_line.display_number}")
    return Row(
        label=label,
        period=_service_period(line),
        quantity=line.quantity,
        unit_price=rules.format_eur_fr(line.unit_price_cents),
        amount=rules.format_eur_fr(line.amount_cents),
    )


def _line_heading(line: Line | None, *, account_number: str) -> str:
    if line is None:
        return f"Compte de facturation {account_number}"
    if line.market == Market.MOBILE:
        return f"Ligne mobile {line.display_number}"
    return f"Ligne fixe {line.display_number}"


def _groups(
    invoice_lines: Sequence[InvoiceLine], *, lines: dict[int, Line], account_number: str
) -> tuple[Group, ...]:
    """The invoice lines by telecom line, in the order the lines first appear on the invoice
    (the account's own lines, without a telecom line, last)."""
    by_line: dict[int | None, list[InvoiceLine]] = {}
    for invoice_line in invoice_lines:
        by_line.setdefault(invoice_line.line_id, []).append(invoice_line)
    keys = [key for key in by_line if key is not None] + ([None] if None in by_line else [])
    groups = []
    for key in keys:
        telecom_line = None if key is None else lines.get(key)
        groups.append(
            Group(
                heading=_line_heading(telecom_line, account_number=account_number),
                rows=tuple(_row(line, telecom_line=telecom_line) for line in by_line[key]),
                total=rules.format_eur_fr(sum(line.amount_cents for line in by_line[key])),
            )
        )
    return tuple(groups)


# Which section each kind of invoice line is printed in, in the order of the document.
_SUBSCRIPTION_KINDS = frozenset(
    {
        InvoiceLineKind.PLAN_FEE,
        InvoiceLineKind.PLAN_DISCOUNT,
        InvoiceLineKind.OPTION_FEE,
        InvoiceLineKind.TOP_UP,
        InvoiceLineKind.ONE_OFF_FEE,
        InvoiceLineKind.ACTIVATION_FEE,
        InvoiceLineKind.INSURANCE,
    }
)


def _sections(
    invoice_lines: Sequence[InvoiceLine], *, lines: dict[int, Line], account_number: str
) -> tuple[Section, ...]:
    def of_kinds(kinds: Iterable[str]) -> tuple[Group, ...]:
        wanted = set(kinds)
        return _groups(
            [line for line in invoice_lines if line.kind in wanted],
            lines=lines,
            account_number=account_number,
        )

    sections = [
        Section(title="Abonnements, options et frais", groups=of_kinds(_SUBSCRIPTION_KINDS)),
        # Always printed, empty or not: the customer reads that nothing was charged beyond the
        # plan.
        Section(
            title="Consommations hors forfait",
            groups=of_kinds([InvoiceLineKind.USAGE]),
            empty_text="Aucune consommation hors forfait sur la période.",
        ),
        Section(
            title="Achats sur facture (Internet+ et vidéo à la demande)",
            groups=of_kinds([InvoiceLineKind.CARRIER_BILLING, InvoiceLineKind.VOD]),
        ),
        Section(title="Facilités de paiement", groups=of_kinds([InvoiceLineKind.INSTALMENT])),
        Section(title="Avance sur facture", groups=of_kinds([InvoiceLineKind.BILL_ADVANCE_CREDIT])),
    ]
    return tuple(section for section in sections if section.groups or section.empty_text)


def _vat_rows(invoice_lines: Sequence[InvoiceLine]) -> tuple[VatRow, ...]:
    """Per VAT rate: the amount excl. VAT, the VAT (sum of the lines' rounded VAT), the total."""
    by_rate: dict[int, list[InvoiceLine]] = {}
    for line in invoice_lines:
        by_rate.setdefault(line.vat_rate_bp, []).append(line)
    rows = []
    for rate_bp in sorted(by_rate, reverse=True):
        amount = sum(line.amount_cents for line in by_rate[rate_bp])
        vat = sum(line.vat_cents for line in by_rate[rate_bp])
        rows.append(
            VatRow(
                rate=rules.format_vat_rate(rate_bp) if rate_bp else "exonérée",
                base_excl_vat=rules.format_eur_fr(amount - vat),
                vat=rules.format_eur_fr(vat),
                amount=rules.format_eur_fr(amount),
            )
        )
    return tuple(rows)


def _payment_terms(
    invoice: Invoice, *, catalog: Catalog, direct_debit: DirectDebitMention | None
) -> tuple[str, ...]:
    total, due_on = rules.format_eur_fr(invoice.total_cents), _fr(invoice.due_on)
    terms = catalog.terms
    reinstatement = rules.format_eur_fr(catalog.fee(REINSTATEMENT_FEE_CODE).price_cents)
    if invoice.total_cents <= 0:
        how = ["Aucun montant n'est à régler pour cette facture."]
    elif invoice.payment_method == PaymentMethod.DIRECT_DEBIT:
        account = (
            f" sur le compte {direct_debit.masked_iban} (mandat {direct_debit.mandate_reference},"
            f" créancier {direct_debit.creditor_identifier})"
            if direct_debit is not None
            else ""
        )
        how = [
            f"Le montant de {total} sera prélevé le {due_on}{account}. Cette facture vous en"
            f" informe au moins {terms.billing.direct_debit_prenotice.amount} jours avant"
            " l'échéance ; les week-ends et jours fériés peuvent décaler la date du"
            " prélèvement (CGS 7.1).",
        ]
        if direct_debit is not None:
            how.insert(0, _sepa_mention(direct_debit, debit_on=invoice.due_on))
    else:
        how = [
            f"Montant de {total} à régler au plus tard le {due_on}, par carte bancaire depuis"
            " votre Espace Client.",
        ]
    return (
        *how,
        "Les factures doivent être réglées dans le délai maximum porté sur la facture (CGS 7)."
        " Vous pouvez demander à un tiers de les payer à votre place ; vous restez tenu de"
        " leur paiement en cas de défaillance de ce tiers (CGS 7.2).",
        "En cas de non-paiement à la date limite de paiement et après relance restée sans"
        " effet, les Services peuvent être suspendus, la facturation se poursuivant (CGS 2.4) ;"
        f" la remise en service après régularisation est facturée {reinstatement}. Après mise"
        " en demeure restée sans effet, le contrat peut être résilié (CGS 8.2).",
    )


def _sepa_mention(direct_debit: DirectDebitMention, *, debit_on: date) -> str:
    """The SEPA mention of a direct-debit invoice (the EPC rulebook's pre-notification content:
    date, mandate reference, creditor identifier)."""
    return (
        f"Prélèvement SEPA le {_fr(direct_debit.debit_on or debit_on)}, mandat RUM"
        f" {direct_debit.mandate_reference}, ICS {direct_debit.creditor_identifier}."
    )


def direct_debit_mention(invoice: Invoice) -> DirectDebitMention | None:
    """The mandate and debit date a direct-debit invoice prints; None for other invoices or
    without a mandate."""
    # Imported here: payments reads billing, and billing prints what payments knows.
    from guichet.payments.selectors.direct_debit import direct_debit_mandate_for_invoice

    if invoice.payment_method != PaymentMethod.DIRECT_DEBIT:
        return None
    found = direct_debit_mandate_for_invoice(invoice=invoice)
    if found is None:
        return None
    mandate, debit_on = found
    return DirectDebitMention(
        masked_iban=mandate.masked_iban,
        mandate_reference=mandate.reference,
        creditor_identifier=mandate.creditor_id,
        debit_on=debit_on,
    )


def _legal_mentions(
    invoice: Invoice, *, operator: OperatorIdentity, catalog: Catalog, vat_exempt: bool
) -> tuple[str, ...]:
    complaints = catalog.terms.complaints
    exemption = (
        (
            "Primes d'assurance exonérées de TVA (article 261 C, 2° du CGI), taxe sur les"
            " conventions d'assurance comprise.",
        )
        if vat_exempt
        else ()
    )
    return (
        f"{operator.legal_name}, {operator.legal_form} au capital de {operator.share_capital},"
        f" {operator.rcs}, siège social : {operator.address}. N° de TVA intracommunautaire :"
        f" {operator.vat_number}.",
        f"Facture n° {invoice.number} émise le {_fr(invoice.issued_on)}. Prix en euros toutes"
        " taxes comprises ; la TVA est calculée ligne par ligne sur le montant TTC.",
        *exemption,
        "Offre régie par les Conditions générales de service applicables à compter du"
        f" {_fr(catalog.release.terms_effective_from)}.",
        f"Réclamations (CGS 13) : Service Client depuis votre Espace Client ou au"
        f" {operator.customer_service_phone} ; sans réponse satisfaisante, par écrit au"
        f" {complaints.consumer_service_address} (réponse sous un mois) ; puis le"
        f" {complaints.mediator}.",
        f"Cette facture reste disponible {rules.INVOICES_AVAILABLE_MONTHS} mois dans votre"
        " Espace Client ; un duplicata peut y être demandé.",
    )


def invoice_document(
    *,
    invoice: Invoice,
    duplicate_produced_at: datetime | None = None,
    direct_debit: DirectDebitMention | None = None,
) -> InvoiceDocument:
    """What the invoice's PDF prints; with `duplicate_produced_at`, its duplicate's.

    `direct_debit` is for the payments context to fill in from the account's mandate once
    mandates exist (here, so that the original and its duplicates print the same).

    Reads the invoice's lines (prefetched by `invoice_get_for_customer`), its telecom lines
    (one query) and the current catalog (one query)."""
    invoice_lines = list(invoice.lines.all())
    account = invoice.billing_account
    operator = OperatorIdentity.from_settings()
    catalog = catalog_current()
    lines = lines_by_ids(
        line_ids=[line.line_id for line in invoice_lines if line.line_id is not None]
    )
    created_at = duplicate_produced_at or invoice.issued_at
    return InvoiceDocument(
        operator=operator,
        number=invoice.number,
        issued_on=_fr(invoice.issued_on),
        created_at=created_at.astimezone(PARIS).isoformat(timespec="seconds"),
        period=_invoice_period(invoice),
        due_on=_fr(invoice.due_on),
        customer_number=account.customer.number,
        billing_account_number=account.number,
        billed_name=invoice.billed_name,
        billed_address=tuple(invoice.billed_address),
        payment_method=PaymentMethod(invoice.payment_method).label,
        total=rules.format_eur_fr(invoice.total_cents),
        total_excl_vat=rules.format_eur_fr(invoice.total_excl_vat_cents),
        vat_total=rules.format_eur_fr(invoice.vat_cents),
        vat_rows=_vat_rows(invoice_lines),
        amount_due=invoice.total_cents > 0,
        direct_debit=direct_debit,
        sections=_sections(invoice_lines, lines=lines, account_number=account.number),
        payment_terms=_payment_terms(invoice, catalog=catalog, direct_debit=direct_debit),
        legal_mentions=_legal_mentions(
            invoice,
            operator=operator,
            catalog=catalog,
            vat_exempt=any(line.vat_rate_bp == 0 for line in invoice_lines),
        ),
        duplicate_produced_on=(
            _fr(duplicate_produced_at.astimezone(PARIS).date())
            if duplicate_produced_at is not None
            else None
        ),
    )


# Rendering --------------------------------------------------------------------------------


@cache
def _stylesheet() -> CSS:
    # Parsed once per process: it is the same for every invoice.
    return CSS(filename=str(STYLESHEET), url_fetcher=_no_fetching())


@cache
def _no_fetching() -> URLFetcher:
    """A fetcher that refuses every URL, and fails the rendering if one is asked for: the
    document is built from the database and the installed fonts only, never from the network
    or the file system (a name or an address typed by a customer cannot pull anything in)."""
    return URLFetcher(allowed_protocols=(), fail_on_errors=True)


_per_thread = threading.local()


def _font_config() -> FontConfiguration:
    """WeasyPrint's font configuration loads Fontconfig and holds Pango's font cache: kept from
    one render to the next, fonts are not loaded again for every invoice. One per thread, as
    Pango's font maps are not shared between threads."""
    if not hasattr(_per_thread, "font_config"):
        _per_thread.font_config = FontConfiguration()
    font_config: FontConfiguration = _per_thread.font_config
    return font_config


def document_pdf(document: InvoiceDocument) -> bytes:
    html = render_to_string("billing/invoice.html", {"doc": document})
    pdf: bytes = HTML(string=html, url_fetcher=_no_fetching()).write_pdf(
        stylesheets=[_stylesheet()], font_config=_font_config()
    )
    return pdf


def invoice_pdf(*, invoice: Invoice) -> InvoicePdf:
    """The invoice's PDF (the original), rendered now; the same bytes every time."""
    document = invoice_document(invoice=invoice, direct_debit=direct_debit_mention(invoice))
    return InvoicePdf(filename=f"facture-{invoice.number}.pdf", content=document_pdf(document))


@transaction.atomic
def invoice_duplicate_request(*, invoice: Invoice, actor: Actor, now: datetime) -> InvoiceDuplicate:
    """A customer (or an advisor for them) asks for a duplicate of an invoice: the request is
    recorded as a completed démarche and logged, and the duplicate returned. Rendered inside
    the transaction: a duplicate that fails to render leaves no request behind.

    Refused for a customer when the invoice is older than the 36 months self-care keeps."""
    today = now.astimezone(PARIS).date()
    if actor.is_customer and invoice.issued_on < rules.invoices_available_since(today):
        raise BillingError(
            code=BillingErrorCode.INVOICE_NOT_AVAILABLE,
            message=f"La facture {invoice.number} du {_fr(invoice.issued_on)} n'est plus"
            f" disponible dans l'Espace Client ({rules.INVOICES_AVAILABLE_MONTHS} mois).",
            extra={"number": invoice.number},
        )
    request = request_record_fulfilled(
        customer=invoice.billing_account.customer,
        kind=RequestKind.DUPLICATE_INVOICE,
        payload={"invoice_number": invoice.number},
        resolution=f"duplicata de la facture {invoice.number} produit le {_fr(today)}",
        actor=actor,
        now=now,
    )
    document = invoice_document(
        invoice=invoice, duplicate_produced_at=now, direct_debit=direct_debit_mention(invoice)
    )
    pdf = InvoicePdf(
        filename=f"facture-{invoice.number}-duplicata.pdf", content=document_pdf(document)
    )
    return InvoiceDuplicate(request=request, pdf=pdf)
