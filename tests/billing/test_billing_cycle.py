"""Changing the billing cycle (fixed lines): the act's rules, the transition invoice, the bill
run on a cycle day, and the box's purchases routed to the account's periods."""

from datetime import UTC, date, datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from guichet.billing.errors import BillingError, BillingErrorCode
from guichet.billing.models import BillingAccount, BillingCycleChange, Invoice
from guichet.billing.selectors import billing_cycle_state
from guichet.billing.services import bill_run, billing_account_set_billing_cycle
from guichet.care.acts import Act
from guichet.care.models import Activity, OutboxMessage
from guichet.catalog.models import CatalogRelease
from guichet.lines.errors import LineError, LineErrorCode
from guichet.lines.models import Line
from guichet.lines.services import line_activate, subscription_add
from guichet.usage.services import vod_purchase_record
from tests.billing.builders import open_account, paris, product, terminate, woot_line
from tests.customers.builders import SYSTEM
from tests.lines.builders import make_fixed_line, make_mobile_line

pytestmark = pytest.mark.django_db

NOVEMBER = date(2026, 11, 1)
DECEMBER = date(2026, 12, 1)
DECEMBER_15 = date(2026, 12, 15)
CHOSEN_AT = paris(2026, 11, 10)


@pytest.fixture(autouse=True)
def _catalog(loaded_catalog: CatalogRelease) -> CatalogRelease:
    return loaded_catalog


def box_line(account: BillingAccount, *, activated_at: datetime) -> Line:
    """A box line on the example fibre offer (30.99 € a month, 48 € activation)."""
    box = make_fixed_line(account)
    subscription_add(
        line=box, product=product("bbox-fibre-exemple"), actor=SYSTEM, now=activated_at
    )
    return line_activate(line=box, actor=SYSTEM, now=activated_at)


def invoice_rows(invoice: Invoice) -> list[tuple[str, int, date, date]]:
    return [
        (line.kind, line.amount_cents, line.service_start, line.service_end)
        for line in invoice.lines.order_by("position")
    ]


def snapshot(account: BillingAccount) -> tuple[object, ...]:
    account.refresh_from_db()
    return (
        account.billing_cycle_day,
        BillingCycleChange.objects.count(),
        Activity.objects.filter(act=Act.BILLING_ACCOUNT_SET_BILLING_CYCLE).count(),
        OutboxMessage.objects.filter(template="billing_cycle_changed").count(),
    )


# The act -------------------------------------------------------------------------------------


def test_choosing_day_15_plans_a_transition_logs_it_and_notifies() -> None:
    account = open_account()
    box_line(account, activated_at=paris(2026, 10, 1))

    change = billing_account_set_billing_cycle(
        billing_account=account, billing_cycle_day=15, actor=SYSTEM, now=CHOSEN_AT
    )

    account.refresh_from_db()
    assert account.billing_cycle_day == 15
    assert (change.old_day, change.new_day, change.transition_start, change.new_cycle_from) == (
        1,
        15,
        DECEMBER,
        DECEMBER_15,
    )
    activity = Activity.objects.get(act=Act.BILLING_ACCOUNT_SET_BILLING_CYCLE)
    assert activity.summary == (
        "Cycle de facturation : vos factures commenceront le 15 du mois à partir du 15/12/2026 ;"
        " une facture de transition couvrira du 01/12/2026 au 14/12/2026"
    )
    assert (activity.old_values, activity.new_values) == (
        {"billing_cycle_day": 1},
        {"billing_cycle_day": 15},
    )
    [message] = OutboxMessage.objects.filter(template="billing_cycle_changed")
    assert message.context == {
        "first_name": account.customer.first_name,
        "account": account.number,
        "day": 15,
        "transition_start": "01/12/2026",
        "transition_end": "14/12/2026",
        "new_cycle_from": "15/12/2026",
    }
    state = billing_cycle_state(billing_account=account, today=date(2026, 11, 10))
    assert (state.current.start, state.next.start, state.next.end, state.next.transition) == (
        NOVEMBER,
        DECEMBER,
        date(2026, 12, 14),
        True,
    )


def test_a_mobile_line_cannot_join_an_account_not_billed_by_calendar_month() -> None:
    account = open_account()
    box_line(account, activated_at=paris(2026, 10, 1))
    billing_account_set_billing_cycle(
        billing_account=account, billing_cycle_day=15, actor=SYSTEM, now=CHOSEN_AT
    )
    account.refresh_from_db()

    for on in (paris(2026, 11, 11), paris(2027, 1, 4)):  # in transition, then on cycle day 15
        with pytest.raises(LineError) as refused:
            make_mobile_line(account, now=on)
        assert refused.value.code == LineErrorCode.BILLING_CYCLE_NOT_MONTHLY
        assert "a son propre cycle de facturation" in refused.value.message
    # Back to day 1: refused until the transition back has ended, then welcome.
    billing_account_set_billing_cycle(
        billing_account=account, billing_cycle_day=1, actor=SYSTEM, now=paris(2027, 1, 5)
    )
    account.refresh_from_db()
    with pytest.raises(LineError):
        make_mobile_line(account, now=paris(2027, 1, 6))
    assert make_mobile_line(account, now=paris(2027, 2, 1)).billing_account == account


@pytest.mark.parametrize("day", [0, 29, 31])
def test_days_outside_1_to_28_are_refused_and_nothing_changes(day: int) -> None:
    account = open_account()
    box_line(account, activated_at=paris(2026, 10, 1))
    before = snapshot(account)
    with pytest.raises(BillingError) as refused:
        billing_account_set_billing_cycle(
            billing_account=account, billing_cycle_day=day, actor=SYSTEM, now=CHOSEN_AT
        )
    assert refused.value.code == BillingErrorCode.BILLING_CYCLE_DAY_INVALID
    assert snapshot(account) == before


def test_an_account_holding_a_mobile_line_is_refused_and_told_why() -> None:
    account = open_account()
    box_line(account, activated_at=paris(2026, 10, 1))
    mobile = woot_line(account, activated_at=paris(2026, 10, 1))
    before = snapshot(account)
    with pytest.raises(BillingError) as refused:
        billing_account_set_billing_cycle(
            billing_account=account, billing_cycle_day=15, actor=SYSTEM, now=CHOSEN_AT
        )
    assert refused.value.code == BillingErrorCode.BILLING_CYCLE_MOBILE_LINE
    assert "par mois calendaire" in refused.value.message
    assert mobile.display_number in refused.value.message
    assert snapshot(account) == before

    # Once the mobile line is terminated, the account's lines are all fixed: allowed.
    terminate(mobile, at=paris(2026, 11, 5))
    billing_account_set_billing_cycle(
        billing_account=account, billing_cycle_day=15, actor=SYSTEM, now=CHOSEN_AT
    )
    assert snapshot(account)[0] == 15


def test_the_same_day_and_a_second_change_before_the_transition_ends_are_refused() -> None:
    account = open_account()
    box_line(account, activated_at=paris(2026, 10, 1))
    with pytest.raises(BillingError) as same:
        billing_account_set_billing_cycle(
            billing_account=account, billing_cycle_day=1, actor=SYSTEM, now=CHOSEN_AT
        )
    assert same.value.code == BillingErrorCode.BILLING_CYCLE_UNCHANGED
    billing_account_set_billing_cycle(
        billing_account=account, billing_cycle_day=15, actor=SYSTEM, now=CHOSEN_AT
    )
    before = snapshot(account)
    with pytest.raises(BillingError) as pending:
        billing_account_set_billing_cycle(
            billing_account=account, billing_cycle_day=20, actor=SYSTEM, now=paris(2026, 12, 14)
        )
    assert pending.value.code == BillingErrorCode.BILLING_CYCLE_CHANGE_IN_PROGRESS
    assert snapshot(account) == before

    # From the first day of the new cycle, another change is planned after its first period.
    change = billing_account_set_billing_cycle(
        billing_account=account, billing_cycle_day=20, actor=SYSTEM, now=paris(2026, 12, 15)
    )
    assert (change.transition_start, change.new_cycle_from) == (
        date(2027, 1, 15),
        date(2027, 1, 20),
    )


# The bill run --------------------------------------------------------------------------------


def test_the_transition_invoice_prorates_the_box_and_the_next_periods_start_on_the_15th() -> None:
    account = open_account()
    box = box_line(account, activated_at=paris(2026, 10, 1))
    billing_account_set_billing_cycle(
        billing_account=account, billing_cycle_day=15, actor=SYSTEM, now=CHOSEN_AT
    )
    # The box's VOD: each on the invoice of the account's period of its day.
    for title, at in (
        ("Avant", paris(2026, 11, 30)),
        ("Pendant", paris(2026, 12, 10)),
        ("Après", paris(2026, 12, 20)),
    ):
        vod_purchase_record(line=box, title=title, kind="rental", amount_cents=399, now=at)

    november = bill_run(period=NOVEMBER, now=datetime(2026, 12, 2, 8, 0, tzinfo=UTC))
    transition = bill_run(period=DECEMBER, now=datetime(2027, 1, 2, 8, 0, tzinfo=UTC))
    again = bill_run(period=DECEMBER, now=datetime(2027, 1, 3, 8, 0, tzinfo=UTC))
    regular = bill_run(period=DECEMBER_15, now=datetime(2027, 1, 16, 8, 0, tzinfo=UTC))
    january = bill_run(period=date(2027, 1, 1), now=datetime(2027, 2, 2, 8, 0, tzinfo=UTC))

    invoices = list(Invoice.objects.filter(billing_account=account).order_by("period_start"))
    assert [(i.number, i.period_start, i.period_end) for i in invoices] == [
        ("F2026-000001", NOVEMBER, date(2026, 11, 30)),
        ("F2027-000001", DECEMBER, date(2026, 12, 14)),
        ("F2027-000002", DECEMBER_15, date(2027, 1, 14)),
    ]
    assert invoice_rows(invoices[0]) == [
        ("plan_fee", 3099, NOVEMBER, date(2026, 11, 30)),
        ("vod", 399, date(2026, 11, 30), date(2026, 11, 30)),
    ]
    # 1–14 December: 3099 × 14 / 31 = 1399.55 → 14.00 €.
    assert invoice_rows(invoices[1]) == [
        ("plan_fee", 1400, DECEMBER, date(2026, 12, 14)),
        ("vod", 399, date(2026, 12, 10), date(2026, 12, 10)),
    ]
    assert invoices[1].total_cents == 1799
    # 15 December – 14 January: a whole period, the whole fee.
    assert invoice_rows(invoices[2]) == [
        ("plan_fee", 3099, DECEMBER_15, date(2027, 1, 14)),
        ("vod", 399, date(2026, 12, 20), date(2026, 12, 20)),
    ]
    assert (november.created, transition.created, regular.created, january.accounts) == (
        1,
        1,
        1,
        0,
    )
    assert (again.accounts, again.created, again.existing) == (1, 0, 1)
    assert Activity.objects.get(act=Act.INVOICE_ISSUE, subject_id=invoices[1].pk).summary == (
        "Facture F2027-000001 du 01/12/2026 au 14/12/2026 : 17,99\u00a0€"
    )


def test_the_command_bills_the_periods_starting_on_a_day() -> None:
    account = open_account()
    box_line(account, activated_at=paris(2026, 10, 1))
    billing_account_set_billing_cycle(
        billing_account=account, billing_cycle_day=15, actor=SYSTEM, now=CHOSEN_AT
    )
    out = StringIO()
    with time_machine.travel(datetime(2027, 1, 16, 8, 0, tzinfo=UTC), tick=False):
        call_command("bill-run", "--period", "2026-12-15", stdout=out)
    assert out.getvalue() == "accounts=1 created=1 existing=0 total_eur=30.99\n"
    assert Invoice.objects.get().period_end == date(2027, 1, 14)


def test_a_run_before_the_month_from_the_cycle_day_is_over_is_refused() -> None:
    account = open_account()
    box_line(account, activated_at=paris(2026, 10, 1))
    billing_account_set_billing_cycle(
        billing_account=account, billing_cycle_day=15, actor=SYSTEM, now=CHOSEN_AT
    )
    with pytest.raises(BillingError) as refused:
        bill_run(period=DECEMBER_15, now=datetime(2027, 1, 14, 8, 0, tzinfo=UTC))
    assert refused.value.code == BillingErrorCode.PERIOD_NOT_ENDED
    assert not Invoice.objects.exists()
