from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from guichet.customers.selectors import customer_get_by_login_email
from guichet.demo.services import DEMO_PASSWORD, demo_data_create

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=ZoneInfo("Europe/Paris"))

pytestmark = pytest.mark.django_db


@pytest.fixture
def personas(loaded_catalog):
    demo_data_create(customers=0, seed=1, now=NOW)


def _log_in(client: Client, username: str, password: str = DEMO_PASSWORD):
    return client.post(reverse("selfcare:login"), {"username": username, "password": password})


def test_login_page_is_in_french_by_default(client):
    response = client.get(reverse("selfcare:login"))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert "Connectez-vous à votre espace client" in html
    assert "E-mail ou numéro client" in html
    assert "Mot de passe" in html


def test_login_page_stays_french_whatever_the_browser_language(client):
    response = client.get(reverse("selfcare:login"), headers={"accept-language": "en-US,en"})

    assert "Connectez-vous à votre espace client" in response.content.decode()


def test_the_customer_can_choose_english(client):
    client.post(reverse("set_language"), {"language": "en", "next": reverse("selfcare:login")})

    response = client.get(reverse("selfcare:login"))

    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Log in to your customer area" in html


def test_home_requires_a_login(client):
    response = client.get(reverse("selfcare:home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("selfcare:login"))


def test_persona_logs_in_with_email_and_sees_their_line(client, personas):
    response = _log_in(client, "camille@demo.guichet.fr")
    assert response.status_code == 302
    assert response["Location"] == reverse("selfcare:home")

    home = client.get(reverse("selfcare:home"))

    html = home.content.decode()
    camille = customer_get_by_login_email(email="camille@demo.guichet.fr")
    line = camille.user and camille.billing_accounts.get().lines.get()
    national = "0" + line.msisdn[3:]
    assert "Bonjour Camille" in html
    assert camille.number in html
    assert " ".join(national[i : i + 2] for i in range(0, 10, 2)) in html
    assert "Woot 100 Go" in html
    assert '<p class="status status-active">Active' in html


def test_persona_logs_in_with_customer_number(client, personas):
    hugo = customer_get_by_login_email(email="hugo@demo.guichet.fr")

    response = _log_in(client, hugo.number.lower())

    assert response.status_code == 302
    html = client.get(reverse("selfcare:home")).content.decode()
    assert "Bonjour Hugo" in html
    assert "Bbox Fibre (exemple)" in html


def test_wrong_password_is_refused_with_a_french_message(client, personas):
    response = _log_in(client, "karim@demo.guichet.fr", "not-the-password-2026")

    assert response.status_code == 200
    html = response.content.decode()
    assert "E-mail, numéro client ou mot de passe incorrect" in html
    assert client.get(reverse("selfcare:home")).status_code == 302


def test_home_shows_only_the_logged_in_customers_lines(client, personas):
    hugo = customer_get_by_login_email(email="hugo@demo.guichet.fr")
    hugo_numbers = [line.msisdn[3:] for line in hugo.billing_accounts.get().lines.all()]
    _log_in(client, "camille@demo.guichet.fr")

    html = client.get(reverse("selfcare:home")).content.decode().replace(" ", "")

    assert all(number not in html for number in hugo_numbers if number)
    assert "Hugo" not in html


def test_home_queries_do_not_grow_with_lines(client, personas, django_assert_num_queries):
    _log_in(client, "hugo@demo.guichet.fr")

    # session, user, customer, lines, their main offers, usage totals and quantities, catalog
    # release, box Wi-Fi, invoices, arrears (the overdue invoices: none, Hugo's demo invoices
    # are collected by direct debit). tests/selfcare/test_home_usage.py adds a line: still 11.
    with django_assert_num_queries(11):
        client.get(reverse("selfcare:home"))


def test_logout_ends_the_session(client, personas):
    _log_in(client, "lea@demo.guichet.fr")

    client.post(reverse("selfcare:logout"))

    assert client.get(reverse("selfcare:home")).status_code == 302


def test_a_suspended_line_shows_its_status_and_reason(client, personas):
    from guichet.care.actors import Actor
    from guichet.lines.models import SuspensionReason
    from guichet.lines.services import line_suspend

    camille = customer_get_by_login_email(email="camille@demo.guichet.fr")
    line = camille.billing_accounts.get().lines.get()
    line_suspend(line=line, reason=SuspensionReason.THEFT, actor=Actor.system(), now=NOW)
    _log_in(client, "camille@demo.guichet.fr")

    html = client.get(reverse("selfcare:home")).content.decode()

    assert '<p class="status status-suspended">Suspendue' in html
    assert "(Vol de la carte SIM ou du mobile)" in html
    assert "status-active" not in html


def test_karims_line_shows_its_suspension_for_unpaid(client, personas):
    # Suspended by the dunning of his unpaid invoice in the demo (demo.dunning).
    _log_in(client, "karim@demo.guichet.fr")

    html = client.get(reverse("selfcare:home")).content.decode()

    assert '<p class="status status-suspended">Suspendue' in html
    assert "(Facture impayée)" in html


def test_a_staff_login_without_customer_gets_no_customer_page(client, db):
    from guichet.customers.models import User

    User.objects.create_user("advisor@operator.example", "Advisor-Password-2026", is_staff=True)
    _log_in(client, "advisor@operator.example", "Advisor-Password-2026")

    response = client.get(reverse("selfcare:home"))

    assert response.status_code == 403
    assert "<h1>Cet identifiant n'a pas d'espace client</h1>" in response.content.decode()


def test_five_failed_logins_lock_the_login_even_with_the_right_password(client, personas):
    for _ in range(5):
        assert _log_in(client, "lea@demo.guichet.fr", "guess-2026-guess").status_code == 200

    response = _log_in(client, "lea@demo.guichet.fr")

    assert response.status_code == 200
    assert "Trop de tentatives échouées" in response.content.decode()
    assert client.get(reverse("selfcare:home")).status_code == 302
    # Another customer's login is not locked by Léa's failures.
    assert _log_in(client, "camille@demo.guichet.fr").status_code == 302
