"""Accueil and Conso pages, and the usage acts' pages (data mode, purchases on the bill, VOD,
international rates, box settings), through HTTP as the demo personas."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape

from guichet.billing.models import PaymentMethod
from guichet.billing.selectors import (
    arrears_state,
    invoices_available_for_customer,
    invoices_in_arrears_for_customer,
)
from guichet.billing.settlement import invoice_payment_record
from guichet.care.actors import Actor
from guichet.care.models import Activity, OutboxMessage
from guichet.catalog.models import Market
from guichet.catalog.selectors import product_get
from guichet.customers.selectors import customer_get_by_login_email
from guichet.demo.services import DEMO_PASSWORD, PLAN_CODE, demo_data_create
from guichet.lines.models import (
    BoxWifi,
    DataUsageMode,
    LineDataSetting,
    ProvisioningCommand,
    ProvisioningCommandStatus,
)
from guichet.lines.rules import luhn_valid
from guichet.lines.services import line_activate, line_create, subscription_add
from guichet.selfcare.rating_reasons import reason_in_french
from guichet.selfcare.views import usage as usage_views
from guichet.usage.models import (
    CarrierBillingCap,
    CarrierBillingSubscription,
    CarrierBillingSubscriptionStatus,
    FairUseCase,
    LineUsageTotals,
)
from guichet.usage.selectors import line_usage, line_usage_records

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=PARIS)

pytestmark = pytest.mark.django_db


@pytest.fixture
def personas(loaded_catalog):
    with time_machine.travel(NOW, tick=False):
        demo_data_create(customers=0, seed=1, now=NOW)
        yield


def _log_in(client: Client, email: str) -> None:
    response = client.post(
        reverse("selfcare:login"), {"username": email, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302


def _customer(email: str):
    return customer_get_by_login_email(email=email)


def _lines(email: str):
    return list(_customer(email).billing_accounts.get().lines.order_by("id"))


def _mobile(email: str):
    return next(line for line in _lines(email) if line.market == Market.MOBILE)


def _box(email: str = "hugo@demo.guichet.fr"):
    return next(line for line in _lines(email) if line.market == Market.FIXED)


def _settle_arrears(email: str) -> None:
    customer = _customer(email)
    for invoice in invoices_in_arrears_for_customer(customer=customer, today=NOW.date()):
        invoice_payment_record(
            invoice=invoice,
            amount_cents=invoice.outstanding_cents,
            reference=f"TEST-{invoice.number}",
            actor=Actor.system(),
            now=NOW,
        )


def _with_luhn(digits: str) -> str:
    for check in "0123456789":
        if luhn_valid(digits + check):
            return digits + check
    raise AssertionError("no Luhn digit")


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# Accueil ---------------------------------------------------------------------------------------


def test_home_shows_the_data_gauge_calls_sms_and_out_of_bundle_of_the_period(client, personas):
    line = _mobile("camille@demo.guichet.fr")
    usage = line_usage(line=line, period_start=NOW.date().replace(day=1))
    _log_in(client, "camille@demo.guichet.fr")

    html = client.get(reverse("selfcare:home")).content.decode()

    used_ko = usage.data_france_ko + usage.data_roaming_ko
    percent = used_ko * 100 // usage.data_allowance_ko
    assert usage.data_allowance_ko == 100 * 1024 * 1024  # Woot 100 Go
    assert used_ko > 0
    assert f"{percent} %" in html
    assert "<svg" in html and 'class="gauge-ring"' in html
    text = _text(html)
    assert "/ 100,00 Go" in text
    assert "Appels en France" in text and "SMS en France" in text
    assert "Hors forfait à ce jour" in text
    assert "Normal" in text  # not throttled


def test_the_used_and_left_figures_add_up_to_the_allowance(client, personas):
    line = _mobile("camille@demo.guichet.fr")
    # 11,413,160 Ko used, 1,413,160 of them in zone 1: 10,884… Go of 100 Go, 1,347… Go of 17.
    LineUsageTotals.objects.filter(line=line, period_start=NOW.date().replace(day=1)).update(
        data_france_ko=10_000_000, data_roaming_included_ko=1_413_160
    )
    _log_in(client, "camille@demo.guichet.fr")

    home = _text(client.get(reverse("selfcare:home")).content.decode())
    usage = _text(client.get(reverse("selfcare:usage")).content.decode())

    # Used rounded down, and what is left the rest: 10,88 + 89,12 = 100,00 (not 89,11).
    for text in (home, usage):
        assert "Utilisé 10,88 Go / 100,00 Go Restant 89,12 Go" in text
    assert "Data utilisée sur place 1,34 Go / 17,00 Go" in usage
    assert "Reste à utiliser sur place 15,66 Go" in usage


def test_home_offers_no_card_payment_of_an_invoice_whose_debit_is_announced(client, personas):
    camille = _customer("camille@demo.guichet.fr")
    last = invoices_available_for_customer(customer=camille, today=NOW.date())[0]
    # Her November invoice: owed, by direct debit, due after today (Factures: "prélevée le").
    assert last.payment_method == PaymentMethod.DIRECT_DEBIT
    assert last.outstanding_cents > 0 and last.due_on >= NOW.date()
    _log_in(client, "camille@demo.guichet.fr")

    home = client.get(reverse("selfcare:home")).content.decode()
    invoices = client.get(reverse("selfcare:invoices")).content.decode()

    pay = reverse("selfcare:invoice_pay", kwargs={"number": last.number})
    assert pay not in invoices
    assert pay not in home
    assert "Payer " not in _text(home)
    due = date_format(last.due_on, "j F Y")
    assert f"Prélèvement automatique — prélevée le {due}" in _text(home)


def test_home_says_when_the_line_is_throttled(client, personas):
    line = _mobile("hugo@demo.guichet.fr")
    LineUsageTotals.objects.filter(line=line, period_start=NOW.date().replace(day=1)).update(
        data_france_ko=101 * 1024 * 1024, throttled=True
    )
    _log_in(client, "hugo@demo.guichet.fr")

    html = client.get(reverse("selfcare:home")).content.decode()

    assert "100 %" in html
    assert "Réduit (64 kb/s) jusqu'à la fin du mois" in html.replace("&#x27;", "'")
    assert "gauge-throttled" in html


def test_home_shows_the_unpaid_banner_with_the_amount_and_a_pay_button(client, personas):
    karim = _customer("karim@demo.guichet.fr")
    state = arrears_state(customer=karim, today=NOW.date())
    assert state.in_arrears
    _log_in(client, "karim@demo.guichet.fr")

    html = client.get(reverse("selfcare:home")).content.decode()

    assert "Régularisez au plus vite" in html
    owed = f"{state.owed_cents // 100},{state.owed_cents % 100:02d}"
    assert owed in html
    assert f'href="{reverse("selfcare:arrears_pay")}"' in html


def test_no_unpaid_banner_once_everything_is_paid(client, personas):
    _settle_arrears("camille@demo.guichet.fr")
    _log_in(client, "camille@demo.guichet.fr")

    html = client.get(reverse("selfcare:home")).content.decode()

    assert "Régularisez au plus vite" not in html
    assert "Ma dernière facture" in html


def test_home_offers_to_pay_the_last_invoice_when_it_is_payable(client, personas):
    # Karim pays by card (a direct-debit invoice not due yet is not offered: the test above).
    customer = _customer("karim@demo.guichet.fr")
    last = customer.billing_accounts.get().invoices.order_by("-issued_on", "-id").first()
    assert last.payment_method == PaymentMethod.CARD and last.outstanding_cents > 0
    _log_in(client, "karim@demo.guichet.fr")

    html = client.get(reverse("selfcare:home")).content.decode()
    assert last.number in html
    assert reverse("selfcare:invoice_pay", kwargs={"number": last.number}) in html
    assert "prélevée le" not in html

    _settle_arrears("karim@demo.guichet.fr")
    last.refresh_from_db()
    if last.outstanding_cents:  # not yet due, so not among the arrears
        invoice_payment_record(
            invoice=last,
            amount_cents=last.outstanding_cents,
            reference="TEST-last",
            actor=Actor.system(),
            now=NOW,
        )
    html = client.get(reverse("selfcare:home")).content.decode()
    assert last.number in html
    assert reverse("selfcare:invoice_pay", kwargs={"number": last.number}) not in html


def test_home_shares_the_box_wifi_behind_a_click(client, personas):
    _log_in(client, "hugo@demo.guichet.fr")

    html = client.get(reverse("selfcare:home")).content.decode()

    wifi_section = html.split('<details class="wifi-share">')[1].split("</details>")[0]
    assert "<summary>Afficher le nom du réseau et la clé</summary>" in wifi_section
    assert re.search(r"Bbox-[0-9A-F]{6}", wifi_section)
    assert reverse("selfcare:box_settings", kwargs={"line_id": _box().pk}) in html


def test_home_links_to_assistance_and_the_act_finder(client, personas):
    _log_in(client, "hugo@demo.guichet.fr")

    html = client.get(reverse("selfcare:home")).content.decode()

    assert "Mon assistance" in html
    assert f'href="{reverse("selfcare:act_finder")}"' in html


def test_home_queries_stay_the_same_with_one_more_line(client, personas, django_assert_num_queries):
    _log_in(client, "hugo@demo.guichet.fr")
    client.get(reverse("selfcare:home"))  # warm the catalog cache
    # session, user, customer, lines, their offers, usage totals, usage quantities, catalog
    # release, box Wi-Fi, invoices, arrears (the overdue invoices: none, Hugo's demo invoices
    # are collected by direct debit)
    with django_assert_num_queries(11):
        client.get(reverse("selfcare:home"))

    account = _customer("hugo@demo.guichet.fr").billing_accounts.get()
    system, at = Actor.system(), NOW - timedelta(days=3)
    line = line_create(
        billing_account=account,
        market=Market.MOBILE,
        actor=system,
        now=at,
        msisdn="+33799887766",
        iccid=_with_luhn("893301000000001234"),
        puk="12345678",
    )
    subscription_add(line=line, product=product_get(code=PLAN_CODE), actor=system, now=at)
    line_activate(line=line, actor=system, now=at)

    with django_assert_num_queries(11):
        html = client.get(reverse("selfcare:home")).content.decode()
    assert "07 99 88 77 66" in html


# Conso -----------------------------------------------------------------------------------------


def test_usage_page_shows_counters_history_charts_and_out_of_bundle_rules(client, personas):
    line = _mobile("karim@demo.guichet.fr")  # calls Algeria every month: out of bundle
    _log_in(client, "karim@demo.guichet.fr")

    html = client.get(reverse("selfcare:usage")).content.decode()

    text = _text(html)
    assert "En France" in text
    assert "Dans l'UE et les DOM" in text.replace("&#x27;", "'")
    assert "/ 17,00 Go" in text  # the roaming allowance of Woot 100 Go
    assert "Zone 2 — Algérie, Canada, États-Unis, Maroc, Turquie" in text
    # The out-of-bundle records, each with the rule that priced it.
    assert 'class="usage-table"' in html
    records = line_usage_records(
        line_id=line.pk, period_start=NOW.date().replace(day=1), out_of_bundle_only=True
    )
    assert records.paginator.count > 0
    first = records.object_list[0]
    assert first.reason.startswith("from France to zone 2: 0.60 €/min, first minute indivisible")
    # In French: the service, its direction and the rule (rating writes it in English).
    row = text.split("Règle de tarification", 1)[1]
    assert f"Appel · émis · {first.other_party}" in row
    assert "depuis la France vers la zone 2 : 0,60 €/min, première minute indivisible" in row
    assert reason_in_french(first.reason) in row
    assert escape(first.reason) not in html
    assert "voice ·" not in text and "first minute" not in text
    # Twelve months of bars in each chart, and the figures as text.
    assert html.count('class="bar-data"') == 12
    assert html.count('class="bar-money"') == 12
    assert "Hors forfait par mois" in text


def test_usage_page_in_english_keeps_the_rules_as_rating_wrote_them(client, personas):
    line = _mobile("karim@demo.guichet.fr")
    first = line_usage_records(
        line_id=line.pk, period_start=NOW.date().replace(day=1), out_of_bundle_only=True
    ).object_list[0]
    _log_in(client, "karim@demo.guichet.fr")
    client.post(reverse("set_language"), {"language": "en", "next": reverse("selfcare:usage")})

    text = _text(client.get(reverse("selfcare:usage")).content.decode())

    assert f"Call · sent · {first.other_party}" in text
    assert _text(escape(first.reason)) in text


def test_usage_chart_months_are_named_unambiguously(client, personas):
    _log_in(client, "camille@demo.guichet.fr")

    html = client.get(reverse("selfcare:usage")).content.decode()

    # December 2025 to November 2026 under each chart's bars: June and July told apart.
    labels = re.findall(r'<text x="[\d.]+" y="134">([^<]*)</text>', html)
    assert labels[:12] == [
        "déc.", "jan.", "fév.", "mars", "avr.", "mai",
        "juin", "juil.", "août", "sept.", "oct.", "nov.",
    ]  # fmt: skip
    assert labels[12:] == labels[:12]


def test_usage_page_tells_a_line_alerted_for_roaming_beyond_occasional_travel(client, personas):
    line = _mobile("lea@demo.guichet.fr")
    _log_in(client, "lea@demo.guichet.fr")
    page = reverse("selfcare:usage")
    assert "voyageurs non occasionnels" not in _text(client.get(page).content.decode())
    now = timezone.now()
    case = FairUseCase.objects.create(
        line=line,
        plan_code=PLAN_CODE,
        window_end=now.date() - timedelta(days=1),
        window_days=120,
        roaming_only_days=64,
        roaming_share="0.9000",
        alerted_at=now,
        charging_from=now + timedelta(days=15),
    )

    text = _text(client.get(page).content.decode())
    assert "utilisée 64 jours des 120 derniers uniquement en itinérance" in text
    charging_from = f"{case.charging_from.astimezone(PARIS):%d/%m/%Y}"
    assert f"au tarif des voyageurs non occasionnels à partir du {charging_from}" in text

    case.charging_from = now - timedelta(days=2)
    case.save()
    text = _text(client.get(page).content.decode())
    since = f"Depuis le {case.charging_from.astimezone(PARIS):%d/%m/%Y}, vos usages y sont facturés"
    assert since in text


def test_usage_page_paginates_the_out_of_bundle_records(client, personas, monkeypatch):
    monkeypatch.setattr(usage_views, "OUT_OF_BUNDLE_PER_PAGE", 1)
    line = _mobile("karim@demo.guichet.fr")
    _log_in(client, "karim@demo.guichet.fr")
    records = line_usage_records(
        line_id=line.pk,
        period_start=NOW.date().replace(day=1),
        out_of_bundle_only=True,
        per_page=1,
    )
    assert records.paginator.num_pages >= 2  # Karim calls Algeria often
    html = client.get(reverse("selfcare:usage"), {f"page{line.pk}": "2"}).content.decode()
    assert f"Page 2 sur {records.paginator.num_pages}" in html


def test_usage_page_of_a_box_customer_lists_the_box_acts(client, personas):
    _log_in(client, "hugo@demo.guichet.fr")

    html = client.get(reverse("selfcare:usage")).content.decode()

    box = _box()
    assert reverse("selfcare:vod_purchases", kwargs={"line_id": box.pk}) in html
    assert reverse("selfcare:carrier_billing", kwargs={"line_id": box.pk}) in html
    assert (
        reverse("selfcare:data_usage_mode", kwargs={"line_id": _mobile("hugo@demo.guichet.fr").pk})
        in html
    )


# Data mode -------------------------------------------------------------------------------------


def test_blocking_data_abroad_is_saved_logged_and_sent_to_the_network(client, personas):
    line = _mobile("camille@demo.guichet.fr")
    url = reverse("selfcare:data_usage_mode", kwargs={"line_id": line.pk})
    _log_in(client, "camille@demo.guichet.fr")
    form = client.get(url).content.decode()
    assert re.search(r'value="allowed"[^>]*checked', form)

    response = client.post(url, {"mode": DataUsageMode.BLOCKED_ABROAD})

    assert response.status_code == 302
    assert LineDataSetting.objects.get(line=line).mode == DataUsageMode.BLOCKED_ABROAD
    command = ProvisioningCommand.objects.get(line=line, command="data_mode")
    assert command.parameters == {"msisdn": line.msisdn, "mode": "blocked_abroad"}
    assert command.status == ProvisioningCommandStatus.APPLIED
    activity = Activity.objects.get(act="line.set_data_mode")
    assert activity.new_values == {"mode": "blocked_abroad"}
    page = client.get(response["Location"]).content.decode()
    assert "Votre mode de consommation data est enregistré" in page


def test_an_unknown_data_mode_is_refused_and_nothing_changes(client, personas):
    line = _mobile("camille@demo.guichet.fr")
    _log_in(client, "camille@demo.guichet.fr")

    response = client.post(
        reverse("selfcare:data_usage_mode", kwargs={"line_id": line.pk}), {"mode": "sometimes"}
    )

    assert response.status_code == 400
    assert not LineDataSetting.objects.exists()
    assert not ProvisioningCommand.objects.filter(command="data_mode").exists()


def test_usage_act_pages_404_for_another_customers_line(client, personas):
    hugo_mobile, hugo_box = _mobile("hugo@demo.guichet.fr"), _box()
    _log_in(client, "camille@demo.guichet.fr")

    for name, line in [
        ("data_usage_mode", hugo_mobile),
        ("carrier_billing", hugo_mobile),
        ("vod_purchases", hugo_box),
        ("box_settings", hugo_box),
    ]:
        response = client.get(reverse(f"selfcare:{name}", kwargs={"line_id": line.pk}))
        assert response.status_code == 404, name


def test_box_pages_404_for_a_mobile_line(client, personas):
    _log_in(client, "hugo@demo.guichet.fr")
    mobile = _mobile("hugo@demo.guichet.fr")

    assert (
        client.get(reverse("selfcare:box_settings", kwargs={"line_id": mobile.pk})).status_code
        == 404
    )
    assert (
        client.get(reverse("selfcare:vod_purchases", kwargs={"line_id": mobile.pk})).status_code
        == 404
    )
    assert (
        client.get(reverse("selfcare:data_usage_mode", kwargs={"line_id": _box().pk})).status_code
        == 404
    )


# Box settings ----------------------------------------------------------------------------------


def test_changing_the_wifi_key_is_saved_pushed_to_the_box_and_shown_on_home(client, personas):
    box = _box()
    url = reverse("selfcare:box_settings", kwargs={"line_id": box.pk})
    _log_in(client, "hugo@demo.guichet.fr")

    response = client.post(
        url,
        {
            "network_name": "Maison Hugo",
            "wifi_key": "une clé? non: une cle!",
            "wifi_enabled": "on",
            "guest_enabled": "on",
        },
    )

    # The accented "é" is refused by WPA2: the page says so and keeps what was typed.
    assert response.status_code == 400
    html = response.content.decode()
    assert "refusé : é" in html
    assert 'value="Maison Hugo"' in html
    assert not BoxWifi.objects.exists()

    response = client.post(
        url,
        {
            "network_name": "Maison Hugo",
            "wifi_key": "une cle solide 2026",
            "wifi_enabled": "on",
            "guest_enabled": "on",
        },
    )
    assert response.status_code == 302
    wifi = BoxWifi.objects.get(line=box)
    assert (wifi.network_name, wifi.wifi_key, wifi.guest_enabled) == (
        "Maison Hugo",
        "une cle solide 2026",
        True,
    )
    command = ProvisioningCommand.objects.get(line=box, command="box_wifi")
    assert command.parameters["network_name"] == "Maison Hugo"
    assert "une cle solide 2026" not in str(command.parameters)
    activity = Activity.objects.get(act="box_wifi.set")
    assert "une cle solide 2026" not in str(activity.new_values) + str(activity.old_values)
    home = client.get(reverse("selfcare:home")).content.decode()
    assert "Maison Hugo" in home and "une cle solide 2026" in home


def test_a_short_wifi_key_is_refused_with_its_length(client, personas):
    box = _box()
    _log_in(client, "hugo@demo.guichet.fr")

    response = client.post(
        reverse("selfcare:box_settings", kwargs={"line_id": box.pk}),
        {"network_name": "Maison", "wifi_key": "court", "wifi_enabled": "on"},
    )

    assert response.status_code == 400
    assert "de 8 à 63 caractères (elle en fait 5)" in response.content.decode()
    assert not ProvisioningCommand.objects.filter(command="box_wifi").exists()


# Purchases on the bill -------------------------------------------------------------------------


def test_carrier_billing_page_lists_and_cancels_a_subscription(client, personas):
    line = _mobile("camille@demo.guichet.fr")
    subscription = CarrierBillingSubscription.objects.get(line=line)
    url = reverse("selfcare:carrier_billing", kwargs={"line_id": line.pk})
    _log_in(client, "camille@demo.guichet.fr")
    html = client.get(url).content.decode()
    assert "Mélodia Premium (musique)" in html
    assert "Pack de 500 gemmes" in html

    response = client.post(url, {"action": "cancel", "subscription": subscription.pk})

    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.status == CarrierBillingSubscriptionStatus.CANCELLED
    assert Activity.objects.filter(act="carrier_billing_subscription.cancel").count() == 1
    assert OutboxMessage.objects.filter(template="carrier_billing_subscription_cancelled").exists()
    again = client.post(url, {"action": "cancel", "subscription": subscription.pk})
    assert again.status_code == 400
    assert "déjà résilié" in again.content.decode()


def test_cancelling_another_lines_subscription_is_not_found(client, personas):
    hugo_subscription = CarrierBillingSubscription.objects.get(line=_mobile("hugo@demo.guichet.fr"))
    line = _mobile("camille@demo.guichet.fr")
    _log_in(client, "camille@demo.guichet.fr")

    response = client.post(
        reverse("selfcare:carrier_billing", kwargs={"line_id": line.pk}),
        {"action": "cancel", "subscription": hugo_subscription.pk},
    )

    assert response.status_code == 404
    hugo_subscription.refresh_from_db()
    assert hugo_subscription.status == CarrierBillingSubscriptionStatus.ACTIVE


def test_blocking_purchases_on_the_bill_from_the_page(client, personas):
    line = _mobile("camille@demo.guichet.fr")
    url = reverse("selfcare:carrier_billing", kwargs={"line_id": line.pk})
    _log_in(client, "camille@demo.guichet.fr")

    assert client.post(url, {"action": "cap", "cap_cents": "1234"}).status_code == 400
    assert not CarrierBillingCap.objects.exists()
    response = client.post(url, {"action": "cap", "cap_cents": "0"})

    assert response.status_code == 302
    assert CarrierBillingCap.objects.get(line=line).monthly_cap_cents == 0
    assert "Les achats sur facture sont bloqués." in client.get(url).content.decode()


# VOD and international rates -------------------------------------------------------------------


def test_vod_page_lists_the_box_rentals_with_month_totals(client, personas):
    box = _box()
    _log_in(client, "hugo@demo.guichet.fr")

    html = client.get(
        reverse("selfcare:vod_purchases", kwargs={"line_id": box.pk})
    ).content.decode()

    assert "Le Grand Voyage" in html and "Location" in html
    assert "Chroniques du Sud (saison 1)" in html and "Achat" in html
    assert "26,96" in html  # 4.99 + 3.99 + 14.99 + 2.99 over the last 12 months


def test_international_rates_of_a_country_come_from_the_catalog(client, personas):
    _log_in(client, "camille@demo.guichet.fr")

    html = client.get(reverse("selfcare:international_rates"), {"country": "US"}).content.decode()

    text = _text(html)
    assert "Zone 2 — Algérie, Canada, États-Unis, Maroc, Turquie" in text
    assert "0,60 €/min" in text  # from France to zone 2 (International §2)
    assert "15,40 €/Mo" in text  # data in zone 2
    assert "À la seconde après la 1re minute indivisible" in text


def test_an_unknown_country_is_refused(client, personas):
    _log_in(client, "camille@demo.guichet.fr")

    response = client.get(reverse("selfcare:international_rates"), {"country": "ZZ"})

    assert response.status_code == 400
    assert "Choisissez un pays dans la liste." in response.content.decode()
