from pathlib import Path

import pytest
from pytest_django.fixtures import Settings


@pytest.fixture(autouse=True)
def fast_password_hasher(settings: Settings) -> None:
    """Argon2 costs ~0.1 s a hash; the payments tests do not log in."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def sepa_creditor(settings: Settings, tmp_path: Path) -> Path:
    """The operator as SEPA creditor, its files dropped in a folder of the test's own."""
    settings.GUICHET_SEPA_CREDITOR_ID = "FR72ZZZ123456"
    settings.GUICHET_SEPA_CREDITOR_NAME = "Opérateur Télécom SAS"
    settings.GUICHET_SEPA_CREDITOR_IBAN = "FR1420041010050500013M02606"
    settings.GUICHET_SEPA_CREDITOR_BIC = "PSSTFRPPPAR"
    settings.GUICHET_SEPA_OUTBOX_DIR = tmp_path / "outgoing"
    return settings.GUICHET_SEPA_OUTBOX_DIR
