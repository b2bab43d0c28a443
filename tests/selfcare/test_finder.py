"""The act finder understands what customers type, in French."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guichet.selfcare.finder import find_acts, fold
from guichet.selfcare.registry import registered_acts

ACTS = registered_acts()


def _first(query: str) -> str:
    matches = find_acts(query, ACTS)
    assert matches, f"nothing for {query!r}"
    return matches[0].act.id


@pytest.mark.parametrize(
    ("query", "act"),
    [
        ("j'ai perdu mon téléphone", "loss_theft_declare"),
        ("on m'a volé mon portable", "loss_theft_declare"),
        ("code rio", "porting_code_mobile"),
        ("CODE RIO", "porting_code_mobile"),
        ("changer de forfait", "plan_change"),
        ("payer ma facture", "invoice_pay"),
        ("mot de passe oublié", "password_change"),
        ("duplicata", "invoice_duplicate"),
        ("sim bloquée", "puk_show"),
        ("internet lent", "speed_restoration"),
        ("RIB", "bank_details_change"),
        ("wifi", "box_settings"),
        ("déménagement", "box_move"),
        ("demenagement", "box_move"),
    ],
)
def test_the_finder_answers_what_customers_type(query, act):
    assert _first(query) == act


@pytest.mark.parametrize(
    ("typo", "act"),
    [
        ("duplicatat", "invoice_duplicate"),
        ("démnagement", "box_move"),
        ("rétractaton", "withdrawal"),
    ],
)
def test_the_finder_forgives_a_typo(typo, act):
    assert act in [match.act.id for match in find_acts(typo, ACTS)]


def test_words_that_say_nothing_find_nothing():
    assert find_acts("je veux le", ACTS) == []
    assert find_acts("", ACTS) == []


def test_folding_drops_case_accents_and_punctuation():
    assert fold("Résiliation — J'AI perdu") == "resiliation j ai perdu"


@given(st.text(max_size=200))
def test_any_text_gets_an_answer_without_error(text):
    matches = find_acts(text, ACTS)
    assert len(matches) <= 5
    assert all(match.act in ACTS for match in matches)
