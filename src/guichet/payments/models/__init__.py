"""The payments context's tables, one module per part (card payments, SEPA direct debit,
instalment plans, dunning); each is imported here so that Django finds its models."""

from guichet.payments.models.card import (
    CardPaymentPurpose,
    PaymentAllocation,
    PaymentAttempt,
    PaymentAttemptStatus,
    PspCustomer,
    PspEvent,
    PspEventOutcome,
)

__all__ = [
    "CardPaymentPurpose",
    "PaymentAllocation",
    "PaymentAttempt",
    "PaymentAttemptStatus",
    "PspCustomer",
    "PspEvent",
    "PspEventOutcome",
]
