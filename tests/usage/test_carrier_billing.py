"""Purchases on the bill (Internet+) and VOD: the services that record, cap and cancel."""

from datetime import timedelta

import pytest
from django.test import override_settings

from guichet.care.actors import Actor
from guichet.care.models import Activity
from guichet.lines.services import line_terminate
from guichet.usage.errors import CarrierBillingError, CarrierBillingErrorCode
from guichet.usage.models import CarrierBillingPurchase, CarrierBillingSubscription
from guichet.usage.selectors import carrier_billing_cap_cents
from guichet.usage.services import (
    carrier_billing_cap_set,
    carrier_billing_purchase_record,
    carrier_billing_subscription_start,
    vod_purchase_record,
)
from tests.customers.builders import NOW, make_customer
from tests.lines.builders import make_account, make_catalog, make_fixed_line, make_mobile_line

pytestmark = pytest.mark.django_db


@pytest.fixture
def line():
    make_catalog()
    return make_mobile_line(make_account(make_customer()))


def _buy(line, cents, *, days=0):
    return carrier_billing_purchase_record(
        line=line, merchant="M", service="S", amount_cents=cents, now=NOW + timedelta(days=days)
    )


def test_without_a_cap_the_operators_ceiling_applies(line):
    assert carrier_billing_cap_cents(line=line) == 30000


def test_a_purchase_beyond_the_monthly_cap_is_refused_and_not_recorded(line):
    actor = Actor.customer(line.billing_account.customer.user)
    carrier_billing_cap_set(line=line, cap_cents=1000, actor=actor, now=NOW)
    _buy(line, 600)

    with pytest.raises(CarrierBillingError) as refusal:
        _buy(line, 500)

    assert refusal.value.code == CarrierBillingErrorCode.PURCHASE_REFUSED
    assert "il reste 4 € ce mois-ci" in refusal.value.message
    assert CarrierBillingPurchase.objects.count() == 1
    assert Activity.objects.filter(act="carrier_billing_cap.set").count() == 1


def test_a_blocked_line_refuses_a_new_subscription_entirely(line):
    actor = Actor.customer(line.billing_account.customer.user)
    carrier_billing_cap_set(line=line, cap_cents=0, actor=actor, now=NOW)

    with pytest.raises(CarrierBillingError):
        carrier_billing_subscription_start(
            line=line, merchant="M", service="S", monthly_price_cents=299, now=NOW
        )

    assert not CarrierBillingSubscription.objects.exists()
    assert not CarrierBillingPurchase.objects.exists()


@override_settings(GUICHET_CARRIER_BILLING_CAP_STEPS_CENTS=[0, 1000])
def test_only_a_step_can_be_the_cap(line):
    actor = Actor.customer(line.billing_account.customer.user)

    with pytest.raises(CarrierBillingError) as refusal:
        carrier_billing_cap_set(line=line, cap_cents=2000, actor=actor, now=NOW)

    assert refusal.value.code == CarrierBillingErrorCode.CAP_INVALID
    assert refusal.value.message == "Choisissez un plafond parmi : 0 €, 10 €."


def test_the_cap_counts_the_calendar_month_in_paris(line):
    actor = Actor.customer(line.billing_account.customer.user)
    carrier_billing_cap_set(line=line, cap_cents=1000, actor=actor, now=NOW)
    _buy(line, 1000)

    _buy(line, 1000, days=31)  # next month: the cap starts again

    assert CarrierBillingPurchase.objects.count() == 2


def test_a_terminated_line_records_no_purchase(line):
    line_terminate(line=line, reason="customer_request", actor=Actor.system(), now=NOW)

    with pytest.raises(CarrierBillingError):
        _buy(line, 100)


def test_vod_is_for_a_box(line):
    with pytest.raises(CarrierBillingError):
        vod_purchase_record(line=line, title="Film", kind="rental", amount_cents=399, now=NOW)
    box = make_fixed_line(line.billing_account)

    purchase = vod_purchase_record(line=box, title="Film", kind="rental", amount_cents=399, now=NOW)

    assert purchase.amount_cents == 399
