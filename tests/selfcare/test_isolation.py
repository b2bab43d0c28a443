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

from guichet.billing.documents import invoice_duplicate_request
from guichet.billing.models import Invoice
from guichet.billing.selectors import billing_account_debt_cents
from guichet.care.actors import Actor
from guichet.care.models import Order, TicketSeverity, TicketType
from guichet.care.services import ticket_open
from guichet.catalog.models import Product, ProductKind
from guichet.customers.models import Customer
from guichet.customers.selectors import customer_get_by_login_email
from guichet.demo.services import DEMO_PASSWORD, demo_data_create
from guichet.lines.call_barring import blocked_number_add
from guichet.lines.mailboxes import box_mailbox_set_primary
from guichet.lines.selectors import lines_for_customer
from guichet.payments.models.card import CardPaymentPurpose
from guichet.payments.models.instalments import InstalmentPlan
from guichet.payments.models.sepa import Mandate
from guichet.payments.services.card import payment_attempt_create
from tests.lines.builders import make_fixed_line

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
def _persona(email: str) -> Customer:
    customer = customer_get_by_login_email(email=email)
    assert customer is not None
    return customer


def _ticket_id(other: Customer) -> int:
    return ticket_open(
        customer=other,
        ticket_type=TicketType.INCIDENT,
        severity=TicketSeverity.MINOR,
        description="Pas de réseau chez moi depuis ce matin.",
        actor=Actor.customer(other.user),
        now=NOW,
    ).pk


def _request_id(other: Customer) -> int:
    invoice = Invoice.objects.filter(billing_account__customer=other).latest("id")
    return invoice_duplicate_request(
        invoice=invoice, actor=Actor.customer(other.user), now=NOW
    ).request.pk


def _blocked_id(other: Customer) -> int:
    line = lines_for_customer(customer=other)[0]
    return blocked_number_add(
        line=line, number="06 12 34 56 78", actor=Actor.customer(other.user), now=NOW
    ).pk


def _mailbox_id(other: Customer) -> int:
    box = make_fixed_line(other.billing_accounts.get())
    return box_mailbox_set_primary(
        line=box, local_part="karim.benali", actor=Actor.customer(other.user), now=NOW
    ).pk


# Objects Karim has none of in the demo: another persona's (never Hugo's, who is signed in).
def _plan_id(other: Customer) -> int:
    return InstalmentPlan.objects.get(billing_account__customer=_persona("lea@demo.guichet.fr")).pk


def _mandate_reference(other: Customer) -> str:
    camille = _persona("camille@demo.guichet.fr")
    return Mandate.objects.filter(billing_account__customer=camille).latest("id").reference


def _order_id(other: Customer) -> int:
    return Order.objects.filter(customer=_persona("lea@demo.guichet.fr")).latest("id").pk


OTHER_CUSTOMERS: dict[str, Callable[[Customer], object]] = {
    "line_id": _line_id,
    "number": _invoice_number,
    "attempt_id": _attempt_id,
    "ticket_id": _ticket_id,
    "request_id": _request_id,
    "blocked_id": _blocked_id,
    "mailbox_id": _mailbox_id,
    "plan_id": _plan_id,
    "reference": _mandate_reference,
    "order_id": _order_id,
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
