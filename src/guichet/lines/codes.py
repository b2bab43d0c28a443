"""Pure rules of the codes a line carries: the porting code (RIO), the TV PINs of a box and the
reference of a fibre socket (PTO). No Django, no clock: values in, values out.
"""

import re
import string
from itertools import pairwise

# The RIO key (relevé d'identité opérateur, French number-porting rules of the operators'
# association APNF): 37 symbols in this order — letters first, then digits, then "+". Position in
# this string is a symbol's value; the order matters and is not the usual 0-9A-Z.
RIO_ALPHABET = string.ascii_uppercase + string.digits + "+"
RIO_MODULUS = len(RIO_ALPHABET)  # 37, a prime: every single-symbol error changes each key symbol
# Each key symbol is a Horner sum over the 19 symbols with its own weight: 1, 2 and 4.
RIO_KEY_WEIGHTS = (1, 2, 4)
RIO_LENGTH = 12
RIO_REFERENCE_LENGTH = 6
# Contract type ("qualité du client"): P for a person's subscription, E for a business.
RIO_CONTRACT_TYPES = frozenset({"P", "E"})
_OPERATOR_CODE = re.compile(r"^[A-Z0-9]{2}$")
_REFERENCE = re.compile(r"^[A-Z0-9+]{6}$")
_NATIONAL_NUMBER = re.compile(r"^0[1-9][0-9]{8}$")


def rio_key(*, operator_code: str, contract_type: str, reference: str, national_number: str) -> str:
    """The 3-symbol key of a RIO over operator code (2), contract type (1), line reference (6)
    and the line's 10-digit national number, e.g. "0611223344" (19 symbols in all)."""
    if not _OPERATOR_CODE.match(operator_code):
        raise ValueError(f"« {operator_code} » n'est pas un code opérateur RIO (2 caractères)")
    if contract_type not in RIO_CONTRACT_TYPES:
        raise ValueError(f"« {contract_type} » n'est pas un type de contrat RIO (P ou E)")
    if not _REFERENCE.match(reference):
        raise ValueError(f"« {reference} » n'est pas une référence de ligne RIO (6 caractères)")
    if not _NATIONAL_NUMBER.match(national_number):
        raise ValueError(f"« {national_number} » n'est pas un numéro national à 10 chiffres")
    sums = [0, 0, 0]
    for symbol in operator_code + contract_type + reference + national_number:
        value = RIO_ALPHABET.index(symbol)
        sums = [
            (weight * total + value) % RIO_MODULUS
            for weight, total in zip(RIO_KEY_WEIGHTS, sums, strict=True)
        ]
    return "".join(RIO_ALPHABET[total] for total in sums)


def rio_line_reference(line_id: int) -> str:
    """The line's 6-symbol reference in the RIO: its id in base 36 (digits, then letters),
    zero-padded. Stable for the line's life and unique among the operator's lines."""
    if not 0 < line_id < 36**RIO_REFERENCE_LENGTH:
        raise ValueError(f"l'identifiant de ligne {line_id} ne tient pas dans une référence RIO")
    symbols = string.digits + string.ascii_uppercase
    digits = []
    remaining = line_id
    while remaining:
        remaining, rest = divmod(remaining, 36)
        digits.append(symbols[rest])
    return "".join(reversed(digits)).rjust(RIO_REFERENCE_LENGTH, "0")


def rio_for(*, operator_code: str, contract_type: str, line_id: int, national_number: str) -> str:
    """The 12-character porting code of a line: OO Q RRRRRR CCC."""
    reference = rio_line_reference(line_id)
    key = rio_key(
        operator_code=operator_code,
        contract_type=contract_type,
        reference=reference,
        national_number=national_number,
    )
    return f"{operator_code}{contract_type}{reference}{key}"


def rio_valid(rio: str, *, national_number: str) -> bool:
    """Whether a RIO's key matches its fields and the number it was given for."""
    if len(rio) != RIO_LENGTH:
        return False
    try:
        key = rio_key(
            operator_code=rio[:2],
            contract_type=rio[2],
            reference=rio[3:9],
            national_number=national_number,
        )
    except ValueError:
        return False
    return key == rio[9:]


def national_number(e164: str) -> str:
    """ "+33612345678" → "0612345678" (French numbers only)."""
    if not e164.startswith("+33") or len(e164) != 12:
        raise ValueError(f"« {e164} » n'est pas un numéro français au format E.164")
    return "0" + e164[3:]


# TV PINs of a box ------------------------------------------------------------------------------

TV_PIN_LENGTH = 4
_PIN = re.compile(r"^[0-9]{4}$")


def tv_pin_problem(pin: str) -> str | None:
    """Why a TV PIN (parental or purchase) is refused, in French, or None when it is accepted.

    Four digits, and not guessable: not one digit repeated (0000) and not a run up or down
    (1234, 9876, 8901 counting round from 9 to 0), the codes tried first on a stolen remote."""
    if not _PIN.match(pin):
        return "Le code comporte exactement 4 chiffres."
    digits = [int(char) for char in pin]
    if len(set(digits)) == 1:
        return "Le code ne peut pas répéter quatre fois le même chiffre."
    steps = {(b - a) % 10 for a, b in pairwise(digits)}
    if steps in ({1}, {9}):
        return "Le code ne peut pas être une suite de chiffres (1234, 9876…)."
    return None


# Fibre socket (PTO) ----------------------------------------------------------------------------

# The reference printed on a fibre wall socket (prise terminale optique), as the building's
# fibre operators write it: two letters naming the operator of the building's network, then two
# groups of four letters or digits, e.g. "FI-1A2B-3C4D".
_PTO = re.compile(r"^[A-Z]{2}-[A-Z0-9]{4}-[A-Z0-9]{4}$")


def normalize_optical_outlet_reference(raw: str) -> str:
    compact = re.sub(r"[\s.\-_]", "", raw.strip().upper())
    candidate = f"{compact[:2]}-{compact[2:6]}-{compact[6:]}"
    if len(compact) != 10 or not _PTO.match(candidate):
        raise ValueError(
            f"« {raw} » n'est pas une référence de prise fibre : deux lettres puis deux groupes"
            " de quatre lettres ou chiffres, par exemple FI-1A2B-3C4D"
        )
    return candidate
