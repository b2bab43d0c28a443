"""Login through `django.contrib.auth.authenticate` with `customers.auth.LoginBackend`."""

import pytest
from django.contrib.auth import authenticate
from pytest_django.fixtures import Settings

from tests.customers.builders import PASSWORD, make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def argon2(settings: Settings) -> None:
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


@pytest.mark.usefixtures("argon2")
def test_passwords_are_stored_with_argon2() -> None:
    customer = make_customer()

    assert customer.user.password.startswith("argon2$argon2id$")


@pytest.mark.usefixtures("argon2")
def test_login_by_email_in_any_case() -> None:
    customer = make_customer(email="camille@example.fr")

    assert authenticate(username="camille@example.fr", password=PASSWORD) == customer.user
    assert authenticate(username=" Camille@Example.FR ", password=PASSWORD) == customer.user


@pytest.mark.usefixtures("argon2")
def test_login_by_customer_number_in_any_case() -> None:
    customer = make_customer()

    assert authenticate(username=customer.number, password=PASSWORD) == customer.user
    assert authenticate(username=customer.number.lower(), password=PASSWORD) == customer.user


def test_wrong_password_fails_by_email_and_by_number() -> None:
    customer = make_customer(email="camille@example.fr")

    assert authenticate(username="camille@example.fr", password="not the password") is None
    assert authenticate(username=customer.number, password="not the password") is None


def test_unknown_login_fails() -> None:
    make_customer()

    assert authenticate(username="nobody@example.fr", password=PASSWORD) is None
    assert authenticate(username="C99999999", password=PASSWORD) is None


def test_inactive_user_cannot_log_in() -> None:
    customer = make_customer(email="camille@example.fr")
    customer.user.is_active = False
    customer.user.save(update_fields=["is_active"])

    assert authenticate(username="camille@example.fr", password=PASSWORD) is None
