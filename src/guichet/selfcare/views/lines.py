"""Lignes: one card per line, the offer in detail, and the codes of a line (porting code, PUK,
TV PINs, fibre socket reference)."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.care.actors import Actor
from guichet.customers.models import Customer
from guichet.lines.emergencies import (
    is_fibre_box_line,
    line_has_sim,
    optical_outlet_reference_set,
    porting_code_show,
    puk_show,
    tv_pins_set,
)
from guichet.lines.errors import LineError
from guichet.lines.models import Line
from guichet.lines.selectors import (
    box_details_get,
    line_get_for_customer,
    lines_overview_for_customer,
)
from guichet.lines.selectors import (
    line_detail as line_detail_get,
)
from guichet.selfcare.acts import act_links
from guichet.selfcare.forms.lines import OpticalOutletReferenceForm, TvPinsForm
from guichet.selfcare.reauth import sensitive
from guichet.selfcare.registry import Section, act_get
from guichet.selfcare.views.common import customer_view

# The act behind the pencil next to a line's user name (its page is another part's).
LINE_USER_ACT = "line_user_declare"


def line_or_404(customer: Customer, line_id: int) -> Line:
    line = line_get_for_customer(customer=customer, line_id=line_id)
    if line is None:
        raise Http404
    return line


@customer_view
def lines(request: HttpRequest, customer: Customer) -> HttpResponse:
    overview = lines_overview_for_customer(customer=customer, at=timezone.now())
    cards = []
    for line in overview:
        links = act_links(lines=[line], section=Section.LINES)
        cards.append(
            {
                "line": line,
                "main_offers": [s for s in line.in_force if s.kind in ("plan", "box_offer")],
                "add_ons": [s for s in line.in_force if s.kind not in ("plan", "box_offer")],
                "acts": [
                    link for link in links if link.line is not None and link.act.id != LINE_USER_ACT
                ],
                "user_link": next(
                    (
                        link
                        for link in act_links(lines=[line], acts=[act_get(LINE_USER_ACT)])
                        if link.line is not None
                    ),
                    None,
                ),
            }
        )
    return render(
        request,
        "selfcare/lines/lines.html",
        {
            "cards": cards,
            "holder_name": customer.first_name,
            "section_acts": [
                link
                for link in act_links(lines=overview, section=Section.LINES)
                if link.line is None
            ],
        },
    )


@customer_view
def line_detail(request: HttpRequest, customer: Customer, line_id: int) -> HttpResponse:
    line = line_or_404(customer, line_id)
    detail = line_detail_get(line=line, at=timezone.now())
    return render(
        request,
        "selfcare/lines/line_detail.html",
        {"line": line, "detail": detail, "iccid_end": line.iccid[-4:] if line.iccid else ""},
    )


@customer_view
@sensitive
def porting_code(request: HttpRequest, customer: Customer, line_id: int) -> HttpResponse:
    line = line_or_404(customer, line_id)
    rio, refusal = "", ""
    try:
        rio = porting_code_show(line=line, actor=Actor.customer(request.user), now=timezone.now())
    except LineError as error:
        refusal = error.message
    return render(
        request,
        "selfcare/lines/porting_code.html",
        {"line": line, "rio": rio, "refusal": refusal},
    )


@customer_view
@sensitive
def puk(request: HttpRequest, customer: Customer, line_id: int) -> HttpResponse:
    line = line_or_404(customer, line_id)
    code = ""
    if line_has_sim(line):
        code = puk_show(line=line, actor=Actor.customer(request.user), now=timezone.now())
    return render(request, "selfcare/lines/puk.html", {"line": line, "puk": code})


@customer_view
@sensitive
def tv_pins(request: HttpRequest, customer: Customer, line_id: int) -> HttpResponse:
    line = line_or_404(customer, line_id)
    form = TvPinsForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            tv_pins_set(
                line=line,
                parental_pin=form.cleaned_data["parental_pin"],
                purchase_pin=form.cleaned_data["purchase_pin"],
                actor=Actor.customer(request.user),
                now=timezone.now(),
            )
        except LineError as error:
            form.add_error(error.extra.get("field"), error.message)
        else:
            messages.success(request, _("Your TV codes are changed."))
            return redirect("selfcare:tv_pins", line_id=line.pk)
    return render(
        request,
        "selfcare/lines/tv_pins.html",
        {"line": line, "form": form, "details": box_details_get(line=line)},
        status=400 if form.errors else 200,
    )


@customer_view
def optical_outlet_reference(
    request: HttpRequest, customer: Customer, line_id: int
) -> HttpResponse:
    line = line_or_404(customer, line_id)
    form = OpticalOutletReferenceForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            optical_outlet_reference_set(
                line=line,
                reference=form.cleaned_data["reference"],
                actor=Actor.customer(request.user),
                now=timezone.now(),
            )
        except LineError as error:
            form.add_error("reference", error.message)
        else:
            messages.success(request, _("The reference of your fibre socket is recorded."))
            return redirect("selfcare:optical_outlet_reference", line_id=line.pk)
    return render(
        request,
        "selfcare/lines/optical_outlet_reference.html",
        {
            "line": line,
            "form": form,
            "details": box_details_get(line=line),
            "fibre": is_fibre_box_line(line),
        },
        status=400 if form.errors else 200,
    )
