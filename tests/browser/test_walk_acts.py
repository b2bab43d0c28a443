"""A dozen representative acts, done end to end in the browser as Hugo (a mobile line and a box
line) would: each through its page, with what the act changed read back from the database.

Runs after the section walks (the file sorts last): it changes Hugo's lines and account.

On PostgreSQL only: the server's requests commit their own transactions, which the test then
reads back. SQLite in memory shares one database between the test, which holds its reads
open in its transaction, and the server's thread, whose writes to the same tables are then
refused ("database table is locked"); the same acts are tested on SQLite through the test
client (tests/selfcare)."""

import re

import pytest
from django.db import connection
from django.urls import reverse
from playwright.sync_api import Page, expect

from guichet.care.models import AdvisorMessage, Request, RequestKind, RequestStatus
from guichet.customers.selectors import customer_get_by_login_email
from guichet.lines.models import BlockedNumber, Line, LineStatus, SuspensionReason
from guichet.lines.selectors import box_wifi_get, data_mode_get, lines_for_customer
from tests.browser.conftest import HUGO, axe_check, log_in

pytestmark = pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="the server's writes need their own committed transactions (PostgreSQL)",
)


@pytest.fixture
def hugo(page: Page, portal: str):
    log_in(page, portal, HUGO)
    customer = customer_get_by_login_email(email=HUGO.email)
    lines = lines_for_customer(customer=customer)
    mobile = next(line for line in lines if line.market == "mobile")
    box = next(line for line in lines if line.market == "fixed")
    return customer, mobile, box


def _open(page: Page, portal: str, url_name: str, line: Line | None = None) -> None:
    kwargs = {"line_id": line.pk} if line is not None else {}
    page.goto(f"{portal}{reverse(f'selfcare:{url_name}', kwargs=kwargs)}")


def _submit(page: Page, name: str | re.Pattern[str], *, exact: bool = False) -> None:
    """Press the form's button and wait for the page the act answers with."""
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=exact).first.click()


def _line(line: Line) -> Line:
    return Line.objects.get(pk=line.pk)


def test_hugo_loses_his_phone_then_finds_it(page: Page, portal: str, hugo) -> None:
    _, mobile, _ = hugo
    _open(page, portal, "loss_theft", mobile)
    page.get_by_label("J'ai perdu mon appareil ou ma carte SIM").check()
    _submit(page, "Suspendre ma ligne maintenant")
    axe_check(page)
    suspended = _line(mobile)
    assert suspended.status == LineStatus.SUSPENDED
    assert suspended.suspension_reason == SuspensionReason.LOSS

    _open(page, portal, "suspension_lift", mobile)
    _submit(page, "Réactiver ma ligne")
    assert _line(mobile).status == LineStatus.ACTIVE


def test_hugo_reads_his_puk_and_his_porting_code(page: Page, portal: str, hugo) -> None:
    _, mobile, _ = hugo
    _open(page, portal, "puk", mobile)
    expect(page.locator("main")).to_contain_text(_line(mobile).puk)
    axe_check(page)

    _open(page, portal, "porting_code", mobile)
    assert re.search(r"\b[A-Z0-9]{2}P[A-Z0-9+]{9}\b", page.locator("main").inner_text())


def test_hugo_blocks_a_caller_and_declares_who_uses_his_line(page: Page, portal: str, hugo) -> None:
    _, mobile, _ = hugo
    _open(page, portal, "blocked_calls", mobile)
    page.get_by_label("Numéro à bloquer").fill("06 12 34 56 78")
    _submit(page, "Bloquer", exact=True)
    expect(page.locator("main")).to_contain_text("06 12 34 56 78")
    assert BlockedNumber.objects.filter(line=mobile, number="+33612345678").exists()

    _open(page, portal, "line_user", mobile)
    page.get_by_label("Nom de la personne qui utilise la ligne").fill("Inès Lefebvre")
    page.get_by_label("Cette personne a moins de 18 ans").check()
    _submit(page, "Enregistrer")
    declared = _line(mobile)
    assert (declared.user_name, declared.user_is_minor) == ("Inès Lefebvre", True)


def test_hugo_blocks_his_data_abroad_and_changes_his_wifi_key(
    page: Page, portal: str, hugo
) -> None:
    _, mobile, box = hugo
    _open(page, portal, "data_usage_mode", mobile)
    page.get_by_label("Data bloquée à l'étranger").check()
    _submit(page, "Enregistrer")
    assert data_mode_get(line=mobile) == "blocked_abroad"

    _open(page, portal, "box_settings", box)
    page.get_by_label("Clé Wi-Fi (8 à 63 caractères)").fill("Lille-Vauban-2026")
    _submit(page, "Enregistrer et envoyer à ma box")
    assert box_wifi_get(line=box).wifi_key == "Lille-Vauban-2026"


def test_hugo_adds_an_option_after_seeing_its_price(page: Page, portal: str, hugo) -> None:
    _, mobile, _ = hugo
    before = mobile.subscriptions.count()
    _open(page, portal, "add_ons", mobile)
    _submit(page, re.compile(r"^Ajouter "))
    _submit(page, "Confirmer la souscription")
    axe_check(page)
    assert mobile.subscriptions.count() == before + 1


def test_hugo_terminates_his_box_then_keeps_it(page: Page, portal: str, hugo) -> None:
    _, _, box = hugo
    _open(page, portal, "termination", box)
    _submit(page, "Voir les frais et la date")
    _submit(page, "Confirmer la résiliation")
    termination = Request.objects.get(line=box, kind=RequestKind.TERMINATION)
    assert termination.status in (RequestStatus.SUBMITTED, RequestStatus.IN_PROGRESS)

    _open(page, portal, "termination_cancel", box)
    _submit(page, "Garder ma ligne")
    termination.refresh_from_db()
    assert termination.status == RequestStatus.CANCELLED
    assert _line(box).status == LineStatus.ACTIVE


def test_hugo_writes_to_an_advisor(page: Page, portal: str, hugo) -> None:
    customer, _, _ = hugo
    _open(page, portal, "messages")
    page.get_by_label("Votre message").fill("Bonjour, ma box redémarre toute seule le soir.")
    _submit(page, "Envoyer")
    expect(page.locator("main")).to_contain_text("ma box redémarre toute seule le soir")
    assert AdvisorMessage.objects.filter(
        customer=customer, text__startswith="Bonjour, ma box"
    ).exists()
