"""The pure billing rules: no database. Amounts are hand-computed from the brochure."""

from dataclasses import replace
from datetime import date
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guichet.billing.rules import (
    ChargeKind,
    InstalmentFacts,
    LineFacts,
    Price,
    PriceKind,
    Span,
    SubscriptionFacts,
    UsageFacts,
    add_months,
    days_in_month,
    due_date,
    format_eur,
    format_eur_fr,
    format_vat_rate,
    french_vat_number,
    instalment_charge,
    invoices_available_since,
    line_charges,
    prorata_cents,
    refund_due_on,
    round_to_cents,
    totals,
    usage_charges,
    usage_label,
    vat_cents,
)

WOOT = Price(
    code="woot-100go",
    name="Woot 100 Go",
    kind=PriceKind.MAIN_OFFER,
    price_cents=1299,
    list_price_cents=1799,
    discount_cents=500,
    activation_fee_cents=1000,
    activation_fee_label="Carte SIM",
)
KASPERSKY = Price(
    code="securite-kaspersky",
    name="Option sécurité du mobile par Kaspersky",
    kind=PriceKind.OPTION,
    price_cents=300,
    list_price_cents=300,
    free_months=1,
)
FREE_OPTION = Price(
    code="option-internationale",
    name="Option internationale",
    kind=PriceKind.OPTION,
    price_cents=0,
    list_price_cents=0,
)
TOP_UP = Price(
    code="voyage-7j",
    name="Recharge voyage 7 jours",
    kind=PriceKind.TOP_UP,
    price_cents=999,
    list_price_cents=999,
)
BOX = Price(
    code="bbox",
    name="Bbox fibre",
    kind=PriceKind.MAIN_OFFER,
    price_cents=3099,
    list_price_cents=3099,
    activation_fee_cents=4800,
)
SWITZERLAND_3H = Price(
    code="suisse-3h-300sms-300mo",
    name="Option Suisse 3h + 300 SMS + 300 Mo",
    kind=PriceKind.OPTION,
    price_cents=2000,
    list_price_cents=2000,
    due_whole_month=True,
)
PRICES = {p.code: p for p in (WOOT, KASPERSKY, FREE_OPTION, TOP_UP, BOX, SWITZERLAND_3H)}
NOVEMBER = date(2026, 11, 1)  # 30 days
OCTOBER = date(2026, 10, 1)  # 31 days


def line(
    activated: date, terminated: date | None = None, *subscriptions: SubscriptionFacts
) -> LineFacts:
    return LineFacts(
        line_id=7,
        label="06 12 34 56 78",
        in_service=Span(activated, terminated),
        subscriptions=subscriptions or (SubscriptionFacts("woot-100go", Span(activated)),),
    )


def amounts(charges) -> list[tuple[str, int]]:
    return [(c.kind.value, c.amount_cents) for c in charges]


# Rounding, prorata, VAT ---------------------------------------------------------------------


def test_round_to_cents_is_half_away_from_zero_and_symmetric() -> None:
    assert round_to_cents(Fraction(1, 2)) == 1
    assert round_to_cents(Fraction(-1, 2)) == -1
    assert round_to_cents(Fraction(1499, 10)) == 150
    assert round_to_cents(Fraction(14949, 100)) == 149
    assert round_to_cents(Decimal("216.5")) == 217
    assert round_to_cents(Decimal("-333.33")) == -333
    assert round_to_cents(12_345, unit="micro_eur") == 1  # 0.012345 € → 1 cent
    assert round_to_cents(15_000, unit="micro_eur") == 2  # 0.015 € → 2 cents
    assert round_to_cents(14_999, unit="micro_eur") == 1


def test_round_to_cents_refuses_floats() -> None:
    with pytest.raises(TypeError):
        round_to_cents(0.5)  # type: ignore[arg-type]


def test_vat_of_woot_price_is_217_cents() -> None:
    # 1299 × 20 / 120 = 216.5 → 217 (half away from zero).
    assert vat_cents(1299) == 217
    assert vat_cents(1799) == 300  # 299.83
    assert vat_cents(-500) == -83  # -83.33


def test_prorata_activated_on_the_11th_of_a_30_day_month() -> None:
    # 20 days of 30: 1799 × 20 / 30 = 1199.33 → 1199; 500 × 20 / 30 = 333.33 → 333.
    assert prorata_cents(monthly_cents=1799, days=20, month_days=30) == 1199
    assert prorata_cents(monthly_cents=500, days=20, month_days=30) == 333


@given(
    amount=st.integers(min_value=-(10**12), max_value=10**12),
    days=st.integers(min_value=0, max_value=31),
    month_days=st.sampled_from([28, 29, 30, 31]),
)
def test_vat_and_prorata_are_the_one_rounding_of_their_exact_value(
    amount: int, days: int, month_days: int
) -> None:
    # Both round in integers (no Fraction per line, for the bill run's speed): the same result
    # as the documented rule applied to the exact fraction.
    assert vat_cents(amount) == round_to_cents(Fraction(amount * 20, 120))
    days = min(days, month_days)
    assert prorata_cents(monthly_cents=amount, days=days, month_days=month_days) == (
        round_to_cents(Fraction(amount * days, month_days))
    )


@given(
    monthly=st.integers(min_value=-100_000, max_value=100_000),
    month_days=st.sampled_from([28, 29, 30, 31]),
)
def test_prorata_of_a_full_month_is_the_fee(monthly: int, month_days: int) -> None:
    assert prorata_cents(monthly_cents=monthly, days=month_days, month_days=month_days) == monthly
    assert prorata_cents(monthly_cents=monthly, days=0, month_days=month_days) == 0


@given(
    monthly=st.integers(min_value=0, max_value=100_000),
    month_days=st.sampled_from([28, 29, 30, 31]),
    data=st.data(),
)
def test_split_period_proratas_stay_within_a_cent_per_split(
    monthly: int, month_days: int, data: st.DataObject
) -> None:
    cuts = sorted(
        data.draw(st.sets(st.integers(min_value=1, max_value=month_days - 1), max_size=5))
    )
    bounds = [0, *cuts, month_days]
    parts = [
        prorata_cents(monthly_cents=monthly, days=b - a, month_days=month_days)
        for a, b in pairwise(bounds)
    ]
    # Each part is off by at most half a cent, so the sum by at most a cent per split.
    assert abs(sum(parts) - monthly) <= len(cuts)
    assert sum(parts) <= monthly + len(cuts)


@given(st.lists(st.integers(min_value=-1_000_000, max_value=1_000_000), max_size=20))
def test_vat_plus_excl_vat_is_total(amounts_cents: list[int]) -> None:
    base = line_charges(line=line(OCTOBER), period_start=NOVEMBER, prices=PRICES)[0]
    charges = [replace(base, amount_cents=a, unit_price_cents=a) for a in amounts_cents]
    result = totals(charges)
    assert result.vat_cents + result.total_excl_vat_cents == result.total_cents
    assert result.total_cents == sum(amounts_cents)
    assert result.vat_cents == sum(vat_cents(a) for a in amounts_cents)


# Charges of a line ---------------------------------------------------------------------------


def test_full_month_of_woot_is_fee_and_discount() -> None:
    charges = line_charges(line=line(date(2026, 9, 15)), period_start=OCTOBER, prices=PRICES)
    assert amounts(charges) == [("plan_fee", 1799), ("plan_discount", -500)]
    assert totals(charges).total_cents == 1299
    assert totals(charges).vat_cents == 300 - 83
    assert charges[0].service_start == OCTOBER
    assert charges[0].service_end == date(2026, 10, 31)


def test_activation_on_the_11th_adds_sim_fee_and_prorates() -> None:
    charges = line_charges(line=line(date(2026, 11, 11)), period_start=NOVEMBER, prices=PRICES)
    assert amounts(charges) == [
        ("activation_fee", 1000),
        ("plan_fee", 1199),
        ("plan_discount", -333),
    ]
    assert totals(charges).total_cents == 1866
    assert charges[1].service_start == date(2026, 11, 11)
    assert charges[1].service_end == date(2026, 11, 30)
    assert "20/30 j" in charges[1].label
    # The next month: full price, no fee.
    december = line_charges(
        line=line(date(2026, 11, 11)), period_start=date(2026, 12, 1), prices=PRICES
    )
    assert amounts(december) == [("plan_fee", 1799), ("plan_discount", -500)]


def test_termination_day_is_not_billed() -> None:
    # Terminated on 20 November: 19 days of 30. 1799 × 19/30 = 1139.37 → 1139; 500 × 19/30 =
    # 316.67 → 317.
    charges = line_charges(
        line=line(date(2026, 1, 5), date(2026, 11, 20)), period_start=NOVEMBER, prices=PRICES
    )
    assert amounts(charges) == [("plan_fee", 1139), ("plan_discount", -317)]
    after = line_charges(
        line=line(date(2026, 1, 5), date(2026, 11, 20)),
        period_start=date(2026, 12, 1),
        prices=PRICES,
    )
    assert after == []


def test_security_option_first_month_free_then_300() -> None:
    facts = line(
        date(2026, 9, 1),
        None,
        SubscriptionFacts("woot-100go", Span(date(2026, 9, 1))),
        SubscriptionFacts("securite-kaspersky", Span(OCTOBER)),
    )
    october = line_charges(line=facts, period_start=OCTOBER, prices=PRICES)
    assert amounts(october) == [("plan_fee", 1799), ("plan_discount", -500), ("option_fee", 0)]
    assert "premier mois offert" in october[2].label
    november = line_charges(line=facts, period_start=NOVEMBER, prices=PRICES)
    assert amounts(november) == [("plan_fee", 1799), ("plan_discount", -500), ("option_fee", 300)]


def test_security_option_from_the_11th_is_free_until_the_10th_of_next_month() -> None:
    facts = line(
        date(2026, 9, 1),
        None,
        SubscriptionFacts("woot-100go", Span(date(2026, 9, 1))),
        SubscriptionFacts("securite-kaspersky", Span(date(2026, 10, 11))),
    )
    october = line_charges(line=facts, period_start=OCTOBER, prices=PRICES)
    assert [c.amount_cents for c in october if c.kind == ChargeKind.OPTION_FEE] == [0]
    november = line_charges(line=facts, period_start=NOVEMBER, prices=PRICES)
    options = [c for c in november if c.kind == ChargeKind.OPTION_FEE]
    # Free 1–10 November; paid 11–30: 300 × 20 / 30 = 200.
    assert [(c.amount_cents, c.service_start, c.service_end) for c in options] == [
        (0, NOVEMBER, date(2026, 11, 10)),
        (200, date(2026, 11, 11), date(2026, 11, 30)),
    ]


def test_security_option_free_month_is_once_per_line() -> None:
    facts = line(
        date(2026, 1, 1),
        None,
        SubscriptionFacts("woot-100go", Span(date(2026, 1, 1))),
        SubscriptionFacts("securite-kaspersky", Span(date(2026, 2, 1), date(2026, 4, 1))),
        SubscriptionFacts("securite-kaspersky", Span(OCTOBER)),
    )
    october = line_charges(line=facts, period_start=OCTOBER, prices=PRICES)
    assert [c.amount_cents for c in october if c.kind == ChargeKind.OPTION_FEE] == [300]


def option_fees(facts: LineFacts, period_start: date) -> list[tuple[int, date, date]]:
    return [
        (c.amount_cents, c.service_start, c.service_end)
        for c in line_charges(line=facts, period_start=period_start, prices=PRICES)
        if c.kind == ChargeKind.OPTION_FEE
    ]


@pytest.mark.parametrize(
    "span",
    [
        Span(date(2026, 11, 12), date(2026, 11, 12)),  # taken and cancelled the same day
        Span(date(2026, 11, 12), date(2026, 11, 13)),  # one day
        Span(date(2026, 11, 30)),  # taken on the last day, kept
        Span(NOVEMBER, date(2026, 11, 2)),
    ],
)
def test_an_option_with_an_allowance_is_due_in_full_for_each_month_it_is_in_force(
    span: Span,
) -> None:
    facts = line(
        date(2026, 1, 1),
        None,
        SubscriptionFacts("woot-100go", Span(date(2026, 1, 1))),
        SubscriptionFacts("suisse-3h-300sms-300mo", span),
    )
    november = line_charges(line=facts, period_start=NOVEMBER, prices=PRICES)
    assert option_fees(facts, NOVEMBER) == [(2000, NOVEMBER, date(2026, 11, 30))]
    assert november[-1].label == "Option Suisse 3h + 300 SMS + 300 Mo — ligne 06 12 34 56 78"
    assert "due en entier pour le mois entamé" in november[-1].rule
    assert option_fees(facts, date(2026, 12, 1)) == (
        [(2000, date(2026, 12, 1), date(2026, 12, 31))] if span.end is None else []
    )


def test_a_whole_month_option_is_prorated_only_by_the_line_s_days_in_service() -> None:
    taken_at_activation = line(
        date(2026, 11, 11),
        None,
        SubscriptionFacts("woot-100go", Span(date(2026, 11, 11))),
        SubscriptionFacts("suisse-3h-300sms-300mo", Span(date(2026, 11, 11))),
    )
    # 2000 × 20 / 30 = 1333.33.
    assert option_fees(taken_at_activation, NOVEMBER) == [
        (1333, date(2026, 11, 11), date(2026, 11, 30))
    ]
    terminated = line(
        date(2026, 1, 1),
        date(2026, 11, 20),
        SubscriptionFacts("woot-100go", Span(date(2026, 1, 1))),
        SubscriptionFacts("suisse-3h-300sms-300mo", Span(date(2026, 11, 5), date(2026, 11, 6))),
    )
    # In service 1–19 November: 2000 × 19 / 30 = 1266.67.
    assert option_fees(terminated, NOVEMBER) == [(1267, NOVEMBER, date(2026, 11, 19))]


def test_an_option_taken_again_in_the_month_is_due_again_as_its_allowance_is_new() -> None:
    facts = line(
        date(2026, 1, 1),
        None,
        SubscriptionFacts("woot-100go", Span(date(2026, 1, 1))),
        SubscriptionFacts("suisse-3h-300sms-300mo", Span(date(2026, 11, 3), date(2026, 11, 4))),
        SubscriptionFacts("suisse-3h-300sms-300mo", Span(date(2026, 11, 20))),
    )
    assert [fee for fee, _, _ in option_fees(facts, NOVEMBER)] == [2000, 2000]


def test_an_option_without_usage_is_billed_per_day() -> None:
    facts = line(
        date(2026, 1, 1),
        None,
        SubscriptionFacts("woot-100go", Span(date(2026, 1, 1))),
        SubscriptionFacts("securite-kaspersky", Span(date(2026, 1, 1), date(2026, 11, 16))),
    )
    # 1–15 November: 300 × 15 / 30 = 150.
    assert option_fees(facts, NOVEMBER) == [(150, NOVEMBER, date(2026, 11, 15))]


def test_free_option_gives_no_line_and_top_up_is_one_off() -> None:
    facts = line(
        date(2026, 9, 1),
        None,
        SubscriptionFacts("woot-100go", Span(date(2026, 9, 1))),
        SubscriptionFacts("option-internationale", Span(date(2026, 10, 2))),
        SubscriptionFacts("voyage-7j", Span(date(2026, 10, 30), date(2026, 11, 6))),
    )
    october = line_charges(line=facts, period_start=OCTOBER, prices=PRICES)
    assert amounts(october) == [("plan_fee", 1799), ("plan_discount", -500), ("top_up", 999)]
    assert (october[2].service_start, october[2].service_end) == (
        date(2026, 10, 30),
        date(2026, 11, 5),
    )
    november = line_charges(line=facts, period_start=NOVEMBER, prices=PRICES)
    assert amounts(november) == [("plan_fee", 1799), ("plan_discount", -500)]


def test_box_offer_has_no_discount_line() -> None:
    facts = LineFacts(
        line_id=1,
        label="FTTH-1",
        in_service=Span(date(2026, 10, 1)),
        subscriptions=(SubscriptionFacts("bbox", Span(date(2026, 9, 20))),),
    )
    assert amounts(line_charges(line=facts, period_start=OCTOBER, prices=PRICES)) == [
        ("activation_fee", 4800),
        ("plan_fee", 3099),
    ]


def test_plan_change_mid_month_bills_each_plan_for_its_days() -> None:
    other = Price(
        code="petit",
        name="Petit forfait",
        kind=PriceKind.MAIN_OFFER,
        price_cents=900,
        list_price_cents=900,
    )
    facts = line(
        date(2026, 1, 1),
        None,
        SubscriptionFacts("woot-100go", Span(date(2026, 1, 1), date(2026, 11, 16))),
        SubscriptionFacts("petit", Span(date(2026, 11, 16))),
    )
    charges = line_charges(line=facts, period_start=NOVEMBER, prices={**PRICES, "petit": other})
    # 15 days each: 1799/2 = 899.5 → 900; 500/2 = 250; 900/2 = 450.
    assert amounts(charges) == [("plan_fee", 900), ("plan_discount", -250), ("plan_fee", 450)]


def test_line_not_in_service_has_no_charge() -> None:
    assert line_charges(line=line(date(2026, 12, 1)), period_start=NOVEMBER, prices=PRICES) == []


# Dates ---------------------------------------------------------------------------------------


def test_due_dates() -> None:
    # Card: issue + 15 days.
    assert due_date(issued_on=date(2026, 11, 2), direct_debit=False, debit_day=5) == date(
        2026, 11, 17
    )
    # Direct debit on the 5th: 2 Nov + 10 = 12 Nov, so the 5th of December.
    assert due_date(issued_on=date(2026, 11, 2), direct_debit=True, debit_day=5) == date(
        2026, 12, 5
    )
    # Direct debit on the 12th: exactly 10 days later is allowed.
    assert due_date(issued_on=date(2026, 11, 2), direct_debit=True, debit_day=12) == date(
        2026, 11, 12
    )


@given(
    issued=st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 12, 31)),
    debit_day=st.integers(min_value=1, max_value=28),
)
def test_direct_debit_due_date_respects_ten_days_notice(issued: date, debit_day: int) -> None:
    due = due_date(issued_on=issued, direct_debit=True, debit_day=debit_day)
    assert due.day == debit_day
    assert 10 <= (due - issued).days < 10 + 31


def test_calendar_helpers() -> None:
    assert days_in_month(date(2028, 2, 1)) == 29
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)
    assert format_eur(129_900) == "1299.00"
    assert format_eur(-5) == "-0.05"
    assert format_eur(0) == "0.00"


def test_deposit_refund_deadline_counts_calendar_days() -> None:
    # CGS 5.1 (ii): "dans un délai de 10 (dix) jours à compter de" the request's receipt.
    assert refund_due_on(start=date(2026, 12, 25), days=10) == date(2027, 1, 4)
    assert refund_due_on(start=date(2026, 2, 20), days=10) == date(2026, 3, 2)
    with pytest.raises(ValueError, match="never negative"):
        refund_due_on(start=date(2026, 2, 20), days=-1)


def test_an_instalment_line_names_its_device_number_and_month() -> None:
    charge = instalment_charge(
        InstalmentFacts(
            instalment_id=9,
            device="Samsung Galaxy S24 128 Go",
            number=3,
            count=24,
            period_start=date(2026, 2, 1),
            amount_cents=3329,
            line_id=4,
        )
    )

    assert (charge.kind, charge.amount_cents, charge.unit_price_cents, charge.quantity) == (
        ChargeKind.INSTALMENT,
        3329,
        3329,
        1,
    )
    assert charge.label == (
        "Facilité de paiement Samsung Galaxy S24 128 Go — mensualité 3/24 de 02/2026"
    )
    assert (charge.service_start, charge.service_end) == (date(2026, 2, 1), date(2026, 2, 28))
    assert (charge.instalment_id, charge.line_id, charge.bill_advance_id) == (9, 4, None)
    # 3329 × 20 / 120 = 554.83 → 555.
    assert charge.vat_cents == 555


def test_amounts_print_the_french_way() -> None:
    assert format_eur_fr(1299) == "12,99\u00a0€"
    assert format_eur_fr(0) == "0,00\u00a0€"
    assert format_eur_fr(-500) == "-5,00\u00a0€"
    assert format_eur_fr(-5) == "-0,05\u00a0€"
    assert format_eur_fr(123456789) == "1\u00a0234\u00a0567,89\u00a0€"


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_french_amounts_read_back_to_the_same_cents(cents: int) -> None:
    printed = format_eur_fr(cents)

    assert printed.endswith("\u00a0€")
    number = printed.removesuffix("\u00a0€").replace("\u00a0", "").replace(",", ".")
    assert Decimal(number) * 100 == cents


def test_vat_rates_print_the_french_way() -> None:
    assert format_vat_rate(2000) == "20\u00a0%"
    assert format_vat_rate(550) == "5,5\u00a0%"
    assert format_vat_rate(210) == "2,1\u00a0%"
    assert format_vat_rate(1) == "0,01\u00a0%"


def test_french_vat_numbers_from_the_siren() -> None:
    # The tax administration's worked example, and two published numbers.
    assert french_vat_number("404 833 048") == "FR83404833048"
    assert french_vat_number("552120222") == "FR27552120222"
    # The operator of the brochure (CGS preamble: RCS Nanterre 421 713 892).
    assert french_vat_number("421713892") == "FR79421713892"
    with pytest.raises(ValueError, match="nine digits"):
        french_vat_number("42171389")


def test_invoices_stay_available_36_months() -> None:
    assert invoices_available_since(date(2026, 11, 23)) == date(2023, 11, 23)
    # 29 February 2028 → 28 February 2025, the last day of that shorter month.
    assert invoices_available_since(date(2028, 2, 29)) == date(2025, 2, 28)


# Out-of-bundle usage ---------------------------------------------------------------------------

ZONES = {"1": "zone 1", "2": "zone 2", "3": "zone 3", "satellite": "réseaux satellitaires"}
USAGE_LINE = LineFacts(
    line_id=7, label="06 11 11 11 11", in_service=Span(date(2026, 1, 1)), subscriptions=()
)


def usage(
    total_micro_eur: int,
    *,
    service: str = "voice",
    direction: str = "out",
    origin: str = "FR",
    destination: str = "3",
) -> UsageFacts:
    return UsageFacts(
        service=service,
        direction=direction,
        origin_zone=origin,
        destination_zone=destination,
        key=f"{service}:{direction}:{origin}:{destination}",
        records=2,
        total_micro_eur=total_micro_eur,
        first_day=date(2026, 11, 2),
        last_day=date(2026, 11, 20),
    )


@pytest.mark.parametrize(
    ("facts", "label"),
    [
        (
            usage(1, origin="1", destination="3"),
            "Appels hors forfait depuis la zone 1 vers la zone 3",
        ),
        (usage(1), "Appels hors forfait depuis la France vers la zone 3"),
        (
            usage(1, service="sms", origin="satellite", destination="1"),
            "SMS hors forfait depuis les réseaux satellitaires vers la zone 1",
        ),
        (
            usage(1, service="video", origin="2", destination="satellite"),
            "Appels vidéo hors forfait depuis la zone 2 vers les réseaux satellitaires",
        ),
        (
            usage(1, direction="in", origin="2", destination=""),
            "Appels reçus hors forfait en zone 2",
        ),
        (
            usage(1, service="data", origin="satellite", destination=""),
            "Internet mobile hors forfait sur les réseaux satellitaires",
        ),
        (
            usage(1, service="mms", origin="1", destination="2"),
            "MMS hors forfait depuis la zone 1 vers la zone 2",
        ),
    ],
)
def test_usage_labels_name_the_service_and_the_zones(facts: UsageFacts, label: str) -> None:
    assert usage_label(facts, ZONES) == label


def test_a_usage_group_is_rounded_once_to_the_cent() -> None:
    charges = usage_charges(
        line=USAGE_LINE,
        usage=[usage(3_375_000), usage(5_000, destination="2"), usage(4_999, destination="1")],
        zone_labels=ZONES,
    )

    # 3.375 € → 3.38 €; 0.005 € → 0.01 €; 0.004999 € rounds to 0: no line.
    assert [(c.amount_cents, c.usage_key) for c in charges] == [
        (338, "voice:out:FR:3"),
        (1, "voice:out:FR:2"),
    ]
    first = charges[0]
    assert (first.kind, first.line_id, first.quantity, first.unit_price_cents) == (
        ChargeKind.USAGE,
        7,
        1,
        338,
    )
    assert (
        first.label == "Appels hors forfait depuis la France vers la zone 3 — ligne 06 11 11 11 11"
    )
    assert "3,375000 €" in first.rule
    assert (first.service_start, first.service_end) == (date(2026, 11, 2), date(2026, 11, 20))


@given(st.integers(0, 10**12))
def test_usage_amount_is_the_total_rounded_to_cents(total: int) -> None:
    charges = usage_charges(line=USAGE_LINE, usage=[usage(total)], zone_labels=ZONES)
    expected = round_to_cents(total, unit="micro_eur")
    assert [c.amount_cents for c in charges] == ([expected] if expected else [])
    assert expected == (total + 5_000) // 10_000
