"""Reads of dunning cases and their steps."""

from collections.abc import Sequence

from django.conf import settings

from guichet.payments.dunning_rules import Schedule, StepCode, parse_schedule, step_reached
from guichet.payments.models.dunning import DunningCase, DunningCaseStatus, DunningStep


def dunning_schedule() -> Schedule:
    """The configured schedule (GUICHET_DUNNING_SCHEDULE); ScheduleError when invalid."""
    return parse_schedule(settings.GUICHET_DUNNING_SCHEDULE)


def dunning_open_cases(*, billing_account_id: int | None = None) -> dict[int, DunningCase]:
    """The open cases by billing account id, each with its steps loaded. Two queries."""
    cases = DunningCase.objects.filter(status=DunningCaseStatus.OPEN).prefetch_related("steps")
    if billing_account_id is not None:
        cases = cases.filter(billing_account_id=billing_account_id)
    return {case.billing_account_id: case for case in cases}


def dunning_steps_reached(*, billing_account_ids: Sequence[int]) -> dict[int, StepCode]:
    """The furthest step done in each account's open case; accounts without one are left out.
    One query."""
    done: dict[int, list[StepCode]] = {}
    for account_id, code in DunningStep.objects.filter(
        case__billing_account_id__in=billing_account_ids, case__status=DunningCaseStatus.OPEN
    ).values_list("case__billing_account_id", "step"):
        done.setdefault(account_id, []).append(StepCode(code))
    return {
        account_id: reached
        for account_id, codes in done.items()
        if (reached := step_reached(codes)) is not None
    }
