import pytest
from pytest_django.fixtures import Settings

from guichet.billing.models import BillingAccount
from guichet.catalog.models import Product
from guichet.customers.models import Customer
from tests.customers.builders import make_customer
from tests.lines.builders import make_account, make_catalog


@pytest.fixture(autouse=True)
def fast_password_hasher(settings: Settings) -> None:
    """Argon2 costs ~0.1 s a hash; the login tests switch it back on to test the real one."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def catalog() -> dict[str, Product]:
    return make_catalog()


@pytest.fixture
def customer() -> Customer:
    return make_customer()


@pytest.fixture
def account(customer: Customer) -> BillingAccount:
    return make_account(customer)
