from datetime import UTC, date, datetime

import pytest

from guichet.customers.rules import (
    age_on,
    check_adult,
    is_metropolitan_postcode,
    normalize_country,
    normalize_email,
    normalize_name,
    normalize_phone_number,
    normalize_postcode,
    normalize_street_lines,
    paris_date,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("06.12.34.56.78", "+33612345678"),
        ("0612345678", "+33612345678"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("0033612345678", "+33612345678"),
        ("01 23 45 67 89", "+33123456789"),
        ("+41 79 123 45 67", "+41791234567"),
        ("+1 (415) 555-2671", "+14155552671"),
    ],
)
def test_phone_numbers_are_normalised_to_e164(raw: str, expected: str) -> None:
    assert normalize_phone_number(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "612345678", "+33 6 12 34 56", "+33 6 12 34 56 78 9", "+0612345678", "06 12 AB"]
)
def test_invalid_phone_numbers_are_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="numéro"):
        normalize_phone_number(raw)


def test_email_is_trimmed_and_lower_cased() -> None:
    assert normalize_email("  Camille.Martin@Example.FR ") == "camille.martin@example.fr"


@pytest.mark.parametrize("raw", ["", "camille", "camille@", "@example.fr", "a b@example.fr"])
def test_invalid_emails_are_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="adresse e-mail"):
        normalize_email(raw)


def test_names_collapse_spaces_and_must_not_be_empty() -> None:
    assert normalize_name("  Jean   Pierre ", field="prénom") == "Jean Pierre"
    with pytest.raises(ValueError, match="Le champ prénom est obligatoire"):
        normalize_name("   ", field="prénom")


@pytest.mark.parametrize(
    ("postcode", "valid"),
    [
        ("75002", True),
        ("01000", True),
        ("20000", True),  # Ajaccio, Corsica
        ("95880", True),
        ("97400", True),  # Saint-Denis, La Réunion
        ("98000", True),  # Monaco (La Poste)
        ("00100", False),
        ("96000", False),
        ("7500", False),
        ("750021", False),
        ("2A000", False),
    ],
)
def test_french_postcodes(postcode: str, valid: bool) -> None:
    if valid:
        assert normalize_postcode(postcode, country="FR") == postcode
    else:
        with pytest.raises(ValueError, match="code postal français"):
            normalize_postcode(postcode, country="FR")


def test_foreign_postcodes_are_free_text_up_to_ten_characters() -> None:
    assert normalize_postcode("SW1A 1AA", country="GB") == "SW1A1AA"
    with pytest.raises(ValueError, match="code postal"):
        normalize_postcode("12345678901", country="GB")


@pytest.mark.parametrize(
    ("postcode", "metropolitan"), [("75002", True), ("20000", True), ("97400", False)]
)
def test_metropolitan_postcodes_include_corsica_not_overseas(
    postcode: str, metropolitan: bool
) -> None:
    assert is_metropolitan_postcode(postcode) is metropolitan


def test_country_is_an_iso_code() -> None:
    assert normalize_country(" fr ") == "FR"
    with pytest.raises(ValueError, match="ISO 3166"):
        normalize_country("France")


def test_street_lines_are_padded_to_three() -> None:
    assert normalize_street_lines(["Bâtiment B", "", " 12  rue de la Paix "]) == (
        "Bâtiment B",
        "12 rue de la Paix",
        "",
    )


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "au moins une ligne"),
        (["a", "b", "c", "d"], "au plus 3 lignes"),
        (["x" * 39], "38 caractères"),
    ],
)
def test_invalid_street_lines_are_refused(lines: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        normalize_street_lines(lines)


def test_age_counts_whole_years_to_the_birthday() -> None:
    assert age_on(date(2007, 3, 4), date(2025, 3, 3)) == 17
    assert age_on(date(2007, 3, 3), date(2025, 3, 3)) == 18


def test_holder_must_be_adult_cgs_3_1() -> None:
    check_adult(date(2007, 3, 3), on=date(2025, 3, 3))
    with pytest.raises(ValueError, match=r"majeur \(CGS 3.1\)"):
        check_adult(date(2007, 3, 4), on=date(2025, 3, 3))
    with pytest.raises(ValueError, match="futur"):
        check_adult(date(2026, 1, 1), on=date(2025, 3, 3))


def test_paris_date_is_the_french_calendar_day() -> None:
    # 23:30 UTC on 31 December is already 1 January in Paris (UTC+1 in winter).
    assert paris_date(datetime(2024, 12, 31, 23, 30, tzinfo=UTC)) == date(2025, 1, 1)
    with pytest.raises(ValueError, match="aware"):
        paris_date(datetime(2024, 12, 31, 23, 30))
