"""When a billing preference takes effect (pure; no Django).

The bill run invoices each calendar month once it is over (`guichet bill-run --period`), the
operator running it on the 2nd of the next month. A debit day changed today therefore applies
from the invoice of the current month: issued on the 2nd of next month, due on the first new
debit day at least 10 days later (`rules.due_date`, CGS 7.1). Invoices already issued keep
their due date and their notice.
"""

from datetime import date

from guichet.billing.rules import add_months, due_date

BILL_RUN_DAY = 2  # the day of the month the operator runs the bill run


def next_invoice_issued_on(today: date) -> date:
    """The issue date of the next invoice: the 2nd of this month when it has not come yet (the
    last month's invoice), else the 2nd of next month (this month's)."""
    if today.day < BILL_RUN_DAY:
        return today.replace(day=BILL_RUN_DAY)
    return add_months(today.replace(day=1), 1).replace(day=BILL_RUN_DAY)


def first_debit_on(*, today: date, debit_day: int) -> date:
    """The first debit on `debit_day` after a change made on `today`."""
    return due_date(issued_on=next_invoice_issued_on(today), direct_debit=True, debit_day=debit_day)
