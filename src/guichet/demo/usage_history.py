"""The personas' usage history: a usage file per demo, imported by the real `usage_import`.

Every month of each persona's mobile line, from its activation to the demo's today, gets calls,
SMS and data sessions in the amounts its holder would use, written to a usage file as mediation
would send it (in started_at order) and imported by the same service as `guichet usage import`.
The bill run then invoices those months, with their out-of-bundle usage.

- Camille: a steady user, all included; her summer holidays in Spain and Italy (zone 1) are
  included too ("UE et DOM", International §1).
- Karim: calls his family in Algeria (zone 2) every month from France: out of bundle,
  0.60 €/min (International §2), with the international option.
- Léa: a week in Spain (included), and three months ago a trip to New York (zone 2): calls home
  at 1.20 €/min, calls received at 0.60 €/min, a little data at 15.40 €/Mo.
- Hugo: a heavy data user; two months ago he went past the 100 Go: throttled in France until
  the month ended (Woot 100 Go, "débit réduit").
"""

import random
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl

from guichet.lines.models import Line
from guichet.rating import USAGE_COLUMNS
from guichet.usage.models import UsageImport
from guichet.usage.services import usage_import

PARIS = ZoneInfo("Europe/Paris")
MB = 1024 * 1024
Row = dict[str, str | None]


@dataclass(frozen=True)
class Month:
    """The part of a calendar month the line was in service before the demo's today."""

    first_day: date  # 1st of the month
    start: datetime
    stop: datetime
    months_ago: int  # 0: the current month

    @property
    def share(self) -> float:
        """How much of the month this is (usage scales with it); not money."""
        full = _month_start(_next_month(self.first_day)) - _month_start(self.first_day)
        return (self.stop - self.start) / full


@dataclass(frozen=True)
class Profile:
    calls_per_month: int
    sms_per_month: int
    data_mb_per_month: int
    extras: Callable[["_Writer", Month], None] = lambda writer, month: None


def usage_history_import(
    *, lines: Mapping[str, Line], seed: int, now: datetime
) -> UsageImport | None:
    """Generate and import the usage of the personas' mobile lines (`lines`: persona email →
    line) up to `now`; returns the import batch (None when there is no line)."""
    rng = random.Random(f"usage-history-{seed}")
    rows: list[Row] = []
    for email, line in lines.items():
        writer = _Writer(line=line, rng=rng)
        profile = PROFILES[email]
        for month in _months(line, now):
            writer.ordinary_month(month, profile)
            profile.extras(writer, month)
        rows += writer.rows
    if not rows:
        return None
    records = pl.DataFrame(rows, schema=dict.fromkeys(USAGE_COLUMNS, pl.String)).sort("started_at")
    with tempfile.TemporaryDirectory(prefix="guichet-demo-usage-") as directory:
        path = Path(directory) / f"demo-usage-{now:%Y%m%d}.csv"
        records.write_csv(path)
        return usage_import(path=path, clock=lambda: now)


def _month_start(day: date) -> datetime:
    return datetime(day.year, day.month, 1, tzinfo=PARIS)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _months(line: Line, now: datetime) -> Iterator[Month]:
    assert line.activated_at is not None
    first = line.activated_at.astimezone(PARIS).date().replace(day=1)
    current = now.astimezone(PARIS).date().replace(day=1)
    day = first
    while day <= current:
        start = max(_month_start(day), line.activated_at + timedelta(hours=1))
        stop = min(_month_start(_next_month(day)), now)
        if start < stop:
            ago = (current.year - day.year) * 12 + current.month - day.month
            yield Month(first_day=day, start=start, stop=stop, months_ago=ago)
        day = _next_month(day)


class _Writer:
    """Records of one line, with ids unique to the line and the demo."""

    def __init__(self, *, line: Line, rng: random.Random) -> None:
        self.line = line
        self.rng = rng
        self.rows: list[Row] = []

    def _at(self, start: datetime, stop: datetime) -> str:
        seconds = self.rng.uniform(0, (stop - start).total_seconds())
        return (start + timedelta(seconds=seconds)).astimezone(PARIS).isoformat(timespec="seconds")

    def record(
        self,
        start: datetime,
        stop: datetime,
        *,
        service: str,
        direction: str = "out",
        visited: str = "FR",
        other: str | None = None,
        duration_s: int | None = None,
        volume_bytes: int | None = None,
    ) -> None:
        self.rows.append(
            {
                "record_id": f"demo-{self.line.msisdn[1:]}-{len(self.rows) + 1:06d}",
                "line": self.line.msisdn,
                "started_at": self._at(start, stop),
                "service": service,
                "direction": direction,
                "visited_network": visited,
                "other_party": other,
                "duration_s": None if duration_s is None else str(duration_s),
                "volume_bytes": None if volume_bytes is None else str(volume_bytes),
            }
        )

    def french_number(self) -> str:
        return f"+33{self.rng.choice('67')}{self.rng.randrange(10**8):08d}"

    def calls(
        self, count: int, start: datetime, stop: datetime, *, visited: str = "FR", to: str = ""
    ) -> None:
        """`count` calls made and about half as many received."""
        for _ in range(count):
            number = to or self.french_number()
            self.record(
                start,
                stop,
                service="voice",
                visited=visited,
                other=number,
                duration_s=int(self.rng.expovariate(1 / 180)) + 5,
            )
        for _ in range(count // 2):
            self.record(
                start,
                stop,
                service="voice",
                direction="in",
                visited=visited,
                other=self.french_number(),
                duration_s=int(self.rng.expovariate(1 / 240)) + 5,
            )

    def messages(self, count: int, start: datetime, stop: datetime, *, visited: str = "FR") -> None:
        for _ in range(count):
            direction = self.rng.choice(("out", "out", "in"))
            self.record(
                start,
                stop,
                service="sms",
                direction=direction,
                visited=visited,
                other=self.french_number(),
            )

    def data(self, total_mb: int, start: datetime, stop: datetime, *, visited: str = "FR") -> None:
        """Sessions of a few hundred Mo each adding up to about `total_mb`."""
        left = total_mb * MB
        while left > 0:
            volume = min(left, int(self.rng.uniform(50, 900) * MB))
            self.record(start, stop, service="data", visited=visited, volume_bytes=volume)
            left -= volume

    def ordinary_month(self, month: Month, profile: Profile) -> None:
        share = month.share
        self.calls(round(profile.calls_per_month * share), month.start, month.stop)
        self.messages(round(profile.sms_per_month * share), month.start, month.stop)
        self.data(round(profile.data_mb_per_month * share), month.start, month.stop)

    def trip(self, month: Month, country: str, *, days: int, calls: int, data_mb: int) -> None:
        """A stay abroad at the middle of the month: calls home, messages, data."""
        start = max(month.start, _month_start(month.first_day) + timedelta(days=10))
        stop = min(month.stop, start + timedelta(days=days))
        if start >= stop:
            return
        self.calls(calls, start, stop, visited=country)
        self.messages(calls * 2, start, stop, visited=country)
        self.data(data_mb, start, stop, visited=country)


def _camille(writer: _Writer, month: Month) -> None:
    if month.first_day.month == 7:
        writer.trip(month, "ES", days=14, calls=12, data_mb=3_000)
    if month.first_day.month == 8:
        writer.trip(month, "IT", days=7, calls=6, data_mb=1_500)


def _karim(writer: _Writer, month: Month) -> None:
    # His international option opens after his first month (compatibility table).
    if month.months_ago < 12:
        family = "+2135" + f"{writer.rng.randrange(10**8):08d}"
        writer.calls(2, month.start, month.stop, to=family)


def _lea(writer: _Writer, month: Month) -> None:
    if month.first_day.month == 5:
        writer.trip(month, "ES", days=7, calls=5, data_mb=2_000)
    if month.months_ago == 3:
        start = max(month.start, _month_start(month.first_day) + timedelta(days=12))
        stop = min(month.stop, start + timedelta(days=6))
        writer.calls(3, start, stop, visited="US")
        for _ in range(2):
            writer.record(start, stop, service="data", visited="US", volume_bytes=300 * 1024)


def _hugo(writer: _Writer, month: Month) -> None:
    if month.months_ago == 2:
        writer.data(60_000, month.start, month.stop)  # with his usual 45 Go: past the 100 Go


PROFILES: Mapping[str, Profile] = {
    "camille@demo.guichet.fr": Profile(40, 60, 9_000, _camille),
    "karim@demo.guichet.fr": Profile(35, 120, 14_000, _karim),
    "lea@demo.guichet.fr": Profile(25, 90, 20_000, _lea),
    "hugo@demo.guichet.fr": Profile(20, 30, 45_000, _hugo),
}
