"""Reads of the care context; every read for a customer is scoped to that customer."""

from collections.abc import Sequence
from datetime import date, datetime

from django.db import models

from guichet.care.models import (
    OPEN_REQUEST_STATUSES,
    Activity,
    ActorKind,
    AdvisorMessage,
    Order,
    OrderKind,
    OrderStatus,
    Request,
    TicketStatus,
    TroubleTicket,
)
from guichet.customers.models import Customer
from guichet.customers.rules import paris_date
from guichet.lines.models import Line


def activities_for_customer(*, customer: Customer) -> models.QuerySet[Activity]:
    """Newest first (index `activity_customer_newest`); a queryset so that pages can slice it."""
    return Activity.objects.filter(customer=customer).order_by("-at", "-id")


def last_activity_at(*, customer: Customer, acts: Sequence[str]) -> datetime | None:
    """When the customer's latest act among `acts` happened, or None."""
    return (
        Activity.objects.filter(customer=customer, act__in=list(acts))
        .order_by("-at", "-id")
        .values_list("at", flat=True)
        .first()
    )


def activities_for_subject(*, subject: models.Model) -> list[Activity]:
    return list(
        Activity.objects.filter(
            subject_type=subject._meta.label_lower, subject_id=subject.pk
        ).order_by("-at", "-id")
    )


def orders_for_customer(*, customer: Customer) -> list[Order]:
    return list(
        Order.objects.filter(customer=customer)
        .select_related("line")
        .prefetch_related("items")
        .order_by("-created_at", "-id")
    )


def order_get_for_customer(*, customer: Customer, order_id: int) -> Order | None:
    return (
        Order.objects.filter(customer=customer, pk=order_id)
        .select_related("line")
        .prefetch_related("items")
        .first()
    )


def requests_for_customer(*, customer: Customer, open_only: bool = False) -> list[Request]:
    requests = Request.objects.filter(customer=customer).select_related("line")
    if open_only:
        requests = requests.filter(status__in=OPEN_REQUEST_STATUSES)
    return list(requests.order_by("-created_at", "-id"))


def request_get_for_customer(*, customer: Customer, request_id: int) -> Request | None:
    return Request.objects.filter(customer=customer, pk=request_id).select_related("line").first()


def tickets_for_customer(*, customer: Customer) -> list[TroubleTicket]:
    return list(
        TroubleTicket.objects.filter(customer=customer)
        .select_related("line")
        .order_by("-created_at", "-id")
    )


def ticket_get_for_customer(*, customer: Customer, ticket_id: int) -> TroubleTicket | None:
    return (
        TroubleTicket.objects.filter(customer=customer, pk=ticket_id)
        .select_related("line")
        .prefetch_related("notes")
        .first()
    )


# -- portal: personal information and tracking --


def advisor_thread_for_customer(*, customer: Customer) -> list[AdvisorMessage]:
    """The customer's thread with the advisors, oldest first (newest last, as a chat reads)."""
    return list(
        AdvisorMessage.objects.filter(customer=customer)
        .select_related("author")
        .order_by("created_at", "id")
    )


def advisor_queue() -> list[AdvisorMessage]:
    """The back office's queue: customers' messages no advisor has answered, oldest first."""
    return list(
        AdvisorMessage.objects.filter(author_kind=ActorKind.CUSTOMER, answered_at__isnull=True)
        .select_related("customer")
        .order_by("created_at", "id")
    )


def activities_for_subjects(*, subjects: Sequence[models.Model]) -> dict[int, list[Activity]]:
    """The activity of several rows of one model at once, by primary key, oldest first."""
    if not subjects:
        return {}
    label = subjects[0]._meta.label_lower
    by_subject: dict[int, list[Activity]] = {subject.pk: [] for subject in subjects}
    for activity in Activity.objects.filter(
        subject_type=label, subject_id__in=list(by_subject)
    ).order_by("at", "id"):
        by_subject[activity.subject_id].append(activity)
    return by_subject


# -- back office: the advisors' queues ----------------------------------------------------------

# Tickets waiting on the operator; a resolved one waits on the customer's confirmation.
OPEN_TICKET_STATUSES = (TicketStatus.ACKNOWLEDGED, TicketStatus.IN_PROGRESS)


def request_queue(*, kind: str = "", status: str = "") -> list[Request]:
    """Requests for the advisors, the oldest due first (those without a due date after, oldest
    first): the open ones, or those of `status`; of `kind` when given."""
    requests = Request.objects.select_related("customer", "line")
    requests = (
        requests.filter(status=status)
        if status
        else requests.filter(status__in=OPEN_REQUEST_STATUSES)
    )
    if kind:
        requests = requests.filter(kind=kind)
    return list(requests.order_by(models.F("due_date").asc(nulls_last=True), "created_at", "id"))


def request_get(*, request_id: int) -> Request | None:
    return (
        Request.objects.filter(pk=request_id)
        .select_related("customer__user", "line__billing_account")
        .first()
    )


def ticket_queue() -> list[TroubleTicket]:
    """Tickets waiting on the operator, oldest first."""
    return list(
        TroubleTicket.objects.filter(status__in=OPEN_TICKET_STATUSES)
        .select_related("customer", "line")
        .order_by("created_at", "id")
    )


def ticket_get(*, ticket_id: int) -> TroubleTicket | None:
    return (
        TroubleTicket.objects.filter(pk=ticket_id)
        .select_related("customer", "line")
        .prefetch_related("notes__author")
        .first()
    )


def withdrawal_period_start(*, line: Line) -> date | None:
    """CGS 9 and the brochure's last page (« dans les 14 jours suivant la réception de votre
    carte SIM »): the withdrawal period runs from the first receipt of what was ordered with the
    line (or the line's activation, which needed it, when no delivery was recorded), or from the
    subscription when nothing was; None while it is on its way (the period has not started)."""
    acquisitions = Order.objects.filter(line=line, kind=OrderKind.ACQUISITION).exclude(
        status=OrderStatus.CANCELLED
    )
    received = (
        acquisitions.filter(delivered_at__isnull=False)
        .order_by("delivered_at")
        .values_list("delivered_at", flat=True)
        .first()
    )
    if received is not None:
        return paris_date(received)
    if not acquisitions.exists():
        return paris_date(line.created_at)
    # A line in service had its SIM, even when the carrier's delivery was never recorded.
    return paris_date(line.activated_at) if line.activated_at is not None else None
