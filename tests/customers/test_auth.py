"""Login through `django.contrib.auth.authenticate` with `customers.auth.LoginBackend`."""

import pytest
from django.contrib.auth import authenticate
from pytest_django.fixtures import Settings

from tests.customers.builders import NOW, PASSWORD, make_customer

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


def test_login_is_locked_after_five_failures_until_the_window_has_passed() -> None:
    from datetime import timedelta

    from guichet.customers.rules import LOGIN_FAILURE_WINDOW
    from guichet.customers.selectors import login_locked_until
    from guichet.customers.services import login_attempt_record

    start = NOW
    for minute in range(5):
        login_attempt_record(
            login=" Camille@Example.fr",
            ip_address="192.0.2.1",
            succeeded=False,
            now=start + timedelta(minutes=minute),
        )
    last_failure = start + timedelta(minutes=4)

    assert (
        login_locked_until(login="camille@example.fr", ip_address="198.51.100.7", now=last_failure)
        == last_failure + LOGIN_FAILURE_WINDOW
    )
    assert (
        login_locked_until(
            login="camille@example.fr", ip_address=None, now=last_failure + LOGIN_FAILURE_WINDOW
        )
        is None
    )
    assert (
        login_locked_until(login="hugo@example.fr", ip_address="198.51.100.7", now=last_failure)
        is None
    )


def test_a_success_resets_the_logins_failure_count() -> None:
    from datetime import timedelta

    from guichet.customers.selectors import login_locked_until
    from guichet.customers.services import login_attempt_record

    for minute in range(4):
        login_attempt_record(
            login="lea@example.fr",
            ip_address=None,
            succeeded=False,
            now=NOW + timedelta(minutes=minute),
        )
    login_attempt_record(
        login="lea@example.fr", ip_address=None, succeeded=True, now=NOW + timedelta(minutes=5)
    )
    login_attempt_record(
        login="lea@example.fr", ip_address=None, succeeded=False, now=NOW + timedelta(minutes=6)
    )

    assert (
        login_locked_until(login="lea@example.fr", ip_address=None, now=NOW + timedelta(minutes=7))
        is None
    )


def test_thirty_failures_from_one_address_lock_that_address_for_every_login() -> None:
    from datetime import timedelta

    from guichet.customers.selectors import login_locked_until
    from guichet.customers.services import login_attempt_record

    for n in range(30):
        login_attempt_record(
            login=f"C{10000000 + n}",
            ip_address="203.0.113.9",
            succeeded=False,
            now=NOW + timedelta(seconds=n),
        )

    assert (
        login_locked_until(
            login="someone@example.fr", ip_address="203.0.113.9", now=NOW + timedelta(minutes=1)
        )
        is not None
    )
    assert (
        login_locked_until(
            login="someone@example.fr", ip_address="203.0.113.10", now=NOW + timedelta(minutes=1)
        )
        is None
    )
