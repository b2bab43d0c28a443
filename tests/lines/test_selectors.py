from datetime import timedelta

import pytest

from guichet.billing.models import BillingAccount
from guichet.catalog.models import Product
from guichet.lines.models import LineStatus, SubscriptionStatus
from guichet.lines.selectors import (
    active_plan,
    equipment_for_customer,
    line_get_by_msisdn,
    line_get_for_customer,
    lines_for_billing_account,
    lines_for_customer,
    subscriptions_for_line,
)
from guichet.lines.services import equipment_register, subscription_add
from tests.customers.builders import NOW, SYSTEM, make_customer
from tests.lines.builders import (
    line_in_status,
    make_account,
    make_fixed_line,
    make_mobile_line,
    new_imei,
)

pytestmark = pytest.mark.django_db


def test_a_customer_gets_only_their_own_line(account: BillingAccount) -> None:
    own = make_mobile_line(account)
    stranger = make_customer()
    other = make_mobile_line(make_account(stranger))

    assert line_get_for_customer(customer=account.customer, line_id=own.pk) == own
    assert line_get_for_customer(customer=account.customer, line_id=other.pk) is None
    assert line_get_for_customer(customer=stranger, line_id=own.pk) is None
    assert line_get_for_customer(customer=account.customer, line_id=10**9) is None


def test_lines_for_customer_across_accounts_in_creation_order(account: BillingAccount) -> None:
    second_account = make_account(account.customer)
    first = make_mobile_line(account)
    second = make_fixed_line(second_account)
    make_mobile_line(make_account(make_customer()))

    assert lines_for_customer(customer=account.customer) == [first, second]
    assert lines_for_billing_account(billing_account=second_account) == [second]


def test_lines_for_customer_loads_accounts_in_one_query(
    account: BillingAccount, django_assert_num_queries: object
) -> None:
    make_mobile_line(account)
    make_fixed_line(account)

    with django_assert_num_queries(1):  # type: ignore[operator]
        numbers = [
            (line.display_number, line.billing_account.number)
            for line in lines_for_customer(customer=account.customer)
        ]

    assert len(numbers) == 2


def test_line_get_by_msisdn_skips_terminated_lines(
    account: BillingAccount, catalog: dict[str, Product]
) -> None:
    terminated = line_in_status(account, catalog, LineStatus.TERMINATED)
    assert line_get_by_msisdn(msisdn=terminated.msisdn) is None

    active = line_in_status(account, catalog, LineStatus.ACTIVE)
    assert line_get_by_msisdn(msisdn=active.msisdn) == active


def test_active_plan_and_subscriptions_in_force(
    account: BillingAccount, catalog: dict[str, Product]
) -> None:
    line = make_mobile_line(account)
    assert active_plan(line=line) is None
    plan = subscription_add(line=line, product=catalog["woot-100"], actor=SYSTEM, now=NOW)
    option = subscription_add(line=line, product=catalog["option-roaming"], actor=SYSTEM, now=NOW)
    top_up = subscription_add(
        line=line,
        product=catalog["top-up-1go"],
        actor=SYSTEM,
        now=NOW,
        ends_at=NOW + timedelta(days=7),
    )
    scheduled = subscription_add(
        line=line,
        product=catalog["woot-20"],
        actor=SYSTEM,
        now=NOW,
        starts_at=NOW + timedelta(days=30),
    )

    assert active_plan(line=line) == plan
    assert subscriptions_for_line(line=line) == [plan, option, top_up, scheduled]
    assert subscriptions_for_line(line=line, at=NOW + timedelta(days=1)) == [plan, option, top_up]
    # The top-up's validity is over after 7 days, even though nothing marked it ended.
    assert top_up.status == SubscriptionStatus.ACTIVE
    assert subscriptions_for_line(line=line, at=NOW + timedelta(days=8)) == [plan, option]


def test_equipment_for_customer(account: BillingAccount) -> None:
    phone = equipment_register(
        customer=account.customer,
        kind="phone",
        model="Phone",
        imei=new_imei(),
        ownership="owned",
        acquired_at=NOW,
        actor=SYSTEM,
        now=NOW,
    )
    equipment_register(
        customer=make_customer(),
        kind="phone",
        model="Phone",
        imei=new_imei(),
        ownership="owned",
        acquired_at=NOW,
        actor=SYSTEM,
        now=NOW,
    )

    assert equipment_for_customer(customer=account.customer) == [phone]
