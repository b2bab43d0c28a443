"""The Lignes pages of the lines and emergencies part, through HTTP as the demo personas."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from guichet.care.models import Activity, Order, OrderKind
from guichet.catalog.models import Market
from guichet.customers.rules import paris_date
from guichet.customers.selectors import customer_get_by_login_email
from guichet.demo.services import DEMO_PASSWORD, demo_data_create
from guichet.lines.emergencies import business_days_after, unlockable_phones
from guichet.lines.models import LineStatus, SimSwap
from guichet.lines.selectors import lines_for_customer

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=ZoneInfo("Europe/Paris"))
LINE_PAGES = [
    "line_detail",
    "porting_code",
    "puk",
    "unlock_code",
    "loss_theft",
    "sim_replacement",
    "sim_activation",
    "suspension_lift",
    "tv_pins",
    "optical_outlet_reference",
]

pytestmark = pytest.mark.django_db


@pytest.fixture
def personas(loaded_catalog):
    demo_data_create(customers=0, seed=1, now=NOW)


def _log_in(client: Client, email: str) -> None:
    response = client.post(
        reverse("selfcare:login"), {"username": email, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302


def _line(email: str, market: str = Market.MOBILE):
    customer = customer_get_by_login_email(email=email)
    return next(line for line in lines_for_customer(customer=customer) if line.market == market)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _url(name: str, line) -> str:
    return reverse(f"selfcare:{name}", kwargs={"line_id": line.pk})


def test_one_card_per_line_with_its_offer_equipment_and_acts(client, personas):
    _log_in(client, "hugo@demo.guichet.fr")
    mobile, box = _line("hugo@demo.guichet.fr"), _line("hugo@demo.guichet.fr", Market.FIXED)

    html = client.get(reverse("selfcare:lines")).content.decode()

    assert html.count('class="card line-card"') == 2
    assert "Bbox Fibre (exemple)" in html and "Décodeur TV" in html
    assert "Utilisée par Hugo (titulaire)" in html
    assert f'href="{_url("porting_code", mobile)}"' in html
    assert f'href="{_url("optical_outlet_reference", box)}"' in html
    assert f'href="{_url("tv_pins", mobile)}"' not in html  # a box act, not on the mobile card


def test_a_suspended_line_shows_its_reason(client, personas):
    _log_in(client, "karim@demo.guichet.fr")
    html = client.get(reverse("selfcare:lines")).content.decode()
    assert "Suspendue" in html and "(Facture impayée)" in html


def test_every_page_of_a_line_is_404_for_another_customer(client, personas):
    _log_in(client, "camille@demo.guichet.fr")
    hugo_mobile, hugo_box = _line("hugo@demo.guichet.fr"), _line("hugo@demo.guichet.fr", "fixed")
    for name in LINE_PAGES:
        for line in (hugo_mobile, hugo_box):
            assert client.get(_url(name, line)).status_code == 404, name
            assert client.post(_url(name, line)).status_code == 404, name


def test_the_offer_detail_comes_from_the_catalog(client, personas):
    _log_in(client, "lea@demo.guichet.fr")
    line = _line("lea@demo.guichet.fr")
    html = client.get(_url("line_detail", line)).content.decode()
    assert "Données en France" in html
    assert "renouvelée chaque mois jusqu'à résiliation" in html
    assert f"Carte SIM se terminant par {line.iccid[-4:]}" in html
    assert line.iccid not in html


def test_the_offer_detail_reads_its_prices_and_zone_the_french_way(client, personas):
    _log_in(client, "lea@demo.guichet.fr")  # Woot 100 Go: 17.99 € less 5 €, roaming in zone 1
    line = _line("lea@demo.guichet.fr")

    text = _text(client.get(_url("line_detail", line)).content.decode())

    # _text folds the no-break space before "€" into a space.
    assert "Remise 5,00 € de remise sur le prix de 17,99 €" in text
    assert "17.99" not in text
    assert "À l'étranger Zone 1 · 17 Go" in text
    assert "Zones 1" not in text


def test_the_porting_code_and_the_puk_ask_for_a_fresh_sign_in(client, personas, settings):
    _log_in(client, "hugo@demo.guichet.fr")
    line = _line("hugo@demo.guichet.fr")
    later = timedelta(seconds=settings.GUICHET_REAUTH_SECONDS + 5)
    with time_machine.travel(datetime.now(tz=UTC) + later):
        for name in ("porting_code", "puk"):
            response = client.get(_url(name, line))
            assert response.status_code == 302
            assert response.url.startswith(reverse("selfcare:reauthenticate"))
    assert not Activity.objects.filter(act__in=["line.show_puk", "line.show_porting_code"]).exists()


def test_the_puk_page_shows_the_code_and_logs_it(client, personas):
    _log_in(client, "hugo@demo.guichet.fr")
    line = _line("hugo@demo.guichet.fr")
    html = client.get(_url("puk", line)).content.decode()
    assert line.puk in html
    assert Activity.objects.filter(act="line.show_puk", subject_id=line.pk).count() == 1


def test_the_porting_code_page_explains_3179(client, personas):
    _log_in(client, "hugo@demo.guichet.fr")
    html = client.get(_url("porting_code", _line("hugo@demo.guichet.fr"))).content.decode()
    assert 'class="code-display"' in html and "3179" in html


def test_loss_then_replacement_sim_then_activation(client, personas):
    _log_in(client, "camille@demo.guichet.fr")
    line = _line("camille@demo.guichet.fr")

    empty = client.post(_url("loss_theft", line), {})
    assert empty.status_code == 400
    assert (
        "Indiquez s&#x27;il s&#x27;agit d&#x27;une perte ou d&#x27;un vol."
        in empty.content.decode()
    )

    steps = client.post(_url("loss_theft", line), {"reason": "theft"}, follow=True).content.decode()
    assert "Déposez plainte" in steps and "*#06#" in steps
    deadline = business_days_after(paris_date(timezone.now()), 2)
    with translation.override("fr"):
        assert f"au plus tard le {date_format(deadline, 'l j F Y')}" in steps
    line.refresh_from_db()
    assert line.status == LineStatus.SUSPENDED

    ordered = client.post(_url("sim_replacement", line), follow=True).content.decode()
    assert "Votre carte SIM de remplacement est en route." in ordered
    swap = SimSwap.objects.get(line=line)
    order = Order.objects.get(line=line, kind=OrderKind.SIM_REPLACEMENT)
    tracking = client.get(reverse("selfcare:order_detail", kwargs={"order_id": order.pk}))
    assert _url("sim_activation", line) in tracking.content.decode()  # « Mes commandes > … »

    wrong = client.post(_url("sim_activation", line), {"iccid": "8933201234567890123"})
    assert wrong.status_code == 400
    assert "8933201234567890123" in wrong.content.decode()  # what was typed stays
    done = client.post(_url("sim_activation", line), {"iccid": swap.iccid}, follow=True)
    assert "Votre nouvelle carte SIM est active" in done.content.decode()
    line.refresh_from_db()
    assert (line.iccid, line.status) == (swap.iccid, LineStatus.ACTIVE)
    tracking = client.get(reverse("selfcare:order_detail", kwargs={"order_id": order.pk}))
    assert _url("sim_activation", line) not in tracking.content.decode()


def test_a_line_suspended_for_an_unpaid_invoice_can_still_be_reported_stolen(client, personas):
    _log_in(client, "karim@demo.guichet.fr")
    line = _line("karim@demo.guichet.fr")

    page = client.get(_url("loss_theft", line)).content.decode()
    assert 'name="reason"' in page
    client.post(_url("loss_theft", line), {"reason": "theft"})
    lift = client.get(_url("suspension_lift", line)).content.decode()
    assert "vous recevez de nouveau appels et SMS, mais les usages sortants restent" in lift
    lifted = client.post(_url("suspension_lift", line), follow=True).content.decode()

    assert "Ses usages sortants restent suspendus jusqu&#x27;au règlement" in lifted
    line.refresh_from_db()
    assert (line.status, line.suspension_reason) == (LineStatus.SUSPENDED, "unpaid")


def test_the_unpaid_suspension_points_to_payment(client, personas):
    _log_in(client, "karim@demo.guichet.fr")
    line = _line("karim@demo.guichet.fr")
    page = client.get(_url("suspension_lift", line)).content.decode()
    assert "dès que le montant dû est réglé" in page
    assert f'href="{reverse("selfcare:arrears_pay")}"' in page
    assert client.post(_url("suspension_lift", line)).status_code == 400


def test_tv_pins_refuse_a_weak_code_with_the_field_named(client, personas):
    _log_in(client, "hugo@demo.guichet.fr")
    box = _line("hugo@demo.guichet.fr", Market.FIXED)
    response = client.post(_url("tv_pins", box), {"parental_pin": "0000", "purchase_pin": "2468"})
    assert response.status_code == 400
    assert "répéter quatre fois le même chiffre" in response.content.decode()
    ok = client.post(
        _url("tv_pins", box), {"parental_pin": "2580", "purchase_pin": "7391"}, follow=True
    )
    assert "Vos codes TV sont modifiés." in ok.content.decode()


def test_the_fibre_socket_reference_of_hugos_box(client, personas):
    _log_in(client, "hugo@demo.guichet.fr")
    box = _line("hugo@demo.guichet.fr", Market.FIXED)
    assert "FI-7A3C-0042" in client.get(_url("optical_outlet_reference", box)).content.decode()
    bad = client.post(_url("optical_outlet_reference", box), {"reference": "PTO?"})
    assert bad.status_code == 400 and "PTO?" in bad.content.decode()


def test_leas_unlock_code_is_shown_once_ready(client, personas):
    _log_in(client, "lea@demo.guichet.fr")
    line = _line("lea@demo.guichet.fr")
    page = client.get(_url("unlock_code", line)).content.decode()
    assert "IMEI" in page
    phone = unlockable_phones(line=line)[0]
    shown = client.post(_url("unlock_code", line), {"equipment": phone.pk}, follow=True)
    assert "Code de désimlockage de votre" in shown.content.decode()


def test_the_lines_page_reads_in_a_fixed_number_of_queries(client, personas):
    _log_in(client, "hugo@demo.guichet.fr")
    client.get(reverse("selfcare:lines"))  # session and caches warm
    with CaptureQueriesContext(connection) as two_lines:
        client.get(reverse("selfcare:lines"))
    # Session, user, customer; then the lines, their subscriptions in force and their
    # equipment in one query each, whatever the number of lines.
    assert len(two_lines) == 6
