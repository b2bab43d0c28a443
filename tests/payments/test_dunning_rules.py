"""The dunning schedule, pure: no database."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guichet.payments.dunning_rules import (
    DEFAULT_SCHEDULE,
    STEP_ORDER,
    Schedule,
    ScheduleError,
    ScheduleStep,
    StepCode,
    next_step,
    parse_schedule,
    step_reached,
)

DUE = date(2026, 12, 17)


def test_default_schedule_counts_from_the_due_date() -> None:
    assert [(step.code, step.offset_days) for step in DEFAULT_SCHEDULE.steps] == [
        (StepCode.FIRST_REMINDER, 5),
        (StepCode.SECOND_REMINDER, 15),
        (StepCode.SUSPENSION, 20),
        (StepCode.FORMAL_NOTICE, 30),
        (StepCode.TERMINATION, 60),
    ]
    assert parse_schedule(DEFAULT_SCHEDULE.text()) == DEFAULT_SCHEDULE


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("suspension=20", "CGS 2.4"),
        ("first_reminder=5,termination=40", "CGS 8.2"),
        ("first_reminder=5,first_reminder=9", "once"),
        ("suspension=20,first_reminder=5", "order"),
        ("first_reminder=0", "at least 1 day after the due date"),
        ("first_reminder=5,second_reminder=5", "at least 1 day after the one before"),
        ("first_reminder=5,reminder=9", "a step is one of"),
        ("first_reminder=five", "a step is one of"),
        ("first_reminder", "expected step=days"),
    ],
)
def test_schedules_the_terms_do_not_allow_are_refused(text: str, why: str) -> None:
    with pytest.raises(ScheduleError, match=why):
        parse_schedule(text)


def test_an_operator_may_drop_steps_and_move_them() -> None:
    schedule = parse_schedule(" first_reminder = 3 , suspension=10")
    assert schedule.step(StepCode.SUSPENSION) == ScheduleStep(StepCode.SUSPENSION, 10)
    assert schedule.step(StepCode.TERMINATION) is None


def test_steps_fall_due_at_their_offsets_when_done_on_time() -> None:
    done: list[tuple[StepCode, date]] = []
    dates = []
    while (due := next_step(DEFAULT_SCHEDULE, reference_due_on=DUE, done=done)) is not None:
        dates.append((due.step.code, due.due_on))
        done.append((due.step.code, due.due_on))
    assert dates == [
        (StepCode.FIRST_REMINDER, date(2026, 12, 22)),
        (StepCode.SECOND_REMINDER, date(2027, 1, 1)),
        (StepCode.SUSPENSION, date(2027, 1, 6)),
        (StepCode.FORMAL_NOTICE, date(2027, 1, 16)),
        (StepCode.TERMINATION, date(2027, 2, 15)),
    ]


def test_a_late_case_keeps_the_spacing_between_steps() -> None:
    # First reminder sent 24 days after the due date (the case opened late): the second comes
    # 10 days later, not at once, and the suspension 5 days after that.
    done = [(StepCode.FIRST_REMINDER, DUE + timedelta(days=24))]
    second = next_step(DEFAULT_SCHEDULE, reference_due_on=DUE, done=done)
    assert second is not None
    assert (second.step.code, second.due_on) == (StepCode.SECOND_REMINDER, DUE + timedelta(34))
    done.append((StepCode.SECOND_REMINDER, second.due_on))
    suspension = next_step(DEFAULT_SCHEDULE, reference_due_on=DUE, done=done)
    assert suspension is not None
    assert suspension.due_on == DUE + timedelta(days=39)


def test_a_step_the_schedule_no_longer_has_still_counts() -> None:
    # The suspension was done under an older schedule that the operator changed since: the
    # formal notice still comes next, spaced as the new schedule spaces it from the step before
    # it (30 − 5 = 25 days after the suspension).
    schedule = parse_schedule("first_reminder=5,formal_notice=30,termination=45")
    done = [(StepCode.FIRST_REMINDER, date(2026, 12, 22)), (StepCode.SUSPENSION, date(2027, 1, 6))]
    due = next_step(schedule, reference_due_on=DUE, done=done)
    assert due is not None
    assert (due.step.code, due.due_on) == (StepCode.FORMAL_NOTICE, date(2027, 1, 31))
    assert step_reached([StepCode.FIRST_REMINDER, StepCode.SUSPENSION]) == StepCode.SUSPENSION
    assert step_reached([]) is None


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    codes = draw(st.lists(st.sampled_from(STEP_ORDER), min_size=1, unique=True))
    codes = sorted(codes, key=STEP_ORDER.index)
    if StepCode.SUSPENSION in codes and StepCode.FIRST_REMINDER not in codes[:1]:
        codes = [StepCode.FIRST_REMINDER, *[c for c in codes if c != StepCode.FIRST_REMINDER]]
    if StepCode.TERMINATION in codes and StepCode.FORMAL_NOTICE not in codes:
        codes.insert(codes.index(StepCode.TERMINATION), StepCode.FORMAL_NOTICE)
    gaps = draw(st.lists(st.integers(1, 40), min_size=len(codes), max_size=len(codes)))
    offsets = [sum(gaps[: i + 1]) for i in range(len(codes))]
    return Schedule(tuple(ScheduleStep(c, o) for c, o in zip(codes, offsets, strict=True)))


@settings(deadline=None)  # pure and fast; the shared test machine is not
@given(schedule=schedules(), delays=st.lists(st.integers(0, 30), min_size=5, max_size=5))
def test_every_step_once_in_order_never_early_and_spaced(
    schedule: Schedule, delays: list[int]
) -> None:
    """Whatever the delays of the run, each step is done once, in the schedule's order, never
    before its offset, and never sooner after the previous one than the schedule spaces them."""
    done: list[tuple[StepCode, date]] = []
    for delay in delays:
        due = next_step(schedule, reference_due_on=DUE, done=done)
        if due is None:
            break
        assert due.due_on >= DUE + timedelta(days=due.step.offset_days)
        if done:
            previous = schedule.step(done[-1][0])
            assert previous is not None
            assert (due.due_on - done[-1][1]).days >= due.step.offset_days - previous.offset_days
        done.append((due.step.code, due.due_on + timedelta(days=delay)))
    codes = [code for code, _ in done]
    assert codes == [step.code for step in schedule.steps][: len(codes)]
