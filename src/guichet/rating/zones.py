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

from guichet.rating.records import E164, FRENCH_NATIONAL, NATIONAL_DIGITS, raw, sparse_text, spread
from guichet.rating.tariff import AMBIGUOUS, Tariff

FRANCE_CALLING_CODE = "33"
# E.164 or national digits, the two shapes of a rateable other_party, told apart by the "+".
READABLE = f"^(?:{E164[1:-1]}|{NATIONAL_DIGITS[1:-1]})$"


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
    found = spread(calls, mask).with_columns(pl.col("dest_french").fill_null(False))
    return frame.with_columns(found)


def _resolve(frame: pl.DataFrame, tariff: Tariff) -> pl.DataFrame:
    """The DESTINATION_SCHEMA columns of the calls and messages of `frame`, in its order."""
    party = pl.col("other_party")
    readable = party.str.contains(READABLE).fill_null(False)
    is_e164 = readable & party.str.starts_with("+")
    satellite = pl.any_horizontal(
        pl.lit(False),
        *(party.str.starts_with(f"+{prefix}") for prefix in tariff.satellite_prefixes),
    )
    # Calling codes are prefix-free and 1 to 3 digits, and an E.164 number has at least 5
    # digits: its first 3 digits, as a number, index the tables of their code's zone and
    # Frenchness.
    first3 = party.str.slice(1, 3).cast(pl.UInt16, strict=False)
    zones, french = _prefix_tables(tariff)
    out = (
        frame.lazy()
        .with_columns(
            _e164=is_e164,
            _national=readable & ~is_e164,
            _cc_zone=pl.when(is_e164).then(pl.lit(zones).gather(first3)),
            _cc_french=is_e164 & pl.lit(french).gather(first3),
            _satellite=is_e164 & satellite,
            _maybe_special=readable & _maybe_special(party, tariff),
        )
        .collect()
    )
    out = out.with_columns(*_specials(out, tariff), _resolve_ambiguous(out, tariff))
    french_number = (
        (pl.col("_national") & (pl.col("special").is_not_null() | pl.col("_fr_national")))
        | (pl.col("_cc_french") & ~pl.col("_satellite"))
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
        .when(pl.col("_e164") & pl.col("_cc_zone").is_null())
        .then(pl.format("unknown calling code in other_party {}", shown))
        .when(dest_zone.is_null())
        .then(pl.format("other_party {} matches no country of its calling code", shown))
    )
    flagged = (
        (~pl.col("_e164") & ~pl.col("_national"))
        | (pl.col("_national") & ~french_number)
        | (pl.col("_e164") & pl.col("_cc_zone").is_null())
        | dest_zone.is_null()
    )
    return out.select(
        dest_zone=dest_zone,
        dest_french=french_number,
        special=pl.col("special"),
        dest_reason=sparse_text(out, dest_reason, flagged=flagged),
    )


def _prefix_tables(tariff: Tariff) -> tuple[pl.Series, pl.Series]:
    """Indexed by the first 3 digits of an E.164 number (0 to 999): the zone of its calling
    code (null for no known code), and whether the code is French."""
    zones: list[str | None] = [None] * 1000
    french = [False] * 1000
    for number in range(100, 1000):
        prefix = str(number)
        for length in (1, 2, 3):
            code = prefix[:length]
            if code in tariff.calling_codes:
                zones[number], french[number] = tariff.calling_codes[code]
                break
    return pl.Series(zones, dtype=pl.String), pl.Series(french, dtype=pl.Boolean)


def _maybe_special(party: pl.Expr, tariff: Tariff) -> pl.Expr:
    """A readable number that may be a special number: national digits, or a French E.164
    number whose national form ("0" and the digits after +33) may start like one of the special
    numbers written with a leading 0 (+33 8…, +33 9…). Most numbers are not."""
    national_zero = [n for n in (*tariff.special_exact, *tariff.special_prefixes) if n[:1] == "0"]
    french = f"+{FRANCE_CALLING_CODE}"
    if any(len(number) < 2 for number in national_zero):
        return ~party.str.starts_with("+") | party.str.starts_with(french)
    return pl.any_horizontal(
        ~party.str.starts_with("+"),
        *(party.str.starts_with(french + digit) for digit in {n[1] for n in national_zero}),
    )


def _specials(frame: pl.DataFrame, tariff: Tariff) -> pl.DataFrame:
    """`special` (numbers.toml code) and `_fr_national` (a French national number), looked up on
    the rows that may be special only, in `frame`'s order."""
    party = pl.col("other_party")
    national = (
        pl.when(pl.col("_e164") & party.str.starts_with(f"+{FRANCE_CALLING_CODE}"))
        .then(pl.concat_str([pl.lit("0"), party.str.slice(1 + len(FRANCE_CALLING_CODE))]))
        .when(pl.col("_national"))
        .then(party)
    )
    lookups = [national.replace_strict(dict(tariff.special_exact), default=None)]
    for length in sorted({len(prefix) for prefix in tariff.special_prefixes}, reverse=True):
        lookups.append(
            national.str.slice(0, length).replace_strict(
                dict(tariff.special_prefixes), default=None
            )
        )
    mask = frame.get_column("_maybe_special")
    found = frame.filter(mask).select(
        special=pl.coalesce(lookups).cast(pl.String),
        _fr_national=party.str.contains(FRENCH_NATIONAL),
    )
    return spread(found, mask).with_columns(pl.col("_fr_national").fill_null(False))


def _resolve_ambiguous(frame: pl.DataFrame, tariff: Tariff) -> pl.Series:
    """`_number_zone`: zone of the numbers whose calling code is shared by zones, once per
    distinct number (null on the other rows)."""
    mask = (frame.get_column("_cc_zone") == AMBIGUOUS).fill_null(False)
    parties = frame.get_column("other_party").filter(mask)
    zones: dict[str, str | None] = {}
    for number in parties.unique().to_list():
        region = _region(number)
        zones[number] = None if region is None else tariff.region_zone(region)
    found = parties.replace_strict(zones, default=None, return_dtype=pl.String)
    return spread(found.alias("_number_zone").to_frame(), mask).to_series()


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
