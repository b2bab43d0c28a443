"""Acts of the customers context. Each is one transaction that validates, saves and logs the act."""

import hmac
import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from guichet.care.actors import Actor
from guichet.care.acts import Act
from guichet.care.errors import CareError, CareErrorCode
from guichet.care.models import (
    OPEN_REQUEST_STATUSES,
    ActorKind,
    OutboxChannel,
    Request,
    RequestKind,
    RequestStatus,
)
from guichet.care.notifications import french_date
from guichet.care.services import (
    activity_record,
    activity_record_and_notify,
    outbox_enqueue,
    request_advance,
    request_open,
)
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
    CustomerProfile,
    DirectoryListing,
    EmailChangeKind,
    IdentityProof,
    LoginAttempt,
    NameChangeReason,
    NumberSequence,
    PreferredContactTime,
    ProfileInterest,
    SecurityChallenge,
    SecurityChallengePurpose,
    SecurityEmailChange,
    SecurityPasswordResetRequest,
    SecurityRecoveryCode,
    SecurityTwoStep,
    TwoStepMethod,
    User,
)
from guichet.customers.otp import (
    code_hash,
    new_recovery_codes,
    new_sms_code,
    new_totp_secret,
    normalize_digits,
    normalize_recovery_code,
    seal,
    totp_match,
    totp_step,
    unseal,
)
from guichet.customers.proof_rules import PROOF_CONTENT_TYPES, proof_extension
from guichet.customers.rules import (
    DEFAULT_OPT_INS,
    ELECTRONIC_CHANNELS,
    PARIS,
    REQUIRED_ELECTRONIC_TOPICS,
    check_adult,
    is_metropolitan_postcode,
    login_key,
    normalize_country,
    normalize_email,
    normalize_name,
    normalize_phone_number,
    normalize_postcode,
    normalize_street_lines,
    paris_date,
)
from guichet.customers.selectors import (
    TWO_STEP_FAILURE_WINDOW,
    ContactPreferenceState,
    address_get,
    contact_preferences_for,
    email_change_token_hash,
    two_step_for,
    two_step_locked_until,
    user_get_for_login,
)

CUSTOMER_NUMBER_SEQUENCE = "customer"
# Customer numbers are "C" + 8 digits; starting at 10000001 keeps them all 8 digits long.
FIRST_CUSTOMER_NUMBER = 10_000_001


def _next_customer_number() -> str:
    """Locks the counter row until the transaction ends, so two customers never share a number."""
    sequence, _ = NumberSequence.objects.select_for_update().get_or_create(
        name=CUSTOMER_NUMBER_SEQUENCE, defaults={"next_value": FIRST_CUSTOMER_NUMBER}
    )
    number = sequence.next_value
    sequence.next_value = number + 1
    sequence.save(update_fields=["next_value"])
    return f"C{number:08d}"


def _valid(code: CustomerErrorCode, check: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a `customers.rules` check and turn its `ValueError` into a `CustomerError`."""
    try:
        return check(*args, **kwargs)
    except ValueError as invalid:
        raise CustomerError(code=code, message=str(invalid)) from None


def _check_login_email_free(email: str, *, except_user: User | None = None) -> None:
    taken = User.objects.filter(email__iexact=email)
    if except_user is not None:
        taken = taken.exclude(pk=except_user.pk)
    if taken.exists():
        raise CustomerError(
            code=CustomerErrorCode.EMAIL_TAKEN,
            message=f"L'adresse {email} est déjà utilisée pour un espace client.",
            extra={"email": email},
        )


def _check_password(password: str, *, user: User) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as weak:
        raise CustomerError(
            code=CustomerErrorCode.PASSWORD_INVALID,
            message=" ".join(weak.messages),
        ) from None


@transaction.atomic
def customer_create(
    *,
    email: str,
    password: str,
    civility: Civility,
    first_name: str,
    last_name: str,
    birth_date: date,
    contact_phone: str,
    actor: Actor,
    now: datetime,
    contact_email: str | None = None,
) -> Customer:
    """Create the login and the customer, with the next customer number."""
    email = _valid(CustomerErrorCode.EMAIL_INVALID, normalize_email, email)
    _check_login_email_free(email)
    first_name = _valid(CustomerErrorCode.NAME_INVALID, normalize_name, first_name, field="prénom")
    last_name = _valid(CustomerErrorCode.NAME_INVALID, normalize_name, last_name, field="nom")
    _valid(CustomerErrorCode.BIRTH_DATE_INVALID, check_adult, birth_date, on=paris_date(now))
    contact_phone = _valid(CustomerErrorCode.PHONE_INVALID, normalize_phone_number, contact_phone)
    contact_email = (
        _valid(CustomerErrorCode.EMAIL_INVALID, normalize_email, contact_email)
        if contact_email is not None
        else email
    )
    user = User(email=email, date_joined=now)
    _check_password(password, user=user)
    user.set_password(password)
    user.save()
    customer = Customer.objects.create(
        user=user,
        number=_next_customer_number(),
        civility=Civility(civility),
        first_name=first_name,
        last_name=last_name,
        birth_date=birth_date,
        contact_email=contact_email,
        contact_phone=contact_phone,
        created_at=now,
    )
    activity_record(
        customer=customer,
        actor=actor,
        act=Act.CUSTOMER_CREATE,
        subject=customer,
        summary=f"Création de l'espace client n° {customer.number}",
        at=now,
        new_values={"number": customer.number, "email": email},
    )
    return customer


def _changes(instance: Any, wanted: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    old = {field: getattr(instance, field) for field, value in wanted.items()}
    changed = [field for field, value in wanted.items() if old[field] != value]
    return {field: old[field] for field in changed}, {field: wanted[field] for field in changed}


@transaction.atomic
def customer_update_identity(
    *,
    customer: Customer,
    civility: Civility,
    first_name: str,
    last_name: str,
    birth_date: date,
    actor: Actor,
    now: datetime,
) -> Customer:
    """ "Gérer mon identité". Nothing is logged when nothing changes."""
    wanted = {
        "civility": Civility(civility),
        "first_name": _valid(
            CustomerErrorCode.NAME_INVALID, normalize_name, first_name, field="prénom"
        ),
        "last_name": _valid(CustomerErrorCode.NAME_INVALID, normalize_name, last_name, field="nom"),
        "birth_date": birth_date,
    }
    _valid(CustomerErrorCode.BIRTH_DATE_INVALID, check_adult, birth_date, on=paris_date(now))
    old, new = _changes(customer, wanted)
    if not new:
        return customer
    for field, value in new.items():
        setattr(customer, field, value)
    customer.save(update_fields=list(new))
    activity_record(
        customer=customer,
        actor=actor,
        act=Act.CUSTOMER_UPDATE_IDENTITY,
        subject=customer,
        summary="Identité modifiée",
        at=now,
        old_values=old,
        new_values=new,
    )
    return customer


@transaction.atomic
def customer_update_contact(
    *,
    customer: Customer,
    contact_email: str,
    contact_phone: str,
    actor: Actor,
    now: datetime,
) -> Customer:
    """Contact email and phone ("Changer numéro de contact", "Changer adresse e-mail de contact").

    Seed 000: an advisor may change the contact email only "si ce n'est pas le login du client".
    """
    wanted = {
        "contact_email": _valid(CustomerErrorCode.EMAIL_INVALID, normalize_email, contact_email),
        "contact_phone": _valid(
            CustomerErrorCode.PHONE_INVALID, normalize_phone_number, contact_phone
        ),
    }
    old, new = _changes(customer, wanted)
    if not new:
        return customer
    if (
        "contact_email" in new
        and actor.kind == ActorKind.ADVISOR
        and customer.contact_email == customer.user.email
    ):
        raise CustomerError(
            code=CustomerErrorCode.LOGIN_EMAIL_ADVISOR_FORBIDDEN,
            message="L'e-mail de contact est aussi l'identifiant de connexion : seul le client"
            " peut le modifier.",
        )
    for field, value in new.items():
        setattr(customer, field, value)
    customer.save(update_fields=list(new))
    activity_record(
        customer=customer,
        actor=actor,
        act=Act.CUSTOMER_UPDATE_CONTACT,
        subject=customer,
        summary="Coordonnées de contact modifiées",
        at=now,
        old_values=old,
        new_values=new,
    )
    return customer


@transaction.atomic
def customer_change_login_email(
    *, customer: Customer, email: str, actor: Actor, now: datetime
) -> Customer:
    """Change the login email; the previous address is told, in case it was not its owner's act.

    Seed 000: advisors do not change a customer's login.
    """
    if actor.kind == ActorKind.ADVISOR:
        raise CustomerError(
            code=CustomerErrorCode.LOGIN_EMAIL_ADVISOR_FORBIDDEN,
            message="Seul le client peut modifier son identifiant de connexion.",
        )
    email = _valid(CustomerErrorCode.EMAIL_INVALID, normalize_email, email)
    user = customer.user
    previous = user.email
    if email == previous:
        return customer
    _check_login_email_free(email, except_user=user)
    user.email = email
    user.save(update_fields=["email"])
    activity_record_and_notify(
        customer=customer,
        actor=actor,
        act=Act.CUSTOMER_CHANGE_LOGIN_EMAIL,
        subject=customer,
        summary="Identifiant de connexion modifié",
        at=now,
        old_values={"email": previous},
        new_values={"email": email},
        template="login_email_changed",
        context={"new_email": email, "date": french_date(now)},
        email_to=previous,
    )
    return customer


@transaction.atomic
def customer_change_password(
    *,
    customer: Customer,
    current_password: str,
    new_password: str,
    actor: Actor,
    now: datetime,
) -> Customer:
    """ "Changer le mot de passe". The caller keeps the session with `update_session_auth_hash`."""
    user = customer.user
    if not user.check_password(current_password):
        raise CustomerError(
            code=CustomerErrorCode.PASSWORD_WRONG,
            message="Le mot de passe actuel est incorrect.",
        )
    _check_password(new_password, user=user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    activity_record_and_notify(
        customer=customer,
        actor=actor,
        act=Act.CUSTOMER_CHANGE_PASSWORD,
        subject=customer,
        summary="Mot de passe modifié",
        at=now,
        template="password_changed",
        context={"date": french_date(now)},
        email_to=user.email,
    )
    return customer


def _address_values(address: Address | None) -> dict[str, Any]:
    if address is None:
        return {}
    return {
        "line1": address.line1,
        "line2": address.line2,
        "line3": address.line3,
        "postcode": address.postcode,
        "city": address.city,
        "country": address.country,
    }


@transaction.atomic
def address_set(
    *,
    customer: Customer,
    kind: AddressKind,
    street_lines: Sequence[str],
    postcode: str,
    city: str,
    actor: Actor,
    now: datetime,
    country: str = "FR",
) -> Address:
    """Set the customer's address of `kind` (one per kind), replacing the previous one."""
    kind = AddressKind(kind)
    line1, line2, line3 = _valid(
        CustomerErrorCode.ADDRESS_INVALID, normalize_street_lines, list(street_lines)
    )
    country = _valid(CustomerErrorCode.ADDRESS_INVALID, normalize_country, country)
    postcode = _valid(
        CustomerErrorCode.ADDRESS_INVALID, normalize_postcode, postcode, country=country
    )
    city = _valid(CustomerErrorCode.ADDRESS_INVALID, normalize_name, city, field="ville")
    # CGS 2.1: the network is reached "en France Métropolitaine"; a fixed access is installed there.
    if kind == AddressKind.INSTALLATION and not (
        country == "FR" and is_metropolitan_postcode(postcode)
    ):
        raise CustomerError(
            code=CustomerErrorCode.INSTALLATION_OUTSIDE_METROPOLE,
            message="L'adresse d'installation doit être en France métropolitaine (CGS 2.1).",
            extra={"postcode": postcode, "country": country},
        )
    previous = address_get(customer=customer, kind=kind)
    old_values = _address_values(previous)
    address, _ = Address.objects.update_or_create(
        customer=customer,
        kind=kind,
        defaults={
            "line1": line1,
            "line2": line2,
            "line3": line3,
            "postcode": postcode,
            "city": city.upper() if country == "FR" else city,
            "country": country,
            "updated_at": now,
        },
    )
    new_values = _address_values(address)
    if old_values != new_values:
        activity_record(
            customer=customer,
            actor=actor,
            act=Act.ADDRESS_SET,
            subject=address,
            summary=f"{kind.label} modifiée",
            at=now,
            old_values=old_values,
            new_values=new_values,
        )
    return address


@transaction.atomic
def contact_preferences_set(
    *,
    customer: Customer,
    choices: Mapping[tuple[ContactTopic, ContactChannel], bool],
    actor: Actor,
    now: datetime,
) -> dict[tuple[ContactTopic, ContactChannel], ContactPreferenceState]:
    """Opt in or out per topic and channel; pairs not in `choices` keep their current state.

    Each changed pair records when consent was given or withdrawn (`changed_at`).
    """
    for topic, channel in choices:
        if (topic, channel) not in DEFAULT_OPT_INS:
            raise CustomerError(
                code=CustomerErrorCode.CONTACT_CHANNEL_INVALID,
                message=f"« {ContactTopic(topic).label} » ne peut pas être reçu par"
                f" {ContactChannel(channel).label}.",
                extra={"topic": topic, "channel": channel},
            )
    current = contact_preferences_for(customer=customer)
    resulting = {key: choices.get(key, state.opted_in) for key, state in current.items()}
    for topic in REQUIRED_ELECTRONIC_TOPICS:
        if not any(resulting[(topic, channel)] for channel in ELECTRONIC_CHANNELS):
            raise CustomerError(
                code=CustomerErrorCode.CONTACT_CHANNEL_REQUIRED,
                message=f"« {topic.label} » : gardez au moins l'e-mail ou le SMS.",
                extra={"topic": topic},
            )
    changed = {
        key: opted_in for key, opted_in in choices.items() if current[key].opted_in != opted_in
    }
    if not changed:
        return current
    for (topic, channel), opted_in in changed.items():
        ContactPreference.objects.update_or_create(
            customer=customer,
            topic=topic,
            channel=channel,
            defaults={"opted_in": opted_in, "changed_at": now},
        )
    activity_record(
        customer=customer,
        actor=actor,
        act=Act.CONTACT_PREFERENCES_SET,
        subject=customer,
        summary="Préférences de contact modifiées",
        at=now,
        old_values={f"{t}/{c}": not opted_in for (t, c), opted_in in changed.items()},
        new_values={f"{t}/{c}": opted_in for (t, c), opted_in in changed.items()},
    )
    return contact_preferences_for(customer=customer)


@transaction.atomic
def directory_listing_set(
    *,
    customer: Customer,
    listed: bool,
    actor: Actor,
    now: datetime,
    first_name_initial_only: bool = False,
    address_publication: AddressPublication = AddressPublication.NONE,
    publish_email: bool = False,
    anti_prospecting: bool = False,
    anti_reverse_lookup: bool = False,
) -> DirectoryListing:
    """CGS 11.1: list the customer in the universal directory, fully or partially, or not."""
    address_publication = AddressPublication(address_publication)
    options = {
        "first_name_initial_only": first_name_initial_only,
        "address_publication": address_publication,
        "publish_email": publish_email,
        "anti_prospecting": anti_prospecting,
        "anti_reverse_lookup": anti_reverse_lookup,
    }
    if not listed and (
        first_name_initial_only
        or address_publication != AddressPublication.NONE
        or publish_email
        or anti_prospecting
        or anti_reverse_lookup
    ):
        raise CustomerError(
            code=CustomerErrorCode.DIRECTORY_OPTIONS_NEED_LISTING,
            message="Les options de parution ne s'appliquent qu'à une inscription à l'annuaire.",
        )
    if (
        address_publication != AddressPublication.NONE
        and address_get(customer=customer, kind=AddressKind.POSTAL) is None
    ):
        raise CustomerError(
            code=CustomerErrorCode.DIRECTORY_NEEDS_POSTAL_ADDRESS,
            message="Renseignez d'abord votre adresse postale pour la faire paraître.",
        )
    previous = DirectoryListing.objects.filter(customer=customer).first()
    old_values = (
        {"listed": previous.listed, **{field: getattr(previous, field) for field in options}}
        if previous is not None
        else {"listed": False}
    )
    new_values = {"listed": listed, **options}
    if previous is not None and old_values == new_values:
        return previous
    listing, _ = DirectoryListing.objects.update_or_create(
        customer=customer, defaults={**new_values, "changed_at": now}
    )
    activity_record(
        customer=customer,
        actor=actor,
        act=Act.DIRECTORY_LISTING_SET,
        subject=listing,
        summary="Inscription à l'annuaire universel"
        if listed
        else "Annuaire universel : non inscrit",
        at=now,
        old_values=old_values,
        new_values=new_values,
    )
    return listing


def login_attempt_record(
    *, login: str, ip_address: str | None, succeeded: bool, now: datetime
) -> LoginAttempt:
    """Kept for throttling (`selectors.login_locked_until`); not an act of the activity log,
    since a failed attempt may name no customer at all."""
    return LoginAttempt.objects.create(
        login=login_key(login), ip_address=ip_address, succeeded=succeeded, at=now
    )


# -- portal: personal information and tracking --


@transaction.atomic
def customer_profile_set(
    *,
    customer: Customer,
    birth_place: str,
    household_size: int | None,
    preferred_contact_time: str,
    interests: Sequence[str],
    actor: Actor,
    now: datetime,
) -> CustomerProfile:
    """ "Compléter mon profil": every field is optional; an empty value clears it."""
    birth_place = " ".join(birth_place.split())
    if birth_place:
        birth_place = _valid(
            CustomerErrorCode.PROFILE_INVALID,
            normalize_name,
            birth_place,
            field="lieu de naissance",
        )
    if household_size is not None and not 1 <= household_size <= 20:
        raise CustomerError(
            code=CustomerErrorCode.PROFILE_INVALID,
            message="Le nombre de personnes du foyer va de 1 à 20.",
            extra={"household_size": household_size},
        )
    if preferred_contact_time and preferred_contact_time not in PreferredContactTime.values:
        raise CustomerError(
            code=CustomerErrorCode.PROFILE_INVALID,
            message="Choisissez un moment de la journée dans la liste.",
        )
    unknown = sorted(set(interests) - set(ProfileInterest.values))
    if unknown:
        raise CustomerError(
            code=CustomerErrorCode.PROFILE_INVALID,
            message=f"Centre d'intérêt inconnu : {', '.join(unknown)}.",
            extra={"interests": unknown},
        )
    wanted = {
        "birth_place": birth_place,
        "household_size": household_size,
        "preferred_contact_time": preferred_contact_time,
        # Stored in the order of the choices, so that the same choice compares equal.
        "interests": [code for code in ProfileInterest.values if code in set(interests)],
    }
    profile = CustomerProfile.objects.filter(customer=customer).first()
    old = (
        {field: getattr(profile, field) for field in wanted}
        if profile is not None
        else {
            "birth_place": "",
            "household_size": None,
            "preferred_contact_time": "",
            "interests": [],
        }
    )
    if profile is not None and old == wanted:
        return profile
    profile, _ = CustomerProfile.objects.update_or_create(
        customer=customer, defaults={**wanted, "updated_at": now}
    )
    changed = [field for field in wanted if old[field] != wanted[field]]
    activity_record(
        customer=customer,
        actor=actor,
        act=Act.CUSTOMER_PROFILE_SET,
        subject=profile,
        summary="Profil complété",
        at=now,
        old_values={field: old[field] for field in changed},
        new_values={field: wanted[field] for field in changed},
    )
    return profile


@transaction.atomic
def customer_request_name_change(
    *,
    customer: Customer,
    first_name: str,
    last_name: str,
    reason: str,
    proof: File,
    actor: Actor,
    now: datetime,
) -> Request:
    """A change of the holder's legal name is not made at once: the contract is in that name
    (CGS 3.1), so an advisor checks the proof first. Opens a tracked "Changement de nom"
    request with the proof attached (`IdentityProof`); the advisor then applies it with
    `customer_update_identity`. The proof's kind is read from its bytes (proof_rules)."""
    first_name = _valid(CustomerErrorCode.NAME_INVALID, normalize_name, first_name, field="prénom")
    last_name = _valid(CustomerErrorCode.NAME_INVALID, normalize_name, last_name, field="nom")
    if reason not in NameChangeReason.values:
        raise CustomerError(
            code=CustomerErrorCode.NAME_CHANGE_REASON_INVALID,
            message="Choisissez le motif du changement de nom dans la liste.",
        )
    proof.seek(0)
    extension = _valid(
        CustomerErrorCode.PROOF_INVALID, proof_extension, proof.read(16), size=proof.size or 0
    )
    proof.seek(0)
    if (first_name, last_name) == (customer.first_name, customer.last_name):
        raise CustomerError(
            code=CustomerErrorCode.NAME_CHANGE_UNCHANGED,
            message="Le nom et le prénom indiqués sont ceux que nous connaissons déjà.",
        )
    if Request.objects.filter(
        customer=customer, kind=RequestKind.NAME_CHANGE, status__in=OPEN_REQUEST_STATUSES
    ).exists():
        raise CustomerError(
            code=CustomerErrorCode.NAME_CHANGE_ALREADY_OPEN,
            message="Une demande de changement de nom est déjà en cours d'examen.",
        )
    request = request_open(
        customer=customer,
        kind=RequestKind.NAME_CHANGE,
        actor=actor,
        now=now,
        payload={
            "first_name": first_name,
            "last_name": last_name,
            "reason": reason,
            "previous_first_name": customer.first_name,
            "previous_last_name": customer.last_name,
        },
    )
    IdentityProof.objects.create(
        customer=customer,
        request_id=request.pk,
        file=File(proof, name=f"justificatif.{extension}"),
        content_type=PROOF_CONTENT_TYPES[extension],
        size_bytes=proof.size or 0,
        uploaded_at=now,
    )
    activity_record(
        customer=customer,
        actor=actor,
        act=Act.CUSTOMER_REQUEST_NAME_CHANGE,
        subject=request,
        summary=f"Changement de nom demandé : {first_name} {last_name}",
        at=now,
        new_values={"first_name": first_name, "last_name": last_name, "reason": reason},
    )
    return request


# -- portal: account and security --
PASSWORD_RESET_THROTTLE_WINDOW = timedelta(hours=1)
# Requests from one address, all logins together: enough for a shared household or office.
PASSWORD_RESETS_PER_IP_PER_HOUR = 20
EMAIL_KIND_NAMES = {
    EmailChangeKind.LOGIN: "adresse e-mail de connexion",
    EmailChangeKind.CONTACT: "adresse e-mail de contact",
}


def _two_step_key() -> bytes:
    return str(settings.GUICHET_TWO_STEP_KEY).encode()


def _customer_service() -> str:
    return str(settings.GUICHET_OPERATOR_CUSTOMER_SERVICE_PHONE)


@transaction.atomic
def password_reset_request(
    *,
    login: str,
    ip_address: str | None,
    link_for: Callable[[str, str], str],
    now: datetime,
) -> bool:
    """ "Mot de passe oublié": email a single-use link to the account of `login` (an email or a
    customer number). Returns whether a link left; the page must not tell, so that the form
    does not reveal which accounts exist. `link_for(uidb64, token)` makes the absolute URL.
    """
    key = login_key(login)
    since = now - PASSWORD_RESET_THROTTLE_WINDOW
    recent = SecurityPasswordResetRequest.objects.filter(at__gt=since)
    throttled = recent.filter(
        login=key, sent=True
    ).count() >= settings.GUICHET_PASSWORD_RESETS_PER_HOUR or (
        ip_address is not None
        and recent.filter(ip_address=ip_address).count() >= PASSWORD_RESETS_PER_IP_PER_HOUR
    )
    user = None if throttled else user_get_for_login(login=login)
    sent = user is not None and user.is_active
    SecurityPasswordResetRequest.objects.create(login=key, ip_address=ip_address, sent=sent, at=now)
    if not sent or user is None:
        return False
    customer = user.customer
    link = link_for(
        urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)
    )
    activity_record_and_notify(
        customer=customer,
        actor=Actor.system(),
        act=Act.SECURITY_PASSWORD_RESET_REQUEST,
        subject=customer,
        summary="Lien de réinitialisation du mot de passe envoyé",
        at=now,
        template="password_reset_link",
        context={"link": link, "minutes": settings.PASSWORD_RESET_TIMEOUT // 60},
        email_to=user.email,
    )
    return True


@transaction.atomic
def password_reset_complete(*, user: User, new_password: str, now: datetime) -> Customer:
    """The new password from a reset link (checked by `selectors.password_reset_user`).

    The password hash changes, so the link dies and every open session is signed out.
    """
    customer = user.customer
    _check_password(new_password, user=user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    activity_record_and_notify(
        customer=customer,
        actor=Actor.customer(user),
        act=Act.SECURITY_PASSWORD_RESET,
        subject=customer,
        summary="Mot de passe réinitialisé depuis le lien envoyé par e-mail",
        at=now,
        template="password_reset_done",
        context={"date": french_date(now), "customer_service": _customer_service()},
        email_to=user.email,
    )
    return customer


@transaction.atomic
def email_change_request(
    *,
    customer: Customer,
    kind: EmailChangeKind,
    email: str,
    link_for: Callable[[str], str],
    actor: Actor,
    now: datetime,
) -> SecurityEmailChange:
    """A new login or contact email, changed only once its owner opens the link sent to it.

    The current address hears of the request at once, and of the change when it happens.
    Seed 000: an advisor changes neither the login nor a contact email that is the login.
    """
    email = _valid(CustomerErrorCode.EMAIL_INVALID, normalize_email, email)
    if kind == EmailChangeKind.LOGIN:
        current = customer.user.email
        if actor.kind == ActorKind.ADVISOR:
            raise CustomerError(
                code=CustomerErrorCode.LOGIN_EMAIL_ADVISOR_FORBIDDEN,
                message="Seul le client peut modifier son identifiant de connexion.",
            )
    else:
        current = customer.contact_email
        if actor.kind == ActorKind.ADVISOR and customer.contact_email == customer.user.email:
            raise CustomerError(
                code=CustomerErrorCode.LOGIN_EMAIL_ADVISOR_FORBIDDEN,
                message="L'e-mail de contact est aussi l'identifiant de connexion : seul le"
                " client peut le modifier.",
            )
    what = EMAIL_KIND_NAMES[EmailChangeKind(kind)]
    if email == current:
        raise CustomerError(
            code=CustomerErrorCode.EMAIL_UNCHANGED,
            message=f"{email} est déjà votre {what}.",
            extra={"email": email},
        )
    if kind == EmailChangeKind.LOGIN:
        _check_login_email_free(email, except_user=customer.user)
    SecurityEmailChange.objects.filter(
        customer=customer, kind=kind, confirmed_at__isnull=True, cancelled_at__isnull=True
    ).update(cancelled_at=now)
    token = secrets.token_urlsafe(32)
    seconds = settings.GUICHET_EMAIL_CONFIRMATION_SECONDS
    change = SecurityEmailChange.objects.create(
        customer=customer,
        kind=kind,
        new_email=email,
        token_hash=email_change_token_hash(token),
        created_at=now,
        expires_at=now + timedelta(seconds=seconds),
    )
    # The link goes to the new address; the current one is told as well.
    activity_record_and_notify(
        customer=customer,
        actor=actor,
        act=Act.SECURITY_EMAIL_CHANGE_REQUEST,
        subject=customer,
        summary=f"Confirmation demandée pour la nouvelle {what}",
        at=now,
        new_values={"kind": str(kind), "email": email},
        template="email_change_confirm",
        context={"what": what, "link": link_for(token), "hours": seconds // 3600},
        email_to=email,
    )
    common = {"first_name": customer.first_name, "what": what}
    outbox_enqueue(
        channel=OutboxChannel.EMAIL,
        recipient=current,
        template="email_change_requested",
        context={
            **common,
            "new_email": email,
            "date": french_date(now),
            "customer_service": _customer_service(),
        },
        now=now,
        customer=customer,
    )
    return change


@transaction.atomic
def email_change_confirm(*, token: str, now: datetime) -> SecurityEmailChange:
    """The owner of the new address opened the link: the address changes, the old one is told."""
    change = (
        SecurityEmailChange.objects.select_for_update()
        .filter(token_hash=email_change_token_hash(token))
        .select_related("customer", "customer__user")
        .first()
    )
    if (
        change is None
        or change.confirmed_at is not None
        or change.cancelled_at is not None
        or change.expires_at <= now
    ):
        raise CustomerError(
            code=CustomerErrorCode.EMAIL_LINK_INVALID,
            message="Ce lien de confirmation n'est plus valable (déjà utilisé, remplacé par une"
            " demande plus récente ou expiré). Refaites la demande depuis votre espace client.",
        )
    customer = change.customer
    actor = Actor.customer(customer.user)
    if change.kind == EmailChangeKind.LOGIN:
        # Notifies the previous login address (template login_email_changed).
        customer_change_login_email(customer=customer, email=change.new_email, actor=actor, now=now)
    else:
        previous = customer.contact_email
        customer_update_contact(
            customer=customer,
            contact_email=change.new_email,
            contact_phone=customer.contact_phone,
            actor=actor,
            now=now,
        )
        outbox_enqueue(
            channel=OutboxChannel.EMAIL,
            recipient=previous,
            template="contact_email_changed",
            context={
                "first_name": customer.first_name,
                "new_email": change.new_email,
                "date": french_date(now),
                "customer_service": _customer_service(),
            },
            now=now,
            customer=customer,
        )
    change.confirmed_at = now
    change.save(update_fields=["confirmed_at"])
    return change


def _challenge_issue(
    *,
    user: User,
    purpose: SecurityChallengePurpose,
    method: TwoStepMethod,
    now: datetime,
    phone: str = "",
    sealed_secret: str = "",
) -> tuple[SecurityChallenge, str]:
    """A new code to ask for; an earlier one of the same purpose stops working.

    SMS codes are rationed like wrong answers, so that a stolen password cannot flood the
    customer's phone.
    """
    if method == TwoStepMethod.SMS:
        sent = SecurityChallenge.objects.filter(
            user=user, method=TwoStepMethod.SMS, created_at__gt=now - TWO_STEP_FAILURE_WINDOW
        ).count()
        if sent >= settings.GUICHET_TWO_STEP_MAX_FAILURES:
            raise CustomerError(
                code=CustomerErrorCode.TWO_STEP_LOCKED,
                message="Trop de codes envoyés par SMS. Par sécurité, réessayez dans un quart"
                " d'heure.",
            )
    SecurityChallenge.objects.filter(user=user, purpose=purpose, used_at__isnull=True).update(
        used_at=now
    )
    code = new_sms_code() if method == TwoStepMethod.SMS else ""
    challenge = SecurityChallenge.objects.create(
        user=user,
        purpose=purpose,
        method=method,
        phone=phone,
        code_hash=code_hash(code, pepper=_two_step_key()) if code else "",
        sealed_secret=sealed_secret,
        created_at=now,
        expires_at=now + timedelta(seconds=settings.GUICHET_TWO_STEP_CODE_SECONDS),
    )
    return challenge, code


def _check_not_locked(user: User, now: datetime) -> None:
    until = two_step_locked_until(user=user, now=now)
    if until is not None:
        raise CustomerError(
            code=CustomerErrorCode.TWO_STEP_LOCKED,
            message="Trop de codes erronés. Par sécurité, réessayez après"
            f" {until.astimezone(PARIS):%H:%M}.",
            extra={"until": until.isoformat()},
        )


def _check_two_step_off(user: User) -> None:
    if two_step_for(user=user) is not None:
        raise CustomerError(
            code=CustomerErrorCode.TWO_STEP_ALREADY_ON,
            message="La validation en deux étapes est déjà activée. Désactivez-la d'abord pour"
            " changer de méthode.",
        )


@transaction.atomic
def two_step_sms_enrol_start(
    *, customer: Customer, line_id: int, now: datetime
) -> tuple[SecurityChallenge, str]:
    """First step of the SMS method: a code to one of the customer's own active mobile lines,
    which proves the line is in their hands. The caller sends it (`security_sms_send`)."""
    from guichet.lines.models import LineStatus, Market
    from guichet.lines.selectors import line_get_for_customer

    user = customer.user
    _check_two_step_off(user)
    _check_not_locked(user, now)
    line = line_get_for_customer(customer=customer, line_id=line_id)
    if line is None or line.market != Market.MOBILE or line.status != LineStatus.ACTIVE:
        raise CustomerError(
            code=CustomerErrorCode.TWO_STEP_LINE_INVALID,
            message="Choisissez l'une de vos lignes mobiles en service.",
        )
    return _challenge_issue(
        user=user,
        purpose=SecurityChallengePurpose.ENROL,
        method=TwoStepMethod.SMS,
        phone=line.msisdn,
        now=now,
    )


@transaction.atomic
def two_step_totp_enrol_start(
    *, customer: Customer, now: datetime
) -> tuple[SecurityChallenge, bytes]:
    """First step of the app method: a new secret for the app, kept sealed until a first code
    from the app proves it was added."""
    _check_two_step_off(customer.user)
    secret = new_totp_secret()
    challenge, _ = _challenge_issue(
        user=customer.user,
        purpose=SecurityChallengePurpose.ENROL,
        method=TwoStepMethod.TOTP,
        sealed_secret=seal(secret, key=_two_step_key()),
        now=now,
    )
    return challenge, secret


@transaction.atomic
def second_step_start(
    *, user: User, purpose: SecurityChallengePurpose, now: datetime
) -> tuple[SecurityChallenge, str]:
    """The second step of a sign-in or of a confirmation of identity; an SMS code to send."""
    two_step = two_step_for(user=user)
    if two_step is None:
        raise CustomerError(
            code=CustomerErrorCode.TWO_STEP_OFF,
            message="La validation en deux étapes n'est pas activée.",
        )
    return _challenge_issue(
        user=user,
        purpose=purpose,
        method=TwoStepMethod(two_step.method),
        phone=two_step.phone,
        now=now,
    )


def security_sms_send(*, challenge: SecurityChallenge, code: str) -> None:
    """Outside any transaction (a provider call): the code only ever exists in this SMS."""
    from guichet.care.sms import get_sms_sender

    minutes = settings.GUICHET_TWO_STEP_CODE_SECONDS // 60
    get_sms_sender().send(
        to=challenge.phone,
        text=f"Votre code de sécurité : {code}. Il expire dans {minutes} minutes. Ne le"
        " communiquez à personne, pas même au service client.",
    )


def _accepted(challenge: SecurityChallenge, code: str, now: datetime) -> bool:
    key = _two_step_key()
    if challenge.method == TwoStepMethod.SMS:
        typed = normalize_digits(code)
        return bool(typed) and hmac.compare_digest(
            challenge.code_hash, code_hash(typed, pepper=key)
        )
    if challenge.purpose == SecurityChallengePurpose.ENROL:
        secret = unseal(challenge.sealed_secret, key=key)
        return totp_match(secret, code, now.timestamp()) is not None
    two_step = SecurityTwoStep.objects.select_for_update().get(user=challenge.user)
    step = totp_match(
        unseal(two_step.sealed_secret, key=key),
        code,
        now.timestamp(),
        after_step=two_step.last_totp_step,
    )
    if step is None:
        return False
    two_step.last_totp_step = step
    two_step.save(update_fields=["last_totp_step"])
    return True


def _recovery_code_use(user: User, code: str, now: datetime) -> bool:
    normalized = normalize_recovery_code(code)
    if not normalized:
        return False
    used = SecurityRecoveryCode.objects.filter(
        user=user, used_at__isnull=True, code_hash=code_hash(normalized, pepper=_two_step_key())
    ).update(used_at=now)
    return used > 0


def second_step_verify(
    *,
    user: User,
    challenge_id: int,
    purpose: SecurityChallengePurpose,
    code: str,
    now: datetime,
) -> SecurityChallenge:
    """Check the code typed for a challenge (an SMS code, an app code, or, to sign in or
    confirm one's identity, a recovery code). A wrong code is counted before the refusal is
    raised, so the count survives the error (not one transaction)."""
    with transaction.atomic():
        challenge = (
            SecurityChallenge.objects.select_for_update()
            .filter(pk=challenge_id, user=user, purpose=purpose, used_at__isnull=True)
            .first()
        )
        if challenge is None or challenge.expires_at <= now:
            raise CustomerError(
                code=CustomerErrorCode.TWO_STEP_CODE_EXPIRED,
                message="Ce code a expiré. Demandez-en un nouveau.",
            )
        _check_not_locked(user, now)
        recovery_allowed = purpose != SecurityChallengePurpose.ENROL
        if _accepted(challenge, code, now) or (
            recovery_allowed and _recovery_code_use(user, code, now)
        ):
            challenge.used_at = now
            challenge.save(update_fields=["used_at"])
            return challenge
        challenge.failed_attempts += 1
        challenge.save(update_fields=["failed_attempts"])
    raise CustomerError(
        code=CustomerErrorCode.TWO_STEP_CODE_WRONG,
        message="Ce code n'est pas le bon. Vérifiez-le et réessayez.",
    )


def _recovery_codes_replace(user: User, now: datetime) -> list[str]:
    SecurityRecoveryCode.objects.filter(user=user).delete()
    codes = new_recovery_codes()
    key = _two_step_key()
    SecurityRecoveryCode.objects.bulk_create(
        SecurityRecoveryCode(user=user, code_hash=code_hash(code, pepper=key), created_at=now)
        for code in codes
    )
    return codes


def two_step_enable(
    *, customer: Customer, challenge_id: int, code: str, actor: Actor, now: datetime
) -> list[str]:
    """Turn the second step on once the code of the enrolment challenge came back; returns the
    ten recovery codes, shown once (only their hashes are kept)."""
    challenge = second_step_verify(
        user=customer.user,
        challenge_id=challenge_id,
        purpose=SecurityChallengePurpose.ENROL,
        code=code,
        now=now,
    )
    return _two_step_turn_on(customer=customer, challenge=challenge, actor=actor, now=now)


@transaction.atomic
def _two_step_turn_on(
    *, customer: Customer, challenge: SecurityChallenge, actor: Actor, now: datetime
) -> list[str]:
    user = customer.user
    _check_two_step_off(user)
    method = TwoStepMethod(challenge.method)
    SecurityTwoStep.objects.create(
        user=user,
        method=method,
        phone=challenge.phone,
        sealed_secret=challenge.sealed_secret,
        # The enrolment code itself may not sign in again.
        last_totp_step=totp_step(now.timestamp()) if method == TwoStepMethod.TOTP else None,
        enabled_at=now,
    )
    SecurityChallenge.objects.filter(pk=challenge.pk).update(sealed_secret="")
    codes = _recovery_codes_replace(user, now)
    activity_record_and_notify(
        customer=customer,
        actor=actor,
        act=Act.SECURITY_TWO_STEP_ENABLE,
        subject=customer,
        summary=f"Validation en deux étapes activée ({method.label})",
        at=now,
        new_values={"method": str(method), "phone": challenge.phone},
        template="two_step_enabled",
        context={
            "method": method.label.lower(),
            "date": french_date(now),
            "customer_service": _customer_service(),
        },
        email_to=user.email,
    )
    return codes


@transaction.atomic
def two_step_disable(*, customer: Customer, actor: Actor, now: datetime) -> None:
    """Back to the password alone (the page asks a fresh confirmation of identity first)."""
    user = customer.user
    two_step = two_step_for(user=user)
    if two_step is None:
        raise CustomerError(
            code=CustomerErrorCode.TWO_STEP_OFF,
            message="La validation en deux étapes n'est pas activée.",
        )
    method = TwoStepMethod(two_step.method)
    two_step.delete()
    SecurityRecoveryCode.objects.filter(user=user).delete()
    SecurityChallenge.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
    activity_record_and_notify(
        customer=customer,
        actor=actor,
        act=Act.SECURITY_TWO_STEP_DISABLE,
        subject=customer,
        summary="Validation en deux étapes désactivée",
        at=now,
        old_values={"method": str(method)},
        template="two_step_disabled",
        context={"date": french_date(now), "customer_service": _customer_service()},
        email_to=user.email,
    )


@transaction.atomic
def recovery_codes_renew(*, customer: Customer, actor: Actor, now: datetime) -> list[str]:
    """Ten new recovery codes; the previous ones stop working."""
    if two_step_for(user=customer.user) is None:
        raise CustomerError(
            code=CustomerErrorCode.TWO_STEP_OFF,
            message="La validation en deux étapes n'est pas activée.",
        )
    codes = _recovery_codes_replace(customer.user, now)
    activity_record(
        customer=customer,
        actor=actor,
        act=Act.SECURITY_RECOVERY_CODES_RENEW,
        subject=customer,
        summary="Nouveaux codes de secours générés",
        at=now,
    )
    return codes


def two_step_enrolment_secret(*, challenge: SecurityChallenge) -> bytes:
    """The app secret of an enrolment under way, to show it again on the page."""
    return unseal(challenge.sealed_secret, key=_two_step_key())


# -- back office --


@transaction.atomic
def customer_invite(
    *,
    email: str,
    civility: Civility,
    first_name: str,
    last_name: str,
    birth_date: date,
    contact_phone: str,
    why: str,
    link_for: Callable[[str, str], str],
    actor: Actor,
    now: datetime,
) -> Customer:
    """A customer the service client opens (a line's new holder, CGS 12): the login has no
    password yet; an email to the login address carries a single-use link to choose it (the
    "mot de passe oublié" link, `link_for(uidb64, token)` making its absolute URL). `why` says
    in French why the account was opened."""
    customer = customer_create(
        email=email,
        # Never used nor shown: replaced at once by an unusable password.
        password=secrets.token_urlsafe(32),
        civility=civility,
        first_name=first_name,
        last_name=last_name,
        birth_date=birth_date,
        contact_phone=contact_phone,
        actor=actor,
        now=now,
    )
    user = customer.user
    user.set_unusable_password()
    user.save(update_fields=["password"])
    link = link_for(
        urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)
    )
    minutes = settings.PASSWORD_RESET_TIMEOUT // 60
    activity_record_and_notify(
        customer=customer,
        actor=actor,
        act=Act.CUSTOMER_INVITE,
        subject=customer,
        summary=f"Espace client n° {customer.number} ouvert : lien de choix du mot de passe envoyé",
        at=now,
        template="offer_notice",
        context={
            "subject": "Votre espace client Guichet",
            "text": f"{why} Votre identifiant est {user.email} (ou votre numéro client"
            f" {customer.number}). Choisissez votre mot de passe avec ce lien, valable"
            f" {minutes} minutes et une seule fois : {link}\nPassé ce délai, utilisez"
            " « Mot de passe oublié » sur la page de connexion.",
        },
        email_to=user.email,
    )
    return customer


def _check_open_request(request: Request, kind: RequestKind) -> None:
    if request.kind != kind or request.status not in OPEN_REQUEST_STATUSES:
        raise CareError(
            code=CareErrorCode.REQUEST_TRANSITION_NOT_ALLOWED,
            message=f"La démarche n° {request.pk} n'est pas une démarche « {kind.label} » en"
            " cours.",
            extra={"kind": request.kind, "status": request.status},
        )


@transaction.atomic
def customer_apply_name_change(*, request: Request, actor: Actor, now: datetime) -> Customer:
    """The advisor checked the proof of a "Changement de nom" request: the holder's identity
    takes the requested name (`customer_update_identity`) and the request is completed, which
    tells the customer."""
    _check_open_request(request, RequestKind.NAME_CHANGE)
    customer = Customer.objects.select_for_update().get(pk=request.customer_id)
    first_name, last_name = request.payload["first_name"], request.payload["last_name"]
    customer_update_identity(
        customer=customer,
        civility=Civility(customer.civility),
        first_name=first_name,
        last_name=last_name,
        birth_date=customer.birth_date,
        actor=actor,
        now=now,
    )
    activity_record(
        customer=customer,
        actor=actor,
        act=Act.CUSTOMER_APPLY_NAME_CHANGE,
        subject=request,
        summary=f"Changement de nom appliqué : {first_name} {last_name}",
        at=now,
        old_values={
            "first_name": request.payload.get("previous_first_name", ""),
            "last_name": request.payload.get("previous_last_name", ""),
        },
        new_values={"first_name": first_name, "last_name": last_name},
    )
    if request.status == RequestStatus.SUBMITTED:
        request_advance(request=request, to_status=RequestStatus.IN_PROGRESS, actor=actor, now=now)
    request_advance(
        request=request,
        to_status=RequestStatus.COMPLETED,
        actor=actor,
        now=now,
        resolution=f"Justificatif vérifié : votre contrat est désormais au nom de {first_name}"
        f" {last_name}.",
    )
    customer.refresh_from_db()
    return customer
