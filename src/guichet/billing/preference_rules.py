"""When a billing preference takes effect (pure; no Django).

The bill run invoices the periods starting on a day once the month from that day is over
(`guichet bill-run --period`), the operator running it the day after: on the 2nd of the next
month for calendar months (cycle day 1), on the 16th for cycle day 15; a transition period
after a change of cycle (billing.cycle_rules) is invoiced with the periods starting the same
day. A debit day changed today therefore applies from the next invoice issued: due on the
first new debit day at least 10 days later (`rules.due_date`, CGS 7.1). Invoices already issued
keep their due date and their notice.
"""

from datetime import date, timedelta

from guichet.billing.rules import add_months, due_date

# The run of the periods starting on a day comes this many days after the month from that day
# is over: the 2nd of the month for calendar months.
BILL_RUN_DELAY_DAYS = 1


def invoice_issued_on(period_start: date) -> date:
    """The issue date of the invoice of the period starting on `period_start`."""
    return add_months(period_start, 1) + timedelta(days=BILL_RUN_DELAY_DAYS)


def next_invoice_issued_on(today: date, *, period_starts: tuple[date, date] | None = None) -> date:
    """The issue date of the next invoice: the previous period's when it has not come yet, else
    the current period's. `period_starts` are the first days of the previous and the current
    periods of the account (by default the calendar months)."""
    if period_starts is None:
        current = today.replace(day=1)
        period_starts = (add_months(current, -1), current)
    for start in period_starts:
        if today < invoice_issued_on(start):
            return invoice_issued_on(start)
    return invoice_issued_on(period_starts[-1])


def first_debit_on(
    *, today: date, debit_day: int, period_starts: tuple[date, date] | None = None
) -> date:
    """The first debit on `debit_day` after a change made on `today`."""
    return due_date(
        issued_on=next_invoice_issued_on(today, period_starts=period_starts),
        direct_debit=True,
        debit_day=debit_day,
    )
