"""Invoice PDF render time: one realistic invoice (a customer with three mobile lines: plan and
discount each, an option, a top-up, the SIM fee of a new line, and a dozen out-of-bundle usage
lines) rendered N times (GUICHET_BENCH_PDF_RENDERS, default 30) with `invoice_pdf`, after one
warm-up render (WeasyPrint loads its fonts and stylesheets once per process).

The database is a temporary SQLite file, or GUICHET_BENCH_DATABASE_URL (flushed: never point it
at a real one). Issue 4's target: PDF render ≤ 300 ms median.
"""

import io
import math
import os
import statistics
import tempfile
import time
from datetime import UTC, date, datetime

from _fixtures import ROOT, database_url, setup_django

DEFAULT_RENDERS = 30
PERIOD = date(2026, 11, 1)
LOADED_AT = datetime(2022, 12, 8, 9, 0, tzinfo=UTC)
OPENED_AT = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
ISSUED_AT = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)

# (label, quantity, unit price in cents, day of November): what rating bills beyond the plan.
USAGE = [
    ("Appels vers l'international, zone 3", 12, 120, 3),
    ("Appels vers l'international, zone 2", 7, 60, 5),
    ("SMS vers l'international", 4, 25, 6),
    ("Appels vers un numéro spécial 08 99", 3, 80, 9),
    ("SMS surtaxés", 3, 35, 12),
    ("MMS vers l'international", 2, 80, 14),
    ("Internet mobile en zone 3", 15, 100, 16),
    ("Appels émis depuis la zone 3", 9, 150, 16),
    ("Appels reçus en zone 3", 6, 90, 17),
    ("SMS émis depuis la zone 3", 5, 30, 17),
    ("Appels vers un numéro spécial 08 92", 4, 45, 21),
    ("Internet mobile en zone 2", 10, 50, 27),
]


def _luhn_complete(digits: str) -> str:
    """`digits` and their Luhn check digit (a SIM's ICCID ends with one)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return digits + str((10 - total % 10) % 10)


def _charge(kind, label, line, *, quantity, unit_cents, day=None):
    from guichet.billing.rules import Charge

    start = PERIOD if day is None else PERIOD.replace(day=day)
    end = date(2026, 11, 30) if day is None else start
    return Charge(
        kind=kind,
        label=f"{label} — ligne {line.display_number}",
        line_id=line.pk,
        product_code="",
        quantity=quantity,
        unit_price_cents=unit_cents,
        amount_cents=quantity * unit_cents,
        service_start=start,
        service_end=end,
        rule="bench",
    )


def _invoice():
    """Issued through the real services; the usage lines are given to `invoice_issue` as the
    bill run will once rating stores them."""
    from guichet.billing.models import PaymentMethod
    from guichet.billing.rules import ChargeKind
    from guichet.billing.selectors import invoice_get_for_customer
    from guichet.billing.services import billing_account_open, invoice_issue
    from guichet.care.actors import Actor
    from guichet.catalog.models import Market
    from guichet.catalog.services import catalog_load
    from guichet.customers.models import AddressKind, Civility
    from guichet.customers.services import address_set, customer_create
    from guichet.lines.services import line_create

    system = Actor.system()
    catalog_load(directory=ROOT / "src" / "guichet" / "catalog" / "data", now=LOADED_AT)
    customer = customer_create(
        email="camille.bench@example.fr",
        password="correct horse battery staple",
        civility=Civility.MADAME,
        first_name="Camille",
        last_name="Martin",
        birth_date=date(1990, 5, 17),
        contact_phone="06 12 34 56 78",
        actor=system,
        now=OPENED_AT,
    )
    address_set(
        customer=customer,
        kind=AddressKind.BILLING,
        street_lines=["Bâtiment B, escalier 3", "12 rue de la Paix"],
        postcode="75002",
        city="Paris",
        actor=system,
        now=OPENED_AT,
    )
    account = billing_account_open(
        customer=customer,
        payment_method=PaymentMethod.DIRECT_DEBIT,
        debit_day=5,
        actor=system,
        now=OPENED_AT,
    )
    lines = [
        line_create(
            billing_account=account,
            market=Market.MOBILE,
            msisdn=f"+3369812340{n}",
            iccid=_luhn_complete(f"893320{n:012d}"),
            puk=f"1234567{n}",
            actor=system,
            now=OPENED_AT,
        )
        for n in range(3)
    ]
    charges = []
    for line in lines:
        charges += [
            _charge(
                ChargeKind.PLAN_FEE, "Abonnement Woot 100 Go", line, quantity=1, unit_cents=1799
            ),
            _charge(
                ChargeKind.PLAN_DISCOUNT, "Remise Woot 100 Go", line, quantity=1, unit_cents=-500
            ),
        ]
    charges += [
        _charge(
            ChargeKind.ACTIVATION_FEE,
            "Frais d'activation Carte SIM",
            lines[2],
            quantity=1,
            unit_cents=1000,
            day=18,
        ),
        _charge(
            ChargeKind.OPTION_FEE, "Sécurité mobile Kaspersky", lines[0], quantity=1, unit_cents=300
        ),
        _charge(
            ChargeKind.TOP_UP,
            "Recharge Internet USA/Canada 500 Mo",
            lines[1],
            quantity=1,
            unit_cents=500,
            day=10,
        ),
    ]
    for index, (label, quantity, unit_cents, day) in enumerate(USAGE):
        charges.append(
            _charge(
                ChargeKind.USAGE,
                label,
                lines[index % 3],
                quantity=quantity,
                unit_cents=unit_cents,
                day=day,
            )
        )
    invoice = invoice_issue(
        billing_account=account, period=PERIOD, charges=charges, actor=system, now=ISSUED_AT
    )
    return invoice_get_for_customer(
        customer=customer, number=invoice.number, today=ISSUED_AT.date()
    )


def run() -> list[tuple[str, str]]:
    renders = int(os.environ.get("GUICHET_BENCH_PDF_RENDERS", DEFAULT_RENDERS))
    with tempfile.TemporaryDirectory() as directory:
        setup_django(database_url(directory))
        from django.db import connection
        from pypdf import PdfReader

        from guichet.billing.documents import invoice_pdf

        invoice = _invoice()
        line_count = len(invoice.lines.all())
        started = time.perf_counter()
        first = invoice_pdf(invoice=invoice)
        first_ms = (time.perf_counter() - started) * 1000
        times_ms, cpu_ms = [], []
        for _ in range(renders):
            started, started_cpu = time.perf_counter(), time.process_time()
            pdf = invoice_pdf(invoice=invoice)
            times_ms.append((time.perf_counter() - started) * 1000)
            cpu_ms.append((time.process_time() - started_cpu) * 1000)
        connection.close()
    # Deterministic: the same invoice gives the same bytes every time.
    assert pdf.content == first.content
    pages = len(PdfReader(io.BytesIO(pdf.content)).pages)
    times_ms.sort()
    p95 = times_ms[max(0, math.ceil(0.95 * len(times_ms)) - 1)]
    return [
        ("invoice", f"{line_count} lines, {pages} page(s), {len(pdf.content):,} bytes"),
        ("first render (loads fonts and stylesheet)", f"{first_ms:.0f} ms"),
        (f"render median of {renders}", f"{statistics.median(times_ms):.0f} ms (target ≤ 300 ms)"),
        (f"render p95 of {renders}", f"{p95:.0f} ms"),
        # CPU time is what the render costs on a machine that runs nothing else.
        (f"render CPU time, median of {renders}", f"{statistics.median(cpu_ms):.0f} ms"),
    ]


if __name__ == "__main__":
    for label, figure in run():
        print(f"{label:<40} {figure}")
