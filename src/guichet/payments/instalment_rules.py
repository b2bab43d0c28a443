"""Pure rules of instalment plans (facilité de paiement): the schedule of a device's price.

No Django, no clock, no I/O: integers and dates in, dataclasses out (mypy strict, property-tested).

Rules chosen (the brochure sells devices but prints no instalment terms; pinned by
tests/payments/test_instalment_rules.py):

- **Equal monthly instalments** of `principal // count` cents, one per calendar month from the
  first period (the 1st of a month, Europe/Paris dates), each billed on that month's invoice.
- **The remainder cents go on the first instalment** (at most `count − 1` cents): every later
  instalment is the same amount, so the outstanding principal falls by the same step each
  month, and the customer never pays more than a cent per instalment ahead of an equal split.
  500 € in 24: 23 × 20.83 € and a first of 20.91 € (20.83 + 0.08).
- **2 to 36 instalments**, each at least 1 cent (so the principal is at least the count).
- **Outstanding principal** (capital restant dû) is the sum of the instalments not yet billed:
  a billed instalment is owed through its invoice like any other line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

MIN_INSTALMENTS = 2
MAX_INSTALMENTS = 36


@dataclass(frozen=True)
class ScheduledInstalment:
    number: int  # 1-based
    period_start: date  # the 1st of the month whose invoice bills it
    amount_cents: int  # incl. VAT


def month_after(period_start: date, months: int) -> date:
    """The 1st of the month `months` months after the month starting on `period_start`."""
    year, index = divmod(period_start.year * 12 + period_start.month - 1 + months, 12)
    return date(year, index + 1, 1)


def schedule_problem(*, principal_cents: int, count: int, first_period: date) -> str | None:
    """Why these terms make no schedule (in French, for the refusal), or None when they do."""
    if not MIN_INSTALMENTS <= count <= MAX_INSTALMENTS:
        return (
            f"Une facilité de paiement compte de {MIN_INSTALMENTS} à {MAX_INSTALMENTS}"
            f" mensualités (demandé : {count})."
        )
    if principal_cents < count:
        return (
            f"Le montant à étaler ({principal_cents} centimes) doit valoir au moins un centime"
            f" par mensualité ({count})."
        )
    if first_period.day != 1:
        return "La première mensualité porte sur un mois entier : sa période commence le 1er."
    return None


def schedule(
    *, principal_cents: int, count: int, first_period: date
) -> tuple[ScheduledInstalment, ...]:
    """The `count` monthly instalments of `principal_cents`, the remainder on the first."""
    problem = schedule_problem(
        principal_cents=principal_cents, count=count, first_period=first_period
    )
    if problem is not None:
        raise ValueError(problem)
    base, remainder = divmod(principal_cents, count)
    return tuple(
        ScheduledInstalment(
            number=number,
            period_start=month_after(first_period, number - 1),
            amount_cents=base + (remainder if number == 1 else 0),
        )
        for number in range(1, count + 1)
    )


def outstanding_cents(unbilled_amounts: Iterable[int]) -> int:
    """The outstanding principal: what the instalments not yet billed add up to."""
    return sum(unbilled_amounts)
