"""Pure rules of a line's codes: the RIO key, the TV PINs, the fibre socket reference."""

import string
from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guichet.lines.codes import (
    RIO_ALPHABET,
    national_number,
    normalize_optical_outlet_reference,
    rio_for,
    rio_key,
    rio_line_reference,
    rio_valid,
    tv_pin_problem,
)

operator_codes = st.text(alphabet=string.ascii_uppercase + string.digits, min_size=2, max_size=2)
references = st.text(alphabet=RIO_ALPHABET, min_size=6, max_size=6)
numbers = st.from_regex(r"\A0[1-9][0-9]{8}\Z")
contract_types = st.sampled_from("PE")


def _closed_form(symbols: str) -> str:
    # The key written as sums rather than Horner's scheme: symbol i of 19 weighs w^(18-i).
    values = [RIO_ALPHABET.index(symbol) for symbol in symbols]
    return "".join(
        RIO_ALPHABET[sum(v * weight ** (18 - i) for i, v in enumerate(values)) % 37]
        for weight in (1, 2, 4)
    )


def test_the_worked_example():
    # No RIO with its key is published with the algorithm (the APNF rules text is not public);
    # this one is worked by hand with the closed form above over "02P000001" + "0611223344":
    # a = (26+28+15+5×26+27 + 26+32+27+27+28+28+29+29+30+30) mod 37 = 512 mod 37 = 31 → "5"
    # (letters come first: A=0 … Z=25, "0"=26 … "9"=35, "+"=36).
    assert (
        rio_key(
            operator_code="02", contract_type="P", reference="000001", national_number="0611223344"
        )
        == "5RI"
    )
    assert (
        rio_for(operator_code="02", contract_type="P", line_id=1, national_number="0611223344")
        == "02P0000015RI"
    )


def test_letters_come_before_digits_in_the_alphabet():
    assert RIO_ALPHABET == "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+"


@given(operator_codes, contract_types, references, numbers)
def test_the_key_is_the_weighted_sums_modulo_37(operator, kind, reference, number):
    key = rio_key(
        operator_code=operator, contract_type=kind, reference=reference, national_number=number
    )
    assert key == _closed_form(operator + kind + reference + number)


@given(operator_codes, contract_types, references, numbers, st.integers(0, 9), st.data())
def test_a_mistyped_digit_of_the_number_changes_the_key(operator, kind, reference, number, i, data):
    wrong = data.draw(st.sampled_from([d for d in "0123456789" if d != number[i]]))
    mistyped = number[:i] + wrong + number[i + 1 :]
    if i == 0 or (i == 1 and wrong == "0"):
        return  # not a national number any more: refused before any key
    rio = f"{operator}{kind}{reference}" + rio_key(
        operator_code=operator, contract_type=kind, reference=reference, national_number=number
    )
    assert rio_valid(rio, national_number=number)
    assert not rio_valid(rio, national_number=mistyped)


@given(operator_codes, contract_types, references, numbers, st.integers(0, 17))
def test_two_swapped_neighbours_change_the_key(operator, kind, reference, number, i):
    symbols = operator + kind + reference + number
    if symbols[i] == symbols[i + 1]:
        return
    swapped = symbols[:i] + symbols[i + 1] + symbols[i] + symbols[i + 2 :]
    # 37 is prime and 2 ≢ 1 (mod 37): the second key symbol always sees a transposition.
    assert _closed_form(swapped) != _closed_form(symbols)


@given(st.integers(1, 36**6 - 1))
def test_the_line_reference_is_six_symbols_and_gives_back_the_line(line_id):
    reference = rio_line_reference(line_id)
    assert len(reference) == 6
    assert int(reference, 36) == line_id


def test_bad_fields_are_refused_with_the_field_named():
    with pytest.raises(ValueError, match="code opérateur"):
        rio_key(
            operator_code="0", contract_type="P", reference="000001", national_number="0611223344"
        )
    with pytest.raises(ValueError, match="type de contrat"):
        rio_key(
            operator_code="02", contract_type="X", reference="000001", national_number="0611223344"
        )
    with pytest.raises(ValueError, match="numéro national"):
        rio_key(
            operator_code="02", contract_type="P", reference="000001", national_number="611223344"
        )
    assert national_number("+33972411836") == "0972411836"


def test_thirty_pins_of_ten_thousand_are_refused():
    refused = {"".join(d) for d in product("0123456789", repeat=4) if tv_pin_problem("".join(d))}
    assert len(refused) == 30
    assert {"0000", "9999", "1234", "4321", "7890", "8901", "0987"} <= refused
    assert tv_pin_problem("1357") is None and tv_pin_problem("2024") is None


@given(
    st.text(max_size=8).filter(lambda pin: not (len(pin) == 4 and pin.isascii() and pin.isdigit()))
)
def test_anything_but_four_digits_is_refused(pin):
    assert tv_pin_problem(pin) == "Le code comporte exactement 4 chiffres."


@given(st.from_regex(r"\A[A-Z]{2}-[A-Z0-9]{4}-[A-Z0-9]{4}\Z"))
def test_a_socket_reference_is_read_however_it_is_typed(reference):
    typed = reference.lower().replace("-", " ")
    assert normalize_optical_outlet_reference(typed) == reference


@pytest.mark.parametrize("typed", ["FI-1A2B", "12-1A2B-3C4D", "FI-1A2B-3C4D-5", ""])
def test_a_wrong_socket_reference_is_refused_with_an_example(typed):
    with pytest.raises(ValueError, match="FI-1A2B-3C4D"):
        normalize_optical_outlet_reference(typed)
