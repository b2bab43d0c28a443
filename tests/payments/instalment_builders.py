"""Devices and instalment plans built through the real services."""

from datetime import date, datetime

from guichet.billing.models import BillingAccount
from guichet.lines.models import Equipment, EquipmentKind, Line, Ownership
from guichet.lines.services import equipment_register
from guichet.payments.models import InstalmentPlan
from guichet.payments.services.instalments import instalment_plan_create
from tests.customers.builders import SYSTEM
from tests.lines.builders import new_imei


def make_phone(
    account: BillingAccount,
    *,
    at: datetime,
    line: Line | None = None,
    ownership: Ownership = Ownership.OWNED,
    model: str = "Samsung Galaxy S24 128 Go",
) -> Equipment:
    return equipment_register(
        customer=account.customer,
        kind=EquipmentKind.PHONE,
        model=model,
        ownership=ownership,
        acquired_at=at,
        actor=SYSTEM,
        now=at,
        line=line,
        imei=new_imei(),
    )


def make_plan(
    account: BillingAccount,
    phone: Equipment,
    *,
    at: datetime,
    first_period: date,
    principal_cents: int = 50_000,
    count: int = 24,
) -> InstalmentPlan:
    return instalment_plan_create(
        billing_account=account,
        equipment=phone,
        principal_cents=principal_cents,
        instalment_count=count,
        first_period=first_period,
        actor=SYSTEM,
        now=at,
    )
