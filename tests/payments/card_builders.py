"""Card-paid invoices on the real brochure catalog, issued by the real bill run."""

from datetime import UTC, date, datetime

from guichet.billing.models import BillingAccount, Invoice, PaymentMethod
from guichet.billing.services import bill_run
from guichet.customers.models import Customer
from guichet.lines.models import Line
from tests.billing.builders import open_account, paris, woot_line

SEPTEMBER = date(2026, 9, 1)
OCTOBER = date(2026, 10, 1)
NOVEMBER = date(2026, 11, 1)
# 2 December 2026, 9:00 in Paris: November is billed, its card invoice is due on 17 December.
NOV_RUN_AT = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
BEFORE_DUE = datetime(2026, 12, 10, 8, 0, tzinfo=UTC)
# 25 November 2026: September's and October's invoices (due 17 October and 17 November) are
# in arrears.
ARREARS_AT = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def card_account(customer: Customer | None = None) -> BillingAccount:
    return open_account(customer, payment_method=PaymentMethod.CARD)


def november_invoice(account: BillingAccount | None = None) -> Invoice:
    """A 12.99 € card invoice (Woot 100 Go, a full month), issued 2 December, due 17 December."""
    account = account or card_account()
    woot_line(account, activated_at=paris(2026, 10, 15))
    bill_run(period=NOVEMBER, now=NOV_RUN_AT)
    return Invoice.objects.get(billing_account=account, period_start=NOVEMBER)


def invoices_in_arrears(account: BillingAccount) -> tuple[Line, Invoice, Invoice]:
    """A line activated on 1 September: September's invoice is 22.99 € (10 € activation fee +
    17.99 € plan − 5 € discount) due 17 October, October's 12.99 € due 17 November."""
    line = woot_line(account, activated_at=paris(2026, 9, 1))
    bill_run(period=SEPTEMBER, now=datetime(2026, 10, 2, 8, 0, tzinfo=UTC))
    bill_run(period=OCTOBER, now=datetime(2026, 11, 2, 8, 0, tzinfo=UTC))
    september = Invoice.objects.get(billing_account=account, period_start=SEPTEMBER)
    october = Invoice.objects.get(billing_account=account, period_start=OCTOBER)
    return line, september, october
