"""Compte: following orders and requests (démarches), and the message thread with an advisor."""

from django.contrib import messages as flash
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.care.actors import Actor
from guichet.care.errors import CareError
from guichet.care.models import Order, OrderKind, OrderStatus, RequestStatus
from guichet.care.selectors import (
    activities_for_subject,
    advisor_thread_for_customer,
    order_get_for_customer,
    orders_for_customer,
    request_get_for_customer,
    requests_for_customer,
)
from guichet.care.services import advisor_message_post
from guichet.customers.models import Customer
from guichet.devices.selectors import orders_awaiting_card_payment
from guichet.lines.selectors import sim_swap_pending
from guichet.selfcare.forms.account import AdvisorMessageForm
from guichet.selfcare.views.common import customer_view

# The steps an order goes through, in order, for the progress list of its page.
ORDER_STEPS = (
    OrderStatus.RECEIVED,
    OrderStatus.IN_PREPARATION,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
)
REQUEST_STEPS = (RequestStatus.SUBMITTED, RequestStatus.IN_PROGRESS, RequestStatus.COMPLETED)


def _steps(steps: tuple[str, ...], status: str) -> list[tuple[str, str]]:
    """Each step with "done", "current" or "todo"; a cancelled or rejected one has no step."""
    if status not in steps:
        return []
    reached = steps.index(status)
    return [
        (
            step.label,  # type: ignore[attr-defined]
            "done" if index < reached else "current" if index == reached else "todo",
        )
        for index, step in enumerate(steps)
    ]


@customer_view
def orders(request: HttpRequest, customer: Customer) -> HttpResponse:
    orders = orders_for_customer(customer=customer)
    return render(
        request,
        "selfcare/account/orders.html",
        {
            "orders": orders,
            "awaiting_payment": orders_awaiting_card_payment(
                order_ids=[order.pk for order in orders]
            ),
        },
    )


@customer_view
def order_detail(request: HttpRequest, customer: Customer, order_id: int) -> HttpResponse:
    order = order_get_for_customer(customer=customer, order_id=order_id)
    if order is None:
        raise Http404
    return render(
        request,
        "selfcare/account/order_detail.html",
        {
            "order": order,
            "awaiting_payment": orders_awaiting_card_payment(order_ids=[order.pk]),
            "steps": _steps(ORDER_STEPS, order.status),
            "history": list(reversed(activities_for_subject(subject=order))),
            "sim_to_activate": _sim_to_activate(order),
        },
    )


def _sim_to_activate(order: Order) -> bool:
    """A replacement SIM sent and not activated yet: its order page leads to the activation
    (seed 000: « Activer SIM de remplacement — Mes commandes > … »)."""
    if order.kind != OrderKind.SIM_REPLACEMENT or order.line is None:
        return False
    pending = sim_swap_pending(line=order.line)
    return pending is not None and pending.order_id == order.pk


@customer_view
def requests(request: HttpRequest, customer: Customer) -> HttpResponse:
    return render(
        request,
        "selfcare/account/requests.html",
        {"requests": requests_for_customer(customer=customer)},
    )


@customer_view
def request_detail(request: HttpRequest, customer: Customer, request_id: int) -> HttpResponse:
    procedure = request_get_for_customer(customer=customer, request_id=request_id)
    if procedure is None:
        raise Http404
    return render(
        request,
        "selfcare/account/request_detail.html",
        {
            "demarche": procedure,
            "steps": _steps(REQUEST_STEPS, procedure.status),
            "history": list(reversed(activities_for_subject(subject=procedure))),
        },
    )


@customer_view
def messages(request: HttpRequest, customer: Customer) -> HttpResponse:
    form = AdvisorMessageForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                advisor_message_post(
                    customer=customer,
                    text=form.cleaned_data["text"],
                    actor=Actor.customer(request.user),  # type: ignore[arg-type]
                    now=timezone.now(),
                )
            except CareError as refused:
                form.add_error("text", refused.message)
            else:
                flash.success(request, _("Your message is sent: an advisor will answer you here."))
                return redirect("selfcare:messages")
        status = 400
    return render(
        request,
        "selfcare/account/messages.html",
        {"thread": advisor_thread_for_customer(customer=customer), "form": form},
        status=status,
    )
