"""Reads of the catalog context. Other contexts read the catalog only through these functions.

Row lookups return model instances (products are what other contexts reference by foreign key);
`catalog_current()` returns the pure `schema.Catalog` of the current release, rebuilt from the
database, for rules that need the brochure's details (terms, bill advance, allowances…).
"""

import json

from django.db.models import Q, QuerySet

from guichet.catalog.errors import CatalogError, CatalogErrorCode
from guichet.catalog.models import (
    CatalogRelease,
    Market,
    Product,
    ProductKind,
    RateDirection,
    TariffRate,
    TariffZone,
    Travellers,
    ZoneCountry,
)
from guichet.catalog.schema import BillAdvance, Catalog, Option, Terms

NOT_LOADED_MESSAGE = (
    "Le catalogue n'est pas chargé dans la base de données : lancez `guichet catalog load`."
)

# A release's content never changes once loaded (version + checksum), so its Catalog is built
# once per process.
_catalogs: dict[tuple[int, str], Catalog] = {}


def release_current() -> CatalogRelease | None:
    return CatalogRelease.objects.filter(is_current=True).first()


def catalog_current() -> Catalog:
    """The validated catalog of the current release; CatalogError NOT_LOADED when none."""
    release = release_current()
    if release is None:
        raise CatalogError(code=CatalogErrorCode.NOT_LOADED, message=NOT_LOADED_MESSAGE)
    key = (release.pk, release.checksum)
    if key not in _catalogs:
        _catalogs[key] = Catalog.model_validate_json(json.dumps(release.content))
    return _catalogs[key]


def bill_advance_get() -> BillAdvance:
    return catalog_current().bill_advance


def terms_get() -> Terms:
    return catalog_current().terms


def product_get(*, code: str) -> Product | None:
    """The product with this code (current or dropped by a later release), or None."""
    return Product.objects.filter(code=code).first()


def products_list(
    *, kind: ProductKind | None = None, market: Market | None = None
) -> QuerySet[Product]:
    """Products of the current release, in catalog order (kind, code)."""
    products = Product.objects.filter(is_current=True)
    if kind is not None:
        products = products.filter(kind=kind)
    if market is not None:
        products = products.filter(market=market)
    return products


def plans_list(*, market: Market | None = None) -> QuerySet[Product]:
    return products_list(kind=ProductKind.PLAN, market=market)


def box_offers_list() -> QuerySet[Product]:
    return products_list(kind=ProductKind.BOX_OFFER)


def options_for_plan(*, plan: Product) -> QuerySet[Product]:
    """The current options that can be added to this plan or box offer."""
    return plan.add_ons.filter(is_current=True, kind=ProductKind.OPTION).order_by("code")


def top_ups_for_plan(*, plan: Product) -> QuerySet[Product]:
    return plan.add_ons.filter(is_current=True, kind=ProductKind.TOP_UP).order_by("code")


def fees_list() -> QuerySet[Product]:
    return products_list(kind=ProductKind.SERVICE_FEE)


def zones_list() -> QuerySet[TariffZone]:
    """Tariff zones in the brochure's order, each with its countries loaded."""
    return TariffZone.objects.order_by("position").prefetch_related("countries")


def zone_for_country(*, country_code: str) -> TariffZone:
    row = ZoneCountry.objects.select_related("zone").filter(country_code=country_code).first()
    if row is None:
        raise CatalogError(
            code=CatalogErrorCode.UNKNOWN_COUNTRY,
            message=f"{country_code!r} is not a loaded ISO 3166-1 alpha-2 country code",
        )
    return row.zone


def rates_list(*, direction: str | None = None, service: str | None = None) -> QuerySet[TariffRate]:
    rates = TariffRate.objects.select_related("origin", "destination")
    if direction is not None:
        rates = rates.filter(direction=direction)
    if service is not None:
        rates = rates.filter(service=service)
    return rates


def rate_get(
    *,
    direction: str,
    service: str,
    origin: str | None = None,
    destination: str | None = None,
    travellers: str = Travellers.ALL,
) -> TariffRate:
    key = TariffRate.key_for(
        direction=direction,
        service=service,
        origin=origin,
        destination=destination,
        travellers=travellers,
    )
    rate = TariffRate.objects.filter(key=key).first()
    if rate is None:
        raise CatalogError(code=CatalogErrorCode.UNKNOWN_RATE, message=f"No rate {key!r}")
    return rate


# -- portal: home and usage --


def countries_list() -> list[ZoneCountry]:
    """Every country of the catalog with its zone, by French name (the rates page's search)."""
    return sorted(ZoneCountry.objects.select_related("zone"), key=lambda country: country.name)


def rates_for_zone(*, zone: TariffZone) -> QuerySet[TariffRate]:
    """The rates a customer pays with this zone: calls and messages from France to it, and
    what is sent, used or received while in it."""
    return rates_list().filter(
        Q(direction=RateDirection.FROM_FRANCE, destination=zone)
        | (~Q(direction=RateDirection.FROM_FRANCE) & Q(origin=zone))
    )


def option_due_whole_month(*, product: Product) -> bool:
    """Whether the option is due in full for each month it is in force in
    (`schema.Option.due_whole_month`, as the release that described it says)."""
    return (
        product.kind == ProductKind.OPTION
        and Option.model_validate(product.details).due_whole_month
    )
