"""`guichet deposit-refunds`: the security deposits to refund (CGS 5.1 (ii)), idempotently."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from guichet.billing.deposits import security_deposits_review
from guichet.billing.errors import BillingError
from guichet.billing.rules import format_eur
from guichet.catalog.errors import CatalogError


class Command(BaseCommand):
    help = (
        "Security deposits: makes due for refund those whose contract ended with no debt left,"
        " then lists every deposit to refund with its deadline (10 days, CGS 5.1 (ii)). Running"
        " it again changes nothing more. Prints `made_due=N to_refund=N overdue=N total_eur=X`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--list", action="store_true", help="Also print one line per deposit to refund."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            review = security_deposits_review(now=timezone.now())
        except (BillingError, CatalogError) as error:
            raise CommandError(error.message) from None
        self.stdout.write(review.summary())
        if options["list"]:
            overdue = {deposit.pk for deposit in review.overdue}
            for deposit in review.to_refund:
                assert deposit.refund_due_on is not None  # to refund
                self.stdout.write(
                    f"{deposit.billing_account.number} {deposit.cause}"
                    f" {format_eur(deposit.amount_cents)} due={deposit.refund_due_on.isoformat()}"
                    + (" OVERDUE" if deposit.pk in overdue else "")
                )
