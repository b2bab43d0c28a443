"""Pure rules of the customers context: normalisation and validation of identity and contact data.

No database, no clock: the callers pass dates. Each function returns the normalised value or
raises `ValueError` with a message naming what is wrong; services turn it into a `CustomerError`.
"""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from guichet.customers.models import ContactChannel, ContactTopic

PARIS = ZoneInfo("Europe/Paris")

# CGS 3.1: "Toute personne physique majeure peut souscrire nos Services".
ADULT_AGE_YEARS = 18

_E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
# French national format: 0 followed by 9 digits (01…09), e.g. "06 12 34 56 78".
_FRENCH_NATIONAL = re.compile(r"^0[1-9][0-9]{8}$")

# La Poste postcodes: departments 01–95, overseas departments 971–976 (prefix 97) and the
# overseas collectivities and Monaco (prefix 98). No postcode starts with 00 or 96.
_FRENCH_POSTCODE = re.compile(r"^(?:0[1-9]|[1-8][0-9]|9[0-5]|97|98)[0-9]{3}$")
_METROPOLITAN_POSTCODE = re.compile(r"^(?:0[1-9]|[1-8][0-9]|9[0-5])[0-9]{3}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")

# AFNOR NF Z10-011: a postal address line holds at most 38 characters.
ADDRESS_LINE_MAX_LENGTH = 38
STREET_LINES_MAX = 3


def paris_date(moment: datetime) -> date:
    """The calendar date in France of an aware instant (billing and ages are French dates)."""
    if moment.tzinfo is None:
        raise ValueError("an aware datetime is required")
    return moment.astimezone(PARIS).date()


def normalize_phone_number(raw: str) -> str:
    """E.164 form of a contact phone number; a French national number gets the +33 prefix."""
    compact = _PHONE_SEPARATORS.sub("", raw.strip())
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    elif _FRENCH_NATIONAL.match(compact):
        compact = "+33" + compact[1:]
    if not _E164.match(compact):
        raise ValueError(f"« {raw} » n'est pas un numéro de téléphone valide (format E.164)")
    if compact.startswith("+33") and len(compact) != 12:
        raise ValueError(f"« {raw} » n'est pas un numéro français valide (9 chiffres après +33)")
    return compact


def normalize_email(raw: str) -> str:
    """Lower-case, trimmed email address, checked by Django's validator (no network lookup)."""
    email = raw.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValueError(f"« {raw} » n'est pas une adresse e-mail valide") from None
    return email


def normalize_name(raw: str, *, field: str, max_length: int = 100) -> str:
    name = " ".join(raw.split())
    if not name:
        raise ValueError(f"Le champ {field} est obligatoire")
    if len(name) > max_length:
        raise ValueError(f"Le champ {field} dépasse {max_length} caractères")
    return name


def age_on(birth_date: date, on: date) -> int:
    had_birthday = (on.month, on.day) >= (birth_date.month, birth_date.day)
    return on.year - birth_date.year - (0 if had_birthday else 1)


def check_adult(birth_date: date, *, on: date) -> None:
    if birth_date > on:
        raise ValueError("La date de naissance est dans le futur")
    if age_on(birth_date, on) < ADULT_AGE_YEARS:
        raise ValueError("Le titulaire doit être majeur (CGS 3.1)")


def normalize_country(raw: str) -> str:
    country = raw.strip().upper()
    if not _COUNTRY.match(country):
        raise ValueError(f"« {raw} » n'est pas un code pays ISO 3166 (deux lettres)")
    return country


def normalize_postcode(raw: str, *, country: str) -> str:
    postcode = raw.strip().replace(" ", "")
    if country == "FR":
        if not _FRENCH_POSTCODE.match(postcode):
            raise ValueError(f"« {raw} » n'est pas un code postal français valide")
    elif not postcode or len(postcode) > 10:
        raise ValueError(f"« {raw} » n'est pas un code postal valide")
    return postcode


def is_metropolitan_postcode(postcode: str) -> bool:
    """Metropolitan France, Corsica included (Corsican postcodes start with 20)."""
    return bool(_METROPOLITAN_POSTCODE.match(postcode))


def normalize_street_lines(raw_lines: list[str] | tuple[str, ...]) -> tuple[str, str, str]:
    lines = [" ".join(line.split()) for line in raw_lines]
    lines = [line for line in lines if line]
    if not lines:
        raise ValueError("L'adresse doit comporter au moins une ligne (numéro et voie)")
    if len(lines) > STREET_LINES_MAX:
        raise ValueError(f"L'adresse comporte au plus {STREET_LINES_MAX} lignes de voie")
    for line in lines:
        if len(line) > ADDRESS_LINE_MAX_LENGTH:
            raise ValueError(
                f"« {line} » dépasse {ADDRESS_LINE_MAX_LENGTH} caractères (norme AFNOR NF Z10-011)"
            )
    padded = [*lines, "", ""]
    return padded[0], padded[1], padded[2]


# Topics the operator must be able to reach the customer about electronically: suspension
# notices (CGS 2.4 "après vous en avoir informé"), usage thresholds (CGS 5.1) and debit
# pre-notifications (CGS 7.1). At least one of email and SMS stays on.
REQUIRED_ELECTRONIC_TOPICS = frozenset(
    {ContactTopic.INVOICES, ContactTopic.USAGE_ALERTS, ContactTopic.SERVICE_INFORMATION}
)
ELECTRONIC_CHANNELS = frozenset({ContactChannel.EMAIL, ContactChannel.SMS})

# The topic and channel pairs a customer can choose, and their value until the customer chooses:
# service notices on, offers off (commercial email and SMS need prior consent, article L34-5 of the
# Code des postes et des communications électroniques). Usage alerts are never posted: CGS 5.1
# sends them "sms et emails". Invoices themselves go out on paper or electronically as the billing
# account says (CGS 7); this topic is the "your invoice is available" notice.
DEFAULT_OPT_INS: dict[tuple[ContactTopic, ContactChannel], bool] = {
    (ContactTopic.INVOICES, ContactChannel.EMAIL): True,
    (ContactTopic.INVOICES, ContactChannel.SMS): False,
    (ContactTopic.USAGE_ALERTS, ContactChannel.EMAIL): True,
    (ContactTopic.USAGE_ALERTS, ContactChannel.SMS): True,
    (ContactTopic.SERVICE_INFORMATION, ContactChannel.EMAIL): True,
    (ContactTopic.SERVICE_INFORMATION, ContactChannel.SMS): True,
    (ContactTopic.SERVICE_INFORMATION, ContactChannel.POST): False,
    (ContactTopic.OFFERS, ContactChannel.EMAIL): False,
    (ContactTopic.OFFERS, ContactChannel.SMS): False,
    (ContactTopic.OFFERS, ContactChannel.POST): False,
    # -- portal: personal information and tracking --
    # A call from an advisor about offers: off until the customer agrees.
    (ContactTopic.OFFERS, ContactChannel.PHONE): False,
}


# Login throttling: after this many failed logins in the window, the login (whatever the
# address) or the address (whatever the login) waits until the window has passed since the
# last failure. A success resets the login's count.
LOGIN_FAILURES_PER_LOGIN = 5
LOGIN_FAILURES_PER_IP = 30
LOGIN_FAILURE_WINDOW = timedelta(minutes=15)


def login_key(raw: str) -> str:
    return raw.strip().lower()[:254]


# -- portal: account and security --
# ARCEP numbering plan: 01–05 geographic landlines, 06–07 mobiles, 09 non-geographic (box)
# landlines; 08 numbers are special-rate services, never a person's phone.
_FRENCH_PERSONAL_NUMBER = re.compile(r"^\+33[1-79][0-9]{8}$")


def is_french_phone_number(e164: str) -> bool:
    """Whether an E.164 number is a French mobile or landline a person can be called on."""
    return bool(_FRENCH_PERSONAL_NUMBER.match(e164))
