"""Typed refusals of the payments context: a stable code for the API and pages, a French message."""

from enum import StrEnum
from typing import Any


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
