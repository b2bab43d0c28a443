"""Léa's instalment plan: her Samsung Galaxy S24, paid in 24 monthly instalments.

Created through the payments service at the day the phone was delivered, before the demo's
bill run invoices the past months, so that each of those invoices carries its instalment.
"""

from guichet.billing.selectors import billing_accounts_for_customer
from guichet.care.actors import Actor
from guichet.care.models import OrderKind, OrderStatus
from guichet.care.selectors import orders_for_customer
from guichet.customers.rules import paris_date
from guichet.customers.selectors import customer_get_by_login_email
from guichet.lines.models import EquipmentKind
from guichet.lines.selectors import equipment_for_customer
from guichet.payments.models import InstalmentPlan
from guichet.payments.services.instalments import instalment_plan_create

LEA_EMAIL = "lea@demo.guichet.fr"
LEA_INSTALMENTS = 24


def lea_instalment_plan_create() -> InstalmentPlan:
    """The price of Léa's device-renewal order, in 24 instalments from the month of delivery."""
    customer = customer_get_by_login_email(email=LEA_EMAIL)
    if customer is None:
        raise LookupError(f"the persona {LEA_EMAIL} must be created first")
    (order,) = (
        order
        for order in orders_for_customer(customer=customer)
        if order.kind == OrderKind.DEVICE_RENEWAL and order.status == OrderStatus.DELIVERED
    )
    (phone,) = (
        item
        for item in equipment_for_customer(customer=customer)
        if item.kind == EquipmentKind.PHONE and item.line_id == order.line_id
    )
    assert order.delivered_at is not None  # delivered
    (account,) = billing_accounts_for_customer(customer=customer)
    return instalment_plan_create(
        billing_account=account,
        equipment=phone,
        principal_cents=order.total_cents,
        instalment_count=LEA_INSTALMENTS,
        first_period=paris_date(order.delivered_at).replace(day=1),
        actor=Actor.system(),
        now=order.delivered_at,
    )
