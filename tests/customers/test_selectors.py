from datetime import timedelta

import pytest

from guichet.customers.models import AddressKind, ContactChannel, ContactTopic
from guichet.customers.selectors import (
    address_get,
    addresses_for_customer,
    contact_channels_for,
    contact_preferences_for,
    customer_get,
    customer_get_by_login_email,
    customer_get_by_number,
    customer_get_for_user,
    directory_listing_for,
)
from guichet.customers.services import contact_preferences_set, directory_listing_set
from tests.customers.builders import NOW, SYSTEM, give_address, make_advisor, make_customer

pytestmark = pytest.mark.django_db


def test_customer_get_for_user_returns_the_users_customer_or_none() -> None:
    customer = make_customer()
    advisor = make_advisor()

    assert customer_get_for_user(user=customer.user) == customer
    assert customer_get_for_user(user=advisor) is None


def test_customer_get_by_number_ignores_case_and_spaces() -> None:
    customer = make_customer()

    assert customer_get_by_number(number=f" {customer.number.lower()} ") == customer
    assert customer_get_by_number(number="C99999999") is None
    assert customer_get(customer_id=customer.pk) == customer


def test_customer_get_by_login_email_ignores_case_but_not_the_contact_email() -> None:
    customer = make_customer(email="login@example.fr", contact_email="contact@example.fr")

    assert customer_get_by_login_email(email=" LOGIN@example.fr ") == customer
    assert customer_get_by_login_email(email="contact@example.fr") is None


def test_addresses_are_read_per_customer() -> None:
    customer, other = make_customer(), make_customer()
    postal = give_address(customer, AddressKind.POSTAL)
    billing = give_address(customer, AddressKind.BILLING)
    give_address(other, AddressKind.POSTAL)

    assert address_get(customer=customer, kind=AddressKind.POSTAL) == postal
    assert address_get(customer=customer, kind=AddressKind.INSTALLATION) is None
    assert addresses_for_customer(customer=customer) == [billing, postal]


def test_contact_defaults_service_notices_on_and_offers_off() -> None:
    customer = make_customer()

    states = contact_preferences_for(customer=customer)

    assert {key for key, state in states.items() if state.opted_in} == {
        (ContactTopic.INVOICES, ContactChannel.EMAIL),
        (ContactTopic.USAGE_ALERTS, ContactChannel.EMAIL),
        (ContactTopic.USAGE_ALERTS, ContactChannel.SMS),
        (ContactTopic.SERVICE_INFORMATION, ContactChannel.EMAIL),
        (ContactTopic.SERVICE_INFORMATION, ContactChannel.SMS),
    }
    assert all(state.changed_at is None for state in states.values())
    assert contact_channels_for(customer=customer, topic=ContactTopic.OFFERS) == []


def test_contact_channels_follow_the_customers_choice() -> None:
    customer = make_customer()
    contact_preferences_set(
        customer=customer,
        choices={
            (ContactTopic.SERVICE_INFORMATION, ContactChannel.EMAIL): False,
            (ContactTopic.SERVICE_INFORMATION, ContactChannel.POST): True,
        },
        actor=SYSTEM,
        now=NOW,
    )

    assert contact_channels_for(customer=customer, topic=ContactTopic.SERVICE_INFORMATION) == [
        ContactChannel.SMS,
        ContactChannel.POST,
    ]


def test_directory_listing_for_is_none_until_the_customer_chooses() -> None:
    customer = make_customer()
    assert directory_listing_for(customer=customer) is None

    listing = directory_listing_set(
        customer=customer, listed=True, actor=SYSTEM, now=NOW + timedelta(hours=1)
    )

    assert directory_listing_for(customer=customer) == listing
