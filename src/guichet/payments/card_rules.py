"""Pure rules of card payments: what may be paid, how a payment of arrears is shared among the
unpaid invoices, how long a top-up bought by card lasts, what the PSP's answer means for an
attempt, and the customer's words for a refused card.

No Django, no clock, no I/O: callers pass amounts, instants and the PSP's status strings.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Literal
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


class AmountProblem(StrEnum):
    NOT_POSITIVE = "not_positive"
    NOTHING_OWED = "nothing_owed"
    EXCEEDS_OWED = "exceeds_owed"
    NOT_THE_PRICE = "not_the_price"


def amount_problem(
    *, amount_cents: int, owed_cents: int, exact: bool = False
) -> AmountProblem | None:
    """Why `amount_cents` cannot be paid against `owed_cents`, or None when it can.

    A debt (invoice, arrears, instalment plan) may be paid in part, never beyond what is owed;
    a purchase (`exact`, a top-up) is paid at its price exactly.
    """
    if amount_cents <= 0:
        return AmountProblem.NOT_POSITIVE
    if exact:
        return None if amount_cents == owed_cents else AmountProblem.NOT_THE_PRICE
    if owed_cents <= 0:
        return AmountProblem.NOTHING_OWED
    if amount_cents > owed_cents:
        return AmountProblem.EXCEEDS_OWED
    return None


@dataclass(frozen=True)
class Owed:
    """One debt that a payment can go to: `key` names it (an invoice id), oldest first."""

    key: int
    outstanding_cents: int


@dataclass(frozen=True)
class Allocation:
    key: int
    amount_cents: int


def allocate_oldest_first(
    *, amount_cents: int, owed: Sequence[Owed]
) -> tuple[list[Allocation], int]:
    """Share `amount_cents` among `owed` (already ordered oldest first), each debt paid in full
    before the next gets anything; returns the shares and what is left over (0 unless the
    payment is larger than everything owed)."""
    allocations: list[Allocation] = []
    left = amount_cents
    for debt in owed:
        if left <= 0:
            break
        share = min(left, debt.outstanding_cents)
        if share > 0:
            allocations.append(Allocation(key=debt.key, amount_cents=share))
            left -= share
    return allocations, left


TopUpValidity = Literal["days_from_activation", "until_plan_renewal"]


def first_of_next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def top_up_ends_at(
    *, validity: TopUpValidity, validity_days: int | None, activated_at: datetime
) -> datetime:
    """End of a top-up activated at `activated_at` (brochure, Options et recharges: "valable N
    jours à compter de la date d'activation", or until "la prochaine date de renouvellement
    mensuel du forfait"). The plan renews with its billing period, the calendar month in
    Europe/Paris (the bill run's periods), so that renewal is midnight on the next 1st."""
    if activated_at.tzinfo is None:
        raise ValueError("activated_at must be an aware datetime")
    if validity == "days_from_activation":
        if validity_days is None or validity_days <= 0:
            raise ValueError("a top-up valid for some days needs a positive validity_days")
        return activated_at + timedelta(days=validity_days)
    renewal = first_of_next_month(activated_at.astimezone(PARIS).date())
    return datetime.combine(renewal, time(0), tzinfo=PARIS)


class PspOutcome(StrEnum):
    """What the PSP's PaymentIntent status means for an attempt that was submitted."""

    SUCCEEDED = "succeeded"  # the money is taken
    FAILED = "failed"  # refused or cancelled: nothing is taken
    PENDING = "pending"  # still moving: authentication asked, or the bank is processing
    NOT_SUBMITTED = "not_submitted"  # the PSP never received the card for this payment


_OUTCOMES = {
    "succeeded": PspOutcome.SUCCEEDED,
    "canceled": PspOutcome.FAILED,
    # After a submission, "requires_payment_method" means the card was refused: the intent
    # waits for another card, which our pages never send (a new attempt is made instead).
    "requires_payment_method": PspOutcome.FAILED,
    "processing": PspOutcome.PENDING,
    "requires_action": PspOutcome.PENDING,
    "requires_capture": PspOutcome.PENDING,
    "requires_confirmation": PspOutcome.NOT_SUBMITTED,
}


def psp_outcome(status: str) -> PspOutcome:
    """The outcome of a PaymentIntent `status` (Stripe's list); an unknown status is pending,
    so nothing is settled on a word we do not understand."""
    return _OUTCOMES.get(status, PspOutcome.PENDING)


_REFUSALS = {
    "card_declined": "Votre carte a été refusée par votre banque.",
    "generic_decline": "Votre carte a été refusée par votre banque.",
    "do_not_honor": "Votre carte a été refusée par votre banque.",
    # A lost or stolen card reads as a plain refusal: the page never says more to the holder.
    "lost_card": "Votre carte a été refusée par votre banque.",
    "stolen_card": "Votre carte a été refusée par votre banque.",
    "fraudulent": "Votre carte a été refusée par votre banque.",
    "expired_card": "Votre carte est expirée.",
    "invalid_expiry_month": "La date d'expiration de la carte n'est pas valide.",
    "invalid_expiry_year": "La date d'expiration de la carte n'est pas valide.",
    "incorrect_cvc": "Le cryptogramme visuel (les 3 chiffres au dos de la carte) est incorrect.",
    "invalid_cvc": "Le cryptogramme visuel (les 3 chiffres au dos de la carte) est incorrect.",
    "incorrect_number": "Le numéro de carte est incorrect.",
    "invalid_number": "Le numéro de carte est incorrect.",
    "insufficient_funds": "Le solde ou le plafond de votre carte est insuffisant.",
    "card_velocity_exceeded": "Le plafond de votre carte est atteint.",
    "processing_error": "Votre banque n'a pas pu traiter le paiement.",
    "payment_intent_authentication_failure": "L'authentification auprès de votre banque"
    " (3-D Secure) n'a pas abouti.",
    "setup_intent_authentication_failure": "L'authentification auprès de votre banque"
    " (3-D Secure) n'a pas abouti.",
    "card_not_submitted": "Aucune carte n'a été validée.",
    "abandoned": "Le paiement n'a pas été terminé à temps.",
    "psp_unavailable": "Le service de paiement ne répond pas.",
}

NOTHING_TAKEN = " Aucun montant n'a été débité."


def refusal_message(code: str) -> str:
    """The customer's French message for a failed attempt's `code` (the PSP's decline code, or
    one of ours), always saying that nothing was taken."""
    return _REFUSALS.get(code, "Votre carte a été refusée.") + NOTHING_TAKEN
