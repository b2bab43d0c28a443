"""Offer management pages: options, top-ups, offer changes, termination and its cancellation,
withdrawal, line transfer, number change, box move and the equipment return slip.

Every act posts twice: without `confirm` the page shows what will happen (prices, fees, dates);
with it, the service does the act. A refusal re-renders the page with the message (status 400),
and what was typed stays in the form.
"""

from datetime import date, datetime
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from guichet.billing.errors import BillingError
from guichet.care.actors import Actor
from guichet.care.errors import CareError
from guichet.catalog.models import Market, Product, ProductKind
from guichet.catalog.selectors import (
    option_due_whole_month,
    options_for_plan,
    product_get,
    top_ups_for_plan,
)
from guichet.customers.models import Customer
from guichet.customers.rules import paris_date
from guichet.lines import offer_rules
from guichet.lines import offer_services as offer
from guichet.lines.errors import SubscriptionError
from guichet.lines.models import Line, Subscription
from guichet.lines.selectors import (
    active_plan,
    contract_first_starts,
    line_get_for_customer,
    subscriptions_for_line,
)
from guichet.selfcare.forms.offer import (
    AddOnForm,
    BoxMoveForm,
    LineTransferForm,
    NumberChangeForm,
    OfferChoiceForm,
    TerminationForm,
    TransferAcceptForm,
)
from guichet.selfcare.views.common import customer_view
from guichet.usage.selectors import line_usage

# The refusals a service may raise: each carries a French `message` naming what is wrong.
REFUSALS = (offer.OfferError, SubscriptionError, CareError, BillingError)


def _line(customer: Customer, line_id: int, market: str | None = None) -> Line:
    line = line_get_for_customer(customer=customer, line_id=line_id)
    if line is None or (market is not None and line.market != market):
        raise Http404
    return line


def _actor(request: HttpRequest) -> Actor:
    return Actor.customer(request.user)  # type: ignore[arg-type]


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], *, error: Any = None
) -> HttpResponse:
    if error is not None:
        context["error"] = error.message
        context["unpaid"] = isinstance(error, BillingError)
    status = (
        400
        if error is not None
        or any(
            getattr(form, "errors", None) for form in context.values() if hasattr(form, "is_bound")
        )
        else 200
    )
    return render(request, f"selfcare/offer/{template}", context, status=status)


# Options and bonuses --------------------------------------------------------------------------


def _free_until(product: Product, first_starts: dict[str, datetime], today: date) -> date | None:
    """The last day of the product's free months on this line (« Premier mois offert », once
    per line: from the first day its contract had it), while they run."""
    first = first_starts.get(product.code)
    last = offer_rules.free_months_last_day(
        free_months=int(product.details.get("free_months", 0)),
        first_day=paris_date(first) if first else None,
        today=today,
    )
    return last if last is not None and last >= today else None


def _add_on_rows(line: Line, now: Any, first_starts: dict[str, datetime]) -> list[dict[str, Any]]:
    rows = []
    for subscription in subscriptions_for_line(line=line):
        if subscription.kind not in (ProductKind.OPTION, ProductKind.BONUS):
            continue
        rows.append(
            {
                "subscription": subscription,
                "product": subscription.product,
                "free_until": _free_until(subscription.product, first_starts, paris_date(now)),
                "renews_on": offer_rules.next_period_start(paris_date(now))
                if subscription.ends_at is None
                else None,
            }
        )
    return rows


@customer_view
def add_ons(request: HttpRequest, customer: Customer, line_id: int) -> HttpResponse:
    line = _line(customer, line_id)
    now = timezone.now()
    plan = active_plan(line=line)
    first_starts = contract_first_starts(line=line)
    active = _add_on_rows(line, now, first_starts)
    held = {row["product"].code for row in active}
    available = (
        [
            (product, _free_until(product, first_starts, paris_date(now)))
            for product in options_for_plan(plan=plan.product)
            if product.code not in held
        ]
        if plan is not None
        else []
    )
    context: dict[str, Any] = {"line": line, "active": active, "available": available}
    if request.method != "POST":
        return _page(request, "add_ons.html", context)
    form = AddOnForm(request.POST)
    if not form.is_valid():
        return _page(request, "add_ons.html", {**context, "form": form})
    data = form.cleaned_data
    subscription: Subscription | None = None
    product = None
    if data["action"] == "subscribe":
        product = product_get(code=data["code"] or "")
        if product is None or product.kind not in (ProductKind.OPTION, ProductKind.BONUS):
            raise Http404
    else:
        subscription = next(
            (
                row["subscription"]
                for row in active
                if row["subscription"].pk == data["subscription"]
            ),
            None,
        )
        if subscription is None:
            raise Http404
    if not data["confirm"]:
        chosen = product if subscription is None else subscription.product
        assert chosen is not None
        confirm = {
            "action": data["action"],
            "product": product,
            "subscription": subscription,
            "whole_month": option_due_whole_month(product=chosen),
        }
        if subscription is not None:
            confirm["ends_at"] = offer.add_on_end_instant(subscription=subscription, now=now)
        else:
            assert product is not None
            confirm["free_months"] = product.details.get("free_months", 0)
            confirm["free_until"] = _free_until(product, first_starts, paris_date(now))
            confirm["change_effect"] = product.details.get("change_effect", "immediate")
        return _page(request, "add_ons.html", {**context, "confirm": confirm})
    try:
        if product is not None:
            offer.add_on_subscribe(line=line, product=product, actor=_actor(request), now=now)
        else:
            assert subscription is not None
            offer.add_on_cancel(subscription=subscription, actor=_actor(request), now=now)
    except REFUSALS as error:
        return _page(request, "add_ons.html", context, error=error)
    return redirect("selfcare:add_ons", line_id=line.pk)


# Top-ups --------------------------------------------------------------------------------------


@customer_view
def top_ups(request: HttpRequest, customer: Customer, line_id: int) -> HttpResponse:
    line = _line(customer, line_id)
    plan = active_plan(line=line)
    products = list(top_ups_for_plan(plan=plan.product)) if plan is not None else []
    throttled = False
    if line.market == Market.MOBILE:
        throttled = line_usage(
            line=line, period_start=paris_date(timezone.now()).replace(day=1)
        ).throttled
    restorations = [p for p in products if p.details.get("category") == "speed_restoration"]
    others = [p for p in products if p not in restorations]
    return _page(
        request,
        "top_ups.html",
        {"line": line, "restorations": restorations, "top_ups": others, "throttled": throttled},
    )


# Offer changes --------------------------------------------------------------------------------


def _commitment_running(line: Line, now: datetime) -> date | None:
    """The end of the line's commitment, while it is still to come."""
    end = line.commitment_end_date
    return end if end is not None and end >= paris_date(now) else None


def _offer_change(
    request: HttpRequest, customer: Customer, line_id: int, market: str, url_name: str
) -> HttpResponse:
    line = _line(customer, line_id, market)
    now = timezone.now()
    current = active_plan(line=line)
    current_price = (current.product.price_cents or 0) if current else 0
    offers = [
        {"product": product, "difference_cents": (product.price_cents or 0) - current_price}
        for product in offer.offers_for_change(line=line)
    ]
    context: dict[str, Any] = {
        "line": line,
        "current": current,
        "offers": offers,
        "effective_date": offer.offer_change_effective_date(now=now),
        "commitment_end": _commitment_running(line, now),
        "url_name": url_name,
    }
    if request.method != "POST":
        return _page(request, "offer_change.html", context)
    form = OfferChoiceForm(request.POST)
    chosen = next(
        (
            row
            for row in offers
            if form.is_valid() and row["product"].code == form.cleaned_data["code"]
        ),
        None,
    )
    if chosen is None:
        return _page(
            request,
            "offer_change.html",
            {**context, "form_error": True},
            error=_Message("Choisissez une des offres proposées."),
        )
    if not form.cleaned_data["confirm"]:
        return _page(request, "offer_change.html", {**context, "chosen": chosen})
    try:
        offer.offer_change(line=line, product=chosen["product"], actor=_actor(request), now=now)
    except REFUSALS as error:
        return _page(request, "offer_change.html", {**context, "chosen": chosen}, error=error)
    return _page(request, "offer_change.html", {**context, "done": chosen})


class _Message:
    def __init__(self, message: str) -> None:
        self.message = message


@customer_view
def plan_change(request: HttpRequest, customer: Customer, line_id: int) -> HttpResponse:
    return _offer_change(request, customer, line_id, Market.MOBILE, "selfcare:plan_change")


@customer_view
def box_offer_change(request: HttpRequest, customer: Customer, line_id: int) -> HttpResponse:
    return _offer_change(request, customer, line_id, Market.FIXED, "selfcare:box_offer_change")


# Termination, cancellation, withdrawal --------------------------------------------------------


@customer_view
def termination(request: HttpRequest, customer: Customer, line_id: int) -> HttpResponse:
    line = _line(customer, line_id)
    now = timezone.now()
    reasons = offer.legitimate_reasons()
    pending = offer.termination_pending(line=line)
    context: dict[str, Any] = {
        "line": line,
        "pending": pending,
        "reasons": reasons,
        "quote": offer.termination_quote(line=line, legitimate_reason=False, now=now),
        "terminated": line.status == "terminated",
    }
    withdrawal_deadline = offer.withdrawal_quote(line=line, now=now)[0]
    context["withdrawal_open"] = (
        withdrawal_deadline is None or paris_date(now) <= withdrawal_deadline
    )
    context["withdrawal_deadline"] = withdrawal_deadline
    form = TerminationForm(request.POST or None, request.FILES or None, reasons=reasons)
    context["form"] = form
    if request.method != "POST" or pending is not None or context["terminated"]:
        return _page(request, "termination.html", context)
    if not form.is_valid():
        return _page(request, "termination.html", context)
    reason = form.cleaned_data["legitimate_reason"]
    proof = form.proof_filename()
    if not form.cleaned_data["confirm"]:
        if reason and not proof:
            return _page(
                request,
                "termination.html",
                context,
                error=_Message("Joignez le justificatif de votre motif légitime (CGS 8.1)."),
            )
        context["confirm"] = {
            "quote": offer.termination_quote(line=line, legitimate_reason=bool(reason), now=now),
            "reason": reasons.get(reason, ""),
            "reason_code": reason,
            "proof": proof,
        }
        return _page(request, "termination.html", context)
    try:
        offer.termination_request(
            line=line, actor=_actor(request), now=now, legitimate_reason=reason, proof_name=proof
        )
    except REFUSALS as error:
        return _page(request, "termination.html", context, error=error)
    return redirect("selfcare:termination", line_id=line.pk)


@customer_view
def termination_cancel(request: HttpRequest, customer: Customer, line_id: int) -> HttpResponse:
    line = _line(customer, line_id)
    pending = offer.termination_pending(line=line)
    context: dict[str, Any] = {"line": line, "pending": pending}
    if pending is not None:
        context["termination_date"] = date.fromisoformat(pending.payload["termination_date"])
    if request.method != "POST":
        return _page(request, "termination_cancel.html", context)
    try:
        offer.termination_cancel(line=line, actor=_actor(request), now=timezone.now())
    except REFUSALS as error:
        return _page(request, "termination_cancel.html", context, error=error)
    return _page(
        request, "termination_cancel.html", {"line": line, "pending": None, "cancelled": True}
    )


@customer_view
def withdrawal(request: HttpRequest, customer: Customer, line_id: int) -> HttpResponse:
    line = _line(customer, line_id)
    now = timezone.now()
    deadline, prorata = offer.withdrawal_quote(line=line, now=now)
    context: dict[str, Any] = {
        "line": line,
        "deadline": deadline,
        "prorata_cents": prorata,
        "open": (deadline is None or paris_date(now) <= deadline) and line.status != "terminated",
        "terminated": line.status == "terminated",
    }
    if request.method != "POST":
        return _page(request, "withdrawal.html", context)
    if not request.POST.get("confirm"):
        return _page(request, "withdrawal.html", {**context, "confirming": True})
    try:
        offer.withdrawal(line=line, actor=_actor(request), now=now)
    except REFUSALS as error:
        return _page(request, "withdrawal.html", context, error=error)
    return _page(request, "withdrawal.html", {**context, "open": False, "done": True})


# Line transfer --------------------------------------------------------------------------------


@customer_view
def line_transfer(request: HttpRequest, customer: Customer, line_id: int) -> HttpResponse:
    line = _line(customer, line_id)
    from guichet.care.models import OPEN_REQUEST_STATUSES, Request, RequestKind

    pending = Request.objects.filter(
        line=line, kind=RequestKind.LINE_TRANSFER, status__in=OPEN_REQUEST_STATUSES
    ).first()
    form = LineTransferForm(request.POST or None)
    context: dict[str, Any] = {"line": line, "form": form, "pending": pending}
    if request.method != "POST" or pending is not None or not form.is_valid():
        return _page(request, "line_transfer.html", context)
    if not form.cleaned_data["confirm"]:
        return _page(request, "line_transfer.html", {**context, "confirming": True})
    data = form.cleaned_data
    try:
        offer.line_transfer_request(
            line=line,
            transferee_name=data["transferee_name"],
            transferee_email=data["transferee_email"],
            transferee_birth_date=data["transferee_birth_date"],
            documents=form.documents(),
            accept_url=lambda token: request.build_absolute_uri(
                reverse("selfcare:line_transfer_accept", kwargs={"token": token})
            ),
            actor=_actor(request),
            now=timezone.now(),
        )
    except REFUSALS as error:
        return _page(request, "line_transfer.html", context, error=error)
    return redirect("selfcare:line_transfer", line_id=line.pk)


def line_transfer_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The new holder's page (no login: they may not be a customer yet)."""
    transfer = offer.line_transfer_for_token(token=token)
    if transfer is None:
        raise Http404
    form = TransferAcceptForm(request.POST or None)
    context: dict[str, Any] = {"transfer": transfer, "form": form}
    if request.method != "POST" or not form.is_valid():
        return _page(request, "line_transfer_accept.html", context)
    try:
        offer.line_transfer_accept(
            request=transfer, code=form.cleaned_data["code"], now=timezone.now()
        )
    except REFUSALS as error:
        return _page(request, "line_transfer_accept.html", context, error=error)
    return _page(request, "line_transfer_accept.html", {**context, "accepted": True})


# Number change, box move, return slip ---------------------------------------------------------


@customer_view
def number_change(request: HttpRequest, customer: Customer, line_id: int) -> HttpResponse:
    line = _line(customer, line_id, Market.MOBILE)
    now = timezone.now()
    candidates = offer.number_change_candidates(line=line, now=now)
    context: dict[str, Any] = {
        "line": line,
        "candidates": [(number, Line(msisdn=number).display_number) for number in candidates],
        "fee_cents": 1000,
    }
    if request.method != "POST":
        return _page(request, "number_change.html", context)
    form = NumberChangeForm(request.POST)
    number = form.cleaned_data["number"] if form.is_valid() else ""
    if number not in candidates:
        return _page(
            request,
            "number_change.html",
            context,
            error=_Message("Choisissez l'un des numéros proposés."),
        )
    if not form.cleaned_data["confirm"]:
        return _page(
            request,
            "number_change.html",
            {**context, "chosen": number, "chosen_display": Line(msisdn=number).display_number},
        )
    try:
        offer.number_change(line=line, new_msisdn=number, actor=_actor(request), now=now)
    except REFUSALS as error:
        return _page(request, "number_change.html", context, error=error)
    return redirect("selfcare:number_change", line_id=line.pk)


@customer_view
def box_move(request: HttpRequest, customer: Customer, line_id: int) -> HttpResponse:
    line = _line(customer, line_id, Market.FIXED)
    from guichet.care.models import OPEN_REQUEST_STATUSES, Request, RequestKind

    pending = Request.objects.filter(
        line=line, kind=RequestKind.MOVE, status__in=OPEN_REQUEST_STATUSES
    ).first()
    form = BoxMoveForm(request.POST or None)
    context: dict[str, Any] = {"line": line, "form": form, "pending": pending}
    if request.method != "POST" or pending is not None or not form.is_valid():
        return _page(request, "box_move.html", context)
    data = form.cleaned_data
    if not data["confirm"]:
        try:
            eligibility = offer_rules.move_eligibility(data["postcode"])
        except ValueError as invalid:
            return _page(request, "box_move.html", context, error=_Message(str(invalid)))
        return _page(
            request,
            "box_move.html",
            {**context, "eligibility": eligibility},
            error=None
            if eligibility.eligible
            else _Message(f"{eligibility.message} {offer.NOT_ELIGIBLE_HINT}"),
        )
    try:
        offer.box_move_request(
            line=line,
            street=data["street"],
            postcode=data["postcode"],
            city=data["city"],
            move_date=data["move_date"],
            actor=_actor(request),
            now=timezone.now(),
        )
    except REFUSALS as error:
        return _page(request, "box_move.html", context, error=error)
    return redirect("selfcare:box_move", line_id=line.pk)


@customer_view
def return_slip(request: HttpRequest, customer: Customer, line_id: int) -> HttpResponse:
    line = _line(customer, line_id, Market.FIXED)
    pending = offer.equipment_return_pending(line=line)
    equipment = list(line.equipment.held().filter(ownership="rented"))
    context: dict[str, Any] = {
        "line": line,
        "customer": customer,
        "pending": pending,
        "equipment": equipment,
        "address": offer_rules.EQUIPMENT_RETURN_ADDRESS,
        "deadline": date.fromisoformat(pending.payload["return_deadline"]) if pending else None,
    }
    if pending is None or request.GET.get("format") != "pdf":
        return _page(request, "return_slip.html", context)
    html = render_to_string("selfcare/offer/return_slip_pdf.html", context)
    pdf = HTML(
        string=html, url_fetcher=URLFetcher(allowed_protocols=(), fail_on_errors=True)
    ).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="bon-de-retour-{pending.pk}.pdf"'
    return response
