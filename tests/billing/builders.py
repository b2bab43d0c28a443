"""Lines on the real brochure catalog, built through the real services, for bill-run tests."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from guichet.billing.models import BillingAccount, PaymentMethod
from guichet.billing.services import billing_account_open
from guichet.catalog.models import Product
from guichet.customers.models import Customer
from guichet.lines.models import Line, Subscription, TerminationReason
from guichet.lines.services import line_activate, line_terminate, subscription_add
from tests.customers.builders import NOW, SYSTEM, make_customer
from tests.lines.builders import make_mobile_line

PARIS = ZoneInfo("Europe/Paris")


def paris(year: int, month: int, day: int, hour: int = 10) -> datetime:
    """An aware instant at `hour` o'clock in Paris, as UTC."""
    return datetime(year, month, day, hour, tzinfo=PARIS).astimezone(UTC)


def product(code: str) -> Product:
    return Product.objects.get(code=code)


def open_account(
    customer: Customer | None = None,
    *,
    payment_method: PaymentMethod = PaymentMethod.DIRECT_DEBIT,
    debit_day: int = 5,
) -> BillingAccount:
    return billing_account_open(
        customer=customer or make_customer(),
        payment_method=payment_method,
        debit_day=debit_day,
        actor=SYSTEM,
        now=NOW,
    )


def woot_line(account: BillingAccount, *, activated_at: datetime) -> Line:
    """A mobile line on Woot 100 Go, activated at `activated_at`."""
    line = make_mobile_line(account, now=activated_at)
    subscription_add(line=line, product=product("woot-100go"), actor=SYSTEM, now=activated_at)
    return line_activate(line=line, actor=SYSTEM, now=activated_at)


def add_option(line: Line, code: str, *, at: datetime) -> Subscription:
    return subscription_add(line=line, product=product(code), actor=SYSTEM, now=at)


def terminate(line: Line, *, at: datetime) -> Line:
    return line_terminate(
        line=line, reason=TerminationReason.CUSTOMER_REQUEST, actor=SYSTEM, now=at
    )
