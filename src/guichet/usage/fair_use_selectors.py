"""Reads for the fair use of roaming (plans.toml `fair_use`, CGS 6.2): the stored day counters of
the lines that may break the rule, and when lines are rated as non-occasional travellers."""

from collections.abc import Mapping
from datetime import date, datetime

import polars as pl
from django.db.models import Count, F, Q

from guichet.rating import DAYS_SCHEMA, NON_OCCASIONAL_SCHEMA
from guichet.rating.counters import DAY_QUANTITIES
from guichet.usage.models import FairUseCase, LineUsageDay


def fair_use_candidate_days(*, first: date, last: date, more_than_days: int) -> pl.DataFrame:
    """DAYS_SCHEMA rows of the days [first, last] (`line`: the line id as text) of the lines
    with roaming usage on more than `more_than_days` of those days. A roaming-only day has
    roaming usage, so no line left out can meet the rule; the rule itself decides for the rest
    (rating.fair_use_flags), and only their days are read."""
    in_window = LineUsageDay.objects.filter(day__gte=first, day__lte=last)
    candidates = (
        in_window.values("line_id")
        .annotate(roaming_days=Count("day", distinct=True, filter=Q(roaming_records__gt=0)))
        .filter(roaming_days__gt=more_than_days)
        .values("line_id")
    )
    rows = in_window.filter(line_id__in=candidates).values_list("line_id", "day", *DAY_QUANTITIES)
    return pl.DataFrame(
        [(str(line_id), *rest) for line_id, *rest in rows.iterator(chunk_size=10_000)],
        schema=DAYS_SCHEMA,
        orient="row",
    )


def fair_use_open_cases() -> list[FairUseCase]:
    return list(
        FairUseCase.objects.filter(closed_at__isnull=True)
        .select_related("line__billing_account__customer")
        .order_by("line_id")
    )


def fair_use_open_cases_by_line(*, line_ids: list[int]) -> dict[int, FairUseCase]:
    """The open case of each of these lines that has one, by line id (the Conso page)."""
    cases = FairUseCase.objects.filter(closed_at__isnull=True, line_id__in=line_ids)
    return {case.line_id: case for case in cases}


def non_occasional_frame(
    *, lines: Mapping[int, str], start: datetime, stop: datetime
) -> pl.DataFrame:
    """NON_OCCASIONAL_SCHEMA rows of these lines for [start, stop): from each case's
    `charging_from` to its closing (open: no end). `line` is the key `lines` maps the line id to
    (the number rating knows the line by). A case closed before charging began has no row."""
    rows = (
        FairUseCase.objects.filter(
            Q(closed_at__isnull=True) | Q(closed_at__gt=start),
            charging_from__lt=stop,
        )
        .exclude(closed_at__lte=F("charging_from"))
        .values_list("line_id", "charging_from", "closed_at")
    )
    # Cases are few (lines breaking the rule): read them all rather than filter by the lines.
    return pl.DataFrame(
        [
            (lines[line_id], charging_from, closed_at)
            for line_id, charging_from, closed_at in rows
            if line_id in lines
        ],
        schema=NON_OCCASIONAL_SCHEMA,
        orient="row",
    )
