"""Routing records to a line, a plan and a billing period: pure Polars, no database."""

import subprocess
import sys
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import polars as pl

from guichet.lines.selectors import RATING_LINES_SCHEMA
from guichet.usage.routing import route
from tests.rating.conftest import frame, record

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
A, B = "+33611111111", "+33622222222"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# A held A until 15 November (Woot 100 Go, then Woot 20 from the 10th), then line 3 took the
# number from the 20th; line 2 holds B but never had a plan; line 4 is on a plan the catalog
# cannot rate.
LINES = pl.DataFrame(
    [
        (
            A,
            1,
            utc(2026, 1, 1),
            utc(2026, 11, 15),
            "woot-100go",
            utc(2026, 1, 1),
            utc(2026, 11, 10),
        ),
        (A, 1, utc(2026, 1, 1), utc(2026, 11, 15), "woot-20", utc(2026, 11, 10), None),
        (A, 3, utc(2026, 11, 20), None, "woot-100go", utc(2026, 11, 20), None),
        (B, 2, utc(2026, 1, 1), None, None, None, None),
        ("+33633333333", 4, utc(2026, 1, 1), None, "gone", utc(2026, 1, 1), None),
    ],
    schema=RATING_LINES_SCHEMA,
    orient="row",
)


def routed(*rows: dict[str, str | None]) -> list[tuple[object, ...]]:
    out = route(frame(rows), LINES, now=NOW, rateable_plans={"woot-100go", "woot-20"})
    return out.select("line_id", "plan_code", "period_start", "generation", "route_reason").rows()


def test_a_record_goes_to_the_plan_its_line_had_when_it_started() -> None:
    assert routed(
        record("a", line=A, started_at="2026-11-05T10:00:00+01:00"),
        record("b", line=f" {A} ", started_at="2026-11-12T10:00:00+01:00"),
        record("c", line=A, started_at="2026-11-25T10:00:00+01:00"),
    ) == [
        (1, "woot-100go", date(2026, 11, 1), 1, None),
        (1, "woot-20", date(2026, 11, 1), 1, None),
        # The number's next holder: rated apart from the first (the core knows lines by number).
        (3, "woot-100go", date(2026, 11, 1), 2, None),
    ]


def test_the_period_is_the_paris_calendar_month() -> None:
    assert routed(
        record("a", line=A, started_at="2026-10-31T23:30:00+01:00"),
        record("b", line=A, started_at="2026-10-31T23:30:00+00:00"),  # 1 November, 00:30 Paris
    ) == [
        (1, "woot-100go", date(2026, 10, 1), 1, None),
        (1, "woot-100go", date(2026, 11, 1), 1, None),
    ]


def test_each_record_that_reaches_no_plan_says_why() -> None:
    reasons = [
        row[-1]
        for row in routed(
            record("x" * 65, line=A, started_at="2026-11-05T10:00:00+01:00"),
            record("f", line=A, started_at="2026-12-02T09:00:01+01:00"),
            record("g", line=A, started_at="2026-11-17T10:00:00+01:00"),
            record("h", line="+33699999999"),
            record("i", line=B),
            record("j", line="+33633333333"),
        )
    ]
    assert reasons == [
        "record_id longer than 64 characters",
        "started_at 2026-12-02T09:00:01+01:00 is after the import started"
        " (2026-12-02T08:00:00+00:00)",
        "line '+33611111111' was not in service at 2026-11-17T10:00:00+01:00",
        "unknown line '+33699999999': no line of the operator has this number",
        "line '+33622222222' had no plan at 2026-11-02T10:00:00+01:00",
        "plan 'gone' of line '+33633333333' is not in the current catalog",
    ]


def test_a_record_without_a_usable_number_or_time_reaches_no_line() -> None:
    rows = routed(record("a", line="0611111111"), record("b", line=A, started_at="yesterday"))
    assert [(line_id, reason is not None) for line_id, *_, reason in rows] == [
        (None, True),
        (None, True),
    ]


def test_the_import_time_may_be_given_in_any_time_zone() -> None:
    paris = datetime(2026, 12, 2, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))  # 08:00 UTC
    out = route(
        frame([record("a", line=A, started_at="2026-12-02T08:00:01+00:00")]),
        LINES,
        now=paris,
        rateable_plans={"woot-100go"},
    )
    assert out.get_column("route_reason").to_list() == [
        "started_at 2026-12-02T08:00:01+00:00 is after the import started"
        " (2026-12-02T08:00:00+00:00)"
    ]


def test_routing_imports_no_django() -> None:
    # Pure like the rating core: the lines come in as a frame.
    probe = (
        "import sys, guichet.usage.routing\n"
        "print(sorted(n for n in sys.modules if n == 'django' or n.startswith('django.')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
