"""Pure rules of the lines context: identifiers (MSISDN, ICCID, IMEI, PUK), the line lifecycle,
who may suspend or terminate for which reason, and what a line can subscribe to.

No database and no clock: callers pass values and dates.
"""

import calendar
import re
from datetime import date
from enum import StrEnum

from guichet.catalog.models import Market, ProductKind
from guichet.lines.models import (
    EquipmentKind,
    LineStatus,
    SuspensionReason,
    TerminationReason,
)

_SEPARATORS = re.compile(r"[\s.\-]")
# Metropolitan French mobile numbers: 06 and 07 (ARCEP numbering plan), 8 digits after.
_FRENCH_MOBILE_E164 = re.compile(r"^\+33[67][0-9]{8}$")
_ACCESS_REFERENCE = re.compile(r"^[A-Z0-9][A-Z0-9-]{5,29}$")
_DIGITS = re.compile(r"^[0-9]+$")

ICCID_LENGTHS = (19, 20)
IMEI_LENGTH = 15
PUK_LENGTH = 8
# Code de la consommation L224-28: a consumer commitment lasts at most 24 months.
COMMITMENT_MONTHS_MAX = 24


def luhn_valid(digits: str) -> bool:
    """ISO/IEC 7812 check digit, used by ICCIDs (ITU-T E.118) and IMEIs (3GPP TS 23.003)."""
    if not _DIGITS.match(digits):
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def normalize_msisdn(raw: str) -> str:
    """E.164 form of a French mobile number: "06 12 34 56 78" → "+33612345678"."""
    compact = _SEPARATORS.sub("", raw.strip())
    if compact.startswith("0033"):
        compact = "+33" + compact[4:]
    elif compact.startswith("0") and len(compact) == 10:
        compact = "+33" + compact[1:]
    if not _FRENCH_MOBILE_E164.match(compact):
        raise ValueError(f"« {raw} » n'est pas un numéro de mobile français (06 ou 07)")
    return compact


def normalize_access_reference(raw: str) -> str:
    """The network operator's reference of a fixed access: 6–30 letters, digits or dashes."""
    reference = raw.strip().upper()
    if not _ACCESS_REFERENCE.match(reference):
        raise ValueError(f"« {raw} » n'est pas une référence d'accès fixe valide")
    return reference


def normalize_iccid(raw: str) -> str:
    iccid = _SEPARATORS.sub("", raw.strip())
    if len(iccid) not in ICCID_LENGTHS or not luhn_valid(iccid):
        raise ValueError(f"« {raw} » n'est pas un ICCID valide (19 ou 20 chiffres, clé de Luhn)")
    return iccid


def normalize_imei(raw: str) -> str:
    imei = _SEPARATORS.sub("", raw.strip())
    if len(imei) != IMEI_LENGTH or not luhn_valid(imei):
        raise ValueError(f"« {raw} » n'est pas un IMEI valide (15 chiffres, clé de Luhn)")
    return imei


def normalize_puk(raw: str) -> str:
    puk = raw.strip()
    if len(puk) != PUK_LENGTH or not _DIGITS.match(puk):
        raise ValueError("Le code PUK comporte 8 chiffres")
    return puk


def add_months(start: date, months: int) -> date:
    """Same day `months` later, or the month's last day when it is shorter (31 Jan + 1 → 28 Feb)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


# The line lifecycle ---------------------------------------------------------------------------


class LineAction(StrEnum):
    ACTIVATE = "activate"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    TERMINATE = "terminate"


# action → (statuses it may start from, status it leads to). Terminated is final: CGS 8.2,
# termination "entraîne la désactivation définitive de la carte SIM et la perte du numéro".
# A pending line can be terminated: withdrawal before activation (CGS 9).
LINE_TRANSITIONS: dict[LineAction, tuple[frozenset[LineStatus], LineStatus]] = {
    LineAction.ACTIVATE: (frozenset({LineStatus.PENDING}), LineStatus.ACTIVE),
    LineAction.SUSPEND: (frozenset({LineStatus.ACTIVE}), LineStatus.SUSPENDED),
    LineAction.REINSTATE: (frozenset({LineStatus.SUSPENDED}), LineStatus.ACTIVE),
    LineAction.TERMINATE: (
        frozenset({LineStatus.PENDING, LineStatus.ACTIVE, LineStatus.SUSPENDED}),
        LineStatus.TERMINATED,
    ),
}


def next_status(status: LineStatus, action: LineAction) -> LineStatus | None:
    """The status `action` leads to from `status`, or None when the transition is not allowed."""
    sources, target = LINE_TRANSITIONS[action]
    return target if status in sources else None


# CGS 6.1: the customer reports a lost or stolen SIM "pour que nous suspendions immédiatement
# votre ligne"; the other CGS 2.4 reasons are the operator's decision.
CUSTOMER_SUSPENSION_REASONS = frozenset(
    {SuspensionReason.LOSS, SuspensionReason.THEFT, SuspensionReason.CUSTOMER_REQUEST}
)
# CGS 2.4 lets the operator suspend "l'accès aux Services" for an unpaid invoice; the project
# bars only outgoing usage (issue 4): the customer still receives calls and SMS and reaches the
# emergency numbers. Every other suspension bars the line wholly, but the one awaiting a bill
# advance:
# CGS 5.1 (i) names the restriction while a bill advance is awaited: « blocage usages sortants ».
OUTGOING_ONLY_SUSPENSION_REASONS = frozenset(
    {SuspensionReason.UNPAID, SuspensionReason.BILL_ADVANCE_PENDING}
)


def suspension_replaces(status: str, current: str, reason: SuspensionReason) -> bool:
    """Whether suspending for `reason` replaces the line's suspension instead of being refused:
    one that bars outgoing usage only gives way to one that bars the line wholly, so that a SIM
    lost or stolen while an invoice is unpaid can be barred (CGS 6.1); the line goes back to
    the first when the second is lifted (`Line.suspension_replaced`)."""
    return (
        status == LineStatus.SUSPENDED
        and current in OUTGOING_ONLY_SUSPENSION_REASONS
        and reason not in OUTGOING_ONLY_SUSPENSION_REASONS
    )


def suspension_goes_under(status: str, current: str, reason: SuspensionReason) -> bool:
    """Whether suspending for `reason` is kept under the line's suspension: one that bars
    outgoing usage only, on a line already barred wholly, applies once that one is lifted."""
    return (
        status == LineStatus.SUSPENDED
        and current not in OUTGOING_ONLY_SUSPENSION_REASONS
        and reason in OUTGOING_ONLY_SUSPENSION_REASONS
    )


# CGS 8.1 (request, legitimate reason) and CGS 9 (withdrawal) are the customer's; CGS 8.2 and the
# coverage and porting cases are established by the operator.
CUSTOMER_TERMINATION_REASONS = frozenset(
    {
        TerminationReason.CUSTOMER_REQUEST,
        TerminationReason.LEGITIMATE_REASON,
        TerminationReason.WITHDRAWAL,
    }
)


# What a line can subscribe to ------------------------------------------------------------------

ADD_ON_KINDS = frozenset({ProductKind.OPTION, ProductKind.TOP_UP, ProductKind.BONUS})
# A mobile line takes a plan (forfait), a fixed line a box offer; both take add-ons. Service fees
# are charged on invoices, never subscribed.
SUBSCRIBABLE_KINDS: dict[Market, frozenset[ProductKind]] = {
    Market.MOBILE: frozenset({ProductKind.PLAN}) | ADD_ON_KINDS,
    Market.FIXED: frozenset({ProductKind.BOX_OFFER}) | ADD_ON_KINDS,
}

# Equipment: which market it serves and whether it has a radio, hence an IMEI.
EQUIPMENT_MARKETS: dict[EquipmentKind, Market] = {
    EquipmentKind.PHONE: Market.MOBILE,
    EquipmentKind.KEY_4G: Market.MOBILE,
    EquipmentKind.SIM: Market.MOBILE,
    EquipmentKind.BOX: Market.FIXED,
    EquipmentKind.TV_DECODER: Market.FIXED,
    EquipmentKind.BOX_4G: Market.FIXED,
}
EQUIPMENT_WITH_IMEI = frozenset({EquipmentKind.PHONE, EquipmentKind.KEY_4G, EquipmentKind.BOX_4G})
