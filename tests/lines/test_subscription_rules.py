"""The catalog's rules for adding an option or a top-up (brochure, Options et recharges)."""

from datetime import timedelta

import pytest

from guichet.care.models import Activity
from guichet.catalog.models import Market, Product, ProductKind
from guichet.lines.errors import SubscriptionError, SubscriptionErrorCode
from guichet.lines.models import Line, Subscription
from guichet.lines.services import line_activate, line_declare_user, subscription_add
from tests.customers.builders import NOW, SYSTEM, as_customer, make_customer
from tests.lines.builders import make_account, make_catalog, make_mobile_line

pytestmark = pytest.mark.django_db

LATER = NOW + timedelta(days=40)


@pytest.fixture
def line() -> Line:
    catalog = make_catalog()
    line = make_mobile_line(make_account(make_customer()))
    subscription_add(line=line, product=catalog["woot-100"], actor=SYSTEM, now=NOW)
    line_activate(line=line, actor=SYSTEM, now=NOW)
    return line


def _add(line: Line, code: str, *, now=LATER, actor=SYSTEM) -> Subscription:
    return subscription_add(line=line, product=Product.objects.get(code=code), actor=actor, now=now)


def _refused(line: Line, code: str, expected: SubscriptionErrorCode, **kwargs) -> str:
    before = (Subscription.objects.filter(line=line).count(), Activity.objects.count())
    with pytest.raises(SubscriptionError) as refused:
        _add(line, code, **kwargs)
    assert refused.value.code == expected
    assert (Subscription.objects.filter(line=line).count(), Activity.objects.count()) == before
    return refused.value.message


def test_an_option_is_held_once(line):
    _add(line, "double-appel")

    message = _refused(line, "double-appel", SubscriptionErrorCode.ALREADY_SUBSCRIBED)

    assert "a déjà l'option « Double Appel »" in message


def test_one_option_of_a_family_at_a_time_maghreb_turquie(line):
    _add(line, "maghreb-turquie-30min")

    _refused(line, "maghreb-turquie-60min", SubscriptionErrorCode.FAMILY_ALREADY_SUBSCRIBED)


def test_one_option_of_a_family_at_a_time_suisse(line):
    _add(line, "suisse-1h-100sms")

    _refused(line, "suisse-30min-50sms", SubscriptionErrorCode.FAMILY_ALREADY_SUBSCRIBED)
    _add(line, "double-appel")  # another family is still open


def test_blocking_option_and_premium_rate_blocking_are_incompatible_both_ways(line):
    _add(line, "blocage")
    _refused(line, "blocage-numeros-surtaxes", SubscriptionErrorCode.INCOMPATIBLE)

    other = make_mobile_line(line.billing_account)
    subscription_add(
        line=other, product=Product.objects.get(code="woot-100go"), actor=SYSTEM, now=NOW
    )
    _add(other, "blocage-numeros-surtaxes")
    _refused(other, "blocage", SubscriptionErrorCode.INCOMPATIBLE)


def test_premium_rate_blocking_is_only_on_request_to_customer_service(line):
    holder = as_customer(line.billing_account.customer)

    message = _refused(
        line, "blocage-numeros-surtaxes", SubscriptionErrorCode.CUSTOMER_SERVICE_ONLY, actor=holder
    )

    assert "uniquement auprès du Service Client" in message
    _add(line, "blocage-numeros-surtaxes")  # an advisor or the system may


def test_international_option_opens_after_the_first_month_of_the_plan(line):
    _refused(
        line,
        "option-internationale",
        SubscriptionErrorCode.CONDITION_NOT_MET,
        now=NOW + timedelta(days=27),
    )

    _add(line, "option-internationale", now=NOW + timedelta(days=31))


def test_parental_control_needs_a_declared_minor_user_who_is_not_the_holder(line):
    _refused(line, "controle-parental", SubscriptionErrorCode.CONDITION_NOT_MET)
    holder = line.billing_account.customer
    line_declare_user(
        line=line,
        user_name=f"{holder.first_name} {holder.last_name}",
        user_is_minor=True,
        actor=SYSTEM,
        now=LATER,
    )
    _refused(line, "controle-parental", SubscriptionErrorCode.CONDITION_NOT_MET)

    line_declare_user(
        line=line, user_name="Noé Martin", user_is_minor=True, actor=SYSTEM, now=LATER
    )

    _add(line, "controle-parental")


def test_an_add_on_is_sold_only_with_its_plans(line):
    other_plan = Product.objects.create(
        code="other-plan-test",
        kind=ProductKind.PLAN,
        market=Market.MOBILE,
        name="Autre forfait",
        price_cents=500,
        source="tests",
        release=line.subscriptions.get().product.release,
    )
    other = make_mobile_line(line.billing_account)
    subscription_add(line=other, product=other_plan, actor=SYSTEM, now=NOW)

    message = _refused(other, "double-appel", SubscriptionErrorCode.NOT_AVAILABLE_WITH_PLAN)

    assert message == "« Double Appel » n'est pas proposé avec « Autre forfait »."


def test_a_product_the_current_release_dropped_is_not_sold(line):
    Product.objects.filter(code="double-appel").update(is_current=False)

    _refused(line, "double-appel", SubscriptionErrorCode.PRODUCT_WITHDRAWN)


def test_top_ups_may_be_bought_again_while_one_is_valid(line):
    top_up = Product.objects.get(code="data-usa-canada-500mo")
    for day in (0, 1):
        subscription_add(
            line=line,
            product=top_up,
            actor=SYSTEM,
            now=LATER + timedelta(days=day),
            ends_at=LATER + timedelta(days=day + 7),
        )

    assert Subscription.objects.filter(line=line, product=top_up).count() == 2
