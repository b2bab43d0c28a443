import pytest

from guichet.catalog import selectors
from guichet.catalog.errors import CatalogError, CatalogErrorCode
from guichet.catalog.models import CatalogRelease, Market
from guichet.catalog.schema import Catalog


@pytest.mark.django_db
def test_catalog_current_refuses_an_empty_database():
    with pytest.raises(CatalogError) as refused:
        selectors.catalog_current()
    assert refused.value.code == CatalogErrorCode.NOT_LOADED
    assert refused.value.message == (
        "Le catalogue n'est pas chargé dans la base de données : lancez `guichet catalog load`."
    )
    assert selectors.release_current() is None


def test_catalog_current_is_the_loaded_catalog(loaded: CatalogRelease, catalog: Catalog):
    assert selectors.release_current() == loaded
    assert selectors.catalog_current() == catalog
    assert selectors.bill_advance_get().new_customer_threshold_cents == 3000
    assert selectors.terms_get().termination.notice.amount == 10


def test_product_get(loaded: CatalogRelease):
    plan = selectors.product_get(code="woot-100go")
    assert plan is not None and (plan.name, plan.price_cents) == ("Woot 100 Go", 1299)
    assert selectors.product_get(code="woot-50go") is None


def test_plans_box_offers_and_fees(loaded: CatalogRelease):
    assert [p.code for p in selectors.plans_list()] == ["woot-100go", "woot-20go-exemple"]
    assert [p.code for p in selectors.plans_list(market=Market.FIXED)] == []
    assert [p.code for p in selectors.box_offers_list()] == [
        "bbox-fibre-essentiel-exemple",
        "bbox-fibre-exemple",
    ]
    assert [(p.code, p.price_cents) for p in selectors.fees_list()] == [
        ("changement-numero", 1000),
        ("deblocage-carte-sim", 500),
        ("modification-date-prelevement", 500),
        ("remise-en-service-impaye", 1000),
        ("remplacement-carte-sim", 1000),
        ("suspension-vol-perte", 0),
    ]


def test_options_and_top_ups_for_plan(loaded: CatalogRelease):
    plan = selectors.product_get(code="woot-100go")
    assert plan is not None
    options = [(o.code, o.price_cents) for o in selectors.options_for_plan(plan=plan)]
    assert options[:4] == [
        ("appels-fixes-85-destinations", 400),
        ("appels-ue-suisse-1h", 500),
        ("blocage", 100),
        ("blocage-numeros-surtaxes", 0),
    ]
    assert len(options) == 15
    top_ups = [t.code for t in selectors.top_ups_for_plan(plan=plan)]
    assert top_ups == [
        "data-usa-canada-3go",
        "data-usa-canada-500mo",
        "multi-destinations-appels-sms",
        "multi-destinations-data",
        "retablissement-debit-woot-100go",
        "voyage-usa-canada-suisse-14j",
        "voyage-usa-canada-suisse-7j",
    ]


def test_zones_list_loads_countries_up_front(loaded: CatalogRelease, django_assert_num_queries):
    with django_assert_num_queries(2):
        zones = {
            zone.code: {c.country_code for c in zone.countries.all()}
            for zone in selectors.zones_list()
        }
    assert list(zones) == ["1", "1bis", "2", "3", "3bis", "satellite"]
    assert zones["2"] == {"DZ", "CA", "US", "MA", "TR"}
    assert len(zones["3"]) == 205
    assert zones["satellite"] == set()


def test_zone_for_country(loaded: CatalogRelease):
    assert selectors.zone_for_country(country_code="US").code == "2"
    assert selectors.zone_for_country(country_code="TN").code == "3bis"
    with pytest.raises(CatalogError) as refused:
        selectors.zone_for_country(country_code="ZZ")
    assert refused.value.code == CatalogErrorCode.UNKNOWN_COUNTRY


def test_rate_get_and_rates_list(loaded: CatalogRelease):
    rate = selectors.rate_get(direction="from_france", service="voice", destination="3")
    assert (rate.price_micro_eur, rate.charging) == (1_500_000, "first_minute_then_per_second")
    reception = selectors.rate_get(
        direction="received_abroad", service="voice", origin="1", travellers="non_occasional"
    )
    assert (reception.price_micro_eur, reception.charging) == (4_800, "per_second")
    data = selectors.rates_list(direction="from_abroad", service="data")
    assert [(r.origin.code, r.price_micro_eur) for r in data if r.origin] == [
        ("1", 2_160),
        ("1bis", 700_000),
        ("2", 15_400_000),
        ("3", 15_400_000),
        ("3bis", 15_400_000),
        ("satellite", 15_400_000),
    ]
    with pytest.raises(CatalogError) as refused:
        selectors.rate_get(direction="from_france", service="data", destination="1")
    assert refused.value.message == "No rate 'from_france:data:-:1:all'"
