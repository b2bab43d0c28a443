"""Rating throughput: N usage records (GUICHET_BENCH_RATING_RECORDS, default 10,000,000) with a
realistic mix (~60 % data, 25 % voice, 15 % SMS/MMS; ~5 % of records abroad), in started_at order
as mediation delivers them, rated end to end (read CSV, rate chunk by chunk, write CSV) against two
bare Polars baselines: reading the input and writing it back as is, and reading the input and
writing a file of the rated output's shape (the rated file, read back beforehand, written again:
17 columns where the input has 9). GUICHET_BENCH_RATING_CHUNK sets the chunk size."""

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from guichet.__main__ import guichet_environment  # noqa: E402
from guichet.catalog.schema import load_catalog  # noqa: E402
from guichet.rating import tariff_for_plan  # noqa: E402
from guichet.usage.files import CHUNK_RECORDS, rate_file  # noqa: E402

DEFAULT_RECORDS = 10_000_000  # about 1.5 min in all on the 2-core machine


def _pick(random: pl.Expr, choices: list[str]) -> pl.Expr:
    return (random % len(choices)).replace_strict(dict(enumerate(choices)), return_dtype=pl.String)


def generate(path: Path, count: int, *, lines: int = 100_000) -> None:
    """`count` records of `lines` numbers (+33698000000, +33698000001…), in started_at order."""
    i = pl.int_range(count, dtype=pl.UInt64)
    r1, r2, r3, r4 = (i.hash(seed) for seed in (1, 2, 3, 4))
    pct = r1 % 100
    service = (
        pl.when(pct < 60)
        .then(pl.lit("data"))
        .when(pct < 85)
        .then(pl.lit("voice"))
        .when(pct < 97)
        .then(pl.lit("sms"))
        .otherwise(pl.lit("mms"))
    )
    abroad = (r2 % 100) < 5
    visited = pl.when(abroad).then(_pick(r3, ["DE", "ES", "IT", "US", "CH", "MA", "CN", "GP"]))
    visited = visited.otherwise(pl.lit("FR"))
    international = (r3 % 100) < 8
    other = (
        pl.when(service == "data")
        .then(pl.lit(None, dtype=pl.String))
        .when((r4 % 1000) == 0)
        .then(_pick(r2, ["112", "0800123456", "766", "200"]))
        .when(international)
        .then(
            pl.concat_str(
                _pick(r4, ["+4930", "+3491", "+1212555", "+8610", "+21671", "+4144"]),
                (r4 % 1000).cast(pl.String).str.zfill(4),
                (r1 % 1000).cast(pl.String).str.zfill(3),
            )
        )
        .otherwise(pl.concat_str(pl.lit("+336"), (r4 % 100_000_000).cast(pl.String).str.zfill(8)))
    )
    day = (r2 % 28 + 1).cast(pl.String).str.zfill(2)
    hour = (r3 % 24).cast(pl.String).str.zfill(2)
    minute = (r4 % 60).cast(pl.String).str.zfill(2)
    # To the second, as mediation sends them (to the minute, Polars' parser would read each
    # distinct value once and the timestamps would cost a fifth of what they do).
    second = (r1 % 60).cast(pl.String).str.zfill(2)
    frame = pl.select(
        record_id=pl.concat_str(pl.lit("u"), i.cast(pl.String)),
        line=pl.concat_str(pl.lit("+33698"), (r1 % lines).cast(pl.String).str.zfill(6)),
        started_at=pl.concat_str(
            pl.lit("2026-11-"),
            day,
            pl.lit("T"),
            hour,
            pl.lit(":"),
            minute,
            pl.lit(":"),
            second,
            pl.lit("+01:00"),
        ),
        service=service,
        direction=pl.when((service != "data") & ((r3 % 3) == 0))
        .then(pl.lit("in"))
        .otherwise(pl.lit("out")),
        visited_network=visited,
        other_party=other,
        duration_s=pl.when(service == "voice").then((r4 % 900).cast(pl.String)),
        volume_bytes=pl.when(service == "data").then((r2 % 50_000_000).cast(pl.String)),
    )
    frame.sort("started_at").write_csv(path)


def run() -> list[tuple[str, str]]:
    count = int(os.environ.get("GUICHET_BENCH_RATING_RECORDS", DEFAULT_RECORDS))
    with tempfile.TemporaryDirectory() as directory:
        source = Path(directory) / "usage.csv"
        generate(source, count)
        size_mb = source.stat().st_size / 1e6

        started = time.perf_counter()
        bare = pl.read_csv(source, infer_schema=False)
        bare.write_csv(Path(directory) / "bare.csv")
        bare_s = time.perf_counter() - started
        del bare

        # Rated in a child process, so that its peak RSS is the rating's alone (this process
        # holds the generated frame and the bare read).
        chunk = int(os.environ.get("GUICHET_BENCH_RATING_CHUNK", CHUNK_RECORDS))
        target = Path(directory) / "rated.csv"
        child = subprocess.run(
            [sys.executable, __file__, "--rate", str(source), str(target), str(chunk)],
            check=True,
            capture_output=True,
            text=True,
            env=guichet_environment(),
        )
        result = json.loads(child.stdout)
        rating_s = result["seconds"]
        shaped_s = _read_and_write_shaped(source, target, Path(directory) / "shaped.csv")
    peak_mb = result["peak_mb"]
    return [
        ("records (CSV MB)", f"{count:,} ({size_mb:.0f} MB)"),
        ("rated / rejected", f"{result['rated']:,} / {result['rejected']:,}"),
        ("chunk (records)", f"{chunk:,}" if result["chunked"] else "one batch (out of order)"),
        ("end to end (read, rate, write)", f"{rating_s:.2f} s, {count / rating_s:,.0f} records/s"),
        ("bare Polars read + write", f"{bare_s:.2f} s, {count / bare_s:,.0f} records/s"),
        ("rating / bare", f"{rating_s / bare_s:.1f}×"),
        (
            "bare Polars read + write, output's shape",
            f"{shaped_s:.2f} s, {count / shaped_s:,.0f} records/s",
        ),
        ("rating / bare (output's shape)", f"{rating_s / shaped_s:.1f}×"),
        ("CPU time (rating process, all threads)", f"{result['cpu_s']:.2f} s"),
        ("peak RSS (rating process)", f"{peak_mb:,.0f} MB"),
    ]


def _read_and_write_shaped(source: Path, rated: Path, shaped: Path) -> float:
    """Seconds Polars alone takes to read `source` and write a file of the shape of `rated` (its
    records, read back untimed): the read and the write that rating cannot avoid."""
    output = pl.read_csv(rated, infer_schema=False)
    started = time.perf_counter()
    pl.read_csv(source, infer_schema=False)
    output.write_csv(shaped)
    return time.perf_counter() - started


def _rate(source: Path, target: Path, chunk: int) -> None:
    tariff = tariff_for_plan(
        load_catalog(ROOT / "src" / "guichet" / "catalog" / "data"), "woot-100go"
    )
    started = time.perf_counter()
    rating = rate_file(source, target, tariff=tariff, chunk_records=chunk)
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak_mb = _peak_rss_mb(usage)
    figures = {
        "rated": rating.rated,
        "rejected": rating.rejected,
        "chunked": rating.chunked,
        "seconds": seconds,
        "peak_mb": peak_mb,
        # CPU time of all threads: steadier than the wall time on a machine others load.
        "cpu_s": usage.ru_utime + usage.ru_stime,
    }
    print(json.dumps(figures))


def _peak_rss_mb(usage: resource.struct_rusage) -> float:
    """This process's peak RSS: Linux's VmHWM, the high-water mark of its own memory. ru_maxrss
    keeps the parent's RSS at the fork when it is larger (here the generated file and the bare
    read: 3.6 GB for 10,000,000 records), whatever the child uses."""
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return usage.ru_maxrss / 1024


if __name__ == "__main__" and sys.argv[1:2] == ["--rate"]:
    _rate(Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]))
elif __name__ == "__main__":
    for label, figure in run():
        print(f"{label:<40} {figure}")
