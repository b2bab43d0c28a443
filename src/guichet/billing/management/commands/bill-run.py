"""`guichet bill-run --period 2026-10 [--account ID]`: invoice a month, idempotently; or
`--period 2026-10-15`: the periods starting on the 15th (accounts on that billing cycle day)."""

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from guichet.billing.errors import BillingError
from guichet.billing.services import bill_run
from guichet.catalog.errors import CatalogError


def _period_start(text: str) -> date:
    try:
        parts = [int(part) for part in text.split("-")]
        if len(parts) == 2:  # YYYY-MM: the calendar month
            return date(parts[0], parts[1], 1)
        year, month, day = parts
        return date(year, month, day)
    except ValueError:
        raise CommandError(
            f"--period {text!r}: expected a month as YYYY-MM (e.g. 2026-10), or the first day"
            " of the periods to invoice as YYYY-MM-DD (e.g. 2026-10-15)"
        ) from None


class Command(BaseCommand):
    help = (
        "Bill run of the billing periods starting on a day (the 1st: calendar months): one"
        " invoice per billing account on that cycle with a line in service. Running"
        " it again creates only the missing invoices. Prints"
        " `accounts=N created=X existing=Y total_eur=Z`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--period",
            required=True,
            help="The month to invoice, YYYY-MM, or the periods' first day, YYYY-MM-DD.",
        )
        parser.add_argument("--account", type=int, help="Only this billing account (its id).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = bill_run(
                period=_period_start(options["period"]),
                now=timezone.now(),
                account_id=options["account"],
            )
        except (BillingError, CatalogError) as error:
            raise CommandError(error.message) from None
        self.stdout.write(report.summary())
        for account_id, code in report.failed:
            self.stderr.write(f"account={account_id} failed: {code}")
