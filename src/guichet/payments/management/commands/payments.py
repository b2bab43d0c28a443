"""`guichet payments reconcile`: settle the card payments whose outcome we do not know, cancel
the device orders whose card payment never started, and ask again for the refunds the PSP has
not confirmed."""

from argparse import ArgumentParser
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from guichet.devices.card_orders import device_orders_without_payment_cancel
from guichet.payments.errors import PaymentError
from guichet.payments.psp import card_gateway
from guichet.payments.services.card import card_payments_reconcile
from guichet.payments.services.refunds import card_refunds_reconcile


class Command(BaseCommand):
    help = (
        "Payments: `reconcile` asks the PSP about card payments left unknown (a timeout) or"
        " open too long, and settles them; cancels the device orders whose card payment never"
        " started; then asks again for the refunds not confirmed (idempotent)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        reconcile = actions.add_parser(
            "reconcile", help="Settle unknown and stale card payment attempts from the PSP."
        )
        reconcile.add_argument(
            "--stale-after-minutes",
            type=int,
            default=30,
            help="An attempt left created or processing this long is asked about, and"
            " cancelled at the PSP if it was never completed; a device order left this long"
            " without a payment attempt is cancelled (default 30).",
        )
        reconcile.add_argument("--limit", type=int, default=500, help="At most this many.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            gateway = card_gateway()
        except PaymentError as error:
            missing = ", ".join(error.extra.get("missing_settings", []))
            raise CommandError(f"{error.message} ({missing})") from None
        report = card_payments_reconcile(
            now=timezone.now(),
            gateway=gateway,
            stale_after=timedelta(minutes=options["stale_after_minutes"]),
            limit=options["limit"],
        )
        self.stdout.write(report.summary())
        orphans = device_orders_without_payment_cancel(
            now=timezone.now(),
            stale_after=timedelta(minutes=options["stale_after_minutes"]),
            limit=options["limit"],
        )
        self.stdout.write(f"device orders without payment cancelled={orphans}")
        refunds = card_refunds_reconcile(
            now=timezone.now(), gateway=gateway, limit=options["limit"]
        )
        self.stdout.write(refunds.summary())
