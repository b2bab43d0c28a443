from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import transaction

from guichet.billing.models import InvoiceLine
from guichet.care.models import Activity, Order, OrderStatus
from guichet.customers.models import Customer
from guichet.customers.selectors import customer_get_by_login_email
from guichet.demo.services import DEMO_PASSWORD, PERSONAS, demo_data_create
from guichet.lines.models import Equipment, Line, LineStatus
from guichet.lines.selectors import lines_with_main_offer_for_customer
from guichet.payments.selectors.instalments import (
    instalment_plan_outstanding_cents,
    instalment_plans_for_customer,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=ZoneInfo("Europe/Paris"))

pytestmark = pytest.mark.django_db


class _Rollback(Exception):
    pass


def _snapshot() -> list[tuple[str, str, str, str]]:
    return sorted(
        (line.billing_account.customer.user.email, line.msisdn, line.iccid, line.access_reference)
        for line in Line.objects.select_related("billing_account__customer__user")
    )


def _lines_of(email: str) -> list[Line]:
    customer = customer_get_by_login_email(email=email)
    assert customer is not None
    return lines_with_main_offer_for_customer(customer=customer)


def test_personas_have_the_lines_the_readme_promises(loaded_catalog):
    demo_data_create(customers=0, seed=1, now=NOW)

    camille = _lines_of("camille@demo.guichet.fr")
    assert [(line.market, line.status) for line in camille] == [("mobile", LineStatus.ACTIVE)]
    assert camille[0].main_offers[0].product.code == "woot-100go"
    assert (
        camille[0].activated_at.astimezone(ZoneInfo("Europe/Paris")).date()
        <= datetime(2023, 11, 23).date()
    )
    hugo = _lines_of("hugo@demo.guichet.fr")
    assert sorted((line.market, line.main_offers[0].product.code) for line in hugo) == [
        ("fixed", "bbox-fibre-exemple"),
        ("mobile", "woot-100go"),
    ]
    lea = customer_get_by_login_email(email="lea@demo.guichet.fr")
    assert [e.model for e in Equipment.objects.filter(customer=lea, kind="phone")] == [
        "Samsung Galaxy S24 128 Go"
    ]
    nora = _lines_of("nora@demo.guichet.fr")
    assert [(line.market, line.main_offers[0].product.code) for line in nora] == [
        ("fixed", "bbox-fibre-exemple")
    ]
    assert (NOW.date() - nora[0].activated_at.date()).days == 3
    # Karim's unpaid invoice has reached the suspension of outgoing usage (tests/demo/test_dunning).
    assert _lines_of("karim@demo.guichet.fr")[0].status == LineStatus.SUSPENDED


def test_every_persona_logs_in_with_the_demo_password(loaded_catalog):
    demo_data_create(customers=0, seed=1, now=NOW)

    for persona in PERSONAS:
        assert authenticate(username=persona.email, password=DEMO_PASSWORD) is not None
        assert authenticate(username=persona.email, password="wrong-password-2026") is None


def test_history_is_made_by_the_services_at_the_dates_it_happened(loaded_catalog):
    demo_data_create(customers=0, seed=1, now=NOW)

    camille = customer_get_by_login_email(email="camille@demo.guichet.fr")
    acts = list(Activity.objects.filter(customer=camille).order_by("at", "id"))
    assert acts[0].act == "customer.create"
    assert acts[0].at < datetime(2023, 7, 1, tzinfo=ZoneInfo("Europe/Paris"))
    assert {"line.create", "line.activate", "subscription.add", "order.create"} <= {
        a.act for a in acts
    }
    assert set(Order.objects.filter(customer=camille).values_list("status", flat=True)) == {
        OrderStatus.DELIVERED
    }


def test_generated_customers_are_deterministic_for_a_seed(loaded_catalog):
    snapshots = []
    for _ in range(2):
        try:
            with transaction.atomic():
                demo_data_create(customers=15, seed=7, now=NOW)
                snapshots.append(_snapshot())
                raise _Rollback
        except _Rollback:
            pass

    assert snapshots[0] == snapshots[1]
    assert len({email for email, *_ in snapshots[0]}) == len(PERSONAS) + 15


def test_a_second_run_creates_nothing(loaded_catalog):
    demo_data_create(customers=5, seed=3, now=NOW)
    before = (Customer.objects.count(), Line.objects.count(), Activity.objects.count())

    report = demo_data_create(customers=5, seed=3, now=NOW)

    assert report.already_present is True
    assert (Customer.objects.count(), Line.objects.count(), Activity.objects.count()) == before


def test_command_prints_the_logins_and_refuses_an_empty_catalog(capsys, db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="catalog load"):
        call_command("demo-data", "--customers", "0")
    assert Customer.objects.count() == 0


def test_command_creates_personas_and_customers(loaded_catalog, capsys):
    call_command("demo-data", "--customers", "3", "--seed", "5", "--today", "2026-11-23")

    out = capsys.readouterr().out
    assert "Created 5 personas and 3 customers." in out
    assert "camille@demo.guichet.fr" in out
    assert DEMO_PASSWORD in out
    assert Customer.objects.count() == len(PERSONAS) + 3


def test_acquisition_orders_carry_the_catalogs_activation_fees(loaded_catalog):
    demo_data_create(customers=0, seed=1, now=NOW)

    hugo = customer_get_by_login_email(email="hugo@demo.guichet.fr")
    items = sorted(
        (item.label, item.unit_price_cents)
        for order in Order.objects.filter(customer=hugo, kind="acquisition")
        for item in order.items.all()
    )
    assert items == [
        ("Carte SIM Woot 100 Go", 1000),
        ("Mise en service Bbox Fibre (exemple)", 4800),
    ]


def test_personas_have_their_invoices_from_the_bill_run(loaded_catalog):
    from guichet.billing.models import Invoice

    demo_data_create(customers=0, seed=1, now=NOW)

    camille = customer_get_by_login_email(email="camille@demo.guichet.fr")
    invoices = list(
        Invoice.objects.filter(billing_account__customer=camille).order_by("period_start")
    )
    assert len(invoices) >= 36
    assert invoices[-1].period_start == datetime(2026, 10, 1).date()
    assert [i.period_start for i in invoices] == sorted({i.period_start for i in invoices})
    first_lines = {line.kind for line in invoices[0].lines.all()}
    assert "activation_fee" in first_lines
    assert invoices[5].total_cents == 1299  # a full month of Woot 100 Go: 17.99 € − 5 €
    hugo = customer_get_by_login_email(email="hugo@demo.guichet.fr")
    assert Invoice.objects.filter(billing_account__customer=hugo).count() >= 24


def test_past_invoices_carry_the_personas_purchases_on_the_bill(loaded_catalog):
    from guichet.billing.models import Invoice

    demo_data_create(customers=0, seed=1, now=NOW)

    hugo = customer_get_by_login_email(email="hugo@demo.guichet.fr")
    october = Invoice.objects.get(billing_account__customer=hugo, period_start=date(2026, 10, 1))
    kinds = {line.kind for line in october.lines.all()}
    # His news subscription on the bill started on 14 October (40 days before NOW).
    assert "carrier_billing" in kinds
    camille = customer_get_by_login_email(email="camille@demo.guichet.fr")
    september = Invoice.objects.get(
        billing_account__customer=camille, period_start=date(2026, 9, 1)
    )
    assert any("Mélodia" in line.label for line in september.lines.all())


def test_lea_pays_her_phone_in_24_instalments_on_her_past_invoices(loaded_catalog):
    demo_data_create(customers=0, seed=1, now=NOW)

    lea = customer_get_by_login_email(email="lea@demo.guichet.fr")
    (plan,) = instalment_plans_for_customer(customer=lea)
    assert (plan.label, plan.principal_cents, plan.instalment_count) == (
        "Samsung Galaxy S24 128 Go",
        79_900,
        24,
    )
    # Delivered on 25 June 2026: June to October are invoiced (November has not ended).
    assert plan.first_period == date(2026, 6, 1)
    billed = InvoiceLine.objects.filter(
        invoice__billing_account__customer=lea, kind="instalment"
    ).order_by("invoice__period_start")
    # 79 900 / 24 = 3329 rest 4: a first of 33.33 €, then 33.29 €.
    assert [(line.invoice.period_start.month, line.amount_cents) for line in billed] == [
        (6, 3333),
        (7, 3329),
        (8, 3329),
        (9, 3329),
        (10, 3329),
    ]
    assert instalment_plan_outstanding_cents(plan=plan) == 79_900 - 3333 - 4 * 3329
