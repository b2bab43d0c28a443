"""Bill-run throughput: N billing accounts (GUICHET_BENCH_BILLING_ACCOUNTS, default 100,000), each
with one Woot 100 Go line in service all month, one in two with the mobile security option in its
free month, one in four paying a phone in 24 instalments and one in ten with a paid bill advance
to deduct, and a month of rated usage (GUICHET_BENCH_BILLING_USAGE records, default 1,000,000:
the mix of bench_rating, imported by `usage_import`, so that invoices carry out-of-bundle lines),
invoiced by `bill_run` for that month, then run again (idempotent: nothing created). No PDFs
(bench_invoice_pdf times them).

On PostgreSQL (GUICHET_BENCH_DATABASE_URL, flushed: never a real one; else a throwaway database
on 127.0.0.1:5432, dropped afterwards) and SQLite (a temporary file), each in a child process
with debug off, as in production. The accounts, customers and lines are inserted with
bulk_create and the usage imported before timing; only the bill run is timed.
Issue 4's target: ≥ 2,000 invoices/s on PostgreSQL for 100,000 accounts.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from _fixtures import bulk_accounts, bulk_woot_lines, postgres_database, setup_django

DEFAULT_ACCOUNTS = 100_000
DEFAULT_USAGE = 1_000_000
THROWAWAY = "guichet_bench_billing"
PERIOD = date(2026, 10, 1)
ACTIVATED = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
RUN_AT = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
USAGE_IMPORTED_AT = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)  # October's usage, all of it


def populate(count: int) -> None:
    """`count` customers with one account and one Woot 100 Go line each, number
    +33698000000 + n, in service from 1 September 2026 (the mobile security option on every
    other line from October), inserted in bulk: benchmark setup, not the services' path."""
    from guichet.billing.models import PaymentMethod

    customers, accounts = bulk_accounts(
        count, payment_method=PaymentMethod.DIRECT_DEBIT, debit_day=5, created_at=ACTIVATED
    )
    lines = bulk_woot_lines(
        accounts,
        activated=ACTIVATED,
        options=[("securite-kaspersky", 2, RUN_AT.replace(month=10))],
    )
    _populate_instalments_and_advances(customers, accounts, lines)


def _populate_instalments_and_advances(
    customers: list[Any], accounts: list[Any], lines: list[Any]
) -> None:
    from guichet.billing.models import BillAdvance, BillAdvanceStatus
    from guichet.lines.models import Equipment, EquipmentKind, Ownership
    from guichet.payments.instalment_rules import schedule
    from guichet.payments.models import Instalment, InstalmentPlan

    paying = range(0, len(accounts), 4)
    phones = Equipment.objects.bulk_create(
        Equipment(
            customer=customers[n],
            line=lines[n],
            kind=EquipmentKind.PHONE,
            model="Samsung Galaxy S24 128 Go",
            imei=f"35{n:013d}",
            ownership=Ownership.OWNED,
            acquired_at=ACTIVATED,
            created_at=ACTIVATED,
        )
        for n in paying
    )
    plans = InstalmentPlan.objects.bulk_create(
        InstalmentPlan(
            billing_account=accounts[n],
            equipment=phone,
            label=phone.model,
            principal_cents=79_900,
            instalment_count=24,
            first_period=PERIOD,
            created_at=ACTIVATED,
        )
        for n, phone in zip(paying, phones, strict=True)
    )
    items = schedule(principal_cents=79_900, count=24, first_period=PERIOD)
    Instalment.objects.bulk_create(
        (
            Instalment(
                plan=plan,
                number=item.number,
                period_start=item.period_start,
                amount_cents=item.amount_cents,
            )
            for plan in plans
            for item in items
        ),
        batch_size=5_000,
    )
    BillAdvance.objects.bulk_create(
        BillAdvance(
            billing_account=account,
            period_start=PERIOD,
            sequence=1,
            out_of_bundle_cents=3001,
            threshold_cents=3000,
            threshold_basis="new_customer",
            amount_cents=3001,
            status=BillAdvanceStatus.PAID,
            requested_at=RUN_AT.replace(month=10),
            due_on=PERIOD,
            paid_at=RUN_AT.replace(month=10),
            payment_reference="bench",
        )
        for account in accounts[::10]
    )


def _analyze() -> None:
    """Gather the planner's statistics on the tables just filled, as autovacuum would have done
    long before a bill run on a real database: without them, PostgreSQL guesses the sizes of
    freshly bulk-loaded tables and may pick an index that reads every scheduled instalment."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def run() -> list[tuple[str, str]]:
    from bench_rating import generate

    count = int(os.environ.get("GUICHET_BENCH_BILLING_ACCOUNTS", DEFAULT_ACCOUNTS))
    usage = int(os.environ.get("GUICHET_BENCH_BILLING_USAGE", DEFAULT_USAGE))
    figures = [("accounts, usage records", f"{count:,}, {usage:,}")]
    with tempfile.TemporaryDirectory() as directory:
        source = Path(directory) / "usage.csv"
        if usage:
            _month_of_usage(source, usage, lines=count, generate=generate)
        for label, database in (
            ("PostgreSQL", postgres_database(THROWAWAY)),
            ("SQLite", nullcontext(f"sqlite:///{Path(directory) / 'bench.sqlite3'}")),
        ):
            with database as url:
                child = subprocess.run(
                    [sys.executable, __file__, "--child", url, str(count), str(source)],
                    check=True,
                    capture_output=True,
                    text=True,
                )
            result = json.loads(child.stdout.splitlines()[-1])
            first_s = result["first_seconds"]
            figures += [
                (f"{label}: first run", result["first"]),
                (
                    f"{label}: first run time",
                    f"{first_s:.2f} s, {result['created'] / first_s:,.0f} invoices/s",
                ),
                (f"{label}: invoice lines (out of bundle)", result["lines"]),
                (f"{label}: second run (idempotent)", result["again"]),
                (f"{label}: second run time", f"{result['again_seconds']:.2f} s"),
            ]
    return figures


def _month_of_usage(path: Path, count: int, *, lines: int, generate: Any) -> None:
    """`count` records of bench_rating's mix for the `lines` numbers of `populate`, moved from
    the month bench_rating writes (November 2026) to the billed one (PERIOD)."""
    import polars as pl

    generate(path, count, lines=lines)
    month = f"{PERIOD:%Y-%m}-"
    pl.read_csv(path, infer_schema=False).with_columns(
        pl.col("started_at").str.replace(r"^2026-11-", month)
    ).write_csv(path)


def _child(url: str, count: int, source: Path) -> None:
    setup_django(url, debug=False, GUICHET_SECRET_KEY="bench-billing-not-a-secret-" + "x" * 40)
    from django.db import connection

    from guichet.billing.models import InvoiceLine
    from guichet.billing.services import bill_run
    from guichet.usage.services import usage_import

    populate(count)
    if source.exists():
        usage_import(path=source, clock=lambda: USAGE_IMPORTED_AT)
    _analyze()
    started = time.perf_counter()
    report = bill_run(period=PERIOD, now=RUN_AT)
    first_seconds = time.perf_counter() - started
    started = time.perf_counter()
    again = bill_run(period=PERIOD, now=RUN_AT)
    again_seconds = time.perf_counter() - started
    lines = InvoiceLine.objects.count()
    usage_lines = InvoiceLine.objects.filter(kind="usage").count()
    connection.close()
    print(
        json.dumps(
            {
                "first": report.summary(),
                "created": report.created,
                "first_seconds": first_seconds,
                "lines": f"{lines:,} ({usage_lines:,})",
                "again": again.summary(),
                "again_seconds": again_seconds,
            }
        )
    )


if __name__ == "__main__" and sys.argv[1:2] == ["--child"]:
    _child(sys.argv[2], int(sys.argv[3]), Path(sys.argv[4]))
elif __name__ == "__main__":
    for label, figure in run():
        print(f"{label:<45} {figure}")
