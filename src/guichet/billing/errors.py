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


class BillingError(Exception):
    def __init__(
        self, *, code: BillingErrorCode, message: str, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra or {}
