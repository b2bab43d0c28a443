"""`guichet network-incidents load FILE`: the operator's network incidents (météo du réseau)."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from guichet.devices.errors import DeviceError
from guichet.devices.services import network_incidents_load, network_incidents_read_csv


class Command(BaseCommand):
    help = (
        "Network status: `load FILE` creates or updates incidents by reference from a CSV file"
        " (reference,postcode,commune,service,status,started_at,expected_end_at,description)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        load = actions.add_parser("load", help="Load a CSV file of incidents (all or nothing).")
        load.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            text = options["file"].read_text(encoding="utf-8")
            created, updated = network_incidents_load(
                rows=network_incidents_read_csv(text), now=timezone.now()
            )
        except OSError as error:
            raise CommandError(f"Cannot read {options['file']}: {error}") from None
        except DeviceError as error:
            raise CommandError(error.message) from None
        self.stdout.write(f"Incidents created {created}, updated {updated}.")
