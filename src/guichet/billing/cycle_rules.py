"""Billing cycles: which days each invoice of an account covers (pure; no Django, no clock).

Terms: CGS 7, « Les factures sont envoyées mensuellement »; CGS 7.3, the operator may, with
the customer's agreement, « faire varier la date de facturation ». The app description offers
fixed-line customers « Changer cycle de facturation » (Factures > Préférences).

Rules chosen (each pinned by tests/billing/test_cycle_rules.py):

- **Cycle day**: the day of the month each period starts, 1 to 28 (`CYCLE_DAY_MIN`..`MAX`).
  Days 29–31 are not offered: every month has days 1–28, so every period starts on the day
  chosen and stays one month long (« mensuellement »), never shifted by a short February.
- **A regular period** runs from the cycle day (included) to the same day a month later
  (excluded): cycle day 15 bills 15 March – 14 April. Cycle day 1 is the calendar month.
  A monthly fee is prorated over the days of the period it belongs to (`reference_days`).
- **A change** takes effect at the next period boundary: the period running when the customer
  chooses stays as it was; then a **transition period** runs from that boundary to the first
  new cycle day after it (1 to 30 days, always shorter than a month), after which regular periods of
  the new cycle follow. The transition invoice prorates monthly fees over the days the old
  cycle's period would have had from that boundary (`reference_days`), so that a fee is never
  charged twice nor skipped for a day.
- **One change at a time**: a new change waits until the transition has ended (the service
  refuses it before), so an account's periods follow from its cycle changes in order.
- **Accounts holding a mobile line keep cycle day 1**: mobile allowances (100 Go, 17 Go in the
  EU…) and their counters run per calendar month (rating, usage counters, the bill advance of
  CGS 5.1 (i)), and the invoice bills a line's out-of-bundle usage of its calendar month. A
  period across two months would split one allowance over two invoices; the service refuses
  the change, saying so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from guichet.billing.rules import add_months

CYCLE_DAY_MIN = 1
CYCLE_DAY_MAX = 28


@dataclass(frozen=True)
class CycleChange:
    """A change of cycle day: the transition runs from `transition_start` to `new_cycle_from`
    (excluded); regular periods of `new_day` start on `new_cycle_from`."""

    old_day: int
    new_day: int
    transition_start: date
    new_cycle_from: date


@dataclass(frozen=True)
class BillingPeriod:
    """Days `start` (included) to `stop` (excluded) of one invoice."""

    start: date
    stop: date
    transition: bool = False

    @property
    def end(self) -> date:
        """The last day billed (included)."""
        return self.stop - timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.stop - self.start).days

    @property
    def reference_days(self) -> int:
        """The days of the month-long period starting on `start`: the denominator of a
        monthly fee's prorata (the month's days for a calendar month)."""
        return (add_months(self.start, 1) - self.start).days


def check_cycle_day(day: int) -> bool:
    return CYCLE_DAY_MIN <= day <= CYCLE_DAY_MAX


def _on_day(day: date, cycle_day: int) -> date:
    """`day`'s month on `cycle_day` (cycle days exist in every month)."""
    return day.replace(day=cycle_day)


def regular_period(day: date, cycle_day: int) -> BillingPeriod:
    """The period of `cycle_day` that contains `day`."""
    start = _on_day(day, cycle_day)
    if start > day:
        start = add_months(start, -1)
    return BillingPeriod(start=start, stop=add_months(start, 1))


def first_on_day_after(day: date, cycle_day: int) -> date:
    """The first date strictly after `day` falling on `cycle_day`."""
    candidate = _on_day(day, cycle_day)
    return candidate if candidate > day else add_months(candidate, 1)


def cycle_change_plan(*, today: date, old_day: int, new_day: int) -> CycleChange:
    """When a change chosen on `today` takes effect: at the end of the period running today."""
    if not (check_cycle_day(old_day) and check_cycle_day(new_day)) or old_day == new_day:
        raise ValueError(f"no cycle change from day {old_day} to day {new_day}")
    boundary = regular_period(today, old_day).stop
    return CycleChange(
        old_day=old_day,
        new_day=new_day,
        transition_start=boundary,
        new_cycle_from=first_on_day_after(boundary, new_day),
    )


def period_containing(
    day: date, *, cycle_day: int, changes: Sequence[CycleChange] = ()
) -> BillingPeriod:
    """The period of the account that contains `day`. `cycle_day` is the account's cycle day
    when it has no change; `changes` its cycle changes, oldest first (the days before the
    first change's transition follow its `old_day`)."""
    current = changes[0].old_day if changes else cycle_day
    for change in changes:
        if day < change.transition_start:
            break
        if day < change.new_cycle_from:
            return BillingPeriod(
                start=change.transition_start, stop=change.new_cycle_from, transition=True
            )
        current = change.new_day
    return regular_period(day, current)


def period_starting(
    start: date, *, cycle_day: int, changes: Sequence[CycleChange] = ()
) -> BillingPeriod | None:
    """The account's period that starts on `start`, or None when none does."""
    period = period_containing(start, cycle_day=cycle_day, changes=changes)
    return period if period.start == start else None


def next_period(
    today: date, *, cycle_day: int, changes: Sequence[CycleChange] = ()
) -> BillingPeriod:
    """The period after the one running on `today`."""
    current = period_containing(today, cycle_day=cycle_day, changes=changes)
    return period_containing(current.stop, cycle_day=cycle_day, changes=changes)
