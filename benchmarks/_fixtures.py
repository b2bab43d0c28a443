"""Set-up shared by the benchmarks: Django on a scratch database, and customers with a billing
account each (and a Woot 100 Go line each) inserted with bulk_create, to set a bench up quickly
(benchmark setup, not the services' path; never timed).

Not a benchmark: run.py runs the modules `bench_*.py` only, hence the leading underscore.
Importing it puts `src` on the path, so that the benches can import `guichet`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

if TYPE_CHECKING:
    from guichet.billing.models import BillingAccount
    from guichet.customers.models import Customer
    from guichet.lines.models import Line


def database_url(directory: str) -> str:
    """GUICHET_BENCH_DATABASE_URL (a scratch database, flushed: never a real one), or else a
    SQLite file in the temporary `directory`."""
    return os.environ.get(
        "GUICHET_BENCH_DATABASE_URL", f"sqlite:///{Path(directory) / 'bench.sqlite3'}"
    )


POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432"


@contextmanager
def postgres_database(throwaway: str) -> Iterator[str]:
    """The URL of a PostgreSQL database for a bench: GUICHET_BENCH_DATABASE_URL (flushed: never
    a real one), or else the database `throwaway`, created on 127.0.0.1:5432 for the bench and
    dropped afterwards."""
    url = os.environ.get("GUICHET_BENCH_DATABASE_URL")
    if url:
        yield url
        return
    _recreate(throwaway, create=True)
    try:
        yield f"{POSTGRES_SERVER}/{throwaway}"
    finally:
        _recreate(throwaway, create=False)


def _recreate(name: str, *, create: bool) -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name}")
        if create:
            connection.execute(f"CREATE DATABASE {name}")


def setup_django(database_url: str, *, debug: bool = True, **settings_env: str) -> None:
    """Set Django up on `database_url`, migrate its database and flush it.

    `settings_env` are further environment variables the settings read (e.g.
    GUICHET_SEPA_OUTBOX_DIR="..."); `debug=False` runs with GUICHET_DEBUG unset, as in production
    (debug on records every query; debug off wants GUICHET_SECRET_KEY). When an earlier benchmark
    of the same process (`make bench`) set Django up already, the settings stay as they were read
    then and only the default connection is pointed at `database_url`.
    """
    import dj_database_url

    os.environ["DATABASE_URL"] = database_url
    os.environ.update(settings_env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")
    if debug:
        os.environ.setdefault("GUICHET_DEBUG", "1")
    else:
        os.environ.pop("GUICHET_DEBUG", None)
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


def bulk_accounts(
    count: int,
    *,
    payment_method: str,
    debit_day: int,
    created_at: datetime,
    civility: str = "mme",
    first_name: str = "Camille",
    last_name: str = "Martin",
    birth_date: date = date(1990, 5, 17),
    contact_phone: str = "+33612345678",
) -> tuple[list[Customer], list[BillingAccount]]:
    """`count` users (bench{n}@example.fr), their customers (number BC + n on 8 digits) and one
    billing account each (CF + n), all created at `created_at`. `contact_phone` may hold `{n}`
    (e.g. "+33698{n:06d}", the number of the customer's line)."""
    from guichet.billing.models import BillingAccount
    from guichet.customers.models import Customer, User

    users = User.objects.bulk_create(
        User(email=f"bench{n}@example.fr", password="!") for n in range(count)
    )
    customers = Customer.objects.bulk_create(
        Customer(
            user=user,
            number=f"BC{n:08d}",
            civility=civility,
            first_name=first_name,
            last_name=last_name,
            birth_date=birth_date,
            contact_email=user.email,
            contact_phone=contact_phone.format(n=n),
            created_at=created_at,
        )
        for n, user in enumerate(users)
    )
    accounts = BillingAccount.objects.bulk_create(
        BillingAccount(
            customer=customer,
            number=f"CF{n:08d}",
            payment_method=payment_method,
            debit_day=debit_day,
            created_at=created_at,
        )
        for n, customer in enumerate(customers)
    )
    return customers, accounts


def bulk_woot_lines(
    accounts: Sequence[BillingAccount],
    *,
    activated: datetime,
    options: Sequence[tuple[str, int, datetime]] = (),
) -> list[Line]:
    """Load the catalogue at `activated`, then give each of `accounts` one mobile line, number
    +33698000000 + n, on Woot 100 Go, in service from `activated`. `options` are
    (product code, every how many lines, starting at): e.g. ("securite-kaspersky", 2, october)
    adds that option to every other line from October."""
    from guichet.catalog.models import Market, Product, ProductKind
    from guichet.catalog.services import catalog_load
    from guichet.lines.models import Line, LineStatus, Subscription, SubscriptionStatus

    catalog_load(directory=ROOT / "src" / "guichet" / "catalog" / "data", now=activated)
    lines = Line.objects.bulk_create(
        Line(
            billing_account=account,
            market=Market.MOBILE,
            msisdn=f"+33698{n:06d}",
            status=LineStatus.ACTIVE,
            created_at=activated,
            activated_at=activated,
        )
        for n, account in enumerate(accounts)
    )
    offers = [("woot-100go", ProductKind.PLAN, 1, activated)]
    offers += [(code, ProductKind.OPTION, every, starts_at) for code, every, starts_at in options]
    products = {code: Product.objects.get(code=code) for code, *_ in offers}
    subscriptions = [
        Subscription(
            line=line,
            product=products[code],
            kind=kind,
            status=SubscriptionStatus.ACTIVE,
            starts_at=starts_at,
            created_at=activated,
        )
        for code, kind, every, starts_at in offers
        for line in lines[::every]
    ]
    Subscription.objects.bulk_create(subscriptions, batch_size=5_000)
    return lines
