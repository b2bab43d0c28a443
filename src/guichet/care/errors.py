"""Typed refusals of the care context: a stable code for the API and pages, a French message."""

from enum import StrEnum
from typing import Any


class CareErrorCode(StrEnum):
    ACTOR_NOT_HOLDER = "care_actor_not_holder"
    LINE_NOT_FOUND = "care_line_not_found"
    LINE_MARKET_MISMATCH = "care_line_market_mismatch"
    LINE_REQUIRED = "care_line_required"
    LINE_TERMINATED = "care_line_terminated"
    ORDER_ITEMS_INVALID = "care_order_items_invalid"
    ORDER_TRANSITION_NOT_ALLOWED = "care_order_transition_not_allowed"
    ORDER_TRACKING_NUMBER_REQUIRED = "care_order_tracking_number_required"
    REQUEST_PAYLOAD_INVALID = "care_request_payload_invalid"
    REQUEST_ALREADY_OPEN = "care_request_already_open"
    REQUEST_WITHDRAWAL_PERIOD_OVER = "care_request_withdrawal_period_over"
    REQUEST_TRANSITION_NOT_ALLOWED = "care_request_transition_not_allowed"
    REQUEST_RESOLUTION_REQUIRED = "care_request_resolution_required"
    REQUEST_NOT_FULFILLED_AT_ONCE = "care_request_not_fulfilled_at_once"
    TICKET_DESCRIPTION_REQUIRED = "care_ticket_description_required"
    TICKET_TRANSITION_NOT_ALLOWED = "care_ticket_transition_not_allowed"
    TICKET_NOTE_REQUIRED = "care_ticket_note_required"
    OUTBOX_TEMPLATE_UNKNOWN = "care_outbox_template_unknown"
    OUTBOX_CONTEXT_INCOMPLETE = "care_outbox_context_incomplete"
    OUTBOX_RECIPIENT_INVALID = "care_outbox_recipient_invalid"
    # -- portal: personal information and tracking --
    MESSAGE_EMPTY = "care_message_empty"
    MESSAGE_TOO_LONG = "care_message_too_long"


class CareError(Exception):
    def __init__(
        self, *, code: CareErrorCode, message: str, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra or {}
