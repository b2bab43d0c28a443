"""The email addresses of a box line: the main address and up to five secondary ones.

Addresses are "<local part>@<GUICHET_BOX_MAIL_DOMAIN>"; a local part belongs to one box only.
"""

from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction

from guichet.care.actors import Actor
from guichet.care.acts import Act
from guichet.care.services import activity_record
from guichet.catalog.models import Market
from guichet.lines.errors import LineError, LineErrorCode
from guichet.lines.mailbox_rules import SECONDARY_MAX, normalize_local_part
from guichet.lines.models import BoxMailbox, Line, LineStatus


def mail_domain() -> str:
    return str(settings.GUICHET_BOX_MAIL_DOMAIN)


def mailbox_address(mailbox: BoxMailbox) -> str:
    return f"{mailbox.local_part}@{mail_domain()}"


def box_mailboxes_for_line(*, line: Line) -> list[BoxMailbox]:
    """The primary address first, then the secondary ones, oldest first."""
    return list(BoxMailbox.objects.filter(line=line).order_by("-is_primary", "created_at", "id"))


def _check_box(line: Line) -> None:
    if line.market != Market.FIXED:
        raise LineError(
            code=LineErrorCode.MAILBOX_NOT_A_BOX,
            message="Les adresses e-mail sont celles d'une ligne box.",
        )
    if line.status == LineStatus.TERMINATED:
        raise LineError(
            code=LineErrorCode.LINE_CLOSED,
            message=f"La ligne {line.display_number} est résiliée.",
        )


def _available_local_part(raw: str) -> str:
    try:
        local_part = normalize_local_part(raw)
    except ValueError as invalid:
        raise LineError(code=LineErrorCode.MAILBOX_ADDRESS_INVALID, message=str(invalid)) from None
    if BoxMailbox.objects.filter(local_part=local_part).exists():
        raise LineError(
            code=LineErrorCode.MAILBOX_ADDRESS_TAKEN,
            message=f"L'adresse {local_part}@{mail_domain()} est déjà prise :"
            " essayez-en une autre.",
            extra={"local_part": local_part},
        )
    return local_part


def _save(mailbox: BoxMailbox) -> None:
    # Two customers asking for the same free address at once: the unique index decides.
    try:
        with transaction.atomic():
            mailbox.save()
    except IntegrityError:
        raise LineError(
            code=LineErrorCode.MAILBOX_ADDRESS_TAKEN,
            message=f"L'adresse {mailbox_address(mailbox)} est déjà prise : essayez-en une autre.",
        ) from None


@transaction.atomic
def box_mailbox_set_primary(
    *, line: Line, local_part: str, actor: Actor, now: datetime
) -> BoxMailbox:
    """Create or change the box's main address. The old address stops receiving mail."""
    _check_box(line)
    local_part = _available_local_part(local_part)
    primary = BoxMailbox.objects.select_for_update().filter(line=line, is_primary=True).first()
    old = mailbox_address(primary) if primary is not None else ""
    if primary is None:
        primary = BoxMailbox(line=line, is_primary=True, created_at=now)
    primary.local_part = local_part
    _save(primary)
    activity_record(
        customer=line.billing_account.customer,
        actor=actor,
        act=Act.BOX_MAILBOX_SET_PRIMARY,
        subject=primary,
        summary=f"Adresse e-mail principale de la box : {mailbox_address(primary)}",
        at=now,
        old_values={"address": old} if old else {},
        new_values={"address": mailbox_address(primary)},
    )
    return primary


@transaction.atomic
def box_mailbox_add_secondary(
    *, line: Line, local_part: str, actor: Actor, now: datetime
) -> BoxMailbox:
    _check_box(line)
    Line.objects.select_for_update().filter(pk=line.pk).first()
    if BoxMailbox.objects.filter(line=line, is_primary=False).count() >= SECONDARY_MAX:
        raise LineError(
            code=LineErrorCode.MAILBOX_SECONDARY_FULL,
            message=f"Votre box a déjà {SECONDARY_MAX} adresses secondaires : supprimez-en une"
            " d'abord.",
        )
    local_part = _available_local_part(local_part)
    mailbox = BoxMailbox(line=line, local_part=local_part, is_primary=False, created_at=now)
    _save(mailbox)
    activity_record(
        customer=line.billing_account.customer,
        actor=actor,
        act=Act.BOX_MAILBOX_ADD_SECONDARY,
        subject=mailbox,
        summary=f"Adresse e-mail secondaire créée : {mailbox_address(mailbox)}",
        at=now,
        new_values={"address": mailbox_address(mailbox)},
    )
    return mailbox


@transaction.atomic
def box_mailbox_delete(*, line: Line, mailbox_id: int, actor: Actor, now: datetime) -> None:
    mailbox = BoxMailbox.objects.filter(line=line, pk=mailbox_id).first()
    if mailbox is None:
        raise LineError(
            code=LineErrorCode.MAILBOX_UNKNOWN,
            message="Cette adresse n'est pas une adresse de votre box.",
        )
    if mailbox.is_primary:
        raise LineError(
            code=LineErrorCode.MAILBOX_PRIMARY_NOT_DELETABLE,
            message="L'adresse principale ne se supprime pas : vous pouvez la modifier.",
        )
    address = mailbox_address(mailbox)
    # The activity names the line: the mailbox row is gone.
    activity_record(
        customer=line.billing_account.customer,
        actor=actor,
        act=Act.BOX_MAILBOX_DELETE,
        subject=line,
        summary=f"Adresse e-mail secondaire supprimée : {address}",
        at=now,
        old_values={"address": address},
    )
    mailbox.delete()
