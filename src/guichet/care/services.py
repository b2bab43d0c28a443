"""Acts of the care context, and the services every other context calls in its own transaction:
`activity_record` (the activity log), `outbox_enqueue` and `outbox_notify_customer` (notifications),
and `activity_record_and_notify`, the two in the order most acts end with.
"""

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from guichet.billing.rules import ArrearsAct
from guichet.billing.selectors import unpaid_check
from guichet.care.actors import Actor
from guichet.care.acts import Act
from guichet.care.errors import CareError, CareErrorCode
from guichet.care.models import (
    OPEN_REQUEST_STATUSES,
    Activity,
    ActorKind,
    AdvisorMessage,
    Order,
    OrderItem,
    OrderKind,
    OrderStatus,
    OutboxChannel,
    OutboxMessage,
    Request,
    RequestKind,
    RequestStatus,
    TicketNote,
    TicketSeverity,
    TicketStatus,
    TicketType,
    TroubleTicket,
)
from guichet.care.notifications import TEMPLATES, french_date, render
from guichet.care.rules import (
    ORDER_CUSTOMER_TRANSITIONS,
    ORDER_LINE_MARKETS,
    ORDER_TRANSITIONS,
    REQUEST_CUSTOMER_TRANSITIONS,
    REQUEST_FULFILLED_AT_ONCE,
    REQUEST_LINE_MARKETS,
    REQUEST_PAYLOAD_KEYS,
    REQUEST_TRANSITIONS,
    TICKET_CUSTOMER_TRANSITIONS,
    TICKET_TRANSITIONS,
    request_due_date,
    withdrawal_deadline,
)
from guichet.care.selectors import withdrawal_period_start
from guichet.care.sms import SmsSender
from guichet.catalog.models import Market, Product
from guichet.customers.models import ContactChannel, ContactTopic, Customer
from guichet.customers.rules import normalize_email, normalize_phone_number, paris_date
from guichet.customers.selectors import contact_channels_for
from guichet.lines.models import Line, LineStatus
from guichet.lines.selectors import line_get_for_customer

logger = logging.getLogger(__name__)

# Outbox channels for the customer's contact channels; post is printed and sent elsewhere.
_OUTBOX_CHANNELS = {
    ContactChannel.EMAIL: OutboxChannel.EMAIL,
    ContactChannel.SMS: OutboxChannel.SMS,
}


# Activity log and outbox -----------------------------------------------------------------------


@transaction.atomic
def activity_record(
    *,
    customer: Customer,
    actor: Actor,
    act: str,
    subject: models.Model,
    summary: str,
    at: datetime,
    old_values: Mapping[str, Any] | None = None,
    new_values: Mapping[str, Any] | None = None,
) -> Activity:
    """Append one entry to `customer`'s activity log; call it inside the act's transaction.

    Refuses a customer actor acting on another customer's data: the last guard behind the
    selectors that scope every read to the logged-in customer.
    """
    if timezone.is_naive(at):
        raise ValueError("Activity times must be aware datetimes")
    if actor.is_customer and (actor.user is None or actor.user.pk != customer.user_id):
        raise CareError(
            code=CareErrorCode.ACTOR_NOT_HOLDER,
            message="Cet acte ne peut être fait que par le titulaire du compte.",
            extra={"customer": customer.number},
        )
    return Activity.objects.create(
        customer=customer,
        actor_kind=actor.kind,
        actor_user=actor.user,
        act=str(act),
        subject_type=subject._meta.label_lower,
        subject_id=subject.pk,
        summary=summary,
        old_values=dict(old_values or {}),
        new_values=dict(new_values or {}),
        at=at,
    )


@dataclass(frozen=True)
class ActivityEntry:
    customer: Customer
    subject: models.Model
    summary: str
    new_values: Mapping[str, Any] | None = None


def activity_record_many(
    *, actor: Actor, act: str, entries: Sequence[ActivityEntry], at: datetime
) -> None:
    """`activity_record` for one act on many subjects at once (batch jobs such as the bill
    run): one insert, inside the batch's transaction. Batch acts are never a customer's."""
    if timezone.is_naive(at):
        raise ValueError("Activity times must be aware datetimes")
    if actor.is_customer:
        raise ValueError("A batch act is the system's or an advisor's, never a customer's")
    Activity.objects.bulk_create(
        Activity(
            customer=entry.customer,
            actor_kind=actor.kind,
            actor_user=actor.user,
            act=str(act),
            subject_type=entry.subject._meta.label_lower,
            subject_id=entry.subject.pk,
            summary=entry.summary,
            old_values={},
            new_values=dict(entry.new_values or {}),
            at=at,
        )
        for entry in entries
    )


@transaction.atomic
def outbox_enqueue(
    *,
    channel: OutboxChannel,
    recipient: str,
    template: str,
    context: Mapping[str, Any],
    now: datetime,
    customer: Customer | None = None,
) -> OutboxMessage:
    """Write a notification to send after commit; the text is rendered once here to validate it."""
    if template not in TEMPLATES:
        raise CareError(
            code=CareErrorCode.OUTBOX_TEMPLATE_UNKNOWN,
            message=f"Le modèle de notification « {template} » n'existe pas.",
            extra={"template": template},
        )
    try:
        render(template, channel=channel, context=dict(context))
    except KeyError as missing:
        raise CareError(
            code=CareErrorCode.OUTBOX_CONTEXT_INCOMPLETE,
            message=f"Il manque la valeur {missing} pour le modèle « {template} ».",
            extra={"template": template, "missing": str(missing)},
        ) from None
    try:
        if channel == OutboxChannel.EMAIL:
            recipient = normalize_email(recipient)
        else:
            recipient = normalize_phone_number(recipient)
    except ValueError as invalid:
        raise CareError(
            code=CareErrorCode.OUTBOX_RECIPIENT_INVALID,
            message=str(invalid),
            extra={"channel": channel, "recipient": recipient},
        ) from None
    return OutboxMessage.objects.create(
        customer=customer,
        channel=channel,
        recipient=recipient,
        template=template,
        context=dict(context),
        created_at=now,
    )


@transaction.atomic
def outbox_notify_customer(
    *,
    customer: Customer,
    topic: ContactTopic,
    template: str,
    context: Mapping[str, Any],
    now: datetime,
) -> list[OutboxMessage]:
    """Enqueue `template` on each electronic channel the customer chose for `topic`.

    `first_name` is added to the context. Service topics always keep an electronic channel
    (customers.rules.REQUIRED_ELECTRONIC_TOPICS), so a service notice always leaves.
    """
    full_context = {"first_name": customer.first_name, **context}
    recipients = {
        OutboxChannel.EMAIL: customer.contact_email,
        OutboxChannel.SMS: customer.contact_phone,
    }
    messages = []
    for contact_channel in contact_channels_for(customer=customer, topic=topic):
        channel = _OUTBOX_CHANNELS.get(contact_channel)
        if channel is None:
            continue
        messages.append(
            outbox_enqueue(
                channel=channel,
                recipient=recipients[channel],
                template=template,
                context=full_context,
                now=now,
                customer=customer,
            )
        )
    return messages


@transaction.atomic
def activity_record_and_notify(
    *,
    customer: Customer,
    actor: Actor,
    act: str,
    subject: models.Model,
    summary: str,
    at: datetime,
    template: str,
    context: Mapping[str, Any],
    old_values: Mapping[str, Any] | None = None,
    new_values: Mapping[str, Any] | None = None,
    email_to: str = "",
) -> Activity:
    """The end of most acts, in their transaction: the activity entry, then the customer's
    notice in the outbox (`first_name` added to `context`).

    The notice goes by the channels the customer chose for service information or, with
    `email_to`, to that address alone: a security notice goes to the login address (or the one
    just replaced) whatever the preferences, so that the owner hears of a change they did not
    make.
    """
    activity = activity_record(
        customer=customer,
        actor=actor,
        act=act,
        subject=subject,
        summary=summary,
        at=at,
        old_values=old_values,
        new_values=new_values,
    )
    if email_to:
        outbox_enqueue(
            channel=OutboxChannel.EMAIL,
            recipient=email_to,
            template=template,
            context={"first_name": customer.first_name, **context},
            now=at,
            customer=customer,
        )
    else:
        outbox_notify_customer(
            customer=customer,
            topic=ContactTopic.SERVICE_INFORMATION,
            template=template,
            context=context,
            now=at,
        )
    return activity


@dataclass(frozen=True)
class OutboxSendReport:
    sent: int
    failed: int


def outbox_send_pending(
    *, now: datetime, sms_sender: SmsSender, limit: int = 100, max_attempts: int = 5
) -> OutboxSendReport:
    """Send pending messages, oldest first.

    No transaction is open while a provider is called (house convention 10): each message is
    claimed in a short transaction, sent, then its outcome recorded in another. A concurrent
    run skips claimed messages; a message that failed `max_attempts` times is left for an
    operator to look at (`last_error`).
    """
    pending_ids = list(
        OutboxMessage.objects.filter(sent_at__isnull=True, attempts__lt=max_attempts)
        .order_by("created_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    sent = failed = 0
    for message_id in pending_ids:
        message = _outbox_claim(message_id=message_id, now=now, max_attempts=max_attempts)
        if message is None:
            continue
        try:
            _deliver(message, sms_sender=sms_sender)
        # Any provider or rendering failure is recorded on the row and the batch goes on.
        except Exception as error:
            message.last_error = f"{type(error).__name__}: {error}"
            failed += 1
            logger.warning("Outbox message %s failed: %s", message.pk, message.last_error)
        else:
            message.sent_at = now
            message.last_error = ""
            sent += 1
        message.claimed_until = None
        message.save(update_fields=["last_error", "sent_at", "claimed_until"])
    return OutboxSendReport(sent=sent, failed=failed)


# Long enough for a slow SMTP server or SMS gateway; a claim left by a run that died lapses.
OUTBOX_CLAIM_SECONDS = 300


@transaction.atomic
def _outbox_claim(*, message_id: int, now: datetime, max_attempts: int) -> OutboxMessage | None:
    message = (
        OutboxMessage.objects.select_for_update(skip_locked=True)
        .filter(pk=message_id, sent_at__isnull=True, attempts__lt=max_attempts)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .first()
    )
    if message is None:
        return None
    message.attempts += 1
    message.last_attempt_at = now
    message.claimed_until = now + timedelta(seconds=OUTBOX_CLAIM_SECONDS)
    message.save(update_fields=["attempts", "last_attempt_at", "claimed_until"])
    return message


def _sender_domain() -> str:
    return settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].rstrip(">")


def _deliver(message: OutboxMessage, *, sms_sender: SmsSender) -> None:
    channel = OutboxChannel(message.channel)
    rendered = render(message.template, channel=channel, context=message.context)
    if channel == OutboxChannel.EMAIL:
        EmailMessage(
            subject=rendered.subject,
            body=rendered.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.recipient],
            # Stable per message, so a resend after a crash can be recognised downstream.
            headers={"Message-ID": f"<outbox-{message.pk}@{_sender_domain()}>"},
        ).send(fail_silently=False)
    else:
        sms_sender.send(to=message.recipient, text=rendered.body)


# Orders ----------------------------------------------------------------------------------------

# Orders and requests refused while an invoice is unpaid, when the operator lists the act
# (billing.selectors.unpaid_check, setting GUICHET_UNPAID_REFUSED_ACTS).
_ORDER_ARREARS_ACTS = {
    OrderKind.ACQUISITION: ArrearsAct.ACQUISITION,
    OrderKind.DEVICE_RENEWAL: ArrearsAct.DEVICE_RENEWAL,
    OrderKind.ACCESSORY: ArrearsAct.ACCESSORY_ORDER,
}
_REQUEST_ARREARS_ACTS = {RequestKind.LINE_TRANSFER: ArrearsAct.LINE_TRANSFER}


@dataclass(frozen=True)
class OrderItemIn:
    label: str
    quantity: int
    unit_price_cents: int
    product: Product | None = None


def _line_of_customer(*, customer: Customer, line: Line) -> Line:
    owned = line_get_for_customer(customer=customer, line_id=line.pk)
    if owned is None:
        raise CareError(
            code=CareErrorCode.LINE_NOT_FOUND,
            message="Cette ligne n'appartient pas au client.",
            extra={"line_id": line.pk},
        )
    return owned


def _check_line_markets(*, line: Line, markets: frozenset[Market], what: str) -> None:
    if line.market not in markets:
        raise CareError(
            code=CareErrorCode.LINE_MARKET_MISMATCH,
            message=f"{what} n'est pas possible pour une ligne {line.get_market_display()}.",
            extra={"market": line.market},
        )
    if line.status == LineStatus.TERMINATED:
        raise CareError(
            code=CareErrorCode.LINE_TERMINATED,
            message=f"{what} n'est pas possible : la ligne est résiliée.",
            extra={"line_id": line.pk},
        )


@transaction.atomic
def order_create(
    *,
    customer: Customer,
    kind: OrderKind,
    items: Sequence[OrderItemIn],
    actor: Actor,
    now: datetime,
    line: Line | None = None,
) -> Order:
    kind = OrderKind(kind)
    if line is not None:
        line = _line_of_customer(customer=customer, line=line)
    markets = ORDER_LINE_MARKETS.get(kind)
    if markets is not None:
        if line is None:
            raise CareError(
                code=CareErrorCode.LINE_REQUIRED,
                message=f"Une commande « {kind.label} » porte sur une ligne.",
                extra={"kind": kind},
            )
        _check_line_markets(line=line, markets=markets, what=f"Une commande « {kind.label} »")
    if not items:
        raise CareError(
            code=CareErrorCode.ORDER_ITEMS_INVALID,
            message="Une commande comporte au moins un article.",
        )
    for item in items:
        if not item.label.strip() or item.quantity < 1 or item.unit_price_cents < 0:
            raise CareError(
                code=CareErrorCode.ORDER_ITEMS_INVALID,
                message=f"Article invalide : « {item.label} » × {item.quantity}"
                f" à {item.unit_price_cents} centimes.",
                extra={"label": item.label},
            )
    if kind in _ORDER_ARREARS_ACTS:
        unpaid_check(customer=customer, act=_ORDER_ARREARS_ACTS[kind], today=paris_date(now))
    order = Order.objects.create(
        customer=customer, line=line, kind=kind, created_at=now, status_changed_at=now
    )
    OrderItem.objects.bulk_create(
        [
            OrderItem(
                order=order,
                product=item.product,
                label=item.label.strip(),
                quantity=item.quantity,
                unit_price_cents=item.unit_price_cents,
            )
            for item in items
        ]
    )
    activity_record(
        customer=customer,
        actor=actor,
        act=Act.ORDER_CREATE,
        subject=order,
        summary=f"Commande n° {order.pk} enregistrée ({kind.label})",
        at=now,
        new_values={"status": order.status, "kind": kind, "items": len(items)},
    )
    return order


def _check_transition(
    *,
    transitions: Mapping[Any, Any],
    customer_transitions: Any,
    from_status: models.TextChoices,
    to_status: models.TextChoices,
    actor: Actor,
    code: CareErrorCode,
    what: str,
) -> None:
    """Refuse a status change the table does not allow, or one a customer may not make."""
    if to_status not in transitions[from_status] or (
        actor.is_customer and (from_status, to_status) not in customer_transitions
    ):
        raise CareError(
            code=code,
            message=f"{what} ne peut pas passer de « {from_status.label} »"
            f" à « {to_status.label} ».",
            extra={"from_status": from_status, "to_status": to_status},
        )


@transaction.atomic
def order_advance(
    *,
    order: Order,
    to_status: OrderStatus,
    actor: Actor,
    now: datetime,
    tracking_number: str = "",
) -> Order:
    from_status, to_status = OrderStatus(order.status), OrderStatus(to_status)
    _check_transition(
        transitions=ORDER_TRANSITIONS,
        customer_transitions=ORDER_CUSTOMER_TRANSITIONS,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        code=CareErrorCode.ORDER_TRANSITION_NOT_ALLOWED,
        what=f"La commande n° {order.pk}",
    )
    tracking_number = tracking_number.strip()
    if to_status == OrderStatus.SHIPPED and not tracking_number:
        raise CareError(
            code=CareErrorCode.ORDER_TRACKING_NUMBER_REQUIRED,
            message=f"L'expédition de la commande n° {order.pk} demande un numéro de suivi.",
        )
    order.status = to_status
    order.status_changed_at = now
    if to_status == OrderStatus.SHIPPED:
        order.tracking_number = tracking_number
        order.shipped_at = now
    elif to_status == OrderStatus.DELIVERED:
        order.delivered_at = now
    order.save()
    activity_record(
        customer=order.customer,
        actor=actor,
        act=Act.ORDER_ADVANCE,
        subject=order,
        summary=f"Commande n° {order.pk} : {to_status.label.lower()}",
        at=now,
        old_values={"status": from_status},
        new_values={"status": to_status, "tracking_number": order.tracking_number},
    )
    # CGVAD art. 3.1: "l'expédition du Produit lui est annoncée par l'envoi d'un mail".
    if to_status == OrderStatus.SHIPPED:
        outbox_notify_customer(
            customer=order.customer,
            topic=ContactTopic.SERVICE_INFORMATION,
            template="order_shipped",
            context={
                "order": order.pk,
                "date": french_date(now),
                "tracking_number": tracking_number,
            },
            now=now,
        )
    elif to_status == OrderStatus.CANCELLED:
        outbox_notify_customer(
            customer=order.customer,
            topic=ContactTopic.SERVICE_INFORMATION,
            template="order_cancelled",
            context={"order": order.pk, "date": french_date(now)},
            now=now,
        )
    return order


# Requests (démarches) --------------------------------------------------------------------------


def _check_withdrawal_period(*, line: Line, now: datetime) -> None:
    """CGS 9: 14 days from receipt of the equipment, or from subscription without equipment."""
    period_start = withdrawal_period_start(line=line)
    if period_start is None:
        return  # the equipment has not arrived: the period has not started
    deadline = withdrawal_deadline(period_start)
    if paris_date(now) > deadline:
        raise CareError(
            code=CareErrorCode.REQUEST_WITHDRAWAL_PERIOD_OVER,
            message=f"Le délai de rétractation de 14 jours a pris fin le {deadline:%d/%m/%Y}"
            " (CGS 9).",
            extra={"deadline": deadline.isoformat()},
        )


def _check_payload(*, kind: RequestKind, payload: Mapping[str, Any]) -> None:
    missing = [key for key in REQUEST_PAYLOAD_KEYS.get(kind, ()) if not payload.get(key)]
    if missing:
        raise CareError(
            code=CareErrorCode.REQUEST_PAYLOAD_INVALID,
            message=f"La démarche « {kind.label} » demande : {', '.join(missing)}.",
            extra={"missing": missing},
        )


@transaction.atomic
def request_open(
    *,
    customer: Customer,
    kind: RequestKind,
    actor: Actor,
    now: datetime,
    line: Line | None = None,
    payload: Mapping[str, Any] | None = None,
) -> Request:
    kind = RequestKind(kind)
    payload = dict(payload or {})
    if line is not None:
        line = _line_of_customer(customer=customer, line=line)
    markets = REQUEST_LINE_MARKETS.get(kind)
    if markets is not None:
        if line is None:
            raise CareError(
                code=CareErrorCode.LINE_REQUIRED,
                message=f"La démarche « {kind.label} » porte sur une ligne.",
                extra={"kind": kind},
            )
        _check_line_markets(line=line, markets=markets, what=f"La démarche « {kind.label} »")
    _check_payload(kind=kind, payload=payload)
    if (
        line is not None
        and Request.objects.filter(line=line, kind=kind, status__in=OPEN_REQUEST_STATUSES).exists()
    ):
        raise CareError(
            code=CareErrorCode.REQUEST_ALREADY_OPEN,
            message=f"Une démarche « {kind.label} » est déjà en cours pour cette ligne.",
            extra={"kind": kind, "line_id": line.pk},
        )
    if kind == RequestKind.WITHDRAWAL and line is not None:
        _check_withdrawal_period(line=line, now=now)
    if kind in _REQUEST_ARREARS_ACTS:
        unpaid_check(customer=customer, act=_REQUEST_ARREARS_ACTS[kind], today=paris_date(now))
    request = Request.objects.create(
        customer=customer,
        line=line,
        kind=kind,
        payload=payload,
        created_at=now,
        status_changed_at=now,
        due_date=request_due_date(kind, opened_on=paris_date(now)),
    )
    activity_record(
        customer=customer,
        actor=actor,
        act=Act.REQUEST_OPEN,
        subject=request,
        summary=f"Démarche « {kind.label} » envoyée (n° {request.pk})",
        at=now,
        new_values={"status": request.status, "kind": kind, "due_date": request.due_date},
    )
    return request


@transaction.atomic
def request_record_fulfilled(
    *,
    customer: Customer,
    kind: RequestKind,
    payload: Mapping[str, Any],
    resolution: str,
    actor: Actor,
    now: datetime,
) -> Request:
    """Record a request the operator fulfilled as it was made (a duplicate invoice, produced on
    the spot): it is created completed, with how it was fulfilled, and logged once. No
    notification leaves: the customer has the result in hand."""
    kind = RequestKind(kind)
    payload = dict(payload)
    if kind not in REQUEST_FULFILLED_AT_ONCE:
        raise CareError(
            code=CareErrorCode.REQUEST_NOT_FULFILLED_AT_ONCE,
            message=f"La démarche « {kind.label} » n'est pas traitée sur-le-champ.",
            extra={"kind": kind},
        )
    _check_payload(kind=kind, payload=payload)
    resolution = resolution.strip()
    if not resolution:
        raise CareError(
            code=CareErrorCode.REQUEST_RESOLUTION_REQUIRED,
            message="Une démarche traitée indique comment elle l'a été.",
        )
    request = Request.objects.create(
        customer=customer,
        kind=kind,
        status=RequestStatus.COMPLETED,
        payload=payload,
        resolution=resolution,
        created_at=now,
        status_changed_at=now,
        closed_at=now,
    )
    activity_record(
        customer=customer,
        actor=actor,
        act=Act.REQUEST_RECORD_FULFILLED,
        subject=request,
        summary=f"Démarche « {kind.label} » n° {request.pk} traitée : {resolution}"[:300],
        at=now,
        new_values={"status": request.status, "kind": kind, **payload},
    )
    return request


@transaction.atomic
def request_advance(
    *,
    request: Request,
    to_status: RequestStatus,
    actor: Actor,
    now: datetime,
    resolution: str = "",
) -> Request:
    from_status, to_status = RequestStatus(request.status), RequestStatus(to_status)
    kind = RequestKind(request.kind)
    _check_transition(
        transitions=REQUEST_TRANSITIONS,
        customer_transitions=REQUEST_CUSTOMER_TRANSITIONS,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        code=CareErrorCode.REQUEST_TRANSITION_NOT_ALLOWED,
        what=f"La démarche n° {request.pk}",
    )
    resolution = resolution.strip()
    if to_status == RequestStatus.REJECTED and not resolution:
        raise CareError(
            code=CareErrorCode.REQUEST_RESOLUTION_REQUIRED,
            message="Un refus doit indiquer son motif.",
        )
    request.status = to_status
    request.status_changed_at = now
    if resolution:
        request.resolution = resolution
    if not REQUEST_TRANSITIONS[to_status]:
        request.closed_at = now
    request.save()
    activity_record(
        customer=request.customer,
        actor=actor,
        act=Act.REQUEST_ADVANCE,
        subject=request,
        summary=f"Démarche « {kind.label} » (n° {request.pk}) : {to_status.label.lower()}",
        at=now,
        old_values={"status": from_status},
        new_values={"status": to_status, "resolution": request.resolution},
    )
    if to_status in (RequestStatus.COMPLETED, RequestStatus.REJECTED):
        outbox_notify_customer(
            customer=request.customer,
            topic=ContactTopic.SERVICE_INFORMATION,
            template=f"request_{to_status}",
            context={
                "kind": kind.label,
                "request": request.pk,
                "date": french_date(now),
                "resolution": request.resolution,
            },
            now=now,
        )
    return request


# Trouble tickets -------------------------------------------------------------------------------


@transaction.atomic
def ticket_open(
    *,
    customer: Customer,
    ticket_type: TicketType,
    severity: TicketSeverity,
    description: str,
    actor: Actor,
    now: datetime,
    line: Line | None = None,
) -> TroubleTicket:
    ticket_type, severity = TicketType(ticket_type), TicketSeverity(severity)
    if line is not None:
        line = _line_of_customer(customer=customer, line=line)
    description = description.strip()
    if not description:
        raise CareError(
            code=CareErrorCode.TICKET_DESCRIPTION_REQUIRED,
            message="Décrivez le problème rencontré.",
        )
    ticket = TroubleTicket.objects.create(
        customer=customer,
        line=line,
        ticket_type=ticket_type,
        severity=severity,
        description=description,
        created_at=now,
        status_changed_at=now,
    )
    activity_record(
        customer=customer,
        actor=actor,
        act=Act.TICKET_OPEN,
        subject=ticket,
        summary=f"Incident n° {ticket.pk} enregistré ({ticket_type.label})",
        at=now,
        new_values={"status": ticket.status, "ticket_type": ticket_type, "severity": severity},
    )
    return ticket


def _add_note(*, ticket: TroubleTicket, text: str, actor: Actor, now: datetime) -> TicketNote:
    return TicketNote.objects.create(
        ticket=ticket, actor_kind=actor.kind, author=actor.user, text=text, created_at=now
    )


@transaction.atomic
def ticket_advance(
    *,
    ticket: TroubleTicket,
    to_status: TicketStatus,
    actor: Actor,
    now: datetime,
    note: str = "",
) -> TroubleTicket:
    from_status, to_status = TicketStatus(ticket.status), TicketStatus(to_status)
    _check_transition(
        transitions=TICKET_TRANSITIONS,
        customer_transitions=TICKET_CUSTOMER_TRANSITIONS,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        code=CareErrorCode.TICKET_TRANSITION_NOT_ALLOWED,
        what=f"L'incident n° {ticket.pk}",
    )
    ticket.status = to_status
    ticket.status_changed_at = now
    if to_status == TicketStatus.RESOLVED:
        ticket.resolved_at = now
    elif to_status == TicketStatus.IN_PROGRESS:
        ticket.resolved_at = None
    elif to_status in (TicketStatus.CLOSED, TicketStatus.CANCELLED):
        ticket.closed_at = now
    ticket.save()
    note = note.strip()
    if note:
        _add_note(ticket=ticket, text=note, actor=actor, now=now)
    activity_record(
        customer=ticket.customer,
        actor=actor,
        act=Act.TICKET_ADVANCE,
        subject=ticket,
        summary=f"Incident n° {ticket.pk} : {to_status.label.lower()}",
        at=now,
        old_values={"status": from_status},
        new_values={"status": to_status},
    )
    if to_status == TicketStatus.RESOLVED:
        outbox_notify_customer(
            customer=ticket.customer,
            topic=ContactTopic.SERVICE_INFORMATION,
            template="ticket_resolved",
            context={"ticket": ticket.pk, "date": french_date(now)},
            now=now,
        )
    return ticket


@transaction.atomic
def ticket_add_note(*, ticket: TroubleTicket, text: str, actor: Actor, now: datetime) -> TicketNote:
    text = text.strip()
    if not text:
        raise CareError(code=CareErrorCode.TICKET_NOTE_REQUIRED, message="La note est vide.")
    note = _add_note(ticket=ticket, text=text, actor=actor, now=now)
    activity_record(
        customer=ticket.customer,
        actor=actor,
        act=Act.TICKET_ADD_NOTE,
        subject=ticket,
        summary=f"Note ajoutée à l'incident n° {ticket.pk}",
        at=now,
        new_values={"note_id": note.pk},
    )
    return note


# -- portal: personal information and tracking --

# A message of the thread: long enough for a detailed question, short enough to read on a phone.
ADVISOR_MESSAGE_MAX_LENGTH = 2000


@transaction.atomic
def advisor_message_post(
    *, customer: Customer, text: str, actor: Actor, now: datetime
) -> AdvisorMessage:
    """One message of the customer's thread with the advisors ("messagerie").

    A customer's message joins the advisors' queue (`care.selectors.advisor_queue`); an
    advisor's answer closes the customer's waiting messages and tells the customer by the
    channels they chose for service information.
    """
    text = text.strip()
    if not text:
        raise CareError(code=CareErrorCode.MESSAGE_EMPTY, message="Écrivez votre message.")
    if len(text) > ADVISOR_MESSAGE_MAX_LENGTH:
        raise CareError(
            code=CareErrorCode.MESSAGE_TOO_LONG,
            message=f"Votre message compte {len(text)} caractères ; il en compte"
            f" {ADVISOR_MESSAGE_MAX_LENGTH} au plus.",
            extra={"length": len(text)},
        )
    if actor.kind == ActorKind.SYSTEM:
        raise ValueError("A message of the thread is written by the customer or an advisor")
    message = AdvisorMessage.objects.create(
        customer=customer, author_kind=actor.kind, author=actor.user, text=text, created_at=now
    )
    activity_record(
        customer=customer,
        actor=actor,
        act=Act.ADVISOR_MESSAGE_POST,
        subject=message,
        summary="Message envoyé à un conseiller"
        if actor.is_customer
        else "Réponse d'un conseiller à votre message",
        at=now,
    )
    if actor.kind == ActorKind.ADVISOR:
        AdvisorMessage.objects.filter(
            customer=customer, author_kind=ActorKind.CUSTOMER, answered_at__isnull=True
        ).update(answered_at=now)
        outbox_notify_customer(
            customer=customer,
            topic=ContactTopic.SERVICE_INFORMATION,
            template="advisor_message_answered",
            context={"date": french_date(now)},
            now=now,
        )
    return message
