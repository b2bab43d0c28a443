from datetime import date, timedelta

import pytest

from guichet.care.actors import Actor
from guichet.care.acts import Act
from guichet.care.errors import CareError, CareErrorCode
from guichet.care.models import Activity, ActorKind, OutboxChannel, OutboxMessage
from guichet.customers.errors import CustomerError, CustomerErrorCode
from guichet.customers.models import (
    Address,
    AddressKind,
    AddressPublication,
    Civility,
    ContactChannel,
    ContactPreference,
    ContactTopic,
    Customer,
    DirectoryListing,
    User,
)
from guichet.customers.services import (
    address_set,
    contact_preferences_set,
    customer_change_login_email,
    customer_change_password,
    customer_create,
    customer_update_contact,
    customer_update_identity,
    directory_listing_set,
)
from tests.customers.builders import (
    NOW,
    PASSWORD,
    SYSTEM,
    as_customer,
    give_address,
    make_advisor,
    make_customer,
)

pytestmark = pytest.mark.django_db

LATER = NOW + timedelta(days=1)


def _table_counts() -> tuple[int, int, int, int]:
    return (
        User.objects.count(),
        Customer.objects.count(),
        Activity.objects.count(),
        OutboxMessage.objects.count(),
    )


# customer_create ------------------------------------------------------------------------------


def test_customer_create_makes_login_and_customer_with_the_next_number() -> None:
    customer = customer_create(
        email=" Camille.Martin@Example.fr ",
        password=PASSWORD,
        civility=Civility.MADAME,
        first_name=" Camille ",
        last_name="Martin",
        birth_date=date(1990, 5, 17),
        contact_phone="06 12 34 56 78",
        actor=SYSTEM,
        now=NOW,
    )
    second = make_customer()

    customer.refresh_from_db()
    assert customer.number == "C10000001"
    assert second.number == "C10000002"
    assert customer.user.email == "camille.martin@example.fr"
    assert customer.user.check_password(PASSWORD)
    assert customer.user.date_joined == NOW
    assert customer.contact_email == "camille.martin@example.fr"
    assert customer.contact_phone == "+33612345678"
    assert customer.first_name == "Camille"
    assert customer.created_at == NOW
    activity = Activity.objects.get(customer=customer)
    assert activity.act == Act.CUSTOMER_CREATE
    assert activity.actor_kind == ActorKind.SYSTEM
    assert activity.actor_user is None
    assert activity.subject_type == "customers.customer"
    assert activity.subject_id == customer.pk
    assert activity.summary == "Création de l'espace client n° C10000001"
    assert activity.new_values == {"number": "C10000001", "email": "camille.martin@example.fr"}
    assert activity.at == NOW


def test_customer_create_keeps_a_separate_contact_email() -> None:
    customer = make_customer(email="login@example.fr", contact_email="Contact@Example.fr")

    assert customer.user.email == "login@example.fr"
    assert customer.contact_email == "contact@example.fr"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"email": "not-an-email"}, CustomerErrorCode.EMAIL_INVALID),
        ({"first_name": "  "}, CustomerErrorCode.NAME_INVALID),
        ({"birth_date": date(2007, 3, 4)}, CustomerErrorCode.BIRTH_DATE_INVALID),
        ({"contact_phone": "12345"}, CustomerErrorCode.PHONE_INVALID),
        ({"contact_email": "nope"}, CustomerErrorCode.EMAIL_INVALID),
        ({"password": "short"}, CustomerErrorCode.PASSWORD_INVALID),
        ({"password": "123456789012345"}, CustomerErrorCode.PASSWORD_INVALID),
    ],
)
def test_customer_create_refuses_invalid_input_and_creates_nothing(
    overrides: dict[str, object], code: CustomerErrorCode
) -> None:
    before = _table_counts()

    with pytest.raises(CustomerError) as refused:
        make_customer(**overrides)

    assert refused.value.code == code
    assert _table_counts() == before


def test_customer_create_refuses_an_email_already_used_whatever_its_case() -> None:
    make_customer(email="camille@example.fr")
    before = _table_counts()

    with pytest.raises(CustomerError) as refused:
        make_customer(email="CAMILLE@example.fr")

    assert refused.value.code == CustomerErrorCode.EMAIL_TAKEN
    assert (
        refused.value.message
        == "L'adresse camille@example.fr est déjà utilisée pour un espace client."
    )
    assert _table_counts() == before


def test_an_adult_born_18_years_ago_today_may_subscribe() -> None:
    customer = make_customer(birth_date=date(2007, 3, 3))

    assert customer.birth_date == date(2007, 3, 3)


# Identity and contact -------------------------------------------------------------------------


def test_customer_update_identity_logs_old_and_new_values() -> None:
    customer = make_customer()

    customer_update_identity(
        customer=customer,
        civility=Civility.MADAME,
        first_name="Camille",
        last_name="Durand",
        birth_date=date(1990, 5, 17),
        actor=as_customer(customer),
        now=LATER,
    )

    customer.refresh_from_db()
    assert customer.last_name == "Durand"
    activity = Activity.objects.get(act=Act.CUSTOMER_UPDATE_IDENTITY)
    assert activity.actor_kind == ActorKind.CUSTOMER
    assert activity.actor_user == customer.user
    assert activity.old_values == {"last_name": "Martin"}
    assert activity.new_values == {"last_name": "Durand"}
    assert activity.at == LATER


def test_customer_update_identity_without_change_logs_nothing() -> None:
    customer = make_customer()
    before = _table_counts()

    customer_update_identity(
        customer=customer,
        civility=Civility.MADAME,
        first_name="Camille",
        last_name="Martin",
        birth_date=date(1990, 5, 17),
        actor=as_customer(customer),
        now=LATER,
    )

    assert _table_counts() == before


def test_customer_update_identity_refuses_a_minor_birth_date() -> None:
    customer = make_customer()
    before = _table_counts()

    with pytest.raises(CustomerError) as refused:
        customer_update_identity(
            customer=customer,
            civility=Civility.MONSIEUR,
            first_name="Camille",
            last_name="Martin",
            birth_date=date(2010, 1, 1),
            actor=as_customer(customer),
            now=LATER,
        )

    assert refused.value.code == CustomerErrorCode.BIRTH_DATE_INVALID
    customer.refresh_from_db()
    assert customer.civility == Civility.MADAME
    assert customer.birth_date == date(1990, 5, 17)
    assert _table_counts() == before


def test_customer_update_contact_normalises_and_logs() -> None:
    customer = make_customer(contact_phone="0612345678")

    customer_update_contact(
        customer=customer,
        contact_email="Nouveau@Example.fr",
        contact_phone="07 11 22 33 44",
        actor=as_customer(customer),
        now=LATER,
    )

    customer.refresh_from_db()
    assert customer.contact_email == "nouveau@example.fr"
    assert customer.contact_phone == "+33711223344"
    activity = Activity.objects.get(act=Act.CUSTOMER_UPDATE_CONTACT)
    assert activity.new_values == {
        "contact_email": "nouveau@example.fr",
        "contact_phone": "+33711223344",
    }


def test_an_advisor_may_not_change_a_contact_email_that_is_the_login() -> None:
    customer = make_customer(email="camille@example.fr")
    advisor = Actor.advisor(make_advisor())
    before = _table_counts()

    with pytest.raises(CustomerError) as refused:
        customer_update_contact(
            customer=customer,
            contact_email="autre@example.fr",
            contact_phone=customer.contact_phone,
            actor=advisor,
            now=LATER,
        )

    assert refused.value.code == CustomerErrorCode.LOGIN_EMAIL_ADVISOR_FORBIDDEN
    customer.refresh_from_db()
    assert customer.contact_email == "camille@example.fr"
    assert _table_counts() == before


def test_an_advisor_may_change_a_contact_email_distinct_from_the_login() -> None:
    customer = make_customer(email="camille@example.fr", contact_email="contact@example.fr")
    advisor_user = make_advisor()

    customer_update_contact(
        customer=customer,
        contact_email="autre@example.fr",
        contact_phone=customer.contact_phone,
        actor=Actor.advisor(advisor_user),
        now=LATER,
    )

    customer.refresh_from_db()
    assert customer.contact_email == "autre@example.fr"
    activity = Activity.objects.get(act=Act.CUSTOMER_UPDATE_CONTACT)
    assert activity.actor_kind == ActorKind.ADVISOR
    assert activity.actor_user == advisor_user


def test_a_customer_cannot_act_on_another_customers_data() -> None:
    customer, intruder = make_customer(), make_customer()
    before = _table_counts()

    with pytest.raises(CareError) as refused:
        customer_update_contact(
            customer=customer,
            contact_email="pirate@example.fr",
            contact_phone=customer.contact_phone,
            actor=as_customer(intruder),
            now=LATER,
        )

    assert refused.value.code == CareErrorCode.ACTOR_NOT_HOLDER
    customer.refresh_from_db()
    assert customer.contact_email != "pirate@example.fr"
    assert _table_counts() == before


# Login email and password ---------------------------------------------------------------------


def test_customer_change_login_email_tells_the_previous_address() -> None:
    customer = make_customer(email="old@example.fr")

    customer_change_login_email(
        customer=customer, email="New@Example.fr", actor=as_customer(customer), now=LATER
    )

    customer.user.refresh_from_db()
    assert customer.user.email == "new@example.fr"
    activity = Activity.objects.get(act=Act.CUSTOMER_CHANGE_LOGIN_EMAIL)
    assert activity.old_values == {"email": "old@example.fr"}
    assert activity.new_values == {"email": "new@example.fr"}
    message = OutboxMessage.objects.get()
    assert message.channel == OutboxChannel.EMAIL
    assert message.recipient == "old@example.fr"
    assert message.template == "login_email_changed"
    assert message.context == {
        "first_name": "Camille",
        "new_email": "new@example.fr",
        "date": "04/03/2025",
    }


def test_customer_change_login_email_refuses_an_address_in_use() -> None:
    make_customer(email="taken@example.fr")
    customer = make_customer(email="mine@example.fr")
    before = _table_counts()

    with pytest.raises(CustomerError) as refused:
        customer_change_login_email(
            customer=customer, email="taken@example.fr", actor=as_customer(customer), now=LATER
        )

    assert refused.value.code == CustomerErrorCode.EMAIL_TAKEN
    customer.user.refresh_from_db()
    assert customer.user.email == "mine@example.fr"
    assert _table_counts() == before


def test_an_advisor_may_not_change_a_login_email() -> None:
    customer = make_customer(email="mine@example.fr")
    advisor = Actor.advisor(make_advisor())
    before = _table_counts()

    with pytest.raises(CustomerError) as refused:
        customer_change_login_email(
            customer=customer, email="other@example.fr", actor=advisor, now=LATER
        )

    assert refused.value.code == CustomerErrorCode.LOGIN_EMAIL_ADVISOR_FORBIDDEN
    customer.user.refresh_from_db()
    assert customer.user.email == "mine@example.fr"
    assert _table_counts() == before


def test_customer_change_password_checks_the_current_one() -> None:
    customer = make_customer()
    before = _table_counts()

    with pytest.raises(CustomerError) as refused:
        customer_change_password(
            customer=customer,
            current_password="wrong password!",
            new_password="another long passphrase",
            actor=as_customer(customer),
            now=LATER,
        )

    assert refused.value.code == CustomerErrorCode.PASSWORD_WRONG
    customer.user.refresh_from_db()
    assert customer.user.check_password(PASSWORD)
    assert _table_counts() == before


def test_customer_change_password_sets_it_and_sends_a_security_notice() -> None:
    customer = make_customer(email="camille@example.fr")

    customer_change_password(
        customer=customer,
        current_password=PASSWORD,
        new_password="another long passphrase",
        actor=as_customer(customer),
        now=LATER,
    )

    customer.user.refresh_from_db()
    assert customer.user.check_password("another long passphrase")
    assert Activity.objects.filter(act=Act.CUSTOMER_CHANGE_PASSWORD).count() == 1
    message = OutboxMessage.objects.get()
    assert (message.recipient, message.template) == ("camille@example.fr", "password_changed")


def test_customer_change_password_refuses_a_weak_one() -> None:
    customer = make_customer()
    before = _table_counts()

    with pytest.raises(CustomerError) as refused:
        customer_change_password(
            customer=customer,
            current_password=PASSWORD,
            new_password="password",
            actor=as_customer(customer),
            now=LATER,
        )

    assert refused.value.code == CustomerErrorCode.PASSWORD_INVALID
    customer.user.refresh_from_db()
    assert customer.user.check_password(PASSWORD)
    assert _table_counts() == before


# Addresses ------------------------------------------------------------------------------------


def test_address_set_creates_then_replaces_the_address_of_a_kind() -> None:
    customer = make_customer()

    first = address_set(
        customer=customer,
        kind=AddressKind.BILLING,
        street_lines=["12 rue de la Paix"],
        postcode="75002",
        city="Paris",
        actor=as_customer(customer),
        now=NOW,
    )
    second = address_set(
        customer=customer,
        kind=AddressKind.BILLING,
        street_lines=["Résidence Les Pins", "3 avenue Foch"],
        postcode="69006",
        city="Lyon",
        actor=as_customer(customer),
        now=LATER,
    )

    assert second.pk == first.pk
    assert Address.objects.filter(customer=customer).count() == 1
    second.refresh_from_db()
    assert second.lines == ["Résidence Les Pins", "3 avenue Foch", "69006 LYON", "FR"]
    assert second.updated_at == LATER
    activities = list(Activity.objects.filter(act=Act.ADDRESS_SET).order_by("at"))
    assert [a.summary for a in activities] == [
        "Adresse de facturation modifiée",
        "Adresse de facturation modifiée",
    ]
    assert activities[0].old_values == {}
    assert activities[1].old_values == {
        "line1": "12 rue de la Paix",
        "line2": "",
        "line3": "",
        "postcode": "75002",
        "city": "PARIS",
        "country": "FR",
    }
    assert activities[1].new_values["postcode"] == "69006"


def test_address_set_with_the_same_values_logs_nothing() -> None:
    customer = make_customer()
    give_address(customer)
    before = _table_counts()

    give_address(customer)

    assert _table_counts() == before


@pytest.mark.parametrize(
    ("kind", "postcode", "country", "code"),
    [
        (AddressKind.POSTAL, "00100", "FR", CustomerErrorCode.ADDRESS_INVALID),
        (AddressKind.POSTAL, "75002", "France", CustomerErrorCode.ADDRESS_INVALID),
        (AddressKind.INSTALLATION, "97400", "FR", CustomerErrorCode.INSTALLATION_OUTSIDE_METROPOLE),
        (AddressKind.INSTALLATION, "1000", "BE", CustomerErrorCode.INSTALLATION_OUTSIDE_METROPOLE),
    ],
)
def test_address_set_refuses_invalid_addresses(
    kind: AddressKind, postcode: str, country: str, code: CustomerErrorCode
) -> None:
    customer = make_customer()
    before = _table_counts()

    with pytest.raises(CustomerError) as refused:
        address_set(
            customer=customer,
            kind=kind,
            street_lines=["1 rue Haute"],
            postcode=postcode,
            city="Ville",
            country=country,
            actor=as_customer(customer),
            now=NOW,
        )

    assert refused.value.code == code
    assert Address.objects.count() == 0
    assert _table_counts() == before


def test_overseas_postal_and_foreign_addresses_are_accepted() -> None:
    customer = make_customer()

    reunion = address_set(
        customer=customer,
        kind=AddressKind.POSTAL,
        street_lines=["1 rue de Paris"],
        postcode="97400",
        city="Saint-Denis",
        actor=SYSTEM,
        now=NOW,
    )
    brussels = address_set(
        customer=customer,
        kind=AddressKind.BILLING,
        street_lines=["Rue de la Loi 16"],
        postcode="1000",
        city="Bruxelles",
        country="be",
        actor=SYSTEM,
        now=NOW,
    )

    assert (reunion.postcode, reunion.city) == ("97400", "SAINT-DENIS")
    assert (brussels.country, brussels.city) == ("BE", "Bruxelles")


# Contact preferences --------------------------------------------------------------------------


def test_contact_preferences_set_records_consent_time_of_changed_pairs_only() -> None:
    customer = make_customer()

    states = contact_preferences_set(
        customer=customer,
        choices={
            (ContactTopic.OFFERS, ContactChannel.EMAIL): True,
            (ContactTopic.SERVICE_INFORMATION, ContactChannel.EMAIL): True,  # the default
        },
        actor=as_customer(customer),
        now=LATER,
    )

    assert states[(ContactTopic.OFFERS, ContactChannel.EMAIL)].opted_in is True
    assert states[(ContactTopic.OFFERS, ContactChannel.EMAIL)].changed_at == LATER
    assert states[(ContactTopic.SERVICE_INFORMATION, ContactChannel.EMAIL)].changed_at is None
    assert list(ContactPreference.objects.values_list("topic", "channel", "opted_in")) == [
        ("offers", "email", True)
    ]
    activity = Activity.objects.get(act=Act.CONTACT_PREFERENCES_SET)
    assert activity.old_values == {"offers/email": False}
    assert activity.new_values == {"offers/email": True}


def test_contact_preferences_set_without_change_logs_nothing() -> None:
    customer = make_customer()
    before = _table_counts()

    contact_preferences_set(
        customer=customer,
        choices={(ContactTopic.OFFERS, ContactChannel.SMS): False},
        actor=as_customer(customer),
        now=LATER,
    )

    assert _table_counts() == before
    assert ContactPreference.objects.count() == 0


def test_service_information_keeps_at_least_one_electronic_channel_cgs_2_4() -> None:
    customer = make_customer()
    before = _table_counts()

    with pytest.raises(CustomerError) as refused:
        contact_preferences_set(
            customer=customer,
            choices={
                (ContactTopic.SERVICE_INFORMATION, ContactChannel.EMAIL): False,
                (ContactTopic.SERVICE_INFORMATION, ContactChannel.SMS): False,
                (ContactTopic.SERVICE_INFORMATION, ContactChannel.POST): True,
            },
            actor=as_customer(customer),
            now=LATER,
        )

    assert refused.value.code == CustomerErrorCode.CONTACT_CHANNEL_REQUIRED
    assert ContactPreference.objects.count() == 0
    assert _table_counts() == before


def test_usage_alerts_cannot_go_by_post() -> None:
    customer = make_customer()

    with pytest.raises(CustomerError) as refused:
        contact_preferences_set(
            customer=customer,
            choices={(ContactTopic.USAGE_ALERTS, ContactChannel.POST): True},
            actor=as_customer(customer),
            now=LATER,
        )

    assert refused.value.code == CustomerErrorCode.CONTACT_CHANNEL_INVALID
    assert ContactPreference.objects.count() == 0


# Directory listing (CGS 11.1) -----------------------------------------------------------------


def test_directory_listing_set_lists_partially_with_opposition_lists() -> None:
    customer = make_customer()
    give_address(customer, AddressKind.POSTAL)

    listing = directory_listing_set(
        customer=customer,
        listed=True,
        first_name_initial_only=True,
        address_publication=AddressPublication.PARTIAL,
        anti_prospecting=True,
        anti_reverse_lookup=True,
        actor=as_customer(customer),
        now=LATER,
    )

    listing.refresh_from_db()
    assert (listing.listed, listing.first_name_initial_only) == (True, True)
    assert listing.address_publication == AddressPublication.PARTIAL
    assert (listing.anti_prospecting, listing.anti_reverse_lookup) == (True, True)
    assert listing.publish_email is False
    assert listing.changed_at == LATER
    activity = Activity.objects.get(act=Act.DIRECTORY_LISTING_SET)
    assert activity.old_values == {"listed": False}
    assert activity.new_values == {
        "listed": True,
        "first_name_initial_only": True,
        "address_publication": "partial",
        "publish_email": False,
        "anti_prospecting": True,
        "anti_reverse_lookup": True,
    }


def test_directory_listing_set_to_unlisted_after_listing() -> None:
    customer = make_customer()
    directory_listing_set(
        customer=customer, listed=True, anti_prospecting=True, actor=SYSTEM, now=NOW
    )

    listing = directory_listing_set(customer=customer, listed=False, actor=SYSTEM, now=LATER)

    assert DirectoryListing.objects.get() == listing
    assert (listing.listed, listing.anti_prospecting) == (False, False)
    assert Activity.objects.filter(act=Act.DIRECTORY_LISTING_SET).count() == 2


def test_directory_options_need_a_listing() -> None:
    customer = make_customer()
    before = _table_counts()

    with pytest.raises(CustomerError) as refused:
        directory_listing_set(
            customer=customer, listed=False, anti_prospecting=True, actor=SYSTEM, now=NOW
        )

    assert refused.value.code == CustomerErrorCode.DIRECTORY_OPTIONS_NEED_LISTING
    assert DirectoryListing.objects.count() == 0
    assert _table_counts() == before


def test_publishing_an_address_needs_a_postal_address() -> None:
    customer = make_customer()
    before = _table_counts()

    with pytest.raises(CustomerError) as refused:
        directory_listing_set(
            customer=customer,
            listed=True,
            address_publication=AddressPublication.FULL,
            actor=SYSTEM,
            now=NOW,
        )

    assert refused.value.code == CustomerErrorCode.DIRECTORY_NEEDS_POSTAL_ADDRESS
    assert DirectoryListing.objects.count() == 0
    assert _table_counts() == before
