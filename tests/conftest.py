"""Shared fixtures. Each test database is created by pytest-django (SQLite in memory, or a
`test_<name>` database on the PostgreSQL server named by DATABASE_URL)."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

import guichet.catalog
from guichet.catalog.models import CatalogRelease
from guichet.catalog.services import catalog_load

CATALOG_DATA_DIR = Path(guichet.catalog.__file__).parent / "data"


@pytest.fixture
def loaded_catalog(db: None) -> CatalogRelease:
    """The real brochure catalog, loaded into the test database through `catalog_load`."""
    return catalog_load(directory=CATALOG_DATA_DIR, now=datetime(2022, 12, 8, 9, 0, tzinfo=UTC))


@pytest.fixture(autouse=True)
def _plain_http_test_client(settings):
    # The test client speaks plain HTTP; in production TLS ends at the proxy and Django
    # redirects plain requests (SECURE_SSL_REDIRECT, checked by `check --deploy` in make lint).
    settings.SECURE_SSL_REDIRECT = False
