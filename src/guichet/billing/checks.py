"""Configuration checks of the billing context, run by `guichet check` and at startup."""

from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from guichet.billing.selectors import unpaid_refused_acts


@checks.register()
def check_unpaid_refused_acts(**kwargs: Any) -> list[checks.CheckMessage]:
    try:
        unpaid_refused_acts()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="guichet.billing.E001")]
    return []
