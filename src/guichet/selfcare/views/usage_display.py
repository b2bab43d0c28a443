"""What the Accueil and Conso pages show of a line's usage: its gauge, its calls and messages,
its out-of-bundle amount, shaped for the templates from the usage selectors."""

from dataclasses import dataclass
from datetime import date

from guichet.billing.rules import round_to_cents
from guichet.lines.models import Line
from guichet.selfcare.charts import Gauge, data_left, data_size, gauge
from guichet.usage.selectors import LineUsage, UsageQuantity

FRANCE = "FR"


@dataclass(frozen=True)
class UsageAtAGlance:
    line: Line
    period_start: date
    gauge: Gauge
    used_text: str
    left_text: str
    allowance_text: str
    roaming_used_text: str
    roaming_left_text: str
    roaming_allowance_text: str
    roaming_charged_text: str
    call_seconds_france: int
    call_text_france: str
    sms_france: int
    mms_france: int
    out_of_bundle_cents: int
    quantities: tuple[UsageQuantity, ...]


def call_duration(seconds: int) -> str:
    """Seconds of calls as a customer reads them: "0 min", "45 min", "2 h 05 min"."""
    minutes = seconds // 60
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def at_a_glance(*, line: Line, usage: LineUsage) -> UsageAtAGlance:
    used = usage.data_france_ko + usage.data_roaming_ko
    # What is left is the allowance less the used figure as shown (charts.data_left), so that
    # the two figures add up: the counters' remaining volumes (usage.data_remaining_ko, and
    # usage.data_roaming_remaining_ko, the same rule), rounded down on their own, fell a last
    # digit short.
    left = data_left(used_ko=used, allowance_ko=usage.data_allowance_ko)
    roaming_left = min(
        left,
        data_left(used_ko=usage.data_roaming_ko, allowance_ko=usage.data_roaming_allowance_ko),
    )
    voice = sum(q.quantity for q in usage.quantities if q.service == "voice" and q.origin == FRANCE)
    return UsageAtAGlance(
        line=line,
        period_start=usage.period_start,
        gauge=gauge(used_ko=used, allowance_ko=usage.data_allowance_ko, throttled=usage.throttled),
        used_text=data_size(used),
        left_text=data_size(left),
        allowance_text=data_size(usage.data_allowance_ko),
        roaming_used_text=data_size(usage.data_roaming_ko),
        roaming_left_text=data_size(roaming_left),
        roaming_allowance_text=data_size(usage.data_roaming_allowance_ko),
        roaming_charged_text=data_size(usage.data_roaming_charged_ko),
        call_seconds_france=voice,
        call_text_france=call_duration(voice),
        sms_france=_messages(usage, "sms"),
        mms_france=_messages(usage, "mms"),
        out_of_bundle_cents=round_to_cents(usage.out_of_bundle_micro_eur, unit="micro_eur"),
        quantities=usage.quantities,
    )


def _messages(usage: LineUsage, service: str) -> int:
    return sum(q.quantity for q in usage.quantities if q.service == service and q.origin == FRANCE)


def rate_text(micro_eur: int) -> str:
    """A catalog rate as the brochure prints it, to 1/100,000 € at most: "0,228 €", "15,40 €",
    "0,00216 €" (never rounded: the rate is what rating applies)."""
    whole, fraction = divmod(micro_eur, 1_000_000)
    digits = f"{fraction:06d}".rstrip("0")
    return f"{whole},{digits.ljust(2, '0')} €"
