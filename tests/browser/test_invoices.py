"""Factures in the browser: an invoice's PDF, a duplicate, and paying the arrears by card (the
card typed in the PSP's fields, localstripe's here, whose webhook credits the invoices)."""

import io
import time

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.conftest import CAMILLE, KARIM, axe_check, log_in


def _pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _first_invoice_number(page: Page) -> str:
    href = page.get_by_role("link", name="Voir (PDF)").first.get_attribute("href") or ""
    return href.rsplit("/", 1)[-1].removesuffix(".pdf")


def test_an_invoice_opens_as_its_pdf(page: Page, portal: str) -> None:
    log_in(page, portal, CAMILLE)
    page.get_by_role("navigation", name="Rubriques").get_by_role("link", name="Factures").click()
    number = _first_invoice_number(page)

    link = page.get_by_role("link", name="Voir (PDF)").first
    # The browser shows the PDF inline; its bytes are fetched with the page's session cookie.
    response = page.request.get(f"{portal}{link.get_attribute('href')}")

    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    text = _pdf_text(response.body())
    assert number in text
    assert "DUPLICATA" not in text


def test_a_duplicate_downloads_as_a_pdf_marked_duplicata(page: Page, portal: str) -> None:
    log_in(page, portal, CAMILLE)
    page.goto(f"{portal}/factures/")
    number = _first_invoice_number(page)

    with page.expect_download() as download:
        page.get_by_role("button", name="Demander un duplicata").first.click()

    assert download.value.suggested_filename.endswith(".pdf")
    content = download.value.path().read_bytes()
    text = _pdf_text(content)
    assert number in text
    assert "DUPLICATA" in text


# The arrears, as the customer sees them: the unpaid banner on Accueil, and the arrears page.
def assert_arrears_shown(page: Page, portal: str) -> None:
    page.goto(f"{portal}/")
    expect(page.locator(".unpaid-banner")).to_contain_text("Régularisez au plus vite")
    page.goto(f"{portal}/factures/payer-les-impayes")
    expect(page.locator("table.invoices tbody tr").first).to_be_visible()


def assert_no_arrears_shown(page: Page, portal: str) -> None:
    page.goto(f"{portal}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bonjour")
    expect(page.locator(".unpaid-banner")).to_have_count(0)
    page.goto(f"{portal}/factures/payer-les-impayes")
    expect(page.get_by_text("Vous n'avez aucune facture impayée.")).to_be_visible()
    expect(page.locator("table.invoices")).to_have_count(0)


def test_karim_pays_his_arrears_by_card_and_they_are_gone(
    page: Page, portal: str, psp: str
) -> None:
    log_in(page, portal, KARIM)
    assert_arrears_shown(page, portal)
    axe_check(page)

    page.get_by_role("button", name="Payer par carte").click()  # the whole amount, prefilled
    expect(page.get_by_role("heading", level=1)).to_have_text("Paiement par carte")
    # The PSP's own fields (localstripe's stand-in for Stripe Elements); the real PSP draws
    # them in its iframes, so axe leaves them out.
    axe_check(page, exclude=("#card-element",))
    card = page.locator("#card-element")
    card.get_by_placeholder("number").fill("4242424242424242")
    card.get_by_placeholder("exp_month").fill("12")
    card.get_by_placeholder("exp_year").fill("30")
    card.get_by_placeholder("cvc").fill("123")
    card.get_by_placeholder("postal_code").fill("75011")
    page.get_by_role("button", name="Payer").click()

    page.wait_for_url(f"{portal}/paiements/*")
    # localstripe posts its webhook a second after the charge; the result page refreshes.
    expect(page.get_by_text("Paiement reçu. Merci.")).to_be_visible(timeout=30_000)
    axe_check(page)
    deadline = time.monotonic() + 20
    while "payés sur la facture" not in page.content() and time.monotonic() < deadline:
        page.reload()
    expect(page.get_by_text("payés sur la facture").first).to_be_visible()

    assert_no_arrears_shown(page, portal)
