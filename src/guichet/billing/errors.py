"""Typed refusals of the billing context: a stable code for the API and pages, a French message."""

from enum import StrEnum
from typing import Any


class BillingErrorCode(StrEnum):
    ACCOUNT_CLOSED = "billing_account_closed"
    DEBIT_DAY_INVALID = "billing_debit_day_invalid"
    BILLING_CYCLE_DAY_INVALID = "billing_cycle_day_invalid"
    BILLING_CYCLE_UNCHANGED = "billing_cycle_unchanged"
    BILLING_CYCLE_MOBILE_LINE = "billing_cycle_mobile_line"
    BILLING_CYCLE_CHANGE_IN_PROGRESS = "billing_cycle_change_in_progress"
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
    FEE_UNKNOWN = "billing_fee_unknown"
    FEE_CHANNEL_NOT_OFFERED = "billing_fee_channel_not_offered"
    ONE_OFF_CHARGE_ALREADY_BILLED = "billing_one_off_charge_already_billed"
    PURCHASE_ALREADY_BILLED = "billing_purchase_already_billed"
    USAGE_ALREADY_BILLED = "billing_usage_already_billed"
    OPEN_INSTALMENT_PLANS = "billing_account_open_instalment_plans"
    ADVANCE_CREDIT_USED = "billing_advance_credit_used"
    OUT_OF_BUNDLE_NEGATIVE = "billing_out_of_bundle_negative"
    ADVANCE_NOT_PAYABLE = "billing_advance_not_payable"
    PAYMENT_REFERENCE_REQUIRED = "billing_payment_reference_required"
    DEPOSIT_CAUSE_UNKNOWN = "billing_deposit_cause_unknown"
    DEPOSIT_CAUSE_NOT_MET = "billing_deposit_cause_not_met"
    DEPOSIT_EXISTS = "billing_deposit_exists"
    DEPOSIT_NOT_HELD = "billing_deposit_not_held"
    DEPOSIT_CAUSE_STILL_PRESENT = "billing_deposit_cause_still_present"
    DEPOSIT_REQUEST_DATE_INVALID = "billing_deposit_request_date_invalid"
    DEPOSIT_CONTRACT_NOT_ENDED = "billing_deposit_contract_not_ended"
    DEPOSIT_DEBT_REMAINS = "billing_deposit_debt_remains"
    DEPOSIT_NOT_REFUND_DUE = "billing_deposit_not_refund_due"
    # An act of the configured list refused while an invoice is unpaid; the message is the
    # configured reason (GUICHET_UNPAID_REFUSED_ACTS), shown to the customer as it is.
    ACT_REFUSED_WHILE_UNPAID = "billing_act_refused_while_unpaid"
    INVOICE_NOT_AVAILABLE = "billing_invoice_not_available"
    # -- portal: offer management --
    CHARGE_AMOUNT_INVALID = "billing_charge_amount_invalid"


class BillingError(Exception):
    def __init__(
        self, *, code: BillingErrorCode, message: str, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra or {}
