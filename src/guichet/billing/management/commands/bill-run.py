"""`guichet bill-run --period 2026-10 [--account ID]`: invoice a month, idempotently."""

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from guichet.billing.errors import BillingError
from guichet.billing.services import bill_run
from guichet.catalog.errors import CatalogError


def _month(text: str) -> date:
    try:
        year, month = text.split("-")
        return date(int(year), int(month), 1)
    except ValueError:
        raise CommandError(
            f"--period {text!r}: expected a month as YYYY-MM, e.g. 2026-10"
        ) from None


class Command(BaseCommand):
    help = (
        "Bill run of one month: one invoice per billing account with a line in service. Running"
        " it again creates only the missing invoices. Prints"
        " `accounts=N created=X existing=Y total_eur=Z`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="The month to invoice, YYYY-MM.")
        parser.add_argument("--account", type=int, help="Only this billing account (its id).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = bill_run(
                period=_month(options["period"]), now=timezone.now(), account_id=options["account"]
            )
        except (BillingError, CatalogError) as error:
            raise CommandError(error.message) from None
        self.stdout.write(report.summary())
        for account_id, code in report.failed:
            self.stderr.write(f"account={account_id} failed: {code}")
