"""Reads of the customers context, for the other contexts and the interfaces."""

from dataclasses import dataclass
from datetime import datetime

from guichet.customers.models import (
    Address,
    AddressKind,
    ContactChannel,
    ContactPreference,
    ContactTopic,
    Customer,
    CustomerProfile,
    DirectoryListing,
    LoginAttempt,
    User,
)
from guichet.customers.profile_rules import ProfileCompletion, ProfileFacts, profile_completion
from guichet.customers.rules import (
    DEFAULT_OPT_INS,
    LOGIN_FAILURE_WINDOW,
    LOGIN_FAILURES_PER_IP,
    LOGIN_FAILURES_PER_LOGIN,
    login_key,
)


@dataclass(frozen=True)
class ContactPreferenceState:
    opted_in: bool
    # When the customer made this choice; None while the default applies.
    changed_at: datetime | None


def customer_get_for_user(*, user: User) -> Customer | None:
    return Customer.objects.select_related("user").filter(user=user).first()


def customer_get_by_number(*, number: str) -> Customer | None:
    return Customer.objects.select_related("user").filter(number=number.strip().upper()).first()


def customer_get_by_login_email(*, email: str) -> Customer | None:
    return Customer.objects.select_related("user").filter(user__email__iexact=email.strip()).first()


def customer_get(*, customer_id: int) -> Customer | None:
    return Customer.objects.select_related("user").filter(pk=customer_id).first()


def address_get(*, customer: Customer, kind: AddressKind) -> Address | None:
    return Address.objects.filter(customer=customer, kind=kind).first()


def addresses_for_customer(*, customer: Customer) -> list[Address]:
    return list(Address.objects.filter(customer=customer).order_by("kind"))


def contact_preferences_for(
    *, customer: Customer
) -> dict[tuple[ContactTopic, ContactChannel], ContactPreferenceState]:
    """Every valid topic and channel, with the customer's choice or the default."""
    chosen = {
        (ContactTopic(row.topic), ContactChannel(row.channel)): row
        for row in ContactPreference.objects.filter(customer=customer)
    }
    states: dict[tuple[ContactTopic, ContactChannel], ContactPreferenceState] = {}
    for key, default in DEFAULT_OPT_INS.items():
        row = chosen.get(key)
        states[key] = (
            ContactPreferenceState(opted_in=row.opted_in, changed_at=row.changed_at)
            if row is not None
            else ContactPreferenceState(opted_in=default, changed_at=None)
        )
    return states


def contact_channels_for(*, customer: Customer, topic: ContactTopic) -> list[ContactChannel]:
    """The channels to use for `topic`, in the order email, SMS, post."""
    states = contact_preferences_for(customer=customer)
    return [
        channel
        for channel in ContactChannel
        if (topic, channel) in states and states[(topic, channel)].opted_in
    ]


def directory_listing_for(*, customer: Customer) -> DirectoryListing | None:
    """None when the customer never chose: not listed (CGS 11.1 listing is on request)."""
    return DirectoryListing.objects.filter(customer=customer).first()


def login_locked_until(*, login: str, ip_address: str | None, now: datetime) -> datetime | None:
    """When the login (or the address it comes from) may try again, or None if it may now."""
    since = now - LOGIN_FAILURE_WINDOW
    key = login_key(login)
    last_success = (
        LoginAttempt.objects.filter(login=key, succeeded=True, at__gt=since)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    failures = LoginAttempt.objects.filter(succeeded=False)
    checks = [
        (failures.filter(login=key, at__gt=last_success or since), LOGIN_FAILURES_PER_LOGIN),
    ]
    if ip_address:
        checks.append((failures.filter(ip_address=ip_address, at__gt=since), LOGIN_FAILURES_PER_IP))
    for attempts, limit in checks:
        recent = list(attempts.order_by("-at").values_list("at", flat=True)[:limit])
        if len(recent) == limit:
            return recent[0] + LOGIN_FAILURE_WINDOW
    return None


# -- portal: personal information and tracking --


def profile_for(*, customer: Customer) -> CustomerProfile | None:
    return CustomerProfile.objects.filter(customer=customer).first()


def profile_completion_for(
    *, customer: Customer, addresses: list[Address] | None = None
) -> ProfileCompletion:
    """What the customer can still add to their profile (customers.profile_rules)."""
    if addresses is None:
        addresses = addresses_for_customer(customer=customer)
    kinds = {address.kind for address in addresses}
    profile = profile_for(customer=customer)
    return profile_completion(
        ProfileFacts(
            has_billing_address=AddressKind.BILLING in kinds,
            has_postal_address=AddressKind.POSTAL in kinds,
            has_birth_place=bool(profile and profile.birth_place),
            has_household_size=bool(profile and profile.household_size),
            has_preferred_contact_time=bool(profile and profile.preferred_contact_time),
            made_directory_choice=DirectoryListing.objects.filter(customer=customer).exists(),
        )
    )
