"""The fair use of roaming applied (plans.toml fair_use, CGS 6.2): `guichet fair-use check` alerts
the holder of a line used more than 60 of 120 days only in roaming, with more than half of its
usage there; 14 days after the alert (alert_notice_days) `usage import` rates that line's usage in
zone 1 at the non-occasional rates; a later check that finds the line within the rule ends it.

Charges hand-computed from rates.toml (from-abroad-voice, origin 1 → destination 1): 0.0264 €/min,
first 30 s indivisible then per second; a 60 s call costs 0.0264 € = 26,400 micro-euros.
"""

from datetime import UTC, date, datetime, timedelta
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from guichet.care.models import Activity, OutboxChannel, OutboxMessage
from guichet.care.notifications import render
from guichet.catalog.models import CatalogRelease
from guichet.lines.models import Line
from guichet.usage.fair_use_services import fair_use_check
from guichet.usage.models import FairUseCase, LineUsageDay, UsageRecord
from guichet.usage.services import usage_import
from tests.billing.builders import open_account
from tests.customers.builders import SYSTEM
from tests.rating.conftest import record
from tests.usage.builders import numbered_line, usage_file

PARIS = ZoneInfo("Europe/Paris")
NUMBER = "+33611111111"
AS_OF = date(2026, 11, 30)
CHECKED_AT = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)  # 08:00 in Paris, the day after AS_OF


@pytest.fixture(autouse=True)
def _catalog(loaded_catalog: CatalogRelease) -> CatalogRelease:
    return loaded_catalog


@pytest.fixture
def line() -> Line:
    return numbered_line(open_account(), NUMBER, activated_at=datetime(2026, 1, 5, tzinfo=UTC))


def store_days(line: Line, days: list[date], *, home_s: int = 0, roaming_s: int = 0) -> None:
    """The day counters `usage import` stores: calls of `home_s` seconds in France and of
    `roaming_s` seconds in zone 1 on each of `days`."""
    LineUsageDay.objects.bulk_create(
        LineUsageDay(
            line=line,
            period_start=day.replace(day=1),
            day=day,
            home_records=1 if home_s else 0,
            roaming_records=1 if roaming_s else 0,
            home_seconds=home_s,
            roaming_seconds=roaming_s,
            home_messages=0,
            roaming_messages=0,
            home_ko=0,
            roaming_ko=0,
        )
        for day in days
    )


def days_ending(last: date, count: int) -> list[date]:
    return [last - timedelta(days=offset) for offset in range(count)]


def check(as_of: date = AS_OF, now: datetime = CHECKED_AT) -> str:
    return fair_use_check(as_of=as_of, actor=SYSTEM, now=now).text()


def test_a_line_roaming_only_more_than_60_of_120_days_is_alerted_once(line: Line) -> None:
    store_days(line, days_ending(AS_OF, 61), roaming_s=600)
    store_days(line, days_ending(AS_OF - timedelta(days=70), 10), home_s=600)

    assert check() == "candidates=1 alerted=1 ended=0"

    case = FairUseCase.objects.get(line=line)
    assert case.closed_at is None
    assert case.roaming_only_days == 61
    # 61 roaming days of 600 s against 10 home days of 600 s: 61/71 of the call seconds.
    assert str(case.roaming_share) == "0.8591"
    # Alerted on 1 December: charged from the 15th day after, at midnight in Paris.
    assert case.charging_from == datetime(2026, 12, 16, tzinfo=PARIS)
    activity = Activity.objects.get(act="fair_use.alert")
    assert "61 jours sur 120" in activity.summary
    assert "16/12/2026" in activity.summary
    alert = OutboxMessage.objects.get(template="fair_use_alert", channel=OutboxChannel.SMS)
    text = render(alert.template, channel=OutboxChannel.SMS, context=alert.context).body
    assert text.startswith("Ligne 06 11 11 11 11 : 61 jours sur 120 uniquement en itinérance")
    assert "dès le 16/12/2026" in text

    assert check() == "candidates=1 alerted=0 ended=0"  # the same day again: nothing new
    assert OutboxMessage.objects.filter(template="fair_use_alert").count() == 2  # e-mail, SMS


def test_60_roaming_only_days_keep_within_the_rule(line: Line) -> None:
    store_days(line, days_ending(AS_OF, 60), roaming_s=600)

    assert check() == "candidates=0 alerted=0 ended=0"
    assert not FairUseCase.objects.exists()


def test_days_with_usage_in_france_too_are_not_roaming_only(line: Line) -> None:
    store_days(line, days_ending(AS_OF, 90), home_s=60, roaming_s=600)

    assert check() == "candidates=1 alerted=0 ended=0"


def test_more_usage_in_france_than_roaming_keeps_within_the_rule(line: Line) -> None:
    store_days(line, days_ending(AS_OF, 61), roaming_s=60)
    store_days(line, days_ending(AS_OF - timedelta(days=61), 40), home_s=600)

    assert check() == "candidates=1 alerted=0 ended=0"


def test_the_case_ends_when_the_window_no_longer_breaks_the_rule(line: Line) -> None:
    store_days(line, days_ending(AS_OF, 61), roaming_s=600)
    check()

    # 60 days later the window starts after the first roaming day: 60 roaming-only days left.
    later = AS_OF + timedelta(days=60)
    assert check(later, CHECKED_AT + timedelta(days=60)) == "candidates=0 alerted=0 ended=1"

    case = FairUseCase.objects.get(line=line)
    assert case.closed_at == CHECKED_AT + timedelta(days=60)
    assert Activity.objects.filter(act="fair_use.end").count() == 1
    assert OutboxMessage.objects.filter(template="fair_use_ended").exists()
    assert check(later, CHECKED_AT + timedelta(days=60)) == "candidates=0 alerted=0 ended=0"


def test_usage_in_zone_1_is_charged_from_the_end_of_the_notice(line: Line, tmp_path: Path) -> None:
    store_days(line, days_ending(AS_OF, 61), roaming_s=600)
    check()
    calls = usage_file(
        tmp_path / "december.csv",
        [
            # Spain to a French mobile, 60 s: during the notice, included in the plan...
            record("before", line=NUMBER, visited="ES", started_at="2026-12-15T23:59:00+01:00"),
            # ...from 16 December, a non-occasional traveller's call: 0.0264 €/min.
            record("after", line=NUMBER, visited="ES", started_at="2026-12-16T00:00:00+01:00"),
            # In France, unchanged: included.
            record("home", line=NUMBER, visited="FR", started_at="2026-12-17T10:00:00+01:00"),
        ],
    )

    usage_import(path=calls, clock=lambda: datetime(2026, 12, 20, tzinfo=UTC))

    charges = dict(UsageRecord.objects.values_list("record_id", "charge_micro_eur"))
    assert charges == {"before": 0, "after": 26_400, "home": 0}


def test_the_command_checks_yesterday_by_default(line: Line) -> None:
    store_days(line, days_ending(AS_OF, 61), roaming_s=600)
    out = StringIO()

    call_command("fair-use", "check", "--now", "2026-12-01T08:00:00+01:00", stdout=out)

    assert out.getvalue().strip() == "candidates=1 alerted=1 ended=0"
