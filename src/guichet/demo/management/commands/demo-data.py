"""`guichet demo-data --customers N --seed S`: the personas and N generated customers."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from guichet.catalog.selectors import product_get
from guichet.demo.services import DEMO_PASSWORD, PERSONAS, PLAN_CODE, demo_data_create


class Command(BaseCommand):
    help = "Create the demo personas and N generated customers (deterministic for a seed and day)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=int, default=200, help="generated customers")
        parser.add_argument("--seed", type=int, default=2026, help="random seed")
        parser.add_argument(
            "--today",
            type=_paris_noon,
            default=None,
            help="the demo's today, YYYY-MM-DD (default: today); history is dated back from it",
        )

    def handle(
        self, *args: object, customers: int, seed: int, today: datetime | None, **options: object
    ) -> None:
        if customers < 0:
            raise CommandError("--customers must be zero or more")
        if product_get(code=PLAN_CODE) is None:
            raise CommandError("The catalog is empty: run `guichet catalog load` first.")
        report = demo_data_create(customers=customers, seed=seed, now=today or timezone.now())
        if report.already_present:
            self.stdout.write("Demo data already present: nothing created.")
        else:
            self.stdout.write(f"Created {len(PERSONAS)} personas and {report.generated} customers.")
        self.stdout.write(f"Demo logins (password: {DEMO_PASSWORD}):")
        for persona in PERSONAS:
            self.stdout.write(f"  {persona.email:<28} {persona.description}")


def _paris_noon(value: str) -> datetime:
    day = datetime.strptime(value, "%Y-%m-%d")  # noqa: DTZ007 - made aware just below
    return day.replace(hour=12, tzinfo=ZoneInfo("Europe/Paris"))
