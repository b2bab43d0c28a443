"""`guichet dunning run [--date YYYY-MM-DD] [--account ID]`: the day's dunning, idempotently."""

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from guichet.customers.rules import paris_date
from guichet.payments.dunning_rules import ScheduleError
from guichet.payments.services.dunning import dunning_run

PARIS = ZoneInfo("Europe/Paris")
# When the nightly run is taken to have run on a past date given with --date.
PAST_RUN_TIME = time(8, 0)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--date {text!r}: expected a date as YYYY-MM-DD") from None


def _run_instant(day: date | None) -> datetime:
    """Now for today; 8:00 in Paris for a past day (a missed run done again); never the future,
    whose reminders cannot be sent yet."""
    now = timezone.now()
    if day is None or day == paris_date(now):
        return now
    if day > paris_date(now):
        raise CommandError(f"--date {day.isoformat()} is in the future")
    return datetime.combine(day, PAST_RUN_TIME, tzinfo=PARIS)


class Command(BaseCommand):
    help = (
        "Dunning: `run` marks overdue invoices unpaid, opens a case per account in arrears, does"
        " the steps due (reminders, suspension, formal notice, termination) and closes the cases"
        " paid. Running it again on the same date does nothing more. Prints one summary line."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        run = actions.add_parser("run", help="The day's dunning.")
        run.add_argument(
            "--date", type=_day, default=None, help="The day to run for, YYYY-MM-DD (today)."
        )
        run.add_argument("--account", type=int, help="Only this billing account (its id).")

    def handle(self, *args: Any, **options: Any) -> None:
        now = _run_instant(options["date"])
        try:
            report = dunning_run(now=now, billing_account_id=options["account"])
        except ScheduleError as error:
            raise CommandError(f"GUICHET_DUNNING_SCHEDULE: {error}") from None
        self.stdout.write(report.summary())
