from datetime import timedelta

import polars as pl
import pytest

from guichet.billing.models import BillingAccount
from guichet.catalog.models import Market, Product
from guichet.lines.models import LineStatus, SubscriptionStatus, TerminationReason
from guichet.lines.selectors import (
    RATING_LINES_SCHEMA,
    active_plan,
    equipment_for_customer,
    line_get_by_msisdn,
    line_get_for_customer,
    lines_for_billing_account,
    lines_for_customer,
    rating_lines_frame,
    subscriptions_for_line,
    subscriptions_frame,
)
from guichet.lines.services import (
    equipment_register,
    line_activate,
    line_create,
    line_terminate,
    subscription_add,
    subscription_end,
)
from tests.customers.builders import NOW, SYSTEM, make_customer
from tests.lines.builders import (
    line_in_status,
    make_account,
    make_fixed_line,
    make_mobile_line,
    new_iccid,
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


# Rating frames ---------------------------------------------------------------------------------

UTC_US = pl.Datetime("us", "UTC")


def test_rating_lines_frame_gives_each_holder_of_a_number_and_its_plans(
    account: BillingAccount, catalog: dict[str, Product]
) -> None:
    old = line_in_status(account, catalog, LineStatus.ACTIVE)  # activated at NOW + 1 min
    line_terminate(
        line=old,
        reason=TerminationReason.CUSTOMER_REQUEST,
        actor=SYSTEM,
        now=NOW + timedelta(hours=1),
    )
    new = line_create(
        billing_account=account,
        market=Market.MOBILE,
        msisdn=old.msisdn,
        iccid=new_iccid(),
        puk="12345678",
        actor=SYSTEM,
        now=NOW + timedelta(days=1),
    )
    first = subscription_add(line=new, product=catalog["woot-100"], actor=SYSTEM, now=NOW)
    line_activate(line=new, actor=SYSTEM, now=NOW + timedelta(days=2))
    change = NOW + timedelta(days=10)
    subscription_end(subscription=first, actor=SYSTEM, now=change)
    subscription_add(line=new, product=catalog["woot-20"], actor=SYSTEM, now=change)
    subscription_add(
        line=new,
        product=catalog["woot-100"],
        actor=SYSTEM,
        now=change,
        starts_at=change + timedelta(days=30),
    )
    pending = make_mobile_line(account)  # never activated: no usage can be its

    frame = rating_lines_frame(msisdns=[old.msisdn, pending.msisdn, "+33600000000"])

    assert frame.schema == pl.Schema(RATING_LINES_SCHEMA)
    assert sorted(frame.rows(), key=lambda row: (row[1], row[5])) == [
        (
            old.msisdn,
            old.pk,
            NOW + timedelta(minutes=1),
            NOW + timedelta(hours=1),
            "woot-100go",
            NOW,
            NOW + timedelta(hours=1),
        ),
        (old.msisdn, new.pk, NOW + timedelta(days=2), None, "woot-100go", NOW, change),
        (old.msisdn, new.pk, NOW + timedelta(days=2), None, "woot-20-test", change, None),
    ]


def test_subscriptions_frame_gives_the_add_ons_in_force_during_a_period(
    account: BillingAccount, catalog: dict[str, Product]
) -> None:
    line = line_in_status(account, catalog, LineStatus.ACTIVE)
    other = line_in_status(account, catalog, LineStatus.ACTIVE)
    start, stop = NOW + timedelta(days=1), NOW + timedelta(days=31)
    option = subscription_add(line=line, product=catalog["option-roaming"], actor=SYSTEM, now=NOW)
    subscription_add(
        line=line,
        product=catalog["top-up-1go"],
        actor=SYSTEM,
        now=NOW,
        ends_at=NOW + timedelta(hours=2),  # over before the period
    )
    top_up = subscription_add(
        line=other,
        product=catalog["top-up-1go"],
        actor=SYSTEM,
        now=NOW + timedelta(days=5),
        ends_at=NOW + timedelta(days=12),
    )
    subscription_add(
        line=other,
        product=catalog["option-roaming"],
        actor=SYSTEM,
        now=NOW + timedelta(days=5),
        starts_at=NOW + timedelta(days=20),  # only scheduled
    )

    frame = subscriptions_frame(
        lines={line.pk: "+33611111111", other.pk: "+33622222222"}, start=start, stop=stop
    )

    assert frame.schema == pl.Schema(
        {
            "line": pl.String,
            "product_code": pl.String,
            "active_from": UTC_US,
            "active_until": UTC_US,
        }
    )
    assert sorted(frame.rows()) == [
        ("+33611111111", option.product.code, NOW, None),
        ("+33622222222", top_up.product.code, NOW + timedelta(days=5), NOW + timedelta(days=12)),
    ]
