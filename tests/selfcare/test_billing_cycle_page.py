"""Factures > Préférences: changing the billing cycle of a fixed lines' account through HTTP
(act `billing_cycle_change`)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from guichet.billing.models import (
    BillingAccount,
    BillingCycleChange,
    Invoice,
    InvoiceStatus,
    PaymentMethod,
)
from guichet.billing.services import billing_account_set_billing_cycle
from guichet.care.acts import Act
from guichet.care.models import Activity, OutboxMessage
from guichet.catalog.models import CatalogRelease
from guichet.customers.selectors import customer_get_by_login_email
from guichet.demo.services import DEMO_PASSWORD, demo_data_create
from guichet.lines.services import line_activate, subscription_add
from tests.billing.builders import open_account, paris, product
from tests.customers.builders import SYSTEM
from tests.lines.builders import make_fixed_line

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=ZoneInfo("Europe/Paris"))
PAGE = "selfcare:billing_preferences"


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def box_account(loaded_catalog: CatalogRelease) -> BillingAccount:
    """A customer whose account holds one box line, on calendar months."""
    account = open_account()
    box = make_fixed_line(account)
    subscription_add(
        line=box, product=product("bbox-fibre-exemple"), actor=SYSTEM, now=paris(2026, 10, 1)
    )
    line_activate(line=box, actor=SYSTEM, now=paris(2026, 10, 1))
    return account


def _post(client: Client, account: BillingAccount, action: str, day: str):
    return client.post(
        reverse(PAGE),
        {
            "account": account.number,
            "action": action,
            f"{account.number}-billing_cycle_day": day,
        },
    )


def test_the_day_is_previewed_then_confirmed(client, box_account, clock):
    client.force_login(box_account.customer.user)
    page = client.get(reverse(PAGE)).content.decode()
    assert "du 1 novembre 2026 au 30 novembre 2026" in page
    assert "Voir ce qui change" in page

    preview = _post(client, box_account, "billing_cycle_preview", "15")

    html = preview.content.decode()
    assert preview.status_code == 200
    assert "Votre période actuelle, du 1 novembre 2026 au 30 novembre 2026" in html
    assert "du 1 décembre 2026 au 14 décembre 2026 (14 jours)" in html
    assert "du 15 décembre 2026 au 14 janvier 2027" in html
    assert "Confirmer mon nouveau cycle de facturation" in html
    assert not BillingCycleChange.objects.exists()  # nothing changes before the confirmation

    confirmed = _post(client, box_account, "billing_cycle", "15")

    assert confirmed.status_code == 302
    box_account.refresh_from_db()
    assert box_account.billing_cycle_day == 15
    assert Activity.objects.filter(act=Act.BILLING_ACCOUNT_SET_BILLING_CYCLE).count() == 1
    assert OutboxMessage.objects.filter(template="billing_cycle_changed").count() == 1
    after = client.get(reverse(PAGE)).content.decode()
    assert "Vos factures commenceront le 15 du mois à partir du 15 décembre 2026" in after
    assert "Voir ce qui change" not in after  # one change at a time


def test_the_english_page_says_the_same(client, box_account, clock):
    client.force_login(box_account.customer.user)
    client.cookies["django_language"] = "en"
    html = _post(client, box_account, "billing_cycle_preview", "15").content.decode()
    assert "a transition invoice covers 1 December 2026 to 14 December 2026 (14 days)" in html


def test_a_wrong_day_is_refused_and_nothing_changes(client, box_account, clock):
    client.force_login(box_account.customer.user)
    for action in ("billing_cycle_preview", "billing_cycle"):
        response = _post(client, box_account, action, "29")
        assert response.status_code == 400
    box_account.refresh_from_db()
    assert box_account.billing_cycle_day == 1
    assert not BillingCycleChange.objects.exists()


def test_an_unpaid_invoice_does_not_refuse_the_change(client, box_account, clock):
    # The registry entry names no unpaid rule: the cycle may change while an invoice is owed.
    from guichet.billing.services import bill_run

    bill_run(period=datetime(2026, 10, 1).date(), now=paris(2026, 11, 2))
    Invoice.objects.update(status=InvoiceStatus.UNPAID)
    client.force_login(box_account.customer.user)
    assert _post(client, box_account, "billing_cycle", "10").status_code == 302
    box_account.refresh_from_db()
    assert box_account.billing_cycle_day == 10


def test_hugo_whose_account_holds_a_mobile_line_is_told_why_and_refused(client, loaded_catalog):
    demo_data_create(customers=0, seed=1, now=NOW)
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            reverse("selfcare:login"),
            {"username": "hugo@demo.guichet.fr", "password": DEMO_PASSWORD},
        )
        assert response.status_code == 302
        account = BillingAccount.objects.get(
            customer=customer_get_by_login_email(email="hugo@demo.guichet.fr")
        )
        page = client.get(reverse(PAGE)).content.decode()
        assert "comptés par mois calendaire" in page
        assert "Voir ce qui change" not in page

        refused = _post(client, account, "billing_cycle", "15")

    assert refused.status_code == 400
    assert "ne se change que pour les comptes de lignes fixes" in refused.content.decode()
    account.refresh_from_db()
    assert account.billing_cycle_day == 1


def test_another_customers_account_is_not_found(client, box_account, clock):
    client.force_login(open_account().customer.user)
    assert _post(client, box_account, "billing_cycle", "15").status_code == 404
    assert not BillingCycleChange.objects.exists()


def test_the_payment_method_page_gives_the_next_invoice_of_the_accounts_cycle(loaded_catalog):
    account = open_account(payment_method=PaymentMethod.CARD)
    box = make_fixed_line(account)
    subscription_add(
        line=box, product=product("bbox-fibre-exemple"), actor=SYSTEM, now=paris(2026, 10, 1)
    )
    line_activate(line=box, actor=SYSTEM, now=paris(2026, 10, 1))
    billing_account_set_billing_cycle(
        billing_account=account, billing_cycle_day=15, actor=SYSTEM, now=NOW
    )
    client = Client()

    with time_machine.travel(paris(2027, 2, 20), tick=False):
        client.force_login(account.customer.user)
        page = client.get(reverse("selfcare:payment_method")).content.decode()

    # The period of 15 February – 14 March is invoiced on 16 March, not on 2 March.
    assert "à partir de la facture émise le 16 mars 2027" in page
