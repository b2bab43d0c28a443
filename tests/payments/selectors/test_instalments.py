"""Reads of instalment plans: scoped to the customer, in a fixed number of queries."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guichet.catalog.models import CatalogRelease
from guichet.payments.selectors.instalments import (
    billing_account_ids_with_instalments_due,
    instalment_plan_get_for_customer,
    instalment_plans_for_customer,
    instalments_due_by_billing_account,
)
from tests.billing.builders import open_account, paris
from tests.customers.builders import make_customer
from tests.payments.instalment_builders import make_phone, make_plan

OCTOBER = date(2026, 10, 1)
NOVEMBER = date(2026, 11, 1)


@pytest.fixture(autouse=True)
def _catalog(loaded_catalog: CatalogRelease) -> CatalogRelease:
    return loaded_catalog


def test_plans_for_customer_with_schedule_in_two_queries() -> None:
    account = open_account()
    at = paris(2026, 10, 15)
    for model in ("iPhone 15", "Pixel 8"):
        make_plan(account, make_phone(account, at=at, model=model), at=at, first_period=OCTOBER)
    make_plan(
        other := open_account(make_customer()),
        make_phone(other, at=at),
        at=at,
        first_period=OCTOBER,
    )

    with CaptureQueriesContext(connection) as captured:
        plans = instalment_plans_for_customer(customer=account.customer)
        seen = [(plan.equipment.model, len(plan.instalments.all())) for plan in plans]

    assert seen == [("Pixel 8", 24), ("iPhone 15", 24)]
    assert len(captured) == 2  # plans with account and equipment, then their instalments
    mine = plans[0]
    assert instalment_plan_get_for_customer(customer=account.customer, plan_id=mine.pk) == mine
    assert instalment_plan_get_for_customer(customer=other.customer, plan_id=mine.pk) is None


def test_instalments_due_are_those_of_the_month_and_before_still_to_bill() -> None:
    account = open_account()
    at = paris(2026, 10, 15)
    plan = make_plan(account, make_phone(account, at=at), at=at, first_period=NOVEMBER)

    assert billing_account_ids_with_instalments_due(period=OCTOBER) == []
    assert billing_account_ids_with_instalments_due(period=NOVEMBER) == [account.pk]
    due = instalments_due_by_billing_account(account_ids=[account.pk], period=date(2026, 12, 1))
    assert [(i.plan_id, i.number) for i in due[account.pk]] == [(plan.pk, 1), (plan.pk, 2)]
