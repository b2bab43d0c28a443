"""Reads of the lines context; every read for a customer is scoped to that customer."""

from collections.abc import Iterable, Sequence
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


def billing_account_ids_with_lines_in_service(
    *, start: datetime, stop: datetime, account_id: int | None = None
) -> list[int]:
    """Ids of the billing accounts with a line in service at some instant of [start, stop)."""
    lines = Line.objects.filter(activated_at__isnull=False, activated_at__lt=stop).filter(
        Q(terminated_at__isnull=True) | Q(terminated_at__gt=start)
    )
    if account_id is not None:
        lines = lines.filter(billing_account_id=account_id)
    return sorted(set(lines.values_list("billing_account_id", flat=True)))


def activated_lines_by_billing_account(
    *, account_ids: Sequence[int], stop: datetime
) -> dict[int, list[Line]]:
    """The activated lines of these accounts, each with `billed_subscriptions`: every
    subscription that started before `stop`, ended or not, with its product, except those
    already paid when bought (`prepaid_by`: a top-up bought by card). Two queries."""
    subscriptions = (
        Subscription.objects.exclude(status=SubscriptionStatus.SCHEDULED)
        .filter(starts_at__lt=stop, prepaid_by="")
        .select_related("product")
        .order_by("starts_at", "id")
    )
    lines = (
        Line.objects.filter(billing_account_id__in=account_ids, activated_at__isnull=False)
        .prefetch_related(
            Prefetch("subscriptions", queryset=subscriptions, to_attr="billed_subscriptions")
        )
        .order_by("created_at", "id")
    )
    by_account: dict[int, list[Line]] = {}
    for line in lines:
        by_account.setdefault(line.billing_account_id, []).append(line)
    return by_account


def lines_for_billing_account(*, billing_account: BillingAccount) -> list[Line]:
    return list(Line.objects.filter(billing_account=billing_account).order_by("created_at", "id"))


def lines_by_ids(*, line_ids: Iterable[int]) -> dict[int, Line]:
    """The lines with these ids, by id, in one query (an invoice's lines, for its document)."""
    return {line.pk: line for line in Line.objects.filter(pk__in=set(line_ids))}


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
