"""Reads of the customers context, for the other contexts and the interfaces."""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode

from guichet.customers.models import (
    Address,
    AddressKind,
    ContactChannel,
    ContactPreference,
    ContactTopic,
    Customer,
    CustomerProfile,
    DirectoryListing,
    IdentityProof,
    LoginAttempt,
    SecurityChallenge,
    SecurityEmailChange,
    SecurityRecoveryCode,
    SecurityTwoStep,
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


# -- portal: account and security --
# Wrong second-step codes are counted over this window (GUICHET_TWO_STEP_MAX_FAILURES).
TWO_STEP_FAILURE_WINDOW = timedelta(minutes=15)


def user_get_for_login(*, login: str) -> User | None:
    """The customer's user for an email or a customer number, as typed at sign-in."""
    login = login.strip()
    if not login:
        return None
    if "@" in login:
        found = User.objects.filter(email__iexact=login, customer__isnull=False)
    else:
        found = User.objects.filter(customer__number=login.upper())
    return found.select_related("customer").first()


def password_reset_user(*, uidb64: str, token: str) -> User | None:
    """The user a "mot de passe oublié" link is for, if the link is still good (single use:
    the token signs the password hash, so it dies once the password changes)."""
    try:
        user_id = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    user = User.objects.filter(pk=user_id, is_active=True, customer__isnull=False).first()
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user


def email_change_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def email_change_get_by_token(*, token: str, now: datetime) -> SecurityEmailChange | None:
    """The pending change a confirmation link is for, or None if it is used, replaced or old."""
    return (
        SecurityEmailChange.objects.filter(
            token_hash=email_change_token_hash(token),
            confirmed_at__isnull=True,
            cancelled_at__isnull=True,
            expires_at__gt=now,
        )
        .select_related("customer", "customer__user")
        .first()
    )


def email_changes_pending(*, customer: Customer, now: datetime) -> list[SecurityEmailChange]:
    return list(
        SecurityEmailChange.objects.filter(
            customer=customer,
            confirmed_at__isnull=True,
            cancelled_at__isnull=True,
            expires_at__gt=now,
        ).order_by("kind")
    )


def two_step_for(*, user: User) -> SecurityTwoStep | None:
    return SecurityTwoStep.objects.filter(user=user).first()


def recovery_codes_left(*, user: User) -> int:
    return SecurityRecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def two_step_locked_until(*, user: User, now: datetime) -> datetime | None:
    """When the user may type a second-step code again after too many wrong ones, or None."""
    recent = list(
        SecurityChallenge.objects.filter(
            user=user, created_at__gt=now - TWO_STEP_FAILURE_WINDOW, failed_attempts__gt=0
        )
        .order_by("-created_at")
        .values_list("created_at", "failed_attempts")
    )
    if sum(failures for _, failures in recent) < settings.GUICHET_TWO_STEP_MAX_FAILURES:
        return None
    return recent[0][0] + TWO_STEP_FAILURE_WINDOW


def security_challenge_open(
    *, user: User, challenge_id: object, purpose: str, now: datetime
) -> SecurityChallenge | None:
    """The user's unanswered, unexpired challenge with this id and purpose, if any."""
    if not isinstance(challenge_id, int):
        return None
    return SecurityChallenge.objects.filter(
        pk=challenge_id, user=user, purpose=purpose, used_at__isnull=True, expires_at__gt=now
    ).first()


# -- back office --


def identity_proofs_for_request(*, request_id: int) -> list[IdentityProof]:
    """The documents sent with a care request (a change of name), oldest first."""
    return list(IdentityProof.objects.filter(request_id=request_id).order_by("uploaded_at", "id"))
