"""Typed refusals of the customers context: a stable code for the API and pages, a French text."""

from enum import StrEnum
from typing import Any


class CustomerErrorCode(StrEnum):
    EMAIL_INVALID = "customer_email_invalid"
    EMAIL_TAKEN = "customer_email_taken"
    PASSWORD_INVALID = "customer_password_invalid"
    PASSWORD_WRONG = "customer_password_wrong"
    NAME_INVALID = "customer_name_invalid"
    BIRTH_DATE_INVALID = "customer_birth_date_invalid"
    PHONE_INVALID = "customer_phone_invalid"
    ADDRESS_INVALID = "customer_address_invalid"
    INSTALLATION_OUTSIDE_METROPOLE = "customer_installation_outside_metropole"
    LOGIN_EMAIL_ADVISOR_FORBIDDEN = "customer_login_email_advisor_forbidden"
    CONTACT_CHANNEL_INVALID = "customer_contact_channel_invalid"
    CONTACT_CHANNEL_REQUIRED = "customer_contact_channel_required"
    DIRECTORY_OPTIONS_NEED_LISTING = "customer_directory_options_need_listing"
    DIRECTORY_NEEDS_POSTAL_ADDRESS = "customer_directory_needs_postal_address"
    # -- portal: personal information and tracking --
    PROFILE_INVALID = "customer_profile_invalid"
    NAME_CHANGE_UNCHANGED = "customer_name_change_unchanged"
    NAME_CHANGE_REASON_INVALID = "customer_name_change_reason_invalid"
    NAME_CHANGE_ALREADY_OPEN = "customer_name_change_already_open"
    PROOF_INVALID = "customer_proof_invalid"
    # -- portal: account and security --
    EMAIL_UNCHANGED = "customer_email_unchanged"
    EMAIL_LINK_INVALID = "customer_email_link_invalid"
    PHONE_NOT_FRENCH = "customer_phone_not_french"
    TWO_STEP_ALREADY_ON = "customer_two_step_already_on"
    TWO_STEP_OFF = "customer_two_step_off"
    TWO_STEP_LINE_INVALID = "customer_two_step_line_invalid"
    TWO_STEP_CODE_WRONG = "customer_two_step_code_wrong"
    TWO_STEP_CODE_EXPIRED = "customer_two_step_code_expired"
    TWO_STEP_LOCKED = "customer_two_step_locked"


class CustomerError(Exception):
    def __init__(
        self, *, code: CustomerErrorCode, message: str, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra or {}
