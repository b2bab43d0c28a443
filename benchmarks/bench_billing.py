"""Bill-run throughput: N billing accounts (GUICHET_BENCH_BILLING_ACCOUNTS, default 2,000), each
with one Woot 100 Go line in service all month, one in two with the mobile security option in its
free month, one in four paying a phone in 24 instalments and one in ten with a paid bill advance
to deduct, invoiced by `bill_run` for one month, then run again (idempotent: nothing created).

The database is a temporary SQLite file, or GUICHET_BENCH_DATABASE_URL (e.g. a scratch
PostgreSQL database, which is flushed: never point it at a real one). The accounts, customers
and lines are inserted with bulk_create to set the bench up quickly; only the bill run is timed.
Issue 4's target: ≥ 2,000 invoices/s on PostgreSQL for 100,000 accounts.
"""

import os
import tempfile
import time
from datetime import UTC, date, datetime
from typing import Any

from _fixtures import bulk_accounts, bulk_woot_lines, database_url, setup_django

DEFAULT_ACCOUNTS = 2_000
PERIOD = date(2026, 10, 1)
ACTIVATED = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
RUN_AT = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


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
    count = int(os.environ.get("GUICHET_BENCH_BILLING_ACCOUNTS", DEFAULT_ACCOUNTS))
    with tempfile.TemporaryDirectory() as directory:
        setup_django(database_url(directory))
        from guichet.billing.services import bill_run

        populate(count)
        _analyze()
        started = time.perf_counter()
        report = bill_run(period=PERIOD, now=RUN_AT)
        first_s = time.perf_counter() - started
        started = time.perf_counter()
        again = bill_run(period=PERIOD, now=RUN_AT)
        again_s = time.perf_counter() - started
        from django.db import connection

        vendor = connection.vendor
        connection.close()
    return [
        ("database", vendor),
        ("accounts", f"{count:,}"),
        ("first run", report.summary()),
        ("first run time", f"{first_s:.2f} s, {report.created / first_s:,.0f} invoices/s"),
        ("second run (idempotent)", again.summary()),
        ("second run time", f"{again_s:.2f} s"),
    ]


if __name__ == "__main__":
    for label, figure in run():
        print(f"{label:<30} {figure}")
