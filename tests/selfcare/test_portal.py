"""The portal around every page: the five sections, the act finder, the bell, re-authentication."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import path, reverse

from guichet.billing.models import Invoice
from guichet.billing.rules import format_eur_fr
from guichet.care.acts import Act
from guichet.customers.selectors import customer_get_by_login_email
from guichet.demo.services import DEMO_PASSWORD, demo_data_create
from guichet.lines.selectors import lines_for_customer
from guichet.selfcare.context import current_section
from guichet.selfcare.registry import Section

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=ZoneInfo("Europe/Paris"))

pytestmark = pytest.mark.django_db


@pytest.fixture
def personas(loaded_catalog):
    demo_data_create(customers=0, seed=1, now=NOW)


def _log_in(client: Client, email: str) -> None:
    credentials = {"username": email, "password": DEMO_PASSWORD}
    response = client.post(reverse("selfcare:login"), credentials)
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("url_name", "section"),
    [
        ("selfcare:home", "home"),
        ("selfcare:lines", "lines"),
        ("selfcare:usage", "usage"),
        ("selfcare:invoices", "invoices"),
        ("selfcare:account", "account"),
    ],
)
def test_each_section_is_marked_current_in_the_navigation(client, personas, url_name, section):
    _log_in(client, "hugo@demo.guichet.fr")

    html = client.get(reverse(url_name)).content.decode()

    current = html.split('aria-current="page"')[0].rsplit("<a href=", 1)[1]
    assert reverse(url_name) in current
    assert html.count('aria-current="page"') == 1
    assert current_section(reverse(url_name)) == Section(section)


def test_a_section_lists_the_acts_of_the_customers_markets(client, personas):
    _log_in(client, "camille@demo.guichet.fr")  # one mobile line

    html = client.get(reverse("selfcare:invoices")).content.decode()

    assert "Consulter mes factures" in html
    assert "Changer mon cycle de facturation" not in html  # a box act


def test_the_act_finder_answers_with_links_to_the_customers_acts(client, personas):
    _log_in(client, "camille@demo.guichet.fr")

    html = client.get(reverse("selfcare:act_finder"), {"q": "payer ma facture"}).content.decode()

    assert "Payer une facture par carte" in html
    assert f'href="{reverse("selfcare:invoices")}"' in html
    # Where it is in this portal, not the seed's menus of another app.
    assert "Factures › Payer une facture par carte" in html
    assert "J&#x27;accède à mes factures" not in html


def test_the_act_finder_says_when_it_found_nothing(client, personas):
    _log_in(client, "camille@demo.guichet.fr")

    html = client.get(reverse("selfcare:act_finder"), {"q": "xylophone"}).content.decode()

    assert "Rien trouvé pour « xylophone »" in html


def test_the_act_finder_does_not_offer_box_acts_to_a_mobile_customer(client, personas):
    _log_in(client, "camille@demo.guichet.fr")

    html = client.get(reverse("selfcare:act_finder"), {"q": "déménagement"}).content.decode()

    assert "Déclarer mon déménagement" not in html


def test_the_act_finder_offers_the_sim_acts_only_for_lines_with_a_sim(client, personas):
    _log_in(client, "hugo@demo.guichet.fr")  # a mobile line and a fibre box (no SIM)
    hugo = customer_get_by_login_email(email="hugo@demo.guichet.fr")
    mobile, box = (
        next(line for line in lines_for_customer(customer=hugo) if line.market == market)
        for market in ("mobile", "fixed")
    )

    html = client.get(reverse("selfcare:act_finder"), {"q": "j'ai retrouvé"}).content.decode()
    puk = client.get(reverse("selfcare:act_finder"), {"q": "code puk"}).content.decode()

    assert reverse("selfcare:suspension_lift", kwargs={"line_id": mobile.pk}) in html
    assert reverse("selfcare:suspension_lift", kwargs={"line_id": box.pk}) not in html
    assert reverse("selfcare:puk", kwargs={"line_id": mobile.pk}) in puk
    assert reverse("selfcare:puk", kwargs={"line_id": box.pk}) not in puk
    assert "4G box" not in puk


def test_the_activity_log_shows_the_customers_own_activities_newest_first(client, personas):
    _log_in(client, "lea@demo.guichet.fr")
    lea = customer_get_by_login_email(email="lea@demo.guichet.fr")
    newest = lea.activities.order_by("-at", "-id").first()

    html = client.get(reverse("selfcare:activity_log")).content.decode()

    assert newest.summary in html
    assert "Benali" not in html  # Karim's activities stay his


def test_the_activity_log_gives_an_invoices_total_the_french_way(client, personas):
    _log_in(client, "camille@demo.guichet.fr")
    camille = customer_get_by_login_email(email="camille@demo.guichet.fr")
    issued = camille.activities.filter(act=Act.INVOICE_ISSUE).order_by("-at", "-id").first()
    invoice = Invoice.objects.get(pk=issued.subject_id)

    html = client.get(reverse("selfcare:activity_log")).content.decode()

    total = format_eur_fr(invoice.total_cents)  # "67,96 €", never "67.96 €"
    assert "," in total
    assert f"Facture {invoice.number} de {invoice.period_start:%m/%Y} : {total}" in html
    assert not re.search(r"\d\.\d\d €", html)


# Re-authentication before sensitive acts ---------------------------------------------------------


def _sensitive_page(request):
    from django.http import HttpResponse

    return HttpResponse("the PUK")


@pytest.fixture
def sensitive_url(settings):
    from django.urls import clear_url_caches

    from guichet.selfcare.reauth import sensitive

    module = type("Urls", (), {})()
    module.urlpatterns = [
        path("sensible/", sensitive(_sensitive_page)),
        path("", __import__("django.urls", fromlist=["include"]).include("guichet.urls")),
    ]
    settings.ROOT_URLCONF = module
    clear_url_caches()
    yield "/sensible/"
    clear_url_caches()


def test_a_sensitive_page_is_served_right_after_login(client, personas, sensitive_url):
    with time_machine.travel(NOW, tick=False):
        _log_in(client, "camille@demo.guichet.fr")
        assert client.get(sensitive_url).content == b"the PUK"


def test_a_sensitive_page_asks_for_the_password_again_after_the_window(
    client, personas, sensitive_url, settings
):
    settings.GUICHET_REAUTH_SECONDS = 300
    with time_machine.travel(NOW, tick=False):
        _log_in(client, "camille@demo.guichet.fr")
    with time_machine.travel(NOW.replace(minute=6), tick=False):
        response = client.get(sensitive_url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("selfcare:reauthenticate"))

        wrong = client.post(response["Location"], {"password": "nope", "next": sensitive_url})
        assert wrong.status_code == 400
        assert "Ce n&#x27;est pas votre mot de passe" in wrong.content.decode()

        right = client.post(
            response["Location"], {"password": DEMO_PASSWORD, "next": sensitive_url}
        )
        assert right["Location"] == sensitive_url
        assert client.get(sensitive_url).content == b"the PUK"


def test_reauthentication_never_sends_the_customer_to_another_site(client, personas):
    _log_in(client, "camille@demo.guichet.fr")

    response = client.post(
        reverse("selfcare:reauthenticate"),
        {"password": DEMO_PASSWORD, "next": "https://evil.example/"},
    )

    assert response["Location"] == reverse("selfcare:home")
