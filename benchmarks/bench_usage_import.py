"""Usage import throughput: `guichet usage import` of N records (GUICHET_BENCH_IMPORT_RECORDS,
default 1,000,000; the mix of bench_rating) for GUICHET_BENCH_IMPORT_LINES lines (default 10,000,
on Woot 100 Go), into PostgreSQL and into SQLite, then the same file again (every record a
duplicate). Issue 3's target: ≥ 200,000 records/s into PostgreSQL.

PostgreSQL is GUICHET_BENCH_DATABASE_URL (flushed: never point it at a real database), or else a
throwaway database created on 127.0.0.1:5432 and dropped afterwards; SQLite a temporary file.
Each database is benched in a child process (Django is set up once per process). Setup (the
customers, accounts and lines, inserted with bulk_create by bench_billing.populate) is not timed.
Beside the elapsed times, the CPU seconds of the import and of the PostgreSQL backend (when the
server runs on this machine), which compare runs on a busy machine better, and the peak resident
memory of the process that set up and ran both imports.
"""

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _fixtures import postgres_database  # noqa: E402

from guichet.__main__ import guichet_environment  # noqa: E402

DEFAULT_RECORDS = 1_000_000
DEFAULT_LINES = 10_000
IMPORTED_AT = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
THROWAWAY = "guichet_bench_usage_import"


def run() -> list[tuple[str, str]]:
    from bench_rating import generate

    count = int(os.environ.get("GUICHET_BENCH_IMPORT_RECORDS", DEFAULT_RECORDS))
    lines = int(os.environ.get("GUICHET_BENCH_IMPORT_LINES", DEFAULT_LINES))
    figures: list[tuple[str, str]] = [("records, lines", f"{count:,}, {lines:,}")]
    with tempfile.TemporaryDirectory() as directory:
        source = Path(directory) / "usage.csv"
        generate(source, count, lines=lines)
        figures.append(("rating alone (read, rate; no database)", _rate(count, _rating(source))))
        for label, database in (
            ("PostgreSQL", postgres_database(THROWAWAY)),
            ("SQLite", nullcontext(f"sqlite:///{Path(directory) / 'bench.sqlite3'}")),
        ):
            with database as url:
                child = subprocess.run(
                    [sys.executable, __file__, "--import", url, str(source), str(lines)],
                    check=True,
                    capture_output=True,
                    text=True,
                    env=guichet_environment(),
                )
            result = json.loads(child.stdout.splitlines()[-1])
            figures += [
                (f"{label}: first import", result["summary"]),
                (f"{label}: first import time", _rate(count, result["seconds"])),
                (f"{label}: first import CPU", _cpu(result["cpu"])),
                (f"{label}: same file again", result["again_summary"]),
                (f"{label}: same file again time", _rate(count, result["again_seconds"])),
                (f"{label}: same file again CPU", _cpu(result["again_cpu"])),
                (f"{label}: peak memory", f"{result['peak_rss_mb']:,.0f} MB"),
            ]
    return figures


def _rating(source: Path) -> float:
    """Seconds to read and rate the file by chunks as the import does, without storing: what
    the database part of an import adds is the import's time minus this."""
    from guichet.catalog.schema import load_catalog
    from guichet.rating import rate_usage, tariff_for_plan
    from guichet.usage.files import CHUNK_RECORDS, usage_chunks

    tariff = tariff_for_plan(
        load_catalog(ROOT / "src" / "guichet" / "catalog" / "data"), "woot-100go"
    )
    started = time.perf_counter()
    counters = None
    for chunk in usage_chunks(source, CHUNK_RECORDS):
        counters = rate_usage(chunk, tariff=tariff, counters=counters).counters
    return time.perf_counter() - started


def _rate(count: int, seconds: float) -> str:
    return f"{seconds:.2f} s, {count / seconds:,.0f} records/s"


def _cpu(seconds: tuple[float, float | None]) -> str:
    own, server = seconds
    return f"{own:.2f} s here" + ("" if server is None else f", {server:.2f} s in the server")


def _import(url: str, source: Path, lines: int) -> None:
    from bench_billing import populate, setup_django

    setup_django(url)
    populate(lines)
    from guichet.usage.services import ImportSummary, usage_import

    cpu = _CpuClock()
    started = time.perf_counter()
    first = usage_import(path=source, clock=lambda: IMPORTED_AT)
    seconds = time.perf_counter() - started
    first_cpu = cpu.lap()
    started = time.perf_counter()
    again = usage_import(path=source, clock=lambda: IMPORTED_AT)
    again_seconds = time.perf_counter() - started
    again_cpu = cpu.lap()
    from django.db import connection

    connection.close()
    print(
        json.dumps(
            {
                "summary": ImportSummary.of(first).text(),
                "seconds": seconds,
                "again_summary": ImportSummary.of(again).text(),
                "again_seconds": again_seconds,
                "cpu": first_cpu,
                "again_cpu": again_cpu,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


class _CpuClock:
    """CPU seconds of this process (every thread) and, for a PostgreSQL server on this machine,
    of its backend serving the import: figures that a machine busy with other work changes
    far less than the elapsed time."""

    def __init__(self) -> None:
        self._last = self._now()

    def lap(self) -> tuple[float, float | None]:
        now = self._now()
        own = now[0] - self._last[0]
        server = None if now[1] is None or self._last[1] is None else now[1] - self._last[1]
        self._last = now
        return own, server

    @staticmethod
    def _now() -> tuple[float, float | None]:
        return time.process_time(), _backend_cpu()


def _backend_cpu() -> float | None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        # /proc/PID/stat: utime and stime are the 14th and 15th fields, in clock ticks.
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # a server elsewhere, or another user's process
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__" and sys.argv[1:2] == ["--import"]:
    _import(sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]))
elif __name__ == "__main__":
    for label, figure in run():
        print(f"{label:<40} {figure}")
