"""Writes of the catalog context: loading a release of the data files into the tables."""

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from django.db import transaction

from guichet.catalog import schema
from guichet.catalog.errors import CatalogError, CatalogErrorCode
from guichet.catalog.models import CatalogRelease, Product, TariffRate, TariffZone, ZoneCountry


@transaction.atomic
def catalog_load(*, directory: Path, now: datetime) -> CatalogRelease:
    """Validate the data files of `directory` and make them the current catalog.

    Idempotent: loading the files of the current release again writes nothing. Changed files
    need a new `version` in release.toml (else CatalogError VERSION_NOT_BUMPED); their rows are
    updated by code, products a release drops are kept with `is_current = False`.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    files = schema.read_catalog_files(directory)
    catalog = schema.catalog_from_files(files)
    release = _release_get_or_create(
        catalog=catalog, checksum=schema.catalog_checksum(files), now=now
    )
    if release.is_current:
        return release
    _products_apply(catalog=catalog, release=release)
    zones = _zones_apply(catalog=catalog, release=release)
    _rates_apply(catalog=catalog, release=release, zones=zones)
    _release_make_current(release=release)
    return release


def _release_get_or_create(
    *, catalog: schema.Catalog, checksum: str, now: datetime
) -> CatalogRelease:
    version = catalog.release.version
    existing = CatalogRelease.objects.select_for_update().filter(version=version).first()
    if existing is None:
        return CatalogRelease.objects.create(
            version=version,
            checksum=checksum,
            source_document=catalog.release.source_document,
            loaded_at=now,
            valid_from=catalog.release.valid_from,
            valid_until=catalog.release.valid_until,
            content=catalog.model_dump(mode="json"),
        )
    if existing.checksum != checksum:
        raise CatalogError(
            code=CatalogErrorCode.VERSION_NOT_BUMPED,
            message=(
                f"The catalog files differ from release {version!r} loaded on "
                f"{existing.loaded_at:%Y-%m-%d}: give them a new `version` in release.toml"
            ),
            extra={"version": version, "loaded_checksum": existing.checksum},
        )
    return existing


def _products_apply(*, catalog: schema.Catalog, release: CatalogRelease) -> None:
    rows = {
        product.code: _product_upsert(product=product, release=release)
        for product in catalog.products
    }
    Product.objects.filter(is_current=True).exclude(code__in=rows).update(is_current=False)
    for add_on in (*catalog.all_options, *catalog.top_ups):
        rows[add_on.code].available_with.set([rows[plan] for plan in add_on.plans])


def _product_upsert(*, product: schema.CatalogProduct, release: CatalogRelease) -> Product:
    row, _ = Product.objects.update_or_create(
        code=product.code,
        defaults={
            "kind": product.product_kind,
            "market": product.market,
            "name": product.name,
            "price_cents": product.price_cents,
            "is_sample": product.is_sample,
            "source": product.source,
            "interpretation": product.interpretation,
            "details": product.model_dump(mode="json"),
            "release": release,
            "is_current": True,
        },
    )
    return row


def _zones_apply(*, catalog: schema.Catalog, release: CatalogRelease) -> dict[str, TariffZone]:
    codes = [zone.code for zone in catalog.zones]
    # Rates of a dropped zone go first: they reference it.
    TariffRate.objects.exclude(origin__isnull=True).exclude(origin__code__in=codes).delete()
    TariffRate.objects.exclude(destination__isnull=True).exclude(
        destination__code__in=codes
    ).delete()
    zones = {
        zone.code: _zone_upsert(zone=zone, position=position, release=release)
        for position, zone in enumerate(catalog.zones)
    }
    _upsert(
        ZoneCountry,
        (
            ZoneCountry(
                country_code=country.code,
                name=country.name,
                zone=zones[catalog.zone_of_country(country.code)],
            )
            for country in catalog.countries.country
        ),
        unique_field="country_code",
        update_fields=["name", "zone"],
    )
    ZoneCountry.objects.exclude(
        country_code__in=[country.code for country in catalog.countries.country]
    ).delete()
    TariffZone.objects.exclude(code__in=codes).delete()
    return zones


def _zone_upsert(*, zone: schema.Zone, position: int, release: CatalogRelease) -> TariffZone:
    row, _ = TariffZone.objects.update_or_create(
        code=zone.code,
        defaults={
            "name": zone.name,
            "position": position,
            "rest_of_world": zone.rest_of_world,
            "calling_codes": list(zone.calling_codes),
            "visited_network_mccs": list(zone.visited_network_mccs),
            "source": zone.source,
            "interpretation": zone.interpretation,
            "release": release,
        },
    )
    return row


def _rates_apply(
    *, catalog: schema.Catalog, release: CatalogRelease, zones: dict[str, TariffZone]
) -> None:
    rows = [_rate_row(rate=rate, release=release, zones=zones) for rate in catalog.rates]
    _upsert(
        TariffRate,
        rows,
        unique_field="key",
        update_fields=[
            "table",
            "direction",
            "service",
            "origin",
            "destination",
            "travellers",
            "price_micro_eur",
            "unit",
            "charging",
            "source",
            "interpretation",
            "release",
        ],
    )
    TariffRate.objects.exclude(key__in=[row.key for row in rows]).delete()


def _rate_row(
    *, rate: schema.Rate, release: CatalogRelease, zones: dict[str, TariffZone]
) -> TariffRate:
    return TariffRate(
        key=TariffRate.key_for(
            direction=rate.direction,
            service=rate.service,
            origin=rate.origin,
            destination=rate.destination,
            travellers=rate.travellers,
        ),
        table=rate.table,
        direction=rate.direction,
        service=rate.service,
        origin=None if rate.origin is None else zones[rate.origin],
        destination=None if rate.destination is None else zones[rate.destination],
        travellers=rate.travellers,
        price_micro_eur=rate.price_micro_eur,
        unit=rate.unit,
        charging=rate.charging or "",
        source=rate.source,
        interpretation=rate.interpretation,
        release=release,
    )


def _upsert(
    model: type[ZoneCountry] | type[TariffRate],
    rows: Iterable[ZoneCountry] | Iterable[TariffRate],
    *,
    unique_field: str,
    update_fields: list[str],
) -> None:
    # One INSERT … ON CONFLICT UPDATE: row ids stay stable from one release to the next.
    model.objects.bulk_create(
        list(rows),
        update_conflicts=True,
        unique_fields=[unique_field],
        update_fields=update_fields,
    )


def _release_make_current(*, release: CatalogRelease) -> None:
    CatalogRelease.objects.filter(is_current=True).exclude(pk=release.pk).update(is_current=False)
    release.is_current = True
    release.save(update_fields=["is_current"])
