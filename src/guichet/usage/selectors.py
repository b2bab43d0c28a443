"""Reads of stored usage: a line's counters for the Conso page, the out-of-bundle usage that the
bill run invoices, and the record detail behind both. Money in integer micro-euros."""

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, F, Max, Min, Q, QuerySet, Sum, Value, When

from guichet.billing.models import BillingAccount
from guichet.catalog.errors import CatalogError
from guichet.catalog.schema import Catalog
from guichet.catalog.selectors import catalog_current
from guichet.lines.models import Line
from guichet.lines.selectors import active_plan, lines_for_billing_account
from guichet.rating import LineCounters
from guichet.rating.money import KO_PER_MO
from guichet.usage.models import (
    CarrierBillingCap,
    CarrierBillingPurchase,
    CarrierBillingSubscription,
    LineUsageQuantity,
    LineUsageTotals,
    UsageRecord,
    VodKind,
    VodPurchase,
)

RECORDS_PER_PAGE = 50
_PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class UsageQuantity:
    service: str  # voice, video, sms, mms, data
    origin: str  # "FR" (mainland France) or the zone the line was in
    destination: str  # the zone called or messaged; "" for data
    quantity: int  # seconds (calls), messages (SMS, MMS) or Ko (data)


@dataclass(frozen=True)
class LineUsage:
    """A line's consumption in a billing period. Data in Ko (1 Mo = 1,024 Ko); the allowances
    are those of the line's plan (International §1: 100 Go, of which 17 Go in zone 1)."""

    period_start: date
    data_france_ko: int  # used in mainland France, throttled part included
    data_roaming_ko: int  # used in the plan's roaming zones within the roaming allowance
    data_roaming_charged_ko: int  # used there beyond it, charged out of bundle
    data_allowance_ko: int
    data_roaming_allowance_ko: int
    data_remaining_ko: int
    data_roaming_remaining_ko: int
    throttled: bool  # allowance used up: reduced speed in France until the next period
    out_of_bundle_micro_eur: int
    quantities: tuple[UsageQuantity, ...]

    def by_zone(self, service: str) -> dict[tuple[str, str], int]:
        """Seconds, messages or Ko of `service` per (origin, destination)."""
        return {
            (q.origin, q.destination): q.quantity for q in self.quantities if q.service == service
        }


def line_usage(*, line: Line, period_start: date) -> LineUsage:
    """The line's counters for the period (all at 0 before its first record). Four queries:
    the counters (two), the plan and the current catalog release for its allowances."""
    totals = LineUsageTotals.objects.filter(line=line, period_start=period_start).first()
    quantities = tuple(
        UsageQuantity(*row)
        for row in LineUsageQuantity.objects.filter(line=line, period_start=period_start)
        .order_by("service", "origin", "destination")
        .values_list("service", "origin", "destination", "quantity")
    )
    counters = LineCounters(
        data_france_ko=totals.data_france_ko if totals else 0,
        data_roaming_included_ko=totals.data_roaming_included_ko if totals else 0,
        data_roaming_charged_ko=totals.data_roaming_charged_ko if totals else 0,
        throttled=totals.throttled if totals else False,
        out_of_bundle_micro_eur=totals.out_of_bundle_micro_eur if totals else 0,
    )
    allowance_ko, roaming_ko = _data_allowances(line)
    return LineUsage(
        period_start=period_start,
        data_france_ko=counters.data_france_ko,
        data_roaming_ko=counters.data_roaming_included_ko,
        data_roaming_charged_ko=counters.data_roaming_charged_ko,
        data_allowance_ko=allowance_ko,
        data_roaming_allowance_ko=roaming_ko,
        data_remaining_ko=counters.data_remaining_ko(allowance_ko),
        data_roaming_remaining_ko=counters.data_roaming_remaining_ko(allowance_ko, roaming_ko),
        throttled=counters.throttled,
        out_of_bundle_micro_eur=counters.out_of_bundle_micro_eur,
        quantities=quantities,
    )


def _data_allowances(line: Line) -> tuple[int, int]:
    """The data allowance of the line's plan and its roaming part, in Ko (0 without a plan)."""
    subscription = active_plan(line=line)
    if subscription is None:
        return 0, 0
    try:
        plan = catalog_current().plan(subscription.product.code)
    except CatalogError:
        return 0, 0
    return (plan.france.data_mo or 0) * KO_PER_MO, (plan.roaming.data_mo or 0) * KO_PER_MO


@dataclass(frozen=True)
class UsageGroupKey:
    """What groups out-of-bundle records on an invoice: the service, its direction, where the
    line was and, for what it sent, where to ("" for data and for calls received)."""

    service: str
    direction: str
    origin_zone: str
    destination_zone: str

    def text(self) -> str:
        return f"{self.service}:{self.direction}:{self.origin_zone}:{self.destination_zone}"

    @classmethod
    def parse(cls, text: str) -> "UsageGroupKey":
        service, direction, origin, destination = text.split(":")
        return cls(service, direction, origin, destination)

    def records(self) -> Q:
        """The records of this group."""
        matching = Q(service=self.service, direction=self.direction, origin_zone=self.origin_zone)
        if self.direction == "out":
            matching &= Q(destination_zone=self.destination_zone)
        return matching


@dataclass(frozen=True)
class UsageGroup:
    line_id: int
    key: UsageGroupKey
    records: int
    total_micro_eur: int
    first_at: datetime
    last_at: datetime
    period_start: date | None = None  # the usage period (set by out_of_bundle_usage_of_periods)


def _grouped_charged_records(records: QuerySet[UsageRecord]) -> QuerySet[UsageRecord, dict]:
    destination = Case(When(direction="in", then=Value("")), default=F("destination_zone"))
    return (
        records.filter(charge_micro_eur__gt=0)
        .annotate(destination=destination)
        .values("line_id", "period_start", "service", "direction", "origin_zone", "destination")
        .annotate(
            records=Count("record_id"),
            total=Sum("charge_micro_eur"),
            first_at=Min("started_at"),
            last_at=Max("started_at"),
        )
        .order_by("line_id", "period_start", "service", "direction", "origin_zone", "destination")
    )


def _usage_group(row: dict) -> UsageGroup:
    return UsageGroup(
        line_id=row["line_id"],
        key=UsageGroupKey(row["service"], row["direction"], row["origin_zone"], row["destination"]),
        records=row["records"],
        total_micro_eur=row["total"],
        first_at=row["first_at"],
        last_at=row["last_at"],
        period_start=row["period_start"],
    )


def out_of_bundle_usage(
    *, line_ids: Sequence[int], period_start: date
) -> Mapping[int, list[UsageGroup]]:
    """The period's charged records of these lines, grouped per line by UsageGroupKey, in the
    order of the keys. One query (none without lines), through the (line, period) index."""
    if not line_ids:
        return {}
    groups: dict[int, list[UsageGroup]] = {}
    records = UsageRecord.objects.filter(line_id__in=line_ids, period_start=period_start)
    for row in _grouped_charged_records(records):
        groups.setdefault(row["line_id"], []).append(_usage_group(row))
    return groups


def out_of_bundle_totals(
    *, line_ids: Sequence[int], since: date, until: date
) -> dict[tuple[int, date], int]:
    """The out-of-bundle total (micro-euros, as rated so far) of each of these lines in each
    usage period from `since` to `until` (both included) that has some, by (line id, period).
    One query on the stored counters (the bill run's check for usage to bill)."""
    if not line_ids:
        return {}
    return {
        (line_id, period): total
        for line_id, period, total in LineUsageTotals.objects.filter(
            line_id__in=line_ids,
            period_start__gte=since,
            period_start__lte=until,
            out_of_bundle_micro_eur__gt=0,
        ).values_list("line_id", "period_start", "out_of_bundle_micro_eur")
    }


def out_of_bundle_usage_of_periods(
    *, line_periods: Collection[tuple[int, date]]
) -> Mapping[tuple[int, date], list[UsageGroup]]:
    """`out_of_bundle_usage` of several (line id, usage period) pairs at once, by pair, each
    group carrying its period. One query (none without pairs)."""
    if not line_periods:
        return {}
    wanted = set(line_periods)
    records = UsageRecord.objects.filter(
        line_id__in={line for line, _ in wanted}, period_start__in={p for _, p in wanted}
    )
    groups: dict[tuple[int, date], list[UsageGroup]] = {}
    for row in _grouped_charged_records(records):
        pair = (row["line_id"], row["period_start"])
        if pair in wanted:
            groups.setdefault(pair, []).append(_usage_group(row))
    return groups


@dataclass(frozen=True)
class PurchaseOnBill:
    """A purchase charged on the line's bill (the bill run's reading): an Internet+ purchase
    (`kind` "carrier_billing": a one-off, or a month of a merchant's subscription) or a VOD
    rental or purchase on the box (`kind` "vod"). Cents incl. VAT, as the merchant charged."""

    kind: str
    line_id: int
    purchase_id: int
    what: str  # the service (Internet+) or the title (VOD)
    seller: str  # the merchant (Internet+) or "location" / "achat" (VOD)
    amount_cents: int
    purchased_at: datetime


def purchases_on_bill(
    *, line_ids: Sequence[int], stop: datetime
) -> Mapping[int, list[PurchaseOnBill]]:
    """The Internet+ and VOD purchases of these lines made before `stop` and not billed yet
    (those of the period, and any recorded after their own period was invoiced), per line,
    Internet+ first, each kind in time order. Two queries (none without lines), through the
    partial indexes of the purchases to bill."""
    if not line_ids:
        return {}
    by_line: dict[int, list[PurchaseOnBill]] = {}
    for line_id, pk, service, merchant, amount, at in (
        CarrierBillingPurchase.objects.filter(
            line_id__in=line_ids, purchased_at__lt=stop, invoice__isnull=True
        )
        .order_by("purchased_at", "id")
        .values_list("line_id", "id", "service", "merchant", "amount_cents", "purchased_at")
    ):
        by_line.setdefault(line_id, []).append(
            PurchaseOnBill("carrier_billing", line_id, pk, service, merchant, amount, at)
        )
    kinds = dict(VodKind.choices)
    for line_id, pk, title, kind, amount, at in (
        VodPurchase.objects.filter(
            line_id__in=line_ids, purchased_at__lt=stop, invoice__isnull=True
        )
        .order_by("purchased_at", "id")
        .values_list("line_id", "id", "title", "kind", "amount_cents", "purchased_at")
    ):
        by_line.setdefault(line_id, []).append(
            PurchaseOnBill("vod", line_id, pk, title, kinds[kind].lower(), amount, at)
        )
    return by_line


def out_of_bundle_usage_for_account(
    *, billing_account: BillingAccount, period_start: date
) -> list[UsageGroup]:
    """The account's out-of-bundle usage of the period, line by line, grouped by service and
    zone, in micro-euros. Two queries."""
    lines = lines_for_billing_account(billing_account=billing_account)
    by_line = out_of_bundle_usage(line_ids=[line.pk for line in lines], period_start=period_start)
    return [group for line in lines for group in by_line.get(line.pk, [])]


def line_usage_records(
    *,
    line_id: int,
    period_start: date,
    key: UsageGroupKey | None = None,
    out_of_bundle_only: bool = False,
    page: int = 1,
    per_page: int = RECORDS_PER_PAGE,
) -> Page:
    """The line's rated records of the period in time order, a page at a time, optionally
    those of one out-of-bundle group (an invoice line's detail). Two queries (count, page)."""
    records = UsageRecord.objects.filter(line_id=line_id, period_start=period_start)
    if key is not None:
        records = records.filter(key.records())
    if out_of_bundle_only:
        records = records.filter(charge_micro_eur__gt=0)
    paginator = Paginator(records.order_by("started_at", "record_id"), per_page)
    return paginator.get_page(page)


def out_of_bundle_micro_eur_by_billing_account(
    *, billing_account_ids: Sequence[int], period_start: date
) -> dict[int, int]:
    """The out-of-bundle usage of each account's lines in the period so far (micro-euros, as
    rated), by account id, from the stored counters; one query."""
    return dict(
        LineUsageTotals.objects.filter(
            period_start=period_start, line__billing_account_id__in=billing_account_ids
        )
        .values("line__billing_account_id")
        .annotate(total=Sum("out_of_bundle_micro_eur"))
        .values_list("line__billing_account_id", "total")
    )


# -- portal: home and usage --------------------------------------------------------------------


def carrier_billing_cap_cents(*, line: Line) -> int:
    """The line's monthly cap on purchases on the bill; the operator's ceiling unless set."""
    cap = CarrierBillingCap.objects.filter(line=line).values_list("monthly_cap_cents", flat=True)
    return next(iter(cap), max(settings.GUICHET_CARRIER_BILLING_CAP_STEPS_CENTS))


def carrier_billing_spent_cents(*, line: Line, start: datetime, stop: datetime) -> int:
    """What the line's purchases on the bill made in [start, stop) add up to, in cents."""
    total = CarrierBillingPurchase.objects.filter(
        line=line, purchased_at__gte=start, purchased_at__lt=stop
    ).aggregate(total=Sum("amount_cents"))["total"]
    return total or 0


def carrier_billing_subscriptions_for_line(*, line: Line) -> list[CarrierBillingSubscription]:
    """The line's subscriptions on the bill, active first, newest first."""
    return list(
        CarrierBillingSubscription.objects.filter(line=line).order_by(
            "-status", "-started_at", "-id"
        )
    )


def carrier_billing_purchases_page(*, line: Line, page: int = 1, per_page: int = 20) -> Page:
    """The line's purchases on the bill, newest first, a page at a time (two queries)."""
    purchases = CarrierBillingPurchase.objects.filter(line=line).order_by("-purchased_at", "-id")
    return Paginator(purchases, per_page).get_page(page)


@dataclass(frozen=True)
class VodMonth:
    month: date  # first day, Europe/Paris
    purchases: list[VodPurchase]
    total_cents: int


def vod_purchases_by_month(*, line: Line, months: int = 12, today: date) -> list[VodMonth]:
    """The box's VOD rentals and purchases of the last `months` months (this one included),
    grouped by Europe/Paris month, newest first, with each month's total; one query."""
    first = _months_before(today.replace(day=1), months - 1)
    since = datetime.combine(first, time(), tzinfo=_PARIS)
    grouped: dict[date, list[VodPurchase]] = {}
    for purchase in VodPurchase.objects.filter(line=line, purchased_at__gte=since).order_by(
        "-purchased_at", "-id"
    ):
        month = purchase.purchased_at.astimezone(_PARIS).date().replace(day=1)
        grouped.setdefault(month, []).append(purchase)
    return [
        VodMonth(month, items, sum(item.amount_cents for item in items))
        for month, items in grouped.items()
    ]


def _months_before(month: date, count: int) -> date:
    year, index = divmod(month.year * 12 + month.month - 1 - count, 12)
    return date(year, index + 1, 1)


@dataclass(frozen=True)
class MonthUsage:
    month: date  # the billing period's first day
    data_ko: int  # France and roaming, included or charged
    out_of_bundle_micro_eur: int


def usage_history(*, line: Line, last_period: date, months: int = 12) -> list[MonthUsage]:
    """The line's data and out-of-bundle usage of the `months` billing periods up to
    `last_period`, oldest first, 0 for a month without usage; one query (stored counters)."""
    first = _months_before(last_period, months - 1)
    stored = {
        row["period_start"]: row
        for row in LineUsageTotals.objects.filter(
            line=line, period_start__gte=first, period_start__lte=last_period
        ).values(
            "period_start",
            "data_france_ko",
            "data_roaming_included_ko",
            "data_roaming_charged_ko",
            "out_of_bundle_micro_eur",
        )
    }
    history = []
    for offset in range(months):
        month = _months_before(last_period, months - 1 - offset)
        row = stored.get(month)
        history.append(
            MonthUsage(
                month=month,
                data_ko=(
                    row["data_france_ko"]
                    + row["data_roaming_included_ko"]
                    + row["data_roaming_charged_ko"]
                    if row
                    else 0
                ),
                out_of_bundle_micro_eur=row["out_of_bundle_micro_eur"] if row else 0,
            )
        )
    return history


def line_usages(*, lines: Sequence[Line], period_start: date) -> dict[int, LineUsage]:
    """`line_usage` of each mobile line among `lines`, by line id, in two queries whatever the
    number of lines (the home page). Each line must carry `main_offers` (prefetched by
    lines.selectors.lines_with_main_offer_for_customer) for its plan's allowances."""
    mobiles = [line for line in lines if line.market == "mobile"]
    if not mobiles:
        return {}
    ids = [line.pk for line in mobiles]
    totals = {
        row.line_id: row
        for row in LineUsageTotals.objects.filter(line_id__in=ids, period_start=period_start)
    }
    quantities: dict[int, list[UsageQuantity]] = {}
    for line_id, *values in (
        LineUsageQuantity.objects.filter(line_id__in=ids, period_start=period_start)
        .order_by("line_id", "service", "origin", "destination")
        .values_list("line_id", "service", "origin", "destination", "quantity")
    ):
        quantities.setdefault(line_id, []).append(UsageQuantity(*values))
    catalog = catalog_current()
    return {
        line.pk: _usage_of(
            period_start,
            totals.get(line.pk),
            tuple(quantities.get(line.pk, ())),
            _plan_allowances(catalog, _plan_code(line)),
        )
        for line in mobiles
    }


def _plan_code(line: Line) -> str | None:
    return line.main_offers[0].product.code if line.main_offers else None


def _plan_allowances(catalog: Catalog, plan_code: str | None) -> tuple[int, int]:
    if plan_code is None:
        return 0, 0
    try:
        plan = catalog.plan(plan_code)
    except CatalogError:
        return 0, 0
    return (plan.france.data_mo or 0) * KO_PER_MO, (plan.roaming.data_mo or 0) * KO_PER_MO


def _usage_of(
    period_start: date,
    totals: LineUsageTotals | None,
    quantities: tuple[UsageQuantity, ...],
    allowances: tuple[int, int],
) -> LineUsage:
    counters = LineCounters(
        data_france_ko=totals.data_france_ko if totals else 0,
        data_roaming_included_ko=totals.data_roaming_included_ko if totals else 0,
        data_roaming_charged_ko=totals.data_roaming_charged_ko if totals else 0,
        throttled=totals.throttled if totals else False,
        out_of_bundle_micro_eur=totals.out_of_bundle_micro_eur if totals else 0,
    )
    allowance_ko, roaming_ko = allowances
    return LineUsage(
        period_start=period_start,
        data_france_ko=counters.data_france_ko,
        data_roaming_ko=counters.data_roaming_included_ko,
        data_roaming_charged_ko=counters.data_roaming_charged_ko,
        data_allowance_ko=allowance_ko,
        data_roaming_allowance_ko=roaming_ko,
        data_remaining_ko=counters.data_remaining_ko(allowance_ko),
        data_roaming_remaining_ko=counters.data_roaming_remaining_ko(allowance_ko, roaming_ko),
        throttled=counters.throttled,
        out_of_bundle_micro_eur=counters.out_of_bundle_micro_eur,
        quantities=quantities,
    )


def carrier_billing_subscription_get_for_line(
    *, line: Line, subscription_id: int
) -> CarrierBillingSubscription | None:
    """The subscription if it is this line's (never another line's), otherwise None."""
    return CarrierBillingSubscription.objects.filter(pk=subscription_id, line=line).first()
