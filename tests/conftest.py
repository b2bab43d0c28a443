"""Shared fixtures. Each test database is created by pytest-django (SQLite in memory, or a
`test_<name>` database on the PostgreSQL server named by DATABASE_URL)."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.test import override_settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

import guichet.catalog
from guichet.catalog.models import CatalogRelease
from guichet.catalog.services import catalog_load

CATALOG_DATA_DIR = Path(guichet.catalog.__file__).parent / "data"

# Property tests check rules, not speed (benchmarks measure it): no per-example deadline, and no
# "too slow" health check, which a loaded machine (CI runs both databases at once) would trip.
hypothesis_settings.register_profile(
    "guichet", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("guichet")


@pytest.fixture
def loaded_catalog(db: None) -> CatalogRelease:
    """The real brochure catalog, loaded into the test database through `catalog_load`."""
    return catalog_load(directory=CATALOG_DATA_DIR, now=datetime(2022, 12, 8, 9, 0, tzinfo=UTC))


@pytest.fixture(scope="session", autouse=True)
def _plain_http_test_client() -> Iterator[None]:
    # The test client and the live server speak plain HTTP; in production TLS ends at the proxy
    # and Django redirects plain requests (SECURE_SSL_REDIRECT, checked by `check --deploy` in
    # make lint). Session-wide: the live server's middleware reads the setting once, at start.
    with override_settings(SECURE_SSL_REDIRECT=False):
        yield


# Card payments: localstripe, a Stripe-compatible server, on 127.0.0.1 ----------------------------

REPO_DIR = Path(__file__).resolve().parent.parent
LOCALSTRIPE_SERVE = REPO_DIR / "scripts" / "localstripe-serve"
STRIPE_TEST_KEYS = {
    "GUICHET_STRIPE_SECRET_KEY": "sk_test_guichet",
    "GUICHET_STRIPE_PUBLISHABLE_KEY": "pk_test_guichet",
    "GUICHET_STRIPE_WEBHOOK_SECRET": "whsec_guichet_tests",
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/js.stripe.com/v3/", timeout=0.5) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@contextmanager
def localstripe_running(*, webhook: str = "") -> Iterator[str]:
    """Start localstripe on a free 127.0.0.1 port (scripts/localstripe-serve, as `make demo`
    does), wait until it answers, yield its base URL, stop it."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, str(LOCALSTRIPE_SERVE), "--port", str(port)]
    if webhook:
        command += ["--webhook", webhook]
    env = {**os.environ, **STRIPE_TEST_KEYS}
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 20
        while not _answers(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"localstripe did not start on {url}")
            time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def localstripe() -> Iterator[str]:
    """One localstripe for the session, posting no webhook (tests post signed events)."""
    with localstripe_running() as url:
        yield url


@pytest.fixture
def stripe_settings(settings, localstripe: str) -> str:
    """Point the card PSP settings at the session's localstripe; returns its URL."""
    for name, value in STRIPE_TEST_KEYS.items():
        setattr(settings, name, value)
    settings.GUICHET_STRIPE_API_BASE = localstripe
    settings.GUICHET_STRIPE_JS_URL = f"{localstripe}/js.stripe.com/v3/"
    settings.GUICHET_STRIPE_TIMEOUT_SECONDS = 10.0
    return localstripe


# -- portal: invoices and payment means --
@pytest.fixture(autouse=True)
def _sepa_creditor(settings, tmp_path):
    """The demo's direct-debit customers sign mandates and are collected (demo.invoices_payments):
    every test that builds the demo needs a creditor, and debit files out of the repository."""
    settings.GUICHET_SEPA_CREDITOR_ID = "FR72ZZZ123456"
    settings.GUICHET_SEPA_CREDITOR_NAME = "Guichet (tests)"
    settings.GUICHET_SEPA_CREDITOR_IBAN = "FR1420041010050500013M02606"
    settings.GUICHET_SEPA_OUTBOX_DIR = tmp_path / "sepa-outgoing"
