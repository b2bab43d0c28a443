"""`guichet offer-due`: the offer acts that fall due today, idempotently (run it daily)."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from guichet.lines.offer_services import offer_due_run


class Command(BaseCommand):
    help = (
        "Terminates the lines whose termination notice (10 days, CGS 8.1) ended, charging the"
        " early-termination fees, starts the plan or box offer changes due and ends the options"
        " cancelled at the next renewal whose end has come, telling each holder, and marks ended"
        " the top-ups whose validity is over. Running it again changes nothing more. Prints"
        " `terminated=N offers_started=N add_ons_ended=N top_ups_expired=N`."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = offer_due_run(now=timezone.now())
        self.stdout.write(
            f"terminated={report.terminated} offers_started={report.offers_started}"
            f" add_ons_ended={report.add_ons_ended} top_ups_expired={report.top_ups_expired}"
        )
