"""Each persona logs in and walks the portal's pages: each page is the one expected, and
axe-core finds no serious or critical accessibility violation on it."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PERSONAS, Persona, axe_violations, log_in
from tests.browser.pages import PAGES


@pytest.mark.parametrize("persona", PERSONAS, ids=lambda persona: persona.first_name)
def test_each_persona_walks_the_portal_without_accessibility_violations(
    page: Page, portal: str, persona: Persona
) -> None:
    log_in(page, portal, persona)
    expect(page.get_by_role("heading", level=1)).to_contain_text(persona.first_name)

    violations = []
    for portal_page in PAGES:
        response = page.goto(f"{portal}{portal_page.path}")
        assert response is not None and response.status == 200, portal_page.path
        expect(page.get_by_role("heading", level=1)).to_contain_text(portal_page.heading)
        violations += [f"{portal_page.path}: {line}" for line in axe_violations(page)]

    assert not violations, "axe-core, serious or critical:\n" + "\n".join(violations)


def test_the_login_page_is_accessible_and_refuses_a_wrong_password(page: Page, portal: str) -> None:
    page.goto(f"{portal}/")  # anonymous: sent to the login page
    assert page.url.startswith(f"{portal}/connexion/")
    assert axe_violations(page) == []

    page.get_by_label("E-mail ou numéro client").fill(PERSONAS[0].email)
    page.get_by_label("Mot de passe").fill("not the password")
    page.get_by_role("button", name="Se connecter").click()

    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label("E-mail ou numéro client")).to_have_value(PERSONAS[0].email)
    assert axe_violations(page) == []
