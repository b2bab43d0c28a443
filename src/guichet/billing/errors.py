"""Typed refusals of the billing context: a stable code for the API and pages, a French message."""

from enum import StrEnum
from typing import Any


class BillingErrorCode(StrEnum):
    ACCOUNT_CLOSED = "billing_account_closed"
    DEBIT_DAY_INVALID = "billing_debit_day_invalid"
    BILLING_CYCLE_DAY_INVALID = "billing_cycle_day_invalid"
    BILLING_ADDRESS_NOT_CUSTOMERS = "billing_address_not_customers"
    BILLING_ADDRESS_REQUIRED = "billing_address_required"
    OPEN_LINES = "billing_account_open_lines"
    PERIOD_INVALID = "billing_period_invalid"
    PERIOD_NOT_ENDED = "billing_period_not_ended"
    INVOICE_EXISTS = "billing_invoice_exists"
    NOTHING_TO_INVOICE = "billing_nothing_to_invoice"
    PRODUCT_NOT_PRICED = "billing_product_not_priced"
    INVOICE_NOT_CANCELLABLE = "billing_invoice_not_cancellable"
    PAYMENT_AMOUNT_INVALID = "billing_payment_amount_invalid"
    PAYMENT_EXCEEDS_OUTSTANDING = "billing_payment_exceeds_outstanding"
    INVOICE_NOT_PAYABLE = "billing_invoice_not_payable"
    REVERSAL_EXCEEDS_PAID = "billing_reversal_exceeds_paid"
    INVOICE_NOT_AVAILABLE = "billing_invoice_not_available"


class BillingError(Exception):
    def __init__(
        self, *, code: BillingErrorCode, message: str, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra or {}
