"""Reads of the lines context; every read for a customer is scoped to that customer."""

from datetime import datetime

from django.db.models import Prefetch, Q

from guichet.billing.models import BillingAccount
from guichet.customers.models import Customer
from guichet.lines.models import (
    MAIN_OFFER_KINDS,
    Equipment,
    Line,
    LineStatus,
    Subscription,
    SubscriptionStatus,
)


def lines_for_customer(*, customer: Customer) -> list[Line]:
    return list(
        Line.objects.filter(billing_account__customer=customer)
        .select_related("billing_account")
        .order_by("created_at", "id")
    )


def lines_with_main_offer_for_customer(*, customer: Customer) -> list[Line]:
    """The customer's lines, each with `main_offers`: its active plan or box offer (0 or 1),
    loaded in one more query whatever the number of lines."""
    main_offers = Subscription.objects.filter(
        status=SubscriptionStatus.ACTIVE, kind__in=MAIN_OFFER_KINDS
    ).select_related("product")
    return list(
        Line.objects.filter(billing_account__customer=customer)
        .prefetch_related(Prefetch("subscriptions", queryset=main_offers, to_attr="main_offers"))
        .order_by("created_at", "id")
    )


def lines_for_billing_account(*, billing_account: BillingAccount) -> list[Line]:
    return list(Line.objects.filter(billing_account=billing_account).order_by("created_at", "id"))


def line_get_for_customer(*, customer: Customer, line_id: int) -> Line | None:
    """The line if it belongs to `customer`, otherwise None (never another customer's line)."""
    return (
        Line.objects.filter(pk=line_id, billing_account__customer=customer)
        .select_related("billing_account", "billing_account__customer")
        .first()
    )


def line_get_by_msisdn(*, msisdn: str) -> Line | None:
    """The line that holds this number now (a terminated line's number may be reassigned)."""
    return (
        Line.objects.filter(msisdn=msisdn)
        .exclude(status=LineStatus.TERMINATED)
        .select_related("billing_account")
        .first()
    )


def active_plan(*, line: Line) -> Subscription | None:
    """The active plan (mobile) or box offer (fixed) of the line."""
    return (
        Subscription.objects.filter(
            line=line, status=SubscriptionStatus.ACTIVE, kind__in=MAIN_OFFER_KINDS
        )
        .select_related("product")
        .first()
    )


def subscriptions_for_line(*, line: Line, at: datetime | None = None) -> list[Subscription]:
    """Active and scheduled subscriptions; with `at`, those in force at that instant (a top-up
    past its validity is left out even before it is marked ended)."""
    subscriptions = Subscription.objects.filter(
        line=line, status__in=[SubscriptionStatus.ACTIVE, SubscriptionStatus.SCHEDULED]
    )
    if at is not None:
        subscriptions = subscriptions.filter(
            Q(ends_at__isnull=True) | Q(ends_at__gt=at),
            status=SubscriptionStatus.ACTIVE,
            starts_at__lte=at,
        )
    return list(subscriptions.select_related("product").order_by("starts_at", "id"))


def equipment_for_customer(*, customer: Customer) -> list[Equipment]:
    return list(
        Equipment.objects.filter(customer=customer)
        .select_related("line")
        .order_by("acquired_at", "id")
    )
