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
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

DEFAULT_ACCOUNTS = 1_000
PERIOD = date(2026, 10, 1)
ACTIVATED = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
BILL_RUN_AT = datetime(2026, 11, 2, 5, 0, tzinfo=UTC)  # card: due 17 November


def _setup_django(database_url: str) -> None:
    """Set Django up on `database_url`; when an earlier benchmark of the same `make bench` did
    it already, point the default connection at this benchmark's own database."""
    import dj_database_url

    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")
    os.environ.setdefault("GUICHET_DEBUG", "1")
    import django
    from django.apps import apps

    if apps.ready:
        from django.db import connections

        connections.close_all()
        connections["default"].settings_dict.update(dj_database_url.parse(database_url))
    else:
        django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)


def _populate(count: int) -> None:
    from guichet.billing.models import BillingAccount, PaymentMethod
    from guichet.billing.services import bill_run
    from guichet.catalog.models import Market, Product, ProductKind
    from guichet.catalog.services import catalog_load
    from guichet.customers.models import Civility, Customer, User
    from guichet.lines.models import Line, LineStatus, Subscription, SubscriptionStatus

    catalog_load(directory=ROOT / "src" / "guichet" / "catalog" / "data", now=ACTIVATED)
    woot = Product.objects.get(code="woot-100go")
    users = User.objects.bulk_create(
        User(email=f"bench{n}@example.fr", password="!") for n in range(count)
    )
    customers = Customer.objects.bulk_create(
        Customer(
            user=user,
            number=f"BC{n:08d}",
            civility=Civility.MONSIEUR,
            first_name="Karim",
            last_name="Benali",
            birth_date=date(1992, 9, 3),
            contact_email=user.email,
            contact_phone=f"+33698{n:06d}",
            created_at=ACTIVATED,
        )
        for n, user in enumerate(users)
    )
    accounts = BillingAccount.objects.bulk_create(
        BillingAccount(
            customer=customer,
            number=f"CF{n:08d}",
            payment_method=PaymentMethod.CARD,
            debit_day=1,
            created_at=ACTIVATED,
        )
        for n, customer in enumerate(customers)
    )
    lines = Line.objects.bulk_create(
        Line(
            billing_account=account,
            market=Market.MOBILE,
            msisdn=f"+33698{n:06d}",
            status=LineStatus.ACTIVE,
            created_at=ACTIVATED,
            activated_at=ACTIVATED,
        )
        for n, account in enumerate(accounts)
    )
    Subscription.objects.bulk_create(
        (
            Subscription(
                line=line,
                product=woot,
                kind=ProductKind.PLAN,
                status=SubscriptionStatus.ACTIVE,
                starts_at=ACTIVATED,
                created_at=ACTIVATED,
            )
            for line in lines
        ),
        batch_size=5_000,
    )
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
        url = os.environ.get(
            "GUICHET_BENCH_DATABASE_URL", f"sqlite:///{Path(directory) / 'bench.sqlite3'}"
        )
        _setup_django(url)
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
