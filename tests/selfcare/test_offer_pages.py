"""The offer management pages, walked as the demo personas: each act shows its prices, fees
and dates before the confirmation, then does the act; refusals say why (status 400)."""

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guichet.billing.selectors import billing_accounts_for_customer, invoices_for_billing_account
from guichet.billing.settlement import invoice_payment_record
from guichet.care.actors import Actor
from guichet.care.acts import Act
from guichet.care.models import Activity, OutboxMessage, Request, RequestKind, RequestStatus
from guichet.catalog.models import Market
from guichet.customers.selectors import customer_get_by_login_email
from guichet.demo.services import DEMO_PASSWORD, demo_data_create
from guichet.lines.models import LineStatus, Subscription, SubscriptionStatus
from guichet.lines.selectors import active_plan, lines_for_customer

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=PARIS)
SAMPLE_PLAN = "woot-20go-exemple"

pytestmark = pytest.mark.django_db


@pytest.fixture
def personas(loaded_catalog):
    demo_data_create(customers=0, seed=1, now=NOW)
    # The demo collects only Karim's invoices: the others' are settled here, so that only
    # Karim is in arrears, as in real life.
    for who in ("camille", "hugo", "lea"):
        customer = customer_get_by_login_email(email=f"{who}@demo.guichet.fr")
        for account in billing_accounts_for_customer(customer=customer):
            for invoice in invoices_for_billing_account(billing_account=account):
                if invoice.outstanding_cents > 0:
                    invoice_payment_record(
                        invoice=invoice,
                        amount_cents=invoice.outstanding_cents,
                        reference=f"TEST-{invoice.number}",
                        actor=Actor.system(),
                        now=NOW - timedelta(hours=1),
                    )


@pytest.fixture(autouse=True)
def pinned_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _log_in(client, who: str):
    response = client.post(
        reverse("selfcare:login"), {"username": f"{who}@demo.guichet.fr", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302


def _line(who: str, market: str):
    customer = customer_get_by_login_email(email=f"{who}@demo.guichet.fr")
    return next(line for line in lines_for_customer(customer=customer) if line.market == market)


def test_a_page_of_another_customers_line_is_not_found(client, personas):
    _log_in(client, "camille")
    hugo_box = _line("hugo", Market.FIXED)
    for name in ("termination", "add_ons", "return_slip", "box_move"):
        assert (
            client.get(reverse(f"selfcare:{name}", kwargs={"line_id": hugo_box.pk})).status_code
            == 404
        )


def test_an_option_shows_its_price_before_it_is_added(client, personas):
    _log_in(client, "camille")
    line = _line("camille", Market.MOBILE)
    url = reverse("selfcare:add_ons", kwargs={"line_id": line.pk})

    html = client.get(url).content.decode()
    assert "Option sécurité du mobile par Kaspersky" in html
    assert "3,00\xa0€ par mois" in html

    confirm = client.post(url, {"action": "subscribe", "code": "securite-kaspersky"})
    assert "Vérifiez avant de confirmer" in confirm.content.decode()
    # « Premier mois offert »: from today, 23 November, to 22 December included.
    assert (
        "Gratuit jusqu'au 22 décembre 2026 (premier mois offert une fois par ligne)"
        in confirm.content.decode()
    )
    assert not Subscription.objects.filter(line=line, product__code="securite-kaspersky")

    done = client.post(url, {"action": "subscribe", "code": "securite-kaspersky", "confirm": "1"})
    assert done.status_code == 302
    subscription = Subscription.objects.get(line=line, product__code="securite-kaspersky")
    assert subscription.status == SubscriptionStatus.ACTIVE
    page = client.get(url).content.decode()
    assert "Reconduite le 1 décembre 2026" in page
    assert "offerte jusqu'au 22 décembre 2026" in page


def test_an_option_cancelled_on_the_page_ends_at_the_renewal_then_is_offered_again(
    client, personas, capsys
):
    from django.core.management import call_command

    _log_in(client, "camille")
    line = _line("camille", Market.MOBILE)
    url = reverse("selfcare:add_ons", kwargs={"line_id": line.pk})
    client.post(url, {"action": "subscribe", "code": "securite-kaspersky", "confirm": "1"})
    subscription = Subscription.objects.get(line=line, product__code="securite-kaspersky")

    client.post(url, {"action": "cancel", "subscription": subscription.pk, "confirm": "1"})
    assert "Fin le 1 décembre 2026" in client.get(url).content.decode()

    with time_machine.travel(datetime(2026, 12, 1, 6, 0, tzinfo=NOW.tzinfo), tick=False):
        call_command("offer-due")
    html = client.get(url).content.decode()  # (the session lives at the pinned clock)
    assert (
        capsys.readouterr().out
        == "terminated=0 offers_started=0 add_ons_ended=1 top_ups_expired=0\n"
    )
    assert "Fin le" not in html
    assert 'value="securite-kaspersky"' in html

    # Taken again within the month from its first day: free for the rest of that month.
    again = client.post(url, {"action": "subscribe", "code": "securite-kaspersky"})
    assert "Gratuit jusqu'au 22 décembre 2026" in again.content.decode()

    with time_machine.travel(datetime(2027, 1, 5, 10, 0, tzinfo=PARIS), tick=False):
        _log_in(client, "camille")
        page = client.get(url).content.decode()
        later = client.post(url, {"action": "subscribe", "code": "securite-kaspersky"})
    assert 'value="securite-kaspersky"' in page
    assert "offerte jusqu" not in page
    assert "Déjà offert sur cette ligne : due dès le premier jour" in later.content.decode()
    assert "Gratuit jusqu" not in later.content.decode()


def test_an_option_with_an_allowance_says_its_month_is_due_in_full(client, personas):
    _log_in(client, "camille")
    line = _line("camille", Market.MOBILE)
    url = reverse("selfcare:add_ons", kwargs={"line_id": line.pk})
    code = "suisse-3h-300sms-300mo"

    confirm = client.post(url, {"action": "subscribe", "code": code}).content.decode()
    assert "Due en entier quel que soit le jour : vous disposez de tout son crédit du mois." in (
        confirm
    )
    client.post(url, {"action": "subscribe", "code": code, "confirm": "1"})
    client.post(url, {"action": "subscribe", "code": "securite-kaspersky", "confirm": "1"})
    switzerland, security = (
        Subscription.objects.get(line=line, product__code=c) for c in (code, "securite-kaspersky")
    )

    cancel = client.post(url, {"action": "cancel", "subscription": switzerland.pk})
    assert "Le mois commencé reste dû." in cancel.content.decode()
    cancel = client.post(url, {"action": "cancel", "subscription": security.pk})
    assert "Facturée au jour près jusqu'à sa fin." in cancel.content.decode()
    assert "Le mois commencé" not in cancel.content.decode()


def test_the_options_page_reads_in_a_fixed_number_of_queries(client, personas):
    _log_in(client, "camille")
    line = _line("camille", Market.MOBILE)
    url = reverse("selfcare:add_ons", kwargs={"line_id": line.pk})
    client.get(url)  # session and caches warm
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for code in ("securite-kaspersky", "double-appel"):
        client.post(url, {"action": "subscribe", "code": code, "confirm": "1"})
    assert set(
        Subscription.objects.filter(line=line, status=SubscriptionStatus.ACTIVE).values_list(
            "product__code", flat=True
        )
    ) >= {"securite-kaspersky", "double-appel"}
    with CaptureQueriesContext(connection) as after:
        page = client.get(url).content.decode()

    assert "offerte jusqu'au 22 décembre 2026" in page
    # The options held, the plan, the options it offers and when the contract first had each
    # product: none of them once per option.
    assert len(after) == len(before)


def test_an_incompatible_option_is_refused_with_the_reason(client, personas):
    _log_in(client, "camille")
    line = _line("camille", Market.MOBILE)
    url = reverse("selfcare:add_ons", kwargs={"line_id": line.pk})
    client.post(url, {"action": "subscribe", "code": "blocage", "confirm": "1"})

    response = client.post(
        url, {"action": "subscribe", "code": "blocage-numeros-surtaxes", "confirm": "1"}
    )

    assert response.status_code == 400
    assert (
        "incompatible" in response.content.decode() or "Service Client" in response.content.decode()
    )


def test_the_top_ups_page_lists_the_speed_restoration_and_links_to_the_card_flow(client, personas):
    _log_in(client, "camille")
    line = _line("camille", Market.MOBILE)

    html = client.get(reverse("selfcare:top_ups", kwargs={"line_id": line.pk})).content.decode()

    assert "Rétablir mon débit" in html and "40,00\xa0€" in html
    buy = reverse(
        "selfcare:top_up_buy",
        kwargs={"line_id": line.pk, "code": "retablissement-debit-woot-100go"},
    )
    assert f'href="{buy}"' in html
    assert "Recharges voyage" in html


def test_a_box_offer_change_shows_the_difference_and_the_date_then_is_scheduled(client, personas):
    _log_in(client, "hugo")
    line = _line("hugo", Market.FIXED)
    url = reverse("selfcare:box_offer_change", kwargs={"line_id": line.pk})

    html = client.get(url).content.decode()
    assert "Bbox Fibre Essentiel (exemple)" in html and "-6,00\xa0€" in html
    # The box's 12-month commitment ended on 1 June 2026: it is not shown as running.
    assert "Sans engagement : un changement d'offre n'en ajoute pas." in html
    assert "1 juin 2026" not in html

    confirm = client.post(url, {"code": "bbox-fibre-essentiel-exemple"}).content.decode()
    assert "Date d'effet" in confirm and "1 décembre 2026" in confirm

    client.post(url, {"code": "bbox-fibre-essentiel-exemple", "confirm": "1"})
    scheduled = Subscription.objects.get(line=line, status=SubscriptionStatus.SCHEDULED)
    assert scheduled.product.code == "bbox-fibre-essentiel-exemple"


def test_a_plan_change_shows_the_difference_and_the_date_then_the_due_job_starts_it(
    client, personas
):
    _log_in(client, "camille")
    line = _line("camille", Market.MOBILE)
    url = reverse("selfcare:plan_change", kwargs={"line_id": line.pk})

    html = client.get(url).content.decode()
    # The sample plan (catalog/data/plans.toml, is_sample): 9,99 € against Woot 100 Go's 12,99 €.
    assert "Woot 20 Go (exemple)" in html and "-3,00\xa0€" in html
    assert "Aucune autre offre" not in html and "No other offer" not in html

    confirm = client.post(url, {"code": SAMPLE_PLAN}).content.decode()
    assert "Date d'effet" in confirm and "1 décembre 2026" in confirm
    assert "-3,00\xa0€" in confirm

    client.post(url, {"code": SAMPLE_PLAN, "confirm": "1"})
    scheduled = Subscription.objects.get(line=line, status=SubscriptionStatus.SCHEDULED)
    assert scheduled.product.code == SAMPLE_PLAN
    assert Activity.objects.filter(act=Act.OFFER_CHANGE, customer=line.billing_account.customer)
    assert active_plan(line=line).product.code == "woot-100go"  # until the effective date

    with time_machine.travel(datetime(2026, 12, 1, 0, 5, tzinfo=PARIS), tick=False):
        out = StringIO()
        call_command("offer-due", stdout=out)
        assert "offers_started=1" in out.getvalue()
        plan = active_plan(line=line)
        assert plan is not None and plan.product.code == SAMPLE_PLAN
        call_command("offer-due", stdout=StringIO())  # run again: nothing more
    assert Subscription.objects.filter(line=line, product__code=SAMPLE_PLAN).count() == 1
    old = Subscription.objects.get(line=line, product__code="woot-100go")
    assert old.status == SubscriptionStatus.ENDED


def test_a_plan_change_is_refused_while_unpaid_at_the_last_step(client, personas):
    _log_in(client, "karim")
    line = _line("karim", Market.MOBILE)
    url = reverse("selfcare:plan_change", kwargs={"line_id": line.pk})

    assert client.post(url, {"code": SAMPLE_PLAN}).status_code == 200  # the summary is shown
    response = client.post(url, {"code": SAMPLE_PLAN, "confirm": "1"})

    assert response.status_code == 400
    assert reverse("selfcare:arrears_pay") in response.content.decode()
    assert not Subscription.objects.filter(line=line, product__code=SAMPLE_PLAN)


def test_termination_shows_the_fees_and_date_then_opens_a_request_and_a_return_slip(
    client, personas
):
    _log_in(client, "hugo")
    line = _line("hugo", Market.FIXED)
    url = reverse("selfcare:termination", kwargs={"line_id": line.pk})

    html = client.get(url).content.decode()
    assert "3 décembre 2026" in html  # 10-day notice
    assert "code de portabilité (RIO)" in html
    assert "vous pouvez plutôt vous rétracter" not in html  # 14 days long past
    with time_machine.travel(line.activated_at + timedelta(days=3), tick=False):
        within = client.get(url).content.decode()
    assert "vous pouvez plutôt vous rétracter" in within

    confirm = client.post(url, {"legitimate_reason": ""}).content.decode()
    assert "Confirmer la résiliation" in confirm
    assert not Request.objects.filter(line=line, kind=RequestKind.TERMINATION)

    client.post(url, {"legitimate_reason": "", "confirm": "1"})
    request = Request.objects.get(line=line, kind=RequestKind.TERMINATION)
    assert request.payload["termination_date"] == "2026-12-03"
    line.refresh_from_db()
    assert line.status == LineStatus.ACTIVE
    pending = client.get(url).content.decode()
    assert "<dt>Date de résiliation</dt><dd>3 décembre 2026</dd>" in pending
    assert "2026-12-03" not in pending

    log = client.get(reverse("selfcare:activity_log")).content.decode()
    slip_url = reverse("selfcare:return_slip", kwargs={"line_id": line.pk})
    assert f'href="{slip_url}">Restituer' in log
    pdf = client.get(slip_url, {"format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")

    cancel = reverse("selfcare:termination_cancel", kwargs={"line_id": line.pk})
    assert "Votre ligne sera résiliée le 3 décembre 2026" in client.get(cancel).content.decode()
    assert "votre ligne reste en service" in client.post(cancel).content.decode()
    request.refresh_from_db()
    assert request.status == RequestStatus.CANCELLED


def test_a_legitimate_reason_without_proof_keeps_the_form(client, personas):
    _log_in(client, "hugo")
    line = _line("hugo", Market.FIXED)

    response = client.post(
        reverse("selfcare:termination", kwargs={"line_id": line.pk}),
        {"legitimate_reason": "dismissal"},
    )

    assert response.status_code == 400
    assert "Joignez le justificatif" in response.content.decode()
    assert 'value="dismissal" selected' in response.content.decode()


def test_withdrawal_after_14_days_is_refused_with_its_end_date(client, personas):
    _log_in(client, "camille")
    line = _line("camille", Market.MOBILE)
    url = reverse("selfcare:withdrawal", kwargs={"line_id": line.pk})

    assert "Le délai de rétractation de 14 jours a pris fin" in client.get(url).content.decode()
    response = client.post(url, {"confirm": "1"})
    assert response.status_code == 400
    line.refresh_from_db()
    assert line.status == LineStatus.ACTIVE


def test_a_new_box_customer_withdraws_within_14_days(client, personas):
    _log_in(client, "nora")
    line = _line("nora", Market.FIXED)
    url = reverse("selfcare:withdrawal", kwargs={"line_id": line.pk})

    assert "Le délai de rétractation de 14 jours a pris fin" not in client.get(url).content.decode()
    client.post(url, {"confirm": "1"})

    line.refresh_from_db()
    assert line.status == LineStatus.TERMINATED
    assert Request.objects.get(line=line, kind=RequestKind.WITHDRAWAL)


def test_a_line_transfer_is_refused_while_unpaid(client, personas):
    _log_in(client, "karim")
    line = _line("karim", Market.MOBILE)
    data = {
        "transferee_name": "Inès Martin",
        "transferee_email": "ines@example.fr",
        "transferee_birth_date": "1990-05-04",
        "identity_document": "CNI 1",
        "iban_document": "FR76",
        "address_document": "EDF",
        "confirm": "1",
    }

    response = client.post(reverse("selfcare:line_transfer", kwargs={"line_id": line.pk}), data)

    assert response.status_code == 400
    assert reverse("selfcare:arrears_pay") in response.content.decode()
    assert 'value="Inès Martin"' in response.content.decode()
    assert not Request.objects.filter(line=line, kind=RequestKind.LINE_TRANSFER)


def test_a_line_transfer_is_accepted_by_the_new_holder_with_the_code(client, personas):
    _log_in(client, "camille")
    line = _line("camille", Market.MOBILE)
    data = {
        "transferee_name": "Inès Martin",
        "transferee_email": "ines@example.fr",
        "transferee_birth_date": "1990-05-04",
        "identity_document": "CNI 1",
        "iban_document": "FR76",
        "address_document": "EDF",
    }
    url = reverse("selfcare:line_transfer", kwargs={"line_id": line.pk})
    assert "Confirmer la cession" in client.post(url, data).content.decode()
    client.post(url, {**data, "confirm": "1"})
    request = Request.objects.get(line=line, kind=RequestKind.LINE_TRANSFER)
    client.logout()

    accept = reverse("selfcare:line_transfer_accept", kwargs={"token": request.payload["token"]})
    assert (
        client.post(
            accept, {"code": "999999" if request.payload["code"] != "999999" else "000000"}
        ).status_code
        == 400
    )
    assert "Merci" in client.post(accept, {"code": request.payload["code"]}).content.decode()
    request.refresh_from_db()
    assert request.status == RequestStatus.IN_PROGRESS


def test_a_number_change_offers_three_numbers_and_shows_the_fee(client, personas):
    _log_in(client, "camille")
    line = _line("camille", Market.MOBILE)
    url = reverse("selfcare:number_change", kwargs={"line_id": line.pk})

    html = client.get(url).content.decode()
    assert html.count('type="radio" name="number"') == 3
    number = html.split('name="number" id="number-1" value="')[1].split('"')[0]

    assert "10,00\xa0€" in client.post(url, {"number": number}).content.decode()
    client.post(url, {"number": number, "confirm": "1"})
    line.refresh_from_db()
    assert line.msisdn == number
    assert Activity.objects.filter(act="offer.number_change").count() == 1


def test_a_box_move_checks_the_new_address_then_opens_a_request(client, personas):
    _log_in(client, "hugo")
    line = _line("hugo", Market.FIXED)
    url = reverse("selfcare:box_move", kwargs={"line_id": line.pk})
    data = {
        "street": "3 rue des Lilas",
        "postcode": "69009",
        "city": "Lyon",
        "move_date": "2026-12-15",
    }

    refused = client.post(url, data)
    assert (
        refused.status_code == 400
        and "motif légitime de résiliation" in refused.content.decode()
        and "fibre" in refused.content.decode()
    )

    checked = client.post(url, {**data, "postcode": "75011", "city": "Paris"}).content.decode()
    assert "La fibre est disponible" in checked
    client.post(url, {**data, "postcode": "75011", "city": "Paris", "confirm": "1"})
    request = Request.objects.get(line=line, kind=RequestKind.MOVE)
    assert request.payload["new_address"] == "3 rue des Lilas, 75011 Paris"
    pending = client.get(url).content.decode()
    assert "Déménagement au 3 rue des Lilas, 75011 Paris le 15 décembre 2026" in pending
    assert "2026-12-15" not in pending
    assert OutboxMessage.objects.filter(
        template="offer_notice", customer=line.billing_account.customer
    ).exists()


def test_the_due_job_terminates_after_the_notice(client, personas):
    from guichet.lines.offer_services import offer_due_run

    _log_in(client, "hugo")
    line = _line("hugo", Market.MOBILE)
    client.post(reverse("selfcare:termination", kwargs={"line_id": line.pk}), {"confirm": "1"})
    offer_due_run(now=NOW + timedelta(days=10))
    line.refresh_from_db()
    assert line.status == LineStatus.TERMINATED
