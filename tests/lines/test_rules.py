from datetime import date

import pytest

from guichet.lines.models import LineStatus
from guichet.lines.rules import (
    LineAction,
    add_months,
    luhn_valid,
    next_status,
    normalize_access_reference,
    normalize_iccid,
    normalize_imei,
    normalize_msisdn,
    normalize_puk,
)

# An IMEI example widely published with the Luhn algorithm, and French ICCIDs (89 33…).
VALID_IMEI = "490154203237518"
VALID_ICCID_19 = "8933150319000000006"


def test_luhn_check_digit() -> None:
    assert luhn_valid("79927398713")
    assert not luhn_valid("79927398710")
    assert not luhn_valid("7992739871a")
    assert not luhn_valid("")


def test_iccid_has_19_or_20_digits_and_a_luhn_check_digit() -> None:
    assert luhn_valid(VALID_ICCID_19)
    assert normalize_iccid("8933 1503 1900 0000 006") == VALID_ICCID_19
    twenty = "89331503190000000012"
    assert luhn_valid(twenty)
    assert normalize_iccid(twenty) == twenty


@pytest.mark.parametrize("raw", ["8933150319000000008", "893315031900000009", "abc"])
def test_invalid_iccids_are_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="ICCID"):
        normalize_iccid(raw)


def test_imei_has_15_digits_and_a_luhn_check_digit() -> None:
    assert normalize_imei("49-015420-323751-8") == VALID_IMEI
    with pytest.raises(ValueError, match="IMEI"):
        normalize_imei("490154203237519")
    with pytest.raises(ValueError, match="IMEI"):
        normalize_imei("49015420323751")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("07.11.22.33.44", "+33711223344"),
        ("+33612345678", "+33612345678"),
        ("0033612345678", "+33612345678"),
    ],
)
def test_msisdn_is_a_french_mobile_number_in_e164(raw: str, expected: str) -> None:
    assert normalize_msisdn(raw) == expected


@pytest.mark.parametrize("raw", ["01 23 45 67 89", "+41791234567", "0612345", "+3361234567890"])
def test_non_mobile_or_foreign_numbers_are_not_msisdns(raw: str) -> None:
    with pytest.raises(ValueError, match="mobile français"):
        normalize_msisdn(raw)


def test_access_reference_is_upper_cased_and_checked() -> None:
    assert normalize_access_reference(" ftth-0001 ") == "FTTH-0001"
    with pytest.raises(ValueError, match="référence d'accès"):
        normalize_access_reference("ab")


def test_puk_has_eight_digits() -> None:
    assert normalize_puk(" 12345678 ") == "12345678"
    for raw in ("1234567", "123456789", "1234567a"):
        with pytest.raises(ValueError, match="8 chiffres"):
            normalize_puk(raw)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 3, 3), 12, date(2026, 3, 3)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
        (date(2025, 3, 3), 24, date(2027, 3, 3)),
    ],
)
def test_add_months_clamps_to_the_end_of_shorter_months(
    start: date, months: int, expected: date
) -> None:
    assert add_months(start, months) == expected


# The whole lifecycle table: (status, action) → resulting status, or None when refused.
EXPECTED_TRANSITIONS = {
    (LineStatus.PENDING, LineAction.ACTIVATE): LineStatus.ACTIVE,
    (LineStatus.PENDING, LineAction.SUSPEND): None,
    (LineStatus.PENDING, LineAction.REINSTATE): None,
    (LineStatus.PENDING, LineAction.TERMINATE): LineStatus.TERMINATED,
    (LineStatus.ACTIVE, LineAction.ACTIVATE): None,
    (LineStatus.ACTIVE, LineAction.SUSPEND): LineStatus.SUSPENDED,
    (LineStatus.ACTIVE, LineAction.REINSTATE): None,
    (LineStatus.ACTIVE, LineAction.TERMINATE): LineStatus.TERMINATED,
    (LineStatus.SUSPENDED, LineAction.ACTIVATE): None,
    (LineStatus.SUSPENDED, LineAction.SUSPEND): None,
    (LineStatus.SUSPENDED, LineAction.REINSTATE): LineStatus.ACTIVE,
    (LineStatus.SUSPENDED, LineAction.TERMINATE): LineStatus.TERMINATED,
    (LineStatus.TERMINATED, LineAction.ACTIVATE): None,
    (LineStatus.TERMINATED, LineAction.SUSPEND): None,
    (LineStatus.TERMINATED, LineAction.REINSTATE): None,
    (LineStatus.TERMINATED, LineAction.TERMINATE): None,
}


def test_transition_table_covers_every_status_and_action() -> None:
    assert set(EXPECTED_TRANSITIONS) == {(s, a) for s in LineStatus for a in LineAction}


@pytest.mark.parametrize(("status", "action"), list(EXPECTED_TRANSITIONS))
def test_next_status(status: LineStatus, action: LineAction) -> None:
    assert next_status(status, action) == EXPECTED_TRANSITIONS[(status, action)]
