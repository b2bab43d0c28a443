"""Configuration checks of the payments context, run by `guichet check` and at startup."""

from typing import Any

from django.core import checks

from guichet.payments.dunning_rules import ScheduleError
from guichet.payments.selectors.dunning import dunning_schedule


@checks.register()
def check_dunning_schedule(**kwargs: Any) -> list[checks.CheckMessage]:
    try:
        dunning_schedule()
    except ScheduleError as error:
        return [checks.Error(f"GUICHET_DUNNING_SCHEDULE: {error}", id="guichet.payments.E001")]
    return []
