"""`guichet after-sales sync`: advance the partners' cases (orders, claims, refunds, repairs)."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from guichet.devices.partners import insurer, logistics, repairer
from guichet.devices.services import after_sales_sync


class Command(BaseCommand):
    help = (
        "After-sales partners: `sync` asks the carrier, the insurer and the repairer where each"
        " open case is and advances it (idempotent)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("sync", help="Advance the open renewals, claims, refunds, repairs.")

    def handle(self, *args: Any, **options: Any) -> None:
        report = after_sales_sync(
            logistics=logistics(), insurer=insurer(), repairer=repairer(), now=timezone.now()
        )
        self.stdout.write(
            f"Advanced: orders {report.orders}, claims {report.claims},"
            f" refunds {report.refunds}, repairs {report.repairs}."
        )
