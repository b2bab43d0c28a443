from datetime import datetime, timedelta
from pathlib import Path

import pytest

from guichet.catalog.errors import CatalogError, CatalogErrorCode
from guichet.catalog.models import (
    CatalogRelease,
    Product,
    ProductKind,
    TariffRate,
    TariffZone,
    ZoneCountry,
)
from guichet.catalog.schema import catalog_checksum, read_catalog_files
from guichet.catalog.services import catalog_load
from tests.catalog.conftest import DATA_DIR, NOW, Edit

pytestmark = pytest.mark.django_db


def table_counts() -> dict[str, int]:
    return {
        "releases": CatalogRelease.objects.count(),
        "products": Product.objects.count(),
        "zones": TariffZone.objects.count(),
        "countries": ZoneCountry.objects.count(),
        "rates": TariffRate.objects.count(),
    }


def test_load_writes_the_whole_catalog():
    release = catalog_load(directory=DATA_DIR, now=NOW)

    assert (release.version, release.is_current, release.loaded_at) == ("2022-12-08.2", True, NOW)
    assert release.checksum == catalog_checksum(read_catalog_files(DATA_DIR))
    assert release.content["release"]["source_file"] == "seeds/004_a7a278d8b1dd1761.txt"
    assert table_counts() == {
        "releases": 1,
        "products": 34,
        "zones": 6,
        "countries": 252,
        "rates": 193,
    }
    kinds = {kind: Product.objects.filter(kind=kind).count() for kind in ProductKind.values}
    assert kinds == {
        "plan": 2,
        "box_offer": 2,
        "option": 17,
        "top_up": 7,
        "bonus": 0,
        "service_fee": 6,
    }


def test_load_stores_prices_sources_and_interpretations():
    catalog_load(directory=DATA_DIR, now=NOW)

    plan = Product.objects.get(code="woot-100go")
    assert (plan.kind, plan.market, plan.price_cents, plan.is_sample) == (
        "plan",
        "mobile",
        1299,
        False,
    )
    assert plan.source.startswith("Récapitulatif contractuel, Forfait Woot 100 Go")
    assert plan.details["activation_fee_eur"] == "10"
    sample = Product.objects.get(code="woot-20go-exemple")
    assert (sample.kind, sample.market, sample.price_cents, sample.is_sample) == (
        "plan",
        "mobile",
        999,
        True,
    )
    assert sample.add_ons.filter(code="voix-premium").exists()
    assert not sample.add_ons.filter(code="retablissement-debit-woot-100go").exists()
    box = Product.objects.get(code="bbox-fibre-exemple")
    assert (box.kind, box.market, box.is_sample, box.price_cents) == (
        "box_offer",
        "fixed",
        True,
        3099,
    )
    rate = TariffRate.objects.get(key="from_abroad:voice:1:1:all")
    assert (rate.price_micro_eur, rate.charging, rate.unit) == (
        26_400,
        "first_30s_then_per_second",
        "per_minute",
    )
    assert ZoneCountry.objects.get(country_code="CN").zone.code == "3"


def test_loading_the_same_files_twice_changes_nothing():
    first = catalog_load(directory=DATA_DIR, now=NOW)
    counts = table_counts()
    product_ids = dict(Product.objects.values_list("code", "pk"))
    rate_ids = dict(TariffRate.objects.values_list("key", "pk"))

    second = catalog_load(directory=DATA_DIR, now=NOW + timedelta(days=1))

    assert second.pk == first.pk
    second.refresh_from_db()
    assert (second.loaded_at, second.is_current) == (NOW, True)
    assert table_counts() == counts
    assert dict(Product.objects.values_list("code", "pk")) == product_ids
    assert dict(TariffRate.objects.values_list("key", "pk")) == rate_ids


def test_a_new_version_updates_rows_by_code_and_keeps_dropped_products(data_copy: Path, edit: Edit):
    first = catalog_load(directory=DATA_DIR, now=NOW)
    plan_id = Product.objects.get(code="woot-100go").pk
    rate_id = TariffRate.objects.get(key="from_france:voice:-:3:all").pk
    edit("release.toml", 'version = "2022-12-08.2"', 'version = "2022-12-08.3"')
    edit("plans.toml", 'list_price_eur = "17.99"', 'list_price_eur = "18.99"')
    edit("plans.toml", 'price_eur = "12.99"', 'price_eur = "13.99"')
    edit(
        "rates.toml",
        '{ destination = "3", price_eur = "1.50" }',
        '{ destination = "3", price_eur = "1.60" }',
    )
    edit("compatibility.toml", 'products = ["double-appel"]\n', "")
    edit(
        "options.toml", '[[option]]\ncode = "double-appel"', '[[option]]\ncode = "double-appel-v2"'
    )

    second = catalog_load(directory=data_copy, now=NOW + timedelta(days=1))

    first.refresh_from_db()
    assert (first.is_current, second.is_current, second.version) == (False, True, "2022-12-08.3")
    plan = Product.objects.get(code="woot-100go")
    assert (plan.pk, plan.price_cents, plan.release_id) == (plan_id, 1399, second.pk)
    rate = TariffRate.objects.get(key="from_france:voice:-:3:all")
    assert (rate.pk, rate.price_micro_eur) == (rate_id, 1_600_000)
    dropped = Product.objects.get(code="double-appel")
    assert (dropped.is_current, dropped.release_id) == (False, first.pk)
    assert Product.objects.get(code="double-appel-v2").is_current is True
    assert CatalogRelease.objects.count() == 2


def test_reloading_an_older_release_makes_it_current_again(data_copy: Path, edit: Edit):
    first = catalog_load(directory=DATA_DIR, now=NOW)
    edit("release.toml", 'version = "2022-12-08.2"', 'version = "2022-12-08.3"')
    edit("options.toml", 'price_eur = "3.49"', 'price_eur = "3.99"')
    catalog_load(directory=data_copy, now=NOW + timedelta(days=1))

    again = catalog_load(directory=DATA_DIR, now=NOW + timedelta(days=2))

    assert again.pk == first.pk
    assert list(CatalogRelease.objects.filter(is_current=True)) == [first]
    assert Product.objects.get(code="digital-coach").price_cents == 349


def test_changed_files_under_the_same_version_are_refused(data_copy: Path, edit: Edit):
    catalog_load(directory=DATA_DIR, now=NOW)
    counts = table_counts()
    edit("options.toml", 'price_eur = "3.49"', 'price_eur = "3.99"')

    with pytest.raises(CatalogError) as refused:
        catalog_load(directory=data_copy, now=NOW + timedelta(days=1))

    assert refused.value.code == CatalogErrorCode.VERSION_NOT_BUMPED
    assert refused.value.message == (
        "The catalog files differ from release '2022-12-08.2' loaded on 2022-12-08: "
        "give them a new `version` in release.toml"
    )
    assert table_counts() == counts
    assert Product.objects.get(code="digital-coach").price_cents == 349


def test_invalid_files_are_refused_and_nothing_is_written(data_copy: Path, edit: Edit):
    edit("zones.toml", 'countries = ["TN"]', 'countries = ["TN", "US"]')

    with pytest.raises(CatalogError) as refused:
        catalog_load(directory=data_copy, now=NOW)

    assert refused.value.code == CatalogErrorCode.INVALID_DATA
    assert [str(problem) for problem in refused.value.problems] == [
        "zones.toml: zone[4] '3bis': countries: US is already in zone '2'"
    ]
    assert table_counts() == {"releases": 0, "products": 0, "zones": 0, "countries": 0, "rates": 0}


def test_a_naive_clock_is_refused():
    with pytest.raises(ValueError, match="now must be timezone-aware"):
        catalog_load(directory=DATA_DIR, now=datetime(2022, 12, 8, 9, 0))
    assert CatalogRelease.objects.count() == 0


def test_options_and_top_ups_are_linked_to_their_plans():
    catalog_load(directory=DATA_DIR, now=NOW)

    plan = Product.objects.get(code="woot-100go")
    assert plan.add_ons.filter(kind=ProductKind.OPTION).count() == 15
    assert plan.add_ons.filter(kind=ProductKind.TOP_UP).count() == 7
    box = Product.objects.get(code="bbox-fibre-exemple")
    assert sorted(box.add_ons.values_list("code", flat=True)) == [
        "box-appels-mobiles-exemple",
        "box-decodeur-supplementaire-exemple",
    ]
