"""The demo personas' personal information and tracking content, seen through the pages."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from guichet.catalog.models import Market
from guichet.customers.selectors import customer_get_by_login_email
from guichet.demo.services import DEMO_PASSWORD, demo_data_create
from guichet.lines.selectors import lines_for_customer

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=ZoneInfo("Europe/Paris"))

pytestmark = pytest.mark.django_db


@pytest.fixture
def personas(loaded_catalog):
    demo_data_create(customers=0, seed=1, now=NOW)


def _log_in(client: Client, email: str) -> None:
    response = client.post(
        reverse("selfcare:login"), {"username": email, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302


def test_camille_has_a_short_thread_with_an_advisor_and_hugo_his_box_address(client, personas):
    _log_in(client, "camille@demo.guichet.fr")
    html = client.get(reverse("selfcare:messages")).content.decode()
    assert html.index("je pars au Canada") < html.index("le Canada est en zone 2")
    assert "Votre conseiller" in html
    client.logout()

    _log_in(client, "hugo@demo.guichet.fr")
    hugo = customer_get_by_login_email(email="hugo@demo.guichet.fr")
    lines = {line.market: line for line in lines_for_customer(customer=hugo)}
    mailboxes = client.get(reverse("selfcare:box_mailboxes", args=[lines[Market.FIXED].pk]))
    blocked = client.get(reverse("selfcare:blocked_calls", args=[lines[Market.MOBILE].pk]))
    contracts = client.get(reverse("selfcare:contracts"))

    assert "hugo.lefebvre@guichet-box.fr" in mailboxes.content.decode()
    assert "08 99 12 34 56" in blocked.content.decode()
    assert contracts.content.decode().count("Télécharger le récapitulatif contractuel") == 2
