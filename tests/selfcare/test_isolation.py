"""A customer can only ever reach their own lines, invoices, payments and documents.

Signed in as Hugo, every self-care URL that names an object (a kwarg in `OTHER_CUSTOMERS`) is
requested with an object of Karim's, by GET and by POST, and must answer 404 (or 405 for a
method the page does not take). The patterns are read from the URL resolver, so the pages
added later are covered without editing this file; a page with a new kind of identifier makes
the test fail until `OTHER_CUSTOMERS` says how to find another customer's one.
"""

from collections.abc import Callable, Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from guichet.billing.models import Invoice
from guichet.billing.selectors import billing_account_debt_cents
from guichet.care.actors import Actor
from guichet.catalog.models import Product, ProductKind
from guichet.customers.models import Customer
from guichet.customers.selectors import customer_get_by_login_email
from guichet.demo.services import DEMO_PASSWORD, demo_data_create
from guichet.lines.selectors import lines_for_customer
from guichet.payments.models.card import CardPaymentPurpose
from guichet.payments.services.card import payment_attempt_create

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=ZoneInfo("Europe/Paris"))

pytestmark = pytest.mark.django_db


def _line_id(other: Customer) -> int:
    return lines_for_customer(customer=other)[0].pk


def _invoice_number(other: Customer) -> str:
    return Invoice.objects.filter(billing_account__customer=other).latest("id").number


def _attempt_id(other: Customer) -> int:
    account = other.billing_accounts.get()
    attempt = payment_attempt_create(
        customer=other,
        purpose=CardPaymentPurpose.ARREARS,
        amount_cents=billing_account_debt_cents(billing_account=account),
        actor=Actor.customer(other.user),
        now=NOW,
    )
    return attempt.pk


# How to name an object of another customer, for each URL kwarg that identifies one.
OTHER_CUSTOMERS: dict[str, Callable[[Customer], object]] = {
    "line_id": _line_id,
    "number": _invoice_number,
    "attempt_id": _attempt_id,
}
# Kwargs that are credentials in themselves (a link's token), not the id of an object.
NOT_OBJECT_IDS = {"token", "uidb64"}


def _top_up_code(other: Customer) -> str:
    # A catalog product is everyone's: a valid one, so that only the other's line can 404.
    return Product.objects.filter(kind=ProductKind.TOP_UP).order_by("code").first().code


# Kwargs naming something shared by all customers, given a valid value alongside the ids.
SHARED_REFERENCES: dict[str, Callable[[Customer], object]] = {"code": _top_up_code}


def _patterns(
    resolver: URLResolver, converters: dict[str, object]
) -> Iterator[tuple[str, dict[str, object]]]:
    for entry in resolver.url_patterns:
        found = {**converters, **getattr(entry.pattern, "converters", {})}
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, found)
        elif isinstance(entry, URLPattern) and entry.name:
            yield entry.name, found


def selfcare_patterns_with_ids() -> list[tuple[str, list[str]]]:
    _, selfcare = get_resolver().namespace_dict["selfcare"]
    return sorted(
        (name, sorted(set(converters) - NOT_OBJECT_IDS))
        for name, converters in _patterns(selfcare, {})
        if set(converters) - NOT_OBJECT_IDS - set(SHARED_REFERENCES)
    )


def test_the_walk_finds_the_pages_that_take_an_id():
    names = {name for name, _ in selfcare_patterns_with_ids()}

    assert {"card_payment", "invoice_pdf", "invoice_duplicate"} <= names
    assert "email_confirm" not in names  # a token is not an object id


def test_no_page_shows_or_changes_another_customers_object(client, loaded_catalog):
    demo_data_create(customers=0, seed=1, now=NOW)
    karim = customer_get_by_login_email(email="karim@demo.guichet.fr")
    response = client.post(
        reverse("selfcare:login"), {"username": "hugo@demo.guichet.fr", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    others: dict[str, object] = {}
    walked = []

    for name, kwargs in selfcare_patterns_with_ids():
        finders = {**SHARED_REFERENCES, **OTHER_CUSTOMERS}
        unknown = set(kwargs) - set(finders)
        assert not unknown, f"{name}: say in OTHER_CUSTOMERS how to find another's {unknown}"
        values = {kwarg: others.get(kwarg) or finders[kwarg](karim) for kwarg in kwargs}
        others.update(values)
        url = reverse(f"selfcare:{name}", kwargs=values)

        got = client.get(url).status_code
        posted = client.post(url).status_code

        assert {got, posted} <= {404, 405} and 404 in {got, posted}, (name, url, got, posted)
        walked.append(name)

    assert len(walked) >= 5
