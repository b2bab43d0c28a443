"""Typed refusals of devices, insurance and after-sales: a stable code, a French message."""

from enum import StrEnum
from typing import Any


class DeviceErrorCode(StrEnum):
    DEVICE_UNKNOWN = "device_unknown"
    OUT_OF_STOCK = "device_out_of_stock"
    INSTALMENTS_INVALID = "device_instalments_invalid"
    LINE_NOT_ACTIVE = "device_line_not_active"
    RENEWAL_IN_PROGRESS = "device_renewal_in_progress"
    ORDER_NOT_AWAITING_PAYMENT = "device_order_not_awaiting_payment"
    ORDER_AWAITING_PAYMENT = "device_order_awaiting_payment"
    WITHDRAWAL_NOT_OPEN = "device_withdrawal_not_open"
    EQUIPMENT_NOT_INSURABLE = "device_equipment_not_insurable"
    ALREADY_INSURED = "device_already_insured"
    INSURED_VALUE_NOT_PURCHASE_PRICE = "device_insured_value_not_purchase_price"
    NOT_INSURED = "device_not_insured"
    CLAIM_INVALID = "device_claim_invalid"
    REFUND_OFFER_NOT_ELIGIBLE = "device_refund_offer_not_eligible"
    IBAN_INVALID = "device_iban_invalid"
    REPAIR_INVALID = "device_repair_invalid"
    INCIDENT_FILE_INVALID = "device_incident_file_invalid"
    POSTCODE_INVALID = "device_postcode_invalid"


class DeviceError(Exception):
    def __init__(
        self, *, code: DeviceErrorCode, message: str, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra or {}
