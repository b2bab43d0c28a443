"""`guichet outbox send`: send the pending notifications of the transactional outbox."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from guichet.care.services import outbox_send_pending
from guichet.care.sms import get_sms_sender


class Command(BaseCommand):
    help = "Transactional outbox: `send` delivers pending emails and SMS (claimed, sent, recorded)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        send = actions.add_parser("send", help="Send the pending messages, oldest first.")
        send.add_argument("--limit", type=int, default=100, help="At most this many messages.")
        send.add_argument(
            "--max-attempts",
            type=int,
            default=5,
            help="Leave aside messages that already failed this many times.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = outbox_send_pending(
            now=timezone.now(),
            sms_sender=get_sms_sender(),
            limit=options["limit"],
            max_attempts=options["max_attempts"],
        )
        self.stdout.write(f"Sent {report.sent}, failed {report.failed}.")
