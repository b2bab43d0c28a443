"""The advisor console's fixtures: the real catalog, an advisor, a mobile and a box line built
through the real services, and a logged-in test client for each side."""

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from guichet.catalog.models import Product
from guichet.customers.models import AddressKind, Customer, User
from guichet.lines.models import EquipmentKind, Line, Ownership
from guichet.lines.services import equipment_register, line_activate, subscription_add
from tests.customers.builders import NOW, SYSTEM, give_address, make_advisor, make_customer
from tests.lines.builders import make_account, make_catalog, make_fixed_line, make_mobile_line


@pytest.fixture(autouse=True)
def fast_password_hasher(settings: Settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def private_media(settings: Settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def catalog(db: None) -> dict[str, Product]:
    return make_catalog()


@pytest.fixture
def advisor(db: None) -> User:
    return make_advisor()


@pytest.fixture
def advisor_client(advisor: User) -> Client:
    client = Client()
    client.force_login(advisor)
    return client


def client_for(customer: Customer) -> Client:
    client = Client()
    client.force_login(customer.user)
    return client


@pytest.fixture
def mobile(catalog: dict[str, Product]) -> Line:
    """Camille's mobile line on Woot 100 Go, in service since 3 March 2025."""
    customer = make_customer()
    line = make_mobile_line(make_account(customer))
    subscription_add(line=line, product=catalog["woot-100"], actor=SYSTEM, now=NOW)
    line_activate(line=line, actor=SYSTEM, now=NOW)
    return line


@pytest.fixture
def box(catalog: dict[str, Product]) -> Line:
    """A box line with its rented box, installed at the holder's address in Paris."""
    customer = make_customer()
    give_address(customer, AddressKind.INSTALLATION)
    line = make_fixed_line(make_account(customer))
    subscription_add(line=line, product=catalog["box-fibre"], actor=SYSTEM, now=NOW)
    equipment_register(
        customer=customer,
        kind=EquipmentKind.BOX,
        model="Bbox",
        ownership=Ownership.RENTED,
        acquired_at=NOW,
        actor=SYSTEM,
        now=NOW,
        line=line,
        serial_number="SN-BOX-1",
    )
    line_activate(line=line, actor=SYSTEM, now=NOW, commitment_months=12)
    return line
