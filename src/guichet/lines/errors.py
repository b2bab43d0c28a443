"""Typed refusals of the lines context: a stable code for the API and pages, a French message."""

from enum import StrEnum
from typing import Any


class LineErrorCode(StrEnum):
    # Lifecycle refusals: the code names the refused action, `extra` the status it came from.
    ACTIVATE_NOT_ALLOWED = "line_activate_not_allowed"
    SUSPEND_NOT_ALLOWED = "line_suspend_not_allowed"
    REINSTATE_NOT_ALLOWED = "line_reinstate_not_allowed"
    TERMINATE_NOT_ALLOWED = "line_terminate_not_allowed"
    REASON_NOT_ALLOWED_FOR_CUSTOMER = "line_reason_not_allowed_for_customer"
    BILLING_ACCOUNT_CLOSED = "line_billing_account_closed"
    BILLING_CYCLE_NOT_MONTHLY = "line_billing_cycle_not_monthly"
    MSISDN_INVALID = "line_msisdn_invalid"
    MSISDN_IN_USE = "line_msisdn_in_use"
    ACCESS_REFERENCE_INVALID = "line_access_reference_invalid"
    ACCESS_REFERENCE_IN_USE = "line_access_reference_in_use"
    ICCID_INVALID = "line_iccid_invalid"
    ICCID_IN_USE = "line_iccid_in_use"
    PUK_INVALID = "line_puk_invalid"
    IDENTIFIER_MISMATCH = "line_identifier_mismatch"
    NO_ACTIVE_MAIN_OFFER = "line_no_active_main_offer"
    COMMITMENT_INVALID = "line_commitment_invalid"
    DECLARED_USER_INVALID = "line_declared_user_invalid"
    # -- portal: personal information and tracking --
    BLOCKED_NUMBER_INVALID = "line_blocked_number_invalid"
    BLOCKED_NUMBER_DUPLICATE = "line_blocked_number_duplicate"
    BLOCKED_NUMBERS_FULL = "line_blocked_numbers_full"
    BLOCKED_NUMBER_UNKNOWN = "line_blocked_number_unknown"
    LINE_CLOSED = "line_closed"
    MAILBOX_NOT_A_BOX = "line_mailbox_not_a_box"
    MAILBOX_ADDRESS_INVALID = "line_mailbox_address_invalid"
    MAILBOX_ADDRESS_TAKEN = "line_mailbox_address_taken"
    MAILBOX_SECONDARY_FULL = "line_mailbox_secondary_full"
    MAILBOX_UNKNOWN = "line_mailbox_unknown"
    MAILBOX_PRIMARY_NOT_DELETABLE = "line_mailbox_primary_not_deletable"
    # -- portal: lines and emergencies --
    NO_SIM = "line_no_sim"
    NOT_A_BOX_LINE = "line_not_a_box_line"
    NO_PORTING_NUMBER = "line_no_porting_number"
    PORTING_NOT_ALLOWED = "line_porting_not_allowed"
    LOSS_THEFT_REASON_INVALID = "line_loss_theft_reason_invalid"
    SUSPENSION_NOT_LIFTABLE = "line_suspension_not_liftable"
    SIM_REPLACEMENT_PENDING = "line_sim_replacement_pending"
    SIM_REPLACEMENT_NOT_FOR_LINE = "line_sim_replacement_not_for_line"
    NO_SIM_TO_ACTIVATE = "line_no_sim_to_activate"
    ICCID_NOT_THE_SENT_SIM = "line_iccid_not_the_sent_sim"
    UNLOCK_NOT_APPLICABLE = "line_unlock_not_applicable"
    TV_PIN_INVALID = "line_tv_pin_invalid"
    OPTICAL_OUTLET_REFERENCE_INVALID = "line_optical_outlet_reference_invalid"
    # -- back office --
    TRANSFER_NOT_ALLOWED = "line_transfer_not_allowed"


class SubscriptionErrorCode(StrEnum):
    PRODUCT_NOT_FOR_LINE = "subscription_product_not_for_line"
    LINE_NOT_OPEN = "subscription_line_not_open"
    MAIN_OFFER_ALREADY_ACTIVE = "subscription_main_offer_already_active"
    MAIN_OFFER_ALREADY_SCHEDULED = "subscription_main_offer_already_scheduled"
    MAIN_OFFER_REQUIRED = "subscription_main_offer_required"
    PERIOD_INVALID = "subscription_period_invalid"
    NOT_SCHEDULED = "subscription_not_scheduled"
    NOT_DUE = "subscription_not_due"
    ALREADY_ENDED = "subscription_already_ended"
    PRODUCT_WITHDRAWN = "subscription_product_withdrawn"
    NOT_AVAILABLE_WITH_PLAN = "subscription_not_available_with_plan"
    ALREADY_SUBSCRIBED = "subscription_already_subscribed"
    FAMILY_ALREADY_SUBSCRIBED = "subscription_family_already_subscribed"
    INCOMPATIBLE = "subscription_incompatible"
    CUSTOMER_SERVICE_ONLY = "subscription_customer_service_only"
    CONDITION_NOT_MET = "subscription_condition_not_met"


class EquipmentErrorCode(StrEnum):
    LINE_NOT_CUSTOMERS = "equipment_line_not_customers"
    MARKET_MISMATCH = "equipment_market_mismatch"
    IMEI_INVALID = "equipment_imei_invalid"
    IMEI_REQUIRED = "equipment_imei_required"
    IMEI_NOT_APPLICABLE = "equipment_imei_not_applicable"
    SERIAL_NUMBER_REQUIRED = "equipment_serial_number_required"
    MODEL_REQUIRED = "equipment_model_required"


class LineError(Exception):
    def __init__(
        self, *, code: LineErrorCode, message: str, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra or {}


class SubscriptionError(Exception):
    def __init__(
        self, *, code: SubscriptionErrorCode, message: str, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra or {}


class EquipmentError(Exception):
    def __init__(
        self, *, code: EquipmentErrorCode, message: str, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra or {}


# -- portal: home and usage --
class LineSettingsErrorCode(StrEnum):
    NOT_A_MOBILE_LINE = "line_settings_not_a_mobile_line"
    NOT_A_BOX_LINE = "line_settings_not_a_box_line"
    LINE_CLOSED = "line_settings_line_closed"
    DATA_MODE_INVALID = "line_settings_data_mode_invalid"
    NETWORK_NAME_INVALID = "line_settings_network_name_invalid"
    WIFI_KEY_INVALID = "line_settings_wifi_key_invalid"


class LineSettingsError(Exception):
    def __init__(
        self, *, code: LineSettingsErrorCode, message: str, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra or {}
