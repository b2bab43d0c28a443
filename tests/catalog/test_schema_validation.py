"""Broken copies of the data files are refused with every problem named: file, entry, field."""

from pathlib import Path

import pytest

from guichet.catalog.errors import CatalogError, CatalogErrorCode, Problem
from guichet.catalog.schema import catalog_checksum, load_catalog, read_catalog_files
from tests.catalog.conftest import DATA_DIR, Edit


def refusal(directory: Path) -> CatalogError:
    with pytest.raises(CatalogError) as refused:
        load_catalog(directory)
    assert refused.value.code == CatalogErrorCode.INVALID_DATA
    return refused.value


def test_the_shipped_files_are_valid():
    catalog = load_catalog(DATA_DIR)
    assert catalog.release.version == "2022-12-08.2"


def test_missing_source_is_named(data_copy: Path, edit: Edit):
    edit(
        "options.toml",
        'source = "Options et recharges §5, Options tranquillité"\ninterpretation = "Section',
        'source = " "\ninterpretation = "Section',
    )
    error = refusal(data_copy)
    assert error.problems == (
        Problem(
            file="options.toml",
            entry="option[9] 'digital-coach'",
            field="source",
            message="Value error, must not be empty (got ' ')",
        ),
    )


def test_absent_source_key_is_named(data_copy: Path, edit: Edit):
    edit("zones.toml", 'source = "International §1, Zone 1 bis"\n', "")
    error = refusal(data_copy)
    assert error.problems == (Problem("zones.toml", "zone[1] '1bis'", "source", "Field required"),)


def test_float_price_is_refused(data_copy: Path, edit: Edit):
    edit("plans.toml", 'price_eur = "12.99"', "price_eur = 12.99")
    error = refusal(data_copy)
    (problem,) = error.problems
    assert (problem.file, problem.entry, problem.field) == (
        "plans.toml",
        "plan[0] 'woot-100go'",
        "price_eur",
    )
    assert problem.message == (
        'Value error, write amounts as a quoted decimal string, e.g. "12.99": TOML numbers '
        "are refused (money is never a float) (got 12.99)"
    )


@pytest.mark.parametrize(
    ("printed", "message"),
    [
        ("1,50", 'Value error, \'1,50\' is not a decimal amount such as "12.99" or "0.00216"'),
        ("1.5000001", "Value error, '1.5000001' has more than 6 decimal places"),
        ("-1.50", 'Value error, \'-1.50\' is not a decimal amount such as "12.99" or "0.00216"'),
    ],
)
def test_malformed_rate_is_refused(data_copy: Path, edit: Edit, printed: str, message: str):
    edit(
        "rates.toml",
        '{ destination = "3", price_eur = "1.50" }',
        f'{{ destination = "3", price_eur = "{printed}" }}',
    )
    error = refusal(data_copy)
    (problem,) = error.problems
    assert (problem.file, problem.entry, problem.field) == (
        "rates.toml",
        "table[0] 'from-france-voice'",
        "cell[3].price_eur",
    )
    assert problem.message == f"{message} (got {printed!r})"


def test_fixed_price_with_three_decimals_is_refused(data_copy: Path, edit: Edit):
    edit("options.toml", 'price_eur = "3.49"', 'price_eur = "3.490"')
    (problem,) = refusal(data_copy).problems
    assert (problem.entry, problem.field) == ("option[9] 'digital-coach'", "price_eur")
    assert problem.message == "Value error, '3.490' has more than 2 decimal places (got '3.490')"


def test_unknown_zone_in_a_rate_is_named(data_copy: Path, edit: Edit):
    sms_from_zone_2_to_3 = '{ origin = "2", destination = "3", price_eur = "0.30"'
    edit("rates.toml", sms_from_zone_2_to_3, sms_from_zone_2_to_3.replace('"3"', '"4"'))
    error = refusal(data_copy)
    assert error.message == "The catalog data files are inconsistent"
    assert error.problems == (
        Problem(
            "rates.toml", "table[6] 'from-abroad-sms'", "cell[15].destination", "unknown zone '4'"
        ),
        Problem("rates.toml", "table[6] 'from-abroad-sms'", "cell", "no price from 2 to 3"),
    )


def test_missing_rate_cell_is_named(data_copy: Path, edit: Edit):
    edit("rates.toml", '  { origin = "3", price_eur = "1" },\n', "")
    error = refusal(data_copy)
    assert error.problems == (
        Problem(
            "rates.toml", "table[9] 'received-abroad-calls'", "cell", "no price from 3 to (in zone)"
        ),
    )


def test_country_in_two_zones_is_named(data_copy: Path, edit: Edit):
    edit("zones.toml", 'countries = ["TN"]', 'countries = ["TN", "MA"]')
    error = refusal(data_copy)
    assert error.problems == (
        Problem("zones.toml", "zone[4] '3bis'", "countries", "MA is already in zone '2'"),
    )


def test_unknown_country_code_is_named(data_copy: Path, edit: Edit):
    edit(
        "top_ups.toml",
        'data_countries = ["US", "CA", "CH"]\ndescription = "500 Mo',
        'data_countries = ["US", "CA", "ZZ"]\ndescription = "500 Mo',
    )
    error = refusal(data_copy)
    assert error.problems == (
        Problem(
            "top_ups.toml",
            "top_up[3] 'data-usa-canada-500mo'",
            "data_countries",
            "'ZZ' is not a country code of countries.toml",
        ),
    )


def test_incompatibility_must_reference_an_option_that_lists_it_back(data_copy: Path, edit: Edit):
    edit(
        "options.toml",
        'incompatible_with = ["blocage"]',
        'incompatible_with = ["blocage", "blocage-total"]',
    )
    edit(
        "options.toml", 'incompatible_with = ["blocage-numeros-surtaxes"]', "incompatible_with = []"
    )
    error = refusal(data_copy)
    assert error.problems == (
        Problem(
            "options.toml",
            "option[11] 'blocage-numeros-surtaxes'",
            "incompatible_with",
            "'blocage' does not list 'blocage-numeros-surtaxes' back",
        ),
        Problem(
            "options.toml",
            "option[11] 'blocage-numeros-surtaxes'",
            "incompatible_with",
            "unknown option 'blocage-total'",
        ),
    )


def test_footnote_and_effect_must_agree(data_copy: Path, edit: Edit):
    # Digital Coach cites note (4): a change applies at the next renewal, not immediately.
    digital_coach = (
        'change_effect = "next_renewal"\nrenewal = "monthly_tacit"\n'
        'channels = ["selfcare", "customer_service"]\ndescription = "Solution'
    )
    edit("options.toml", digital_coach, digital_coach.replace("next_renewal", "immediate"))
    (problem,) = refusal(data_copy).problems
    assert (problem.entry, problem.field) == ("option[9] 'digital-coach'", "(entry)")
    assert problem.message.startswith("Value error, note (4) means change_effect next_renewal")


def test_plan_price_must_be_list_price_minus_discount(data_copy: Path, edit: Edit):
    edit("plans.toml", 'discount_eur = "5"', 'discount_eur = "4"')
    (problem,) = refusal(data_copy).problems
    assert problem.message.startswith(
        "Value error, price_eur 12.99 is not list_price_eur 17.99 minus discount_eur 4"
    )


def test_unknown_plan_reference_is_named(data_copy: Path, edit: Edit):
    edit("bill_advance.toml", '"woot-20go-exemple"]', '"woot-50go"]')
    assert refusal(data_copy).problems == (
        Problem("bill_advance.toml", "(top level)", "plans", "unknown plan 'woot-50go'"),
    )


def test_every_problem_is_reported_at_once(data_copy: Path, edit: Edit):
    edit("plans.toml", 'price_eur = "12.99"', "price_eur = 12.99")
    edit("fees.toml", 'amount_eur = "500"', "amount_eur = 500")
    (data_copy / "option.toml").write_text("", encoding="utf-8")
    (data_copy / "terms.toml").unlink()
    error = refusal(data_copy)
    assert [(p.file, p.entry, p.field) for p in error.problems] == [
        ("option.toml", "(file)", "(name)"),
        ("terms.toml", "(file)", "(name)"),
        ("plans.toml", "plan[0] 'woot-100go'", "price_eur"),
        ("fees.toml", "security_deposit", "amount_eur"),
    ]
    assert str(error).startswith("The catalog data files are invalid\n  - option.toml: (file):")


def test_toml_syntax_error_is_named(data_copy: Path):
    (data_copy / "release.toml").write_text('version = "2022-12-08.2\n', encoding="utf-8")
    (problem,) = refusal(data_copy).problems
    assert (problem.file, problem.field) == ("release.toml", "(syntax)")
    assert problem.message.startswith("not valid TOML: ")


def test_missing_directory_is_refused(tmp_path: Path):
    error = refusal(tmp_path / "nowhere")
    assert error.message == f"The catalog directory {tmp_path / 'nowhere'} does not exist"


def test_checksum_changes_with_any_byte(data_copy: Path, edit: Edit):
    before = catalog_checksum(read_catalog_files(data_copy))
    assert before == catalog_checksum(read_catalog_files(DATA_DIR))
    edit("terms.toml", "porting_code_length = 12", "porting_code_length = 12 ")
    assert catalog_checksum(read_catalog_files(data_copy)) != before
