"""The arrears state (self-care's unpaid banner) and the acts refused while unpaid."""

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guichet.billing.checks import check_unpaid_refused_acts
from guichet.billing.errors import BillingError, BillingErrorCode
from guichet.billing.models import Invoice, PaymentMethod
from guichet.billing.rules import UNPAID_REFUSED_ACTS_DEFAULT, ArrearsAct
from guichet.billing.selectors import ArrearsState, arrears_state, unpaid_check
from guichet.billing.services import bill_run
from guichet.billing.settlement import invoice_payment_record
from guichet.care.acts import Act
from guichet.care.errors import CareError, CareErrorCode
from guichet.care.models import Activity, Order, OrderKind, Request, RequestKind
from guichet.care.services import OrderItemIn, order_create, request_open
from guichet.catalog.models import CatalogRelease
from guichet.customers.models import Customer
from guichet.lines.errors import SubscriptionError, SubscriptionErrorCode
from guichet.lines.models import Line, Subscription, SubscriptionStatus, SuspensionReason
from guichet.lines.offer_services import offer_change
from guichet.lines.services import line_activate, line_suspend, subscription_add
from guichet.payments.dunning_rules import StepCode
from guichet.payments.services.dunning import dunning_run
from tests.billing.builders import open_account, paris, product, woot_line
from tests.customers.builders import SYSTEM, make_customer
from tests.lines.builders import make_fixed_line

NOVEMBER = date(2026, 11, 1)
DUE = date(2026, 12, 17)
ON_DUE_DATE = paris(2026, 12, 17, 20)
AFTER_DUE = paris(2026, 12, 23, 10)  # the first reminder went out on the 22nd


@pytest.fixture(autouse=True)
def _catalog(loaded_catalog: CatalogRelease) -> CatalogRelease:
    return loaded_catalog


@pytest.fixture
def customer() -> Customer:
    return make_customer()


@pytest.fixture
def line(customer: Customer) -> Line:
    """Woot 100 Go since 15 October; November's 12.99 € card invoice is due 17 December."""
    account = open_account(customer, payment_method=PaymentMethod.CARD)
    line = woot_line(account, activated_at=paris(2026, 10, 15))
    bill_run(period=NOVEMBER, now=datetime(2026, 12, 2, 5, 0, tzinfo=UTC))
    return line


def test_nothing_overdue_is_an_empty_state_in_one_query(line: Line, customer: Customer) -> None:
    with CaptureQueriesContext(connection) as queries:
        state = arrears_state(customer=customer, today=DUE)

    assert state == ArrearsState((), 0, None, None, ())
    assert state.in_arrears is False
    assert len(queries) == 1


def test_banner_data_the_day_after_the_due_date_before_any_run(
    line: Line, customer: Customer
) -> None:
    state = arrears_state(customer=customer, today=date(2026, 12, 18))

    assert state.in_arrears is True
    assert [invoice.number for invoice in state.invoices] == ["F2026-000001"]
    assert (state.owed_cents, state.oldest_due_on, state.dunning_step) == (1299, DUE, None)
    assert [(act.code, act.label, act.reason) for act in state.refused_acts][:2] == [
        (
            ArrearsAct.ADD_ON_SUBSCRIBE,
            "Souscrire une option ou une recharge",
            "Vous ne pouvez pas souscrire d'option ni de recharge tant qu'une facture reste"
            " impayée. Réglez d'abord le montant dû depuis la rubrique Factures.",
        ),
        (
            ArrearsAct.ACQUISITION,
            "Commander une nouvelle ligne",
            "Vous ne pouvez pas commander de nouvelle ligne tant qu'une facture reste impayée."
            " Réglez d'abord le montant dû depuis la rubrique Factures.",
        ),
    ]
    assert [act.code for act in state.refused_acts] == list(UNPAID_REFUSED_ACTS_DEFAULT)


def test_banner_shows_the_dunning_step_and_what_is_left_after_a_partial_payment(
    line: Line, customer: Customer
) -> None:
    for day in (18, 22):
        dunning_run(now=paris(2026, 12, day, 8))
    invoice_payment_record(
        invoice=Invoice.objects.get(),
        amount_cents=299,
        reference="card-1",
        actor=SYSTEM,
        now=AFTER_DUE,
    )

    with CaptureQueriesContext(connection) as queries:
        state = arrears_state(billing_account=line.billing_account, today=date(2026, 12, 23))

    assert (state.owed_cents, state.dunning_step) == (1000, StepCode.FIRST_REMINDER)
    assert state.dunning_step_label == "Première relance"
    assert len(queries) == 2


def test_operator_chooses_the_acts_and_their_reasons(
    line: Line, customer: Customer, settings
) -> None:
    settings.GUICHET_UNPAID_REFUSED_ACTS = {"line_transfer": "Réglez d'abord votre facture."}

    state = arrears_state(customer=customer, today=date(2026, 12, 18))

    assert [(act.code, act.reason) for act in state.refused_acts] == [
        (ArrearsAct.LINE_TRANSFER, "Réglez d'abord votre facture.")
    ]
    settings.GUICHET_UNPAID_REFUSED_ACTS = {"fly_to_the_moon": "Non."}
    assert [error.id for error in check_unpaid_refused_acts()] == ["guichet.billing.E001"]
    with pytest.raises(ImproperlyConfigured, match="fly_to_the_moon"):
        arrears_state(customer=customer, today=date(2026, 12, 18))


def test_unpaid_check_refuses_with_the_configured_reason(line: Line, customer: Customer) -> None:
    unpaid_check(customer=customer, act=ArrearsAct.DEVICE_RENEWAL, today=DUE)  # not yet overdue

    with pytest.raises(BillingError) as refused:
        unpaid_check(customer=customer, act=ArrearsAct.DEVICE_RENEWAL, today=date(2026, 12, 18))

    assert refused.value.code == BillingErrorCode.ACT_REFUSED_WHILE_UNPAID
    assert refused.value.message == UNPAID_REFUSED_ACTS_DEFAULT[ArrearsAct.DEVICE_RENEWAL]
    assert refused.value.extra == {
        "act": "device_renewal",
        "owed_cents": 1299,
        "owed": "12,99 €",
        "oldest_due_on": "2026-12-17",
    }


def test_an_act_the_operator_does_not_list_is_not_refused(
    line: Line, customer: Customer, settings
) -> None:
    settings.GUICHET_UNPAID_REFUSED_ACTS = {}
    unpaid_check(customer=customer, act=ArrearsAct.DEVICE_RENEWAL, today=date(2026, 12, 18))


def _renewal(customer: Customer, line: Line, *, at: datetime) -> Order:
    return order_create(
        customer=customer,
        kind=OrderKind.DEVICE_RENEWAL,
        items=[OrderItemIn(label="Samsung Galaxy S24", quantity=1, unit_price_cents=79_900)],
        actor=SYSTEM,
        now=at,
        line=line,
    )


def test_device_renewal_is_refused_at_the_last_step_and_nothing_changes(
    line: Line, customer: Customer
) -> None:
    activities = Activity.objects.count()

    with pytest.raises(BillingError) as refused:
        _renewal(customer, line, at=AFTER_DUE)

    assert refused.value.code == BillingErrorCode.ACT_REFUSED_WHILE_UNPAID
    assert (Order.objects.count(), Activity.objects.count()) == (0, activities)
    # Its own checks come first: an order without items says so, not that an invoice is unpaid.
    with pytest.raises(CareError) as invalid:
        order_create(
            customer=customer,
            kind=OrderKind.DEVICE_RENEWAL,
            items=[],
            actor=SYSTEM,
            now=AFTER_DUE,
            line=line,
        )
    assert invalid.value.code == CareErrorCode.ORDER_ITEMS_INVALID
    # Once paid, the renewal goes through.
    invoice_payment_record(
        invoice=Invoice.objects.get(), amount_cents=1299, reference="c", actor=SYSTEM, now=AFTER_DUE
    )
    assert _renewal(customer, line, at=AFTER_DUE).kind == OrderKind.DEVICE_RENEWAL


def test_a_sim_replacement_stays_open_while_unpaid(line: Line, customer: Customer) -> None:
    order = order_create(
        customer=customer,
        kind=OrderKind.SIM_REPLACEMENT,
        items=[OrderItemIn(label="Carte SIM", quantity=1, unit_price_cents=0)],
        actor=SYSTEM,
        now=AFTER_DUE,
        line=line,
    )
    assert order.kind == OrderKind.SIM_REPLACEMENT


def test_line_transfer_is_refused_until_all_sums_are_settled_cgs_12(
    line: Line, customer: Customer
) -> None:
    with pytest.raises(BillingError) as refused:
        request_open(
            customer=customer,
            kind=RequestKind.LINE_TRANSFER,
            actor=SYSTEM,
            now=AFTER_DUE,
            line=line,
            payload={"transferee_name": "Léa Dubois", "transferee_email": "lea@example.fr"},
        )

    assert refused.value.message == (
        "La cession de ligne demande que toutes les sommes dues soient réglées (CGS 12)."
        " Réglez d'abord le montant dû depuis la rubrique Factures."
    )
    assert Request.objects.count() == 0
    assert not Activity.objects.filter(act=Act.REQUEST_OPEN).exists()


def test_an_option_is_refused_while_unpaid_and_nothing_changes(
    line: Line, customer: Customer
) -> None:
    before = Subscription.objects.count()

    with pytest.raises(BillingError) as refused:
        subscription_add(line=line, product=product("double-appel"), actor=SYSTEM, now=AFTER_DUE)

    assert refused.value.code == BillingErrorCode.ACT_REFUSED_WHILE_UNPAID
    assert refused.value.extra["act"] == "add_on_subscribe"
    assert Subscription.objects.count() == before


def test_a_line_suspended_for_its_arrears_is_refused_an_option_for_the_arrears(
    line: Line, customer: Customer
) -> None:
    """The customer can act on the arrears, not on the suspension: that reason comes first."""
    line = line_suspend(line=line, reason=SuspensionReason.UNPAID, actor=SYSTEM, now=AFTER_DUE)

    with pytest.raises(BillingError) as refused:
        subscription_add(line=line, product=product("double-appel"), actor=SYSTEM, now=AFTER_DUE)

    assert refused.value.code == BillingErrorCode.ACT_REFUSED_WHILE_UNPAID
    # Suspended for another reason, the line says so.
    invoice_payment_record(
        invoice=Invoice.objects.get(), amount_cents=1299, reference="c", actor=SYSTEM, now=AFTER_DUE
    )
    with pytest.raises(SubscriptionError) as suspended:
        subscription_add(line=line, product=product("double-appel"), actor=SYSTEM, now=AFTER_DUE)
    assert suspended.value.code == SubscriptionErrorCode.LINE_NOT_OPEN


def test_a_box_offer_change_is_refused_while_unpaid_and_nothing_changes(customer: Customer) -> None:
    account = open_account(customer, payment_method=PaymentMethod.CARD)
    box = make_fixed_line(account)
    subscription_add(
        line=box, product=product("bbox-fibre-exemple"), actor=SYSTEM, now=paris(2026, 10, 15)
    )
    line_activate(line=box, actor=SYSTEM, now=paris(2026, 10, 15))
    bill_run(period=NOVEMBER, now=datetime(2026, 12, 2, 5, 0, tzinfo=UTC))

    with pytest.raises(BillingError) as refused:
        offer_change(
            line=box, product=product("bbox-fibre-essentiel-exemple"), actor=SYSTEM, now=AFTER_DUE
        )

    assert refused.value.extra["act"] == ArrearsAct.PLAN_CHANGE
    assert not Subscription.objects.filter(line=box, status=SubscriptionStatus.SCHEDULED)


def test_option_internationale_keeps_its_brochure_condition_without_the_setting(
    line: Line, customer: Customer, settings
) -> None:
    """Compatibility table: the international option is not activated "en cas d'impayés",
    whatever the operator's list of refused acts."""
    settings.GUICHET_UNPAID_REFUSED_ACTS = {}
    before = Subscription.objects.count()

    with pytest.raises(SubscriptionError) as refused:
        subscription_add(
            line=line, product=product("option-internationale"), actor=SYSTEM, now=AFTER_DUE
        )

    assert refused.value.code == SubscriptionErrorCode.CONDITION_NOT_MET
    assert refused.value.message == "« Option internationale » : Pas d'activation en cas d'impayés."
    assert refused.value.extra["condition"] == "no-unpaid-invoice"
    assert Subscription.objects.count() == before
    # Another option is not concerned by that condition…
    subscription_add(line=line, product=product("double-appel"), actor=SYSTEM, now=AFTER_DUE)
    # …and once the invoice is paid, the international option opens.
    invoice_payment_record(
        invoice=Invoice.objects.get(), amount_cents=1299, reference="c", actor=SYSTEM, now=AFTER_DUE
    )
    international = subscription_add(
        line=line, product=product("option-internationale"), actor=SYSTEM, now=AFTER_DUE
    )
    assert international.product.code == "option-internationale"
