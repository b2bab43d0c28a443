"""Blocked numbers: the customer's list of blocked callers on one line, applied by the network
through the provisioning adapter (lines.provisioning, commands call_barring_block and
call_barring_unblock). Kept apart from lines.services: the list and its rules change together.
"""

import logging
from datetime import datetime
from enum import StrEnum

from django.db import transaction

from guichet.care.actors import Actor
from guichet.care.acts import Act
from guichet.care.services import activity_record
from guichet.customers.rules import normalize_phone_number
from guichet.lines.errors import LineError, LineErrorCode
from guichet.lines.models import BlockedNumber, Line, LineStatus
from guichet.lines.provisioning import network_provisioning

logger = logging.getLogger(__name__)

# Per line: the list the network's barring service holds for one subscriber is bounded.
BLOCKED_NUMBERS_MAX = 30


class BarringAction(StrEnum):
    BLOCK = "block"
    UNBLOCK = "unblock"


def _send(*, line: Line, action: BarringAction, number: str, now: datetime) -> None:
    # Recorded in the act's transaction (lines.provisioning): a refused act sends nothing.
    network_provisioning().send(
        line=line, command=f"call_barring_{action}", parameters={"number": number}, now=now
    )


def _check_line_open(line: Line) -> None:
    if line.status == LineStatus.TERMINATED:
        raise LineError(
            code=LineErrorCode.LINE_CLOSED,
            message=f"La ligne {line.display_number} est résiliée.",
        )


@transaction.atomic
def blocked_number_add(*, line: Line, number: str, actor: Actor, now: datetime) -> BlockedNumber:
    """Block calls and SMS from `number` on `line`, and tell the network."""
    _check_line_open(line)
    try:
        number = normalize_phone_number(number)
    except ValueError as invalid:
        raise LineError(code=LineErrorCode.BLOCKED_NUMBER_INVALID, message=str(invalid)) from None
    if number == line.msisdn:
        raise LineError(
            code=LineErrorCode.BLOCKED_NUMBER_INVALID,
            message="On ne bloque pas le numéro de la ligne elle-même.",
        )
    # Lock the line: two additions at once cannot go past the maximum.
    Line.objects.select_for_update().filter(pk=line.pk).first()
    blocked = BlockedNumber.objects.filter(line=line)
    if blocked.filter(number=number).exists():
        raise LineError(
            code=LineErrorCode.BLOCKED_NUMBER_DUPLICATE,
            message=f"Le numéro {number} est déjà bloqué sur cette ligne.",
            extra={"number": number},
        )
    if blocked.count() >= BLOCKED_NUMBERS_MAX:
        raise LineError(
            code=LineErrorCode.BLOCKED_NUMBERS_FULL,
            message=f"Une ligne bloque {BLOCKED_NUMBERS_MAX} numéros au plus : débloquez-en un"
            " d'abord.",
        )
    entry = BlockedNumber.objects.create(line=line, number=number, created_at=now)
    activity_record(
        customer=line.billing_account.customer,
        actor=actor,
        act=Act.BLOCKED_NUMBER_ADD,
        subject=line,
        summary=f"Numéro {number} bloqué sur la ligne {line.display_number}",
        at=now,
        new_values={"number": number},
    )
    _send(line=line, action=BarringAction.BLOCK, number=number, now=now)
    return entry


@transaction.atomic
def blocked_number_remove(*, line: Line, blocked_id: int, actor: Actor, now: datetime) -> None:
    entry = BlockedNumber.objects.filter(line=line, pk=blocked_id).first()
    if entry is None:
        raise LineError(
            code=LineErrorCode.BLOCKED_NUMBER_UNKNOWN,
            message="Ce numéro n'est pas dans la liste des appels bloqués de la ligne.",
        )
    number = entry.number
    entry.delete()
    activity_record(
        customer=line.billing_account.customer,
        actor=actor,
        act=Act.BLOCKED_NUMBER_REMOVE,
        subject=line,
        summary=f"Numéro {number} débloqué sur la ligne {line.display_number}",
        at=now,
        old_values={"number": number},
    )
    _send(line=line, action=BarringAction.UNBLOCK, number=number, now=now)


def blocked_numbers_for_line(*, line: Line) -> list[BlockedNumber]:
    return list(BlockedNumber.objects.filter(line=line).order_by("created_at", "id"))
