"""The customer pages. Views parse input, call one selector or service, and render."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from guichet.billing import documents
from guichet.billing.models import Invoice
from guichet.billing.rules import INVOICES_AVAILABLE_MONTHS
from guichet.billing.selectors import invoice_get_for_customer, invoices_available_for_customer
from guichet.care.actors import Actor
from guichet.customers.models import Customer
from guichet.customers.rules import paris_date
from guichet.customers.selectors import customer_get_for_user
from guichet.lines.selectors import lines_with_main_offer_for_customer
from guichet.selfcare.forms import LoginForm


class LoginView(auth_views.LoginView):
    template_name = "selfcare/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


def _not_a_customer(request: HttpRequest) -> HttpResponse:
    # A staff login without a customer: self-care has nothing to show it.
    return render(request, "selfcare/not_a_customer.html", status=403)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    customer = customer_get_for_user(user=request.user)
    if customer is None:
        return _not_a_customer(request)
    context = {
        "customer": customer,
        "lines": lines_with_main_offer_for_customer(customer=customer),
        "invoices": invoices_available_for_customer(
            customer=customer, today=paris_date(timezone.now())
        ),
        "invoice_months": INVOICES_AVAILABLE_MONTHS,
    }
    return render(request, "selfcare/home.html", context)


def _pdf_response(pdf: documents.InvoicePdf, *, disposition: str) -> HttpResponse:
    return HttpResponse(
        pdf.content,
        content_type="application/pdf",
        headers={"Content-Disposition": f'{disposition}; filename="{pdf.filename}"'},
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


@never_cache
@login_required
def invoice_pdf(request: HttpRequest, number: str) -> HttpResponse:
    """The invoice's PDF, shown in the browser."""
    customer = customer_get_for_user(user=request.user)
    if customer is None:
        return _not_a_customer(request)
    pdf = documents.invoice_pdf(invoice=_invoice_or_404(customer, number))
    return _pdf_response(pdf, disposition="inline")


@never_cache
@login_required
@require_POST
def invoice_duplicate(request: HttpRequest, number: str) -> HttpResponse:
    """A duplicate of the invoice: recorded as a request (démarche), downloaded as a file."""
    customer = customer_get_for_user(user=request.user)
    if customer is None:
        return _not_a_customer(request)
    duplicate = documents.invoice_duplicate_request(
        invoice=_invoice_or_404(customer, number),
        actor=Actor.customer(customer.user),
        now=timezone.now(),
    )
    return _pdf_response(duplicate.pdf, disposition="attachment")
