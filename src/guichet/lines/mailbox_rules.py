"""Rules of a box line's email addresses: what a local part may be, how many addresses a box has.

Pure: no Django, so that the rules are property-tested on their own.
"""

import re

# "Créer une adresse e-mail secondaire": up to five addresses besides the main one.
SECONDARY_MAX = 5
LOCAL_PART_MIN_LENGTH = 3
LOCAL_PART_MAX_LENGTH = 40
_LOCAL_PART = re.compile(r"^[a-z][a-z0-9]*(?:[._-][a-z0-9]+)*$")
# Role addresses of the domain (RFC 2142) and names that would pass for the operator.
RESERVED_LOCAL_PARTS = frozenset(
    {
        "abuse",
        "admin",
        "administrateur",
        "contact",
        "guichet",
        "hostmaster",
        "info",
        "noreply",
        "no-reply",
        "postmaster",
        "root",
        "sav",
        "security",
        "service-client",
        "support",
        "webmaster",
    }
)


def normalize_local_part(raw: str) -> str:
    """The local part as stored: trimmed and lower-cased; a full address of another domain or a
    forbidden character is refused with a French message naming the rule."""
    local_part = raw.strip().lower()
    if "@" in local_part:
        raise ValueError("Indiquez seulement la partie avant « @ » de l'adresse.")
    if not LOCAL_PART_MIN_LENGTH <= len(local_part) <= LOCAL_PART_MAX_LENGTH:
        raise ValueError(
            f"L'adresse doit compter de {LOCAL_PART_MIN_LENGTH} à {LOCAL_PART_MAX_LENGTH}"
            " caractères."
        )
    if not _LOCAL_PART.match(local_part):
        raise ValueError(
            "L'adresse commence par une lettre et ne contient que des lettres sans accent, des"
            " chiffres et des séparateurs « . », « - » ou « _ » isolés, jamais à la fin."
        )
    if local_part in RESERVED_LOCAL_PARTS:
        raise ValueError(f"L'adresse « {local_part} » est réservée.")
    return local_part
