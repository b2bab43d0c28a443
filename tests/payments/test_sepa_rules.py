"""The pure SEPA rules: no database, exact values."""

import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guichet.payments.sepa_rules import (
    SepaValueError,
    SequenceType,
    amount_text,
    check_creditor_identifier,
    check_debtor_name,
    check_mandate_reference,
    earliest_collection_date,
    is_target_day,
    mandate_lapsed,
    mandate_reference_for,
    mask_iban,
    normalize_bic,
    normalize_iban,
    prenotification_deadline,
    prenotified_in_time,
    return_reason,
    sepa_text,
    sequence_type,
    settlement_date,
)

FRENCH_IBAN = "FR7630006000011234567890189"  # Crédit Agricole test account, BIC AGRIFRPP
GERMAN_IBAN = "DE89370400440532013000"  # Commerzbank test account, BIC COBADEFF


def refusal(call: Callable[..., object], *args: object, **kwargs: object) -> SepaValueError:
    with pytest.raises(SepaValueError) as refused:
        call(*args, **kwargs)
    return refused.value


# IBAN and BIC ----------------------------------------------------------------------------------


def test_iban_is_stored_compact_and_upper_case() -> None:
    assert normalize_iban(" fr76 3000 6000 0112 3456 7890 189 ") == FRENCH_IBAN
    assert normalize_iban(GERMAN_IBAN) == GERMAN_IBAN


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Saisissez l'IBAN du compte à débiter."),
        (
            "FR7630006000011234567890188",
            "L'IBAN saisi n'est pas valide : sa clé de contrôle (les deux chiffres après le code"
            " pays) ne correspond pas au reste du numéro. Vérifiez chaque caractère.",
        ),
        (
            "FR76300060000112345678901",
            "L'IBAN saisi compte 25 caractères : ce n'est pas la longueur d'un IBAN FR.",
        ),
        (
            "XX7630006000011234567890189",
            "L'IBAN commence par « XX », qui n'est pas le code d'un pays où l'IBAN existe.",
        ),
        (
            "BR1800360305000010009795493C1",
            "Le compte est dans un pays hors de la zone SEPA (BR) : il ne peut pas être débité"
            " par prélèvement SEPA.",
        ),
    ],
)
def test_invalid_ibans_are_refused_with_what_is_wrong(text: str, message: str) -> None:
    refused = refusal(normalize_iban, text)
    assert (refused.field, refused.message) == ("iban", message)


def test_bic_given_is_checked_and_kept() -> None:
    assert normalize_bic("agri fr pp", iban=FRENCH_IBAN) == "AGRIFRPP"
    assert normalize_bic("AGRIFRPP882", iban=FRENCH_IBAN) == "AGRIFRPP882"


def test_bic_of_the_iban_bank_when_none_is_given() -> None:
    assert normalize_bic("", iban=FRENCH_IBAN) == "AGRIFRPPXXX"
    assert normalize_bic("", iban=GERMAN_IBAN) == "COBADEFFXXX"


def test_overseas_bank_bic_fits_a_french_iban() -> None:
    # Guadeloupe's banks have "GP" BICs and French IBANs (EPC list of SEPA scheme countries).
    assert normalize_bic("BNPAGPGP", iban=FRENCH_IBAN) == "BNPAGPGP"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("AGRIFRP", "Le BIC compte 8 ou 11 caractères (7 saisis)."),
        (
            "AGRIXXPP",
            "Le BIC AGRIXXPP n'est pas valide : « XX » (5e et 6e caractères) n'est pas un code"
            " pays.",
        ),
        (
            "COBADEFF",
            "Le BIC COBADEFF est celui d'une banque du pays « DE », alors que l'IBAN est celui"
            " d'un compte « FR ».",
        ),
    ],
)
def test_invalid_bics_are_refused(text: str, message: str) -> None:
    refused = refusal(normalize_bic, text, iban=FRENCH_IBAN)
    assert (refused.field, refused.message) == ("bic", message)


def test_iban_is_masked_for_customers() -> None:
    assert mask_iban(FRENCH_IBAN) == "FR76 **** **** **** **** ***0 189"
    assert mask_iban(GERMAN_IBAN) == "DE89 **** **** **** **30 00"


@given(st.from_regex(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}", fullmatch=True))
def test_masking_shows_only_country_check_digits_and_last_four(iban: str) -> None:
    masked = mask_iban(iban).replace(" ", "")
    assert len(masked) == len(iban)
    assert masked[:4] == iban[:4] and masked[-4:] == iban[-4:]
    assert set(masked[4:-4]) == {"*"}


# Identifiers ------------------------------------------------------------------------------------


def test_creditor_identifiers_with_right_check_digits() -> None:
    assert check_creditor_identifier("fr72 zzz 123456") == "FR72ZZZ123456"
    # The Bundesbank's test creditor identifier.
    assert check_creditor_identifier("DE98ZZZ09999999999") == "DE98ZZZ09999999999"


def test_creditor_identifier_with_wrong_check_digits() -> None:
    refused = refusal(check_creditor_identifier, "FR73ZZZ123456")
    assert refused.message == (
        "L'identifiant créancier SEPA « FR73ZZZ123456 » n'est pas valide : ses chiffres de"
        " contrôle ne correspondent pas."
    )
    assert refusal(check_creditor_identifier, "FR72").field == "creditor_id"


def test_generated_mandate_reference() -> None:
    assert mandate_reference_for(billing_account_number="CF10000001", serial=1) == (
        "CF10000001-M001"
    )


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("A" * 36, "compte de 1 à 35 caractères (36 saisis)"),
        ("RUM-É1", "contient des caractères hors du jeu SEPA"),
        ("/RUM1", "ne peut ni commencer ni finir par « / »"),
        ("RUM//1", "ni contenir « // »"),
    ],
)
def test_mandate_reference_rules(text: str, fragment: str) -> None:
    refused = refusal(check_mandate_reference, text)
    assert refused.field == "reference"
    assert fragment in refused.message


def test_mandate_reference_is_upper_case_without_spaces() -> None:
    assert check_mandate_reference("rum 2019-0042") == "RUM2019-0042"


def test_sepa_text_spells_names_in_the_sepa_character_set() -> None:
    assert sepa_text("Zoé Lœvenbruck & Fils") == "Zoe Loevenbruck Fils"
    assert sepa_text("José-María Núñez") == "Jose-Maria Nunez"
    assert sepa_text("x" * 80) == "x" * 70


@given(st.text(max_size=200))
def test_sepa_text_only_ever_writes_the_sepa_character_set(text: str) -> None:
    written = sepa_text(text)
    assert re.fullmatch(r"[A-Za-z0-9/\-?:().,'+ ]*", written)
    assert len(written) <= 70
    assert written == written.strip()


def test_debtor_name_is_required() -> None:
    assert check_debtor_name("  Camille   Martin ") == "Camille Martin"
    refused = refusal(check_debtor_name, "  ")
    assert (refused.field, refused.message) == (
        "debtor_name",
        "Saisissez le nom du titulaire du compte à débiter.",
    )


def test_amounts_are_written_in_euros_with_two_decimals() -> None:
    assert amount_text(1299) == "12.99"
    assert amount_text(5) == "0.05"
    assert amount_text(123400) == "1234.00"
    with pytest.raises(ValueError):
        amount_text(0)


# Dates ------------------------------------------------------------------------------------------


def test_prenotification_leaves_at_least_ten_days_before() -> None:
    debit_on = date(2026, 12, 15)
    assert prenotification_deadline(debit_on) == date(2026, 12, 5)
    assert prenotified_in_time(sent_on=date(2026, 12, 5), debit_on=debit_on)
    assert not prenotified_in_time(sent_on=date(2026, 12, 6), debit_on=debit_on)


@given(st.dates(), st.integers(min_value=0, max_value=60))
def test_prenotified_in_time_means_ten_calendar_days(sent_on: date, days: int) -> None:
    debit_on = sent_on + timedelta(days=days)
    assert prenotified_in_time(sent_on=sent_on, debit_on=debit_on) == (days >= 10)


def test_first_collection_is_frst_then_rcur() -> None:
    assert sequence_type(collected_before=False) == SequenceType.FIRST == "FRST"
    assert sequence_type(collected_before=True) == SequenceType.RECURRENT == "RCUR"


def test_mandate_lapses_after_36_months_without_collection() -> None:
    last = date(2024, 1, 31)
    assert not mandate_lapsed(last_used_on=last, on=date(2027, 1, 31))
    assert mandate_lapsed(last_used_on=last, on=date(2027, 2, 1))


def test_settlement_moves_to_the_next_target_business_day() -> None:
    assert settlement_date(date(2026, 12, 15)) == date(2026, 12, 15)  # a Tuesday
    assert settlement_date(date(2026, 12, 19)) == date(2026, 12, 21)  # Saturday → Monday
    # Christmas (Friday), 26 December (TARGET2 closing day, a Saturday), Sunday → Monday.
    assert settlement_date(date(2026, 12, 25)) == date(2026, 12, 28)
    assert settlement_date(date(2027, 3, 26)) == date(2027, 3, 30)  # Good Friday, Easter Monday
    assert not is_target_day(date(2027, 5, 1))


def test_a_file_sent_today_asks_for_the_next_business_day_at_the_earliest() -> None:
    assert earliest_collection_date(date(2026, 12, 10)) == date(2026, 12, 11)
    assert earliest_collection_date(date(2026, 12, 11)) == date(2026, 12, 14)  # Friday → Monday


def test_return_reasons_in_french() -> None:
    assert return_reason("am04").label == "la provision sur le compte était insuffisante"
    assert return_reason("MD06").label == (
        "le titulaire du compte a demandé le remboursement du prélèvement"
    )
    assert return_reason("AC04").label == "le compte bancaire est clôturé"
    assert return_reason("ZZ99").label == "motif communiqué par la banque : ZZ99"
