"""Dunning run throughput: N billing accounts (GUICHET_BENCH_DUNNING_ACCOUNTS, default 1,000),
each with one Woot 100 Go line and its October invoice left unpaid past its due date.

Timed: the run the day after the due date (every invoice marked unpaid, a case opened per
account), the run of the first reminder (an email and an SMS each, through the outbox), the same
run again (idempotent: nothing done), the second reminder, and the suspension (every line
suspended, each with its notice).

The database is a temporary SQLite file, or GUICHET_BENCH_DATABASE_URL (a scratch database,
flushed: never point it at a real one). Customers, accounts and lines are inserted in bulk to set
up quickly; the invoices come from the real bill run; only the dunning runs are timed.
"""

import os
import tempfile
import time
from datetime import UTC, date, datetime, timedelta

from _fixtures import bulk_accounts, bulk_woot_lines, database_url, setup_django

DEFAULT_ACCOUNTS = 1_000
PERIOD = date(2026, 10, 1)
ACTIVATED = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
BILL_RUN_AT = datetime(2026, 11, 2, 5, 0, tzinfo=UTC)  # card: due 17 November


def _populate(count: int) -> None:
    from guichet.billing.models import PaymentMethod
    from guichet.billing.services import bill_run
    from guichet.customers.models import Civility

    _, accounts = bulk_accounts(
        count,
        payment_method=PaymentMethod.CARD,
        debit_day=1,
        created_at=ACTIVATED,
        civility=Civility.MONSIEUR,
        first_name="Karim",
        last_name="Benali",
        birth_date=date(1992, 9, 3),
        contact_phone="+33698{n:06d}",
    )
    bulk_woot_lines(accounts, activated=ACTIVATED)
    bill_run(period=PERIOD, now=BILL_RUN_AT)


def _timed(day: date) -> tuple[str, float]:
    from zoneinfo import ZoneInfo

    from guichet.payments.services.dunning import dunning_run

    now = datetime.combine(day, datetime.min.time(), tzinfo=ZoneInfo("Europe/Paris"))
    started = time.perf_counter()
    report = dunning_run(now=now + timedelta(hours=8))
    return report.summary(), time.perf_counter() - started


def run() -> list[tuple[str, str]]:
    count = int(os.environ.get("GUICHET_BENCH_DUNNING_ACCOUNTS", DEFAULT_ACCOUNTS))
    figures: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as directory:
        setup_django(database_url(directory))
        _populate(count)
        from django.db import connection

        figures += [("database", connection.vendor), ("accounts", f"{count:,}")]
        for label, day in (
            ("D+1: mark unpaid, open cases", date(2026, 11, 18)),
            ("D+5: first reminder", date(2026, 11, 22)),
            ("D+5 again (idempotent)", date(2026, 11, 22)),
            ("D+15: second reminder", date(2026, 12, 2)),
            ("D+20: suspension", date(2026, 12, 7)),
        ):
            summary, seconds = _timed(day)
            figures += [
                (label, summary),
                (f"{label} time", f"{seconds:.2f} s, {count / seconds:,.0f} accounts/s"),
            ]
        connection.close()
    return figures


if __name__ == "__main__":
    for label, figure in run():
        print(f"{label:<40} {figure}")
