"""The catalog as stored in the database: what the brochure data files say, once validated.

The data files (`data/*.toml`) are the source of truth; `guichet catalog load` writes these rows
idempotently. Other contexts reference a product by foreign key to `Product` (stable `code`).
"""

from django.db import models


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


class CatalogRelease(models.Model):
    """One loaded version of the catalog data files (idempotent on `version` + `checksum`)."""

    version = models.CharField(max_length=40, unique=True)
    checksum = models.CharField(max_length=64)
    source_document = models.CharField(max_length=200)
    loaded_at = models.DateTimeField()

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

    class Meta:
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"
