"""Acts of the customers context. Each is one transaction that validates, saves and logs the act."""

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction

from guichet.care.actors import Actor
from guichet.care.acts import Act
from guichet.care.models import (
    OPEN_REQUEST_STATUSES,
    ActorKind,
    OutboxChannel,
    Request,
    RequestKind,
)
from guichet.care.notifications import french_date
from guichet.care.services import activity_record, outbox_enqueue, request_open
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
    IdentityProof,
    LoginAttempt,
    NameChangeReason,
    NumberSequence,
    PreferredContactTime,
    ProfileInterest,
    User,
)
from guichet.customers.proof_rules import PROOF_CONTENT_TYPES, proof_extension
from guichet.customers.rules import (
    DEFAULT_OPT_INS,
    ELECTRONIC_CHANNELS,
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
    ContactPreferenceState,
    address_get,
    contact_preferences_for,
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
    activity_record(
        customer=customer,
        actor=actor,
        act=Act.CUSTOMER_CHANGE_LOGIN_EMAIL,
        subject=customer,
        summary="Identifiant de connexion modifié",
        at=now,
        old_values={"email": previous},
        new_values={"email": email},
    )
    outbox_enqueue(
        channel=OutboxChannel.EMAIL,
        recipient=previous,
        template="login_email_changed",
        context={"first_name": customer.first_name, "new_email": email, "date": french_date(now)},
        now=now,
        customer=customer,
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
    activity_record(
        customer=customer,
        actor=actor,
        act=Act.CUSTOMER_CHANGE_PASSWORD,
        subject=customer,
        summary="Mot de passe modifié",
        at=now,
    )
    outbox_enqueue(
        channel=OutboxChannel.EMAIL,
        recipient=user.email,
        template="password_changed",
        context={"first_name": customer.first_name, "date": french_date(now)},
        now=now,
        customer=customer,
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
