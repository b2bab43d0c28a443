"""Database constraints that hold even if a service is bypassed."""

import pytest
from django.db import IntegrityError, transaction

from guichet.customers.models import Customer, DirectoryListing
from tests.customers.builders import NOW, make_customer

pytestmark = pytest.mark.django_db


def test_customer_number_is_stored_upper_case() -> None:
    customer = make_customer()

    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.filter(pk=customer.pk).update(number="c10000001")


def test_directory_options_require_a_listing_in_the_database() -> None:
    customer = make_customer()

    with pytest.raises(IntegrityError), transaction.atomic():
        DirectoryListing.objects.create(
            customer=customer, listed=False, anti_prospecting=True, changed_at=NOW
        )
