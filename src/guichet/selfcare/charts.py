"""Pure geometry and wording of the portal's charts, drawn as SVG by the templates: the data
gauge of a line and the monthly bars of its history. No Django; floats here are pixels and
percentages, never money (amounts arrive as integer cents or micro-euros and stay so)."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

KO_PER_MO = 1024
KO_PER_GO = 1024 * 1024
GAUGE_RADIUS = 52
GAUGE_CIRCUMFERENCE = 2 * math.pi * GAUGE_RADIUS


@dataclass(frozen=True)
class Gauge:
    used_ko: int
    allowance_ko: int
    left_ko: int  # never negative
    throttled: bool
    used_percent: int  # 0 to 100, rounded down, 100 once the allowance is used up

    @property
    def filled_length(self) -> float:
        """Length of the ring's arc drawn for what is used (stroke-dasharray)."""
        return round(GAUGE_CIRCUMFERENCE * self.used_percent / 100, 2)

    @property
    def circumference(self) -> float:
        return round(GAUGE_CIRCUMFERENCE, 2)

    @property
    def unlimited(self) -> bool:
        return self.allowance_ko == 0


def gauge(*, used_ko: int, allowance_ko: int, throttled: bool) -> Gauge:
    """The gauge of a data allowance: what is used of it, what is left. Usage beyond the
    allowance (throttled in France) fills the gauge and leaves nothing."""
    used_ko = max(used_ko, 0)
    if allowance_ko <= 0:
        return Gauge(used_ko, 0, 0, throttled, 0)
    left = max(allowance_ko - used_ko, 0)
    percent = 100 if left == 0 else min(used_ko * 100 // allowance_ko, 99)
    return Gauge(used_ko, allowance_ko, left, throttled, percent)


def data_size(ko: int | Fraction) -> str:
    """Ko as a customer reads a volume, French style: "512 Ko", "12,3 Mo", "57,80 Go", rounded
    down to the last digit shown."""
    if ko < KO_PER_MO:
        return f"{math.floor(ko)} Ko"
    if ko < KO_PER_GO:
        return _french_decimal(ko * 10 // KO_PER_MO, 1) + " Mo"
    return _french_decimal(ko * 100 // KO_PER_GO, 2) + " Go"


def data_shown_ko(ko: int) -> Fraction:
    """The volume `data_size(ko)` reads, in Ko: `ko` rounded down to the last digit shown."""
    if ko < KO_PER_MO:
        return Fraction(ko)
    if ko < KO_PER_GO:
        return Fraction(ko * 10 // KO_PER_MO * KO_PER_MO, 10)
    return Fraction(ko * 100 // KO_PER_GO * KO_PER_GO, 100)


def data_left(*, used_ko: int, allowance_ko: int) -> Fraction:
    """What is left of an allowance as the page tells it, in Ko: the allowance less the used
    volume as shown. The used figure is rounded down (never overstated), so rounding what is
    left down as well would lose up to a digit ("10,88 Go" used, "89,11 Go" left of 100 Go);
    this way the two figures add up to the allowance ("10,88 Go" + "89,12 Go"). Nothing is left
    once the allowance is used up."""
    if used_ko >= allowance_ko:
        return Fraction(0)
    return Fraction(allowance_ko) - data_shown_ko(max(used_ko, 0))


def _french_decimal(scaled: int, places: int) -> str:
    whole, fraction = divmod(scaled, 10**places)
    return f"{whole},{fraction:0{places}d}"


@dataclass(frozen=True)
class Bar:
    label: str  # month, e.g. "nov. 2026"
    short_label: str  # under the bar, e.g. "nov.", "juin", "juil."
    value: int  # in the chart's unit (Ko, micro-euros)
    text: str  # the value as read: "12,30 Go", "3,60 €"
    x: float
    y: float
    height: float


@dataclass(frozen=True)
class BarChart:
    bars: tuple[Bar, ...]
    width: int
    height: int  # of the plot area; labels go below it
    bar_width: float
    max_text: str


def bar_chart(
    *,
    values: Sequence[int],
    labels: Sequence[str],
    short_labels: Sequence[str],
    texts: Sequence[str],
    width: int = 360,
    height: int = 120,
) -> BarChart:
    """Bars scaled to the largest value (all flat when every value is 0); a value above 0
    keeps at least 2 px so that it is never drawn as nothing."""
    if not len(values) == len(labels) == len(short_labels) == len(texts):
        raise ValueError("one label, short label and text per value")
    count = max(len(values), 1)
    slot = width / count
    bar_width = round(slot * 0.6, 2)
    top = max(values, default=0)
    bars = []
    for index, value in enumerate(values):
        bar_height = 0.0 if top <= 0 or value <= 0 else max(height * value / top, 2.0)
        bars.append(
            Bar(
                label=labels[index],
                short_label=short_labels[index],
                value=value,
                text=texts[index],
                x=round(index * slot + (slot - bar_width) / 2, 2),
                y=round(height - bar_height, 2),
                height=round(bar_height, 2),
            )
        )
    max_text = texts[values.index(top)] if values else ""
    return BarChart(tuple(bars), width, height, bar_width, max_text)
