"""Typed refusals of the payments context: a stable code for the API and pages, a French message
naming what was wrong, and the values behind it. A refused act changes nothing."""

from enum import StrEnum
from typing import Any


class PaymentErrorCode(StrEnum):
    # Card payments (payments.services.card)
    CARD_PAYMENTS_NOT_CONFIGURED = "payment_card_not_configured"
    PURPOSE_UNAVAILABLE = "payment_purpose_unavailable"
    TARGET_NOT_FOUND = "payment_target_not_found"
    NOT_PAYABLE = "payment_not_payable"
    AMOUNT_NOT_POSITIVE = "payment_amount_not_positive"
    NOTHING_OWED = "payment_nothing_owed"
    AMOUNT_EXCEEDS_OWED = "payment_amount_exceeds_owed"
    AMOUNT_NOT_THE_PRICE = "payment_amount_not_the_price"
    PAYMENT_IN_PROGRESS = "payment_in_progress"
    ATTEMPT_NOT_OPEN = "payment_attempt_not_open"
    TOP_UP_NOT_AVAILABLE = "payment_top_up_not_available"
    WEBHOOK_SIGNATURE_INVALID = "payment_webhook_signature_invalid"


class PaymentError(Exception):
    def __init__(
        self, *, code: PaymentErrorCode, message: str, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra or {}
