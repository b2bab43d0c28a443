"""`guichet usage import FILE [--now ISO]`: rate a usage file for the operator's lines and store it.

Prints one line, `read=N rated=X rejected=Y duplicates=Z total_eur=T`, and exits 0 once the file
was read, even with rejected records (they are stored with their reason). Idempotent: importing
the same file again rates nothing twice (every record comes back as a duplicate); a killed import
is finished by importing the file again.
"""

from argparse import ArgumentTypeError
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from guichet.catalog.errors import CatalogError
from guichet.usage.errors import UsageError
from guichet.usage.services import ImportSummary, usage_import


class Command(BaseCommand):
    help = "Importe des tickets d'usage : tarifés pour les lignes de l'opérateur et enregistrés."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{import}")
        command = actions.add_parser("import", help="tarifer et enregistrer un fichier de tickets")
        command.add_argument("file", type=Path, help="fichier de tickets (CSV ou Parquet)")
        command.add_argument(
            "--now",
            type=aware_datetime,
            default=None,
            help="heure de l'import, ISO 8601 avec fuseau (défaut : maintenant) ; un ticket"
            " postérieur est rejeté",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now: datetime | None = options["now"]
        clock: Callable[[], datetime] = (lambda: now) if now is not None else timezone.now
        try:
            batch = usage_import(path=options["file"], clock=clock)
        except (UsageError, CatalogError) as error:
            raise CommandError(error.message) from error
        self.stdout.write(ImportSummary.of(batch).text())


def aware_datetime(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise ArgumentTypeError(f"{value!r} n'est pas une date ISO 8601") from error
    if moment.tzinfo is None:
        raise ArgumentTypeError(
            f"{value!r} n'a pas de fuseau horaire (ex. 2026-12-01T08:00:00+01:00)"
        )
    return moment
