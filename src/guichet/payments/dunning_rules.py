"""Pure dunning rules: the schedule of steps after an unpaid due date, and when each falls due.

No Django, no clock, no I/O: dates in, dates out (mypy-strict, property-tested).

What the terms of service require, and what the schedule checks:

- CGS 2.4: the operator may suspend the services "en cas de non-paiement d'une facture à la date
  limite de paiement figurant sur la facture, et après relance restée sans effet", "après vous
  en avoir informé par tout moyen": a suspension comes after at least one reminder, and the
  reminder before it announces it. The suspension does not stop billing.
- CGS 8.2: the operator may terminate "après vous en avoir avisé", for "non-paiement des sommes
  que vous nous dues, après mise en demeure restée sans effet": a termination comes after a
  formal notice (mise en demeure), which announces it.

The CGS give no number of days. The default offsets (`DEFAULT_SCHEDULE`) are the project's
choice, overridable by the operator (setting `GUICHET_DUNNING_SCHEDULE`): a first reminder 5
days after the due date, a second one at 15 that announces the suspension, the suspension of
outgoing usage at 20, the formal notice at 30 that announces the termination, and the
termination at 60 — a month after the formal notice, because it is final (loss of the number).

Steps keep their spacing: a step falls due `offset` days after the reference due date, but never
sooner after the step done before it than the schedule spaces them. A case opened late (the run
did not run for a while, or an invoice came back unpaid long after its due date) therefore
never suspends a line the day after its first reminder.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from itertools import pairwise


class StepCode(StrEnum):
    """The steps in the only order they can happen (a schedule may leave some out)."""

    FIRST_REMINDER = "first_reminder"
    SECOND_REMINDER = "second_reminder"
    SUSPENSION = "suspension"
    FORMAL_NOTICE = "formal_notice"
    TERMINATION = "termination"


STEP_LABELS: dict[StepCode, str] = {
    StepCode.FIRST_REMINDER: "Première relance",
    StepCode.SECOND_REMINDER: "Seconde relance",
    StepCode.SUSPENSION: "Suspension des usages sortants",
    StepCode.FORMAL_NOTICE: "Mise en demeure",
    StepCode.TERMINATION: "Résiliation par l'opérateur",
}

STEP_ORDER: tuple[StepCode, ...] = tuple(StepCode)
REMINDERS = frozenset({StepCode.FIRST_REMINDER, StepCode.SECOND_REMINDER})

DEFAULT_SCHEDULE_TEXT = (
    "first_reminder=5,second_reminder=15,suspension=20,formal_notice=30,termination=60"
)


class ScheduleError(ValueError):
    """A schedule the terms of service do not allow, or that cannot be read."""


@dataclass(frozen=True)
class ScheduleStep:
    code: StepCode
    # Days after the due date of the oldest unpaid invoice (the case's reference date).
    offset_days: int


@dataclass(frozen=True)
class Schedule:
    steps: tuple[ScheduleStep, ...]

    def __post_init__(self) -> None:
        _validate(self.steps)

    def step(self, code: StepCode) -> ScheduleStep | None:
        return next((step for step in self.steps if step.code == code), None)

    def text(self) -> str:
        return ",".join(f"{step.code}={step.offset_days}" for step in self.steps)


def _validate(steps: Sequence[ScheduleStep]) -> None:
    if not steps:
        raise ScheduleError("a dunning schedule has at least one step")
    codes = [step.code for step in steps]
    if len(set(codes)) != len(codes):
        raise ScheduleError("each step appears once")
    if codes != sorted(codes, key=STEP_ORDER.index):
        raise ScheduleError(
            "steps follow the order " + " < ".join(STEP_ORDER) + f", not {' < '.join(codes)}"
        )
    offsets = [step.offset_days for step in steps]
    if offsets[0] < 1:
        raise ScheduleError("the first step comes at least 1 day after the due date")
    if any(later <= earlier for earlier, later in pairwise(offsets)):
        raise ScheduleError("each step comes at least 1 day after the one before it")
    if StepCode.SUSPENSION in codes and not REMINDERS & set(
        codes[: codes.index(StepCode.SUSPENSION)]
    ):
        raise ScheduleError("CGS 2.4: a suspension comes after a reminder left without effect")
    if StepCode.TERMINATION in codes and StepCode.FORMAL_NOTICE not in codes:
        raise ScheduleError("CGS 8.2: a termination comes after a formal notice without effect")


def parse_schedule(text: str) -> Schedule:
    """ "first_reminder=5,suspension=20,…" → a validated `Schedule` (ScheduleError otherwise)."""
    steps = []
    for item in text.split(","):
        code, sep, offset = item.strip().partition("=")
        if not sep:
            raise ScheduleError(f"« {item.strip()} »: expected step=days")
        try:
            steps.append(ScheduleStep(StepCode(code.strip()), int(offset.strip())))
        except ValueError:
            raise ScheduleError(
                f"« {item.strip()} »: a step is one of {', '.join(STEP_ORDER)}, days an integer"
            ) from None
    return Schedule(tuple(steps))


DEFAULT_SCHEDULE = parse_schedule(DEFAULT_SCHEDULE_TEXT)


@dataclass(frozen=True)
class DueStep:
    step: ScheduleStep
    due_on: date


def next_step(
    schedule: Schedule, *, reference_due_on: date, done: Sequence[tuple[StepCode, date]]
) -> DueStep | None:
    """The next step of a case and the date it falls due, or None when none is left.

    `done` holds the steps already done and the date each was done. The next step is the first
    of the schedule that comes after every step done (a step the schedule no longer has still
    counts: the operator may change the schedule while cases are open).
    """
    last_rank = max((STEP_ORDER.index(code) for code, _ in done), default=-1)
    remaining = [step for step in schedule.steps if STEP_ORDER.index(step.code) > last_rank]
    if not remaining:
        return None
    step = remaining[0]
    due_on = reference_due_on + timedelta(days=step.offset_days)
    if done:
        position = schedule.steps.index(step)
        previous_offset = schedule.steps[position - 1].offset_days if position else 0
        last_done_on = max(done_on for _, done_on in done)
        due_on = max(due_on, last_done_on + timedelta(days=step.offset_days - previous_offset))
    return DueStep(step=step, due_on=due_on)


def step_reached(done: Sequence[StepCode]) -> StepCode | None:
    """The furthest step done, the one the customer's situation is at."""
    return max(done, key=STEP_ORDER.index, default=None)
