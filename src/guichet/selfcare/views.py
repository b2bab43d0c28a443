"""The customer pages. Views parse input, call one selector or service, and render."""

import logging
from decimal import Decimal
from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from guichet.billing import documents
from guichet.billing.models import Invoice
from guichet.billing.rules import INVOICES_AVAILABLE_MONTHS
from guichet.billing.selectors import (
    invoice_get_for_customer,
    invoices_available_for_customer,
    invoices_in_arrears_for_customer,
)
from guichet.care.actors import Actor
from guichet.catalog.models import ProductKind
from guichet.catalog.selectors import product_get
from guichet.customers.models import Customer
from guichet.customers.rules import paris_date
from guichet.customers.selectors import customer_get_for_user
from guichet.lines.selectors import line_get_for_customer, lines_with_main_offer_for_customer
from guichet.payments.card_rules import refusal_message
from guichet.payments.errors import PaymentError
from guichet.payments.models import CardPaymentPurpose, PaymentAttempt, PaymentAttemptStatus
from guichet.payments.psp import (
    CardGateway,
    ClientSecrets,
    PspOutcomeUnknown,
    PspRefused,
    card_gateway,
)
from guichet.payments.selectors.card import payment_attempt_get_for_customer
from guichet.payments.services.card import (
    card_payment_confirm,
    card_payment_refresh,
    card_payment_start,
)
from guichet.selfcare.forms import LoginForm, PaymentAmountForm, TopUpPurchaseForm

logger = logging.getLogger("guichet.selfcare")


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


# Card payments ---------------------------------------------------------------------------------
#
# The card is typed in the PSP's own fields (Stripe Elements, from GUICHET_STRIPE_JS_URL) and
# goes from the browser to the PSP: these pages only ever see the PSP's ids (PCI DSS SAQ A).
# The pages that load the PSP's script send a Content-Security-Policy naming exactly the PSP's
# origins, and are never cached (they hold the payment's client secrets).


def _customer_or_none(request: HttpRequest) -> Customer | None:
    return customer_get_for_user(user=request.user)


def _psp_page_policy(origins: list[str]) -> str:
    psp = " ".join(origins)
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src 'self' {psp}",
            f"connect-src {psp}",
            f"frame-src {psp}",
            "style-src 'self'",
            "img-src 'self'",
            "form-action 'self'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ]
    )


def _psp_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    gateway: CardGateway,
    status: int = 200,
) -> HttpResponse:
    response = render(request, template, context, status=status)
    response.headers["Content-Security-Policy"] = _psp_page_policy(gateway.page_origins())
    return response


def _start(request: HttpRequest, **target: Any) -> PaymentAttempt:
    return card_payment_start(
        actor=Actor.customer(request.user),
        now=timezone.now(),
        gateway=card_gateway(),
        **target,
    )


@login_required
def invoice_pay(request: HttpRequest, number: str) -> HttpResponse:
    customer = _customer_or_none(request)
    if customer is None:
        return _not_a_customer(request)
    invoice = invoice_get_for_customer(
        customer=customer, number=number, today=paris_date(timezone.now())
    )
    if invoice is None:
        raise Http404
    form = PaymentAmountForm(
        request.POST or None, initial={"amount": Decimal(invoice.outstanding_cents) / 100}
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            attempt = _start(
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
    if form.errors:
        status = 400
    return render(
        request, "selfcare/invoice_pay.html", {"invoice": invoice, "form": form}, status=status
    )


@login_required
def arrears_pay(request: HttpRequest) -> HttpResponse:
    customer = _customer_or_none(request)
    if customer is None:
        return _not_a_customer(request)
    invoices = invoices_in_arrears_for_customer(
        customer=customer, today=timezone.localdate(timezone.now())
    )
    owed_cents = sum(invoice.outstanding_cents for invoice in invoices)
    form = PaymentAmountForm(request.POST or None, initial={"amount": Decimal(owed_cents) / 100})
    if request.method == "POST" and form.is_valid():
        try:
            attempt = _start(
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
        "selfcare/arrears_pay.html",
        {"invoices": invoices, "owed_cents": owed_cents, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def top_up_buy(request: HttpRequest, line_id: int, code: str) -> HttpResponse:
    customer = _customer_or_none(request)
    if customer is None:
        return _not_a_customer(request)
    line = line_get_for_customer(customer=customer, line_id=line_id)
    product = product_get(code=code)
    if line is None or product is None or product.kind != ProductKind.TOP_UP:
        raise Http404
    form = TopUpPurchaseForm(request.POST or None, initial={"price_cents": product.price_cents})
    if request.method == "POST" and form.is_valid():
        try:
            attempt = _start(
                request,
                customer=customer,
                purpose=CardPaymentPurpose.TOP_UP,
                amount_cents=form.cleaned_data["price_cents"],
                line=line,
                product=product,
            )
        except PaymentError as error:
            form.add_error(None, error.message)
        else:
            return redirect("selfcare:card_payment", attempt_id=attempt.pk)
    return render(
        request,
        "selfcare/top_up_buy.html",
        {"line": line, "product": product, "form": form},
        status=400 if form.errors else 200,
    )


def _attempt_or_404(request: HttpRequest, attempt_id: int) -> PaymentAttempt:
    customer = _customer_or_none(request)
    attempt = (
        None
        if customer is None
        else payment_attempt_get_for_customer(customer=customer, attempt_id=attempt_id)
    )
    if attempt is None:
        raise Http404
    return attempt


def _client_secrets(attempt: PaymentAttempt, gateway: CardGateway) -> ClientSecrets | None:
    try:
        return gateway.client_secrets(
            payment_intent_id=attempt.psp_payment_intent_id,
            setup_intent_id=attempt.psp_setup_intent_id,
        )
    except (PspOutcomeUnknown, PspRefused) as error:
        logger.warning("payment_attempt:%s: the PSP gave no client secret: %s", attempt.pk, error)
        return None


def _payment_unavailable(
    request: HttpRequest, attempt: PaymentAttempt, message: str
) -> HttpResponse:
    return render(
        request,
        "selfcare/card_payment_result.html",
        {"attempt": attempt, "error": message},
        status=503,
    )


@never_cache
@login_required
def card_payment(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """The card form (GET), then the charge (POST, sent by the page once the PSP holds the
    card)."""
    attempt = _attempt_or_404(request, attempt_id)
    if attempt.status != PaymentAttemptStatus.CREATED or not attempt.psp_setup_intent_id:
        return redirect("selfcare:card_payment_result", attempt_id=attempt.pk)
    try:
        gateway = card_gateway()
    except PaymentError as error:
        return _payment_unavailable(request, attempt, error.message)
    if request.method == "POST":
        try:
            result = card_payment_confirm(
                attempt=attempt,
                actor=Actor.customer(request.user),
                now=timezone.now(),
                gateway=gateway,
            )
        except PaymentError as error:
            return render(
                request,
                "selfcare/card_payment_result.html",
                {"attempt": attempt, "error": error.message},
                status=400,
            )
        if result.needs_authentication:
            return redirect("selfcare:card_payment_authentication", attempt_id=attempt.pk)
        return redirect("selfcare:card_payment_result", attempt_id=attempt.pk)
    secrets = _client_secrets(attempt, gateway)
    if secrets is None:
        return _payment_unavailable(request, attempt, refusal_message("psp_unavailable"))
    return _psp_page(
        request,
        "selfcare/card_payment.html",
        {
            "attempt": attempt,
            "setup_secret": secrets.setup_intent,
            "publishable_key": gateway.publishable_key,
            "psp_js_url": gateway.js_url,
        },
        gateway,
    )


@never_cache
@login_required
def card_payment_authentication(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """The bank asks the holder to authenticate (3-D Secure): the PSP's script does it (GET),
    then the page posts, and the PSP is asked how it ended (POST)."""
    attempt = _attempt_or_404(request, attempt_id)
    if attempt.status != PaymentAttemptStatus.PROCESSING:
        return redirect("selfcare:card_payment_result", attempt_id=attempt.pk)
    try:
        gateway = card_gateway()
    except PaymentError as error:
        return _payment_unavailable(request, attempt, error.message)
    if request.method == "POST":
        card_payment_refresh(attempt=attempt, now=timezone.now(), gateway=gateway)
        return redirect("selfcare:card_payment_result", attempt_id=attempt.pk)
    secrets = _client_secrets(attempt, gateway)
    if secrets is None:
        return _payment_unavailable(request, attempt, refusal_message("psp_unavailable"))
    return _psp_page(
        request,
        "selfcare/card_payment_authentication.html",
        {
            "attempt": attempt,
            "payment_secret": secrets.payment_intent,
            "publishable_key": gateway.publishable_key,
            "psp_js_url": gateway.js_url,
        },
        gateway,
    )


@never_cache
@login_required
def card_payment_result(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """Where the payment stands, read from our rows (the webhook is what credits)."""
    attempt = _attempt_or_404(request, attempt_id)
    return render(
        request,
        "selfcare/card_payment_result.html",
        {
            "attempt": attempt,
            "refusal": refusal_message(attempt.failure_code)
            if attempt.status == PaymentAttemptStatus.FAILED
            else "",
        },
    )


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
