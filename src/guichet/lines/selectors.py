"""Reads of the lines context; every read for a customer is scoped to that customer."""

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl
from django.conf import settings
from django.db.models import FilteredRelation, Min, Prefetch, Q, QuerySet

from guichet.billing.models import BillingAccount
from guichet.catalog.errors import CatalogError
from guichet.catalog.models import Market, ProductKind
from guichet.catalog.selectors import catalog_current
from guichet.customers.models import Customer
from guichet.lines.models import (
    MAIN_OFFER_KINDS,
    BoxLineDetails,
    BoxWifi,
    DataUsageMode,
    Equipment,
    Line,
    LineDataSetting,
    LineStatus,
    ProvisioningCommand,
    SimSwap,
    SimSwapStatus,
    Subscription,
    SubscriptionStatus,
)
from guichet.lines.wifi_rules import box_factory_wifi


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


@dataclass(frozen=True)
class BilledSubscription:
    """A subscription as the bill run reads it: its product's code, kind and name, and when it
    ran. Read as plain values, not models: the bill run reads tens of thousands at a time."""

    product_code: str
    product_kind: str
    product_name: str
    starts_at: datetime
    ends_at: datetime | None


def activated_lines_by_billing_account(
    *, account_ids: Sequence[int], stop: datetime
) -> dict[int, list[Line]]:
    """The activated lines of these accounts, each with `billed_subscriptions`
    (`BilledSubscription`s): every subscription that started before `stop`, ended or not, in
    start order, except those already paid when bought (`prepaid_by`: a top-up bought by
    card), and `first_starts_before_transfer` (`first_starts_on_former_records`). Two queries,
    and two per generation of transfers among them (none when no line was transferred)."""
    lines = list(
        Line.objects.filter(billing_account_id__in=account_ids, activated_at__isnull=False)
        .only(
            "billing_account_id",
            "msisdn",
            "access_reference",
            "activated_at",
            "terminated_at",
            "termination_reason",
            "transferred_from_id",
        )
        .order_by("created_at", "id")
    )
    subscriptions: dict[int, list[BilledSubscription]] = {line.pk: [] for line in lines}
    for line_id, *values in (
        _billed(Subscription.objects.filter(line_id__in=subscriptions, starts_at__lt=stop))
        .order_by("starts_at", "id")
        .values_list(
            "line_id", "product__code", "product__kind", "product__name", "starts_at", "ends_at"
        )
    ):
        subscriptions[line_id].append(BilledSubscription(*values))
    before_transfer = first_starts_on_former_records(lines=lines)
    by_account: dict[int, list[Line]] = {}
    for line in lines:
        line.billed_subscriptions = subscriptions[line.pk]  # type: ignore[attr-defined]
        line.first_starts_before_transfer = before_transfer.get(line.pk, {})  # type: ignore[attr-defined]
        by_account.setdefault(line.billing_account_id, []).append(line)
    return by_account


def first_starts_on_former_records(*, lines: Iterable[Line]) -> dict[int, dict[str, datetime]]:
    """For each of `lines` that a line transfer continues (CGS 12: the contract goes on, on a
    new record), when each product first started on the records the contract had before it,
    by product code: what is granted once per line (an option's first free month) was granted
    there. Two queries per generation of transfers, none when no line was transferred."""
    firsts: dict[int, dict[str, datetime]] = {}
    continued_in = {line.transferred_from_id: line.pk for line in lines if line.transferred_from_id}
    while continued_in:
        for former_id, code, starts_at in _billed(
            Subscription.objects.filter(line_id__in=continued_in)
        ).values_list("line_id", "product__code", "starts_at"):
            starts = firsts.setdefault(continued_in[former_id], {})
            starts[code] = min(starts.get(code, starts_at), starts_at)
        continued_in = {
            earlier_id: continued_in[former_id]
            for former_id, earlier_id in Line.objects.filter(
                pk__in=continued_in, transferred_from__isnull=False
            ).values_list("pk", "transferred_from_id")
        }
    return firsts


def contract_first_starts(*, line: Line) -> dict[str, datetime]:
    """When the line's contract first had each product, by product code, on this record or
    those a line transfer continued it from, as the bill run counts them (`_billed`). One query,
    and one per transfer."""
    starts = (
        _billed(Subscription.objects.filter(line_id__in=contract_record_ids(line=line)))
        .values("product__code")
        .annotate(first=Min("starts_at"))
    )
    return {row["product__code"]: row["first"] for row in starts}


def _billed(subscriptions: QuerySet[Subscription]) -> QuerySet[Subscription]:
    """The subscriptions the bill run charges: begun, and not paid when bought (`prepaid_by`:
    a top-up bought by card)."""
    return subscriptions.exclude(status=SubscriptionStatus.SCHEDULED).filter(prepaid_by="")


def contract_record_ids(*, line: Line) -> list[int]:
    """The records of `line`'s contract: this one and those a line transfer (CGS 12) continued
    it from, newest first. One query per transfer."""
    records = [line.pk]
    former = line.transferred_from_id
    while former is not None:
        records.append(former)
        former = Line.objects.filter(pk=former).values_list("transferred_from_id", flat=True)[0]
    return records


def lines_for_billing_account(*, billing_account: BillingAccount) -> list[Line]:
    return list(Line.objects.filter(billing_account=billing_account).order_by("created_at", "id"))


def lines_by_ids(*, line_ids: Iterable[int]) -> dict[int, Line]:
    """The lines with these ids, by id, in one query (an invoice's lines, for its document)."""
    return {line.pk: line for line in Line.objects.filter(pk__in=set(line_ids))}


def lines_with_accounts(*, line_ids: Iterable[int]) -> list[Line]:
    """The lines with these ids, each with its billing account and customer, in one query."""
    return list(
        Line.objects.filter(pk__in=set(line_ids))
        .select_related("billing_account__customer")
        .order_by("id")
    )


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
    """The equipment the customer has: not what went back to the operator."""
    return list(
        Equipment.objects.held()
        .filter(customer=customer)
        .select_related("line")
        .order_by("acquired_at", "id")
    )


# Rating ----------------------------------------------------------------------------------------
#
# Frames for `guichet usage import`: which line held a number when a record started, on which
# plan, with which add-ons. Read in bulk (one query per batch of numbers or lines), returned as
# Polars frames for the rating core, times as Datetime("us", "UTC"), an open end as null.

_UTC = pl.Datetime("us", "UTC")
# Values per IN (...) list: far below SQLite's 32,766 bound parameters, few queries either way.
_IN_BATCH = 5_000

RATING_LINES_SCHEMA = {
    "msisdn": pl.String,
    "line_id": pl.Int64,
    "in_service_from": _UTC,  # activation
    "in_service_until": _UTC,  # termination, null while the line is open
    "plan_code": pl.String,  # null: the line never had a plan
    "plan_from": _UTC,
    "plan_until": _UTC,  # null while the plan runs on
}
SUBSCRIPTIONS_SCHEMA = {
    "line": pl.String,
    "product_code": pl.String,
    "active_from": _UTC,
    "active_until": _UTC,  # null while it runs on
}
# Add-ons that change what a line's usage costs: options, top-ups and bonuses (not the plan).
_ADD_ON_KINDS = (ProductKind.OPTION, ProductKind.TOP_UP, ProductKind.BONUS)


def _batches(values: Sequence[object]) -> Iterator[Sequence[object]]:
    for offset in range(0, len(values), _IN_BATCH):
        yield values[offset : offset + _IN_BATCH]


def rating_lines_frame(*, msisdns: Sequence[str]) -> pl.DataFrame:
    """Every activated mobile line that ever held one of `msisdns` (a terminated line's number
    may have been given to a new line since), one row per plan it had (not counting plans only
    scheduled), or one row with a null plan when it never had one. One query per batch of
    numbers. A line is in service (active or suspended) from its activation until its
    termination: a suspension (CGS 2.4) stops the service, not the usage the network recorded."""
    rows: list[tuple[object, ...]] = []
    for batch in _batches(sorted(set(msisdns))):
        plans = FilteredRelation(
            "subscriptions",
            condition=Q(
                subscriptions__kind=ProductKind.PLAN,
                subscriptions__status__in=[SubscriptionStatus.ACTIVE, SubscriptionStatus.ENDED],
            ),
        )
        rows += (
            Line.objects.filter(msisdn__in=batch, activated_at__isnull=False)
            .annotate(plan=plans)
            .values_list(
                "msisdn",
                "pk",
                "activated_at",
                "terminated_at",
                "plan__product__code",
                "plan__starts_at",
                "plan__ends_at",
            )
        )
    return pl.DataFrame(rows, schema=RATING_LINES_SCHEMA, orient="row")


def subscriptions_frame(
    *, lines: Mapping[int, str], start: datetime, stop: datetime
) -> pl.DataFrame:
    """The options, top-ups and bonuses of these lines in force at some instant of [start,
    stop) (scheduled ones left out), one row each: `line` is the key `lines` maps the line id
    to (the number rating knows the line by), then the product code and when it is in force."""
    rows: list[tuple[object, ...]] = []
    for batch in _batches(sorted(lines)):
        rows += (
            Subscription.objects.filter(
                Q(ends_at__isnull=True) | Q(ends_at__gt=start),
                line_id__in=batch,
                kind__in=_ADD_ON_KINDS,
                starts_at__lt=stop,
            )
            .exclude(status=SubscriptionStatus.SCHEDULED)
            .order_by("line_id", "starts_at", "id")
            .values_list("line_id", "product__code", "starts_at", "ends_at")
        )
    return pl.DataFrame(
        [(lines[line_id], *rest) for line_id, *rest in rows],
        schema=SUBSCRIPTIONS_SCHEMA,
        orient="row",
    )


def plan_codes_at(*, line_ids: Sequence[int], at: datetime) -> dict[int, str]:
    """The code of the plan each of these mobile lines had at `at`, by line id (lines without
    one then are left out)."""
    codes: dict[int, str] = {}
    for batch in _batches(sorted(set(line_ids))):
        codes.update(
            Subscription.objects.filter(
                Q(ends_at__isnull=True) | Q(ends_at__gt=at),
                line_id__in=batch,
                kind=ProductKind.PLAN,
                status__in=[SubscriptionStatus.ACTIVE, SubscriptionStatus.ENDED],
                starts_at__lte=at,
            ).values_list("line_id", "product__code")
        )
    return codes


# -- portal: home and usage --------------------------------------------------------------------


def box_wifi_get(*, line: Line) -> BoxWifi:
    """The box's Wi-Fi as set, or (unsaved) its factory settings when never changed."""
    wifi = BoxWifi.objects.filter(line=line).first()
    return wifi if wifi is not None else _factory_wifi(line)


def box_wifi_for_lines(*, lines: Sequence[Line]) -> dict[int, BoxWifi]:
    """The Wi-Fi of each box line among `lines`, by line id, in one query (none without a
    box line)."""
    boxes = [line for line in lines if line.market == Market.FIXED]
    if not boxes:
        return {}
    stored = {wifi.line_id: wifi for wifi in BoxWifi.objects.filter(line__in=boxes)}
    return {line.pk: stored.get(line.pk) or _factory_wifi(line) for line in boxes}


def _factory_wifi(line: Line) -> BoxWifi:
    name, key = box_factory_wifi(access_reference=line.access_reference, secret=settings.SECRET_KEY)
    _, guest_key = box_factory_wifi(
        access_reference=f"{line.access_reference}:guest", secret=settings.SECRET_KEY
    )
    return BoxWifi(
        line=line,
        network_name=name,
        wifi_key=key,
        wifi_enabled=True,
        guest_enabled=False,
        guest_network_name=f"{name}-Invites",
        guest_key=guest_key,
        updated_at=line.created_at,
    )


def data_mode_get(*, line: Line) -> str:
    """The line's data mode (DataUsageMode); allowed everywhere unless the customer chose."""
    setting = LineDataSetting.objects.filter(line=line).first()
    return setting.mode if setting is not None else DataUsageMode.ALLOWED


def provisioning_commands_for_line(*, line: Line, limit: int = 5) -> list[ProvisioningCommand]:
    return list(ProvisioningCommand.objects.filter(line=line).order_by("-sent_at", "-id")[:limit])


# -- portal: lines and emergencies --


def lines_overview_for_customer(*, customer: Customer, at: datetime) -> list[Line]:
    """The customer's lines for their cards, each with `in_force` (its plan or box offer, options,
    top-ups and bonuses in force at `at`, with their products) and `equipment_list`. Three
    queries whatever the number of lines."""
    in_force = (
        Subscription.objects.filter(
            Q(ends_at__isnull=True) | Q(ends_at__gt=at),
            status=SubscriptionStatus.ACTIVE,
            starts_at__lte=at,
        )
        .select_related("product")
        .order_by("starts_at", "id")
    )
    return list(
        Line.objects.filter(billing_account__customer=customer)
        .prefetch_related(
            Prefetch("subscriptions", queryset=in_force, to_attr="in_force"),
            Prefetch(
                "equipment",
                queryset=Equipment.objects.held().order_by("acquired_at", "id"),
                to_attr="equipment_list",
            ),
        )
        .order_by("created_at", "id")
    )


def equipment_for_line(*, line: Line) -> list[Equipment]:
    """The line's equipment the customer has: not what went back to the operator."""
    return list(Equipment.objects.held().filter(line=line).order_by("acquired_at", "id"))


def box_details_get(*, line: Line) -> BoxLineDetails | None:
    return BoxLineDetails.objects.filter(line=line).first()


def sim_swap_pending(*, line: Line) -> SimSwap | None:
    """The replacement SIM sent for the line and not activated yet."""
    return SimSwap.objects.filter(line=line, status=SimSwapStatus.SENT).first()


def sim_swaps_for_line(*, line: Line) -> list[SimSwap]:
    return list(SimSwap.objects.filter(line=line).order_by("-created_at", "-id"))


@dataclass(frozen=True)
class OfferPart:
    subscription: Subscription
    # The product's entry in the current catalog (plan, box offer, option, top-up), or None
    # when it has left the catalog since it was subscribed.
    entry: Any


@dataclass(frozen=True)
class LineDetail:
    line: Line
    main: OfferPart | None
    add_ons: list[OfferPart]
    equipment: list[Equipment]


def line_detail(*, line: Line, at: datetime) -> LineDetail:
    """The line's offer in detail: what is in force at `at`, with the catalog's terms of each."""
    catalog = catalog_current()

    def part(subscription: Subscription) -> OfferPart:
        try:
            entry = catalog.product(subscription.product.code)
        except CatalogError:
            entry = None
        return OfferPart(subscription=subscription, entry=entry)

    in_force = subscriptions_for_line(line=line, at=at)
    main = next((s for s in in_force if s.kind in MAIN_OFFER_KINDS), None)
    return LineDetail(
        line=line,
        main=part(main) if main is not None else None,
        add_ons=[part(s) for s in in_force if s.kind not in MAIN_OFFER_KINDS],
        equipment=equipment_for_line(line=line),
    )
