"""Blocked numbers on the network: the adapter that applies a line's list of blocked callers.

The network applies a command after the transaction that changed the list commits (no network
call inside a transaction). The setting GUICHET_CALL_BARRING_NETWORK names the adapter; the
local one records each command in the log, which is what the demo and the tests use.
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from guichet.care.actors import Actor
from guichet.care.acts import Act
from guichet.care.services import activity_record
from guichet.customers.rules import normalize_phone_number
from guichet.lines.errors import LineError, LineErrorCode
from guichet.lines.models import BlockedNumber, Line, LineStatus

logger = logging.getLogger(__name__)

# Per line: the list the network's barring service holds for one subscriber is bounded.
BLOCKED_NUMBERS_MAX = 30


class BarringAction(StrEnum):
    BLOCK = "block"
    UNBLOCK = "unblock"


@dataclass(frozen=True)
class BarringCommand:
    line_id: int
    # The line's MSISDN, or a fixed access's reference.
    subscriber: str
    action: BarringAction
    number: str


class CallBarringNetwork(Protocol):
    def apply(self, command: BarringCommand) -> None: ...


class LocalCallBarringNetwork:
    """Records the commands it is given: in the log, and in `sent` for whoever holds it."""

    # Shared by every instance on purpose: the process has one local network.
    sent: list[BarringCommand] = []

    def apply(self, command: BarringCommand) -> None:
        self.sent.append(command)
        logger.info(
            "call barring: %s %s on %s (line %s)",
            command.action,
            command.number,
            command.subscriber,
            command.line_id,
        )


def call_barring_network() -> CallBarringNetwork:
    network: CallBarringNetwork = import_string(settings.GUICHET_CALL_BARRING_NETWORK)()
    return network


# The acts: the customer's list of blocked numbers on one line ---------------------------------
# (Kept in this module rather than lines.services: the list and the adapter that applies it
# change together.)


def _subscriber(line: Line) -> str:
    return line.msisdn or line.access_reference


def _push_after_commit(*, line: Line, action: BarringAction, number: str) -> None:
    command = BarringCommand(
        line_id=line.pk, subscriber=_subscriber(line), action=action, number=number
    )
    transaction.on_commit(lambda: call_barring_network().apply(command))


def _check_line_open(line: Line) -> None:
    if line.status == LineStatus.TERMINATED:
        raise LineError(
            code=LineErrorCode.LINE_CLOSED,
            message=f"La ligne {line.display_number} est résiliée.",
        )


@transaction.atomic
def blocked_number_add(*, line: Line, number: str, actor: Actor, now: datetime) -> BlockedNumber:
    """Block calls and SMS from `number` on `line`; the network applies it after commit."""
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
    _push_after_commit(line=line, action=BarringAction.BLOCK, number=number)
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
    _push_after_commit(line=line, action=BarringAction.UNBLOCK, number=number)


def blocked_numbers_for_line(*, line: Line) -> list[BlockedNumber]:
    return list(BlockedNumber.objects.filter(line=line).order_by("created_at", "id"))
