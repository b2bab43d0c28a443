"""The browser tests' harness: the portal served by a live Django server on the test database,
the demo personas in it, Debian's Chromium driven headless by Playwright, axe-core on pages.

One server, one set of personas and one browser for the whole package: creating the personas
takes seconds and launching Chromium about one, so the tests share them and each gets a fresh
browser context (its own cookies) and page. Every test of the package is marked django_db
(non-transactional, added below): on SQLite in memory the server shares the test's connection,
so what a test changes is rolled back after it; on PostgreSQL the server's connections commit,
and the tests that change data (a duplicate, a card payment) change what no other test reads.
At the end the database is flushed, so that the rest of the suite starts from an empty one.

Chromium is Debian's (/usr/bin/chromium, installed by scripts/system-packages); Playwright never
downloads a browser here. Without it the tests are skipped, except in CI, where they must run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import Browser, Page, sync_playwright
from pytest_django.live_server_helper import LiveServer

from guichet.catalog.services import catalog_load
from guichet.demo.services import DEMO_PASSWORD, demo_data_create
from tests.conftest import CATALOG_DATA_DIR, STRIPE_TEST_KEYS, localstripe_running

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps calling Google's hosts, which this
# machine's closed network refuses; --no-sandbox because CI runs as root.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MOBILE = {"width": 390, "height": 844}
WIDE = {"width": 1280, "height": 900}
# axe-core impacts that fail a test; "minor" and "moderate" ones are not (yet) a failure.
FAILING_IMPACTS = frozenset({"serious", "critical"})


@dataclass(frozen=True)
class Persona:
    first_name: str
    email: str


CAMILLE = Persona("Camille", "camille@demo.guichet.fr")
KARIM = Persona("Karim", "karim@demo.guichet.fr")
LEA = Persona("Léa", "lea@demo.guichet.fr")
HUGO = Persona("Hugo", "hugo@demo.guichet.fr")
PERSONAS = (CAMILLE, KARIM, LEA, HUGO)


# The server and its data ------------------------------------------------------------------------


HERE = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The marker makes pytest-django create the test database and open it to the live server's
    # threads during each test; tryfirst: before pytest-django orders the tests by it.
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.django_db)


@pytest.fixture(scope="package")
def portal(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The portal's base URL: a live server on the test database holding the catalog and the
    demo personas, created once for the package (at the server's real clock: its pages compute
    "today" from it). SQLite in memory works because the server thread shares the test
    thread's connection (pytest-django's LiveServer does it)."""
    chromium_required()
    # The demo's direct-debit customers sign mandates and are collected: a creditor, and debit
    # files out of the repository (as tests/conftest.py's _sepa_creditor, for the package).
    creditor = override_settings(
        GUICHET_SEPA_CREDITOR_ID="FR72ZZZ123456",
        GUICHET_SEPA_CREDITOR_NAME="Guichet (tests)",
        GUICHET_SEPA_CREDITOR_IBAN="FR1420041010050500013M02606",
        GUICHET_SEPA_OUTBOX_DIR=tmp_path_factory.mktemp("sepa-outgoing"),
    )
    creditor.enable()
    with django_db_blocker.unblock():
        catalog_load(directory=CATALOG_DATA_DIR, now=timezone.now())
        demo_data_create(customers=0, seed=1, now=timezone.now())
        server = LiveServer("127.0.0.1")
        allowed = override_settings(ALLOWED_HOSTS=["127.0.0.1", "localhost", "testserver"])
        allowed.enable()
        try:
            yield server.url
        finally:
            allowed.disable()
            server.stop()
            _close_server_connections()
            call_command("flush", interactive=False, verbosity=0)
            creditor.disable()


def _close_server_connections() -> None:
    """On PostgreSQL, end the sessions the server's request threads may still hold: a thread
    serving a browser's keep-alive socket outlives the server's shutdown (its threads are
    daemons, not joined), and its open session would keep the test database from being dropped."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.fixture(scope="package")
def psp(portal: str) -> Iterator[str]:
    """localstripe, posting its signed webhooks to the live server, with the card settings
    pointing at it (read at each request: the live server sees them)."""
    webhook = f"{portal}/psp/stripe/webhook"
    with localstripe_running(webhook=webhook) as url:
        card_settings = override_settings(
            **STRIPE_TEST_KEYS,
            GUICHET_STRIPE_API_BASE=url,
            GUICHET_STRIPE_JS_URL=f"{url}/js.stripe.com/v3/",
            GUICHET_STRIPE_TIMEOUT_SECONDS=10.0,
        )
        card_settings.enable()
        try:
            yield url
        finally:
            card_settings.disable()


# The browser ------------------------------------------------------------------------------------


def chromium_required() -> None:
    """Skip when Debian's Chromium is absent, with the reason; in CI, fail instead."""
    if CHROMIUM.exists():
        return
    reason = (
        f"Chromium is not installed at {CHROMIUM}: browser tests skipped. Install Debian's "
        "package `chromium` (scripts/system-packages does it as root, through make install)."
    )
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} CI=true: the browser tests are mandatory there.")
    pytest.skip(reason)


@pytest.fixture(scope="package")
def browser(portal: str) -> Iterator[Browser]:
    """Debian's Chromium, headless, launched once with a fresh profile.

    Playwright's sync API keeps an event loop in this thread, and Django then refuses database
    access from it (each test's transaction is opened here) unless DJANGO_ALLOW_ASYNC_UNSAFE is
    set: no Django code runs in that loop, so the check is lifted for the browser's life."""
    unsafe = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    # launch() gives Chromium a fresh temporary --user-data-dir of its own, removed on close.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()
            if unsafe is None:
                del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


def new_page(browser: Browser, viewport: dict[str, int]) -> Page:
    """A page in a context of its own (no cookie shared with another test), in French."""
    context = browser.new_context(viewport=viewport, locale="fr-FR", accept_downloads=True)
    context.set_default_timeout(15_000)
    return context.new_page()


@pytest.fixture
def page(browser: Browser, portal: str) -> Iterator[Page]:
    """A phone-sized page (390 × 844, the portal is built phone first)."""
    page = new_page(browser, MOBILE)
    try:
        yield page
    finally:
        page.context.close()


@pytest.fixture
def wide_page(browser: Browser, portal: str) -> Iterator[Page]:
    """A desktop-sized page (1280 px wide)."""
    page = new_page(browser, WIDE)
    try:
        yield page
    finally:
        page.context.close()


# Helpers ----------------------------------------------------------------------------------------


def log_in(page: Page, portal: str, persona: Persona) -> None:
    """Log in through the login form, as the persona would; lands on Accueil."""
    page.goto(f"{portal}/connexion/")
    page.get_by_label("E-mail ou numéro client").fill(persona.email)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{portal}/")


def axe_violations(page: Page, *, exclude: tuple[str, ...] = ()) -> list[str]:
    """axe-core's serious and critical violations on the page, one line each (rule, impact,
    the CSS targets of the nodes in fault). `exclude`: selectors axe leaves out (the PSP's
    own card fields, which the real PSP renders in its iframes)."""
    from axe_playwright_python.sync_playwright import Axe

    context: dict[str, Any] = {"include": [["html"]]}
    if exclude:
        context["exclude"] = [[selector] for selector in exclude]
    results = Axe().run(page, context=context, options={"resultTypes": ["violations"]})
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + ", ".join(" ".join(node["target"]) for node in violation["nodes"])
        for violation in results.response["violations"]
        if violation["impact"] in FAILING_IMPACTS
    ]


def axe_check(page: Page, *, exclude: tuple[str, ...] = ()) -> None:
    """Fail when axe-core finds a serious or critical accessibility violation on the page."""
    violations = axe_violations(page, exclude=exclude)
    assert not violations, f"axe-core on {page.url}:\n" + "\n".join(violations)
