"""The catalog as one typed, immutable object, loaded and validated from the data files.

Pure Python and pydantic: no Django import, so that the rating engine (which runs where Django is
not configured) reads the same catalog. `load_catalog(directory)` reads every `*.toml` file of the
data directory, validates each against its model, cross-checks them together (zones, countries,
rate coverage, product references) and returns a `Catalog`; anything wrong raises `CatalogError`
listing every problem with the file, the entry and the field.

Money is written in the files as decimal strings exactly as printed in the brochure ("0.00216") and
never as TOML floats. It is read as integers: fixed prices in cents (`price_cents`), rates in
micro-euros (`price_micro_eur`, 1 € = 1,000,000 µ€, enough for the brochure's 5 decimals).
"""

import hashlib
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic import Strict as StrictMode

from guichet.catalog.errors import CatalogError, CatalogErrorCode, Problem

__all__ = [
    "CATALOG_FILES",
    "Catalog",
    "CatalogError",
    "CatalogProduct",
    "Rate",
    "catalog_checksum",
    "catalog_from_files",
    "cents",
    "load_catalog",
    "micro_eur",
    "ratio",
    "read_catalog_files",
    "volume_mo",
]

CENTS_PER_EURO = 100
MICRO_EUR_PER_EURO = 1_000_000
MO_PER_GO = 1024  # release.toml, volume_units: binary multiples

# ---------------------------------------------------------------------------------------------
# Scalar types
# ---------------------------------------------------------------------------------------------

_DECIMAL_TEXT = re.compile(r"^(0|[1-9][0-9]*)(\.[0-9]+)?$")
_VOLUME_TEXT = re.compile(r"^([1-9][0-9]*) (Mo|Go)$")


def _refuse_toml_numbers(value: object) -> object:
    # TOML floats are binary floating point: "0.00216" must stay an exact decimal string.
    if isinstance(value, bool):
        return value
    if isinstance(value, float | int):
        raise ValueError(
            f'write amounts as a quoted decimal string, e.g. "{value}": TOML numbers are '
            "refused (money is never a float)"
        )
    return value


def _decimal_places(places: int) -> Any:
    def check(text: str) -> str:
        if not _DECIMAL_TEXT.match(text):
            raise ValueError(f'{text!r} is not a decimal amount such as "12.99" or "0.00216"')
        if len(text.partition(".")[2]) > places:
            raise ValueError(f"{text!r} has more than {places} decimal places")
        return text

    return AfterValidator(check)


def _require_text(text: str) -> str:
    if not text.strip():
        raise ValueError("must not be empty")
    return text


# Fixed prices (plans, options, fees…): euros with at most 2 decimals, read as cents.
EuroPrice = Annotated[str, BeforeValidator(_refuse_toml_numbers), _decimal_places(2)]
# Per-unit rates: euros with at most 6 decimals, read as micro-euros.
RatePrice = Annotated[str, BeforeValidator(_refuse_toml_numbers), _decimal_places(6)]
# Shares and multipliers ("1.5", "0.25"), read as Decimal.
Ratio = Annotated[str, BeforeValidator(_refuse_toml_numbers), _decimal_places(4)]
Volume = Annotated[str, StringConstraints(pattern=_VOLUME_TEXT.pattern)]
Text = Annotated[str, AfterValidator(_require_text)]
Source = Annotated[str, StringConstraints(max_length=200), AfterValidator(_require_text)]
Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=60)]
ZoneCode = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+$", max_length=20)]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Digits = Annotated[str, StringConstraints(pattern=r"^[0-9]+$")]
Count = Annotated[int, StrictMode(), Field(ge=0)]
PositiveCount = Annotated[int, StrictMode(), Field(ge=1)]
Footnote = Annotated[str, StringConstraints(pattern=r"^\(([0-9]|\*{1,2})\)$")]

Market = Literal["mobile", "fixed"]
ProductKindName = Literal["plan", "box_offer", "option", "top_up", "bonus", "service_fee"]
Direction = Literal["from_france", "from_abroad", "received_abroad"]
Service = Literal["voice", "video", "sms", "mms", "data"]
Unit = Literal["per_minute", "per_recipient", "per_mo"]
Charging = Literal["first_minute_then_per_second", "first_30s_then_per_second", "per_second"]
Travellers = Literal["all", "non_occasional"]
Effect = Literal["immediate", "next_renewal"]
Renewal = Literal["monthly_tacit", "none"]
Channel = Literal["selfcare", "customer_service", "ivr"]
LineType = Literal["landline", "mobile"]
Counting = Literal["international_pages"]
BlockedUsage = Literal[
    "out_of_bundle",
    "premium_rate_calls",
    "premium_rate_messages",
    "usage_abroad",
    "calls_received_abroad",
    "international_calls_included_in_offer",
    "communications_from_abroad_included_in_offer",
    "gallery_downloads",
    "one_off_purchases",
    "inappropriate_websites",
]
DelayUnit = Literal[
    "calendar_days", "working_days", "ouvrable_days", "weeks", "months", "years", "hours"
]


def cents(amount: str) -> int:
    """A validated EuroPrice ("12.99") as integer cents (1299)."""
    return int(Decimal(amount) * CENTS_PER_EURO)


def micro_eur(amount: str) -> int:
    """A validated RatePrice ("0.00216") as integer micro-euros (2160)."""
    return int(Decimal(amount) * MICRO_EUR_PER_EURO)


def ratio(value: str) -> Decimal:
    """A validated Ratio ("1.5") as an exact Decimal."""
    return Decimal(value)


def volume_mo(volume: str) -> int:
    """A validated Volume ("100 Go", "500 Mo") in Mo, 1 Go = 1024 Mo."""
    match = _VOLUME_TEXT.match(volume)
    if match is None:
        raise ValueError(f'{volume!r} is not a volume such as "500 Mo" or "3 Go"')
    amount = int(match.group(1))
    return amount * MO_PER_GO if match.group(2) == "Go" else amount


# ---------------------------------------------------------------------------------------------
# Shared building blocks
# ---------------------------------------------------------------------------------------------


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Sourced(Frozen):
    """An entry that cites the brochure section it comes from, and says how an ambiguous cell
    was read."""

    source: Source
    interpretation: str = ""


class Condition(Frozen):
    """A condition or case the code checks, by code, with the brochure's words."""

    code: Code
    text: Text


class Delay(Sourced):
    amount: PositiveCount
    unit: DelayUnit


class Allowance(Frozen):
    """What an offer includes; None/False means "not included"."""

    voice_minutes: Count | None = None
    voice_unlimited: bool = False
    sms: Count | None = None
    sms_unlimited: bool = False
    mms_unlimited: bool = False
    data: Volume | None = None
    interpretation: str = ""

    @property
    def data_mo(self) -> int | None:
        return None if self.data is None else volume_mo(self.data)

    @model_validator(mode="after")
    def _limited_or_unlimited(self) -> "Allowance":
        if self.voice_unlimited and self.voice_minutes is not None:
            raise ValueError("voice is either unlimited or voice_minutes, not both")
        if self.sms_unlimited and self.sms is not None:
            raise ValueError("sms is either unlimited or a number of SMS, not both")
        return self


class Route(Frozen):
    """Calls and SMS from any of `from_countries` to any of `to_countries`."""

    from_countries: tuple[CountryCode, ...] = Field(min_length=1)
    to_countries: tuple[CountryCode, ...] = Field(min_length=1)
    to_lines: tuple[LineType, ...] = ("landline", "mobile")


# ---------------------------------------------------------------------------------------------
# release.toml, countries.toml, zones.toml
# ---------------------------------------------------------------------------------------------


class Release(Sourced):
    version: Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z][0-9A-Za-z.+-]{0,39}$")]
    name: Text
    source_document: Source
    source_file: Text
    operator: Text
    network: Text
    valid_from: date
    valid_until: date
    terms_effective_from: date
    distance_selling_terms_effective_from: date
    currency: Literal["EUR"]
    prices_include_vat: bool
    home_country: CountryCode
    volume_units: Text
    reading_rule: Text

    @model_validator(mode="after")
    def _valid_period(self) -> "Release":
        if self.valid_until < self.valid_from:
            raise ValueError("valid_until is before valid_from")
        return self


class Country(Frozen):
    code: CountryCode
    name: Text
    status: Literal["official", "exceptionally_reserved", "user_assigned"] = "official"


class CountryList(Sourced):
    country: tuple[Country, ...] = Field(min_length=1)


class Zone(Sourced):
    code: ZoneCode
    label: Text  # short form used in running text: "zone 1 bis"
    name: Text
    countries: tuple[CountryCode, ...] = ()
    rest_of_world: bool = False
    # International dialling prefixes (without "+") of non-geographic networks, e.g. satellites.
    calling_codes: tuple[Digits, ...] = ()
    # Mobile country codes of visited networks that put a roaming line in this zone.
    visited_network_mccs: tuple[Digits, ...] = ()

    @model_validator(mode="after")
    def _defined_by_something(self) -> "Zone":
        if self.rest_of_world and self.countries:
            raise ValueError("a rest_of_world zone lists no country: it is computed")
        if not (self.rest_of_world or self.countries or self.calling_codes):
            raise ValueError("a zone needs countries, calling_codes, or rest_of_world = true")
        return self


# ---------------------------------------------------------------------------------------------
# rates.toml
# ---------------------------------------------------------------------------------------------


class ChargingRule(Sourced):
    code: Charging
    mark: Literal["", "*", "**"]
    text: Text


class UsageRule(Sourced):
    code: Code
    pricing: Literal[
        "call_from_visited_zone",
        "call_from_visited_zone_plus_provider_surcharge",
        "outgoing_call_from_line",
        "not_priced",
    ]
    text: Text


class RateCell(Frozen):
    origin: ZoneCode | None = None
    destination: ZoneCode | None = None
    price_eur: RatePrice
    charging: Charging | None = None
    travellers: Travellers = "all"
    interpretation: str = ""


class RateTable(Sourced):
    code: Code
    name: Text
    direction: Direction
    service: Service
    unit: Unit
    charging: Charging | None = None
    cell: tuple[RateCell, ...] = Field(min_length=1)

    @property
    def needs_origin(self) -> bool:
        return self.direction != "from_france"

    @property
    def needs_destination(self) -> bool:
        return self.direction == "from_france" or (
            self.direction == "from_abroad" and self.service != "data"
        )

    @model_validator(mode="after")
    def _consistent(self) -> "RateTable":
        if (self.unit == "per_minute") != (self.charging is not None):
            raise ValueError("charging is required for per_minute tables and only for them")
        for index, cell in enumerate(self.cell):
            self._check_cell(index, cell)
        keys = [(c.origin, c.destination, c.travellers) for c in self.cell]
        duplicates = sorted({str(key) for key in keys if keys.count(key) > 1})
        if duplicates:
            raise ValueError(f"cells given twice: {', '.join(duplicates)}")
        return self

    def _check_cell(self, index: int, cell: RateCell) -> None:
        where = f"cell[{index}]"
        if self.needs_origin != (cell.origin is not None):
            wanted = "required" if self.needs_origin else "not used"
            raise ValueError(f"{where}: origin is {wanted}")
        if self.needs_destination != (cell.destination is not None):
            wanted = "required" if self.needs_destination else "not used"
            raise ValueError(f"{where}: destination is {wanted}")
        if cell.charging is not None and self.unit != "per_minute":
            raise ValueError(f"{where}: charging only applies to per_minute tables")


@dataclass(frozen=True, slots=True)
class Rate:
    """One out-of-bundle price, flattened from a rate table cell."""

    table: str
    direction: Direction
    service: Service
    origin: str | None
    destination: str | None
    travellers: Travellers
    price_micro_eur: int
    unit: Unit
    charging: Charging | None
    source: str
    interpretation: str


RateKey = tuple[str, str, str | None, str | None, str]

REQUIRED_RATE_TABLES: frozenset[tuple[Direction, Service]] = frozenset(
    [("from_france", s) for s in ("voice", "video", "sms", "mms")]
    + [("from_abroad", s) for s in ("voice", "video", "sms", "mms", "data")]
    + [("received_abroad", s) for s in ("voice", "sms", "mms")]
)


# ---------------------------------------------------------------------------------------------
# plans.toml, options.toml, top_ups.toml, fees.toml, box_offers.toml
# ---------------------------------------------------------------------------------------------


class RoamingAllowance(Allowance):
    zones: tuple[ZoneCode, ...] = Field(min_length=1)


class FairUse(Sourced):
    zones: tuple[ZoneCode, ...] = Field(min_length=1)
    window_days: PositiveCount
    roaming_only_days_more_than: Count
    roaming_usage_share_more_than: Ratio
    alert_before_charging: bool
    alert_notice_days: PositiveCount  # from the alert to the first surcharged usage
    text: Text


class CallLimits(Sourced):
    max_call_minutes: PositiveCount
    max_usage_hours_per_day: PositiveCount
    private_use_between_consumers_only: bool


class AccessibilityService(Sourced):
    code: Code
    name: Text
    monthly_credit_minutes: Count
    hours: Text
    text: Text


class Plan(Sourced):
    product_kind: ClassVar[ProductKindName] = "plan"

    code: Code
    name: Text
    market: Market = "mobile"
    is_sample: bool = False
    list_price_eur: EuroPrice
    discount_eur: EuroPrice
    price_eur: EuroPrice
    activation_fee_eur: EuroPrice
    activation_fee_label: Text
    commitment_months: Count
    on_sale_from: date
    on_sale_until: date
    termination: Text
    france: Allowance
    roaming: RoamingAllowance
    data_exhaustion: Literal["throttled", "blocked"]
    throttled_kbps: PositiveCount | None = None
    network_generation: Text
    speed_down_mbps: PositiveCount
    speed_up_mbps: PositiveCount
    speed_remedy: Text
    international_calls_included: bool
    international_sms_mms_included: bool
    excludes_premium_rate: bool
    fair_use: FairUse
    call_limits: CallLimits
    accessibility: tuple[AccessibilityService, ...] = ()

    @property
    def price_cents(self) -> int:
        return cents(self.price_eur)

    @property
    def list_price_cents(self) -> int:
        return cents(self.list_price_eur)

    @property
    def discount_cents(self) -> int:
        return cents(self.discount_eur)

    @property
    def activation_fee_cents(self) -> int:
        return cents(self.activation_fee_eur)

    @model_validator(mode="after")
    def _consistent(self) -> "Plan":
        if self.list_price_cents - self.discount_cents != self.price_cents:
            raise ValueError(
                f"price_eur {self.price_eur} is not list_price_eur {self.list_price_eur} "
                f"minus discount_eur {self.discount_eur}"
            )
        if (self.data_exhaustion == "throttled") != (self.throttled_kbps is not None):
            raise ValueError("throttled_kbps is required for a throttled plan and only for it")
        if self.on_sale_until < self.on_sale_from:
            raise ValueError("on_sale_until is before on_sale_from")
        return self


class NetworkExclusion(Frozen):
    country: CountryCode
    network: Text


def _check_footnotes(
    footnotes: tuple[str, ...],
    subscription_effect: Effect,
    change_effect: Effect,
    renewal: Renewal,
) -> None:
    # Options et recharges, notes (3) and (4): the data must say what the footnote says.
    if "(3)" in footnotes and (subscription_effect, renewal) != ("immediate", "monthly_tacit"):
        raise ValueError("note (3) means subscription_effect immediate and renewal monthly_tacit")
    if "(4)" in footnotes and change_effect != "next_renewal":
        raise ValueError("note (4) means change_effect next_renewal")


class Option(Sourced):
    product_kind: ClassVar[ProductKindName] = "option"

    code: Code
    name: Text
    market: Market = "mobile"
    is_sample: bool = False
    category: Literal[
        "international_access",
        "international_calls",
        "switzerland",
        "peace_of_mind",
        "security",
        "optional_service",
        "voice",
    ]
    family: Code | None = None
    price_eur: EuroPrice
    free_months: Count = 0
    plans: tuple[Code, ...] = Field(min_length=1)
    footnotes: tuple[Footnote, ...] = ()
    subscription_effect: Effect
    change_effect: Effect
    renewal: Renewal
    channels: tuple[Channel, ...] = Field(min_length=1)
    description: Text
    allowance: Allowance | None = None
    counting: Counting | None = None
    routes: tuple[Route, ...] = ()
    data_countries: tuple[CountryCode, ...] = ()
    roaming_zones: tuple[ZoneCode, ...] = ()
    max_call_minutes: PositiveCount | None = None
    max_recipients_per_month: PositiveCount | None = None
    announced_destination_count: PositiveCount | None = None
    excluded_networks: tuple[NetworkExclusion, ...] = ()
    conditions: tuple[Condition, ...] = ()
    blocks: tuple[BlockedUsage, ...] = ()
    keeps: tuple[BlockedUsage, ...] = ()
    incompatible_with: tuple[Code, ...] = ()

    @property
    def price_cents(self) -> int:
        return cents(self.price_eur)

    @property
    def due_whole_month(self) -> bool:
        """Whether each month it is in force in is due in full (options.toml's header): a
        monthly option that includes usage, whose allowance is the month's whatever the day."""
        return self.allowance is not None and self.renewal == "monthly_tacit"

    @model_validator(mode="after")
    def _consistent(self) -> "Option":
        _check_footnotes(self.footnotes, self.subscription_effect, self.change_effect, self.renewal)
        if ("(*)" in self.footnotes) != (self.counting is not None):
            raise ValueError("counting is set exactly when the option cites note (*)")
        if self.data_countries and (self.allowance is None or self.allowance.data is None):
            raise ValueError("data_countries needs an allowance with data")
        if self.code in self.incompatible_with:
            raise ValueError("an option cannot be incompatible with itself")
        return self


class TopUp(Sourced):
    product_kind: ClassVar[ProductKindName] = "top_up"

    code: Code
    name: Text
    market: Market = "mobile"
    is_sample: bool = False
    category: Literal["speed_restoration", "travel"]
    price_eur: EuroPrice
    plans: tuple[Code, ...] = Field(min_length=1)
    footnotes: tuple[Footnote, ...] = ()
    validity: Literal["days_from_activation", "until_plan_renewal"]
    validity_days: PositiveCount | None = None
    allowance: Allowance | None = None
    counting: Counting | None = None
    routes: tuple[Route, ...] = ()
    data_countries: tuple[CountryCode, ...] = ()
    restores_plan_data_in: CountryCode | None = None
    carry_over: bool = False
    description: Text

    @property
    def price_cents(self) -> int:
        return cents(self.price_eur)

    @model_validator(mode="after")
    def _consistent(self) -> "TopUp":
        if (self.validity == "days_from_activation") != (self.validity_days is not None):
            raise ValueError("validity_days is required for days_from_activation and only for it")
        if (self.category == "speed_restoration") != (self.restores_plan_data_in is not None):
            raise ValueError("restores_plan_data_in is set exactly for a speed restoration")
        if ("(**)" in self.footnotes) != (self.counting is not None):
            raise ValueError("counting is set exactly when the top-up cites note (**)")
        if self.data_countries and (self.allowance is None or self.allowance.data is None):
            raise ValueError("data_countries needs an allowance with data")
        return self


class ChannelPrice(Frozen):
    channel: Channel
    price_eur: EuroPrice
    free_first_times: Count = 0
    interpretation: str = ""


class Fee(Sourced):
    product_kind: ClassVar[ProductKindName] = "service_fee"

    code: Code
    name: Text
    market: Market = "mobile"
    is_sample: bool = False
    price_eur: EuroPrice
    per: Literal["act", "modification"]
    channel_price: tuple[ChannelPrice, ...] = Field(min_length=1)

    @property
    def price_cents(self) -> int:
        return cents(self.price_eur)

    def price_cents_for(self, *, channel: Channel, previous_uses: int = 0) -> int | None:
        """The fee for one more act through `channel`, after `previous_uses` acts of this kind
        on the line; None when the act is not offered through that channel."""
        for offer in self.channel_price:
            if offer.channel == channel:
                return 0 if previous_uses < offer.free_first_times else cents(offer.price_eur)
        return None

    @model_validator(mode="after")
    def _consistent(self) -> "Fee":
        channels = [offer.channel for offer in self.channel_price]
        if len(set(channels)) != len(channels):
            raise ValueError("a channel is priced twice")
        by_phone = self.price_cents_for(channel="customer_service")
        if by_phone is not None and by_phone != self.price_cents:
            raise ValueError("price_eur must be the customer_service price")
        return self


class Deposit(Sourced):
    amount_eur: EuroPrice

    @property
    def amount_cents(self) -> int:
        return cents(self.amount_eur)


class Equipment(Frozen):
    code: Code
    name: Text
    rented: bool
    monthly_price_eur: EuroPrice
    return_required: bool


class BoxOffer(Sourced):
    product_kind: ClassVar[ProductKindName] = "box_offer"

    code: Code
    name: Text
    market: Market = "fixed"
    is_sample: bool = False
    technology: Literal["FTTH", "VDSL", "ADSL", "4G"]
    price_eur: EuroPrice
    activation_fee_eur: EuroPrice
    commitment_months: Count
    speed_down_mbps: PositiveCount
    speed_up_mbps: PositiveCount
    includes: tuple[Text, ...] = ()
    equipment: tuple[Equipment, ...] = ()
    requires_optical_outlet_reference: bool

    @property
    def price_cents(self) -> int:
        return cents(self.price_eur)

    @property
    def activation_fee_cents(self) -> int:
        return cents(self.activation_fee_eur)


CatalogProduct = Plan | BoxOffer | Option | TopUp | Fee

# ---------------------------------------------------------------------------------------------
# numbers.toml, multimedia.toml, compatibility.toml, bill_advance.toml
# ---------------------------------------------------------------------------------------------


class SpecialNumber(Sourced):
    code: Code
    name: Text
    kind: Literal[
        "emergency",
        "free_number_range",
        "voicemail",
        "usage_follow_up",
        "customer_service",
        "sales",
        "spam_report",
        "premium_voice_service",
    ]
    pricing: Literal["free", "normal_call", "first_minutes_free_then_plan", "surcharged"]
    recognised_by: Literal["digits", "usage_record_service"]
    numbers: tuple[Digits, ...] = ()
    prefixes: tuple[Digits, ...] = ()
    free_first_minutes: Count = 0
    over_allowance_per_minute_eur: RatePrice | None = None
    per_call_eur: RatePrice | None = None
    per_minute_eur: RatePrice | None = None
    charging: Charging | None = None
    plus_normal_call: bool = False

    @property
    def per_call_micro_eur(self) -> int | None:
        return None if self.per_call_eur is None else micro_eur(self.per_call_eur)

    @property
    def per_minute_micro_eur(self) -> int | None:
        return None if self.per_minute_eur is None else micro_eur(self.per_minute_eur)

    @property
    def over_allowance_per_minute_micro_eur(self) -> int | None:
        price = self.over_allowance_per_minute_eur
        return None if price is None else micro_eur(price)

    @model_validator(mode="after")
    def _consistent(self) -> "SpecialNumber":
        has_digits = bool(self.numbers or self.prefixes)
        if has_digits != (self.recognised_by == "digits"):
            raise ValueError("numbers or prefixes are given exactly when recognised_by is digits")
        if self.pricing == "surcharged" and not (self.per_call_eur or self.per_minute_eur):
            raise ValueError("a surcharged number needs per_call_eur or per_minute_eur")
        if (self.pricing == "first_minutes_free_then_plan") != (self.free_first_minutes > 0):
            raise ValueError("free_first_minutes is set exactly for first_minutes_free_then_plan")
        per_minute = self.per_minute_eur or self.over_allowance_per_minute_eur
        if (per_minute is not None) != (self.charging is not None):
            raise ValueError("charging is required exactly when a per-minute price is given")
        return self


class Download(Sourced):
    code: Code
    name: Text
    min_price_eur: EuroPrice
    max_price_eur: EuroPrice
    plus_transport: bool


class Multimedia(Sourced):
    transport: Text
    third_party: Text
    download: tuple[Download, ...] = ()


class CompatibilityEntry(Sourced):
    code: Code
    name: Text
    status: Literal["included", "optional", "free_on_activation"]
    plans: tuple[Code, ...] = Field(min_length=1)
    products: tuple[Code, ...] = ()


class BillAdvance(Sourced):
    plans: tuple[Code, ...] = Field(min_length=1)
    new_customer_threshold_eur: EuroPrice
    new_customer_until_invoice_count: PositiveCount
    established_average_of_last_invoices: PositiveCount
    established_multiplier: Ratio
    after_payment_incident_threshold_eur: EuroPrice
    after_payment_incident_months: PositiveCount
    amount_rule: Text
    warning_rule: Text
    at_subscription_rule: Text

    @property
    def new_customer_threshold_cents(self) -> int:
        return cents(self.new_customer_threshold_eur)

    @property
    def after_payment_incident_threshold_cents(self) -> int:
        return cents(self.after_payment_incident_threshold_eur)


# ---------------------------------------------------------------------------------------------
# terms.toml
# ---------------------------------------------------------------------------------------------


class SubscriptionTerms(Sourced):
    adults_only: bool
    proof_of_address_max_age_months: PositiveCount
    retail_documents: tuple[Text, ...]
    distance_documents: tuple[Text, ...]
    documents_deadline: Delay
    contact_change_notice: Delay
    roaming_requires_proof_of_address: bool


class ActivationTerms(Sourced):
    when_used_before_withdrawal_ends: Delay
    distance_sale_after_withdrawal: Delay
    after_security_deposit: Delay
    distance_sale_after_delivery: Delay
    no_solution_termination: Delay
    coverage_report: Delay
    contract_starts_at_activation: bool


class SuspensionCause(Sourced):
    code: Code
    text: Text
    billing_continues: bool


class ServiceInterruption(Sourced):
    compensation: Literal["prorata_temporis"]


class PriceChangeTerms(Sourced):
    indexation_notice: Delay
    indexation_index: Text
    other_change_notice: Delay
    termination_window: Delay
    termination_window_exceptions: tuple[Text, ...]


class SecurityDepositTerms(Sourced):
    causes: tuple[Condition, ...] = Field(min_length=1)
    max_contracts_without_deposit: Count
    refund_after_cause_disappears: Delay
    refund_after_contract_end: Delay
    bears_interest: bool


class BillingTerms(Sourced):
    invoice_frequency: Literal["monthly"]
    billing_starts_at_activation: bool
    direct_debit_prenotice: Delay
    third_party_payer_allowed: bool


class TerminationFeeRule(Sourced):
    code: Code
    subscribed_before: date | None = None
    subscribed_from: date | None = None
    first_year_share: Ratio
    beyond_first_year_share: Ratio
    beyond_first_year_requires_subsidised_device: bool

    def applies_to(self, subscribed_on: date) -> bool:
        after_start = self.subscribed_from is None or subscribed_on >= self.subscribed_from
        before_end = self.subscribed_before is None or subscribed_on < self.subscribed_before
        return after_start and before_end


class TerminationTerms(Sourced):
    notice: Delay
    channels: tuple[Literal["postal_mail", "number_porting", "selfcare"], ...]
    postal_address: Text
    promotion_lost_during_commitment: bool
    optional_third_party_services_terminated_separately: bool
    legitimate_reasons: tuple[Condition, ...] = Field(min_length=1)
    operator_termination_causes: tuple[Condition, ...]
    fee_rule: tuple[TerminationFeeRule, ...] = Field(min_length=1)

    def fee_rule_for(self, subscribed_on: date) -> TerminationFeeRule:
        """The early-termination fee rule (CGS 8.1) for a contract subscribed on that day."""
        (rule,) = (rule for rule in self.fee_rule if rule.applies_to(subscribed_on))
        return rule

    @model_validator(mode="after")
    def _one_rule_per_day(self) -> "TerminationTerms":
        # The rules split time at their dates: around each boundary exactly one rule applies.
        boundaries = {date.min} | {
            day
            for rule in self.fee_rule
            for day in (rule.subscribed_before, rule.subscribed_from)
            if day is not None
        }
        for day in boundaries:
            matching = [rule.code for rule in self.fee_rule if rule.applies_to(day)]
            if len(matching) != 1:
                raise ValueError(f"fee rules applying to a subscription on {day}: {matching}")
        return self


WithdrawalChannel = Literal["withdrawal_form", "unambiguous_statement", "customer_service_phone"]


class WithdrawalTerms(Sourced):
    period: Delay
    refund: Delay
    product_return: Delay
    offer_change_period: Delay
    starts_at: Literal["equipment_delivery_or_subscription"]
    usage_before_withdrawal_is_due_prorata: bool
    channels: tuple[WithdrawalChannel, ...]


class PortingTerms(Sourced):
    delay: Delay
    fixed_line_terminated_within: Delay
    line_must_stay_active: bool
    porting_code_length: PositiveCount
    delay_compensation_share_per_day: Ratio
    number_loss_compensation_months: PositiveCount


ListableField = Literal[
    "phone_number", "last_name", "first_name_or_initials", "postal_address_full_or_partial", "email"
]


class DirectoryListingTerms(Sourced):
    free: bool
    listable_fields: tuple[ListableField, ...]
    restrictions: tuple[Literal["anti_prospecting", "anti_reverse_lookup", "partial_details"], ...]
    changeable_any_time_free: bool


class LineTransferTerms(Sourced):
    free: bool
    requires_subscription_documents: bool
    requires_transferee_authorisation: bool
    requires_all_sums_settled: bool


class UsageTerms(Sourced):
    unlimited_private_use_only: bool
    max_call_minutes: PositiveCount
    max_usage_hours_per_day: PositiveCount
    forbidden_uses: tuple[Text, ...]
    fair_use_zones_text: Text
    prolonged_use_outside_eea_chargeable: bool


class ComplaintTerms(Sourced):
    customer_service_average_response: Delay
    customer_service_max_response: Delay
    consumer_service_response: Delay
    consumer_service_address: Text
    mediator: Text


class DistanceSellingTerms(Sourced):
    delivery_area: Text
    missing_item_report: Delay
    missing_item_information: Delay
    legal_conformity_guarantee: Delay
    hidden_defects_guarantee: Delay
    professional_late_payment_fixed_fee_eur: EuroPrice
    professional_late_payment_interest_multiple: PositiveCount


class Terms(Frozen):
    subscription: SubscriptionTerms
    activation: ActivationTerms
    suspension_cause: tuple[SuspensionCause, ...] = Field(min_length=1)
    service_interruption: ServiceInterruption
    price_changes: PriceChangeTerms
    security_deposit: SecurityDepositTerms
    billing: BillingTerms
    termination: TerminationTerms
    withdrawal: WithdrawalTerms
    porting: PortingTerms
    directory_listing: DirectoryListingTerms
    line_transfer: LineTransferTerms
    usage: UsageTerms
    complaints: ComplaintTerms
    distance_selling: DistanceSellingTerms

    def suspension(self, code: str) -> SuspensionCause:
        for cause in self.suspension_cause:
            if cause.code == code:
                return cause
        raise KeyError(code)


# ---------------------------------------------------------------------------------------------
# practical.toml
# ---------------------------------------------------------------------------------------------


class SmsInfo(Sourced):
    standard_characters: PositiveCount
    special_characters: PositiveCount
    special_characters_examples: Text
    text: Text
    spam_report_number: Digits
    spam_report_text: Text
    keyword_sender_digits: PositiveCount
    keyword_sender_first_digits: tuple[Digits, ...]
    keywords: tuple[Text, ...]
    keywords_text: Text


class TheftInfo(Sourced):
    steps: tuple[Text, ...] = Field(min_length=1)
    insurance_declaration_working_days: PositiveCount


class TextInfo(Sourced):
    text: Text


class DataModes(Sourced):
    blocked_when_exhausted: Text
    throttled: Text


class UsageDefinitions(Sourced):
    out_of_bundle: Text
    over_allowance: Text


class PracticalInfo(Frozen):
    sms: SmsInfo
    theft: TheftInfo
    loss: TextInfo
    subscription_channels: TextInfo
    data_modes: DataModes
    usage_terms: UsageDefinitions
    border_regions: TextInfo
    boat: TextInfo


# ---------------------------------------------------------------------------------------------
# The files: one model each
# ---------------------------------------------------------------------------------------------


class ZonesFile(Frozen):
    zone: tuple[Zone, ...] = Field(min_length=1)


class RatesFile(Frozen):
    charging: tuple[ChargingRule, ...] = Field(min_length=1)
    rule: tuple[UsageRule, ...] = ()
    table: tuple[RateTable, ...] = Field(min_length=1)


class PlansFile(Frozen):
    plan: tuple[Plan, ...] = Field(min_length=1)


class OptionsFile(Frozen):
    option: tuple[Option, ...] = ()


class TopUpsFile(Frozen):
    top_up: tuple[TopUp, ...] = ()


class FeesFile(Frozen):
    fee: tuple[Fee, ...] = ()
    security_deposit: Deposit


class NumbersFile(Frozen):
    number: tuple[SpecialNumber, ...] = ()


class CompatibilityFile(Frozen):
    service: tuple[CompatibilityEntry, ...] = ()


class BoxOffersFile(Frozen):
    box_offer: tuple[BoxOffer, ...] = ()
    option: tuple[Option, ...] = ()


CATALOG_FILES: Mapping[str, type[Frozen]] = {
    "release.toml": Release,
    "countries.toml": CountryList,
    "zones.toml": ZonesFile,
    "rates.toml": RatesFile,
    "plans.toml": PlansFile,
    "options.toml": OptionsFile,
    "top_ups.toml": TopUpsFile,
    "fees.toml": FeesFile,
    "numbers.toml": NumbersFile,
    "multimedia.toml": Multimedia,
    "compatibility.toml": CompatibilityFile,
    "bill_advance.toml": BillAdvance,
    "terms.toml": Terms,
    "practical.toml": PracticalInfo,
    "box_offers.toml": BoxOffersFile,
}

# ---------------------------------------------------------------------------------------------
# The catalog
# ---------------------------------------------------------------------------------------------


class Catalog(Frozen):
    """Every file of one catalog release, validated and cross-checked, with lookups."""

    release: Release
    countries: CountryList
    zones: tuple[Zone, ...]
    charging_rules: tuple[ChargingRule, ...]
    usage_rules: tuple[UsageRule, ...]
    rate_tables: tuple[RateTable, ...]
    plans: tuple[Plan, ...]
    options: tuple[Option, ...]
    top_ups: tuple[TopUp, ...]
    fees: tuple[Fee, ...]
    security_deposit: Deposit
    numbers: tuple[SpecialNumber, ...]
    multimedia: Multimedia
    compatibility: tuple[CompatibilityEntry, ...]
    bill_advance: BillAdvance
    terms: Terms
    practical: PracticalInfo
    box_offers: tuple[BoxOffer, ...]
    box_options: tuple[Option, ...]

    _zone_by_country: dict[str, str] = PrivateAttr(default_factory=dict)
    _products: dict[str, CatalogProduct] = PrivateAttr(default_factory=dict)
    _rates: dict[RateKey, Rate] = PrivateAttr(default_factory=dict)
    _numbers: dict[str, SpecialNumber] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any, /) -> None:
        problems = _CrossCheck(self).problems()
        if problems:
            raise CatalogError(
                code=CatalogErrorCode.INVALID_DATA,
                message="The catalog data files are inconsistent",
                problems=tuple(problems),
            )
        self._zone_by_country = _zone_by_country(self.zones, self.countries)
        self._products = {product.code: product for product in self.products}
        self._rates = {_rate_key(rate): rate for rate in _flatten_rates(self.rate_tables)}
        self._numbers = {number: entry for entry in self.numbers for number in entry.numbers}

    # -- products -----------------------------------------------------------------------------

    @property
    def all_options(self) -> tuple[Option, ...]:
        return self.options + self.box_options

    @property
    def products(self) -> tuple[CatalogProduct, ...]:
        """Every sellable entry: plans, box offers, options, top-ups, service fees."""
        return (*self.plans, *self.box_offers, *self.all_options, *self.top_ups, *self.fees)

    def product(self, code: str) -> CatalogProduct:
        try:
            return self._products[code]
        except KeyError:
            raise CatalogError(
                code=CatalogErrorCode.UNKNOWN_PRODUCT, message=f"No product with code {code!r}"
            ) from None

    def plan(self, code: str) -> Plan:
        return _expect(self.product(code), Plan, code)

    def option(self, code: str) -> Option:
        return _expect(self.product(code), Option, code)

    def top_up(self, code: str) -> TopUp:
        return _expect(self.product(code), TopUp, code)

    def fee(self, code: str) -> Fee:
        return _expect(self.product(code), Fee, code)

    def box_offer(self, code: str) -> BoxOffer:
        return _expect(self.product(code), BoxOffer, code)

    def options_for_plan(self, plan_code: str) -> tuple[Option, ...]:
        return tuple(option for option in self.all_options if plan_code in option.plans)

    def top_ups_for_plan(self, plan_code: str) -> tuple[TopUp, ...]:
        return tuple(top_up for top_up in self.top_ups if plan_code in top_up.plans)

    # -- zones --------------------------------------------------------------------------------

    @property
    def zone_codes(self) -> tuple[str, ...]:
        """Zone codes in the brochure's column order."""
        return tuple(zone.code for zone in self.zones)

    def zone(self, code: str) -> Zone:
        for zone in self.zones:
            if zone.code == code:
                return zone
        raise CatalogError(code=CatalogErrorCode.UNKNOWN_ZONE, message=f"No zone {code!r}")

    def zone_of_country(self, country_code: str) -> str:
        """The tariff zone code of an ISO 3166-1 alpha-2 country ("US" → "2", "CN" → "3")."""
        try:
            return self._zone_by_country[country_code]
        except KeyError:
            raise CatalogError(
                code=CatalogErrorCode.UNKNOWN_COUNTRY,
                message=f"{country_code!r} is not an ISO 3166-1 alpha-2 code of countries.toml",
            ) from None

    def countries_in_zone(self, code: str) -> tuple[str, ...]:
        """The country codes of a zone, computed for the rest-of-world zone, in list order."""
        self.zone(code)
        return tuple(c for c, zone in self._zone_by_country.items() if zone == code)

    def zone_of_calling_code(self, international_number: str) -> str | None:
        """The zone of a non-geographic network (satellite) from the digits after "+"."""
        for zone in self.zones:
            if any(international_number.startswith(code) for code in zone.calling_codes):
                return zone.code
        return None

    def zone_of_visited_network(self, mcc: str) -> str | None:
        """The zone of a visited network known by its mobile country code alone (satellite)."""
        for zone in self.zones:
            if mcc in zone.visited_network_mccs:
                return zone.code
        return None

    # -- rates --------------------------------------------------------------------------------

    @property
    def rates(self) -> tuple[Rate, ...]:
        return tuple(self._rates.values())

    def rate(
        self,
        direction: Direction,
        service: Service,
        *,
        origin: str | None = None,
        destination: str | None = None,
        travellers: Travellers = "all",
    ) -> Rate:
        try:
            return self._rates[(direction, service, origin, destination, travellers)]
        except KeyError:
            raise CatalogError(
                code=CatalogErrorCode.UNKNOWN_RATE,
                message=(
                    f"No {direction} {service} rate from {origin} to {destination} "
                    f"for {travellers} travellers"
                ),
            ) from None

    def rate_from_france(self, service: Service, destination: str) -> Rate:
        return self.rate("from_france", service, destination=destination)

    def rate_from_abroad(self, service: Service, origin: str, destination: str) -> Rate:
        return self.rate("from_abroad", service, origin=origin, destination=destination)

    def rate_data_abroad(self, zone: str) -> Rate:
        return self.rate("from_abroad", "data", origin=zone)

    def rate_received_abroad(
        self, service: Service, zone: str, *, non_occasional: bool = False
    ) -> Rate:
        """The price of receiving in `zone`; the non-occasional traveller's price where the
        brochure gives one (International §2, note (2)), else the general price."""
        key: RateKey = ("received_abroad", service, zone, None, "non_occasional")
        if non_occasional and key in self._rates:
            return self._rates[key]
        return self.rate("received_abroad", service, origin=zone)

    # -- numbers ------------------------------------------------------------------------------

    def special_number(self, dialled: str) -> SpecialNumber | None:
        """The special number matching national dialled digits ("675200", "0800123456")."""
        exact = self._numbers.get(dialled)
        if exact is not None:
            return exact
        for entry in self.numbers:
            if any(dialled.startswith(prefix) for prefix in entry.prefixes):
                return entry
        return None


_Product = TypeVar("_Product", Plan, BoxOffer, Option, TopUp, Fee)
_FileModel = TypeVar("_FileModel", bound="Frozen")


def _expect(product: CatalogProduct, kind: type[_Product], code: str) -> _Product:
    if not isinstance(product, kind):
        raise CatalogError(
            code=CatalogErrorCode.UNKNOWN_PRODUCT,
            message=f"{code!r} is of kind {product.product_kind!r}, not {kind.product_kind!r}",
        )
    return product


def _zone_by_country(zones: Iterable[Zone], countries: CountryList) -> dict[str, str]:
    listed = {country: zone.code for zone in zones for country in zone.countries}
    rest = next(zone.code for zone in zones if zone.rest_of_world)
    return {country.code: listed.get(country.code, rest) for country in countries.country}


def _flatten_rates(tables: Iterable[RateTable]) -> Iterator[Rate]:
    for table in tables:
        for cell in table.cell:
            yield Rate(
                table=table.code,
                direction=table.direction,
                service=table.service,
                origin=cell.origin,
                destination=cell.destination,
                travellers=cell.travellers,
                price_micro_eur=micro_eur(cell.price_eur),
                unit=table.unit,
                charging=cell.charging or table.charging,
                source=table.source,
                interpretation=cell.interpretation,
            )


def _rate_key(rate: Rate) -> RateKey:
    return (rate.direction, rate.service, rate.origin, rate.destination, rate.travellers)


# ---------------------------------------------------------------------------------------------
# Cross-checks between files
# ---------------------------------------------------------------------------------------------


class _CrossCheck:
    """Checks that need several files at once; collects every problem."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.found: list[Problem] = []
        self.iso_codes = {country.code for country in catalog.countries.country}
        self.zone_codes = [zone.code for zone in catalog.zones]

    def problems(self) -> list[Problem]:
        self.check_countries_list()
        self.check_zones()
        self.check_rate_tables()
        self.check_products()
        self.check_country_references()
        self.check_zone_references()
        self.check_numbers()
        return self.found

    def add(self, file: str, entry: str, field: str, message: str) -> None:
        self.found.append(Problem(file=file, entry=entry, field=field, message=message))

    def check_countries_list(self) -> None:
        codes = [country.code for country in self.catalog.countries.country]
        for code in sorted({code for code in codes if codes.count(code) > 1}):
            self.add("countries.toml", "country", "code", f"{code} is listed twice")

    def check_zones(self) -> None:
        zones = self.catalog.zones
        for code in sorted({c for c in self.zone_codes if self.zone_codes.count(c) > 1}):
            self.add("zones.toml", f"zone {code!r}", "code", "zone code used twice")
        if sum(zone.rest_of_world for zone in zones) != 1:
            self.add("zones.toml", "zone", "rest_of_world", "exactly one zone must be it")
        seen: dict[str, str] = {}
        for index, zone in enumerate(zones):
            entry = f"zone[{index}] {zone.code!r}"
            for country in zone.countries:
                if country in seen:
                    self.add(
                        "zones.toml",
                        entry,
                        "countries",
                        f"{country} is already in zone {seen[country]!r}",
                    )
                seen[country] = zone.code

    def check_rate_tables(self) -> None:
        tables = self.catalog.rate_tables
        present = [(table.direction, table.service) for table in tables]
        for direction, service in sorted(REQUIRED_RATE_TABLES - set(present)):
            self.add("rates.toml", "table", "direction/service", f"no {direction} {service} table")
        for pair in sorted({p for p in present if present.count(p) > 1}):
            self.add("rates.toml", "table", "direction/service", f"{pair} has two tables")
        for index, table in enumerate(tables):
            self.check_rate_table(f"table[{index}] {table.code!r}", table)

    def check_rate_table(self, entry: str, table: RateTable) -> None:
        zones = set(self.zone_codes)
        for cell_index, cell in enumerate(table.cell):
            for field in ("origin", "destination"):
                zone = getattr(cell, field)
                if zone is not None and zone not in zones:
                    self.add(
                        "rates.toml", entry, f"cell[{cell_index}].{field}", f"unknown zone {zone!r}"
                    )
        origins: list[str | None] = list(self.zone_codes) if table.needs_origin else [None]
        destinations: list[str | None] = (
            list(self.zone_codes) if table.needs_destination else [None]
        )
        given = {(c.origin, c.destination) for c in table.cell if c.travellers == "all"}
        for origin in origins:
            for destination in destinations:
                if (origin, destination) not in given:
                    self.add(
                        "rates.toml",
                        entry,
                        "cell",
                        f"no price from {origin or 'France'} to {destination or '(in zone)'}",
                    )

    def check_products(self) -> None:
        catalog = self.catalog
        located: list[tuple[str, str, CatalogProduct]] = [
            *(("plans.toml", f"plan[{i}]", p) for i, p in enumerate(catalog.plans)),
            *(("box_offers.toml", f"box_offer[{i}]", p) for i, p in enumerate(catalog.box_offers)),
            *(("options.toml", f"option[{i}]", p) for i, p in enumerate(catalog.options)),
            *(("box_offers.toml", f"option[{i}]", p) for i, p in enumerate(catalog.box_options)),
            *(("top_ups.toml", f"top_up[{i}]", p) for i, p in enumerate(catalog.top_ups)),
            *(("fees.toml", f"fee[{i}]", p) for i, p in enumerate(catalog.fees)),
        ]
        codes = [product.code for _, _, product in located]
        for file, position, product in located:
            entry = f"{position} {product.code!r}"
            if codes.count(product.code) > 1:
                self.add(file, entry, "code", "product code used by another entry")
            if product.is_sample and not product.interpretation.strip():
                self.add(file, entry, "interpretation", "a sample entry must say why it exists")
        self.check_offer_references(located)
        self.check_incompatibilities()
        self.check_compatibility_table()

    def check_offer_references(self, located: list[tuple[str, str, CatalogProduct]]) -> None:
        offers = {plan.code for plan in self.catalog.plans} | {
            offer.code for offer in self.catalog.box_offers
        }
        for file, position, product in located:
            if isinstance(product, Option | TopUp):
                for plan in product.plans:
                    if plan not in offers:
                        self.add(
                            file, f"{position} {product.code!r}", "plans", f"unknown plan {plan!r}"
                        )
        for plan in self.catalog.bill_advance.plans:
            if plan not in offers:
                self.add("bill_advance.toml", "(top level)", "plans", f"unknown plan {plan!r}")

    def check_incompatibilities(self) -> None:
        options = {option.code: option for option in self.catalog.all_options}
        for index, option in enumerate(self.catalog.options):
            entry = f"option[{index}] {option.code!r}"
            for other in option.incompatible_with:
                if other not in options:
                    message = f"unknown option {other!r}"
                    self.add("options.toml", entry, "incompatible_with", message)
                elif option.code not in options[other].incompatible_with:
                    self.add(
                        "options.toml",
                        entry,
                        "incompatible_with",
                        f"{other!r} does not list {option.code!r} back",
                    )

    def check_compatibility_table(self) -> None:
        products = {product.code for product in self.catalog.products}
        plans = {plan.code for plan in self.catalog.plans}
        for index, line in enumerate(self.catalog.compatibility):
            entry = f"service[{index}] {line.code!r}"
            for plan in line.plans:
                if plan not in plans:
                    self.add("compatibility.toml", entry, "plans", f"unknown plan {plan!r}")
            for code in line.products:
                if code not in products:
                    self.add("compatibility.toml", entry, "products", f"unknown product {code!r}")

    def check_country_references(self) -> None:
        catalog = self.catalog
        home = [catalog.release.home_country]
        self.check_codes("release.toml", "(top level)", "home_country", home)
        for index, zone in enumerate(catalog.zones):
            entry = f"zone[{index}] {zone.code!r}"
            self.check_codes("zones.toml", entry, "countries", zone.countries)
        with_countries: tuple[tuple[str, str, Sequence[Option | TopUp]], ...] = (
            ("options.toml", "option", catalog.options),
            ("box_offers.toml", "option", catalog.box_options),
            ("top_ups.toml", "top_up", catalog.top_ups),
        )
        for file, key, items in with_countries:
            for index, item in enumerate(items):
                entry = f"{key}[{index}] {item.code!r}"
                self.check_codes(file, entry, "data_countries", item.data_countries)
                for route_index, route in enumerate(item.routes):
                    field = f"routes[{route_index}]"
                    self.check_codes(file, entry, f"{field}.from_countries", route.from_countries)
                    self.check_codes(file, entry, f"{field}.to_countries", route.to_countries)
        for index, option in enumerate(catalog.options):
            excluded = [exclusion.country for exclusion in option.excluded_networks]
            self.check_codes(
                "options.toml", f"option[{index}] {option.code!r}", "excluded_networks", excluded
            )

    def check_codes(self, file: str, entry: str, field: str, codes: Iterable[str]) -> None:
        for code in codes:
            if code not in self.iso_codes:
                self.add(file, entry, field, f"{code!r} is not a country code of countries.toml")

    def check_zone_references(self) -> None:
        plan_zone_fields = ("roaming.zones", "fair_use.zones")
        for index, plan in enumerate(self.catalog.plans):
            entry = f"plan[{index}] {plan.code!r}"
            for field, zones in zip(
                plan_zone_fields, (plan.roaming.zones, plan.fair_use.zones), strict=True
            ):
                self.check_zones_exist("plans.toml", entry, field, zones)
        for index, option in enumerate(self.catalog.options):
            entry = f"option[{index}] {option.code!r}"
            self.check_zones_exist("options.toml", entry, "roaming_zones", option.roaming_zones)

    def check_zones_exist(self, file: str, entry: str, field: str, zones: Iterable[str]) -> None:
        for zone in zones:
            if zone not in self.zone_codes:
                self.add(file, entry, field, f"unknown zone {zone!r}")

    def check_numbers(self) -> None:
        seen: dict[str, str] = {}
        for index, entry in enumerate(self.catalog.numbers):
            for digits in (*entry.numbers, *entry.prefixes):
                if digits in seen:
                    self.add(
                        "numbers.toml",
                        f"number[{index}] {entry.code!r}",
                        "numbers",
                        f"{digits} is already used by {seen[digits]!r}",
                    )
                seen[digits] = entry.code


# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------


def read_catalog_files(directory: Path) -> dict[str, bytes]:
    """The bytes of every `*.toml` file of the data directory, by file name."""
    if not directory.is_dir():
        raise CatalogError(
            code=CatalogErrorCode.INVALID_DATA,
            message=f"The catalog directory {directory} does not exist",
        )
    return {path.name: path.read_bytes() for path in sorted(directory.glob("*.toml"))}


def catalog_checksum(files: Mapping[str, bytes]) -> str:
    """SHA-256 over the file names and contents, in name order: one value per content."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode())
        digest.update(b"\0")
        digest.update(files[name])
        digest.update(b"\0")
    return digest.hexdigest()


def catalog_from_files(files: Mapping[str, bytes]) -> Catalog:
    """Validate the files (name → bytes) into a Catalog, or raise CatalogError with every
    problem found."""
    problems = _unexpected_or_missing(files)
    parsed: dict[str, Frozen] = {}
    for name, model in CATALOG_FILES.items():
        if name not in files:
            continue
        try:
            raw = tomllib.loads(files[name].decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            problems.append(Problem(name, "(file)", "(syntax)", f"not valid TOML: {error}"))
            continue
        try:
            parsed[name] = model.model_validate(raw)
        except ValidationError as error:
            problems.extend(_problems_from(name, raw, error))
    if problems:
        raise CatalogError(
            code=CatalogErrorCode.INVALID_DATA,
            message="The catalog data files are invalid",
            problems=tuple(problems),
        )
    return _assemble(parsed)


def load_catalog(directory: Path) -> Catalog:
    """Read, validate and cross-check the catalog data directory."""
    return catalog_from_files(read_catalog_files(directory))


def _unexpected_or_missing(files: Mapping[str, bytes]) -> list[Problem]:
    problems = [
        Problem(name, "(file)", "(name)", "unexpected file: not a catalog file name")
        for name in sorted(set(files) - set(CATALOG_FILES))
    ]
    problems += [
        Problem(name, "(file)", "(name)", "missing file")
        for name in CATALOG_FILES
        if name not in files
    ]
    return problems


def _assemble(parsed: Mapping[str, Frozen]) -> Catalog:
    def part(name: str, model: type[_FileModel]) -> _FileModel:
        value = parsed[name]
        assert isinstance(value, model)  # CATALOG_FILES maps each name to this model
        return value

    rates = part("rates.toml", RatesFile)
    fees = part("fees.toml", FeesFile)
    box = part("box_offers.toml", BoxOffersFile)
    return Catalog(
        release=part("release.toml", Release),
        countries=part("countries.toml", CountryList),
        zones=part("zones.toml", ZonesFile).zone,
        charging_rules=rates.charging,
        usage_rules=rates.rule,
        rate_tables=rates.table,
        plans=part("plans.toml", PlansFile).plan,
        options=part("options.toml", OptionsFile).option,
        top_ups=part("top_ups.toml", TopUpsFile).top_up,
        fees=fees.fee,
        security_deposit=fees.security_deposit,
        numbers=part("numbers.toml", NumbersFile).number,
        multimedia=part("multimedia.toml", Multimedia),
        compatibility=part("compatibility.toml", CompatibilityFile).service,
        bill_advance=part("bill_advance.toml", BillAdvance),
        terms=part("terms.toml", Terms),
        practical=part("practical.toml", PracticalInfo),
        box_offers=box.box_offer,
        box_options=box.option,
    )


def _problems_from(file: str, raw: Mapping[str, Any], error: ValidationError) -> list[Problem]:
    details = error.errors(include_url=False)
    failed = [detail["loc"] for detail in details]
    problems = []
    for detail in details:
        if detail["type"] == "too_short" and _has_failed_item(detail["loc"], failed):
            continue  # the list is short only because an item of it was refused
        entry, field = _entry_and_field(raw, detail["loc"])
        message = detail["msg"]
        if detail["type"] != "missing":
            message = f"{message} (got {_short_repr(detail['input'])})"
        problems.append(Problem(file=file, entry=entry, field=field, message=message))
    return problems


def _has_failed_item(loc: tuple[int | str, ...], failed: list[tuple[int | str, ...]]) -> bool:
    return any(len(other) > len(loc) and other[: len(loc)] == loc for other in failed)


def _entry_and_field(raw: Mapping[str, Any], loc: tuple[int | str, ...]) -> tuple[str, str]:
    """Split an error location into the entry and the field inside it. The entry is the
    innermost table of an array that has a `code` (named by it), else the outermost table of
    an array: a rate cell's problem is reported on its rate table."""
    node: Any = raw
    entry_end, entry_code = 0, None
    for depth, key in enumerate(loc):
        node = _child(node, key)
        if isinstance(key, int) and isinstance(node, dict):
            code = node.get("code")
            if isinstance(code, str) or entry_end == 0:
                entry_end, entry_code = depth + 1, code
    if entry_end == 0:
        entry_end = 1 if len(loc) > 1 else 0
    entry = _format_path(loc[:entry_end]) or "(top level)"
    if isinstance(entry_code, str):
        entry = f"{entry} {entry_code!r}"
    return entry, _format_path(loc[entry_end:]) or "(entry)"


def _child(node: Any, key: int | str) -> Any:
    if isinstance(node, dict):
        return node.get(key)
    if isinstance(node, list) and isinstance(key, int) and key < len(node):
        return node[key]
    return None


def _format_path(parts: tuple[int | str, ...]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _short_repr(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
