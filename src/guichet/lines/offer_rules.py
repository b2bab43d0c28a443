"""Pure rules of offer management: termination fees (CGS 8.1), dates of offer changes and
notices, the number pool, the move eligibility. No Django, no clock: dates and integers in,
dataclasses out, property-tested with hypothesis (tests/lines/test_offer_rules.py).
"""

from __future__ import annotations

import calendar
import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

# CGS 8.1: "avec un préavis de 10 jours à compter de la réception de la demande". A request
# made in self-care is received the day it is made.
TERMINATION_NOTICE_DAYS = 10
# CGS 8.1, 3rd paragraph: the rule changes for subscriptions "à compter du 1er janvier 2023".
NEW_FEE_RULE_FROM = date(2023, 1, 1)
FIRST_YEAR_MONTHS = 12
# CGVAD art. 6 and the sample box offer: rented equipment goes back within 14 days of the end.
EQUIPMENT_RETURN_DAYS = 14
EQUIPMENT_RETURN_ADDRESS = (
    "Service Restitution Bouygues Telecom Business – Distribution",
    "Libre réponse 84521",
    "53098 Laval Cedex 09",
)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's last day (31 Jan + 1 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def free_months_last_day(*, free_months: int, first_day: date | None, today: date) -> date | None:
    """The last day an option with `free_months` (« Premier mois offert », once per line) is
    free on a line whose contract first had it on `first_day` (None: never, so it would be from
    `today`), as the bill run counts them (billing.rules); None when the option has none."""
    if not free_months:
        return None
    return add_months(first_day or today, free_months) - timedelta(days=1)


def full_months_between(start: date, end: date) -> int:
    """Whole months from `start` to `end` (0 when `end` is not after `start`)."""
    if end <= start:
        return 0
    months = (end.year - start.year) * 12 + end.month - start.month
    while months > 0 and add_months(start, months) > end:
        months -= 1
    return months


def _round_cents(value: Fraction) -> int:
    # Half away from zero, as billing.rules.round_to_cents (amounts here are never negative).
    return int(value + Fraction(1, 2))


@dataclass(frozen=True)
class TerminationFees:
    amount_cents: int
    # Full months still due until the end of the first year of commitment, then after it.
    first_year_months: int
    beyond_months: int
    monthly_cents: int
    # The share of the months beyond the first year that is due: 1/4, 1/5 or 0.
    beyond_share: Fraction
    rule: str  # French, shown to the customer and kept on the request


def termination_fees(
    *,
    monthly_list_cents: int,
    commitment_start: date,
    commitment_end: date | None,
    termination_date: date,
    subscribed_on: date,
    subsidised_device: bool,
    legitimate_reason: bool,
) -> TerminationFees:
    """CGS 8.1: what the customer owes for ending the contract on `termination_date`.

    - No commitment, or past its end (`commitment_end`, the last day, included): free.
    - A legitimate reason (with proof): free.
    - Otherwise the full months left until the end of the first year are due in full, then,
      for a subscription before 1 January 2023, a quarter of the months left until the end of
      the commitment; from that date, 20 % of them only when the service financed a subsidised
      device, nothing otherwise.
    - "Si vous bénéficiez d'une promotion tarifaire, vous perdrez la remise … et vous serez
      facturé sur la base des mois pleins restant dus": the months are priced at the list price
      (`monthly_list_cents`, before any discount), and only full months count.
    """
    if commitment_end is None or termination_date > commitment_end:
        return TerminationFees(
            0,
            0,
            0,
            monthly_list_cents,
            Fraction(0),
            "Sans engagement en cours : résiliation sans frais (CGS 8.1).",
        )
    if legitimate_reason:
        return TerminationFees(
            0,
            0,
            0,
            monthly_list_cents,
            Fraction(0),
            "Motif légitime justifié : résiliation sans frais (CGS 8.1).",
        )
    # The commitment runs to `commitment_end` included: it ends the next day.
    commitment_over = commitment_end + timedelta(days=1)
    first_year_over = min(add_months(commitment_start, FIRST_YEAR_MONTHS), commitment_over)
    first_year_months = full_months_between(termination_date, first_year_over)
    beyond_from = max(termination_date, first_year_over)
    beyond_months = full_months_between(beyond_from, commitment_over)
    if subscribed_on < NEW_FEE_RULE_FROM:
        share, why = (
            Fraction(1, 4),
            "un quart des redevances restantes au-delà de la première année",
        )
    elif subsidised_device:
        share, why = (
            Fraction(1, 5),
            "20 % des redevances restantes au-delà de la première année (terminal subventionné)",
        )
    else:
        share, why = Fraction(0), "rien au-delà de la première année (sans terminal subventionné)"
    amount = monthly_list_cents * first_year_months + _round_cents(
        share * monthly_list_cents * beyond_months
    )
    rule = (
        f"CGS 8.1 : {first_year_months} mois pleins restants de la première année, puis {why}"
        f" ({beyond_months} mois), au prix sans remise."
    )
    return TerminationFees(
        amount, first_year_months, beyond_months, monthly_list_cents, share, rule
    )


def termination_date(requested_on: date) -> date:
    """CGS 8.1: the contract ends 10 days after the request is received."""
    return requested_on + timedelta(days=TERMINATION_NOTICE_DAYS)


def next_period_start(day: date) -> date:
    """The first day of the billing period after the one of `day` (periods are calendar
    months, billing.rules)."""
    return add_months(day.replace(day=1), 1)


def withdrawal_prorata_cents(
    *, monthly_cents: int, activated_on: date | None, requested_on: date
) -> int:
    """CGS 9: the service used before withdrawing is due "prorata temporis entre la date de
    mise en service de la ligne jusqu'à la date de demande de rétractation". Days from
    activation (included) to the request (excluded), priced per day of their month as the bill
    run does; never activated: nothing."""
    if activated_on is None or requested_on <= activated_on:
        return 0
    total = Fraction(0)
    day = activated_on
    while day < requested_on:
        month_days = calendar.monthrange(day.year, day.month)[1]
        month_end = min(next_period_start(day), requested_on)
        total += Fraction(monthly_cents * (month_end - day).days, month_days)
        day = month_end
    return _round_cents(total)


def number_candidates(*, seed: str, taken: frozenset[str], count: int = 3) -> list[str]:
    """`count` free mobile numbers (E.164, +336/+337) from the operator's pool, the same for
    the same `seed` (the line and the day), never one of `taken`."""
    found: list[str] = []
    attempt = 0
    while len(found) < count:
        digest = hashlib.sha256(f"{seed}:{attempt}".encode()).hexdigest()
        attempt += 1
        prefix = "6" if int(digest[0], 16) % 2 == 0 else "7"
        number = f"+33{prefix}{int(digest[1:14], 16) % 10**8:08d}"
        if prefix == "7" and number[4] in "0123":  # 07 numbers start 073 to 079 (ARCEP)
            continue
        if number not in taken and number not in found:
            found.append(number)
    return found


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    technology: str  # "FTTH", "4G" or ""
    message: str


def move_eligibility(postcode: str) -> Eligibility:
    """The local network eligibility of a French postcode (the partner's test, replayed
    deterministically): mainland postcodes are eligible to fibre, except those ending in 9,
    which only 4G box reaches; overseas (97x, 98x) and Corsica (20x) are not served by the
    sample fixed offer."""
    if len(postcode) != 5 or not postcode.isdigit():
        raise ValueError("Le code postal compte 5 chiffres.")
    if postcode.startswith(("97", "98", "20")):
        return Eligibility(False, "", "Le service fixe n'est pas disponible à cette adresse.")
    if postcode.endswith("9"):
        return Eligibility(
            False,
            "4G",
            "La fibre n'est pas disponible à cette adresse ; seule une offre 4G box l'est.",
        )
    return Eligibility(True, "FTTH", "La fibre est disponible à cette adresse.")
