"""Build catalog products, billing accounts and lines through the real services."""

from datetime import datetime, timedelta
from itertools import count

from guichet.billing.models import BillingAccount, PaymentMethod
from guichet.billing.services import billing_account_open
from guichet.catalog.models import CatalogRelease, Market, Product, ProductKind
from guichet.customers.models import Customer
from guichet.lines.models import Line, LineStatus, SuspensionReason, TerminationReason
from guichet.lines.services import (
    line_activate,
    line_create,
    line_suspend,
    line_terminate,
    subscription_add,
)
from tests.customers.builders import NOW, SYSTEM

_serial = count(1)


def luhn_complete(digits: str) -> str:
    """`digits` followed by its Luhn check digit."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return digits + str((10 - total % 10) % 10)


def new_iccid() -> str:
    return luhn_complete(f"893320{next(_serial):012d}")


def new_imei() -> str:
    return luhn_complete(f"35{next(_serial):012d}")


def new_msisdn() -> str:
    return f"+33698{next(_serial):06d}"


def make_catalog() -> dict[str, Product]:
    """A release with one product of each kind used by lines, keyed by code."""
    release = CatalogRelease.objects.create(
        version=f"test-{next(_serial)}", checksum="0" * 64, source_document="test", loaded_at=NOW
    )
    specs = [
        ("woot-100", ProductKind.PLAN, Market.MOBILE, "Woot 100 Go", 1499),
        ("woot-20", ProductKind.PLAN, Market.MOBILE, "Woot 20 Go", 999),
        ("box-fibre", ProductKind.BOX_OFFER, Market.FIXED, "Box fibre", 2999),
        ("option-roaming", ProductKind.OPTION, Market.MOBILE, "Option Europe", 500),
        ("option-tv", ProductKind.OPTION, Market.FIXED, "Option TV", 700),
        ("top-up-1go", ProductKind.TOP_UP, Market.MOBILE, "Recharge 1 Go", 300),
        ("bonus-5go", ProductKind.BONUS, Market.MOBILE, "Bonus 5 Go", 0),
        ("sim-fee", ProductKind.SERVICE_FEE, Market.MOBILE, "Carte SIM", 1000),
    ]
    return {
        code: Product.objects.create(
            code=f"{code}-{release.pk}",
            kind=kind,
            market=market,
            name=name,
            price_cents=price,
            source="test",
            release=release,
        )
        for code, kind, market, name, price in specs
    }


def make_account(customer: Customer) -> BillingAccount:
    return billing_account_open(
        customer=customer,
        payment_method=PaymentMethod.DIRECT_DEBIT,
        debit_day=5,
        actor=SYSTEM,
        now=NOW,
    )


def make_mobile_line(account: BillingAccount, *, now: datetime = NOW) -> Line:
    return line_create(
        billing_account=account,
        market=Market.MOBILE,
        msisdn=new_msisdn(),
        iccid=new_iccid(),
        puk="12345678",
        actor=SYSTEM,
        now=now,
    )


def make_fixed_line(account: BillingAccount) -> Line:
    return line_create(
        billing_account=account,
        market=Market.FIXED,
        access_reference=f"FTTH-{next(_serial):08d}",
        actor=SYSTEM,
        now=NOW,
    )


def line_in_status(
    account: BillingAccount, catalog: dict[str, Product], status: LineStatus
) -> Line:
    """A mobile line with an active plan, brought to `status` through the services."""
    line = make_mobile_line(account)
    subscription_add(line=line, product=catalog["woot-100"], actor=SYSTEM, now=NOW)
    later = NOW + timedelta(minutes=1)
    if status in (LineStatus.ACTIVE, LineStatus.SUSPENDED):
        line_activate(line=line, actor=SYSTEM, now=later)
    if status == LineStatus.SUSPENDED:
        line_suspend(line=line, reason=SuspensionReason.UNPAID, actor=SYSTEM, now=later)
    if status == LineStatus.TERMINATED:
        line_terminate(
            line=line, reason=TerminationReason.CUSTOMER_REQUEST, actor=SYSTEM, now=later
        )
    return line
