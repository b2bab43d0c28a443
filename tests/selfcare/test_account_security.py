"""Compte > security pages over HTTP: password reset and change, login and contact email,
contact phone, two-step verification at sign-in and re-authentication, idle sign-out."""

import logging
import re
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse

from guichet.care.models import OutboxMessage
from guichet.customers.otp import totp
from guichet.customers.selectors import customer_get_by_login_email, two_step_for
from guichet.demo.services import DEMO_PASSWORD, demo_data_create
from guichet.selfcare.reauth import reauthentication_url

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=ZoneInfo("Europe/Paris"))
NEW_PASSWORD = "une toute nouvelle phrase"

pytestmark = pytest.mark.django_db


@pytest.fixture
def personas(loaded_catalog):
    demo_data_create(customers=0, seed=1, now=NOW)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _log_in(client: Client, login: str, password: str = DEMO_PASSWORD) -> None:
    response = client.post(reverse("selfcare:login"), {"username": login, "password": password})
    assert response.status_code == 302, response.content.decode()[:2000]


def _sms_code(sms: str) -> str:
    return re.search(r"code de sécurité : (\d{6})", sms).group(1)


def _link(template: str) -> str:
    message = OutboxMessage.objects.filter(template=template).latest("id")
    return message.context["link"].removeprefix("http://testserver")


# Password reset --------------------------------------------------------------------------------


def test_the_reset_request_answers_the_same_whether_the_account_exists(client, personas):
    known = client.post(reverse("selfcare:password_reset"), {"login": "camille@demo.guichet.fr"})
    unknown = client.post(reverse("selfcare:password_reset"), {"login": "personne@example.fr"})

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("selfcare:password_reset_sent")
    assert OutboxMessage.objects.filter(template="password_reset_link").count() == 1
    page = client.get(reverse("selfcare:password_reset_sent")).content.decode()
    assert "Si cet e-mail ou ce numéro client correspond à un espace client" in page


def test_a_reset_link_sets_a_new_password_once(client, personas):
    client.post(reverse("selfcare:password_reset"), {"login": "camille@demo.guichet.fr"})
    link = _link("password_reset_link")

    form = client.get(link)
    mismatch = client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": "autre"})
    weak = client.post(link, {"new_password1": "azerty", "new_password2": "azerty"})
    done = client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert form.status_code == 200 and "Choisissez un nouveau mot de passe" in form.content.decode()
    assert mismatch.status_code == 400
    assert "Les deux mots de passe diffèrent" in mismatch.content.decode()
    assert weak.status_code == 400
    assert "Ce mot de passe est trop court" in weak.content.decode()
    assert done["Location"] == reverse("selfcare:password_reset_complete")
    assert client.get(link).status_code == 404
    _log_in(client, "camille@demo.guichet.fr", NEW_PASSWORD)
    assert OutboxMessage.objects.filter(template="password_reset_done").exists()


def test_the_login_page_links_to_the_reset_page(client, personas):
    html = client.get(reverse("selfcare:login")).content.decode()

    assert reverse("selfcare:password_reset") in html
    assert "Mot de passe oublié ?" in html


# Password change -------------------------------------------------------------------------------


def test_changing_the_password_signs_out_the_other_sessions_only(personas):
    here, elsewhere = Client(), Client()
    _log_in(here, "lea@demo.guichet.fr")
    _log_in(elsewhere, "lea@demo.guichet.fr")

    response = here.post(
        reverse("selfcare:password_change"),
        {
            "current_password": DEMO_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert response["Location"] == reverse("selfcare:password_change")
    assert here.get(reverse("selfcare:home")).status_code == 200
    assert elsewhere.get(reverse("selfcare:home")).status_code == 302
    assert OutboxMessage.objects.filter(template="password_changed").exists()


def test_a_wrong_current_password_is_named(client, personas):
    _log_in(client, "lea@demo.guichet.fr")

    response = client.post(
        reverse("selfcare:password_change"),
        {"current_password": "faux", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 400
    assert "Le mot de passe actuel est incorrect." in response.content.decode()


# Login and contact email -----------------------------------------------------------------------


def test_the_login_email_changes_after_the_link_is_opened(client, personas, _frozen):
    _log_in(client, "camille@demo.guichet.fr")

    taken = client.post(reverse("selfcare:login_email"), {"email": "hugo@demo.guichet.fr"})
    asked = client.post(reverse("selfcare:login_email"), {"email": "camille@nouvelle.fr"})

    assert taken.status_code == 400
    assert "est déjà utilisée pour un espace client" in taken.content.decode()
    assert asked.status_code == 302
    page = client.get(reverse("selfcare:login_email")).content.decode()
    assert "camille@nouvelle.fr" in page and "En attente de confirmation" in page
    link = _link("email_change_confirm")
    visitor = Client()
    assert "Confirmer cette adresse" in visitor.get(link).content.decode()
    assert customer_get_by_login_email(email="camille@demo.guichet.fr") is not None  # GET alone
    confirmed = visitor.post(link)
    assert confirmed.status_code == 200
    assert customer_get_by_login_email(email="camille@nouvelle.fr") is not None
    assert visitor.post(link).status_code == 404
    _log_in(Client(), "camille@nouvelle.fr")


def test_the_login_email_page_asks_for_a_fresh_confirmation(client, personas, _frozen):
    _log_in(client, "camille@demo.guichet.fr")
    _frozen.shift(timedelta(seconds=settings.GUICHET_REAUTH_SECONDS + 1))

    response = client.get(reverse("selfcare:login_email"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("selfcare:reauthenticate"))


def test_the_contact_phone_changes_at_once_in_e164(client, personas):
    _log_in(client, "camille@demo.guichet.fr")
    url = reverse("selfcare:contact_details")

    special = client.post(url, {"action": "phone", "contact_phone": "08 92 68 00 00"})
    garbage = client.post(url, {"action": "phone", "contact_phone": "12ab"})
    changed = client.post(url, {"action": "phone", "contact_phone": "06 98 76 54 32"})

    assert special.status_code == 400
    assert "n&#x27;est pas un numéro de mobile ou de fixe français" in special.content.decode()
    assert 'value="08 92 68 00 00"' in special.content.decode()
    assert garbage.status_code == 400
    assert changed["Location"] == url
    customer = customer_get_by_login_email(email="camille@demo.guichet.fr")
    assert customer.contact_phone == "+33698765432"


def test_the_contact_email_changes_after_the_link_is_opened(client, personas):
    _log_in(client, "camille@demo.guichet.fr")
    url = reverse("selfcare:contact_details")

    invalid = client.post(url, {"action": "email", "email": "pas-un-email"})
    asked = client.post(url, {"action": "email", "email": "camille.contact@example.fr"})

    assert invalid.status_code == 400
    assert "n&#x27;est pas une adresse e-mail valide" in invalid.content.decode()
    assert asked.status_code == 302
    customer = customer_get_by_login_email(email="camille@demo.guichet.fr")
    old_contact = customer.contact_email
    assert customer.contact_email != "camille.contact@example.fr"
    client.post(_link("email_change_confirm"))
    customer.refresh_from_db()
    assert customer.contact_email == "camille.contact@example.fr"
    notice = OutboxMessage.objects.get(template="contact_email_changed")
    assert notice.recipient == old_contact


# Two-step verification -------------------------------------------------------------------------


def _turn_on_app(client: Client) -> tuple[bytes, list[str]]:
    import base64

    client.post(reverse("selfcare:two_step_start"), {"method": "totp"})
    page = client.get(reverse("selfcare:two_step")).content.decode()
    grouped_secret = re.search(r'<code aria-label="Clé">([A-Z2-7 ]+)</code>', page).group(1)
    assert all(len(group) == 4 for group in grouped_secret.split(" ")[:-1])
    assert "otpauth://totp/Guichet%3A" in page
    secret_b32 = grouped_secret.replace(" ", "")
    secret = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    code = totp(secret, time.time())
    shown = client.post(reverse("selfcare:two_step_confirm"), {"code": code})
    assert shown.status_code == 200
    codes = re.findall(r"<li><code>([0-9A-Z]{5}-[0-9A-Z]{5})</code></li>", shown.content.decode())
    return secret, codes


def test_with_the_app_method_the_sign_in_asks_for_a_second_step(personas, _frozen):
    browser = Client()
    _log_in(browser, "hugo@demo.guichet.fr")
    assert "désactivée" in browser.get(reverse("selfcare:two_step")).content.decode()
    secret, codes = _turn_on_app(browser)
    assert len(codes) == 10
    browser.post(reverse("selfcare:logout"))
    _frozen.shift(timedelta(minutes=1))

    other = Client()
    password_step = other.post(
        reverse("selfcare:login"), {"username": "hugo@demo.guichet.fr", "password": DEMO_PASSWORD}
    )
    assert password_step["Location"] == reverse("selfcare:login_second_step")
    assert other.get(reverse("selfcare:home")).status_code == 302  # not signed in yet
    wrong = other.post(reverse("selfcare:login_second_step"), {"code": "000000"})
    assert wrong.status_code == 400
    assert "Ce code n&#x27;est pas le bon" in wrong.content.decode()
    right = other.post(
        reverse("selfcare:login_second_step"),
        {"code": totp(secret, time.time())},
    )
    assert right["Location"] == reverse("selfcare:home")
    assert other.get(reverse("selfcare:home")).status_code == 200

    # A recovery code works too, once.
    third = Client()
    _log_in(third, "hugo@demo.guichet.fr")
    assert third.post(reverse("selfcare:login_second_step"), {"code": codes[0]}).status_code == 302
    fourth = Client()
    _log_in(fourth, "hugo@demo.guichet.fr")
    assert third.get(reverse("selfcare:home")).status_code == 200
    assert fourth.post(reverse("selfcare:login_second_step"), {"code": codes[0]}).status_code == 400


def test_the_second_step_is_throttled(personas):
    browser = Client()
    _log_in(browser, "hugo@demo.guichet.fr")
    secret, _ = _turn_on_app(browser)
    attacker = Client()
    _log_in(attacker, "hugo@demo.guichet.fr")

    for _ in range(5):
        attacker.post(reverse("selfcare:login_second_step"), {"code": "abcdef"})
    locked = attacker.post(
        reverse("selfcare:login_second_step"),
        {"code": totp(secret, time.time() + 30)},
    )

    assert locked.status_code == 400
    assert "Trop de codes erronés" in locked.content.decode()
    assert attacker.get(reverse("selfcare:home")).status_code == 302


def test_the_sms_method_sends_codes_to_the_customers_line(personas, caplog, _frozen):
    hugo = customer_get_by_login_email(email="hugo@demo.guichet.fr")
    mobile = next(line for line in hugo.billing_accounts.get().lines.all() if line.msisdn)
    browser = Client()
    _log_in(browser, "hugo@demo.guichet.fr")

    with caplog.at_level(logging.INFO, logger="guichet.sms"):
        started = browser.post(
            reverse("selfcare:two_step_start"), {"method": "sms", "line_id": mobile.pk}
        )
        assert started.status_code == 302
        sms = caplog.records[-1].getMessage()
        assert mobile.msisdn in sms
        code = _sms_code(sms)
        page = browser.get(reverse("selfcare:two_step")).content.decode()
        assert f"{mobile.msisdn[-4:-2]} {mobile.msisdn[-2:]}" in page
        assert browser.post(reverse("selfcare:two_step_confirm"), {"code": code}).status_code == 200
        assert two_step_for(user=hugo.user).phone == mobile.msisdn

        # Signing in again: the password, then the code sent by SMS.
        visitor = Client()
        _log_in(visitor, "hugo@demo.guichet.fr")
        sign_in_code = _sms_code(caplog.records[-1].getMessage())
        visitor.post(reverse("selfcare:login_second_step"), {"action": "resend"})
        fresh_code = _sms_code(caplog.records[-1].getMessage())

    if fresh_code != sign_in_code:  # the resent code replaces the first one
        stale = visitor.post(reverse("selfcare:login_second_step"), {"code": sign_in_code})
        assert stale.status_code == 400
    response = visitor.post(reverse("selfcare:login_second_step"), {"code": fresh_code})
    assert response["Location"] == reverse("selfcare:home")


def test_reauthentication_asks_for_the_second_step_too(personas, _frozen):
    browser = Client()
    _log_in(browser, "hugo@demo.guichet.fr")
    secret, _ = _turn_on_app(browser)
    _frozen.shift(timedelta(seconds=settings.GUICHET_REAUTH_SECONDS + 31))
    target = reverse("selfcare:two_step")

    sent_back = browser.get(target)
    assert sent_back["Location"].startswith(reverse("selfcare:reauthenticate"))
    page = browser.get(sent_back["Location"])
    assert 'name="code"' in page.content.decode()
    password_only = browser.post(
        reverse("selfcare:reauthenticate"), {"password": DEMO_PASSWORD, "next": target}
    )
    assert password_only.status_code == 400
    both = browser.post(
        reverse("selfcare:reauthenticate"),
        {
            "password": DEMO_PASSWORD,
            "code": totp(secret, time.time()),
            "next": target,
        },
    )
    assert both["Location"] == target

    # Turning it off is a sensitive act as well.
    _frozen.shift(timedelta(seconds=settings.GUICHET_REAUTH_SECONDS + 1))
    off = browser.post(reverse("selfcare:two_step_off"))
    assert off["Location"] == reauthentication_url(target)  # back to the page, not the button
    hugo = customer_get_by_login_email(email="hugo@demo.guichet.fr")
    assert two_step_for(user=hugo.user) is not None


def test_turning_off_goes_back_to_the_password_alone(personas):
    browser = Client()
    _log_in(browser, "hugo@demo.guichet.fr")
    _turn_on_app(browser)

    off = browser.post(reverse("selfcare:two_step_off"))

    assert off["Location"] == reverse("selfcare:two_step")
    assert "désactivée" in browser.get(off["Location"]).content.decode()
    response = Client().post(
        reverse("selfcare:login"), {"username": "hugo@demo.guichet.fr", "password": DEMO_PASSWORD}
    )
    assert response["Location"] == reverse("selfcare:home")


# Session ---------------------------------------------------------------------------------------


def test_sessions_end_with_the_browser_and_after_idling(client, personas, _frozen):
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_HTTPONLY is True
    _log_in(client, "lea@demo.guichet.fr")
    idle = settings.GUICHET_IDLE_TIMEOUT_SECONDS

    _frozen.shift(timedelta(seconds=idle - 60))
    assert client.get(reverse("selfcare:home")).status_code == 200
    _frozen.shift(timedelta(seconds=idle - 60))  # active a moment ago: still signed in
    assert client.get(reverse("selfcare:home")).status_code == 200
    _frozen.shift(timedelta(seconds=idle + 1))
    response = client.get(reverse("selfcare:home"))

    assert response.status_code == 302
    login_page = client.get(response["Location"]).content.decode()
    assert "Vous avez été déconnecté après un moment sans activité" in login_page
