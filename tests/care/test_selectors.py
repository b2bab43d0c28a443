from datetime import timedelta

import pytest

from guichet.billing.models import BillingAccount
from guichet.care.acts import Act
from guichet.care.models import OrderKind, RequestKind, RequestStatus, TicketSeverity, TicketType
from guichet.care.selectors import (
    activities_for_customer,
    activities_for_subject,
    order_get_for_customer,
    orders_for_customer,
    request_get_for_customer,
    requests_for_customer,
    ticket_get_for_customer,
    tickets_for_customer,
)
from guichet.care.services import (
    OrderItemIn,
    order_create,
    request_advance,
    request_open,
    ticket_add_note,
    ticket_open,
)
from guichet.customers.models import Customer
from tests.customers.builders import NOW, SYSTEM, make_customer
from tests.lines.builders import make_mobile_line

pytestmark = pytest.mark.django_db


def test_activities_newest_first_for_the_customer_only(account: BillingAccount) -> None:
    line = make_mobile_line(account)
    stranger = make_customer()

    activities = list(activities_for_customer(customer=account.customer))

    assert [a.act for a in activities] == [
        Act.LINE_CREATE,
        Act.BILLING_ACCOUNT_OPEN,
        Act.CUSTOMER_CREATE,
    ]
    assert [a.act for a in activities_for_customer(customer=stranger)] == [Act.CUSTOMER_CREATE]
    assert [a.act for a in activities_for_subject(subject=line)] == [Act.LINE_CREATE]


def test_orders_requests_and_tickets_are_scoped_to_the_customer(customer: Customer) -> None:
    stranger = make_customer()
    item = OrderItemIn(label="Coque", quantity=1, unit_price_cents=1500)
    order = order_create(
        customer=customer, kind=OrderKind.ACCESSORY, items=[item], actor=SYSTEM, now=NOW
    )
    strangers_order = order_create(
        customer=stranger, kind=OrderKind.ACCESSORY, items=[item], actor=SYSTEM, now=NOW
    )
    done = request_open(
        customer=customer,
        kind=RequestKind.DUPLICATE_INVOICE,
        payload={"invoice_number": "F1"},
        actor=SYSTEM,
        now=NOW,
    )
    request_advance(request=done, to_status=RequestStatus.CANCELLED, actor=SYSTEM, now=NOW)
    pending = request_open(
        customer=customer,
        kind=RequestKind.DUPLICATE_INVOICE,
        payload={"invoice_number": "F2"},
        actor=SYSTEM,
        now=NOW + timedelta(hours=1),
    )
    ticket = ticket_open(
        customer=customer,
        ticket_type=TicketType.INCIDENT,
        severity=TicketSeverity.MINOR,
        description="Lenteurs",
        actor=SYSTEM,
        now=NOW,
    )
    ticket_add_note(ticket=ticket, text="Depuis lundi", actor=SYSTEM, now=NOW)

    assert orders_for_customer(customer=customer) == [order]
    assert order_get_for_customer(customer=customer, order_id=strangers_order.pk) is None
    fetched = order_get_for_customer(customer=customer, order_id=order.pk)
    assert fetched is not None
    assert fetched.total_cents == 1500
    assert requests_for_customer(customer=customer) == [pending, done]
    assert requests_for_customer(customer=customer, open_only=True) == [pending]
    assert request_get_for_customer(customer=stranger, request_id=pending.pk) is None
    assert tickets_for_customer(customer=customer) == [ticket]
    assert tickets_for_customer(customer=stranger) == []
    with_notes = ticket_get_for_customer(customer=customer, ticket_id=ticket.pk)
    assert with_notes is not None
    assert [note.text for note in with_notes.notes.all()] == ["Depuis lundi"]
