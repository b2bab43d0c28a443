import random

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guichet.rating import Counters, rate_usage
from guichet.usage.files import rate_file, rated_for_output
from tests.rating.conftest import frame
from tests.rating.test_engine import random_records


@pytest.fixture(scope="session")
def tariff():
    from guichet.catalog.schema import load_catalog
    from guichet.rating import tariff_for_plan
    from tests.rating.conftest import DATA

    return tariff_for_plan(load_catalog(DATA), "woot-100go")


def without_usage(counters: Counters) -> Counters:
    return Counters(
        totals=counters.totals, allowances=counters.allowances, recipients=counters.recipients
    )


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10**6), st.integers(0, 60), st.integers(1, 25), st.booleans(), st.booleans())
def test_chunked_file_rates_like_one_batch(
    tariff, tmp_path_factory, seed, count, chunk, in_order, parquet
):
    rows = random_records(random.Random(seed), count, bad_share=0.1)
    rng = random.Random(seed + 1)
    rows += [rng.choice(rows) for _ in range(count // 5)] if rows else []  # some duplicates
    if in_order:
        rows.sort(key=lambda r: r["started_at"] or "")
    folder = tmp_path_factory.mktemp("chunks")
    suffix = ".parquet" if parquet else ".csv"
    source, target = folder / f"usage{suffix}", folder / f"rated{suffix}"
    (frame(rows).write_parquet if parquet else frame(rows).write_csv)(source)
    whole = rate_usage(frame(rows), tariff=tariff)
    rating = rate_file(source, target, tariff=tariff, chunk_records=chunk)
    expected = rated_for_output(whole)
    written = pl.read_parquet(target) if parquet else pl.read_csv(target, infer_schema=False)
    expected = expected if parquet else expected.select(pl.all().cast(pl.String))
    if not parquet and expected.height == 0:
        expected = expected.select(pl.all().cast(pl.String))
    assert written.equals(expected) if parquet else written.rows() == expected.rows()
    assert (rating.read, rating.rated, rating.rejected, rating.total_micro_eur) == (
        whole.read,
        whole.rated,
        whole.rejected,
        whole.total_micro_eur,
    )
    assert rating.counters.as_dict() == without_usage(whole.counters).as_dict()
    if in_order:
        assert rating.chunked


@settings(max_examples=25, deadline=None)
@given(
    st.integers(0, 10**6),
    st.integers(0, 40),
    st.integers(1, 15),
    st.integers(1, 200),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
def test_csv_read_in_small_blocks_gives_the_records_of_the_file(
    tmp_path_factory, seed, count, chunk, block, crlf, final_newline, small_first
):
    from unittest import mock

    from guichet.usage import files

    rows = random_records(random.Random(seed), count, bad_share=0.2)
    rng = random.Random(seed)
    for row in rows:  # quoted fields, with commas, quotes and newlines in them
        if rng.random() < 0.3:
            row["other_party"] = rng.choice(["a,b", 'say "hi"', "two\nlines", "\r\n", ""])
    source = tmp_path_factory.mktemp("blocks") / "usage.csv"
    text = frame(rows).write_csv(line_terminator="\r\n" if crlf else "\n")
    source.write_bytes(text.encode() if final_newline else text.rstrip("\r\n").encode())
    with mock.patch.object(files, "CSV_BLOCK_BYTES", block):
        chunks = list(files.usage_chunks(source, chunk, small_first=small_first))
    expected = pl.read_csv(source, infer_schema=False)
    sizes = [chunk // 4] if small_first and chunk >= 4 else []
    heights, left = [], count
    for size in sizes + [chunk] * count:
        if left:
            heights.append(min(size, left))
            left -= heights[-1]
    assert [c.height for c in chunks] == (heights or [0])
    assert pl.concat(chunks).rows() == expected.rows()


def test_records_of_one_instant_are_rated_in_one_chunk(tariff, tmp_path):
    from tests.rating.conftest import record

    # Sorted by started_at, ids in decreasing order within an instant: split between chunks, a
    # line's records would look out of (started, record_id) order.
    instants = ["2026-11-02T10:00:00+01:00", "2026-11-02T11:00:00+01:00"]
    rows = [
        record(f"id{9 - index}", service="data", other=None, duration=None, volume="5000000")
        | {"started_at": instants[index // 5]}
        for index in range(10)
    ]
    source, target = tmp_path / "usage.csv", tmp_path / "rated.csv"
    frame(rows).write_csv(source)
    rating = rate_file(source, target, tariff=tariff, chunk_records=3)
    assert rating.chunked
    expected = rated_for_output(rate_usage(frame(rows), tariff=tariff))
    assert (
        pl.read_csv(target, infer_schema=False).rows()
        == expected.select(pl.all().cast(pl.String)).rows()
    )
