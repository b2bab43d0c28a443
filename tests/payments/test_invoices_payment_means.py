"""Issue 4 leftovers (invoices and payment means): the SEPA mention of a direct-debit invoice,
and dunning leaving alone an invoice whose direct debit is in flight."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guichet.billing.documents import invoice_document, invoice_pdf
from guichet.billing.models import InvoiceStatus
from guichet.billing.preference_rules import first_debit_on, next_invoice_issued_on
from guichet.billing.rules import DIRECT_DEBIT_NOTICE_DAYS
from guichet.billing.selectors import arrears_state
from guichet.catalog.models import CatalogRelease
from guichet.payments.models import DirectDebitStatus
from guichet.payments.models.dunning import DunningCase
from guichet.payments.services.direct_debit import direct_debit_return
from guichet.payments.services.dunning import dunning_run
from tests.billing.builders import paris, pdf_text
from tests.customers.builders import SYSTEM
from tests.payments.builders import collected, direct_debit_account, issue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _catalog(loaded_catalog: CatalogRelease) -> CatalogRelease:
    return loaded_catalog


def test_a_direct_debit_invoice_prints_its_sepa_mention() -> None:
    account, mandate = direct_debit_account()
    invoice = issue(account)

    text = " ".join(pdf_text(invoice_pdf(invoice=invoice).content).split())

    assert (
        f"Prélèvement SEPA le 15/12/2026, mandat RUM {mandate.reference}, ICS FR72ZZZ123456" in text
    )


def test_the_mention_gives_the_pre_notified_date_and_mandate() -> None:
    account, mandate = direct_debit_account()
    invoice = issue(account)
    collected(invoice)
    from guichet.billing.documents import direct_debit_mention

    mention = direct_debit_mention(invoice)
    assert mention is not None
    assert (mention.mandate_reference, mention.debit_on) == (mandate.reference, date(2026, 12, 15))
    assert mention.masked_iban == mandate.masked_iban
    document = invoice_document(invoice=invoice, direct_debit=mention)
    assert document.payment_terms[0].startswith("Prélèvement SEPA le 15/12/2026")


def test_a_debit_in_flight_is_not_overdue_until_the_bank_returns_it() -> None:
    account, _ = direct_debit_account()
    invoice = issue(account)
    debit = collected(invoice)  # presented for 15 December, not settled yet
    morning_after = paris(2026, 12, 16, 7)

    dunning_run(now=morning_after)

    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED
    assert not arrears_state(customer=account.customer, today=date(2026, 12, 16)).in_arrears
    assert not DunningCase.objects.exists()

    direct_debit_return(
        debit=debit, reason_code="AM04", report_id="R1", actor=SYSTEM, now=paris(2026, 12, 16, 9)
    )
    debit.refresh_from_db()
    assert debit.status in (DirectDebitStatus.REJECTED, DirectDebitStatus.RETURNED)
    dunning_run(now=paris(2026, 12, 17, 7))
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.UNPAID
    assert arrears_state(customer=account.customer, today=date(2026, 12, 17)).in_arrears
    assert DunningCase.objects.filter(billing_account=account).exists()


@given(st.dates(date(2020, 1, 1), date(2035, 12, 31)), st.integers(1, 28))
def test_the_first_debit_after_a_change_is_on_the_new_day_and_announced_in_time(
    today: date, debit_day: int
) -> None:
    issued_on = next_invoice_issued_on(today)
    first = first_debit_on(today=today, debit_day=debit_day)

    assert today < issued_on or (today.day < 2 and issued_on == today.replace(day=2))
    assert issued_on.day == 2 and (issued_on - today).days <= 32
    assert first.day == debit_day
    assert (first - issued_on).days >= DIRECT_DEBIT_NOTICE_DAYS
    assert (first - issued_on).days < DIRECT_DEBIT_NOTICE_DAYS + 31
