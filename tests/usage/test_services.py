"""`usage_import`: records rated for the operator's lines and stored, on SQLite and PostgreSQL.

Charges are hand-computed from the brochure (International §2, rates.toml): from France to
zone 3, 1.50 €/min, first minute indivisible then per second.
"""

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from guichet.billing.models import BillAdvance
from guichet.catalog.models import CatalogRelease
from guichet.catalog.schema import load_catalog
from guichet.lines.models import Line, TerminationReason
from guichet.lines.services import line_terminate, subscription_add
from guichet.rating import rate_usage, tariff_for_plan
from guichet.usage import services
from guichet.usage.counters import CounterStore
from guichet.usage.errors import UsageError, UsageErrorCode
from guichet.usage.files import CHUNK_RECORDS
from guichet.usage.models import (
    LineAllowanceUse,
    LineUsageQuantity,
    LineUsageTotals,
    RejectedUsageRecord,
    UsageImport,
    UsageRecord,
)
from guichet.usage.services import ImportSummary, usage_import
from tests.billing.builders import open_account, paris, product
from tests.conftest import CATALOG_DATA_DIR
from tests.customers.builders import SYSTEM
from tests.rating.conftest import frame, record
from tests.rating.test_engine import LINES, random_records
from tests.usage.builders import numbered_line, usage_file

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
CAMILLE = "+33611111111"
NOVEMBER = date(2026, 11, 1)


@pytest.fixture(autouse=True)
def _catalog(loaded_catalog: CatalogRelease) -> CatalogRelease:
    return loaded_catalog


def clock() -> datetime:
    return NOW


def run(path: Path, **kwargs: int) -> str:
    return ImportSummary.of(usage_import(path=path, clock=clock, **kwargs)).text()


def november_file(tmp_path: Path, name: str = "usage.csv") -> Path:
    return usage_file(
        tmp_path / name,
        [
            record("c1", line=CAMILLE, other="+8613812345678", duration="75"),
            record(
                "c2",
                line=CAMILLE,
                other="+8613812345678",
                duration="20",
                started_at="2026-11-02T11:00:00+01:00",
            ),
            record(
                "c3",
                line=CAMILLE,
                service="data",
                other=None,
                duration=None,
                volume="1500",
                started_at="2026-11-02T12:00:00+01:00",
            ),
            record("c4", line="+33699999999", started_at="2026-11-02T12:00:00+01:00"),
            record("c5", line=CAMILLE, service="fax", duration="10"),
            record("c1", line=CAMILLE, service="sms", duration=None),
        ],
    )


def stored_records() -> list[tuple[object, ...]]:
    return list(
        UsageRecord.objects.order_by("record_id").values_list(
            "record_id", "charge_micro_eur", "included", "period_start", "reason"
        )
    )


def counters() -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    totals = LineUsageTotals.objects.order_by("line_id", "period_start").values_list(
        "line__msisdn",
        "period_start",
        "data_france_ko",
        "data_roaming_included_ko",
        "data_roaming_charged_ko",
        "throttled",
        "out_of_bundle_micro_eur",
    )
    usage = LineUsageQuantity.objects.order_by(
        "line_id", "period_start", "service", "origin", "destination"
    ).values_list("line__msisdn", "period_start", "service", "origin", "destination", "quantity")
    return list(totals), list(usage)


def test_a_file_is_rated_for_its_lines_and_stored(tmp_path: Path) -> None:
    line = numbered_line(open_account(), CAMILLE, activated_at=paris(2026, 10, 1))

    summary = run(november_file(tmp_path))

    # 1.875 € + 1.50 € (20 s billed as the indivisible first minute) + data included.
    assert summary == "read=6 rated=3 rejected=2 duplicates=1 total_eur=3.375000"
    first = UsageRecord.objects.get(record_id="c1")
    assert (
        first.line_id,
        first.period_start,
        first.started_at,
        first.service,
        first.direction,
        first.origin_zone,
        first.destination_zone,
        first.other_party,
        first.duration_s,
        first.volume_bytes,
        first.charge_micro_eur,
        first.included,
        first.throttled,
        first.reason,
    ) == (
        line.pk,
        NOVEMBER,
        datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
        "voice",
        "out",
        "FR",
        "3",
        "+8613812345678",
        75,
        None,
        1_875_000,
        False,
        False,
        "from France to zone 3: 1.50 €/min, first minute indivisible, 75 s",
    )
    data = UsageRecord.objects.get(record_id="c3")
    assert (data.service, data.destination_zone, data.other_party, data.volume_bytes) == (
        "data",
        "",
        "",
        1500,
    )
    assert (data.duration_s, data.charge_micro_eur, data.included) == (None, 0, True)
    assert stored_records()[1][:3] == ("c2", 1_500_000, False)
    assert counters() == (
        [(CAMILLE, NOVEMBER, 2, 0, 0, False, 3_375_000)],
        [
            (CAMILLE, NOVEMBER, "data", "FR", "", 2),
            (CAMILLE, NOVEMBER, "voice", "FR", "3", 95),
        ],
    )


def test_rejected_records_are_kept_as_read_with_their_reason(tmp_path: Path) -> None:
    numbered_line(open_account(), CAMILLE, activated_at=paris(2026, 10, 1))

    run(november_file(tmp_path))

    rejected = list(
        RejectedUsageRecord.objects.order_by("row").values_list(
            "row",
            "record_id",
            "line",
            "started_at",
            "service",
            "direction",
            "visited_network",
            "other_party",
            "duration_s",
            "volume_bytes",
            "reason",
        )
    )
    assert rejected == [
        (
            4,
            "c4",
            "+33699999999",
            "2026-11-02T12:00:00+01:00",
            "voice",
            "out",
            "FR",
            "+33612345678",
            "60",
            None,
            "unknown line '+33699999999': no line of the operator has this number",
        ),
        (
            5,
            "c5",
            CAMILLE,
            "2026-11-02T10:00:00+01:00",
            "fax",
            "out",
            "FR",
            "+33612345678",
            "10",
            None,
            "unknown service 'fax' (expected one of voice, video, sms, mms, data)",
        ),
    ]
    batch = UsageImport.objects.get()
    assert (batch.read, batch.rated, batch.rejected, batch.duplicates) == (6, 3, 2, 1)
    assert (batch.started_at, batch.finished_at) == (NOW, NOW)
    assert batch.file_name.endswith("usage.csv")
    assert len(batch.sha256) == 64


def test_a_nul_character_read_is_stored_as_a_replacement_character(tmp_path: Path) -> None:
    numbered_line(open_account(), CAMILLE, activated_at=paris(2026, 10, 1))
    rows = [
        record("ok", line=CAMILLE, other="+8613812345678"),
        record("bad", line=CAMILLE, service="f\x00x"),
    ]

    run(usage_file(tmp_path / "usage.csv", rows))

    assert RejectedUsageRecord.objects.values_list("record_id", "service").get() == (
        "bad",
        "f\ufffdx",
    )
    assert UsageRecord.objects.values_list("record_id", "other_party").get() == (
        "ok",
        "+8613812345678",
    )


def test_importing_the_same_file_again_rates_nothing_twice(tmp_path: Path) -> None:
    numbered_line(open_account(), CAMILLE, activated_at=paris(2026, 10, 1))
    path = november_file(tmp_path)
    run(path)
    before = (stored_records(), counters())

    summary = run(path)

    assert summary == "read=6 rated=0 rejected=2 duplicates=4 total_eur=0.000000"
    assert (stored_records(), counters()) == before
    # Each run keeps what it rejected: the log of what each import could not rate.
    assert RejectedUsageRecord.objects.filter(batch__in=UsageImport.objects.all()).count() == 4
    assert UsageImport.objects.count() == 2


def test_a_duplicate_is_the_exact_record_id_sent_again(tmp_path: Path) -> None:
    # On PostgreSQL the stored ids are looked up as an array literal: quoting must keep each id
    # exact, and ids close to a stored one are new records.
    numbered_line(open_account(), CAMILLE, activated_at=paris(2026, 10, 1))
    odd = 'r"1\\,{2}'  # what a PostgreSQL array literal quotes
    first = [record("r-1", line=CAMILLE), record("R-2", line=CAMILLE), record(odd, line=CAMILLE)]
    usage_import(path=usage_file(tmp_path / "first.csv", first), clock=clock)
    again = [
        record("r-1", line=CAMILLE, service="sms", duration=None),  # other content, same id
        record("R-1", line=CAMILLE),
        record("r-2", line=CAMILLE),
        record("r-1 ", line=CAMILLE),  # the id read without its surrounding spaces
        record("r-10", line=CAMILLE),
        record(odd, line=CAMILLE),
    ]

    summary = run(usage_file(tmp_path / "again.csv", again))

    assert summary == "read=6 rated=3 rejected=0 duplicates=3 total_eur=0.000000"
    assert sorted(UsageRecord.objects.values_list("record_id", flat=True)) == sorted(
        ["R-1", "R-2", "r-1", "r-10", "r-2", odd]
    )
    assert UsageRecord.objects.get(record_id="r-1").service == "voice"


def test_a_parquet_file_is_imported_like_a_csv_one(tmp_path: Path) -> None:
    numbered_line(open_account(), CAMILLE, activated_at=paris(2026, 10, 1))
    csv = november_file(tmp_path)
    parquet = tmp_path / "usage.parquet"
    pl.read_csv(csv, infer_schema=False).write_parquet(parquet)

    assert run(parquet) == "read=6 rated=3 rejected=2 duplicates=1 total_eur=3.375000"


@pytest.mark.parametrize("chunk_records", [1, 2, 3, 5])
def test_any_chunk_size_imports_like_one_chunk(tmp_path: Path, chunk_records: int) -> None:
    """Chunk N+1 is read and rated while chunk N is being stored: a record repeating one of
    the chunk just before (3 and 5 records: c1 again in the next chunk) is still a duplicate,
    and the counters go on from that chunk's."""
    numbered_line(open_account(), CAMILLE, activated_at=paris(2026, 10, 1))

    summary = run(november_file(tmp_path), chunk_records=chunk_records)

    assert summary == "read=6 rated=3 rejected=2 duplicates=1 total_eur=3.375000"
    assert [r[:2] for r in stored_records()] == [("c1", 1_875_000), ("c2", 1_500_000), ("c3", 0)]
    assert counters()[0] == [(CAMILLE, NOVEMBER, 2, 0, 0, False, 3_375_000)]
    assert RejectedUsageRecord.objects.count() == 2


def kill_on_chunk(monkeypatch: pytest.MonkeyPatch, number: int) -> None:
    """The import dies while storing chunk `number` (its transaction is rolled back)."""
    real = services._store
    calls = {"n": 0}

    def store(**kwargs: object) -> pl.DataFrame:
        calls["n"] += 1
        stored = real(**kwargs)  # type: ignore[arg-type]
        if calls["n"] == number:
            raise RuntimeError("killed")
        return stored

    monkeypatch.setattr(services, "_store", store)


def test_a_killed_import_resumes_where_it_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    numbered_line(open_account(), CAMILLE, activated_at=paris(2026, 10, 1))
    path = november_file(tmp_path)
    kill_on_chunk(monkeypatch, 2)

    with pytest.raises(RuntimeError, match="killed"):
        usage_import(path=path, clock=clock, chunk_records=2)

    # Chunk 1 (c1, c2) is stored, chunk 2 left nothing, the batch is unfinished.
    assert [r[0] for r in stored_records()] == ["c1", "c2"]
    killed = UsageImport.objects.get()
    assert (killed.read, killed.rated, killed.finished_at) == (2, 2, None)
    assert counters()[0] == [(CAMILLE, NOVEMBER, 0, 0, 0, False, 3_375_000)]
    monkeypatch.undo()

    summary = run(path, chunk_records=2)

    assert summary == "read=6 rated=1 rejected=2 duplicates=3 total_eur=0.000000"
    assert [r[0] for r in stored_records()] == ["c1", "c2", "c3"]
    assert counters()[0] == [(CAMILLE, NOVEMBER, 2, 0, 0, False, 3_375_000)]


def test_a_file_without_records_is_read(tmp_path: Path) -> None:
    assert run(usage_file(tmp_path / "usage.csv", [])) == (
        "read=0 rated=0 rejected=0 duplicates=0 total_eur=0.000000"
    )
    assert UsageImport.objects.get().finished_at == NOW


def test_missing_file_and_missing_columns_are_refused_and_nothing_is_written(
    tmp_path: Path,
) -> None:
    with pytest.raises(UsageError) as missing:
        usage_import(path=tmp_path / "absent.csv", clock=clock)
    assert missing.value.code == UsageErrorCode.FILE_NOT_FOUND
    assert str(tmp_path / "absent.csv") in missing.value.message

    bad = tmp_path / "bad.csv"
    bad.write_text("record_id,line,started_at\nx,+33611111111,2026-11-02T10:00:00+01:00\n")
    with pytest.raises(UsageError) as columns:
        usage_import(path=bad, clock=clock)
    assert columns.value.code == UsageErrorCode.COLUMNS_MISSING
    assert "service, direction, visited_network, other_party, duration_s, volume_bytes" in (
        columns.value.message
    )
    assert UsageImport.objects.count() == 0


def test_records_go_to_the_line_that_held_the_number_then(tmp_path: Path) -> None:
    old = numbered_line(open_account(), CAMILLE, activated_at=paris(2026, 9, 1))
    line_terminate(
        line=old,
        reason=TerminationReason.CUSTOMER_REQUEST,
        actor=SYSTEM,
        now=paris(2026, 11, 10),
    )
    new = numbered_line(open_account(), CAMILLE, activated_at=paris(2026, 11, 20))
    path = usage_file(
        tmp_path / "usage.csv",
        [
            record("a", line=CAMILLE, started_at="2026-10-31T23:30:00+01:00"),
            record("b", line=CAMILLE, started_at="2026-11-05T10:00:00+01:00"),
            record("c", line=CAMILLE, started_at="2026-11-15T10:00:00+01:00"),
            record("d", line=CAMILLE, started_at="2026-11-25T10:00:00+01:00"),
            record("e", line=CAMILLE, started_at="2026-12-03T10:00:00+01:00"),
        ],
    )

    assert run(path) == "read=5 rated=3 rejected=2 duplicates=0 total_eur=0.000000"

    by_id = UsageRecord.objects.order_by("record_id")
    assert list(by_id.values_list("record_id", "line_id", "period_start")) == [
        ("a", old.pk, date(2026, 10, 1)),  # 31 October in Paris, 22:30 UTC
        ("b", old.pk, NOVEMBER),
        ("d", new.pk, NOVEMBER),
    ]
    assert dict(RejectedUsageRecord.objects.values_list("record_id", "reason")) == {
        "c": "line '+33611111111' was not in service at 2026-11-15T10:00:00+01:00",
        "e": "started_at 2026-12-03T10:00:00+01:00 is after the import started"
        " (2026-12-02T08:00:00+00:00)",
    }
    # Each line has its own counters: 60 s each, included.
    assert counters()[1] == [
        (CAMILLE, date(2026, 10, 1), "voice", "FR", "1", 60),
        (CAMILLE, NOVEMBER, "voice", "FR", "1", 60),
        (CAMILLE, NOVEMBER, "voice", "FR", "1", 60),
    ]
    assert LineUsageTotals.objects.filter(line=new).count() == 1


def test_a_line_on_a_plan_the_catalog_does_not_rate_is_rejected(tmp_path: Path) -> None:
    from tests.lines.builders import make_catalog

    make_catalog()  # adds the test-only plan woot-20-test, not in the catalog's data files
    numbered_line(open_account(), CAMILLE, activated_at=paris(2026, 10, 1), plan="woot-20-test")
    path = usage_file(tmp_path / "usage.csv", [record("a", line=CAMILLE)])

    assert run(path) == "read=1 rated=0 rejected=1 duplicates=0 total_eur=0.000000"
    assert RejectedUsageRecord.objects.get().reason == (
        "plan 'woot-20-test' of line '+33611111111' is not in the current catalog"
    )


def test_a_malformed_record_of_an_unknown_line_is_rejected_for_what_is_wrong(
    tmp_path: Path,
) -> None:
    path = usage_file(
        tmp_path / "usage.csv",
        [
            record("a", line="+33699999999", duration="-3"),
            record("a", line="+33699999999"),
            record("b", line="not a number"),
        ],
    )

    assert run(path) == "read=3 rated=0 rejected=3 duplicates=0 total_eur=0.000000"
    assert list(RejectedUsageRecord.objects.order_by("row").values_list("reason", flat=True)) == [
        "negative duration_s -3",
        "unknown line '+33699999999': no line of the operator has this number",
        "unparseable line 'not a number' (expected E.164 such as +33611111111)",
    ]


def test_the_core_words_duplicates_as_the_import_expects() -> None:
    tariff = tariff_for_plan(load_catalog(CATALOG_DATA_DIR), "woot-100go")
    result = rate_usage(frame([record("a"), record("a")]), tariff=tariff, seen_ids=["z"])
    again = rate_usage(frame([record("z")]), tariff=tariff, seen_ids=["z"])
    reasons = [result.records.get_column("reason")[1], again.records.get_column("reason")[0]]
    assert all(reason.startswith(services.DUPLICATE_REASON_PREFIX) for reason in reasons)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_counters_equal_rating_the_whole_period_in_one_batch(tmp_path: Path, seed: int) -> None:
    account = open_account()
    for number in LINES:
        numbered_line(account, number, activated_at=paris(2026, 10, 1))
    rows = random_records(random.Random(seed), 60, bad_share=0.1)
    rows.sort(key=lambda r: r["started_at"] or "")
    tariff = tariff_for_plan(load_catalog(CATALOG_DATA_DIR), "woot-100go")
    whole = rate_usage(frame(rows), tariff=tariff)
    # Two files, the second read by chunks of 7 records.
    cut = len(rows) // 3
    run(usage_file(tmp_path / "first.csv", rows[:cut]))
    run(usage_file(tmp_path / "second.csv", rows[cut:]), chunk_records=7)

    line_ids = dict(
        UsageRecord.objects.values_list("line_id", "line__msisdn").distinct().order_by()
    )
    stored = CounterStore().load(lines=line_ids, period_start=NOVEMBER)
    assert stored.as_dict() == whole.counters.as_dict()
    rated = whole.records.filter(pl.col("status") == "rated")
    assert sorted(UsageRecord.objects.values_list("record_id", "charge_micro_eur")) == sorted(
        rated.select("record_id", "charge_micro_eur").rows()
    )
    batches = UsageImport.objects.all()
    assert sum(b.rated for b in batches) == whole.rated
    assert sum(b.rejected for b in batches) == whole.rejected - sum(b.duplicates for b in batches)


def test_usage_of_the_current_month_past_the_threshold_asks_a_bill_advance(
    tmp_path: Path,
) -> None:
    account = open_account()
    numbered_line(account, CAMILLE, activated_at=paris(2026, 11, 1))
    # 21 one-minute calls to China (zone 3, 1.50 €/min from France): 31.50 € out of bundle,
    # past the 30 € of a customer with fewer than 3 invoices (CGS 5.1 (i)).
    calls = [
        record(
            f"cn{n}",
            line=CAMILLE,
            other="+8613812345678",
            started_at=f"2026-11-{n + 2:02d}T10:00:00+01:00",
        )
        for n in range(21)
    ]
    path = usage_file(tmp_path / "november.csv", calls)

    usage_import(path=path, clock=lambda: datetime(2026, 11, 25, 9, 0, tzinfo=UTC))

    advance = BillAdvance.objects.get(billing_account=account)
    assert (advance.period_start, advance.out_of_bundle_cents, advance.threshold_cents) == (
        NOVEMBER,
        3150,
        3000,
    )
    assert advance.amount_cents == 3150


def test_usage_of_a_past_month_asks_no_bill_advance(tmp_path: Path) -> None:
    account = open_account()
    numbered_line(account, CAMILLE, activated_at=paris(2026, 10, 1))
    calls = [
        record(
            f"cn{n}",
            line=CAMILLE,
            other="+8613812345678",
            started_at=f"2026-11-{n + 2:02d}T10:00:00+01:00",
        )
        for n in range(21)
    ]

    usage_import(path=usage_file(tmp_path / "november.csv", calls), clock=clock)

    assert not BillAdvance.objects.filter(billing_account=account).exists()


# -- top-ups valid some days, across the monthly renewal (Options et recharges §3) -------------

TRAVEL_7 = "voyage-usa-canada-suisse-7j"  # 30 min of calls from the US to France, 7 days
DECEMBER = date(2026, 12, 1)


def call_from_new_york(record_id: str, *, seconds: int, day: str) -> dict[str, str | None]:
    return record(
        record_id,
        line=CAMILLE,
        visited="US",
        other="+33612345678",
        duration=str(seconds),
        started_at=f"{day}T10:00:00-05:00",
    )


def buy_travel_top_up(line: Line, *, at: datetime) -> None:
    subscription_add(
        line=line, product=product(TRAVEL_7), actor=SYSTEM, now=at, ends_at=at + timedelta(days=7)
    )


def allowance_uses() -> list[tuple[object, ...]]:
    return list(
        LineAllowanceUse.objects.order_by("period_start", "product_code", "service").values_list(
            "period_start", "product_code", "service", "quantity"
        )
    )


@pytest.mark.parametrize(
    ("files", "chunk_records"),
    [
        pytest.param(1, CHUNK_RECORDS, id="one file"),
        pytest.param(1, 1, id="one file by chunks of 1 record"),
        pytest.param(2, CHUNK_RECORDS, id="a file per month"),
    ],
)
def test_a_top_up_bought_on_the_28th_keeps_its_balance_into_the_next_month(
    tmp_path: Path, files: int, chunk_records: int
) -> None:
    line = numbered_line(open_account(), CAMILLE, activated_at=paris(2026, 10, 1))
    buy_travel_top_up(line, at=paris(2026, 11, 28))
    november = call_from_new_york("nov", seconds=1200, day="2026-11-29")
    december = call_from_new_york("dec", seconds=900, day="2026-12-03")
    after = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)

    if files == 1:
        path = usage_file(tmp_path / "usage.csv", [november, december])
        usage_import(path=path, clock=lambda: after, chunk_records=chunk_records)
    else:
        usage_import(path=usage_file(tmp_path / "nov.csv", [november]), clock=lambda: after)
        usage_import(path=usage_file(tmp_path / "dec.csv", [december]), clock=lambda: after)

    # 20 of its 30 minutes used in November: 10 left on 3 December, then from zone 2 (US) to
    # zone 1, per second beyond what a top-up includes: 300 s at 1.20 €/min.
    assert list(UsageRecord.objects.order_by("started_at").values_list("charge_micro_eur")) == [
        (0,),
        (6_000_000,),
    ]
    assert allowance_uses() == [
        (NOVEMBER, TRAVEL_7, "voice", 1200),
        (DECEMBER, TRAVEL_7, "voice", 1800),
    ]


def test_a_top_up_that_ended_before_the_renewal_is_not_carried(tmp_path: Path) -> None:
    line = numbered_line(open_account(), CAMILLE, activated_at=paris(2026, 10, 1))
    buy_travel_top_up(line, at=paris(2026, 11, 20))  # valid until the 27th
    rows = [
        call_from_new_york("nov", seconds=1200, day="2026-11-21"),
        call_from_new_york("dec", seconds=60, day="2026-12-03"),
    ]

    usage_import(
        path=usage_file(tmp_path / "usage.csv", rows),
        clock=lambda: datetime(2026, 12, 5, 8, 0, tzinfo=UTC),
    )

    assert list(UsageRecord.objects.order_by("started_at").values_list("charge_micro_eur")) == [
        (0,),
        (1_200_000,),
    ]
    assert allowance_uses() == [(NOVEMBER, TRAVEL_7, "voice", 1200)]


MULTI_30 = "multi-destinations-appels-sms"  # 60 min of calls from China to France, 30 days


def call_from_beijing(record_id: str, *, seconds: int, day: str) -> dict[str, str | None]:
    return record(
        record_id,
        line=CAMILLE,
        visited="CN",
        other="+33612345678",
        duration=str(seconds),
        started_at=f"{day}T20:00:00+08:00",
    )


@pytest.mark.parametrize(
    ("files", "chunk_records"),
    [
        pytest.param(1, CHUNK_RECORDS, id="one file"),
        pytest.param(1, 1, id="one file by chunks of 1 record"),
        pytest.param(2, CHUNK_RECORDS, id="a file per month"),
    ],
)
def test_a_top_up_keeps_its_balance_across_a_month_without_usage(
    tmp_path: Path, files: int, chunk_records: int
) -> None:
    line = numbered_line(open_account(), CAMILLE, activated_at=paris(2026, 10, 1))
    bought = paris(2027, 1, 31)  # valid 30 days: until 2 March, past a February with no usage
    subscription_add(
        line=line,
        product=product(MULTI_30),
        actor=SYSTEM,
        now=bought,
        ends_at=bought + timedelta(days=30),
    )
    january = call_from_beijing("jan", seconds=3000, day="2027-01-31")
    march = call_from_beijing("mar", seconds=1200, day="2027-03-01")
    after = datetime(2027, 3, 5, 8, 0, tzinfo=UTC)

    if files == 1:
        path = usage_file(tmp_path / "usage.csv", [january, march])
        usage_import(path=path, clock=lambda: after, chunk_records=chunk_records)
    else:
        usage_import(path=usage_file(tmp_path / "jan.csv", [january]), clock=lambda: after)
        usage_import(path=usage_file(tmp_path / "mar.csv", [march]), clock=lambda: after)

    # 50 of its 60 minutes used in January: 10 left on 1 March, then from zone 3 (China) to
    # zone 1, per second beyond what a top-up includes: 600 s at 2.20 €/min.
    assert list(UsageRecord.objects.order_by("started_at").values_list("charge_micro_eur")) == [
        (0,),
        (22_000_000,),
    ]
    assert allowance_uses() == [
        (date(2027, 1, 1), MULTI_30, "voice", 3000),
        (date(2027, 3, 1), MULTI_30, "voice", 3600),
    ]
