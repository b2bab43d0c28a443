"""What rating needs from the catalog for one plan, precomputed once: rate frames, zone lookups
by calling code and visited network, special numbers, allowances.

Built from a `guichet.catalog.schema.Catalog` (pure pydantic, no Django), so a Spark executor can
build it from the packaged data files.
"""

from collections.abc import Mapping
from dataclasses import dataclass

import phonenumbers
import polars as pl

from guichet.catalog.schema import Catalog, SpecialNumber
from guichet.rating.money import KO_PER_MO, price_text

HOME = "FR"  # visited_network of mainland France (release.toml home_country)
SATELLITE_NETWORK = "satellite"  # visited_network of a satellite network (ship, plane)
AMBIGUOUS = "?"  # a calling code shared by countries of different zones: resolve per number

# Numbers of these regions are French numbers: calls/SMS/MMS to them from mainland France are
# "en France", included (plans.toml woot-100go interpretation; rates.toml from-france-voice zone 1).
FRENCH_NUMBER_REGIONS = frozenset({"FR", "GP", "GF", "MQ", "YT", "RE", "BL", "MF", "PM"})

CHARGING_TEXT: Mapping[str, str] = {
    "first_minute_then_per_second": "first minute indivisible",
    "first_30s_then_per_second": "first 30 s indivisible",
    "per_second": "per second",
}
# Seconds billed at least, once a call has lasted at least one second (rates.toml [[charging]]).
CHARGING_MINIMUM_S: Mapping[str, int] = {
    "first_minute_then_per_second": 60,
    "first_30s_then_per_second": 30,
    "per_second": 0,
}
UNIT_TEXT: Mapping[str, str] = {
    "per_minute": "€/min",
    "per_recipient": "€/recipient",
    "per_mo": "€/Mo",
}


@dataclass(frozen=True, slots=True)
class Tariff:
    """The rating view of one plan of one catalog release."""

    plan_code: str
    plan_name: str
    home_zone: str  # destination zone of a French number called from abroad ("1")
    rest_of_world_zone: str
    satellite_zone: str | None
    roaming_zones: frozenset[str]  # zones where the plan applies as at home ("1")
    data_total_ko: int  # data allowance of the period, France + roaming zones (100 Go)
    data_roaming_ko: int  # of which at most this much from the roaming zones (17 Go)
    throttled_kbps: int | None
    zone_labels: Mapping[str, str]  # "1" → "zone 1", HOME → "France"
    visited_zones: Mapping[str, str]  # visited_network → zone code (HOME → HOME)
    zone_of_region: Mapping[str, str]  # ISO 3166-1 alpha-2 → zone
    calling_codes: Mapping[str, tuple[str, bool]]  # "33" → ("1", French?) or (AMBIGUOUS, False)
    satellite_prefixes: tuple[str, ...]  # digits after "+": "870", "881", "88216"
    special_exact: Mapping[str, str]  # national digits → special number code
    special_prefixes: Mapping[str, str]  # national digit prefix → special number code
    specials: Mapping[str, SpecialNumber]
    rates: pl.DataFrame  # one row per out-of-bundle price (see _rate_frame)

    @property
    def specials_frame(self) -> pl.DataFrame:
        rows = [
            {
                "special": code,
                "special_pricing": entry.pricing,
                "special_name": entry.name,
                "special_per_call_micro_eur": entry.per_call_micro_eur or 0,
                "special_per_minute_micro_eur": entry.per_minute_micro_eur or 0,
                "special_minimum_s": CHARGING_MINIMUM_S[entry.charging or "per_second"],
                "special_text": _surcharge_text(entry),
            }
            for code, entry in self.specials.items()
        ]
        return pl.DataFrame(
            rows,
            schema={
                "special": pl.String,
                "special_pricing": pl.String,
                "special_name": pl.String,
                "special_per_call_micro_eur": pl.Int64,
                "special_per_minute_micro_eur": pl.Int64,
                "special_minimum_s": pl.Int64,
                "special_text": pl.String,
            },
        )

    def region_zone(self, region: str) -> str:
        """The zone of a region; regions unknown to countries.toml (Kosovo "XK", Ascension
        "AC"…) and non-geographic networks ("001") are the rest of the world."""
        return self.zone_of_region.get(region, self.rest_of_world_zone)


def tariff_for_plan(catalog: Catalog, plan_code: str) -> Tariff:
    """Precompute the rating view of `plan_code` (raises CatalogError if unknown)."""
    plan = catalog.plan(plan_code)
    zone_of_region = {c.code: catalog.zone_of_country(c.code) for c in catalog.countries.country}
    rest = next(zone.code for zone in catalog.zones if zone.rest_of_world)
    satellite = next((zone for zone in catalog.zones if zone.calling_codes), None)
    labels = {zone.code: zone.label for zone in catalog.zones} | {HOME: "France"}
    visited = {region: zone for region, zone in zone_of_region.items() if region != HOME}
    visited[HOME] = HOME
    if satellite is not None:
        visited[SATELLITE_NETWORK] = satellite.code
    return Tariff(
        plan_code=plan.code,
        plan_name=plan.name,
        home_zone=catalog.zone_of_country(catalog.release.home_country),
        rest_of_world_zone=rest,
        satellite_zone=None if satellite is None else satellite.code,
        roaming_zones=frozenset(plan.roaming.zones),
        data_total_ko=_data_ko(plan.france.data_mo),
        data_roaming_ko=_data_ko(plan.roaming.data_mo),
        throttled_kbps=plan.throttled_kbps,
        zone_labels=labels,
        visited_zones=visited,
        zone_of_region=zone_of_region,
        calling_codes=_calling_codes(zone_of_region, rest),
        satellite_prefixes=() if satellite is None else satellite.calling_codes,
        special_exact={n: e.code for e in catalog.numbers for n in e.numbers},
        special_prefixes={p: e.code for e in catalog.numbers for p in e.prefixes},
        specials={e.code: e for e in catalog.numbers if e.recognised_by == "digits"},
        rates=_rate_frame(catalog, labels),
    )


def _surcharge_text(entry: SpecialNumber) -> str:
    """ "Sonneries au 766: 1.35 € per call + 0.34 €/min, per second" (Services multimédia)."""
    parts = []
    if entry.per_call_micro_eur:
        parts.append(f"{price_text(entry.per_call_micro_eur)} € per call")
    if entry.per_minute_micro_eur:
        charging = CHARGING_TEXT[entry.charging or "per_second"]
        parts.append(f"{price_text(entry.per_minute_micro_eur)} €/min, {charging}")
    return f"{entry.name}: {' + '.join(parts)}" if parts else entry.name


def _data_ko(mo: int | None) -> int:
    return 0 if mo is None else mo * KO_PER_MO


def _calling_codes(zone_of_region: Mapping[str, str], rest: str) -> dict[str, tuple[str, bool]]:
    codes: dict[str, tuple[str, bool]] = {}
    for code, regions in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items():
        kinds = {(zone_of_region.get(r, rest), r in FRENCH_NUMBER_REGIONS) for r in regions}
        codes[str(code)] = kinds.pop() if len(kinds) == 1 else (AMBIGUOUS, False)
    return codes


def _rate_frame(catalog: Catalog, labels: Mapping[str, str]) -> pl.DataFrame:
    """Every out-of-bundle price for all travellers (International §2), with the text of the
    rule for the record's reason. origin is "" for from_france, destination "" for data and
    received_abroad."""
    rows = []
    for rate in catalog.rates:
        if rate.travellers != "all":
            continue  # non-occasional traveller prices: fair use, not rated yet
        origin = rate.origin or ""
        destination = rate.destination or ""
        price = f"{price_text(rate.price_micro_eur)} {UNIT_TEXT[rate.unit]}"
        if rate.charging is not None:
            price = f"{price}, {CHARGING_TEXT[rate.charging]}"
        if rate.direction == "from_france":
            where = f"from France to {labels[destination]}"
        elif rate.direction == "received_abroad":
            where = f"received in {labels[origin]}"
        elif rate.service == "data":
            where = f"data in {labels[origin]}"
        else:
            where = f"from {labels[origin]} to {labels[destination]}"
        rows.append(
            {
                "rate_direction": rate.direction,
                "rate_service": rate.service,
                "rate_origin": origin,
                "rate_destination": destination,
                "price_micro_eur": rate.price_micro_eur,
                "rate_minimum_s": CHARGING_MINIMUM_S[rate.charging] if rate.charging else 0,
                "rate_text": f"{where}: {price}",
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "rate_direction": pl.String,
            "rate_service": pl.String,
            "rate_origin": pl.String,
            "rate_destination": pl.String,
            "price_micro_eur": pl.Int64,
            "rate_minimum_s": pl.Int64,
            "rate_text": pl.String,
        },
    )
