"""Lines on the real brochure catalog, built through the real services, for bill-run tests."""

import io
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pypdf import PdfReader

from guichet.billing.models import BillingAccount, Invoice, PaymentMethod
from guichet.billing.rules import Charge, ChargeKind, next_period_start
from guichet.billing.services import billing_account_open, invoice_issue
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


# An invoice as the bill run issues it once usage is rated: two Woot 100 Go lines, each with
# its plan and discount for November 2026, and out-of-bundle usage. Totals by hand:
#   line A: 17,99 − 5,00 + 14,40 (12 min × 1,20)  VAT 300 − 83 + 240
#   line B: 17,99 − 5,00 + 1,05 (3 SMS × 0,35)    VAT 300 − 83 + 17.5 → 18
#   total 41,43 €, VAT 6,92 €, excl. VAT 34,51 €.
NOVEMBER_2026 = date(2026, 11, 1)
ISSUED_AT = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)  # 9:00 in Paris, November has ended


def charge(
    kind: ChargeKind,
    label: str,
    line: Line,
    *,
    quantity: int = 1,
    unit_cents: int,
    start: date = NOVEMBER_2026,
    end: date = date(2026, 11, 30),
) -> Charge:
    return Charge(
        kind=kind,
        label=f"{label} — ligne {line.display_number}",
        line_id=line.pk,
        product_code="woot-100go" if kind != ChargeKind.USAGE else "",
        quantity=quantity,
        unit_price_cents=unit_cents,
        amount_cents=quantity * unit_cents,
        service_start=start,
        service_end=end,
        rule="test",
    )


def woot_charges(line: Line) -> list[Charge]:
    return [
        charge(ChargeKind.PLAN_FEE, "Abonnement Woot 100 Go", line, unit_cents=1799),
        charge(ChargeKind.PLAN_DISCOUNT, "Remise Woot 100 Go", line, unit_cents=-500),
    ]


def issue_invoice(
    account: BillingAccount, charges: list[Charge], *, period: date = NOVEMBER_2026
) -> Invoice:
    """Issue `account`'s invoice for `period` with `charges`, the day after the period ended."""
    issued_at = datetime.combine(next_period_start(period), time(9), tzinfo=PARIS) + timedelta(
        days=1
    )
    return invoice_issue(
        billing_account=account, period=period, charges=charges, actor=SYSTEM, now=issued_at
    )


def invoice_with_usage(account: BillingAccount) -> Invoice:
    first = woot_line(account, activated_at=paris(2026, 10, 1))
    second = woot_line(account, activated_at=paris(2026, 10, 1))
    charges = [
        *woot_charges(first),
        charge(
            ChargeKind.USAGE,
            "Appels vers l'international, zone 3 (12 min)",
            first,
            quantity=12,
            unit_cents=120,
            start=date(2026, 11, 14),
            end=date(2026, 11, 14),
        ),
        *woot_charges(second),
        charge(
            ChargeKind.USAGE,
            "SMS surtaxés (3 SMS)",
            second,
            quantity=3,
            unit_cents=35,
            start=date(2026, 11, 3),
            end=date(2026, 11, 20),
        ),
    ]
    return invoice_issue(
        billing_account=account,
        period=NOVEMBER_2026,
        charges=charges,
        actor=SYSTEM,
        now=ISSUED_AT,
    )


def pdf_pages(content: bytes) -> list[str]:
    """Each page's text, with every run of spaces, non-breaking spaces and line breaks as one
    space, so that assertions read the words whatever the layout."""
    return [
        " ".join(page.extract_text().replace("\u00a0", " ").split())
        for page in PdfReader(io.BytesIO(content)).pages
    ]


def pdf_text(content: bytes) -> str:
    return " ".join(pdf_pages(content))
