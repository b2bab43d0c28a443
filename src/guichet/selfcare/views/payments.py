"""Card payments: the PSP's card fields, 3-D Secure, the outcome; and the top-up purchase.

The card is typed in the PSP's own fields (Stripe Elements, from GUICHET_STRIPE_JS_URL) and
goes from the browser to the PSP: these pages only ever see the PSP's ids (PCI DSS SAQ A).
The pages that load the PSP's script send a Content-Security-Policy naming exactly the PSP's
origins, and are never cached (they hold the payment's client secrets).
"""

import logging
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from guichet.care.actors import Actor
from guichet.catalog.models import ProductKind
from guichet.catalog.selectors import product_get
from guichet.customers.models import Customer
from guichet.lines.selectors import line_get_for_customer
from guichet.payments.card_rules import refusal_message
from guichet.payments.errors import PaymentError, PaymentErrorCode
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
from guichet.selfcare.forms.payments import TopUpPurchaseForm
from guichet.selfcare.views.common import customer_view

logger = logging.getLogger("guichet.selfcare")


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


def card_payment_begin(request: HttpRequest, **target: Any) -> PaymentAttempt:
    """Start a card payment for the signed-in customer; the caller redirects to its page."""
    return card_payment_start(
        actor=Actor.customer(request.user),
        now=timezone.now(),
        gateway=card_gateway(),
        **target,
    )


@customer_view
def top_up_buy(request: HttpRequest, customer: Customer, line_id: int, code: str) -> HttpResponse:
    line = line_get_for_customer(customer=customer, line_id=line_id)
    product = product_get(code=code)
    if line is None or product is None or product.kind != ProductKind.TOP_UP:
        raise Http404
    form = TopUpPurchaseForm(request.POST or None, initial={"price_cents": product.price_cents})
    unpaid = False
    if request.method == "POST" and form.is_valid():
        try:
            attempt = card_payment_begin(
                request,
                customer=customer,
                purpose=CardPaymentPurpose.TOP_UP,
                amount_cents=form.cleaned_data["price_cents"],
                line=line,
                product=product,
            )
        except PaymentError as error:
            form.add_error(None, error.message)
            unpaid = error.code == PaymentErrorCode.REFUSED_WHILE_UNPAID
        else:
            return redirect("selfcare:card_payment", attempt_id=attempt.pk)
    return render(
        request,
        "selfcare/payments/top_up_buy.html",
        {"line": line, "product": product, "form": form, "unpaid": unpaid},
        status=400 if form.errors else 200,
    )


def _attempt_or_404(customer: Customer, attempt_id: int) -> PaymentAttempt:
    attempt = payment_attempt_get_for_customer(customer=customer, attempt_id=attempt_id)
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
        "selfcare/payments/card_payment_result.html",
        {"attempt": attempt, "error": message},
        status=503,
    )


@never_cache
@customer_view
def card_payment(request: HttpRequest, customer: Customer, attempt_id: int) -> HttpResponse:
    """The card form (GET), then the charge (POST, sent by the page once the PSP holds the
    card)."""
    attempt = _attempt_or_404(customer, attempt_id)
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
                "selfcare/payments/card_payment_result.html",
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
        "selfcare/payments/card_payment.html",
        {
            "attempt": attempt,
            "setup_secret": secrets.setup_intent,
            "publishable_key": gateway.publishable_key,
            "psp_js_url": gateway.js_url,
        },
        gateway,
    )


@never_cache
@customer_view
def card_payment_authentication(
    request: HttpRequest, customer: Customer, attempt_id: int
) -> HttpResponse:
    """The bank asks the holder to authenticate (3-D Secure): the PSP's script does it (GET),
    then the page posts, and the PSP is asked how it ended (POST)."""
    attempt = _attempt_or_404(customer, attempt_id)
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
        "selfcare/payments/card_payment_authentication.html",
        {
            "attempt": attempt,
            "payment_secret": secrets.payment_intent,
            "publishable_key": gateway.publishable_key,
            "psp_js_url": gateway.js_url,
        },
        gateway,
    )


@never_cache
@customer_view
def card_payment_result(request: HttpRequest, customer: Customer, attempt_id: int) -> HttpResponse:
    """Where the payment stands, read from our rows (the webhook is what credits)."""
    attempt = _attempt_or_404(customer, attempt_id)
    return render(
        request,
        "selfcare/payments/card_payment_result.html",
        {
            "attempt": attempt,
            "refusal": refusal_message(attempt.failure_code)
            if attempt.status == PaymentAttemptStatus.FAILED
            else "",
        },
    )
