"""What rating needs from the catalog for one plan, precomputed once: rate frames, zone lookups
by calling code and visited network, special numbers, allowances.

Built from a `guichet.catalog.schema.Catalog` (pure pydantic, no Django), so a Spark executor can
build it from the packaged data files.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

import phonenumbers
import polars as pl

from guichet.catalog.schema import Allowance, Catalog, Option, Plan, SpecialNumber, TopUp, ratio
from guichet.rating.money import KO_PER_MO, SECONDS_PER_MINUTE, price_text

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
# The services an option or top-up allowance counts, and their unit: calls (voice and video, as
# the plan reads "appels") in billed seconds, SMS in messages, data in Ko.
CALLS_ALLOWANCE, SMS_ALLOWANCE, DATA_ALLOWANCE = "voice", "sms", "data"
ALLOWANCE_UNIT: Mapping[str, str] = {
    CALLS_ALLOWANCE: "s",
    SMS_ALLOWANCE: "SMS",
    DATA_ALLOWANCE: "Ko",
}
UNIT_TEXT: Mapping[str, str] = {
    "per_minute": "€/min",
    "per_recipient": "€/recipient",
    "per_mo": "€/Mo",
}


@dataclass(frozen=True, slots=True)
class RouteRule:
    """Calls and SMS from any of `from_countries` to a number of any of `to_countries` (ISO
    codes; "FR" is mainland France, a +33 or national number) of the given line types."""

    from_countries: frozenset[str]
    to_countries: frozenset[str]
    landline: bool
    mobile: bool


@dataclass(frozen=True, slots=True)
class ProductRule:
    """What rating needs of one option or top-up sold with the plan (options.toml,
    top_ups.toml). Quantities per service: None means the product includes none of it; an
    unlimited service has `*_unlimited` set and no quantity."""

    code: str
    name: str
    kind: Literal["option", "top_up"]
    category: str
    voice_s: int | None  # calls, in billed seconds (counting rule of the International pages)
    voice_unlimited: bool
    sms: int | None
    sms_unlimited: bool
    data_ko: int | None
    routes: tuple[RouteRule, ...]
    data_countries: frozenset[str]  # where its data is used ("FR": the speed restoration)
    max_call_s: int | None  # at most this much of one call is included (3 h)
    max_recipients: int | None  # distinct numbers called per period (99)
    validity_days: int | None  # top-ups: usable this many days (× 24 h) from activation
    blocks: frozenset[str]  # usages it blocks (options.toml `blocks`)
    international_access: bool  # the option that opens international usage

    @property
    def label(self) -> str:
        """ "option Appels illimités vers les fixes de 85 destinations" for a reason."""
        return f"{'top-up' if self.kind == 'top_up' else 'option'} {self.name}"

    def allowance(self, service: str) -> int | None:
        """The quantity included of a service (s, SMS, Ko); None if unlimited or not included
        (see `includes`)."""
        return {
            CALLS_ALLOWANCE: self.voice_s,
            SMS_ALLOWANCE: self.sms,
            DATA_ALLOWANCE: self.data_ko,
        }[service]

    def includes(self, service: str) -> bool:
        return self.allowance(service) is not None or (
            (service == CALLS_ALLOWANCE and self.voice_unlimited)
            or (service == SMS_ALLOWANCE and self.sms_unlimited)
        )


@dataclass(frozen=True, slots=True)
class FairUseRule:
    """Plans.toml `fair_use` (Récapitulatif contractuel; CGS 6.2; Options et recharges §6 note
    (2)): over `window_days` consecutive days, more than `roaming_only_days_more_than` days of
    use only in roaming in `zones`, and more than `roaming_share_more_than` of the usage there."""

    zones: frozenset[str]
    window_days: int
    roaming_only_days_more_than: int
    roaming_share_more_than: Fraction


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
    # The prices of a non-occasional traveller where they differ (same columns as `rates`).
    non_occasional_rates: pl.DataFrame | None = None
    # Options and top-ups sold with the plan, by product code.
    products: Mapping[str, ProductRule] = field(default_factory=dict)
    fair_use: FairUseRule | None = None
    # First 3 digits of an E.164 number → ISO region of its calling code (AMBIGUOUS when the
    # code is shared by several regions: resolved number by number).
    region_prefixes: Mapping[str, str] = field(default_factory=dict)
    # The plan includes at most this much of one call it includes (plans.toml call_limits, 3 h):
    # the rest is out of bundle. None: no cap.
    max_included_call_s: int | None = None

    @property
    def top_ups_with_validity(self) -> frozenset[str]:
        """Top-ups valid a number of days from activation: a plan renewal does not end them
        (see `Counters.carried_into_next_period`)."""
        return frozenset(
            code for code, product in self.products.items() if product.validity_days is not None
        )

    @property
    def allowance_rules(self) -> pl.DataFrame:
        """One row per product and service it includes (ALLOWANCE_RULES_SCHEMA)."""
        return _allowance_rules(self.products.values())

    @property
    def allowance_routes(self) -> pl.DataFrame:
        """One row per product, service, origin country and destination country it covers
        (ALLOWANCE_ROUTES_SCHEMA); data rows have destination ""."""
        return _allowance_routes(self.products.values())

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
        non_occasional_rates=_rate_frame(catalog, labels, "non_occasional"),
        products=_products(catalog, plan),
        fair_use=FairUseRule(
            zones=frozenset(plan.fair_use.zones),
            window_days=plan.fair_use.window_days,
            roaming_only_days_more_than=plan.fair_use.roaming_only_days_more_than,
            roaming_share_more_than=Fraction(ratio(plan.fair_use.roaming_usage_share_more_than)),
        ),
        region_prefixes=_region_prefixes(),
        max_included_call_s=plan.call_limits.max_call_minutes * SECONDS_PER_MINUTE,
    )


def _products(catalog: Catalog, plan: Plan) -> dict[str, ProductRule]:
    products: list[Option | TopUp] = [
        *catalog.options_for_plan(plan.code),
        *catalog.top_ups_for_plan(plan.code),
    ]
    return {product.code: _product_rule(product, plan) for product in products}


def _product_rule(product: Option | TopUp, plan: Plan) -> ProductRule:
    allowance = product.allowance or Allowance()
    data_countries = frozenset(product.data_countries)
    data_ko = None if allowance.data_mo is None else allowance.data_mo * KO_PER_MO
    if isinstance(product, TopUp) and product.restores_plan_data_in is not None:
        # Options et recharges §1 and note (2): the speed restoration gives back "un volume
        # d'échange de données identique à celui proposé dans votre offre en France
        # métropolitaine", used where it restores the speed.
        data_countries = frozenset({product.restores_plan_data_in})
        data_ko = _data_ko(plan.france.data_mo)
    if isinstance(product, Option):
        max_call_s = (
            None
            if product.max_call_minutes is None
            else product.max_call_minutes * SECONDS_PER_MINUTE
        )
        max_recipients, validity_days = product.max_recipients_per_month, None
        blocks = frozenset(product.blocks)
    else:
        max_call_s = max_recipients = None
        validity_days, blocks = product.validity_days, frozenset()
    return ProductRule(
        code=product.code,
        name=product.name,
        kind="option" if isinstance(product, Option) else "top_up",
        category=product.category,
        voice_s=None
        if allowance.voice_minutes is None
        else allowance.voice_minutes * SECONDS_PER_MINUTE,
        voice_unlimited=allowance.voice_unlimited,
        sms=allowance.sms,
        sms_unlimited=allowance.sms_unlimited,
        data_ko=data_ko,
        routes=tuple(
            RouteRule(
                from_countries=frozenset(route.from_countries),
                to_countries=frozenset(route.to_countries),
                landline="landline" in route.to_lines,
                mobile="mobile" in route.to_lines,
            )
            for route in product.routes
        ),
        data_countries=data_countries,
        max_call_s=max_call_s,
        max_recipients=max_recipients,
        validity_days=validity_days,
        blocks=blocks,
        international_access=product.category == "international_access",
    )


ALLOWANCE_RULES_SCHEMA: dict[str, pl.DataType] = {
    "product_code": pl.String(),
    "service": pl.String(),  # CALLS_ALLOWANCE, SMS_ALLOWANCE or DATA_ALLOWANCE
    "allowance": pl.Int64(),  # s, SMS or Ko; null: unlimited
    "max_call_s": pl.Int64(),
    "max_recipients": pl.Int64(),
    "validity_days": pl.Int64(),
}
ALLOWANCE_ROUTES_SCHEMA: dict[str, pl.DataType] = {
    "product_code": pl.String(),
    "service": pl.String(),
    "from_country": pl.String(),
    "to_country": pl.String(),  # "" for data
    "landline": pl.Boolean(),
    "mobile": pl.Boolean(),
}


def _allowance_rules(products: Iterable[ProductRule]) -> pl.DataFrame:
    rows = [
        {
            "product_code": product.code,
            "service": service,
            "allowance": product.allowance(service),
            "max_call_s": product.max_call_s if service == CALLS_ALLOWANCE else None,
            "max_recipients": product.max_recipients if service == CALLS_ALLOWANCE else None,
            "validity_days": product.validity_days,
        }
        for product in products
        for service in (CALLS_ALLOWANCE, SMS_ALLOWANCE, DATA_ALLOWANCE)
        if product.includes(service)
    ]
    return pl.DataFrame(rows, schema=ALLOWANCE_RULES_SCHEMA)


def _allowance_routes(products: Iterable[ProductRule]) -> pl.DataFrame:
    rows: list[dict[str, str | bool]] = []
    for product in products:
        for service in (CALLS_ALLOWANCE, SMS_ALLOWANCE):
            if not product.includes(service):
                continue
            rows.extend(
                {
                    "product_code": product.code,
                    "service": service,
                    "from_country": origin,
                    "to_country": destination,
                    "landline": route.landline,
                    "mobile": route.mobile,
                }
                for route in product.routes
                for origin in sorted(route.from_countries)
                for destination in sorted(route.to_countries)
            )
        if product.includes(DATA_ALLOWANCE):
            rows.extend(
                {
                    "product_code": product.code,
                    "service": DATA_ALLOWANCE,
                    "from_country": country,
                    "to_country": "",
                    "landline": True,
                    "mobile": True,
                }
                for country in sorted(product.data_countries)
            )
    # Two routes of one product may name the same pair: one row, the line types of both.
    return (
        pl.DataFrame(rows, schema=ALLOWANCE_ROUTES_SCHEMA)
        .group_by("product_code", "service", "from_country", "to_country", maintain_order=True)
        .agg(pl.col("landline").any(), pl.col("mobile").any())
    )


def _region_prefixes() -> dict[str, str]:
    """First 3 digits of an E.164 number → the region of its calling code, or AMBIGUOUS."""
    regions: dict[str, str] = {}
    codes = phonenumbers.COUNTRY_CODE_TO_REGION_CODE
    for number in range(100, 1000):
        prefix = str(number)
        for length in (1, 2, 3):
            code = int(prefix[:length])
            if code in codes:
                owners = codes[code]
                regions[prefix] = owners[0] if len(owners) == 1 else AMBIGUOUS
                break
    return regions


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


def _rate_frame(
    catalog: Catalog, labels: Mapping[str, str], travellers: str = "all"
) -> pl.DataFrame:
    """Every out-of-bundle price for `travellers` (International §2: "all", or the
    "non_occasional" cells of note (2)), with the text of the rule for the record's reason.
    origin is "" for from_france, destination "" for data and received_abroad."""
    rows = []
    for rate in catalog.rates:
        if rate.travellers != travellers:
            continue
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
