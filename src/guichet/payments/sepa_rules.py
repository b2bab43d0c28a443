"""Pure rules of SEPA direct debit (Core scheme): identifiers, account numbers, dates.

No Django, no clock, no I/O: strings and dates in, normalised values or `SepaValueError` out
(with a French message naming what was wrong), so that the rules are tested without a database.

Rules chosen (each pinned by tests/payments/test_sepa_rules.py):

- **IBAN** is checked by `schwifty` (country, length, structure, check digits, national key
  where the country has one) and must belong to the SEPA zone; any SEPA country's IBAN is
  accepted (Regulation (EU) 260/2012 art. 9 forbids refusing an account for its country). It is
  stored compact and upper case, and shown to customers masked: country, check digits and last
  four characters only ("FR76 **** **** **** **** ***0 189").
- **BIC** is optional since 2016 for SEPA payments; when given it is checked by `schwifty` and
  must be a bank of the IBAN's country (or of a territory that uses that country's IBANs).
  Without one, the BIC `schwifty` knows for the IBAN's bank is used, else none ("NOTPROVIDED"
  in the debit file).
- **Identifiers** (mandate reference, message and transaction ids) use the restricted SEPA
  character set without spaces, at most 35 characters, never starting or ending with "/" nor
  containing "//" (EPC SDD Core implementation guidelines, "SEPA character set"). The mandate
  reference (UMR) is compared upper case: it must be unique for the creditor.
- **Creditor identifier** (ICS): country code, two check digits (ISO 7064 mod 97-10 over the
  national identifier, the country code and "00"), a 3-character business code, the national
  identifier (EPC262-08 "Creditor Identifier Overview").
- **Pre-notification** (CGS 7.1): "le Client est informé au moins 10 jours avant la date
  d'échéance": the notice must leave at least 10 calendar days before the debit date.
- **Sequence type**: FRST for the first collection under a mandate, RCUR afterwards.
- **Mandate lapse**: a mandate with no collection for 36 months expires (EPC SDD Core rulebook
  4.7.1 / PT-04.08); counted from the signature when it was never used.
- **Dates**: debits settle on TARGET2 business days (ECB calendar); a debit requested for a
  closing day settles on the next business day (CGS 7.1: "les week-ends, jours fériés et
  chômés peuvent entraîner des variations sur la date de prélèvement").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import cache

import holidays
from schwifty import BIC, IBAN
from schwifty.exceptions import (
    InvalidBBANChecksum,
    InvalidChecksumDigits,
    InvalidCountryCode,
    InvalidLength,
    InvalidStructure,
    SchwiftyException,
)

from guichet.billing.rules import add_months

PRENOTIFICATION_DAYS = 10  # CGS 7.1: "au moins 10 jours avant la date d'échéance"
MANDATE_LAPSE_MONTHS = 36  # EPC SDD Core rulebook: unused for 36 months, a mandate expires
IDENTIFIER_MAX_LENGTH = 35
NAME_MAX_LENGTH = 70  # EPC guidelines: names are limited to 70 characters in SEPA messages
REMITTANCE_MAX_LENGTH = 140


class SepaValueError(ValueError):
    """A value refused by a SEPA rule; `field` names the input, `message` says why in French."""

    def __init__(self, *, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class SequenceType(StrEnum):
    FIRST = "FRST"
    RECURRENT = "RCUR"


# Identifiers: the SEPA character set without the space.
_IDENTIFIER = re.compile(r"[A-Za-z0-9/\-?:().,'+]+")
_TEXT_ALLOWED = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")
_LIGATURES = {"Œ": "OE", "œ": "oe", "Æ": "AE", "æ": "ae", "ß": "ss", "’": "'", "‘": "'"}

# Territories whose banks have their own BIC country code but whose accounts carry the IBAN of
# another SEPA country (EPC409-09 "EPC list of SEPA scheme countries").
_IBAN_COUNTRY_TERRITORIES = {
    "FR": frozenset({"FR", "GF", "GP", "MQ", "RE", "YT", "PM", "BL", "MF"}),
    "GB": frozenset({"GB", "JE", "GG", "IM"}),
    "FI": frozenset({"FI", "AX"}),
}


def _compact(text: str) -> str:
    return "".join(text.split()).upper()


def normalize_iban(text: str) -> str:
    """The IBAN, compact and upper case, once `schwifty` and the SEPA zone accept it."""
    compact = _compact(text)
    if not compact:
        raise SepaValueError(field="iban", message="Saisissez l'IBAN du compte à débiter.")
    try:
        iban = IBAN(compact)
    except InvalidCountryCode:
        raise SepaValueError(
            field="iban",
            message=f"L'IBAN commence par « {compact[:2]} », qui n'est pas le code d'un pays"
            " où l'IBAN existe.",
        ) from None
    except InvalidLength:
        raise SepaValueError(
            field="iban",
            message=f"L'IBAN saisi compte {len(compact)} caractères : ce n'est pas la longueur"
            f" d'un IBAN {compact[:2]}.",
        ) from None
    except InvalidChecksumDigits:
        raise SepaValueError(
            field="iban",
            message="L'IBAN saisi n'est pas valide : sa clé de contrôle (les deux chiffres après"
            " le code pays) ne correspond pas au reste du numéro. Vérifiez chaque caractère.",
        ) from None
    except InvalidBBANChecksum:
        raise SepaValueError(
            field="iban",
            message="L'IBAN saisi n'est pas valide : la clé nationale du compte (clé RIB en"
            " France) ne correspond pas au numéro. Vérifiez chaque caractère.",
        ) from None
    except InvalidStructure:
        raise SepaValueError(
            field="iban",
            message="L'IBAN saisi contient des caractères qui n'ont pas leur place dans un IBAN"
            f" {compact[:2]}.",
        ) from None
    except SchwiftyException:
        raise SepaValueError(field="iban", message="L'IBAN saisi n'est pas valide.") from None
    if not iban.in_sepa_zone:
        raise SepaValueError(
            field="iban",
            message=f"Le compte est dans un pays hors de la zone SEPA ({iban.country_code}) :"
            " il ne peut pas être débité par prélèvement SEPA.",
        )
    return str(iban.compact)


def normalize_bic(text: str, *, iban: str) -> str:
    """The debtor's BIC (8 or 11 characters, upper case) for an IBAN `normalize_iban` accepted:
    the one given, once checked; without one, the BIC of the IBAN's bank when `schwifty`
    knows it; "" when neither."""
    compact = _compact(text)
    iban_country = iban[:2]
    if not compact:
        known = IBAN(iban).bic
        return str(known.compact) if known is not None else ""
    try:
        bic = BIC(compact)
    except InvalidLength:
        raise SepaValueError(
            field="bic",
            message=f"Le BIC compte 8 ou 11 caractères ({len(compact)} saisis).",
        ) from None
    except InvalidCountryCode:
        raise SepaValueError(
            field="bic",
            message=f"Le BIC {compact} n'est pas valide : « {compact[4:6]} » (5e et 6e"
            " caractères) n'est pas un code pays.",
        ) from None
    except SchwiftyException:
        raise SepaValueError(
            field="bic",
            message=f"Le BIC {compact} n'est pas valide : 4 lettres pour la banque, 2 pour le"
            " pays, 2 caractères pour la ville, puis 3 facultatifs pour l'agence.",
        ) from None
    countries = _IBAN_COUNTRY_TERRITORIES.get(iban_country, frozenset({iban_country}))
    if bic.country_code not in countries:
        raise SepaValueError(
            field="bic",
            message=f"Le BIC {compact} est celui d'une banque du pays « {bic.country_code} »,"
            f" alors que l'IBAN est celui d'un compte « {iban_country} ».",
        )
    return str(bic.compact)


def mask_iban(iban: str) -> str:
    """What a customer is shown of a stored IBAN: "FR76 **** **** **** **** ***0 189"."""
    masked = iban[:4] + "*" * (len(iban) - 8) + iban[-4:]
    return " ".join(masked[start : start + 4] for start in range(0, len(masked), 4))


def _mod97_digits(text: str) -> int:
    return int("".join(str(int(character, 36)) for character in text)) % 97


def check_creditor_identifier(text: str) -> str:
    """The SEPA creditor identifier (ICS), compact and upper case, once its check digits fit."""
    compact = _compact(text)
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{3}[A-Z0-9]{1,28}", compact):
        raise SepaValueError(
            field="creditor_id",
            message=f"L'identifiant créancier SEPA « {compact} » n'a pas la forme attendue :"
            " code pays, 2 chiffres de contrôle, 3 caractères de code activité, puis"
            " l'identifiant national (ex. FR72ZZZ123456).",
        )
    country, check_digits, national = compact[:2], compact[2:4], compact[7:]
    if 98 - _mod97_digits(national + country + "00") != int(check_digits):
        raise SepaValueError(
            field="creditor_id",
            message=f"L'identifiant créancier SEPA « {compact} » n'est pas valide : ses"
            " chiffres de contrôle ne correspondent pas.",
        )
    return compact


def check_identifier(text: str, *, field: str, what: str) -> str:
    """A SEPA identifier (mandate reference, message or transaction id) as given, or refused."""
    if not 1 <= len(text) <= IDENTIFIER_MAX_LENGTH:
        raise SepaValueError(
            field=field,
            message=f"{what} compte de 1 à {IDENTIFIER_MAX_LENGTH} caractères"
            f" ({len(text)} saisis).",
        )
    if not _IDENTIFIER.fullmatch(text):
        raise SepaValueError(
            field=field,
            message=f"{what} « {text} » contient des caractères hors du jeu SEPA : lettres sans"
            " accent, chiffres et / - ? : ( ) . , ' + seulement, sans espace.",
        )
    if text.startswith("/") or text.endswith("/") or "//" in text:
        raise SepaValueError(
            field=field,
            message=f"{what} « {text} » ne peut ni commencer ni finir par « / », ni contenir"
            " « // ».",
        )
    return text


def check_mandate_reference(text: str) -> str:
    """The unique mandate reference (UMR), upper case: the creditor compares them so."""
    return check_identifier(_compact(text), field="reference", what="La référence du mandat")


def mandate_reference_for(*, billing_account_number: str, serial: int) -> str:
    """The UMR of an account's `serial`-th mandate: "CF10000001-M001"."""
    return check_mandate_reference(f"{billing_account_number}-M{serial:03d}")


def sepa_text(text: str, *, max_length: int = NAME_MAX_LENGTH) -> str:
    """Free text (names, remittance information) in the SEPA character set: accents dropped,
    ligatures spelled out, any other character a space, spaces collapsed, cut to `max_length`."""
    spelled = "".join(_LIGATURES.get(character, character) for character in text)
    decomposed = unicodedata.normalize("NFKD", spelled)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_TEXT_ALLOWED.sub(" ", plain).split())[:max_length].rstrip()


def check_debtor_name(text: str) -> str:
    """The account holder's name as given (trimmed); its SEPA spelling is `sepa_text`'s."""
    name = " ".join(text.split())
    if not sepa_text(name):
        raise SepaValueError(
            field="debtor_name", message="Saisissez le nom du titulaire du compte à débiter."
        )
    if len(name) > NAME_MAX_LENGTH:
        raise SepaValueError(
            field="debtor_name",
            message=f"Le nom du titulaire compte au plus {NAME_MAX_LENGTH} caractères"
            f" ({len(name)} saisis).",
        )
    return name


def amount_text(amount_cents: int) -> str:
    """Cents as the decimal amount of an ISO 20022 message: 1299 → "12.99"."""
    if amount_cents <= 0:
        raise ValueError(f"a debit amount is positive, not {amount_cents}")
    whole, rest = divmod(amount_cents, 100)
    return f"{whole}.{rest:02d}"


def prenotification_deadline(debit_on: date) -> date:
    """The last day the pre-notification of a debit on `debit_on` may leave (CGS 7.1)."""
    return debit_on - timedelta(days=PRENOTIFICATION_DAYS)


def prenotified_in_time(*, sent_on: date, debit_on: date) -> bool:
    return sent_on <= prenotification_deadline(debit_on)


def sequence_type(*, collected_before: bool) -> SequenceType:
    return SequenceType.RECURRENT if collected_before else SequenceType.FIRST


def mandate_lapsed(*, last_used_on: date, on: date) -> bool:
    """A mandate last used (or signed, if never used) on `last_used_on` has expired by `on`."""
    return on > add_months(last_used_on, MANDATE_LAPSE_MONTHS)


@cache
def _target_closing_days(year: int) -> frozenset[date]:
    return frozenset(holidays.financial_holidays("ECB", years=year))


def is_target_day(day: date) -> bool:
    """A TARGET2 business day: not a weekend, not an ECB closing day."""
    return day.weekday() < 5 and day not in _target_closing_days(day.year)


def settlement_date(collection_date: date) -> date:
    """The day the money of a debit requested for `collection_date` settles."""
    day = collection_date
    while not is_target_day(day):
        day += timedelta(days=1)
    return day


def earliest_collection_date(today: date) -> date:
    """The first collection date a file sent `today` may ask for: the next TARGET2 business day
    (SDD Core: the debtor bank must have it one business day before the collection date)."""
    return settlement_date(today + timedelta(days=1))


@dataclass(frozen=True)
class ReturnReason:
    code: str
    label: str  # French, for the customer


# ISO 20022 reason codes of SDD R-transactions (EPC SDD Core rulebook, chapter 4.4 and the
# "Guidance on reason codes for SDD R-transactions", EPC173-14), worded for the customer.
RETURN_REASONS: dict[str, str] = {
    "AC01": "les coordonnées bancaires (IBAN) sont incorrectes",
    "AC04": "le compte bancaire est clôturé",
    "AC06": "le compte bancaire est bloqué",
    "AC13": "le compte débité est celui d'un client non consommateur",
    "AG01": "le compte n'accepte pas les prélèvements",
    "AG02": "le code opération est incorrect",
    "AM04": "la provision sur le compte était insuffisante",
    "AM05": "le prélèvement a été présenté deux fois",
    "BE05": "le créancier n'est pas reconnu par la banque",
    "CNOR": "la banque du créancier n'est pas joignable",
    "DNOR": "la banque du titulaire du compte n'est pas joignable",
    "FF01": "le fichier de prélèvement est invalide",
    "MD01": "la banque n'a pas trouvé de mandat pour ce prélèvement",
    "MD02": "le mandat est incomplet ou erroné",
    "MD06": "le titulaire du compte a demandé le remboursement du prélèvement",
    "MD07": "le titulaire du compte est décédé",
    "MS02": "le titulaire du compte a refusé le prélèvement",
    "MS03": "la banque n'a pas précisé le motif du rejet",
    "RC01": "le code BIC de la banque est incorrect",
    "RR01": "il manque des informations réglementaires sur le titulaire du compte",
    "RR02": "il manque le nom ou l'adresse du titulaire du compte",
    "RR03": "il manque le nom ou l'adresse du créancier",
    "RR04": "raison réglementaire",
    "SL01": "un service spécifique de la banque a refusé le prélèvement",
}


def return_reason(code: str) -> ReturnReason:
    """The customer's wording of an R-transaction reason code; an unknown code is quoted."""
    code = code.strip().upper()
    label = RETURN_REASONS.get(code, f"motif communiqué par la banque : {code}")
    return ReturnReason(code=code, label=label)
