"""`guichet fair-use check [--date D] [--now ISO]`: the fair use of roaming (CGS 6.2), daily.

Alerts the customers of the lines that break their plan's rule over the window ending on D
(default: yesterday in France, the last day whose usage is imported), and ends the cases of the
lines back within it. Prints `candidates=N alerted=X ended=Y`; running it again changes nothing.
"""

from argparse import ArgumentTypeError
from datetime import date, datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from guichet.care.actors import Actor
from guichet.catalog.errors import CatalogError
from guichet.customers.rules import paris_date
from guichet.usage.fair_use_services import fair_use_check
from guichet.usage.management.commands.usage import aware_datetime


class Command(BaseCommand):
    help = "Usage raisonnable de l'itinérance (CGS 6.2) : alertes et fin des cas, chaque jour."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{check}")
        command = actions.add_parser("check", help="appliquer la règle sur la fenêtre du jour")
        command.add_argument(
            "--date",
            type=_day,
            default=None,
            help="dernier jour de la fenêtre, AAAA-MM-JJ (défaut : hier, heure de Paris)",
        )
        command.add_argument(
            "--now",
            type=aware_datetime,
            default=None,
            help="heure du contrôle, ISO 8601 avec fuseau (défaut : maintenant)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now: datetime = options["now"] or timezone.now()
        as_of: date = options["date"] or paris_date(now) - timedelta(days=1)
        try:
            report = fair_use_check(as_of=as_of, actor=Actor.system(), now=now)
        except CatalogError as error:
            raise CommandError(error.message) from error
        self.stdout.write(report.text())


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise ArgumentTypeError(f"{value!r} n'est pas une date AAAA-MM-JJ") from error
