"""Typed refusals of the payments context: a stable code for the API and pages, a French message."""

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
    REFUSED_WHILE_UNPAID = "payment_refused_while_unpaid"
    ORDER_NOT_AWAITING_PAYMENT = "payment_order_not_awaiting_payment"
    NOT_REFUNDABLE = "payment_not_refundable"
    REFUND_NOT_FAILED = "payment_refund_not_failed"
    ATTEMPT_NOT_UNCREDITED = "payment_attempt_not_uncredited"
    TRANSFER_REFERENCE_MISSING = "payment_transfer_reference_missing"
    WEBHOOK_SIGNATURE_INVALID = "payment_webhook_signature_invalid"
    # SEPA direct debit (payments.services.direct_debit)
    IBAN_INVALID = "payments_iban_invalid"
    BIC_INVALID = "payments_bic_invalid"
    DEBTOR_NAME_INVALID = "payments_debtor_name_invalid"
    MANDATE_REFERENCE_INVALID = "payments_mandate_reference_invalid"
    MANDATE_REFERENCE_TAKEN = "payments_mandate_reference_taken"
    SIGNATURE_DATE_INVALID = "payments_signature_date_invalid"
    MANDATE_NOT_ACTIVE = "payments_mandate_not_active"
    ACCOUNT_CLOSED = "payments_account_closed"
    CREDITOR_NOT_CONFIGURED = "payments_creditor_not_configured"
    PRENOTIFICATION_NOT_DUE = "payments_prenotification_not_due"
    PRENOTIFICATION_TOO_LATE = "payments_prenotification_too_late"
    COLLECTION_DATE_TOO_EARLY = "payments_collection_date_too_early"
    DEBIT_FILE_INVALID = "payments_debit_file_invalid"
    RETURN_FILE_INVALID = "payments_return_file_invalid"


class PaymentError(Exception):
    def __init__(
        self, *, code: PaymentErrorCode, message: str, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra or {}


class InstalmentErrorCode(StrEnum):
    ACCOUNT_CLOSED = "instalment_account_closed"
    EQUIPMENT_NOT_CUSTOMERS = "instalment_equipment_not_customers"
    EQUIPMENT_RENTED = "instalment_equipment_rented"
    EQUIPMENT_ALREADY_IN_PLAN = "instalment_equipment_already_in_plan"
    TERMS_INVALID = "instalment_terms_invalid"
    FIRST_PERIOD_PAST = "instalment_first_period_past"
    PLAN_NOT_ACTIVE = "instalment_plan_not_active"
    SETTLEMENT_AMOUNT_MISMATCH = "instalment_settlement_amount_mismatch"
    PAYMENT_REFERENCE_REQUIRED = "instalment_payment_reference_required"
    ALREADY_BILLED = "instalment_already_billed"


class InstalmentError(Exception):
    def __init__(
        self, *, code: InstalmentErrorCode, message: str, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra or {}


class DunningErrorCode(StrEnum):
    NOT_IN_ARREARS = "dunning_not_in_arrears"
    CASE_ALREADY_OPEN = "dunning_case_already_open"


class DunningError(Exception):
    def __init__(
        self, *, code: DunningErrorCode, message: str, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra or {}
