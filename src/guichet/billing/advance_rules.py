"""Pure rules of the bill advance (avance sur facture, CGS 5.1 (i) and the brochure's table).

No Django, no clock, no I/O (mypy strict, property-tested in tests/billing/test_advance_rules.py).

- **Threshold** of the out-of-bundle and over-allowance usage of a month, per billing account
  (brochure "Avance sur facture", table; CGS 5.1 (i)):
  - until the 3rd invoice is issued (fewer than 3 invoices): 30 €;
  - from then on: 1.5 × the average of the last 3 invoices (incl. VAT, cancelled ones left
    out), rounded half away from zero to the cent;
  - for 6 months from a payment incident (an invoice unpaid at its due date, or a payment
    returned): "ramené" to 15 € — lowered, never raised: a threshold already below 15 € stays.
- **Warnings**: the CGS says the customer is told "à plusieurs reprises" as the usage approaches
  the threshold, without levels. We warn at 50 % and 80 % of the threshold, once per level; a
  jump over both sends one warning (the higher level) and records both.
- **Advance**: asked when the usage not yet covered by the month's advances *passes* the
  threshold ("dépasse"), for that whole uncovered usage ("égal à la surconsommation dont vous
  êtes redevable au moment où nous établissons la demande"). The next warnings and advance of
  the month count the usage from there.
- **Credit**: a paid advance is deducted from the next invoices ("jusqu'à épuisement"), oldest
  advance first, never more than an invoice's total: the rest is carried to the next invoice.
  The credit line carries VAT like the charges it pays for (an advance on services is a
  prepayment whose VAT is due when it is received), so the invoice's VAT is net of it. Its VAT
  is the difference it makes to the invoice's VAT, which becomes the VAT extracted from the
  invoice's net total: an invoice the credit brings to 0 has 0 VAT, not the cent or two the
  per-line rounding of its charges would leave.
"""

from __future__ import annotations

import calendar
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from guichet.billing.rules import Charge, ChargeKind, round_to_cents, vat_cents

WARNING_LEVELS_PERCENT = (50, 80)


class ThresholdBasis(StrEnum):
    NEW_CUSTOMER = "new_customer"
    AVERAGE = "average"
    AFTER_INCIDENT = "after_incident"


@dataclass(frozen=True)
class AdvanceTerms:
    """The catalog's `bill_advance` values (brochure table, CGS 5.1 (i))."""

    new_customer_threshold_cents: int  # 30 €
    new_customer_until_invoice_count: int  # 3
    average_of_last_invoices: int  # 3
    multiplier: Decimal  # 1.5
    after_incident_threshold_cents: int  # 15 €
    after_incident_months: int  # 6


@dataclass(frozen=True)
class Threshold:
    cents: int
    basis: ThresholdBasis


def _months_after(day: date, months: int) -> date:
    year, index = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, index + 1, min(day.day, calendar.monthrange(year, index + 1)[1]))


def incident_lowers_threshold(*, incident_on: date | None, today: date, months: int) -> bool:
    """True during the `months` months from the incident's day (included) to the same day
    `months` months later (excluded)."""
    return incident_on is not None and incident_on <= today < _months_after(incident_on, months)


def advance_threshold(
    *,
    invoice_count: int,
    last_invoice_totals: Sequence[int],
    last_incident_on: date | None,
    today: date,
    terms: AdvanceTerms,
) -> Threshold:
    """The account's threshold today. `invoice_count` counts its issued invoices (cancelled
    ones left out); `last_invoice_totals` are the totals of the latest of them (at least
    `terms.average_of_last_invoices` once there are that many), in cents incl. VAT."""
    if invoice_count < terms.new_customer_until_invoice_count:
        threshold = Threshold(terms.new_customer_threshold_cents, ThresholdBasis.NEW_CUSTOMER)
    else:
        last = list(last_invoice_totals)[-terms.average_of_last_invoices :]
        if len(last) < terms.average_of_last_invoices:
            raise ValueError(f"the average needs the last {terms.average_of_last_invoices} totals")
        average = Fraction(sum(last), len(last))
        cents = max(0, round_to_cents(average * Fraction(terms.multiplier)))
        threshold = Threshold(cents, ThresholdBasis.AVERAGE)
    lowered = incident_lowers_threshold(
        incident_on=last_incident_on, today=today, months=terms.after_incident_months
    )
    if lowered and terms.after_incident_threshold_cents < threshold.cents:
        return Threshold(terms.after_incident_threshold_cents, ThresholdBasis.AFTER_INCIDENT)
    return threshold


@dataclass(frozen=True)
class AdvanceDecision:
    # The month's usage not covered by its earlier advances.
    uncovered_cents: int
    # Warning levels reached for the first time (to record), and the one to send, if any.
    new_levels: tuple[int, ...]
    warn_level: int | None
    # The advance to ask (0: none).
    advance_cents: int


def advance_decision(
    *,
    out_of_bundle_cents: int,
    already_requested_cents: int,
    threshold_cents: int,
    warned_levels: Collection[int],
) -> AdvanceDecision:
    """What the month's out-of-bundle usage calls for now, given the advances already asked
    this month and the warning levels already sent since the last of them."""
    uncovered = max(0, out_of_bundle_cents - already_requested_cents)
    if uncovered > threshold_cents:
        return AdvanceDecision(
            uncovered_cents=uncovered, new_levels=(), warn_level=None, advance_cents=uncovered
        )
    reached = tuple(
        level
        for level in WARNING_LEVELS_PERCENT
        if uncovered > 0
        and uncovered * 100 >= threshold_cents * level
        and level not in warned_levels
    )
    return AdvanceDecision(
        uncovered_cents=uncovered,
        new_levels=reached,
        warn_level=max(reached) if reached else None,
        advance_cents=0,
    )


@dataclass(frozen=True)
class AdvanceCredit:
    """What is left of one paid advance, to deduct."""

    advance_id: int
    paid_on: date
    remaining_cents: int


def _fr(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def advance_credit_charges(
    *,
    charges_total_cents: int,
    charges_vat_cents: int,
    credits: Sequence[AdvanceCredit],
    period_start: date,
    period_end: date,
) -> list[Charge]:
    """The BILL_ADVANCE_CREDIT lines (negative) of an invoice whose other charges add up to
    `charges_total_cents` with `charges_vat_cents` of VAT: the advances oldest first, each for
    what is left of it, until the invoice is at 0. Nothing is deducted from an invoice of 0 or
    less. Each line's VAT brings the invoice's VAT to the VAT of its total after the line."""
    room = max(0, charges_total_cents)
    total, vat = charges_total_cents, charges_vat_cents
    lines: list[Charge] = []
    for credit in sorted(credits, key=lambda c: (c.paid_on, c.advance_id)):
        deduction = min(room, credit.remaining_cents)
        if deduction <= 0:
            continue
        room -= deduction
        rest = credit.remaining_cents - deduction
        total -= deduction
        line_vat, vat = vat_cents(total) - vat, vat_cents(total)
        lines.append(
            Charge(
                kind=ChargeKind.BILL_ADVANCE_CREDIT,
                label=f"Avance sur facture versée le {_fr(credit.paid_on)} : déduction",
                line_id=None,
                product_code="",
                quantity=1,
                unit_price_cents=-deduction,
                amount_cents=-deduction,
                service_start=period_start,
                service_end=period_end,
                rule=f"Avance sur facture déduite jusqu'à épuisement (CGS 5.1 (i)) : {deduction} c"
                f" déduits, {rest} c reportés sur les factures suivantes",
                bill_advance_id=credit.advance_id,
                fixed_vat_cents=line_vat,
            )
        )
    return lines
