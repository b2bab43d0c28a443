import subprocess
import sys
from typing import get_args

from guichet.catalog import models, schema
from guichet.catalog.rendering import euros, rate_euros


def test_schema_errors_and_rendering_import_no_django():
    # The rating core imports the schema where Django is not configured (Spark executors).
    probe = (
        "import sys\n"
        "import guichet.catalog.schema, guichet.catalog.errors, guichet.catalog.rendering\n"
        "print(sorted(n for n in sys.modules if n == 'django' or n.startswith('django.')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_database_choices_match_the_schema_vocabulary():
    assert set(models.RateDirection.values) == set(get_args(schema.Direction))
    assert set(models.RateService.values) == set(get_args(schema.Service))
    assert set(models.RateUnit.values) == set(get_args(schema.Unit))
    assert set(models.Charging.values) == set(get_args(schema.Charging))
    assert set(models.Travellers.values) == set(get_args(schema.Travellers))
    assert set(models.Market.values) == set(get_args(schema.Market))
    assert set(models.ProductKind.values) == set(get_args(schema.ProductKindName))


def test_money_is_shown_the_french_way_without_floats():
    assert euros(1299) == "12,99 €"
    assert euros(50_000) == "500,00 €"
    assert rate_euros(2_160) == "0,00216 €"
    assert rate_euros(26_400) == "0,0264 €"
    assert rate_euros(1_500_000) == "1,50 €"
    assert rate_euros(7_000_000) == "7,00 €"
