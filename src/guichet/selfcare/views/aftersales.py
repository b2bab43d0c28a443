"""After-sales: the guided diagnostic, repairs (SAV and express), incident tickets, network
status (Urgence & dépannage; Compte > suivi; Accueil > météo du réseau)."""

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guichet.care.actors import Actor
from guichet.care.errors import CareError
from guichet.care.models import TicketSeverity, TicketStatus, TicketType
from guichet.care.rules import TICKET_CUSTOMER_TRANSITIONS
from guichet.care.selectors import ticket_get_for_customer, tickets_for_customer
from guichet.care.services import ticket_add_note, ticket_advance, ticket_open
from guichet.catalog.models import Market
from guichet.catalog.rendering import euros
from guichet.customers.models import Customer
from guichet.customers.selectors import addresses_for_customer
from guichet.devices import diagnostic as tree
from guichet.devices.partners import EXPRESS_QUOTES_CENTS, repairer
from guichet.devices.selectors import (
    incidents_for_postcodes,
    incidents_search,
    repairs_for_customer,
)
from guichet.devices.services import REPAIR_FAULTS, express_repair_book, repair_deposit
from guichet.lines.selectors import lines_for_customer
from guichet.selfcare.forms.devices import (
    TICKET_CATEGORIES,
    ExpressRepairForm,
    PostcodeForm,
    RepairDepositForm,
    TicketForm,
    TicketNoteForm,
)
from guichet.selfcare.views.common import customer_view
from guichet.selfcare.views.devices import ACT_ERRORS, line_or_404, refusal


def _next_step_url(page: str, line_id: int) -> str | None:
    """The URL of a diagnostic result's next step: a line page, else an account page; None
    while that page is not served (no dead link)."""
    for kwargs in ({"line_id": line_id}, {}):
        try:
            return reverse(f"selfcare:{page}", kwargs=kwargs)
        except NoReverseMatch:
            continue
    return None


@customer_view
def diagnostic(request: HttpRequest, customer: Customer, line_id: int) -> HttpResponse:
    line = line_or_404(customer, line_id)
    kind = tree.Kind.MOBILE if line.market == Market.MOBILE else tree.Kind.BOX
    raw = request.GET.get("path", "")
    path = tuple(key for key in raw.split(".") if key)
    try:
        node, passed = tree.walk(kind, path)
    except KeyError:
        raise Http404 from None
    answers = [(answer, ".".join((*path, answer.key))) for answer in node.answers]
    steps = list(zip(passed, path, strict=True))
    return render(
        request,
        "selfcare/aftersales/diagnostic.html",
        {
            "line": line,
            "node": node,
            "answers": answers,
            "steps": [(step, _answer_label(step, key)) for step, key in steps],
            "back": ".".join(path[:-1]) if path else None,
            "next_url": _next_step_url(node.next_page, line.pk) if node.next_page else None,
        },
    )


def _answer_label(node: tree.Node, key: str) -> str:
    return next(answer.label for answer in node.answers if answer.key == key)


@customer_view
def express_repair(request: HttpRequest, customer: Customer, line_id: int) -> HttpResponse:
    line = line_or_404(customer, line_id, Market.MOBILE)
    partner = repairer()
    now = timezone.now()
    slots = {at.isoformat(): (shop, at) for shop, at in partner.express_slots(now=now)}
    faults = [
        (code, f"{REPAIR_FAULTS[code]} ({euros(EXPRESS_QUOTES_CENTS[code])})")
        for code in EXPRESS_QUOTES_CENTS
    ]
    form = ExpressRepairForm(
        request.POST or None,
        faults=faults,
        slots=[
            (key, f"{timezone.localtime(at):%d/%m/%Y %H:%M} – {shop}")
            for key, (shop, at) in slots.items()
        ],
    )
    if request.method == "POST" and form.is_valid():
        try:
            repair = express_repair_book(
                customer=customer,
                line=line,
                fault=form.cleaned_data["fault"],
                slot=datetime.fromisoformat(form.cleaned_data["slot"]),
                repairer=partner,
                actor=Actor.customer(request.user),  # type: ignore[arg-type]
                now=now,
            )
        except ACT_ERRORS as error:
            refusal(form, error)
        else:
            messages.success(
                request,
                _("Your express repair is booked: reference %(reference)s.")
                % {"reference": repair.repairer_reference},
            )
            return redirect("selfcare:repairs")
    return render(
        request,
        "selfcare/aftersales/express_repair.html",
        {"line": line, "form": form},
        status=400 if form.errors else 200,
    )


@customer_view
def repairs(request: HttpRequest, customer: Customer) -> HttpResponse:
    lines = [line for line in lines_for_customer(customer=customer) if line.status != "terminated"]
    form = RepairDepositForm(
        request.POST or None, lines=[(line.pk, line.display_number) for line in lines]
    )
    if request.method == "POST" and form.is_valid():
        line = next(line for line in lines if line.pk == form.cleaned_data["line"])
        try:
            repair = repair_deposit(
                customer=customer,
                line=line,
                device=form.cleaned_data["device"],
                fault=form.cleaned_data["fault"],
                repairer=repairer(),
                actor=Actor.customer(request.user),  # type: ignore[arg-type]
                now=timezone.now(),
            )
        except ACT_ERRORS as error:
            refusal(form, error)
        else:
            messages.success(
                request,
                _("Your device is registered for repair: reference %(reference)s.")
                % {"reference": repair.repairer_reference},
            )
            return redirect("selfcare:repairs")
    return render(
        request,
        "selfcare/aftersales/repairs.html",
        {"form": form, "repairs": repairs_for_customer(customer=customer)},
        status=400 if form.errors else 200,
    )


def _lines_choices(customer: Customer) -> list[tuple[int, str]]:
    return [
        (line.pk, f"{line.display_number} ({line.get_market_display()})")
        for line in lines_for_customer(customer=customer)
    ]


@customer_view
def tickets(request: HttpRequest, customer: Customer) -> HttpResponse:
    lines = {line.pk: line for line in lines_for_customer(customer=customer)}
    form = TicketForm(request.POST or None, lines=_lines_choices(customer))
    if request.method == "POST" and form.is_valid():
        ticket_type, severity = TICKET_CATEGORIES[form.cleaned_data["category"]]
        try:
            ticket = ticket_open(
                customer=customer,
                ticket_type=TicketType(ticket_type),
                severity=TicketSeverity(severity),
                description=form.cleaned_data["description"],
                line=lines.get(form.cleaned_data["line"]) if form.cleaned_data["line"] else None,
                actor=Actor.customer(request.user),  # type: ignore[arg-type]
                now=timezone.now(),
            )
        except ACT_ERRORS as error:
            refusal(form, error)
        else:
            messages.success(
                request, _("Incident no. %(ticket)s is recorded.") % {"ticket": ticket.pk}
            )
            return redirect("selfcare:ticket_detail", ticket_id=ticket.pk)
    return render(
        request,
        "selfcare/aftersales/tickets.html",
        {"form": form, "tickets": tickets_for_customer(customer=customer)},
        status=400 if form.errors else 200,
    )


# What the customer may do on a ticket, from care.rules.TICKET_CUSTOMER_TRANSITIONS.
_TICKET_ACTIONS = {
    TicketStatus.CLOSED: gettext_lazy("Confirm it is solved"),
    TicketStatus.IN_PROGRESS: gettext_lazy("It is not solved"),
    TicketStatus.CANCELLED: gettext_lazy("Cancel the incident"),
}


@customer_view
def ticket_detail(request: HttpRequest, customer: Customer, ticket_id: int) -> HttpResponse:
    ticket = ticket_get_for_customer(customer=customer, ticket_id=ticket_id)
    if ticket is None:
        raise Http404
    actor = Actor.customer(request.user)  # type: ignore[arg-type]
    form = TicketNoteForm(request.POST if "text" in request.POST else None)
    error: str | None = None
    if request.method == "POST":
        try:
            if "to_status" in request.POST:
                ticket_advance(
                    ticket=ticket,
                    to_status=TicketStatus(request.POST["to_status"]),
                    actor=actor,
                    now=timezone.now(),
                    note=request.POST.get("note", ""),
                )
                return redirect("selfcare:ticket_detail", ticket_id=ticket.pk)
            if form.is_valid():
                ticket_add_note(
                    ticket=ticket, text=form.cleaned_data["text"], actor=actor, now=timezone.now()
                )
                return redirect("selfcare:ticket_detail", ticket_id=ticket.pk)
        except (CareError, ValueError) as refused:
            error = getattr(refused, "message", _("This change is not possible."))
    actions: list[dict[str, Any]] = [
        {"status": to_status, "label": label}
        for to_status, label in _TICKET_ACTIONS.items()
        if (TicketStatus(ticket.status), to_status) in TICKET_CUSTOMER_TRANSITIONS
    ]
    return render(
        request,
        "selfcare/aftersales/ticket_detail.html",
        {
            "ticket": ticket,
            "notes": list(ticket.notes.all()),
            "form": form,
            "actions": actions,
            "error": error,
            "open": ticket.status not in (TicketStatus.CLOSED, TicketStatus.CANCELLED),
        },
        status=400 if error or form.errors else 200,
    )


@customer_view
def network_status(request: HttpRequest, customer: Customer) -> HttpResponse:
    addresses = addresses_for_customer(customer=customer)
    postcodes = sorted({address.postcode for address in addresses if address.postcode})
    form = PostcodeForm(request.GET if "postcode" in request.GET else None)
    searched = None
    if form.is_bound and form.is_valid():
        searched = incidents_search(postcode=form.cleaned_data["postcode"])
    return render(
        request,
        "selfcare/aftersales/network_status.html",
        {
            "postcodes": postcodes,
            "incidents": incidents_for_postcodes(postcodes=postcodes),
            "form": form,
            "searched": searched,
        },
        status=400 if form.is_bound and form.errors else 200,
    )
