"""Typed refusals of the usage context: a stable code, a French message naming what was wrong."""

from enum import StrEnum
from typing import Any


class UsageErrorCode(StrEnum):
    FILE_NOT_FOUND = "usage_file_not_found"
    FILE_UNREADABLE = "usage_file_unreadable"
    COLUMNS_MISSING = "usage_file_columns_missing"


class UsageError(Exception):
    def __init__(
        self, *, code: UsageErrorCode, message: str, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra or {}


# -- portal: home and usage --
class CarrierBillingErrorCode(StrEnum):
    CAP_INVALID = "carrier_billing_cap_invalid"
    PURCHASE_REFUSED = "carrier_billing_purchase_refused"
    SUBSCRIPTION_ALREADY_CANCELLED = "carrier_billing_subscription_already_cancelled"
    LINE_CLOSED = "carrier_billing_line_closed"
    NOT_A_BOX_LINE = "carrier_billing_not_a_box_line"


class CarrierBillingError(Exception):
    def __init__(
        self, *, code: CarrierBillingErrorCode, message: str, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra or {}
