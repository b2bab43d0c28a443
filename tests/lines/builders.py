"""Build catalog products, billing accounts and lines through the real services."""

from datetime import datetime, timedelta
from itertools import count

from guichet.billing.models import BillingAccount, PaymentMethod
from guichet.billing.services import billing_account_open
from guichet.catalog.models import Market, Product, ProductKind
from guichet.catalog.services import catalog_load
from guichet.customers.models import Customer
from guichet.lines.models import Line, LineStatus, SuspensionReason, TerminationReason
from guichet.lines.services import (
    line_activate,
    line_create,
    line_suspend,
    line_terminate,
    subscription_add,
)
from tests.conftest import CATALOG_DATA_DIR
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


# Test keys → the real brochure products (catalog data files), so the add-on rules apply as
# in production. The brochure sells one plan: "woot-20" is a second plan made for the tests of
# plan changes, sold with the same add-ons as Woot 100 Go; "bonus-5go" likewise (no bonus in
# the brochure).
REAL_PRODUCTS = {
    "woot-100": "woot-100go",
    "box-fibre": "bbox-fibre-exemple",
    "option-roaming": "double-appel",
    "option-tv": "box-decodeur-supplementaire-exemple",
    "top-up-1go": "data-usa-canada-500mo",
    "sim-fee": "remplacement-carte-sim",
}


def make_catalog() -> dict[str, Product]:
    """The real catalog, loaded, plus the test-only plan and bonus, keyed by test code."""
    release = catalog_load(directory=CATALOG_DATA_DIR, now=NOW)
    products = {key: Product.objects.get(code=code) for key, code in REAL_PRODUCTS.items()}
    woot_100 = products["woot-100"]
    products["woot-20"], _ = Product.objects.get_or_create(
        code="woot-20-test",
        defaults={
            "kind": ProductKind.PLAN,
            "market": Market.MOBILE,
            "name": "Woot 20 Go",
            "price_cents": 999,
            "source": "tests",
            "release": release,
        },
    )
    products["bonus-5go"], _ = Product.objects.get_or_create(
        code="bonus-5go-test",
        defaults={
            "kind": ProductKind.BONUS,
            "market": Market.MOBILE,
            "name": "Bonus 5 Go",
            "price_cents": 0,
            "source": "tests",
            "release": release,
        },
    )
    products["bonus-5go"].available_with.add(woot_100, products["woot-20"])
    for add_on in Product.objects.filter(available_with=woot_100):
        add_on.available_with.add(products["woot-20"])
    return products


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
