"""Urgences et dépannage: loss or theft, the replacement SIM and its activation, lifting the
suspension when the device is found, the unlock code."""

from datetime import date

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.care.actors import Actor
from guichet.care.errors import CareError
from guichet.care.models import RequestStatus
from guichet.catalog.models import Market
from guichet.customers.models import Customer
from guichet.lines.emergencies import (
    LossTheftDeclaration,
    line_has_sim,
    loss_theft_declare,
    loss_theft_lift,
    loss_theft_lift_refusal,
    sim_replacement_activate,
    sim_replacement_order,
    sim_replacement_price_cents,
    unlock_code_collect,
    unlock_code_request,
    unlock_code_request_for_line,
    unlockable_phones,
)
from guichet.lines.errors import LineError
from guichet.lines.models import LineStatus
from guichet.lines.rules import OUTGOING_ONLY_SUSPENSION_REASONS
from guichet.lines.selectors import sim_swap_pending, sim_swaps_for_line
from guichet.selfcare.forms.lines import LossTheftForm, SimActivationForm, UnlockCodeForm
from guichet.selfcare.views.common import customer_view
from guichet.selfcare.views.lines import line_or_404

_DECLARATION_SESSION_KEY = "guichet_loss_theft_declaration"


@customer_view
def loss_theft(request: HttpRequest, customer: Customer, line_id: int) -> HttpResponse:
    line = line_or_404(customer, line_id)
    form = LossTheftForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            declaration = loss_theft_declare(
                line=line,
                reason=form.cleaned_data["reason"],
                actor=Actor.customer(request.user),
                now=timezone.now(),
            )
        except LineError as error:
            form.add_error(None, error.message)
        else:
            _remember(request, declaration)
            return redirect("selfcare:loss_theft", line_id=line.pk)
    declared = _remembered(request, line.pk)
    return render(
        request,
        "selfcare/emergencies/loss_theft.html",
        {
            "line": line,
            "form": form,
            "has_sim": line_has_sim(line),
            "declared": declared if line.status == LineStatus.SUSPENDED else None,
            # Barred wholly already; a line barred for outgoing usage only can still be.
            "suspended": line.status == LineStatus.SUSPENDED
            and line.suspension_reason not in OUTGOING_ONLY_SUSPENSION_REASONS,
            "mobile": line.market == Market.MOBILE,
        },
        status=400 if form.errors else 200,
    )


def _remember(request: HttpRequest, declaration: LossTheftDeclaration) -> None:
    # The next page (after the redirect) shows the steps that follow this declaration.
    declared = dict(request.session.get(_DECLARATION_SESSION_KEY, {}))
    declared[str(declaration.line.pk)] = {
        "reason": declaration.reason,
        "insurer_deadline": (
            declaration.insurer_deadline.isoformat() if declaration.insurer_deadline else ""
        ),
    }
    request.session[_DECLARATION_SESSION_KEY] = declared


def _remembered(request: HttpRequest, line_id: int) -> dict[str, object] | None:
    remembered = request.session.get(_DECLARATION_SESSION_KEY, {}).get(str(line_id))
    if remembered is None:
        return None
    deadline = remembered["insurer_deadline"]
    return {
        "reason": remembered["reason"],
        "insurer_deadline": date.fromisoformat(deadline) if deadline else None,
    }


@customer_view
def sim_replacement(request: HttpRequest, customer: Customer, line_id: int) -> HttpResponse:
    line = line_or_404(customer, line_id)
    error_message = ""
    if request.method == "POST":
        try:
            sim_replacement_order(line=line, actor=Actor.customer(request.user), now=timezone.now())
        except (LineError, CareError) as error:
            error_message = error.message
        else:
            messages.success(request, _("Your replacement SIM card is on its way."))
            return redirect("selfcare:sim_replacement", line_id=line.pk)
    mobile = line.market == Market.MOBILE
    return render(
        request,
        "selfcare/emergencies/sim_replacement.html",
        {
            "line": line,
            "mobile": mobile,
            "pending": sim_swap_pending(line=line),
            "swaps": sim_swaps_for_line(line=line),
            "price_cents": sim_replacement_price_cents(line=line, channel="selfcare")
            if mobile
            else None,
            "error_message": error_message,
        },
        status=400 if error_message else 200,
    )


@customer_view
def sim_activation(request: HttpRequest, customer: Customer, line_id: int) -> HttpResponse:
    line = line_or_404(customer, line_id)
    form = SimActivationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            sim_replacement_activate(
                line=line,
                iccid=form.cleaned_data["iccid"],
                actor=Actor.customer(request.user),
                now=timezone.now(),
            )
        except LineError as error:
            form.add_error("iccid", error.message)
        else:
            messages.success(
                request, _("Your new SIM card is active; the old one no longer works.")
            )
            return redirect("selfcare:sim_activation", line_id=line.pk)
    return render(
        request,
        "selfcare/emergencies/sim_activation.html",
        {"line": line, "form": form, "pending": sim_swap_pending(line=line)},
        status=400 if form.errors else 200,
    )


@customer_view
def suspension_lift(request: HttpRequest, customer: Customer, line_id: int) -> HttpResponse:
    line = line_or_404(customer, line_id)
    error_message = ""
    if request.method == "POST":
        try:
            loss_theft_lift(line=line, actor=Actor.customer(request.user), now=timezone.now())
        except LineError as error:
            error_message = error.message
        else:
            messages.success(
                request,
                _("Your line works again.")
                if line.status == LineStatus.ACTIVE
                else _(
                    "Your line is no longer barred for loss or theft. Its outgoing usage stays"
                    " suspended until the amount due is paid."
                ),
            )
            return redirect("selfcare:suspension_lift", line_id=line.pk)
    return render(
        request,
        "selfcare/emergencies/suspension_lift.html",
        {
            "line": line,
            "refusal": loss_theft_lift_refusal(line),
            "unpaid": line.suspension_reason == "unpaid",
            "error_message": error_message,
        },
        status=400 if error_message else 200,
    )


@customer_view
def unlock_code(request: HttpRequest, customer: Customer, line_id: int) -> HttpResponse:
    line = line_or_404(customer, line_id)
    phones = unlockable_phones(line=line)
    form = UnlockCodeForm(request.POST if request.method == "POST" else None, phones=phones)
    if request.method == "POST" and form.is_valid():
        chosen = next(phone for phone in phones if phone.pk == form.cleaned_data["equipment"])
        try:
            opened = unlock_code_request(
                line=line, equipment=chosen, actor=Actor.customer(request.user), now=timezone.now()
            )
        except (LineError, CareError) as error:
            form.add_error(None, error.message)
        else:
            # The maker is asked once the request is recorded, outside its transaction.
            unlock_code_collect(request=opened, now=timezone.now())
            return redirect("selfcare:unlock_code", line_id=line.pk)
    last = unlock_code_request_for_line(line=line)
    if last is not None and last.status == RequestStatus.IN_PROGRESS and request.method == "GET":
        last = unlock_code_collect(request=last, now=timezone.now())
    return render(
        request,
        "selfcare/emergencies/unlock_code.html",
        {"line": line, "form": form, "phones": phones, "last": last},
        status=400 if form.errors else 200,
    )
