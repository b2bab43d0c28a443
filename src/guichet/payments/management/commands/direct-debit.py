"""`guichet direct-debit prenotify | collect --date D | settle | returns FILE`."""

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from guichet.payments.errors import PaymentError
from guichet.payments.sepa_files import get_debit_file_channel, parse_status_report
from guichet.payments.services.direct_debit import (
    direct_debit_returns_apply,
    direct_debits_collect,
    direct_debits_settle,
    prenotifications_send,
)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--date {text!r}: expected a date as YYYY-MM-DD") from None


class Command(BaseCommand):
    help = (
        "SEPA direct debit: `prenotify` (the notices, CGS 7.1), `collect --date D` (debits and"
        " their pain.008 file), `settle` (record the money of the debits due), `returns FILE`"
        " (apply a pain.002 report of rejected debits). Each is idempotent and prints a"
        " one-line summary."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser(
            "prenotify",
            help="Send the pre-notification of every direct debit invoice that has none yet.",
        )
        collect = actions.add_parser(
            "collect", help="Collect the invoices pre-notified for a debit on DATE."
        )
        collect.add_argument("--date", required=True, help="The collection date, YYYY-MM-DD.")
        actions.add_parser(
            "settle", help="Record as paid the debits whose settlement date has come."
        )
        returns = actions.add_parser(
            "returns", help="Apply the bank's pain.002.001.03 status report of rejected debits."
        )
        returns.add_argument("file", type=Path, help="The pain.002 XML file.")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        try:
            match options["action"]:
                case "prenotify":
                    prenotified = prenotifications_send(now=now)
                    self.stdout.write(prenotified.summary())
                    for number, why in prenotified.refused:
                        self.stderr.write(f"invoice={number} refused: {why}")
                case "collect":
                    collected = direct_debits_collect(
                        collection_date=_day(options["date"]),
                        now=now,
                        channel=get_debit_file_channel(),
                    )
                    self.stdout.write(collected.summary())
                    for number, why in collected.refused:
                        self.stderr.write(f"invoice={number} refused: {why}")
                case "settle":
                    settled = direct_debits_settle(now=now)
                    self.stdout.write(settled.summary())
                    for end_to_end_id, why in settled.failed:
                        self.stderr.write(f"debit={end_to_end_id} failed: {why}")
                case "returns":
                    returned = direct_debit_returns_apply(
                        report=parse_status_report(self._read(options["file"])), now=now
                    )
                    self.stdout.write(returned.summary())
                    for name in returned.unknown:
                        self.stderr.write(f"unknown debit {name}: not applied")
                    for end_to_end_id, why in returned.mismatched:
                        self.stderr.write(f"debit={end_to_end_id} not applied: {why}")
        except PaymentError as error:
            raise CommandError(error.message) from None

    def _read(self, path: Path) -> bytes:
        try:
            return path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from None
