"""`guichet outbox send`: each pending message leaves once; failures are counted and kept."""

import logging
from datetime import timedelta
from io import StringIO
from typing import ClassVar

import pytest
from django.core import mail
from django.core.management import call_command
from pytest_django.fixtures import Settings

from guichet.care.models import OutboxChannel, OutboxMessage
from guichet.care.services import OUTBOX_CLAIM_SECONDS, outbox_enqueue, outbox_send_pending
from guichet.care.sms import LogSmsSender, get_sms_sender
from tests.customers.builders import NOW

pytestmark = pytest.mark.django_db

CONTEXT = {"first_name": "Camille", "order": 42, "date": "03/03/2025", "tracking_number": "6A1"}


class RecordingSmsSender:
    sent: ClassVar[list[tuple[str, str]]] = []

    def send(self, *, to: str, text: str) -> None:
        self.sent.append((to, text))


class SmsProviderDown(Exception):
    pass


class FailingSmsSender:
    def send(self, *, to: str, text: str) -> None:
        raise SmsProviderDown("HTTP 503 from the SMS gateway")


@pytest.fixture
def recording_sms(settings: Settings) -> list[tuple[str, str]]:
    settings.GUICHET_SMS_SENDER = "tests.care.test_outbox.RecordingSmsSender"
    RecordingSmsSender.sent = []
    return RecordingSmsSender.sent


def _enqueue(channel: OutboxChannel, recipient: str) -> OutboxMessage:
    return outbox_enqueue(
        channel=channel, recipient=recipient, template="order_shipped", context=CONTEXT, now=NOW
    )


def _send() -> str:
    out = StringIO()
    call_command("outbox", "send", stdout=out)
    return out.getvalue().strip()


def test_outbox_send_sends_an_email_once(recording_sms: list[tuple[str, str]]) -> None:
    message = _enqueue(OutboxChannel.EMAIL, "camille@example.fr")

    first = _send()
    second = _send()

    assert (first, second) == ("Sent 1, failed 0.", "Sent 0, failed 0.")
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["camille@example.fr"]
    assert email.from_email == "espace-client@guichet.local"
    assert email.subject == "Votre commande n° 42 est expédiée"
    assert email.body == (
        "Bonjour Camille,\n\nVotre commande n° 42 a été expédiée le 03/03/2025."
        "\nNuméro de suivi : 6A1.\n\nVotre service client"
    )
    message.refresh_from_db()
    assert message.sent_at is not None
    assert (message.attempts, message.last_error) == (1, "")


def test_outbox_send_sends_an_sms_once_through_the_configured_sender(
    recording_sms: list[tuple[str, str]],
) -> None:
    _enqueue(OutboxChannel.SMS, "06 12 34 56 78")

    _send()
    _send()

    assert recording_sms == [("+33612345678", "Votre commande n° 42 est expédiée. Suivi : 6A1.")]
    assert mail.outbox == []


def test_failures_count_attempts_and_keep_the_error(settings: Settings) -> None:
    settings.GUICHET_SMS_SENDER = "tests.care.test_outbox.FailingSmsSender"
    message = _enqueue(OutboxChannel.SMS, "+33612345678")
    email = _enqueue(OutboxChannel.EMAIL, "camille@example.fr")

    assert _send() == "Sent 1, failed 1."
    assert _send() == "Sent 0, failed 1."

    message.refresh_from_db()
    email.refresh_from_db()
    assert (message.sent_at, message.attempts) == (None, 2)
    assert message.last_error == "SmsProviderDown: HTTP 503 from the SMS gateway"
    assert (email.attempts, len(mail.outbox)) == (1, 1)


def test_a_message_that_failed_max_attempts_times_is_left_aside() -> None:
    message = _enqueue(OutboxChannel.SMS, "+33612345678")
    later = NOW + timedelta(minutes=5)

    for attempt in range(3):
        report = outbox_send_pending(
            now=later + timedelta(minutes=attempt), sms_sender=FailingSmsSender(), max_attempts=2
        )
        assert (report.sent, report.failed) == ((0, 1) if attempt < 2 else (0, 0))

    message.refresh_from_db()
    assert (message.attempts, message.last_attempt_at) == (2, later + timedelta(minutes=1))


def test_outbox_send_takes_the_oldest_first_up_to_the_limit() -> None:
    oldest = _enqueue(OutboxChannel.EMAIL, "first@example.fr")
    newest = _enqueue(OutboxChannel.EMAIL, "second@example.fr")

    report = outbox_send_pending(now=NOW, sms_sender=RecordingSmsSender(), limit=1)

    oldest.refresh_from_db()
    newest.refresh_from_db()
    assert (report.sent, report.failed) == (1, 0)
    assert (oldest.sent_at, newest.sent_at) == (NOW, None)
    assert [m.to for m in mail.outbox] == [["first@example.fr"]]


def test_without_a_setting_sms_go_to_the_log(caplog: pytest.LogCaptureFixture) -> None:
    assert isinstance(get_sms_sender(), LogSmsSender)
    _enqueue(OutboxChannel.SMS, "+33612345678")

    with caplog.at_level(logging.INFO, logger="guichet.sms"):
        _send()

    assert [r.getMessage() for r in caplog.records if r.name == "guichet.sms"] == [
        "SMS to +33612345678: Votre commande n° 42 est expédiée. Suivi : 6A1."
    ]


def test_a_message_claimed_by_another_run_is_skipped_until_the_claim_lapses() -> None:
    message = _enqueue(OutboxChannel.EMAIL, "camille@example.fr")
    OutboxMessage.objects.filter(pk=message.pk).update(
        claimed_until=NOW + timedelta(seconds=OUTBOX_CLAIM_SECONDS)
    )

    during = outbox_send_pending(now=NOW, sms_sender=RecordingSmsSender())
    after = outbox_send_pending(
        now=NOW + timedelta(seconds=OUTBOX_CLAIM_SECONDS), sms_sender=RecordingSmsSender()
    )

    message.refresh_from_db()
    assert (during.sent, after.sent) == (0, 1)
    assert (message.sent_at, message.claimed_until) == (NOW + timedelta(seconds=300), None)
    assert mail.outbox[0].extra_headers["Message-ID"] == f"<outbox-{message.pk}@guichet.local>"


@pytest.mark.django_db(transaction=True)
def test_no_transaction_is_open_while_the_provider_is_called() -> None:
    from django.db import connection

    seen: list[bool] = []

    class WatchingSmsSender:
        def send(self, *, to: str, text: str) -> None:
            seen.append(connection.in_atomic_block)

    _enqueue(OutboxChannel.SMS, "+33612345678")

    outbox_send_pending(now=NOW, sms_sender=WatchingSmsSender())

    assert seen == [False]
