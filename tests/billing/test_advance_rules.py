"""Bill advance rules (CGS 5.1 (i), brochure table): thresholds, warnings, credits. No database."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guichet.billing.advance_rules import (
    WARNING_LEVELS_PERCENT,
    AdvanceCredit,
    AdvanceTerms,
    Threshold,
    ThresholdBasis,
    advance_credit_charges,
    advance_decision,
    advance_threshold,
    incident_lowers_threshold,
)
from guichet.billing.rules import Charge, ChargeKind, vat_cents

# The catalog's values (bill_advance.toml): 30 €, until 3 invoices, 1.5 × the last 3, 15 € for
# 6 months after an incident.
TERMS = AdvanceTerms(
    new_customer_threshold_cents=3000,
    new_customer_until_invoice_count=3,
    average_of_last_invoices=3,
    multiplier=Decimal("1.5"),
    after_incident_threshold_cents=1500,
    after_incident_months=6,
)
TODAY = date(2026, 9, 15)


def threshold(totals: list[int], *, incident: date | None = None, today: date = TODAY) -> Threshold:
    return advance_threshold(
        invoice_count=len(totals),
        last_invoice_totals=totals[-3:],
        last_incident_on=incident,
        today=today,
        terms=TERMS,
    )


@pytest.mark.parametrize("totals", [[], [1299], [1299, 5000]])
def test_30_euros_until_the_third_invoice(totals: list[int]) -> None:
    assert threshold(totals) == Threshold(3000, ThresholdBasis.NEW_CUSTOMER)


def test_invoices_of_20_30_40_give_45_euros() -> None:
    # (20 + 30 + 40) / 3 = 30 €, × 1.5 = 45 €.
    assert threshold([2000, 3000, 4000]) == Threshold(4500, ThresholdBasis.AVERAGE)


def test_only_the_last_three_invoices_count() -> None:
    assert threshold([90_000, 1000, 2000, 3000, 4000]) == Threshold(4500, ThresholdBasis.AVERAGE)


def test_the_average_rounds_half_away_from_zero() -> None:
    # 12.99 € × 1.5 = 19.485 € → 19.49 €.
    assert threshold([1299, 1299, 1299]).cents == 1949
    # (12.99 + 12.99 + 13.00) / 3 × 1.5 = 19.49 € exactly.
    assert threshold([1299, 1299, 1300]).cents == 1949


def test_15_euros_for_6_months_after_an_incident_then_back() -> None:
    incident = date(2026, 3, 10)
    totals = [2000, 3000, 4000]

    assert threshold(totals, incident=incident, today=date(2026, 3, 10)) == Threshold(
        1500, ThresholdBasis.AFTER_INCIDENT
    )
    assert threshold(totals, incident=incident, today=date(2026, 9, 9)).cents == 1500
    assert threshold(totals, incident=incident, today=date(2026, 9, 10)) == Threshold(
        4500, ThresholdBasis.AVERAGE
    )


def test_an_incident_lowers_a_new_customers_threshold_too() -> None:
    assert threshold([1299], incident=date(2026, 8, 1)) == Threshold(
        1500, ThresholdBasis.AFTER_INCIDENT
    )


def test_an_incident_never_raises_a_lower_threshold() -> None:
    # 8 € invoices: 12 € already below 15 €, "ramené" does not raise it.
    assert threshold([800, 800, 800], incident=date(2026, 8, 1)) == Threshold(
        1200, ThresholdBasis.AVERAGE
    )


def test_six_months_from_the_31st_end_on_the_last_day_of_a_shorter_month() -> None:
    assert incident_lowers_threshold(
        incident_on=date(2026, 8, 31), today=date(2027, 2, 27), months=6
    )
    assert not incident_lowers_threshold(
        incident_on=date(2026, 8, 31), today=date(2027, 2, 28), months=6
    )
    assert not incident_lowers_threshold(incident_on=None, today=TODAY, months=6)


def test_the_average_needs_three_totals() -> None:
    with pytest.raises(ValueError, match="last 3"):
        advance_threshold(
            invoice_count=5,
            last_invoice_totals=[2000],
            last_incident_on=None,
            today=TODAY,
            terms=TERMS,
        )


invoice_totals = st.lists(st.integers(min_value=0, max_value=500_000), max_size=8)
incidents = st.none() | st.dates(min_value=date(2025, 1, 1), max_value=TODAY)


@given(totals=invoice_totals, incident=incidents)
def test_threshold_properties(totals: list[int], incident: date | None) -> None:
    normal = threshold(totals)
    found = threshold(totals, incident=incident)

    if len(totals) < 3:
        assert normal == Threshold(3000, ThresholdBasis.NEW_CUSTOMER)
    else:
        # 1.5 × the average of the last three, to the cent: within half a cent of exact.
        exact = Decimal(sum(totals[-3:])) / 3 * Decimal("1.5")
        assert abs(Decimal(normal.cents) - exact) <= Decimal("0.5")
        assert normal.basis == ThresholdBasis.AVERAGE
    # An incident only ever lowers the threshold, to 15 € at most, and only for 6 months.
    assert found.cents <= normal.cents
    lowered = incident_lowers_threshold(incident_on=incident, today=TODAY, months=6)
    assert found.cents == (min(normal.cents, 1500) if lowered else normal.cents)


@given(
    totals=st.lists(st.integers(min_value=0, max_value=500_000), min_size=3, max_size=3),
    more=st.integers(min_value=0, max_value=10_000),
)
def test_a_higher_invoice_never_lowers_the_threshold(totals: list[int], more: int) -> None:
    higher = [*totals[:2], totals[2] + more]
    assert threshold(higher).cents >= threshold(totals).cents


# Warnings and the advance -----------------------------------------------------------------------


def test_warnings_at_50_and_80_percent_then_an_advance_above_the_threshold() -> None:
    def decide(usage: int, warned: set[int]) -> tuple[tuple[int, ...], int | None, int]:
        d = advance_decision(
            out_of_bundle_cents=usage,
            already_requested_cents=0,
            threshold_cents=3000,
            warned_levels=warned,
        )
        return d.new_levels, d.warn_level, d.advance_cents

    assert decide(1499, set()) == ((), None, 0)
    assert decide(1500, set()) == ((50,), 50, 0)
    assert decide(2399, {50}) == ((), None, 0)
    assert decide(2400, {50}) == ((80,), 80, 0)
    # A jump over both levels sends one warning, the higher, and records both.
    assert decide(2400, set()) == ((50, 80), 80, 0)
    # "dépasse": at the threshold, no advance yet.
    assert decide(3000, {50, 80}) == ((), None, 0)
    assert decide(3001, {50, 80}) == ((), None, 3001)


def test_after_an_advance_the_month_counts_from_what_it_covered() -> None:
    decision = advance_decision(
        out_of_bundle_cents=5000,
        already_requested_cents=3001,
        threshold_cents=3000,
        warned_levels=set(),
    )
    assert (decision.uncovered_cents, decision.new_levels, decision.advance_cents) == (
        1999,
        (50,),
        0,
    )
    again = advance_decision(
        out_of_bundle_cents=6100,
        already_requested_cents=3001,
        threshold_cents=3000,
        warned_levels={50, 80},
    )
    assert again.advance_cents == 3099


@given(
    usage=st.integers(min_value=0, max_value=1_000_000),
    requested=st.integers(min_value=0, max_value=1_000_000),
    threshold_cents=st.integers(min_value=0, max_value=100_000),
    warned=st.sets(st.sampled_from(WARNING_LEVELS_PERCENT)),
)
def test_decision_properties(
    usage: int, requested: int, threshold_cents: int, warned: set[int]
) -> None:
    d = advance_decision(
        out_of_bundle_cents=usage,
        already_requested_cents=requested,
        threshold_cents=threshold_cents,
        warned_levels=warned,
    )
    uncovered = max(0, usage - requested)
    assert d.uncovered_cents == uncovered
    # An advance exactly when the uncovered usage passes the threshold, for all of it.
    assert d.advance_cents == (uncovered if uncovered > threshold_cents else 0)
    assert not set(d.new_levels) & warned
    if d.advance_cents:
        assert d.new_levels == () and d.warn_level is None
    for level in d.new_levels:
        assert uncovered * 100 >= threshold_cents * level
    assert d.warn_level == (max(d.new_levels) if d.new_levels else None)


# The credit on the invoices ---------------------------------------------------------------------

NOVEMBER, NOVEMBER_END = date(2026, 11, 1), date(2026, 11, 30)


def credit_lines(total: int, vat: int, credits: list[AdvanceCredit]) -> list[Charge]:
    return advance_credit_charges(
        charges_total_cents=total,
        charges_vat_cents=vat,
        credits=credits,
        period_start=NOVEMBER,
        period_end=NOVEMBER_END,
    )


def test_an_advance_larger_than_the_invoice_is_carried_to_the_next() -> None:
    credit = AdvanceCredit(advance_id=7, paid_on=date(2026, 11, 12), remaining_cents=2000)

    # Woot 100 Go: 12.99 € with 2.17 € of VAT (3.00 − 0.83).
    (line,) = credit_lines(1299, 217, [credit])

    assert (line.kind, line.amount_cents, line.bill_advance_id) == (
        ChargeKind.BILL_ADVANCE_CREDIT,
        -1299,
        7,
    )
    assert line.label == "Avance sur facture versée le 12/11/2026 : déduction"
    assert line.rule.endswith("1299 c déduits, 701 c reportés sur les factures suivantes")
    # The invoice's VAT goes from 217 to the VAT of 0 €: the credit line carries −217.
    assert line.vat_cents == -217


def test_oldest_advance_first_and_nothing_on_an_empty_invoice() -> None:
    older = AdvanceCredit(advance_id=2, paid_on=date(2026, 10, 3), remaining_cents=500)
    newer = AdvanceCredit(advance_id=1, paid_on=date(2026, 11, 3), remaining_cents=5000)

    lines = credit_lines(1299, 217, [newer, older])

    assert [(line.bill_advance_id, line.amount_cents) for line in lines] == [(2, -500), (1, -799)]
    # 217 → VAT of 7.99 € (133.17 → 133) → VAT of 0 €: −84, then −133.
    assert [line.vat_cents for line in lines] == [-84, -133]
    assert credit_lines(0, 0, [older]) == []


@given(
    total=st.integers(min_value=-5000, max_value=100_000),
    vat_error=st.integers(min_value=-3, max_value=3),
    remaining=st.lists(st.integers(min_value=1, max_value=50_000), max_size=5),
)
def test_credit_never_makes_an_invoice_negative(
    total: int, vat_error: int, remaining: list[int]
) -> None:
    # The charges' VAT, rounded per line, may differ by a few cents from the total's.
    charges_vat = vat_cents(total) + vat_error
    credits = [
        AdvanceCredit(advance_id=i, paid_on=date(2026, 10, 1 + i), remaining_cents=cents)
        for i, cents in enumerate(remaining)
    ]

    lines = credit_lines(total, charges_vat, credits)

    deducted = -sum(line.amount_cents for line in lines)
    assert deducted == min(max(total, 0), sum(remaining))
    assert all(line.amount_cents < 0 for line in lines)
    by_id = {credit.advance_id: credit.remaining_cents for credit in credits}
    assert all(-line.amount_cents <= by_id[line.bill_advance_id] for line in lines)
    assert len({line.bill_advance_id for line in lines}) == len(lines)
    # With a credit, the invoice's VAT is the VAT of its net total: 0 on an invoice at 0.
    net_vat = charges_vat + sum(line.vat_cents for line in lines)
    assert net_vat == (vat_cents(total - deducted) if lines else charges_vat)
