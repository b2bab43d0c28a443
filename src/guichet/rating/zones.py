"""Destination zones from `other_party` (International §1; zones.toml), in columns.

An E.164 number's calling code (prefix-free, 1 to 3 digits) gives its zone through a map computed
once from phonenumbers' code → regions table and the catalog's country → zone table. Only calling
codes shared by regions of different zones (+1: United States zone 2, Puerto Rico zone 3…) are
resolved number by number with phonenumbers, once per distinct number and process (a bounded
cache; a number valid in none of them takes the code's main country). Satellite networks are
recognised by their prefixes first (+870, +881, +882 16). Numbers that are not E.164 are national
digits (short codes 766, 200, 112…, or 0X XX XX XX XX): special numbers of numbers.toml, or a
French number; they are French numbers, so zone 1 ("France métropolitaine") from abroad.
"""

import functools

import phonenumbers
import polars as pl

from guichet.rating.records import E164, FRENCH_NATIONAL, NATIONAL_DIGITS, raw, sparse_text
from guichet.rating.tariff import AMBIGUOUS, Tariff

FRANCE_CALLING_CODE = "33"


DESTINATION_SCHEMA = {
    "dest_zone": pl.String,
    "dest_french": pl.Boolean,
    "special": pl.String,
    "dest_reason": pl.String,
}


def resolve_destinations(frame: pl.DataFrame, tariff: Tariff) -> pl.DataFrame:
    """Add `dest_zone`, `dest_french` (a French number, mainland or DOM), `special` (numbers.toml
    code or null) and `dest_reason` (why other_party cannot be rated, or null). Data records
    (no other_party) get nulls and False.

    Only the calls and messages are resolved (data is most of the records), then the results are
    put back at their rows."""
    not_data = (pl.col("service") != "data").fill_null(True)
    mask = frame.lazy().select(not_data).collect().to_series()
    # The two columns first: filtering the wide frame would copy all its columns.
    calls = _resolve(frame.select("other_party", raw("other_party")).filter(mask), tariff)
    rows = mask.arg_true()
    columns = []
    for name, dtype in DESTINATION_SCHEMA.items():
        empty = False if dtype == pl.Boolean else None
        full = pl.repeat(empty, frame.height, dtype=dtype, eager=True).alias(name)
        columns.append(full.scatter(rows, calls.get_column(name)) if rows.len() else full)
    return frame.with_columns(columns)


def _resolve(frame: pl.DataFrame, tariff: Tariff) -> pl.DataFrame:
    """The DESTINATION_SCHEMA columns of the calls and messages of `frame`, in its order."""
    party = pl.col("other_party")
    digits = party.str.slice(1)
    is_e164 = party.str.contains(E164).fill_null(False)
    is_national = party.str.contains(NATIONAL_DIGITS).fill_null(False)
    # Calling codes are prefix-free and 1 to 3 digits, and an E.164 number has at least 5
    # digits: its first 3 digits give its code and zone through one lookup table.
    prefixes = _prefix_table(tariff)
    french_codes = [code for code, (_, french) in tariff.calling_codes.items() if french]
    first3 = digits.str.slice(0, 3)
    cc_zone = first3.replace_strict(prefixes[0], default=None, return_dtype=pl.String)
    cc_code = first3.replace_strict(prefixes[1], default=None, return_dtype=pl.String)
    satellite = pl.lit(False)
    for prefix in tariff.satellite_prefixes:
        satellite = satellite | digits.str.starts_with(prefix)
    national = (
        pl.when(is_e164 & digits.str.starts_with(FRANCE_CALLING_CODE))
        .then(pl.concat_str([pl.lit("0"), digits.str.slice(len(FRANCE_CALLING_CODE))]))
        .when(is_national)
        .then(party)
    )
    special_lookups = [national.replace_strict(dict(tariff.special_exact), default=None)]
    for length in sorted({len(prefix) for prefix in tariff.special_prefixes}, reverse=True):
        special_lookups.append(
            national.str.slice(0, length).replace_strict(
                dict(tariff.special_prefixes), default=None
            )
        )
    out = (
        frame.lazy()
        .with_columns(
            _e164=is_e164,
            _national=is_national,
            _cc_zone=pl.when(is_e164).then(cc_zone),
            _cc=pl.when(is_e164).then(cc_code),
            _satellite=is_e164 & satellite,
            special=pl.when(is_national | is_e164).then(pl.coalesce(special_lookups)),
            _fr_national=party.str.contains(FRENCH_NATIONAL).fill_null(False),
        )
        .collect()
    )
    out = _resolve_ambiguous(out, tariff)
    french_number = (
        (pl.col("_national") & (pl.col("special").is_not_null() | pl.col("_fr_national")))
        | (pl.col("_e164") & pl.col("_cc").is_in(french_codes) & ~pl.col("_satellite"))
        | (pl.col("_e164") & pl.col("special").is_not_null())
    )
    dest_zone = (
        pl.when(pl.col("_satellite"))
        .then(pl.lit(tariff.satellite_zone))
        .when(pl.col("_national") & french_number)
        .then(pl.lit(tariff.home_zone))
        .when(pl.col("_e164") & (pl.col("_cc_zone") == AMBIGUOUS))
        .then(pl.col("_number_zone"))
        .when(pl.col("_e164"))
        .then(pl.col("_cc_zone"))
    )
    shown = pl.concat_str([pl.lit("'"), pl.col(raw("other_party")), pl.lit("'")])
    dest_reason = (
        pl.when(~pl.col("_e164") & ~pl.col("_national"))
        .then(pl.format("unparseable other_party {} (expected E.164 or a short code)", shown))
        .when(pl.col("_national") & ~french_number)
        .then(pl.format("unknown short code other_party {} (not in numbers.toml)", shown))
        .when(pl.col("_e164") & pl.col("_cc").is_null())
        .then(pl.format("unknown calling code in other_party {}", shown))
        .when(dest_zone.is_null())
        .then(pl.format("other_party {} matches no country of its calling code", shown))
    )
    flagged = (
        (~pl.col("_e164") & ~pl.col("_national"))
        | (pl.col("_national") & ~french_number)
        | (pl.col("_e164") & pl.col("_cc").is_null())
        | dest_zone.is_null()
    )
    return out.select(
        dest_zone=dest_zone,
        dest_french=french_number.fill_null(False),
        special=pl.col("special"),
        dest_reason=sparse_text(out, dest_reason, flagged=flagged),
    )


def _prefix_table(tariff: Tariff) -> tuple[dict[str, str], dict[str, str]]:
    """First 3 digits of an E.164 number → (zone of its calling code, its calling code), for the
    prefixes that start with a known code."""
    zones: dict[str, str] = {}
    codes: dict[str, str] = {}
    for number in range(100, 1000):
        prefix = str(number)
        for length in (1, 2, 3):
            code = prefix[:length]
            if code in tariff.calling_codes:
                zones[prefix] = tariff.calling_codes[code][0]
                codes[prefix] = code
                break
    return zones, codes


def _resolve_ambiguous(frame: pl.DataFrame, tariff: Tariff) -> pl.DataFrame:
    """Zone of the numbers whose calling code is shared by zones, once per distinct number."""
    numbers = (
        frame.filter(pl.col("_cc_zone") == AMBIGUOUS)
        .select(pl.col("other_party").alias("_party"))
        .unique()
        .to_series()
        .to_list()
    )
    zones: list[str | None] = []
    for number in numbers:
        region = _region(number)
        zones.append(None if region is None else tariff.region_zone(region))
    lookup = pl.DataFrame(
        {"_party": numbers, "_number_zone": zones},
        schema={"_party": pl.String, "_number_zone": pl.String},
    )
    mask = frame.get_column("_cc_zone") == AMBIGUOUS
    zone = pl.repeat(None, frame.height, dtype=pl.String, eager=True).alias("_number_zone")
    if numbers:
        found = (
            frame.filter(mask)
            .select(_party=pl.col("other_party"))
            .join(lookup, on="_party", how="left", maintain_order="left")
            .get_column("_number_zone")
        )
        zone = zone.scatter(mask.fill_null(False).arg_true(), found)
    return frame.with_columns(zone)


# Per process, not per batch: the same numbers come back from one file or chunk to the next.
@functools.lru_cache(maxsize=1 << 16)
def _region(number: str) -> str | None:
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return None
    region = phonenumbers.region_code_for_number(parsed)
    if region in (None, "ZZ") and parsed.country_code is not None:
        # Not a valid number of any region sharing the code: rated like the code's main country
        # (+1 → US, +44 → GB), as numbers of unshared codes, which are not validated either.
        region = phonenumbers.region_code_for_country_code(parsed.country_code)
    return None if region in (None, "ZZ") else str(region)
