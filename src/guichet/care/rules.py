"""Pure rules of the care context: transition tables, who may do what, and due dates."""

from datetime import date, timedelta
from functools import cache

import holidays

from guichet.care.models import OrderKind, OrderStatus, RequestKind, RequestStatus, TicketStatus
from guichet.catalog.models import Market

ORDER_TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.RECEIVED: frozenset({OrderStatus.IN_PREPARATION, OrderStatus.CANCELLED}),
    OrderStatus.IN_PREPARATION: frozenset({OrderStatus.SHIPPED, OrderStatus.CANCELLED}),
    OrderStatus.SHIPPED: frozenset({OrderStatus.DELIVERED}),
    OrderStatus.DELIVERED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}
# A customer may cancel an order until it is prepared; afterwards the withdrawal right applies
# once delivered (CGVAD art. 6). Preparing, shipping and delivering are the operator's acts.
ORDER_CUSTOMER_TRANSITIONS: frozenset[tuple[OrderStatus, OrderStatus]] = frozenset(
    {(OrderStatus.RECEIVED, OrderStatus.CANCELLED)}
)

REQUEST_TRANSITIONS: dict[RequestStatus, frozenset[RequestStatus]] = {
    RequestStatus.SUBMITTED: frozenset(
        {RequestStatus.IN_PROGRESS, RequestStatus.REJECTED, RequestStatus.CANCELLED}
    ),
    RequestStatus.IN_PROGRESS: frozenset(
        {RequestStatus.COMPLETED, RequestStatus.REJECTED, RequestStatus.CANCELLED}
    ),
    RequestStatus.COMPLETED: frozenset(),
    RequestStatus.REJECTED: frozenset(),
    RequestStatus.CANCELLED: frozenset(),
}
# Self-care act "Annuler résiliation": the customer withdraws an open request; treating it is
# the operator's.
REQUEST_CUSTOMER_TRANSITIONS: frozenset[tuple[RequestStatus, RequestStatus]] = frozenset(
    {
        (RequestStatus.SUBMITTED, RequestStatus.CANCELLED),
        (RequestStatus.IN_PROGRESS, RequestStatus.CANCELLED),
    }
)

TICKET_TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    TicketStatus.ACKNOWLEDGED: frozenset({TicketStatus.IN_PROGRESS, TicketStatus.CANCELLED}),
    TicketStatus.IN_PROGRESS: frozenset({TicketStatus.RESOLVED, TicketStatus.CANCELLED}),
    # Reopened when the customer reports the fix did not work.
    TicketStatus.RESOLVED: frozenset({TicketStatus.CLOSED, TicketStatus.IN_PROGRESS}),
    TicketStatus.CLOSED: frozenset(),
    TicketStatus.CANCELLED: frozenset(),
}
# The customer may drop the ticket, confirm the resolution, or say it is not fixed.
TICKET_CUSTOMER_TRANSITIONS: frozenset[tuple[TicketStatus, TicketStatus]] = frozenset(
    {
        (TicketStatus.ACKNOWLEDGED, TicketStatus.CANCELLED),
        (TicketStatus.IN_PROGRESS, TicketStatus.CANCELLED),
        (TicketStatus.RESOLVED, TicketStatus.CLOSED),
        (TicketStatus.RESOLVED, TicketStatus.IN_PROGRESS),
    }
)

# Orders for an existing mobile line; acquisition and accessory orders need no line.
ORDER_LINE_MARKETS: dict[OrderKind, frozenset[Market]] = {
    OrderKind.DEVICE_RENEWAL: frozenset({Market.MOBILE}),
    OrderKind.SIM_REPLACEMENT: frozenset({Market.MOBILE}),
}

# Requests about a line, and the markets they apply to (self-care acts of seed 000):
# "Déménagement Bbox" is fixed only; "Déclarer un sinistre" and "Code de désimlockage" are mobile
# only. Kinds missing here (duplicate invoice, equipment return) need no line.
_BOTH_MARKETS = frozenset({Market.MOBILE, Market.FIXED})
REQUEST_LINE_MARKETS: dict[RequestKind, frozenset[Market]] = {
    RequestKind.PORTING_OUT: _BOTH_MARKETS,
    RequestKind.TERMINATION: _BOTH_MARKETS,
    RequestKind.LINE_TRANSFER: _BOTH_MARKETS,
    RequestKind.WITHDRAWAL: _BOTH_MARKETS,
    RequestKind.REFUND_OFFER: _BOTH_MARKETS,
    RequestKind.MOVE: frozenset({Market.FIXED}),
    RequestKind.INSURANCE_CLAIM: frozenset({Market.MOBILE}),
    RequestKind.UNLOCK_CODE: frozenset({Market.MOBILE}),
}

# Requests the operator fulfils as they are made, recorded already completed: a duplicate
# invoice is produced on the spot from the invoice's data (billing.documents).
REQUEST_FULFILLED_AT_ONCE: frozenset[RequestKind] = frozenset({RequestKind.DUPLICATE_INVOICE})

# What the operator needs to treat the request.
REQUEST_PAYLOAD_KEYS: dict[RequestKind, tuple[str, ...]] = {
    RequestKind.DUPLICATE_INVOICE: ("invoice_number",),
    # CGS 12: the transferee (cessionnaire) must be identified and authorise the transfer.
    RequestKind.LINE_TRANSFER: ("transferee_name", "transferee_email"),
    RequestKind.MOVE: ("new_address",),
    RequestKind.EQUIPMENT_RETURN: ("equipment_id",),
}

# CGS 8.1: termination "avec un préavis de 10 jours à compter de la réception de la demande".
TERMINATION_NOTICE = timedelta(days=10)
# CGS 10: porting "possible en trois jours ouvrables".
PORTING_WORKING_DAYS = 3
# CGS 9: refund "dans un délai maximum de quatorze (14) jours"; the right itself lasts 14 days
# from receipt of the equipment, or from subscription when the offer has no equipment.
WITHDRAWAL_REFUND_DELAY = timedelta(days=14)
WITHDRAWAL_PERIOD = timedelta(days=14)


@cache
def _french_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("FR", years=year)


def is_working_day(day: date) -> bool:
    """A "jour ouvrable": every day but Sunday and French public holidays (Saturday counts)."""
    return day.weekday() != 6 and day not in _french_holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    current = start
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def request_due_date(kind: RequestKind, *, opened_on: date) -> date | None:
    """The French date by which the operator must have acted, when the CGS set one."""
    if kind == RequestKind.TERMINATION:
        return opened_on + TERMINATION_NOTICE
    if kind == RequestKind.PORTING_OUT:
        return add_working_days(opened_on, PORTING_WORKING_DAYS)
    if kind == RequestKind.WITHDRAWAL:
        return opened_on + WITHDRAWAL_REFUND_DELAY
    return None


def withdrawal_deadline(period_start: date) -> date:
    """Last day on which the withdrawal right of CGS 9 can be exercised."""
    return period_start + WITHDRAWAL_PERIOD
