"""Device renewal, equipment insurance and claims, refund offers (Lignes > Mon mobile)."""

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guichet.billing.errors import BillingError, BillingErrorCode
from guichet.care.actors import Actor
from guichet.care.errors import CareError
from guichet.care.models import OrderStatus, RequestKind
from guichet.catalog.models import Market
from guichet.catalog.rendering import euros
from guichet.customers.models import Customer
from guichet.customers.rules import paris_date
from guichet.devices import rules
from guichet.devices.card_orders import (
    Cancellation,
    device_renewal_cancel_and_refund,
    device_renewal_order_by_card,
    device_renewal_pending_attempt,
)
from guichet.devices.errors import DeviceError
from guichet.devices.models import DeviceRenewal, RenewalPayment
from guichet.devices.partners import insurer, logistics
from guichet.devices.selectors import (
    device_catalogue_with_stock,
    insurable_phones,
    insurance_contracts_for_line,
    purchase_price_cents,
    refund_purchases,
    renewals_for_line,
    requests_of_kind,
)
from guichet.devices.services import (
    CLAIM_KINDS,
    claim_deadline,
    device_renewal_order,
    device_renewal_withdrawal_deadline,
    instalment_first_cents,
    insurance_claim_declare,
    insured_value_check,
    refund_claim_submit,
)
from guichet.devices.services import device_renewal_cancel as device_renewal_cancel_act
from guichet.devices.services import device_renewal_withdraw as device_renewal_withdraw_act
from guichet.devices.services import insurance_subscribe as insurance_subscribe_act
from guichet.lines.errors import EquipmentError
from guichet.lines.models import Line
from guichet.lines.selectors import line_get_for_customer
from guichet.payments.errors import InstalmentError, PaymentError
from guichet.payments.models import PaymentAttemptStatus
from guichet.payments.psp import card_gateway
from guichet.payments.receipts import device_order_receipt_attempt, device_order_receipt_pdf
from guichet.selfcare.forms.devices import (
    DeviceRenewalForm,
    InsuranceClaimForm,
    InsuranceForm,
    RefundClaimForm,
)
from guichet.selfcare.views.common import customer_view

# The refusals an act's service may raise; each carries a French message for the page.
ACT_ERRORS = (DeviceError, CareError, BillingError, InstalmentError, EquipmentError)


def line_or_404(customer: Customer, line_id: int, market: Market | None = None) -> Line:
    line = line_get_for_customer(customer=customer, line_id=line_id)
    if line is None or (market is not None and line.market != market):
        raise Http404
    return line


def refusal(form: Any, error: Exception) -> bool:
    """Put the service's refusal on the form; True when it is the unpaid rule (the page then
    links to the payment of the arrears)."""
    form.add_error(None, getattr(error, "message", str(error)))
    return (
        isinstance(error, BillingError) and error.code == BillingErrorCode.ACT_REFUSED_WHILE_UNPAID
    )


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    form = context.get("form")
    status = 400 if form is not None and form.is_bound and form.errors else 200
    return render(request, template, context, status=status)


def _renewal_or_404(customer: Customer, line: Line, order_id: int) -> DeviceRenewal:
    renewal = next(
        (r for r in renewals_for_line(customer=customer, line=line) if r.order_id == order_id),
        None,
    )
    if renewal is None:
        raise Http404
    return renewal


def _order_renewal(
    request: HttpRequest, customer: Customer, line: Line, form: DeviceRenewalForm
) -> HttpResponse:
    """Order as chosen; by card, the order waits on the card payment page. Raises the act's
    refusal (ACT_ERRORS, PaymentError)."""
    payment, count = form.payment_terms()
    actor = Actor.customer(request.user)  # type: ignore[arg-type]
    if payment == RenewalPayment.CARD:
        attempt = device_renewal_order_by_card(
            customer=customer,
            line=line,
            sku=form.cleaned_data["sku"],
            actor=actor,
            now=timezone.now(),
            gateway=card_gateway(),
        )[1]
        if attempt.status == PaymentAttemptStatus.FAILED:
            return redirect("selfcare:card_payment_result", attempt_id=attempt.pk)
        return redirect("selfcare:card_payment", attempt_id=attempt.pk)
    renewal = device_renewal_order(
        customer=customer,
        line=line,
        sku=form.cleaned_data["sku"],
        payment=payment,
        instalment_count=count,
        actor=actor,
        now=timezone.now(),
    )
    messages.success(
        request,
        _("Your order no. %(order)s is recorded: %(device)s.")
        % {"order": renewal.order_id, "device": renewal.label},
    )
    return redirect("selfcare:device_renewal", line_id=line.pk)


@customer_view
def device_renewal(request: HttpRequest, customer: Customer, line_id: int) -> HttpResponse:
    line = line_or_404(customer, line_id, Market.MOBILE)
    catalogue = device_catalogue_with_stock()
    in_stock = [(device.sku, device.label) for device, left in catalogue if left > 0]
    form = DeviceRenewalForm(request.POST or None, skus=in_stock)
    unpaid = False
    if request.method == "POST" and form.is_valid():
        try:
            return _order_renewal(request, customer, line, form)
        except (*ACT_ERRORS, PaymentError) as error:
            unpaid = refusal(form, error)
    rows = [
        {
            "device": device,
            "left": left,
            "plans": [
                {
                    "count": count,
                    "monthly": device.price_cents // count,
                    "first": instalment_first_cents(price_cents=device.price_cents, count=count),
                }
                for count in rules.RENEWAL_INSTALMENT_COUNTS
            ],
        }
        for device, left in catalogue
    ]
    renewals = renewals_for_line(customer=customer, line=line)
    return _render(
        request,
        "selfcare/devices/device_renewal.html",
        {
            "line": line,
            "form": form,
            "rows": rows,
            "renewals": [
                {
                    "renewal": renewal,
                    "attempt": device_renewal_pending_attempt(renewal=renewal),
                    "receipt": renewal.payment == RenewalPayment.CARD
                    and device_order_receipt_attempt(renewal=renewal) is not None,
                    "cancellable": renewal.order.status == OrderStatus.RECEIVED,
                    "withdrawal_deadline": device_renewal_withdrawal_deadline(renewal=renewal),
                    "return_number": logistics().return_number(order_id=renewal.order_id),
                }
                for renewal in renewals
            ],
            "unpaid": unpaid,
            "today": paris_date(timezone.now()),
        },
    )


@require_POST
@customer_view
def device_renewal_cancel(
    request: HttpRequest, customer: Customer, line_id: int, order_id: int
) -> HttpResponse:
    """Cancel an order not shipped yet; one paid by card is refunded to the card."""
    line = line_or_404(customer, line_id, Market.MOBILE)
    renewal = _renewal_or_404(customer, line, order_id)
    actor = Actor.customer(request.user)  # type: ignore[arg-type]
    try:
        if renewal.payment == RenewalPayment.CARD:
            cancelled = device_renewal_cancel_and_refund(
                renewal=renewal, actor=actor, now=timezone.now(), gateway=card_gateway()
            )
        else:
            # Billed on the invoices, so nothing to refund: no PSP involved.
            renewal, _refund = device_renewal_cancel_act(
                renewal=renewal, actor=actor, now=timezone.now()
            )
            cancelled = Cancellation(renewal=renewal, refund=None)
    except (*ACT_ERRORS, PaymentError) as error:
        messages.error(request, getattr(error, "message", str(error)))
    else:
        text = _("Your order no. %(order)s is cancelled.") % {"order": order_id}
        if cancelled.refund is not None:
            text += " " + _("%(amount)s will be refunded to your card.") % {
                "amount": euros(cancelled.refund.amount_cents)
            }
        messages.success(request, text)
    return redirect("selfcare:device_renewal", line_id=line.pk)


@require_POST
@customer_view
def device_renewal_withdraw(
    request: HttpRequest, customer: Customer, line_id: int, order_id: int
) -> HttpResponse:
    """Withdraw from a phone paid by card within 14 days of its delivery (CGVAD art. 6)."""
    line = line_or_404(customer, line_id, Market.MOBILE)
    renewal = _renewal_or_404(customer, line, order_id)
    try:
        device_renewal_withdraw_act(
            renewal=renewal,
            logistics=logistics(),
            actor=Actor.customer(request.user),  # type: ignore[arg-type]
            now=timezone.now(),
        )
    except ACT_ERRORS as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _(
                "Your withdrawal is recorded: send the phone back with the return number we"
                " sent you; its payment is refunded to your card once we receive it."
            ),
        )
    return redirect("selfcare:device_renewal", line_id=line.pk)


@customer_view
def device_order_receipt(
    request: HttpRequest, customer: Customer, line_id: int, order_id: int
) -> HttpResponse:
    """The receipt of a phone paid by card (payments.receipts), as a PDF download."""
    line = line_or_404(customer, line_id, Market.MOBILE)
    renewal = next(
        (r for r in renewals_for_line(customer=customer, line=line) if r.order_id == order_id),
        None,
    )
    attempt = device_order_receipt_attempt(renewal=renewal) if renewal is not None else None
    if renewal is None or attempt is None:
        raise Http404
    receipt = device_order_receipt_pdf(renewal=renewal, attempt=attempt)
    response = HttpResponse(receipt.content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{receipt.filename}"'
    return response


@customer_view
def insurance_subscribe(request: HttpRequest, customer: Customer, line_id: int) -> HttpResponse:
    line = line_or_404(customer, line_id, Market.MOBILE)
    phones = insurable_phones(customer=customer, line=line)
    initial: dict[str, Any] = {}
    if phones:
        price = purchase_price_cents(equipment=phones[0])
        initial = {"equipment": phones[0].pk}
        if price is not None:
            initial["purchase_price"] = (Decimal(price) / 100).quantize(Decimal("0.01"))
    form = InsuranceForm(
        request.POST or None,
        initial=initial,
        phones=[(phone.pk, f"{phone.model} (IMEI {phone.imei})") for phone in phones],
    )
    unpaid = False
    recap = None
    if request.method == "POST" and form.is_valid() and not form.cleaned_data["confirm"]:
        value = int(form.cleaned_data["purchase_price"] * 100)
        phone = next(p for p in phones if p.pk == form.cleaned_data["equipment"])
        try:
            insured_value_check(equipment=phone, insured_value_cents=value)
        except DeviceError as error:
            refusal(form, error)
        else:
            recap = {"phone": phone, "value_cents": value, "band": rules.insurance_band(value)}
    elif request.method == "POST" and form.is_valid():
        equipment = next(phone for phone in phones if phone.pk == form.cleaned_data["equipment"])
        try:
            contract = insurance_subscribe_act(
                customer=customer,
                line=line,
                equipment=equipment,
                insured_value_cents=int(form.cleaned_data["purchase_price"] * 100),
                insurer=insurer(),
                actor=Actor.customer(request.user),  # type: ignore[arg-type]
                now=timezone.now(),
            )
        except ACT_ERRORS as error:
            unpaid = refusal(form, error)
        else:
            messages.success(
                request,
                _("Your phone is insured: contract %(reference)s, %(price)s a month.")
                % {
                    "reference": contract.insurer_reference,
                    "price": euros(contract.monthly_price_cents),
                },
            )
            return redirect("selfcare:insurance_subscribe", line_id=line.pk)
    return _render(
        request,
        "selfcare/devices/insurance_subscribe.html",
        {
            "line": line,
            "form": form,
            "phones": phones,
            "bands": rules.insurance_bands(),
            "contracts": insurance_contracts_for_line(customer=customer, line=line),
            "unpaid": unpaid,
            "recap": recap,
        },
    )


@customer_view
def insurance_claim(request: HttpRequest, customer: Customer, line_id: int) -> HttpResponse:
    line = line_or_404(customer, line_id, Market.MOBILE)
    contracts = [
        contract
        for contract in insurance_contracts_for_line(customer=customer, line=line)
        if contract.status == "active"
    ]
    form = InsuranceClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            claim = insurance_claim_declare(
                customer=customer,
                line=line,
                kind=form.cleaned_data["kind"],
                occurred_on=form.cleaned_data["occurred_on"],
                description=form.cleaned_data["description"],
                insurer=insurer(),
                actor=Actor.customer(request.user),  # type: ignore[arg-type]
                now=timezone.now(),
            )
        except ACT_ERRORS as error:
            refusal(form, error)
        else:
            messages.success(
                request,
                _("Your claim is sent to the insurer under no. %(number)s.")
                % {"number": claim.payload["claim_number"]},
            )
            return redirect("selfcare:insurance_claim", line_id=line.pk)
    today = paris_date(timezone.now())
    return _render(
        request,
        "selfcare/devices/insurance_claim.html",
        {
            "line": line,
            "form": form,
            "contracts": contracts,
            "theft_deadline": claim_deadline(today),
            "claims": requests_of_kind(
                customer=customer, line=line, kind=RequestKind.INSURANCE_CLAIM
            ),
            "claim_kinds": CLAIM_KINDS,
        },
    )


@customer_view
def refund_offers(request: HttpRequest, customer: Customer, line_id: int) -> HttpResponse:
    line = line_or_404(customer, line_id)
    earned = refund_purchases(customer=customer, line=line, today=paris_date(timezone.now()))
    form = RefundClaimForm(
        request.POST or None,
        offers=[
            (offer.code, f"{offer.label} ({euros(offer.amount_cents)})") for offer, _ in earned
        ],
    )
    if request.method == "POST" and form.is_valid():
        try:
            refund_claim_submit(
                customer=customer,
                line=line,
                offer_code=form.cleaned_data["offer"],
                iban=form.cleaned_data["iban"],
                actor=Actor.customer(request.user),  # type: ignore[arg-type]
                now=timezone.now(),
            )
        except ACT_ERRORS as error:
            refusal(form, error)
        else:
            messages.success(request, _("Your refund request is sent."))
            return redirect("selfcare:refund_offers", line_id=line.pk)
    return _render(
        request,
        "selfcare/devices/refund_offers.html",
        {
            "line": line,
            "form": form,
            "earned": earned,
            "claims": requests_of_kind(customer=customer, line=line, kind=RequestKind.REFUND_OFFER),
        },
    )
