"""The cap on purchases on the bill (pure rules)."""

from hypothesis import given
from hypothesis import strategies as st

from guichet.usage.carrier_billing_rules import cap_problem, purchase_refusal

STEPS = [0, 1000, 2000, 5000, 10000, 30000]
CENTS = st.integers(min_value=1, max_value=100_000)


@given(amount=CENTS, spent=st.integers(min_value=0, max_value=100_000))
def test_a_cap_of_zero_blocks_every_purchase(amount, spent):
    refusal = purchase_refusal(
        amount_cents=amount, spent_this_month_cents=spent, cap_cents=0, purchase_max_cents=5000
    )

    assert refusal == "Les achats sur facture sont bloqués sur cette ligne."


@given(
    amount=CENTS,
    spent=st.integers(min_value=0, max_value=100_000),
    cap=st.sampled_from(STEPS[1:]),
)
def test_a_purchase_is_accepted_exactly_when_the_month_stays_within_the_cap(amount, spent, cap):
    refusal = purchase_refusal(
        amount_cents=amount, spent_this_month_cents=spent, cap_cents=cap, purchase_max_cents=5000
    )

    assert (refusal is None) == (spent + amount <= cap and amount <= 5000)


def test_the_refusal_says_what_is_left_this_month():
    refusal = purchase_refusal(
        amount_cents=800, spent_this_month_cents=1550, cap_cents=2000, purchase_max_cents=5000
    )

    assert refusal == (
        "Cet achat dépasserait le plafond mensuel de 20 € (il reste 4,50 € ce mois-ci)."
    )


@given(st.integers(min_value=0, max_value=100_000))
def test_only_the_operators_steps_can_be_chosen(cap):
    assert (cap_problem(cap_cents=cap, steps_cents=STEPS) is None) == (cap in STEPS)
