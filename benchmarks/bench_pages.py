"""Portal page server time: Accueil, Conso and Factures, each requested N times
(GUICHET_BENCH_PAGE_REQUESTS, default 200) after 20 warm-up requests, through Django's test
Client (the whole request: middleware, views, queries, templates; no network), as the personas
Camille (41 months of invoices) and Hugo (a mobile line and a box), with GUICHET_DEBUG off.

The database holds the demo personas (`demo_data_create`, their whole history) and
GUICHET_BENCH_PAGE_CUSTOMERS other customers (default 10,000) inserted in bulk as bench_billing
does (an account and a Woot 100 Go line each, instalments, bill advances), invoiced by the real
bill run for October 2026, with GUICHET_BENCH_PAGE_USAGE usage records (default 200,000) for
November imported by `usage_import`: a full-size database under the persona's queries. The
generated customers are not made with demo_data_create(customers=10000): it bills each of them
month by month for up to three years, far too slow for a bench (see docs/architecture.md).

On PostgreSQL (GUICHET_BENCH_DATABASE_URL, flushed: never a real one; else a throwaway database
on 127.0.0.1:5432, dropped afterwards) and SQLite (a temporary file), each in a child process.
Issue 5's target: p95 ≤ 50 ms per page.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _fixtures import postgres_database  # noqa: E402

DEFAULT_REQUESTS = 200
WARM_UP = 20
DEFAULT_CUSTOMERS = 10_000
DEFAULT_USAGE = 200_000
PAGES = (("Accueil", "/"), ("Conso", "/conso/"), ("Factures", "/factures/"))
PERSONAS = ("camille@demo.guichet.fr", "hugo@demo.guichet.fr")
BILLED_PERIOD = date(2026, 10, 1)
BILLED_AT = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
USAGE_IMPORTED_AT = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
THROWAWAY = "guichet_bench_pages"


def run() -> list[tuple[str, str]]:
    customers = int(os.environ.get("GUICHET_BENCH_PAGE_CUSTOMERS", DEFAULT_CUSTOMERS))
    requests = int(os.environ.get("GUICHET_BENCH_PAGE_REQUESTS", DEFAULT_REQUESTS))
    usage = int(os.environ.get("GUICHET_BENCH_PAGE_USAGE", DEFAULT_USAGE))
    figures: list[tuple[str, str]] = [
        ("other customers, usage records, requests/page", f"{customers:,}, {usage:,}, {requests}")
    ]
    with tempfile.TemporaryDirectory() as directory:
        for label, database in (
            ("PostgreSQL", postgres_database(THROWAWAY)),
            ("SQLite", nullcontext(f"sqlite:///{Path(directory) / 'bench.sqlite3'}")),
        ):
            with database as url:
                sizes = (str(customers), str(usage), str(requests))
                child = subprocess.run(
                    [sys.executable, __file__, "--child", url, directory, *sizes],
                    check=True,
                    capture_output=True,
                    text=True,
                )
            result = json.loads(child.stdout.splitlines()[-1])
            figures.append((f"{label}: database set up in", f"{result['setup_seconds']:.0f} s"))
            figures += [(f"{label}: {name}", figure) for name, figure in result["pages"]]
    return figures


def _populate(directory: Path, customers: int, usage: int) -> None:
    from bench_billing import populate
    from bench_rating import generate
    from django.utils import timezone

    from guichet.billing.services import bill_run
    from guichet.demo.services import demo_data_create
    from guichet.usage.services import usage_import

    populate(customers)  # loads the catalog too
    demo_data_create(customers=0, seed=1, now=timezone.now())
    bill_run(period=BILLED_PERIOD, now=BILLED_AT)
    if usage:
        source = directory / "usage.csv"
        generate(source, usage, lines=customers)
        usage_import(path=source, clock=lambda: USAGE_IMPORTED_AT)


def _quantiles(milliseconds: list[float]) -> str:
    ordered = sorted(milliseconds)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return f"p50 {statistics.median(ordered):5.1f} ms  p95 {p95:5.1f} ms  max {ordered[-1]:5.1f} ms"


def _child(url: str, directory: str, customers: int, usage: int, requests: int) -> None:
    from _fixtures import setup_django

    setup_django(
        url,
        debug=False,  # as in production: debug on records every query
        GUICHET_SECRET_KEY="bench-pages-not-a-secret-" + "x" * 40,
        GUICHET_ALLOWED_HOSTS="testserver",
        # The demo personas pay by direct debit: their mandates need a creditor (debug off
        # has no sample one).
        GUICHET_SEPA_CREDITOR_ID="FR72ZZZ123456",
        GUICHET_SEPA_CREDITOR_NAME="Operateur benchmark",
        GUICHET_SEPA_CREDITOR_IBAN="FR1420041010050500013M02606",
    )
    started = time.perf_counter()
    _populate(Path(directory), customers, usage)
    setup_seconds = time.perf_counter() - started

    from django.test import Client

    from guichet.customers.selectors import customer_get_by_login_email

    pages = []
    for email in PERSONAS:
        client = Client()
        client.force_login(customer_get_by_login_email(email=email).user)
        for name, path in PAGES:
            for _ in range(WARM_UP):
                assert client.get(path, secure=True).status_code == 200, path
            timings = []
            for _ in range(requests):
                began = time.perf_counter()
                response = client.get(path, secure=True)
                timings.append((time.perf_counter() - began) * 1000)
                assert response.status_code == 200, path
            pages.append((f"{name} as {email.split('@')[0].capitalize()}", _quantiles(timings)))
    from django.db import connection

    connection.close()
    print(json.dumps({"setup_seconds": setup_seconds, "pages": pages}))


if __name__ == "__main__" and sys.argv[1:2] == ["--child"]:
    _child(sys.argv[2], sys.argv[3], *(int(value) for value in sys.argv[4:7]))
elif __name__ == "__main__":
    for label, figure in run():
        print(f"{label:<50} {figure}")
