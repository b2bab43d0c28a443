"""The layouts and the act finder: bottom navigation on a phone, side navigation on a wide
screen, no horizontal scroll at 390 px, and "j'ai perdu mon téléphone" finding its act."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import HUGO, LEA, MOBILE, axe_check, axe_violations, log_in
from tests.browser.pages import KNOWN_TOO_WIDE, PAGES, SECTIONS


def _navigation(page: Page):
    return page.get_by_role("navigation", name="Rubriques")


def test_on_a_phone_the_bottom_navigation_reaches_the_five_sections(
    page: Page, portal: str
) -> None:
    log_in(page, portal, HUGO)
    navigation = _navigation(page)
    box = navigation.bounding_box()
    assert box is not None
    # A bar along the bottom edge, the whole width.
    assert box["y"] + box["height"] == pytest.approx(MOBILE["height"], abs=1)
    assert box["width"] == pytest.approx(MOBILE["width"], abs=1)

    for portal_page, label in SECTIONS:
        navigation.get_by_role("link", name=label).click()
        page.wait_for_url(f"{portal}{portal_page.path}")
        expect(navigation.get_by_role("link", name=label)).to_have_attribute("aria-current", "page")
        expect(page.get_by_role("heading", level=1)).to_contain_text(portal_page.heading)


def test_no_page_scrolls_sideways_on_a_phone(page: Page, portal: str) -> None:
    log_in(page, portal, HUGO)  # a mobile line and a box: the longest pages
    too_wide = {}
    for portal_page in PAGES:
        page.goto(f"{portal}{portal_page.path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > MOBILE["width"]:
            too_wide[portal_page.path] = width
    # Exactly the known ones: a page that starts fitting has its line removed from the list.
    assert set(too_wide) == set(KNOWN_TOO_WIDE), f"wider than {MOBILE['width']} px: {too_wide}"


def test_on_a_wide_screen_the_navigation_is_a_side_bar(wide_page: Page, portal: str) -> None:
    log_in(wide_page, portal, HUGO)
    box = _navigation(wide_page).bounding_box()
    assert box is not None
    assert (box["x"], box["y"]) == (0, 0)
    assert box["width"] < 300
    assert box["height"] >= 900 - 1
    main = wide_page.locator("main").bounding_box()
    assert main is not None and main["x"] >= box["width"]
    axe_check(wide_page)


def test_the_act_finder_finds_the_loss_and_theft_act(page: Page, portal: str) -> None:
    log_in(page, portal, LEA)
    page.get_by_label("Que souhaitez-vous faire ?").fill("j'ai perdu mon téléphone")
    page.get_by_role("button", name="Rechercher").click()

    page.wait_for_url(f"{portal}/que-souhaitez-vous-faire/*")
    expect(
        page.locator("main").get_by_role("link", name="Déclarer la perte ou le vol")
    ).to_be_visible()
    axe_check(page)


def test_the_accessibility_check_reports_serious_violations(page: Page, portal: str) -> None:
    # The harness itself: an image without text and an unlabeled field are caught, by rule.
    page.set_content(
        '<html lang="fr"><head><title>t</title></head><body><main><h1>t</h1>'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><input type="text">'
        "</main></body></html>"
    )
    violations = axe_violations(page)
    assert any(line.startswith("image-alt (critical)") for line in violations), violations
    assert any(line.startswith("label (critical)") for line in violations), violations
