"""Typed refusals of the payments context: a stable code for the API and pages, a French message."""

from enum import StrEnum
from typing import Any


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
