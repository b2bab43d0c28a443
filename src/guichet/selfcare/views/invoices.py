"""Factures: the invoices of the last 36 months, their PDF and duplicates, and paying them."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from guichet.billing import documents
from guichet.billing.models import Invoice, InvoiceStatus, PaymentMethod
from guichet.billing.rules import INVOICES_AVAILABLE_MONTHS
from guichet.billing.selectors import (
    PAYABLE_STATUSES,
    arrears_state,
    invoice_get_for_customer,
    invoices_available_for_customer,
    invoices_in_arrears_for_customer,
)
from guichet.care.actors import Actor
from guichet.customers.models import Customer
from guichet.customers.rules import paris_date
from guichet.lines.selectors import lines_for_customer
from guichet.payments.errors import PaymentError
from guichet.payments.models import CardPaymentPurpose
from guichet.selfcare.acts import act_links
from guichet.selfcare.forms.payments import PaymentAmountForm
from guichet.selfcare.registry import Section
from guichet.selfcare.views.common import customer_view
from guichet.selfcare.views.payments import card_payment_begin

# The invoice statuses as the customer reads them (English msgids, French by default).
STATUS_LABELS = {
    InvoiceStatus.ISSUED: _("Issued"),
    InvoiceStatus.PAID: _("Paid"),
    InvoiceStatus.PARTIALLY_PAID: _("Partially paid"),
    InvoiceStatus.UNPAID: _("Unpaid"),
    InvoiceStatus.CANCELLED: _("Credited"),
}
METHOD_LABELS = {
    PaymentMethod.CARD: _("Card"),
    PaymentMethod.DIRECT_DEBIT: _("Direct debit"),
}


@dataclass(frozen=True)
class InvoiceRow:
    invoice: Invoice
    status_label: str
    method_label: str
    # The card payment is offered for what is owed, except on a direct-debit invoice not due
    # yet: its debit is announced and will take what is left.
    payable: bool
    debit_announced: bool


def invoice_row(invoice: Invoice, today: date) -> InvoiceRow:
    """The invoice as Factures lists it, and whether the card payment is offered for it: the
    one rule, which Accueil follows for the last invoice too."""
    owed = invoice.outstanding_cents > 0 and invoice.status in PAYABLE_STATUSES
    debit_announced = (
        owed
        and invoice.payment_method == PaymentMethod.DIRECT_DEBIT
        and invoice.status != InvoiceStatus.UNPAID
        and invoice.due_on >= today
    )
    return InvoiceRow(
        invoice=invoice,
        status_label=str(STATUS_LABELS.get(invoice.status, invoice.status)),
        method_label=str(METHOD_LABELS.get(invoice.payment_method, invoice.payment_method)),
        payable=owed and not debit_announced,
        debit_announced=debit_announced,
    )


def invoice_years(invoices: list[Invoice], today: date) -> list[tuple[int, list[InvoiceRow]]]:
    """The invoices (newest first) grouped by the year of their period."""
    years: dict[int, list[InvoiceRow]] = {}
    for invoice in invoices:
        years.setdefault(invoice.period_start.year, []).append(invoice_row(invoice, today))
    return list(years.items())


@customer_view
def invoices(request: HttpRequest, customer: Customer) -> HttpResponse:
    today = paris_date(timezone.now())
    return render(
        request,
        "selfcare/invoices/invoices.html",
        {
            "years": invoice_years(
                invoices_available_for_customer(customer=customer, today=today), today
            ),
            "arrears": arrears_state(customer=customer, today=today),
            "invoice_months": INVOICES_AVAILABLE_MONTHS,
            "section_acts": act_links(
                lines=lines_for_customer(customer=customer), section=Section.INVOICES
            ),
        },
    )


def _invoice_or_404(customer: Customer, number: str) -> Invoice:
    # Another customer's invoice, or one older than 36 months, is not found: nothing tells
    # the two apart from an invoice that does not exist.
    invoice = invoice_get_for_customer(
        customer=customer, number=number, today=paris_date(timezone.now())
    )
    if invoice is None:
        raise Http404
    return invoice


def _pdf_response(pdf: documents.InvoicePdf, *, disposition: str) -> HttpResponse:
    return HttpResponse(
        pdf.content,
        content_type="application/pdf",
        headers={"Content-Disposition": f'{disposition}; filename="{pdf.filename}"'},
    )


@never_cache
@customer_view
def invoice_pdf(request: HttpRequest, customer: Customer, number: str) -> HttpResponse:
    """The invoice's PDF, shown in the browser."""
    pdf = documents.invoice_pdf(invoice=_invoice_or_404(customer, number))
    return _pdf_response(pdf, disposition="inline")


@never_cache
@require_POST
@customer_view
def invoice_duplicate(request: HttpRequest, customer: Customer, number: str) -> HttpResponse:
    """A duplicate of the invoice: recorded as a request (démarche), downloaded as a file."""
    duplicate = documents.invoice_duplicate_request(
        invoice=_invoice_or_404(customer, number),
        actor=Actor.customer(customer.user),
        now=timezone.now(),
    )
    return _pdf_response(duplicate.pdf, disposition="attachment")


@customer_view
def invoice_pay(request: HttpRequest, customer: Customer, number: str) -> HttpResponse:
    invoice = _invoice_or_404(customer, number)
    form = PaymentAmountForm(
        request.POST or None, initial={"amount": Decimal(invoice.outstanding_cents) / 100}
    )
    if request.method == "POST" and form.is_valid():
        try:
            attempt = card_payment_begin(
                request,
                customer=customer,
                purpose=CardPaymentPurpose.INVOICE,
                amount_cents=form.amount_cents,
                invoice=invoice,
            )
        except PaymentError as error:
            form.add_error(None, error.message)
        else:
            return redirect("selfcare:card_payment", attempt_id=attempt.pk)
    return render(
        request,
        "selfcare/invoices/invoice_pay.html",
        {"invoice": invoice, "form": form},
        status=400 if form.errors else 200,
    )


@customer_view
def arrears_pay(request: HttpRequest, customer: Customer) -> HttpResponse:
    invoices = invoices_in_arrears_for_customer(customer=customer, today=paris_date(timezone.now()))
    owed_cents = sum(invoice.outstanding_cents for invoice in invoices)
    form = PaymentAmountForm(request.POST or None, initial={"amount": Decimal(owed_cents) / 100})
    if request.method == "POST" and form.is_valid():
        try:
            attempt = card_payment_begin(
                request,
                customer=customer,
                purpose=CardPaymentPurpose.ARREARS,
                amount_cents=form.amount_cents,
            )
        except PaymentError as error:
            form.add_error(None, error.message)
        else:
            return redirect("selfcare:card_payment", attempt_id=attempt.pk)
    return render(
        request,
        "selfcare/invoices/arrears_pay.html",
        {"invoices": invoices, "owed_cents": owed_cents, "form": form},
        status=400 if form.errors else 200,
    )
