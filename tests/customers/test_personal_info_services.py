"""Profile, name change request and billing address change (portal: personal information)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from guichet.billing.services import billing_address_change
from guichet.care.models import Activity, Request, RequestKind, RequestStatus
from guichet.customers.errors import CustomerError, CustomerErrorCode
from guichet.customers.models import AddressKind, CustomerProfile, IdentityProof
from guichet.customers.selectors import address_get, profile_completion_for
from guichet.customers.services import customer_profile_set, customer_request_name_change
from tests.customers.builders import NOW, as_customer, give_address, make_customer
from tests.lines.builders import make_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer():
    return make_customer()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _proof(content=b"\x89PNG\r\n\x1a\n scan"):
    return SimpleUploadedFile("scan.png", content)


def _profile(customer, **values):
    fields = {
        "birth_place": "",
        "household_size": None,
        "preferred_contact_time": "",
        "interests": [],
        "actor": as_customer(customer),
        "now": NOW,
    }
    fields.update(values)
    return customer_profile_set(customer=customer, **fields)


def test_profile_is_logged_once_and_not_again_when_nothing_changes(customer):
    _profile(customer, birth_place="Roubaix", interests=["gaming", "gaming"])
    _profile(customer, birth_place="Roubaix", interests=["gaming"])

    assert CustomerProfile.objects.get(customer=customer).interests == ["gaming"]
    assert Activity.objects.filter(customer=customer, act="customer_profile.set").count() == 1
    assert profile_completion_for(customer=customer).done == 1


@pytest.mark.parametrize(
    "values",
    [{"household_size": 21}, {"preferred_contact_time": "night"}, {"interests": ["golf"]}],
)
def test_profile_refuses_values_outside_the_choices(customer, values):
    with pytest.raises(CustomerError) as refused:
        _profile(customer, **values)

    assert refused.value.code == CustomerErrorCode.PROFILE_INVALID
    assert not CustomerProfile.objects.exists()


def test_a_name_change_is_a_request_and_a_second_one_waits_for_the_first(customer):
    actor = as_customer(customer)
    request = customer_request_name_change(
        customer=customer,
        first_name="camille",
        last_name="durand",
        reason="marriage",
        proof=_proof(),
        actor=actor,
        now=NOW,
    )

    with pytest.raises(CustomerError) as second:
        customer_request_name_change(
            customer=customer,
            first_name="Camille",
            last_name="Petit",
            reason="marriage",
            proof=_proof(),
            actor=actor,
            now=NOW,
        )

    assert (request.kind, request.status) == (RequestKind.NAME_CHANGE, RequestStatus.SUBMITTED)
    assert request.payload["previous_last_name"] == "Martin"
    assert second.value.code == CustomerErrorCode.NAME_CHANGE_ALREADY_OPEN
    assert Request.objects.count() == 1
    assert IdentityProof.objects.get().content_type == "image/png"
    customer.refresh_from_db()
    assert customer.last_name == "Martin"


def test_a_name_change_needs_a_known_reason(customer):
    with pytest.raises(CustomerError) as refused:
        customer_request_name_change(
            customer=customer,
            first_name="Camille",
            last_name="Durand",
            reason="whim",
            proof=_proof(),
            actor=as_customer(customer),
            now=NOW,
        )

    assert refused.value.code == CustomerErrorCode.NAME_CHANGE_REASON_INVALID


def test_billing_address_change_points_every_open_account_to_it(customer):
    first, second = make_account(customer), make_account(customer)
    postal = give_address(customer, AddressKind.POSTAL)

    address = billing_address_change(
        customer=customer,
        street_lines=["1 rue Neuve"],
        postcode="69002",
        city="Lyon",
        actor=as_customer(customer),
        now=NOW,
    )

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.billing_address_id == second.billing_address_id == address.pk
    assert address.city == "LYON"
    assert address_get(customer=customer, kind=AddressKind.POSTAL) == postal


def test_billing_address_in_a_foreign_country_keeps_its_postcode_rules(customer):
    make_account(customer)

    with pytest.raises(CustomerError) as refused:
        billing_address_change(
            customer=customer,
            street_lines=["1 rue Neuve"],
            postcode="ABCDEFGHIJK",
            city="Bruxelles",
            country="BE",
            actor=as_customer(customer),
            now=NOW,
        )

    assert refused.value.code == CustomerErrorCode.ADDRESS_INVALID
    assert address_get(customer=customer, kind=AddressKind.BILLING) is None
