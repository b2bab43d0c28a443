from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from guichet.billing.models import BillingAccount
from guichet.care.actors import Actor
from guichet.care.acts import Act
from guichet.care.errors import CareError, CareErrorCode
from guichet.care.models import (
    Activity,
    ActorKind,
    Order,
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
from guichet.care.rules import (
    ORDER_CUSTOMER_TRANSITIONS,
    ORDER_TRANSITIONS,
    REQUEST_CUSTOMER_TRANSITIONS,
    REQUEST_TRANSITIONS,
    TICKET_CUSTOMER_TRANSITIONS,
    TICKET_TRANSITIONS,
)
from guichet.care.services import (
    OrderItemIn,
    activity_record,
    activity_record_and_notify,
    order_advance,
    order_create,
    outbox_enqueue,
    outbox_notify_customer,
    request_advance,
    request_open,
    request_record_fulfilled,
    ticket_add_note,
    ticket_advance,
    ticket_open,
)
from guichet.catalog.models import Product
from guichet.customers.models import ContactChannel, ContactTopic, Customer
from guichet.customers.services import contact_preferences_set
from guichet.lines.models import Line, LineStatus
from tests.customers.builders import NOW, SYSTEM, as_customer, make_advisor, make_customer
from tests.lines.builders import line_in_status, make_account, make_fixed_line, make_mobile_line

pytestmark = pytest.mark.django_db

LATER = NOW + timedelta(days=1)
SIM_CARD = OrderItemIn(label="Carte SIM", quantity=1, unit_price_cents=1000)


def _counts() -> tuple[int, int]:
    return Activity.objects.count(), OutboxMessage.objects.count()


# Activity log ---------------------------------------------------------------------------------


def test_activity_record_stores_actor_subject_and_values(customer: Customer) -> None:
    advisor = make_advisor()

    activity = activity_record(
        customer=customer,
        actor=Actor.advisor(advisor),
        act=Act.CUSTOMER_UPDATE_CONTACT,
        subject=customer,
        summary="Coordonnées modifiées",
        at=LATER,
        old_values={"contact_phone": "+33612345678"},
        new_values={"contact_phone": "+33711223344"},
    )

    activity.refresh_from_db()
    assert (activity.actor_kind, activity.actor_user) == (ActorKind.ADVISOR, advisor)
    assert (activity.subject_type, activity.subject_id) == ("customers.customer", customer.pk)
    assert activity.old_values == {"contact_phone": "+33612345678"}
    assert activity.at == LATER


def test_activity_record_refuses_a_naive_time(customer: Customer) -> None:
    activities = Activity.objects.count()

    with pytest.raises(ValueError, match="aware"):
        activity_record(
            customer=customer,
            actor=SYSTEM,
            act=Act.CUSTOMER_CREATE,
            subject=customer,
            summary="x",
            at=datetime(2025, 3, 3, 9, 0),
        )

    assert Activity.objects.count() == activities


def test_actors_are_consistent() -> None:
    customer = make_customer()
    with pytest.raises(ValueError, match="system actor has no user"):
        Actor(kind=ActorKind.SYSTEM, user=customer.user)
    with pytest.raises(ValueError, match="staff"):
        Actor.advisor(customer.user)


# Outbox ---------------------------------------------------------------------------------------


def test_outbox_enqueue_normalises_the_recipient(customer: Customer) -> None:
    message = outbox_enqueue(
        channel=OutboxChannel.SMS,
        recipient="06 12 34 56 78",
        template="order_cancelled",
        context={"first_name": "Camille", "order": 7, "date": "03/03/2025"},
        now=NOW,
        customer=customer,
    )

    message.refresh_from_db()
    assert (message.recipient, message.created_at, message.sent_at, message.attempts) == (
        "+33612345678",
        NOW,
        None,
        0,
    )


@pytest.mark.parametrize(
    ("channel", "recipient", "template", "context", "code"),
    [
        (OutboxChannel.EMAIL, "a@example.fr", "no_such_template", {}, "unknown"),
        (OutboxChannel.EMAIL, "a@example.fr", "order_cancelled", {"order": 7}, "incomplete"),
        (
            OutboxChannel.EMAIL,
            "not-an-email",
            "order_cancelled",
            {"first_name": "C", "order": 7, "date": "d"},
            "recipient",
        ),
        (
            OutboxChannel.SMS,
            "12",
            "order_cancelled",
            {"first_name": "C", "order": 7, "date": "d"},
            "recipient",
        ),
    ],
)
def test_outbox_enqueue_refuses_what_could_not_be_sent(
    channel: OutboxChannel, recipient: str, template: str, context: dict[str, Any], code: str
) -> None:
    with pytest.raises(CareError) as refused:
        outbox_enqueue(
            channel=channel, recipient=recipient, template=template, context=context, now=NOW
        )

    assert (
        refused.value.code
        == {
            "unknown": CareErrorCode.OUTBOX_TEMPLATE_UNKNOWN,
            "incomplete": CareErrorCode.OUTBOX_CONTEXT_INCOMPLETE,
            "recipient": CareErrorCode.OUTBOX_RECIPIENT_INVALID,
        }[code]
    )
    assert OutboxMessage.objects.count() == 0


def test_outbox_notify_customer_follows_contact_preferences(customer: Customer) -> None:
    contact_preferences_set(
        customer=customer,
        choices={(ContactTopic.SERVICE_INFORMATION, ContactChannel.SMS): False},
        actor=SYSTEM,
        now=NOW,
    )

    messages = outbox_notify_customer(
        customer=customer,
        topic=ContactTopic.SERVICE_INFORMATION,
        template="ticket_resolved",
        context={"ticket": 3, "date": "03/03/2025"},
        now=NOW,
    )

    assert [(m.channel, m.recipient) for m in messages] == [
        (OutboxChannel.EMAIL, customer.contact_email)
    ]
    assert messages[0].context == {"first_name": "Camille", "ticket": 3, "date": "03/03/2025"}


def test_an_act_is_recorded_then_notified_by_the_chosen_channels_or_to_one_address(
    customer: Customer,
) -> None:
    contact_preferences_set(
        customer=customer,
        choices={(ContactTopic.SERVICE_INFORMATION, ContactChannel.SMS): False},
        actor=SYSTEM,
        now=NOW,
    )
    activities_before, _ = _counts()

    activity = activity_record_and_notify(
        customer=customer,
        actor=SYSTEM,
        act=Act.TICKET_ADVANCE,
        subject=customer,
        summary="Incident n° 3 : résolu",
        at=LATER,
        template="ticket_resolved",
        context={"ticket": 3, "date": "04/03/2025"},
    )
    activity_record_and_notify(
        customer=customer,
        actor=SYSTEM,
        act=Act.CUSTOMER_CHANGE_PASSWORD,
        subject=customer,
        summary="Mot de passe modifié",
        at=LATER,
        template="password_changed",
        context={"date": "04/03/2025"},
        email_to="ancienne@example.org",
    )

    assert (activity.act, activity.summary, activity.at) == (
        Act.TICKET_ADVANCE,
        "Incident n° 3 : résolu",
        LATER,
    )
    assert Activity.objects.count() == activities_before + 2
    assert [
        (m.template, m.channel, m.recipient, m.context)
        for m in OutboxMessage.objects.order_by("id")
    ] == [
        (
            "ticket_resolved",
            OutboxChannel.EMAIL,
            customer.contact_email,
            {"first_name": "Camille", "ticket": 3, "date": "04/03/2025"},
        ),
        (
            "password_changed",
            OutboxChannel.EMAIL,
            "ancienne@example.org",
            {"first_name": "Camille", "date": "04/03/2025"},
        ),
    ]


def test_nothing_is_sent_about_offers_without_consent(customer: Customer) -> None:
    messages = outbox_notify_customer(
        customer=customer,
        topic=ContactTopic.OFFERS,
        template="ticket_resolved",
        context={"ticket": 3, "date": "03/03/2025"},
        now=NOW,
    )

    assert messages == []
    assert OutboxMessage.objects.count() == 0


# Orders ---------------------------------------------------------------------------------------

ORDER_PATHS: dict[OrderStatus, list[OrderStatus]] = {
    OrderStatus.RECEIVED: [],
    OrderStatus.IN_PREPARATION: [OrderStatus.IN_PREPARATION],
    OrderStatus.SHIPPED: [OrderStatus.IN_PREPARATION, OrderStatus.SHIPPED],
    OrderStatus.DELIVERED: [OrderStatus.IN_PREPARATION, OrderStatus.SHIPPED, OrderStatus.DELIVERED],
    OrderStatus.CANCELLED: [OrderStatus.CANCELLED],
}


def _order_in(customer: Customer, status: OrderStatus) -> Order:
    order = order_create(
        customer=customer, kind=OrderKind.ACCESSORY, items=[SIM_CARD], actor=SYSTEM, now=NOW
    )
    for step in ORDER_PATHS[status]:
        order_advance(order=order, to_status=step, actor=SYSTEM, now=NOW, tracking_number="TRK1")
    return order


def test_order_create_records_items_and_logs(account: BillingAccount) -> None:
    line = make_mobile_line(account)
    customer = account.customer

    order = order_create(
        customer=customer,
        kind=OrderKind.SIM_REPLACEMENT,
        line=line,
        items=[SIM_CARD, OrderItemIn(label="Coque", quantity=2, unit_price_cents=1250)],
        actor=as_customer(customer),
        now=NOW,
    )

    order.refresh_from_db()
    assert (order.status, order.line, order.created_at) == (OrderStatus.RECEIVED, line, NOW)
    assert [(i.label, i.quantity, i.unit_price_cents) for i in order.items.all()] == [
        ("Carte SIM", 1, 1000),
        ("Coque", 2, 1250),
    ]
    assert order.total_cents == 3500
    activity = Activity.objects.get(act=Act.ORDER_CREATE)
    assert activity.summary == f"Commande n° {order.pk} enregistrée (Carte SIM de remplacement)"
    assert activity.actor_kind == ActorKind.CUSTOMER


@pytest.mark.parametrize(
    ("kind", "line_kind", "items", "code"),
    [
        (OrderKind.SIM_REPLACEMENT, None, [SIM_CARD], CareErrorCode.LINE_REQUIRED),
        (OrderKind.DEVICE_RENEWAL, "fixed", [SIM_CARD], CareErrorCode.LINE_MARKET_MISMATCH),
        (OrderKind.SIM_REPLACEMENT, "other", [SIM_CARD], CareErrorCode.LINE_NOT_FOUND),
        (OrderKind.ACCESSORY, None, [], CareErrorCode.ORDER_ITEMS_INVALID),
        (
            OrderKind.ACCESSORY,
            None,
            [OrderItemIn(label="Coque", quantity=0, unit_price_cents=100)],
            CareErrorCode.ORDER_ITEMS_INVALID,
        ),
        (
            OrderKind.ACCESSORY,
            None,
            [OrderItemIn(label="Coque", quantity=1, unit_price_cents=-1)],
            CareErrorCode.ORDER_ITEMS_INVALID,
        ),
    ],
)
def test_order_create_refusals(
    account: BillingAccount,
    kind: OrderKind,
    line_kind: str | None,
    items: list[OrderItemIn],
    code: CareErrorCode,
) -> None:
    line = {
        None: None,
        "fixed": make_fixed_line(account) if line_kind == "fixed" else None,
        "other": make_mobile_line(make_account(make_customer())) if line_kind == "other" else None,
    }[line_kind]
    before = (_counts(), Order.objects.count())

    with pytest.raises(CareError) as refused:
        order_create(
            customer=account.customer, kind=kind, line=line, items=items, actor=SYSTEM, now=NOW
        )

    assert refused.value.code == code
    assert (_counts(), Order.objects.count()) == before


def test_order_for_a_terminated_line_is_refused(
    account: BillingAccount, catalog: dict[str, Product]
) -> None:
    line = line_in_status(account, catalog, LineStatus.TERMINATED)

    with pytest.raises(CareError) as refused:
        order_create(
            customer=account.customer,
            kind=OrderKind.SIM_REPLACEMENT,
            line=line,
            items=[SIM_CARD],
            actor=SYSTEM,
            now=LATER,
        )

    assert refused.value.code == CareErrorCode.LINE_TERMINATED
    assert Order.objects.count() == 0


@pytest.mark.parametrize("source", list(OrderStatus))
@pytest.mark.parametrize("target", list(OrderStatus))
def test_order_advance_follows_the_transition_table(
    customer: Customer, source: OrderStatus, target: OrderStatus
) -> None:
    order = _order_in(customer, source)
    before = _counts()

    if target in ORDER_TRANSITIONS[source]:
        order_advance(order=order, to_status=target, actor=SYSTEM, now=LATER, tracking_number="T2")
        order.refresh_from_db()
        assert (order.status, order.status_changed_at) == (target, LATER)
        assert Activity.objects.count() == before[0] + 1
    else:
        with pytest.raises(CareError) as refused:
            order_advance(order=order, to_status=target, actor=SYSTEM, now=LATER)
        assert refused.value.code == CareErrorCode.ORDER_TRANSITION_NOT_ALLOWED
        assert refused.value.extra == {"from_status": source, "to_status": target}
        order.refresh_from_db()
        assert order.status == source
        assert _counts() == before


@pytest.mark.parametrize(
    ("source", "target"),
    [(s, t) for s, targets in ORDER_TRANSITIONS.items() for t in targets],
)
def test_a_customer_may_only_cancel_a_received_order(
    customer: Customer, source: OrderStatus, target: OrderStatus
) -> None:
    order = _order_in(customer, source)
    before = _counts()

    if (source, target) in ORDER_CUSTOMER_TRANSITIONS:
        order_advance(order=order, to_status=target, actor=as_customer(customer), now=LATER)
        order.refresh_from_db()
        assert order.status == target
    else:
        with pytest.raises(CareError) as refused:
            order_advance(
                order=order,
                to_status=target,
                actor=as_customer(customer),
                now=LATER,
                tracking_number="T2",
            )
        assert refused.value.code == CareErrorCode.ORDER_TRANSITION_NOT_ALLOWED
        order.refresh_from_db()
        assert order.status == source
        assert _counts() == before


def test_shipping_needs_a_tracking_number_and_tells_the_customer(customer: Customer) -> None:
    order = _order_in(customer, OrderStatus.IN_PREPARATION)
    before = _counts()

    with pytest.raises(CareError) as refused:
        order_advance(order=order, to_status=OrderStatus.SHIPPED, actor=SYSTEM, now=LATER)
    assert refused.value.code == CareErrorCode.ORDER_TRACKING_NUMBER_REQUIRED
    assert _counts() == before

    order_advance(
        order=order,
        to_status=OrderStatus.SHIPPED,
        actor=SYSTEM,
        now=LATER,
        tracking_number=" 6A12345678901 ",
    )

    order.refresh_from_db()
    assert (order.tracking_number, order.shipped_at) == ("6A12345678901", LATER)
    messages = OutboxMessage.objects.filter(template="order_shipped").order_by("channel")
    assert [(m.channel, m.context["tracking_number"]) for m in messages] == [
        ("email", "6A12345678901"),
        ("sms", "6A12345678901"),
    ]


def test_delivery_starts_the_withdrawal_period(customer: Customer) -> None:
    order = _order_in(customer, OrderStatus.SHIPPED)

    order_advance(order=order, to_status=OrderStatus.DELIVERED, actor=SYSTEM, now=LATER)

    order.refresh_from_db()
    assert order.delivered_at == LATER


# Requests -------------------------------------------------------------------------------------

REQUEST_PATHS: dict[RequestStatus, list[RequestStatus]] = {
    RequestStatus.SUBMITTED: [],
    RequestStatus.IN_PROGRESS: [RequestStatus.IN_PROGRESS],
    RequestStatus.COMPLETED: [RequestStatus.IN_PROGRESS, RequestStatus.COMPLETED],
    RequestStatus.REJECTED: [RequestStatus.REJECTED],
    RequestStatus.CANCELLED: [RequestStatus.CANCELLED],
}


def _request_in(customer: Customer, status: RequestStatus) -> Request:
    request = request_open(
        customer=customer,
        kind=RequestKind.DUPLICATE_INVOICE,
        payload={"invoice_number": "F2025-000001"},
        actor=SYSTEM,
        now=NOW,
    )
    for step in REQUEST_PATHS[status]:
        request_advance(request=request, to_status=step, actor=SYSTEM, now=NOW, resolution="ok")
    return request


def test_request_open_a_termination_with_its_notice_date_cgs_8_1(
    account: BillingAccount,
) -> None:
    line = make_mobile_line(account)

    request = request_open(
        customer=account.customer,
        kind=RequestKind.TERMINATION,
        line=line,
        actor=as_customer(account.customer),
        now=NOW,
    )

    request.refresh_from_db()
    assert (request.status, request.line, request.created_at) == (
        RequestStatus.SUBMITTED,
        line,
        NOW,
    )
    assert request.due_date == datetime(2025, 3, 13, tzinfo=UTC).date()
    activity = Activity.objects.get(act=Act.REQUEST_OPEN)
    assert activity.summary == f"Démarche « Résiliation » envoyée (n° {request.pk})"
    assert activity.new_values == {
        "status": "submitted",
        "kind": "termination",
        "due_date": "2025-03-13",
    }


@pytest.mark.parametrize(
    ("kind", "line_kind", "payload", "code"),
    [
        (RequestKind.TERMINATION, None, {}, CareErrorCode.LINE_REQUIRED),
        (RequestKind.MOVE, "mobile", {"new_address": "x"}, CareErrorCode.LINE_MARKET_MISMATCH),
        (RequestKind.UNLOCK_CODE, "fixed", {}, CareErrorCode.LINE_MARKET_MISMATCH),
        (RequestKind.PORTING_OUT, "other", {}, CareErrorCode.LINE_NOT_FOUND),
        (RequestKind.DUPLICATE_INVOICE, None, {}, CareErrorCode.REQUEST_PAYLOAD_INVALID),
        (
            RequestKind.LINE_TRANSFER,
            "mobile",
            {"transferee_name": "Léa Martin"},
            CareErrorCode.REQUEST_PAYLOAD_INVALID,
        ),
    ],
)
def test_request_open_refusals(
    account: BillingAccount,
    kind: RequestKind,
    line_kind: str | None,
    payload: dict[str, str],
    code: CareErrorCode,
) -> None:
    line: Line | None = None
    if line_kind == "mobile":
        line = make_mobile_line(account)
    elif line_kind == "fixed":
        line = make_fixed_line(account)
    elif line_kind == "other":
        line = make_mobile_line(make_account(make_customer()))
    before = (_counts(), Request.objects.count())

    with pytest.raises(CareError) as refused:
        request_open(
            customer=account.customer,
            kind=kind,
            line=line,
            payload=payload,
            actor=SYSTEM,
            now=NOW,
        )

    assert refused.value.code == code
    assert (_counts(), Request.objects.count()) == before


def test_one_open_request_of_a_kind_per_line(account: BillingAccount) -> None:
    line = make_mobile_line(account)
    first = request_open(
        customer=account.customer, kind=RequestKind.PORTING_OUT, line=line, actor=SYSTEM, now=NOW
    )
    before = (_counts(), Request.objects.count())

    with pytest.raises(CareError) as refused:
        request_open(
            customer=account.customer,
            kind=RequestKind.PORTING_OUT,
            line=line,
            actor=SYSTEM,
            now=NOW,
        )
    assert refused.value.code == CareErrorCode.REQUEST_ALREADY_OPEN
    assert (_counts(), Request.objects.count()) == before

    request_advance(request=first, to_status=RequestStatus.CANCELLED, actor=SYSTEM, now=LATER)
    again = request_open(
        customer=account.customer, kind=RequestKind.PORTING_OUT, line=line, actor=SYSTEM, now=LATER
    )
    assert again.status == RequestStatus.SUBMITTED


def test_withdrawal_within_14_days_of_subscription_cgs_9(account: BillingAccount) -> None:
    line = make_mobile_line(account)  # subscribed on 3 March 2025, no equipment

    on_time = request_open(
        customer=account.customer,
        kind=RequestKind.WITHDRAWAL,
        line=line,
        actor=SYSTEM,
        now=NOW + timedelta(days=14),
    )
    assert on_time.due_date == datetime(2025, 3, 31, tzinfo=UTC).date()
    request_advance(request=on_time, to_status=RequestStatus.CANCELLED, actor=SYSTEM, now=NOW)
    before = (_counts(), Request.objects.count())

    with pytest.raises(CareError) as refused:
        request_open(
            customer=account.customer,
            kind=RequestKind.WITHDRAWAL,
            line=line,
            actor=SYSTEM,
            now=NOW + timedelta(days=15),
        )

    assert refused.value.code == CareErrorCode.REQUEST_WITHDRAWAL_PERIOD_OVER
    assert refused.value.message == (
        "Le délai de rétractation de 14 jours a pris fin le 17/03/2025 (CGS 9)."
    )
    assert (_counts(), Request.objects.count()) == before


def test_withdrawal_period_runs_from_the_delivery_of_the_equipment_cgs_9(
    account: BillingAccount,
) -> None:
    line = make_mobile_line(account)
    order = order_create(
        customer=account.customer,
        kind=OrderKind.ACQUISITION,
        line=line,
        items=[SIM_CARD],
        actor=SYSTEM,
        now=NOW,
    )
    # Not delivered yet: the period has not started, a month later.
    waiting = request_open(
        customer=account.customer,
        kind=RequestKind.WITHDRAWAL,
        line=line,
        actor=SYSTEM,
        now=NOW + timedelta(days=30),
    )
    request_advance(request=waiting, to_status=RequestStatus.CANCELLED, actor=SYSTEM, now=NOW)
    for step in (OrderStatus.IN_PREPARATION, OrderStatus.SHIPPED):
        order_advance(order=order, to_status=step, actor=SYSTEM, now=NOW, tracking_number="T")
    order_advance(
        order=order,
        to_status=OrderStatus.DELIVERED,
        actor=SYSTEM,
        now=NOW + timedelta(days=31),
    )

    # Delivered on 3 April: the last day is 17 April (day 45), not 18 April (day 46).
    last_day = request_open(
        customer=account.customer,
        kind=RequestKind.WITHDRAWAL,
        line=line,
        actor=SYSTEM,
        now=NOW + timedelta(days=45),
    )
    request_advance(request=last_day, to_status=RequestStatus.CANCELLED, actor=SYSTEM, now=NOW)
    with pytest.raises(CareError) as refused:
        request_open(
            customer=account.customer,
            kind=RequestKind.WITHDRAWAL,
            line=line,
            actor=SYSTEM,
            now=NOW + timedelta(days=46),
        )

    assert refused.value.code == CareErrorCode.REQUEST_WITHDRAWAL_PERIOD_OVER
    assert refused.value.extra == {"deadline": "2025-04-17"}


@pytest.mark.parametrize("source", list(RequestStatus))
@pytest.mark.parametrize("target", list(RequestStatus))
def test_request_advance_follows_the_transition_table(
    customer: Customer, source: RequestStatus, target: RequestStatus
) -> None:
    request = _request_in(customer, source)
    before = _counts()

    if target in REQUEST_TRANSITIONS[source]:
        request_advance(
            request=request, to_status=target, actor=SYSTEM, now=LATER, resolution="Fait."
        )
        request.refresh_from_db()
        assert (request.status, request.status_changed_at) == (target, LATER)
        final = not REQUEST_TRANSITIONS[target]
        assert request.closed_at == (LATER if final else None)
        assert Activity.objects.count() == before[0] + 1
    else:
        with pytest.raises(CareError) as refused:
            request_advance(
                request=request, to_status=target, actor=SYSTEM, now=LATER, resolution="Fait."
            )
        assert refused.value.code == CareErrorCode.REQUEST_TRANSITION_NOT_ALLOWED
        request.refresh_from_db()
        assert request.status == source
        assert _counts() == before


@pytest.mark.parametrize(
    ("source", "target"),
    [(s, t) for s, targets in REQUEST_TRANSITIONS.items() for t in targets],
)
def test_a_customer_may_only_cancel_a_request(
    customer: Customer, source: RequestStatus, target: RequestStatus
) -> None:
    request = _request_in(customer, source)
    before = _counts()

    if (source, target) in REQUEST_CUSTOMER_TRANSITIONS:
        request_advance(request=request, to_status=target, actor=as_customer(customer), now=LATER)
        request.refresh_from_db()
        assert request.status == RequestStatus.CANCELLED
    else:
        with pytest.raises(CareError) as refused:
            request_advance(
                request=request,
                to_status=target,
                actor=as_customer(customer),
                now=LATER,
                resolution="Fait.",
            )
        assert refused.value.code == CareErrorCode.REQUEST_TRANSITION_NOT_ALLOWED
        request.refresh_from_db()
        assert request.status == source
        assert _counts() == before


def test_a_rejection_states_its_reason_and_is_sent_to_the_customer(customer: Customer) -> None:
    request = _request_in(customer, RequestStatus.IN_PROGRESS)
    before = _counts()

    with pytest.raises(CareError) as refused:
        request_advance(request=request, to_status=RequestStatus.REJECTED, actor=SYSTEM, now=LATER)
    assert refused.value.code == CareErrorCode.REQUEST_RESOLUTION_REQUIRED
    assert _counts() == before

    request_advance(
        request=request,
        to_status=RequestStatus.REJECTED,
        actor=SYSTEM,
        now=LATER,
        resolution="Facture inconnue.",
    )

    request.refresh_from_db()
    assert (request.status, request.resolution) == (RequestStatus.REJECTED, "Facture inconnue.")
    message = OutboxMessage.objects.get(channel=OutboxChannel.EMAIL)
    assert message.template == "request_rejected"
    assert message.context == {
        "first_name": "Camille",
        "kind": "Duplicata de facture",
        "request": request.pk,
        "date": "04/03/2025",
        "resolution": "Facture inconnue.",
    }


def test_a_completed_request_is_sent_to_the_customer(customer: Customer) -> None:
    _request_in(customer, RequestStatus.COMPLETED)

    assert sorted(OutboxMessage.objects.values_list("channel", "template")) == [
        ("email", "request_completed"),
        ("sms", "request_completed"),
    ]


# Trouble tickets ------------------------------------------------------------------------------

TICKET_PATHS: dict[TicketStatus, list[TicketStatus]] = {
    TicketStatus.ACKNOWLEDGED: [],
    TicketStatus.IN_PROGRESS: [TicketStatus.IN_PROGRESS],
    TicketStatus.RESOLVED: [TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED],
    TicketStatus.CLOSED: [TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED, TicketStatus.CLOSED],
    TicketStatus.CANCELLED: [TicketStatus.CANCELLED],
}


def _ticket_in(customer: Customer, status: TicketStatus) -> TroubleTicket:
    ticket = ticket_open(
        customer=customer,
        ticket_type=TicketType.INCIDENT,
        severity=TicketSeverity.MAJOR,
        description="Plus de connexion internet",
        actor=SYSTEM,
        now=NOW,
    )
    for step in TICKET_PATHS[status]:
        ticket_advance(ticket=ticket, to_status=step, actor=SYSTEM, now=NOW)
    return ticket


def test_ticket_open_on_own_line(account: BillingAccount) -> None:
    line = make_fixed_line(account)

    ticket = ticket_open(
        customer=account.customer,
        line=line,
        ticket_type=TicketType.INCIDENT,
        severity=TicketSeverity.CRITICAL,
        description="  La box ne synchronise plus ",
        actor=as_customer(account.customer),
        now=NOW,
    )

    ticket.refresh_from_db()
    assert (ticket.status, ticket.line, ticket.description) == (
        TicketStatus.ACKNOWLEDGED,
        line,
        "La box ne synchronise plus",
    )
    assert Activity.objects.get(act=Act.TICKET_OPEN).summary == (
        f"Incident n° {ticket.pk} enregistré (Incident)"
    )


def test_ticket_open_refuses_an_empty_description_or_a_strangers_line(
    account: BillingAccount,
) -> None:
    strangers_line = make_mobile_line(make_account(make_customer()))
    before = (_counts(), TroubleTicket.objects.count())

    with pytest.raises(CareError) as empty:
        ticket_open(
            customer=account.customer,
            ticket_type=TicketType.COMPLAINT,
            severity=TicketSeverity.MINOR,
            description="   ",
            actor=SYSTEM,
            now=NOW,
        )
    with pytest.raises(CareError) as stranger:
        ticket_open(
            customer=account.customer,
            line=strangers_line,
            ticket_type=TicketType.COMPLAINT,
            severity=TicketSeverity.MINOR,
            description="Réseau",
            actor=SYSTEM,
            now=NOW,
        )

    assert empty.value.code == CareErrorCode.TICKET_DESCRIPTION_REQUIRED
    assert stranger.value.code == CareErrorCode.LINE_NOT_FOUND
    assert (_counts(), TroubleTicket.objects.count()) == before


@pytest.mark.parametrize("source", list(TicketStatus))
@pytest.mark.parametrize("target", list(TicketStatus))
def test_ticket_advance_follows_the_transition_table(
    customer: Customer, source: TicketStatus, target: TicketStatus
) -> None:
    ticket = _ticket_in(customer, source)
    before = _counts()

    if target in TICKET_TRANSITIONS[source]:
        ticket_advance(ticket=ticket, to_status=target, actor=SYSTEM, now=LATER)
        ticket.refresh_from_db()
        assert (ticket.status, ticket.status_changed_at) == (target, LATER)
        assert Activity.objects.count() == before[0] + 1
    else:
        with pytest.raises(CareError) as refused:
            ticket_advance(ticket=ticket, to_status=target, actor=SYSTEM, now=LATER)
        assert refused.value.code == CareErrorCode.TICKET_TRANSITION_NOT_ALLOWED
        ticket.refresh_from_db()
        assert ticket.status == source
        assert _counts() == before


@pytest.mark.parametrize(
    ("source", "target"),
    [(s, t) for s, targets in TICKET_TRANSITIONS.items() for t in targets],
)
def test_a_customer_may_cancel_confirm_or_reopen_a_ticket(
    customer: Customer, source: TicketStatus, target: TicketStatus
) -> None:
    ticket = _ticket_in(customer, source)
    before = _counts()

    if (source, target) in TICKET_CUSTOMER_TRANSITIONS:
        ticket_advance(ticket=ticket, to_status=target, actor=as_customer(customer), now=LATER)
        ticket.refresh_from_db()
        assert ticket.status == target
    else:
        with pytest.raises(CareError) as refused:
            ticket_advance(ticket=ticket, to_status=target, actor=as_customer(customer), now=LATER)
        assert refused.value.code == CareErrorCode.TICKET_TRANSITION_NOT_ALLOWED
        ticket.refresh_from_db()
        assert ticket.status == source
        assert _counts() == before


def test_resolving_tells_the_customer_and_reopening_clears_the_resolution(
    customer: Customer,
) -> None:
    ticket = _ticket_in(customer, TicketStatus.IN_PROGRESS)
    advisor = make_advisor()

    ticket_advance(
        ticket=ticket,
        to_status=TicketStatus.RESOLVED,
        actor=Actor.advisor(advisor),
        now=LATER,
        note="Port de la box réinitialisé.",
    )
    ticket.refresh_from_db()
    assert ticket.resolved_at == LATER
    assert OutboxMessage.objects.filter(template="ticket_resolved").count() == 2
    note = TicketNote.objects.get()
    assert (note.actor_kind, note.author, note.text) == (
        ActorKind.ADVISOR,
        advisor,
        "Port de la box réinitialisé.",
    )

    ticket_advance(
        ticket=ticket,
        to_status=TicketStatus.IN_PROGRESS,
        actor=as_customer(customer),
        now=LATER + timedelta(hours=1),
        note="Toujours en panne.",
    )
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolved_at) == (TicketStatus.IN_PROGRESS, None)
    assert list(TicketNote.objects.values_list("actor_kind", flat=True)) == ["advisor", "customer"]


def test_ticket_add_note(customer: Customer) -> None:
    ticket = _ticket_in(customer, TicketStatus.ACKNOWLEDGED)
    before = _counts()

    with pytest.raises(CareError) as refused:
        ticket_add_note(ticket=ticket, text="  ", actor=SYSTEM, now=LATER)
    assert refused.value.code == CareErrorCode.TICKET_NOTE_REQUIRED
    assert _counts() == before

    note = ticket_add_note(
        ticket=ticket, text="Photo du voyant jointe.", actor=as_customer(customer), now=LATER
    )

    assert (note.text, note.created_at, note.actor_kind) == (
        "Photo du voyant jointe.",
        LATER,
        ActorKind.CUSTOMER,
    )
    assert Activity.objects.get(act=Act.TICKET_ADD_NOTE).new_values == {"note_id": note.pk}


# Requests fulfilled as they are made --------------------------------------------------------


def test_a_request_fulfilled_at_once_is_recorded_completed_without_notification(
    customer: Customer,
) -> None:
    request = request_record_fulfilled(
        customer=customer,
        kind=RequestKind.DUPLICATE_INVOICE,
        payload={"invoice_number": "F2026-000042"},
        resolution=" duplicata de la facture F2026-000042 produit le 03/03/2025 ",
        actor=as_customer(customer),
        now=NOW,
    )

    assert (request.status, request.created_at, request.status_changed_at, request.closed_at) == (
        RequestStatus.COMPLETED,
        NOW,
        NOW,
        NOW,
    )
    assert request.resolution == "duplicata de la facture F2026-000042 produit le 03/03/2025"
    assert request.due_date is None
    activity = Activity.objects.get(act=Act.REQUEST_RECORD_FULFILLED)
    assert activity.subject_id == request.pk
    assert activity.new_values == {
        "status": "completed",
        "kind": "duplicate_invoice",
        "invoice_number": "F2026-000042",
    }
    assert not OutboxMessage.objects.exists()


@pytest.mark.parametrize(
    ("kind", "payload", "resolution", "code"),
    [
        (
            RequestKind.TERMINATION,
            {},
            "résiliée",
            CareErrorCode.REQUEST_NOT_FULFILLED_AT_ONCE,
        ),
        (RequestKind.DUPLICATE_INVOICE, {}, "produit", CareErrorCode.REQUEST_PAYLOAD_INVALID),
        (
            RequestKind.DUPLICATE_INVOICE,
            {"invoice_number": "F2026-000042"},
            "  ",
            CareErrorCode.REQUEST_RESOLUTION_REQUIRED,
        ),
    ],
)
def test_request_record_fulfilled_refusals(
    customer: Customer,
    kind: RequestKind,
    payload: dict[str, str],
    resolution: str,
    code: CareErrorCode,
) -> None:
    before = (_counts(), Request.objects.count())

    with pytest.raises(CareError) as refused:
        request_record_fulfilled(
            customer=customer,
            kind=kind,
            payload=payload,
            resolution=resolution,
            actor=SYSTEM,
            now=NOW,
        )

    assert refused.value.code == code
    assert (_counts(), Request.objects.count()) == before
