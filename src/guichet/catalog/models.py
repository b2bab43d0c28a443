"""The catalog as stored in the database: what the brochure data files say, once validated.

The data files (`data/*.toml`) are the source of truth; `guichet catalog load` writes these rows
idempotently. Other contexts reference a product by foreign key to `Product` (stable `code`).
Products are never deleted (a release that drops one marks it `is_current = False`); tariff
zones, zone countries and rates are reference rows replaced by each release, not to be
referenced by foreign key from other contexts.
"""

from django.db import models
from django.db.models import Q


class Market(models.TextChoices):
    MOBILE = "mobile", "Mobile"
    FIXED = "fixed", "Fixe"


class ProductKind(models.TextChoices):
    PLAN = "plan", "Forfait"
    BOX_OFFER = "box_offer", "Offre box"
    OPTION = "option", "Option"
    TOP_UP = "top_up", "Recharge"
    BONUS = "bonus", "Bonus"
    SERVICE_FEE = "service_fee", "Frais de service"


class RateDirection(models.TextChoices):
    FROM_FRANCE = "from_france", "De la France vers l'étranger"
    FROM_ABROAD = "from_abroad", "Depuis l'étranger"
    RECEIVED_ABROAD = "received_abroad", "Réception à l'étranger"


class RateService(models.TextChoices):
    VOICE = "voice", "Appels voix"
    VIDEO = "video", "Appels visio"
    SMS = "sms", "SMS"
    MMS = "mms", "MMS"
    DATA = "data", "Internet mobile"


class RateUnit(models.TextChoices):
    PER_MINUTE = "per_minute", "€/min"
    PER_RECIPIENT = "per_recipient", "€/destinataire"
    PER_MO = "per_mo", "€/Mo"


class Charging(models.TextChoices):
    FIRST_MINUTE_THEN_PER_SECOND = (
        "first_minute_then_per_second",
        "À la seconde après la 1re minute indivisible",
    )
    FIRST_30S_THEN_PER_SECOND = (
        "first_30s_then_per_second",
        "À la seconde après les 30 premières secondes indivisibles",
    )
    PER_SECOND = "per_second", "À la seconde dès la 1re seconde"


class Travellers(models.TextChoices):
    ALL = "all", "Tous les voyageurs"
    NON_OCCASIONAL = "non_occasional", "Voyageurs non occasionnels"


class CatalogRelease(models.Model):
    """One loaded version of the catalog data files (idempotent on `version` + `checksum`)."""

    version = models.CharField(max_length=40, unique=True)
    checksum = models.CharField(max_length=64)
    source_document = models.CharField(max_length=200)
    loaded_at = models.DateTimeField()
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    is_current = models.BooleanField(
        default=False, help_text="The release whose rows are in the catalog tables now."
    )
    content = models.JSONField(
        default=dict, help_text="The whole validated catalog of this release (schema.Catalog)."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"],
                condition=Q(is_current=True),
                name="catalog_release_one_current",
            )
        ]

    def __str__(self) -> str:
        return self.version


class Product(models.Model):
    """A sellable item of the catalog: plan, box offer, option, top-up, bonus or service fee."""

    code = models.SlugField(max_length=60, unique=True)
    kind = models.CharField(max_length=20, choices=ProductKind.choices)
    market = models.CharField(max_length=10, choices=Market.choices)
    name = models.CharField(max_length=200)
    # Prices include VAT (brochure); cents, None when the price is not a fixed amount.
    price_cents = models.IntegerField(null=True, blank=True)
    is_sample = models.BooleanField(
        default=False, help_text="Sample data, not from the brochure (e.g. the box offer)."
    )
    source = models.CharField(max_length=200, help_text="Brochure section the values come from.")
    interpretation = models.TextField(
        blank=True, help_text="How an ambiguous or merged brochure cell was read."
    )
    details = models.JSONField(default=dict, help_text="The validated data-file entry.")
    release = models.ForeignKey(CatalogRelease, on_delete=models.PROTECT, related_name="products")
    is_current = models.BooleanField(
        default=True, help_text="In the current release (a dropped product is kept, not deleted)."
    )
    available_with = models.ManyToManyField(
        "self",
        symmetrical=False,
        related_name="add_ons",
        blank=True,
        help_text="Options and top-ups: the plans or box offers they can be added to.",
    )

    class Meta:
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class TariffZone(models.Model):
    """A tariff zone of International §1 (1, 1 bis, 2, 3, 3 bis, satellite networks)."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(help_text="Column order of the brochure.")
    rest_of_world = models.BooleanField(
        default=False, help_text="Every country no other zone lists (zone 3)."
    )
    calling_codes = models.JSONField(
        default=list, help_text="International prefixes of non-geographic networks (satellite)."
    )
    visited_network_mccs = models.JSONField(
        default=list, help_text="Mobile country codes of visited networks in this zone."
    )
    source = models.CharField(max_length=200)
    interpretation = models.TextField(blank=True)
    release = models.ForeignKey(CatalogRelease, on_delete=models.PROTECT, related_name="zones")

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.name


class ZoneCountry(models.Model):
    """One ISO 3166-1 alpha-2 country and its tariff zone (every country has exactly one)."""

    country_code = models.CharField(max_length=2, unique=True)
    name = models.CharField(max_length=100)
    zone = models.ForeignKey(TariffZone, on_delete=models.CASCADE, related_name="countries")

    class Meta:
        ordering = ["country_code"]

    def __str__(self) -> str:
        return f"{self.country_code} {self.name}"


class TariffRate(models.Model):
    """One out-of-bundle price of International §2 for a zone pair, in micro-euros TTC."""

    key = models.CharField(
        max_length=80, unique=True, help_text="direction:service:origin:destination:travellers"
    )
    table = models.CharField(max_length=60, help_text="Code of the data-file table.")
    direction = models.CharField(max_length=20, choices=RateDirection.choices)
    service = models.CharField(max_length=10, choices=RateService.choices)
    origin = models.ForeignKey(
        TariffZone, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    destination = models.ForeignKey(
        TariffZone, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    travellers = models.CharField(max_length=20, choices=Travellers.choices)
    # Micro-euros (1 € = 1,000,000): the brochure prints rates to 1/100,000 €.
    price_micro_eur = models.BigIntegerField()
    unit = models.CharField(max_length=20, choices=RateUnit.choices)
    charging = models.CharField(max_length=40, choices=Charging.choices, blank=True)
    source = models.CharField(max_length=200)
    interpretation = models.TextField(blank=True)
    release = models.ForeignKey(CatalogRelease, on_delete=models.PROTECT, related_name="rates")

    class Meta:
        ordering = ["direction", "service", "origin__position", "destination__position"]

    def __str__(self) -> str:
        return self.key

    @staticmethod
    def key_for(
        *,
        direction: str,
        service: str,
        origin: str | None,
        destination: str | None,
        travellers: str,
    ) -> str:
        """The natural key of a rate: direction:service:origin:destination:travellers, with
        "-" for the origin of a from-France rate or the destination of a per-zone one."""
        return ":".join((direction, service, origin or "-", destination or "-", travellers))
