"""Reading usage files and writing rated ones (no Django: the benchmark and Spark jobs use it).

Every column is read as text (explicit string schema, no inference): parsing and rejection are
the rating core's job, so a malformed value becomes a rejected record with a reason, not a crash.
"""

import os
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from itertools import repeat
from pathlib import Path
from typing import TypeVar

import polars as pl

from guichet.rating import (
    OUTPUT_COLUMNS,
    RATED,
    USAGE_COLUMNS,
    Counters,
    PreparedUsage,
    RatingResult,
    Tariff,
    micro_eur_text,
    micro_eur_text_expr,
    missing_columns,
    prepare_usage,
    rate_prepared,
    rate_usage,
)


class UsageFileError(ValueError):
    """The file cannot be read as a usage file at all (absent, not CSV/Parquet, columns)."""


def read_usage(path: Path) -> pl.DataFrame:
    """The usage columns of a CSV (UTF-8, header row) or Parquet file, as text; extra columns
    are ignored."""
    if not path.is_file():
        raise UsageFileError(f"{path}: no such file")
    try:
        if path.suffix.lower() == ".parquet":
            frame = pl.read_parquet(path)
        else:
            frame = pl.read_csv(path, infer_schema=False, encoding="utf8")
    except (pl.exceptions.PolarsError, OSError) as error:
        raise UsageFileError(f"{path}: not a readable usage file ({error})") from error
    missing = missing_columns(frame.columns)
    if missing:
        raise UsageFileError(f"{path}: missing column(s) {', '.join(missing)}")
    return frame.select(pl.col(name).cast(pl.String) for name in USAGE_COLUMNS)


def rated_for_output(result: RatingResult) -> pl.DataFrame:
    """The rated records with `charge_eur` (decimal text, 6 decimals, never rounded to cents)."""
    return result.records.with_columns(
        charge_eur=micro_eur_text_expr(pl.col("charge_micro_eur"))
    ).select(*OUTPUT_COLUMNS[:8], "charge_eur", *OUTPUT_COLUMNS[8:])


def write_rated(frame: pl.DataFrame, path: Path) -> None:
    if path.suffix.lower() == ".parquet":
        frame.write_parquet(path)
    else:
        frame.write_csv(path)


@dataclass(frozen=True, slots=True)
class FileRating:
    read: int
    rated: int
    rejected: int
    total_micro_eur: int
    # The period's counters after the file, without `usage` and `days` (rate_usage's
    # usage_counters=False): what rating needs to go on, not what the Conso page shows.
    counters: Counters
    chunked: bool  # rated chunk by chunk (else in one batch: see rate_file)

    @property
    def summary(self) -> str:
        return (
            f"read={self.read} rated={self.rated} rejected={self.rejected} "
            f"total_eur={micro_eur_text(self.total_micro_eur)}"
        )


# Records rated at once: memory is bounded by a chunk, not by the file.
CHUNK_RECORDS = 500_000


class _OutOfOrder(Exception):
    """A chunk has a data record earlier than one of a previous chunk."""


def rate_file(
    source: Path, target: Path, *, tariff: Tariff, chunk_records: int = CHUNK_RECORDS
) -> FileRating:
    """Read, rate (fresh period, no options) and write one file, `chunk_records` at a time.

    Chunks are rated in file order carrying the counters and the rated record ids, which rates
    like one batch when the data records are in started_at order from one chunk to the next
    (usage files come from mediation in time order; within a chunk any order is fine; the
    records of one instant are kept in one chunk, see `_whole_instants`). Each chunk
    reports the (started, record_id) span of the records that consumed an allowance: if a chunk
    starts before the previous one ended, the file is rated again in one batch (same result,
    memory proportional to the file). Duplicate ids across chunks: the read ids' 64-bit hashes
    are kept sorted in memory (8 bytes per record) and the rated ids themselves in temporary
    files, read back only for the hashes seen again, so that a duplicate is exact, never a
    collision."""
    _check_readable(source)
    try:
        return _rate_chunked(source, target, tariff, chunk_records)
    except _OutOfOrder:
        result = rate_usage(read_usage(source), tariff=tariff, usage_counters=False)
        write_rated(rated_for_output(result), target)
        return FileRating(
            read=result.read,
            rated=result.rated,
            rejected=result.rejected,
            total_micro_eur=result.total_micro_eur,
            counters=result.counters,
            chunked=False,
        )


def _check_readable(path: Path) -> None:
    if not path.is_file():
        raise UsageFileError(f"{path}: no such file")
    missing = missing_columns(usage_file_columns(path))
    if missing:
        raise UsageFileError(f"{path}: missing column(s) {', '.join(missing)}")


def usage_file_columns(path: Path) -> list[str]:
    """The columns of a CSV (header row) or Parquet file, read without reading the records."""
    try:
        return _scan(path).collect_schema().names()
    except (pl.exceptions.PolarsError, OSError) as error:
        raise UsageFileError(f"{path}: not a readable usage file ({error})") from error


def _is_parquet(path: Path) -> bool:
    return path.suffix.lower() == ".parquet"


def _scan(path: Path) -> pl.LazyFrame:
    if _is_parquet(path):
        return pl.scan_parquet(path)
    return pl.scan_csv(path, infer_schema=False, encoding="utf8")


def usage_chunks(
    path: Path, chunk_records: int, *, small_first: bool = False
) -> Iterator[pl.DataFrame]:
    """The usage columns of the file as text, `chunk_records` rows at a time, in file order
    (one empty frame for a file without records). With `small_first`, the first chunk is a
    quarter of that: a caller that works on a chunk while the next one is read (`rate_file`)
    starts sooner (each chunk more costs the rating core ~0.05 s: one, not a ramp of them)."""
    frames = _parquet_frames(path, chunk_records) if _is_parquet(path) else _csv_frames(path)
    sizes = _chunk_sizes(chunk_records, small_first=small_first)
    try:
        pending: list[pl.DataFrame] = []
        count, given, size = 0, False, next(sizes)
        for frame in frames:
            pending.append(frame)
            count += frame.height
            while count >= size:
                whole = pl.concat(pending)
                yield whole.slice(0, size)
                given = True
                rest = whole.slice(size)
                pending, count, size = [rest], rest.height, next(sizes)
        if count or not given:
            yield pl.concat(pending) if pending else _no_records()
    except (pl.exceptions.PolarsError, OSError) as error:
        raise UsageFileError(f"{path}: not a readable usage file ({error})") from error


def _chunk_sizes(chunk_records: int, *, small_first: bool) -> Iterator[int]:
    if small_first and chunk_records >= 4:
        yield chunk_records // 4
    yield from repeat(chunk_records)


# A CSV file is read this many bytes at a time, each block cut after its last whole record and
# parsed on its own (header first), so that memory is bounded by a chunk and a block: Polars
# 2.1's streaming scan (collect_batches, sink_batches) reads the whole file ahead of the batches
# given, whatever their size.
CSV_BLOCK_BYTES = 16 << 20


def _csv_frames(path: Path) -> Iterator[pl.DataFrame]:
    with path.open("rb") as file:
        header = file.readline()
        carry = b""
        while block := file.read(CSV_BLOCK_BYTES):
            cut = _records_end(block, quotes_before=carry.count(b'"'))
            if not cut:
                carry += block
                continue
            # One copy of the block's records, behind the header (slicing, then adding, would
            # copy them three times, and each copy of a large bytes object faults fresh pages).
            yield _csv_records(b"".join((header, carry, memoryview(block)[:cut])))
            carry = block[cut:]
        if carry.strip():
            yield _csv_records(header + carry)


def _records_end(data: bytes, *, quotes_before: int = 0) -> int:
    """Where the last whole record of `data` ends: after a newline outside quotes (a quoted
    field may hold newlines; quotes inside a field are doubled, so an even count of quotes
    before a newline, counting the `quotes_before` the start of `data`, puts it outside), 0 if
    there is none."""
    cut = data.rfind(b"\n") + 1
    while cut and (quotes_before + data.count(b'"', 0, cut)) % 2:
        cut = data.rfind(b"\n", 0, cut - 1) + 1
    return cut


def _csv_records(text: bytes) -> pl.DataFrame:
    frame = pl.read_csv(text, infer_schema=False, encoding="utf8")
    return frame.select(pl.col(name).cast(pl.String) for name in USAGE_COLUMNS)


def _parquet_frames(path: Path, chunk_records: int) -> Iterator[pl.DataFrame]:
    return (
        pl.scan_parquet(path)
        .select(pl.col(name).cast(pl.String) for name in USAGE_COLUMNS)
        .collect_batches(chunk_size=chunk_records)
    )


def _no_records() -> pl.DataFrame:
    return pl.DataFrame(schema=dict.fromkeys(USAGE_COLUMNS, pl.String))


def _id_hash(ids: pl.Series) -> pl.Series:
    return ids.hash(seed=0).alias("hash")


@dataclass(frozen=True, slots=True)
class _Chunk:
    """A chunk as read, with what finding its duplicates of earlier chunks needs, computed in
    the reading thread while the chunk before is rated."""

    records: pl.DataFrame  # the usage columns, one Arrow chunk each
    ids: pl.Series  # record_id stripped, as the rating core compares them
    hashes: pl.Series  # their 64-bit hashes
    repeated: pl.Series  # the hashes of its ids also read in an earlier chunk (rated or not)
    # Prepared for rating when none of its ids was read before (no earlier duplicate to find).
    prepared: PreparedUsage | None


def _with_ids(chunks: Iterator[pl.DataFrame], tariff: Tariff) -> Iterator[_Chunk]:
    """`chunks` with their ids' hashes, and those seen in an earlier chunk: the hashes of every
    id read so far are kept in sorted runs (8 bytes per record), so that a chunk without a
    repeated hash (the usual case) needs nothing from the chunks before it once read, and is
    prepared for rating (`prepare_usage`: a third of the rating core's work) here."""
    read_hashes = _SortedRuns()
    for chunk in chunks:
        # In one Arrow chunk per column, which the rating core needs (it would rechunk them
        # while rating, on the critical path).
        records = chunk.rechunk()
        ids = records.get_column("record_id").str.strip_chars()
        hashes = _id_hash(ids)
        present = hashes.filter(ids.is_not_null()).sort()
        repeated = read_hashes.present(present)
        read_hashes.add(present)
        prepared = prepare_usage(records, tariff=tariff) if repeated.len() == 0 else None
        yield _Chunk(records, ids, hashes, repeated, prepared)


def _rate_chunked(source: Path, target: Path, tariff: Tariff, chunk_records: int) -> FileRating:
    counters = Counters()
    read = rated = rejected = total = 0
    last_keys = pl.DataFrame(schema={"line": pl.String, "started": _UTC_US, "record_id": pl.String})
    parquet = target.suffix.lower() == ".parquet"
    with tempfile.TemporaryDirectory(prefix="guichet-rate-") as scratch:
        folder = Path(scratch)
        ids_files: list[Path] = []
        parts: list[Path] = []
        # One thread reads the next chunk (hashes its ids, prepares it) and one writes each chunk's
        # rows and rated ids (Polars releases the GIL) while this one rates: one chunk each, in
        # order; a failed read or write fails the rating.
        with (
            Path(os.devnull if parquet else target).open("wb") as out,
            ThreadPoolExecutor(max_workers=1) as writer,
        ):
            written: Future[None] | None = None
            chunks = _read_ahead(
                _with_ids(
                    _whole_instants(usage_chunks(source, chunk_records, small_first=True)), tariff
                )
            )
            for number, chunk in enumerate(chunks):
                prepared = chunk.prepared
                if prepared is None:
                    if written is not None:
                        written.result()  # the rated ids of the chunks before are all written
                    earlier = _earlier_ids(chunk.repeated, ids_files)
                    prepared = prepare_usage(chunk.records, tariff=tariff, earlier_ids=earlier)
                result = rate_prepared(
                    prepared, tariff=tariff, counters=counters, usage_counters=False
                )
                last_keys = _in_order(last_keys, result.allowance_span)
                ids_file = folder / f"ids-{number}.parquet"
                if parquet:
                    part = folder / f"part-{number}.parquet"
                    parts.append(part)
                    write = partial(pl.DataFrame.write_parquet, file=part)
                else:
                    write = partial(pl.DataFrame.write_csv, file=out, include_header=number == 0)
                if written is not None:
                    written.result()
                written = writer.submit(
                    _write_chunk, result, chunk.ids, chunk.hashes, ids_file, write
                )
                if result.rated:
                    ids_files.append(ids_file)
                counters = result.counters
                read += result.read
                rated += result.rated
                rejected += result.rejected
                total += result.total_micro_eur
            if written is not None:
                written.result()
        if parquet:
            pl.scan_parquet(parts).sink_parquet(target)
    return FileRating(
        read=read,
        rated=rated,
        rejected=rejected,
        total_micro_eur=total,
        counters=counters,
        chunked=True,
    )


def _write_chunk(
    result: RatingResult,
    ids: pl.Series,
    hashes: pl.Series,
    ids_file: Path,
    write: Callable[[pl.DataFrame], None],
) -> None:
    """Write the chunk's rated ids (with their hashes) to `ids_file`, if any, and its rows."""
    if result.rated:
        # A rated record's id is the chunk's id, stripped: its hash is already known.
        is_rated = result.records.get_column("status") == RATED
        rated_ids = pl.DataFrame([hashes.filter(is_rated), ids.filter(is_rated)])
        rated_ids.write_parquet(ids_file, compression="lz4")
    write(rated_for_output(result))


_UTC_US = pl.Datetime("us", "UTC")
_Read = TypeVar("_Read")


def _whole_instants(chunks: Iterator[pl.DataFrame]) -> Iterator[pl.DataFrame]:
    """`chunks`, each one's last records with the same `started_at` as its last one moved to the
    start of the next: in a file sorted by started_at, the records of one instant are then
    rated in one chunk, whatever their record_id order (allowances are consumed in (started,
    record_id) order: split, they would make the file look out of order, rated in one batch)."""
    held: pl.DataFrame | None = None
    for chunk in chunks:
        whole = chunk if held is None else pl.concat([held, chunk])
        started_at = whole.get_column("started_at")
        last = started_at[-1] if whole.height else None
        if last is None:  # no record, or a last started_at missing: kept whole
            held = None
            yield whole
            continue
        others = (started_at != last).arg_true()
        if others.len() == 0:  # one instant throughout: it goes on in the next chunk
            held = whole
            continue
        cut = int(others[-1]) + 1
        held = whole.slice(cut)
        yield whole.slice(0, cut)
    if held is not None:
        yield held


def _read_ahead(chunks: Iterator[_Read]) -> Iterator[_Read]:
    """`chunks`, each read in a thread while the previous one is rated (Polars parses without
    the GIL): one chunk ahead, in order; a failed read fails the rating."""
    with ThreadPoolExecutor(max_workers=1) as reader:
        ahead = reader.submit(next, chunks, None)
        while (chunk := ahead.result()) is not None:
            ahead = reader.submit(next, chunks, None)
            yield chunk


def _in_order(last_keys: pl.DataFrame, span: pl.DataFrame | None) -> pl.DataFrame:
    """Each line's last (started, record_id) that consumed an allowance, after this chunk; raises
    _OutOfOrder if a line's first such record of this chunk comes before its last one so far."""
    if span is None or span.height == 0:
        return last_keys
    both = span.join(last_keys, on="line", how="inner")
    before = (pl.col("first_started") < pl.col("started")) | (
        (pl.col("first_started") == pl.col("started")) & (pl.col("first_id") < pl.col("record_id"))
    )
    if both.select(before.any()).item():
        raise _OutOfOrder
    latest = span.select("line", started="last_started", record_id="last_id")
    return pl.concat([last_keys.join(latest, on="line", how="anti"), latest])


class _SortedRuns:
    """The hashes of the ids read so far, in sorted runs merged like the digits of a binary
    counter (a run is merged into the one before it while that one is not longer): each hash
    is copied about log2(chunks) times and a look-up searches as many runs, where one sorted
    array grown at each chunk would copy the file's hashes once per chunk (quadratic)."""

    def __init__(self) -> None:
        self.runs: list[pl.Series] = []

    def add(self, hashes: pl.Series) -> None:
        """Add sorted `hashes`."""
        run = hashes
        while self.runs and self.runs[-1].len() <= run.len():
            older = self.runs.pop()
            run = pl.DataFrame([older]).merge_sorted(pl.DataFrame([run]), key="hash").to_series()
        self.runs.append(run)

    def present(self, hashes: pl.Series) -> pl.Series:
        """Those of sorted `hashes` that were added (with repeats)."""
        found = [
            # Sorted, the binary searches walk the run in order (cache-friendly, ~4× faster).
            hashes.filter(run.gather(run.search_sorted(hashes).clip(0, run.len() - 1)) == hashes)
            for run in self.runs
        ]
        return pl.concat(found) if found else hashes.clear()


def _earlier_ids(repeated: pl.Series, ids_files: list[Path]) -> pl.Series:
    """The ids rated in an earlier chunk (their `ids_files`) whose hash is `repeated`: exact,
    the rating core compares the ids themselves."""
    if repeated.len() == 0 or not ids_files:
        return pl.Series("record_id", [], dtype=pl.String)
    return (
        pl.scan_parquet(ids_files)
        .filter(pl.col("hash").is_in(repeated.implode()))
        .collect()
        .get_column("record_id")
    )
