"""Conso: each line's counters for the current period (France, EU and DOM, by zone), its
out-of-bundle records with the rule that priced each, and its last 12 months."""

from dataclasses import dataclass

from django.core.paginator import Page
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format

from guichet.billing.rules import format_eur_fr, round_to_cents
from guichet.catalog.selectors import zones_list
from guichet.customers.models import Customer
from guichet.customers.rules import paris_date
from guichet.lines.models import Line
from guichet.lines.selectors import lines_with_main_offer_for_customer
from guichet.selfcare.acts import act_links
from guichet.selfcare.charts import BarChart, bar_chart, data_size
from guichet.selfcare.registry import Section, act_get
from guichet.selfcare.views.common import customer_view
from guichet.selfcare.views.usage_display import (
    FRANCE,
    UsageAtAGlance,
    at_a_glance,
    call_duration,
)
from guichet.usage.fair_use_selectors import fair_use_open_cases_by_line
from guichet.usage.models import FairUseCase
from guichet.usage.selectors import (
    line_usage_records,
    line_usages,
    usage_history,
)

HISTORY_MONTHS = 12
OFFER_CHANGE_ACTS = ("plan_change", "box_offer_change")
OUT_OF_BUNDLE_PER_PAGE = 25
# Rating counts a French number as a zone 1 destination (zones.toml: FR is listed in zone 1), so
# the counters do not tell national calls from France from calls to the rest of zone 1: both
# are in the France summary.
_HOME_DESTINATIONS = ("", FRANCE, "1")


@dataclass(frozen=True)
class ZoneCounter:
    service: str
    origin: str
    destination: str
    text: str


@dataclass(frozen=True)
class LineConso:
    line: Line
    usage: UsageAtAGlance
    zones: list[ZoneCounter]
    records: Page
    data_chart: BarChart
    money_chart: BarChart
    fair_use: FairUseCase | None  # the line is (or is about to be) a non-occasional traveller

    @property
    def data_chart_id(self) -> str:
        return f"data-{self.line.pk}"

    @property
    def money_chart_id(self) -> str:
        return f"money-{self.line.pk}"


@customer_view
def usage(request: HttpRequest, customer: Customer) -> HttpResponse:
    now = timezone.now()
    today = paris_date(now)
    period_start = today.replace(day=1)
    lines = lines_with_main_offer_for_customer(customer=customer)
    usages = line_usages(lines=lines, period_start=period_start)
    zone_names = {zone.code: zone.name for zone in zones_list()} if usages else {}
    zone_names[FRANCE] = "France métropolitaine"
    fair_use = fair_use_open_cases_by_line(line_ids=list(usages))
    consos = [
        _line_conso(
            request,
            line,
            at_a_glance(line=line, usage=usages[line.pk]),
            zone_names,
            fair_use.get(line.pk),
        )
        for line in lines
        if line.pk in usages
    ]
    return render(
        request,
        "selfcare/usage/usage.html",
        {
            "period_start": period_start,
            "now": now,
            "consos": consos,
            "offer_change": act_links(
                lines=lines, acts=[act_get(act_id) for act_id in OFFER_CHANGE_ACTS]
            ),
            "section_acts": act_links(lines=lines, section=Section.USAGE),
        },
    )


def _line_conso(
    request: HttpRequest,
    line: Line,
    usage: UsageAtAGlance,
    zone_names: dict[str, str],
    fair_use: FairUseCase | None,
) -> LineConso:
    history = usage_history(line=line, last_period=usage.period_start, months=HISTORY_MONTHS)
    labels = [date_format(month.month, "F Y") for month in history]
    # "N" ("juin", "juil.", "sept."): "M" cuts every month to 3 letters, "Jui" and "Jul".
    short = [date_format(month.month, "N") for month in history]
    money_cents = [
        round_to_cents(month.out_of_bundle_micro_eur, unit="micro_eur") for month in history
    ]
    return LineConso(
        line=line,
        usage=usage,
        zones=_zones(usage, zone_names),
        records=line_usage_records(
            line_id=line.pk,
            period_start=usage.period_start,
            out_of_bundle_only=True,
            page=_page(request, line),
            per_page=OUT_OF_BUNDLE_PER_PAGE,
        ),
        data_chart=bar_chart(
            values=[month.data_ko for month in history],
            labels=labels,
            short_labels=short,
            texts=[data_size(month.data_ko) for month in history],
        ),
        money_chart=bar_chart(
            values=money_cents,
            labels=labels,
            short_labels=short,
            texts=[_euros(cents) for cents in money_cents],
        ),
        fair_use=fair_use,
    )


def _zones(usage: UsageAtAGlance, zone_names: dict[str, str]) -> list[ZoneCounter]:
    """The period's quantities away from home or towards another country (what France alone
    shows is in the summary above): calls, messages and data per origin and destination."""
    counters = []
    for quantity in usage.quantities:
        if quantity.origin == FRANCE and quantity.destination in _HOME_DESTINATIONS:
            continue
        if quantity.service in ("voice", "video"):
            text = call_duration(quantity.quantity)
        elif quantity.service == "data":
            text = data_size(quantity.quantity)
        else:
            text = str(quantity.quantity)
        counters.append(
            ZoneCounter(
                service=quantity.service,
                origin=zone_names.get(quantity.origin, quantity.origin),
                destination=zone_names.get(quantity.destination, quantity.destination),
                text=text,
            )
        )
    return counters


def _page(request: HttpRequest, line: Line) -> int:
    try:
        return max(int(request.GET.get(f"page{line.pk}", "1")), 1)
    except ValueError:
        return 1


def _euros(cents: int) -> str:
    return format_eur_fr(cents)
