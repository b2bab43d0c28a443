"""Build customers through the real services, for the tests of every context."""

from datetime import UTC, date, datetime
from itertools import count
from typing import Any

from guichet.care.actors import Actor
from guichet.customers.models import AddressKind, Civility, Customer, User
from guichet.customers.services import address_set, customer_create

# A Monday morning, 10:00 in Paris.
NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"
SYSTEM = Actor.system()

_serial = count(1)


def make_customer(**overrides: Any) -> Customer:
    n = next(_serial)
    fields: dict[str, Any] = {
        "email": f"client{n}@example.fr",
        "password": PASSWORD,
        "civility": Civility.MADAME,
        "first_name": "Camille",
        "last_name": "Martin",
        "birth_date": date(1990, 5, 17),
        "contact_phone": f"06 12 34 {n // 100 % 100:02d} {n % 100:02d}",
        "actor": SYSTEM,
        "now": NOW,
    }
    fields.update(overrides)
    return customer_create(**fields)


def make_advisor() -> User:
    return User.objects.create_user(f"advisor{next(_serial)}@operator.fr", PASSWORD, is_staff=True)


def give_address(customer: Customer, kind: AddressKind = AddressKind.POSTAL) -> Any:
    return address_set(
        customer=customer,
        kind=kind,
        street_lines=["12 rue de la Paix"],
        postcode="75002",
        city="Paris",
        actor=SYSTEM,
        now=NOW,
    )


def as_customer(customer: Customer) -> Actor:
    return Actor.customer(customer.user)
