"""Sending SMS: an adapter interface, and the local implementation used in development and demos.

The implementation is chosen by the setting `GUICHET_SMS_SENDER` (dotted path of a class with a
no-argument constructor); without it, `LogSmsSender`.
"""

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULT_SMS_SENDER = "guichet.care.sms.LogSmsSender"

logger = logging.getLogger("guichet.sms")


class SmsSender(Protocol):
    def send(self, *, to: str, text: str) -> None:
        """Hand one SMS to the provider; raise on any failure so the outbox counts an attempt."""


class LogSmsSender:
    """Writes each SMS to the `guichet.sms` logger instead of a provider (no network)."""

    def send(self, *, to: str, text: str) -> None:
        logger.info("SMS to %s: %s", to, text)


def get_sms_sender() -> SmsSender:
    sender_class = import_string(getattr(settings, "GUICHET_SMS_SENDER", DEFAULT_SMS_SENDER))
    sender: SmsSender = sender_class()
    return sender
