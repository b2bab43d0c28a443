"""The payments context's tables, one module per part (card payments, SEPA direct debit,
instalment plans, dunning); each is imported here so that Django finds its models."""

from guichet.payments.models import dunning  # noqa: F401 (registers its models)
from guichet.payments.models.card import (
    CardPaymentPurpose,
    CardRefund,
    CardRefundStatus,
    PaymentAllocation,
    PaymentAttempt,
    PaymentAttemptStatus,
    PspCustomer,
    PspEvent,
    PspEventOutcome,
)
from guichet.payments.models.instalments import (
    Instalment,
    InstalmentPlan,
    InstalmentPlanStatus,
    InstalmentStatus,
)
from guichet.payments.models.sepa import (
    DirectDebit,
    DirectDebitBatch,
    DirectDebitStatus,
    Mandate,
    MandateStatus,
    Prenotification,
)

__all__ = [
    "CardPaymentPurpose",
    "CardRefund",
    "CardRefundStatus",
    "DirectDebit",
    "DirectDebitBatch",
    "DirectDebitStatus",
    "Instalment",
    "InstalmentPlan",
    "InstalmentPlanStatus",
    "InstalmentStatus",
    "Mandate",
    "MandateStatus",
    "PaymentAllocation",
    "PaymentAttempt",
    "PaymentAttemptStatus",
    "Prenotification",
    "PspCustomer",
    "PspEvent",
    "PspEventOutcome",
]
