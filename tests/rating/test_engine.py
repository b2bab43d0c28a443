import random

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guichet.rating import OUTPUT_COLUMNS, Counters, LineCounters, rate_usage
from tests.rating.conftest import AT, LINE, frame, record

GO_KO = 1024 * 1024
MO = 1024 * 1024  # bytes


def data(record_id, visited, volume, at="2026-11-02T10:00:00+01:00", line=LINE):
    return record(
        record_id,
        service="data",
        visited=visited,
        other=None,
        duration=None,
        volume=str(volume),
        started_at=at,
        line=line,
    )


def test_data_in_france_is_counted_per_started_ko_and_included(tariff):
    result = rate_usage(frame([data("d1", "FR", 1500), data("d2", "FR", 1024)]), tariff=tariff)
    assert result.records.get_column("charge_micro_eur").to_list() == [0, 0]
    assert result.counters.line(LINE).data_france_ko == 3


def test_beyond_100_go_in_france_is_throttled_not_charged(tariff):
    start = Counters.of({LINE: LineCounters(data_france_ko=100 * GO_KO - 10)})
    result = rate_usage(frame([data("d1", "FR", 20 * 1024)]), tariff=tariff, counters=start)
    row = result.records.row(0, named=True)
    assert (row["charge_micro_eur"], row["throttled"]) == (0, True)
    assert row["reason"] == (
        "data in France: 10 Ko included, 10 Ko beyond the allowance: "
        "throttled to 64 kb/s, not charged"
    )
    after = result.counters.line(LINE)
    assert (after.throttled, after.data_france_ko, after.data_remaining_ko(100 * GO_KO)) == (
        True,
        100 * GO_KO + 10,
        0,
    )


def test_beyond_17_go_in_zone_1_pays_the_surcharge_per_mo(tariff):
    start = Counters.of({LINE: LineCounters(data_roaming_included_ko=17 * GO_KO - 1024)})
    result = rate_usage(frame([data("d1", "DE", 2 * MO)]), tariff=tariff, counters=start)
    row = result.records.row(0, named=True)
    # 1 Mo included, 1 Mo at 0.00216 €/Mo
    assert (row["charge_micro_eur"], row["included"]) == (2160, False)
    assert row["reason"] == (
        "data in zone 1: 1024 Ko included, 1024 Ko beyond the roaming allowance; "
        "data in zone 1: 0.00216 €/Mo"
    )
    assert result.counters.line(LINE).data_roaming_charged_ko == 1024


def test_zone_1_data_is_capped_by_what_remains_of_the_100_go(tariff):
    # 90 Go used in France, then 15 Go in Germany: 10 Go included, 5 Go at 0.00216 €/Mo
    rows = [
        data("d1", "FR", 90 * 1024 * MO, at="2026-11-02T10:00:00+01:00"),
        data("d2", "DE", 15 * 1024 * MO, at="2026-11-03T10:00:00+01:00"),
    ]
    result = rate_usage(frame(rows), tariff=tariff)
    assert result.records.get_column("charge_micro_eur").to_list() == [0, 5 * 1024 * 2160]
    after = result.counters.line(LINE)
    assert (after.data_roaming_included_ko, after.data_roaming_charged_ko) == (
        10 * GO_KO,
        5 * GO_KO,
    )


def test_allowance_is_consumed_in_started_at_order_not_file_order(tariff):
    start = Counters.of({LINE: LineCounters(data_roaming_included_ko=17 * GO_KO - 1024)})
    later = data("late", "DE", MO, at="2026-11-05T10:00:00+01:00")
    earlier = data("early", "DE", MO, at="2026-11-04T10:00:00+01:00")
    result = rate_usage(frame([later, earlier]), tariff=tariff, counters=start)
    assert result.records.select("record_id", "charge_micro_eur").rows() == [
        ("late", 2160),
        ("early", 0),
    ]


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"record_id": ""}, "missing record_id"),
        (
            {"line": "0611111111"},
            "unparseable line '0611111111' (expected E.164 such as +33611111111)",
        ),
        (
            {"started_at": "2026-11-02 10:00"},
            "unparseable started_at '2026-11-02 10:00' (expected ISO 8601 with an offset)",
        ),
        (
            {"started_at": "2026-11-02T10:00:00"},
            "unparseable started_at '2026-11-02T10:00:00' (expected ISO 8601 with an offset)",
        ),
        (
            {"service": "fax"},
            "unknown service 'fax' (expected one of voice, video, sms, mms, data)",
        ),
        ({"direction": "both"}, "unknown direction 'both' (expected out or in)"),
        (
            {"visited": "XX"},
            "unknown visited_network 'XX' (expected an ISO 3166-1 alpha-2 code, FR or satellite)",
        ),
        ({"duration": None}, "missing duration_s for a call"),
        ({"duration": "-5"}, "negative duration_s -5"),
        ({"duration": "1.5"}, "unparseable duration_s '1.5' (expected a whole number)"),
        (
            {"service": "data", "other": None, "duration": None, "volume": "-1"},
            "negative volume_bytes -1",
        ),
        ({"service": "data", "other": None, "duration": None}, "missing volume_bytes for data"),
        (
            {"service": "data", "direction": "in", "volume": "10"},
            "direction 'in' is not valid for data",
        ),
        ({"other": None}, "missing other_party"),
        (
            {"other": "+33 6 12"},
            "unparseable other_party '+33 6 12' (expected E.164 or a short code)",
        ),
        ({"other": "+99912345678"}, "unknown calling code in other_party '+99912345678'"),
    ],
)
def test_bad_records_are_rejected_with_a_reason_and_kept(tariff, fields, reason):
    bad = record("bad") | {k: v for k, v in fields.items() if k == "record_id"}
    bad = record(bad["record_id"] or "", **{k: v for k, v in fields.items() if k != "record_id"})
    result = rate_usage(frame([record("good"), bad]), tariff=tariff)
    assert result.records.select("record_id", "status", "reason").rows()[1] == (
        fields.get("record_id", "bad"),
        "rejected",
        reason,
    )
    assert (result.read, result.rated, result.rejected) == (2, 1, 1)


@pytest.mark.parametrize("duplicate", [False, True])
def test_a_rejected_record_keeps_its_columns_as_read_and_nothing_rated(tariff, duplicate):
    """A rejected record (a bad value, or a valid record sent twice) shows its input columns
    as read, spaces included, and no zone, charge or flag."""
    as_read = {"record_id": " a ", "line": f" {LINE} ", "service": " voice ", "direction": " out "}
    bad = record(
        as_read["record_id"],
        service=as_read["service"],
        direction=as_read["direction"],
        line=as_read["line"],
        started_at=f" {AT} ",
        duration="60" if duplicate else "-1",
    )
    rows = [record("a"), bad] if duplicate else [record("b"), bad]
    kept = rate_usage(frame(rows), tariff=tariff).records.row(1, named=True)
    assert {name: kept[name] for name in as_read} == as_read
    assert kept["started_at"] == f" {AT} "
    assert kept["status"] == "rejected"
    rated_columns = set(OUTPUT_COLUMNS) - {*as_read, "started_at", "status", "reason"}
    assert {name: kept[name] for name in rated_columns} == dict.fromkeys(rated_columns)


def test_duplicates_in_the_input_and_in_earlier_batches(tariff):
    rows = [record("a"), record("b"), record("a"), record("c")]
    result = rate_usage(frame(rows), tariff=tariff, seen_ids={"c"})
    assert result.records.select("status", "reason").rows() == [
        ("rated", "included: voice in France to a French number, 60 s"),
        ("rated", "included: voice in France to a French number, 60 s"),
        ("rejected", "duplicate record_id 'a' (earlier in this input)"),
        ("rejected", "duplicate record_id 'c' (rated in an earlier batch)"),
    ]


def test_a_rejected_record_may_be_sent_again_corrected(tariff):
    result = rate_usage(frame([record("a", duration="-1"), record("a")]), tariff=tariff)
    assert result.records.get_column("status").to_list() == ["rejected", "rated"]


def test_unknown_line_when_lines_are_given(tariff):
    result = rate_usage(
        frame([record("a", line="+33622222222")]), tariff=tariff, known_lines={LINE}
    )
    assert result.records.get_column("reason").to_list() == ["unknown line '+33622222222'"]


def test_counters_by_usage(tariff):
    rows = [
        record("a", other="+8613812345678", duration="75"),
        record("b", service="sms", other="+8613812345678", duration=None),
    ]
    after = rate_usage(frame(rows), tariff=tariff).counters.line(LINE)
    assert after.usage == {("voice", "FR", "3"): 75, ("sms", "FR", "3"): 1}
    assert after.out_of_bundle_micro_eur == 1_875_000 + 300_000


# -- properties -------------------------------------------------------------------------------

LINES = ["+33611111111", "+33622222222", "+33633333333"]
VISITED = ["FR", "FR", "FR", "DE", "ES", "US", "CH", "CN"]
OTHERS = ["+33612345678", "+4930123456", "+12125551234", "+8613812345678", "766", "112"]


def random_records(
    rng: random.Random, count: int, bad_share: float = 0.0
) -> list[dict[str, str | None]]:
    rows = []
    for index in range(count):
        day = rng.randrange(1, 28)
        at = f"2026-11-{day:02d}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00+01:00"
        service = rng.choice(["voice", "video", "sms", "mms", "data", "data", "data"])
        kwargs: dict[str, str | None] = {
            "line": rng.choice(LINES),
            "started_at": at,
            "service": service,
            "visited": rng.choice(VISITED),
            "direction": rng.choice(["out", "out", "in"]),
        }
        if service == "data":
            kwargs |= {
                "direction": "out",
                "other": None,
                "duration": None,
                "volume": str(rng.choice([1, 1500, 10**6, 10**9, 6 * 10**9])),
            }
        else:
            kwargs |= {"other": rng.choice(OTHERS), "duration": str(rng.randrange(0, 4000))}
        if service in ("sms", "mms") and kwargs["other"] == "766":
            kwargs["other"] = "112"
        if rng.random() < bad_share:
            kwargs[rng.choice(["duration", "volume", "started_at", "other", "visited"])] = (
                rng.choice(["-3", "x", "", None])
            )
            kwargs["service"] = rng.choice([service, "fax"])
        rows.append(record(f"id{index}", **kwargs))
    return rows


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**6), st.integers(0, 60), st.floats(0, 1))
def test_read_equals_rated_plus_rejected(tariff, seed, count, bad_share):
    rows = random_records(random.Random(seed), count, bad_share)
    rng = random.Random(seed + 1)
    rows += [rng.choice(rows) for _ in range(count // 5)] if rows else []  # some duplicates
    result = rate_usage(frame(rows), tariff=tariff)
    out = result.records
    assert out.height == len(rows) == result.read == result.rated + result.rejected
    assert out.get_column("record_id").to_list() == [r["record_id"] for r in rows]
    assert out.filter(pl.col("status") == "rejected").get_column("reason").null_count() == 0
    assert out.filter(pl.col("status") == "rated").get_column("charge_micro_eur").null_count() == 0
    assert result.total_micro_eur == sum(
        c for c in out.get_column("charge_micro_eur") if c is not None
    )


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 80), st.data())
def test_split_files_rated_in_order_equal_one_file(tariff, seed, count, draw):
    rows = random_records(random.Random(seed), count, bad_share=0.1)
    rows.sort(key=lambda r: r["started_at"] or "")
    cut = draw.draw(st.integers(0, count))
    whole = rate_usage(frame(rows), tariff=tariff)
    first = rate_usage(frame(rows[:cut]), tariff=tariff)
    second = rate_usage(
        frame(rows[cut:]), tariff=tariff, counters=first.counters, seen_ids=first.rated_ids()
    )
    assert pl.concat([first.records, second.records]).equals(whole.records)
    assert second.counters.as_dict() == whole.counters.as_dict()
    assert first.total_micro_eur + second.total_micro_eur == whole.total_micro_eur


def test_started_at_fast_path_parses_like_the_timestamp_format():
    from guichet.rating.records import TIMESTAMP_FORMAT, parse_started

    rng = random.Random(3)

    def one() -> str:
        parts = [
            rng.choice(["2026", "2024", "2023", "0000"]),
            "-" + rng.choice(["01", "02", "04", "11", "13", "00"]),
            "-" + rng.choice(["01", "28", "29", "30", "31", "32", "00"]),
            "T" + rng.choice(["00", "12", "23", "24"]),
            ":" + rng.choice(["00", "59", "60"]),
            ":" + rng.choice(["00", "59", "60"]),
        ]
        offset = rng.choice(
            ["Z", "+01:00", "-05:30", "+23:59", "+24:00", "+0100", "", "+01", ".5+01:00", ".1Z"]
        )
        return "".join(parts) + offset

    values = [one() for _ in range(20_000)] + [" 2026-11-01T10:00:00+01:00 ", None, "", "x"]
    records = pl.DataFrame({"started_at": values}, schema={"started_at": pl.String})
    expected = records.select(
        pl.col("started_at")
        .str.strip_chars()
        .str.replace(r"Z$", "+00:00")
        .str.to_datetime(TIMESTAMP_FORMAT, strict=False, time_zone="UTC")
    ).to_series()
    assert parse_started(records).equals(expected.alias("started"), check_names=False)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 80))
def test_data_records_grouped_by_number_hash_rate_like_grouped_by_number(tariff, seed, count):
    """The data allowances sort a batch's data records by the numbers' hash, and by the numbers
    themselves when two numbers share a hash: a hash that many numbers share rates the same."""
    from unittest import mock

    from guichet.rating import engine

    rows = random_records(random.Random(seed), count, bad_share=0.1)
    start = Counters.of({LINE: LineCounters(data_france_ko=100 * GO_KO - 5_000)})
    hashed = rate_usage(frame(rows), tariff=tariff, counters=start)
    colliding = mock.patch.object(engine, "_line_hash", lambda: pl.col("line").hash(seed=0) % 3)
    with colliding:
        by_number = rate_usage(frame(rows), tariff=tariff, counters=start)
    assert hashed.records.equals(by_number.records)
    assert hashed.counters.as_dict() == by_number.counters.as_dict()
    assert hashed.allowance_span.sort("line").equals(by_number.allowance_span.sort("line"))


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 80), st.integers(0, 17 * GO_KO))
def test_running_minimum_over_all_lines_rates_like_a_window_per_line(tariff, seed, count, used):
    """The zone 1 allowance's running minimum is taken over all the lines at once, each line's
    values moved below the previous lines': it rates like a running minimum per line, near
    both caps and on every line."""
    from unittest import mock

    from guichet.rating import engine

    rows = random_records(random.Random(seed), count, bad_share=0.1)
    near_caps = LineCounters(
        data_france_ko=100 * GO_KO - 17 * GO_KO - used, data_roaming_included_ko=used
    )
    start = Counters.of(dict.fromkeys(LINES[:2], near_caps))
    moved = rate_usage(frame(rows), tariff=tariff, counters=start)
    per_line = mock.patch.object(
        engine, "_cum_min_per_line", lambda rows, column: pl.col(column).cum_min().over("_lid")
    )
    with per_line:
        windowed = rate_usage(frame(rows), tariff=tariff, counters=start)
    assert moved.records.equals(windowed.records)
    assert moved.counters.as_dict() == windowed.counters.as_dict()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 4), st.integers(-(2**61), 2**61)), min_size=1, max_size=40),
    st.booleans(),
)
def test_running_minimum_per_line_equals_the_window(rows, small):
    """Small values take the moved running minimum, values that could overflow the window."""
    from guichet.rating.engine import _cum_min_per_line

    lines = sorted(line for line, _ in rows)
    values = [value % 1000 if small else value for _, value in rows]
    frame_ = pl.DataFrame({"_lid": lines, "_g": values}, schema={"_lid": pl.UInt32, "_g": pl.Int64})
    expected = frame_.select(pl.col("_g").cum_min().over("_lid")).to_series()
    assert frame_.select(_cum_min_per_line(frame_, "_g")).to_series().equals(expected)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 80), st.floats(0, 1))
def test_rejected_records_take_no_part_in_the_rating_of_the_others(tariff, seed, count, bad_share):
    """Rejected records stay in their rows but change nothing for the others: the rated records
    rate as they would alone, with the same counters, and every row is in input order."""
    rows = random_records(random.Random(seed), count, bad_share)
    start = Counters.of({LINE: LineCounters(data_france_ko=100 * GO_KO - 5_000)})
    mixed = rate_usage(frame(rows), tariff=tariff, counters=start)
    assert mixed.records.get_column("record_id").to_list() == [r["record_id"] for r in rows]
    rated = mixed.records.get_column("status") == "rated"
    alone = rate_usage(
        frame([row for row, kept in zip(rows, rated, strict=True) if kept]),
        tariff=tariff,
        counters=start,
    )
    assert alone.rejected == 0
    assert alone.records.equals(mixed.records.filter(rated))
    assert alone.counters.as_dict() == mixed.counters.as_dict()


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 80), st.data())
def test_without_usage_counters_rating_goes_on_the_same(tariff, seed, count, draw):
    rows = random_records(random.Random(seed), count, bad_share=0.1)
    rows.sort(key=lambda r: r["started_at"] or "")
    cut = draw.draw(st.integers(0, count))
    whole = rate_usage(frame(rows), tariff=tariff)
    first = rate_usage(frame(rows[:cut]), tariff=tariff, usage_counters=False)
    second = rate_usage(
        frame(rows[cut:]),
        tariff=tariff,
        counters=first.counters,
        seen_ids=first.rated_ids(),
        usage_counters=False,
    )
    assert pl.concat([first.records, second.records]).equals(whole.records)
    assert (second.counters.usage.height, second.counters.days.height) == (0, 0)
    assert second.counters.totals.sort("line").equals(whole.counters.totals.sort("line"))
