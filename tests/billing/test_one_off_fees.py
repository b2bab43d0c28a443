"""One-off service fees (fees.toml) go on the account's next invoice, exactly once."""

from datetime import UTC, date, datetime

import pytest

from guichet.billing import rules
from guichet.billing.errors import BillingError, BillingErrorCode
from guichet.billing.models import Invoice, OneOffFee
from guichet.billing.services import bill_run, invoice_issue, one_off_fee_charge
from guichet.care.acts import Act
from guichet.care.models import Activity
from guichet.catalog.models import CatalogRelease
from guichet.lines.models import Line
from tests.billing.builders import open_account, paris, woot_line
from tests.customers.builders import SYSTEM

NOVEMBER = date(2026, 11, 1)
DECEMBER = date(2026, 12, 1)


@pytest.fixture(autouse=True)
def _catalog(loaded_catalog: CatalogRelease) -> CatalogRelease:
    return loaded_catalog


@pytest.fixture
def line() -> Line:
    return woot_line(open_account(), activated_at=paris(2026, 10, 1))


def charge(line: Line, code: str, *, at: datetime, channel: str = "customer_service") -> OneOffFee:
    return one_off_fee_charge(
        billing_account=line.billing_account,
        fee_code=code,
        channel=channel,  # type: ignore[arg-type]
        actor=SYSTEM,
        now=at,
        line=line,
    )


def test_a_fee_goes_on_the_invoice_of_its_period_once(line: Line) -> None:
    fee = charge(line, "remise-en-service-impaye", at=paris(2026, 11, 20))
    later = charge(line, "remise-en-service-impaye", at=paris(2026, 12, 3))

    bill_run(period=NOVEMBER, now=datetime(2026, 12, 2, 8, 0, tzinfo=UTC))
    bill_run(period=NOVEMBER, now=datetime(2026, 12, 2, 9, 0, tzinfo=UTC))

    november = Invoice.objects.get(period_start=NOVEMBER)
    fee_line = november.lines.get(kind="one_off_fee")
    assert (fee_line.amount_cents, fee_line.vat_cents, fee_line.line_id) == (1000, 167, line.pk)
    assert fee_line.label == (
        "Remise en service de la ligne en cas de suspension pour impayé — ligne"
        f" {line.display_number} du 20/11/2026"
    )
    assert (fee_line.service_start, fee_line.service_end) == (date(2026, 11, 20),) * 2
    assert november.total_cents == 1299 + 1000
    fee.refresh_from_db()
    later.refresh_from_db()
    assert (fee.invoice, later.invoice) == (november, None)
    # The fee of 3 December waits for December's invoice.
    bill_run(period=DECEMBER, now=datetime(2027, 1, 2, 8, 0, tzinfo=UTC))
    later.refresh_from_db()
    assert later.invoice == Invoice.objects.get(period_start=DECEMBER)
    assert later.invoice.total_cents == 1299 + 1000


def test_a_fee_recorded_after_its_period_was_invoiced_goes_on_the_next_invoice(
    line: Line,
) -> None:
    bill_run(period=NOVEMBER, now=datetime(2026, 12, 2, 8, 0, tzinfo=UTC))
    # Recorded on 4 December for an act of 30 November (its period already invoiced).
    fee = charge(line, "remise-en-service-impaye", at=paris(2026, 11, 30))

    bill_run(period=DECEMBER, now=datetime(2027, 1, 2, 8, 0, tzinfo=UTC))

    fee.refresh_from_db()
    assert fee.invoice == Invoice.objects.get(period_start=DECEMBER)


def test_price_and_free_first_use_follow_the_channel(line: Line) -> None:
    """Remplacement de carte SIM: "GRATUIT la première fois, puis 10 €" in self-care, 10 € by
    phone, which does not use up the free one."""
    by_phone = charge(line, "remplacement-carte-sim", at=paris(2026, 11, 2))
    first = charge(line, "remplacement-carte-sim", at=paris(2026, 11, 3), channel="selfcare")
    second = charge(line, "remplacement-carte-sim", at=paris(2026, 11, 4), channel="selfcare")

    assert [fee.amount_cents for fee in (by_phone, first, second)] == [1000, 0, 1000]
    assert Activity.objects.filter(act=Act.ONE_OFF_FEE_CHARGE).count() == 3
    assert Activity.objects.filter(act=Act.ONE_OFF_FEE_CHARGE).last().summary == (
        f"Remplacement de carte SIM — ligne {line.display_number} : 10,00 €, sur la prochaine"
        " facture"
    )


@pytest.mark.parametrize(
    ("code", "channel", "error"),
    [
        ("changement-numero", "selfcare", BillingErrorCode.FEE_CHANNEL_NOT_OFFERED),
        ("frais-inconnus", "customer_service", BillingErrorCode.FEE_UNKNOWN),
        ("woot-100go", "customer_service", BillingErrorCode.FEE_UNKNOWN),
    ],
)
def test_a_fee_not_offered_is_refused_and_nothing_changes(
    line: Line, code: str, channel: str, error: BillingErrorCode
) -> None:
    with pytest.raises(BillingError) as refused:
        charge(line, code, at=paris(2026, 11, 2), channel=channel)

    assert refused.value.code == error
    assert OneOffFee.objects.count() == 0
    assert not Activity.objects.filter(act=Act.ONE_OFF_FEE_CHARGE).exists()


def test_a_line_of_another_account_is_refused(line: Line) -> None:
    other = woot_line(open_account(), activated_at=paris(2026, 10, 1))
    with pytest.raises(BillingError) as refused:
        one_off_fee_charge(
            billing_account=line.billing_account,
            fee_code="remise-en-service-impaye",
            channel="customer_service",
            actor=SYSTEM,
            now=paris(2026, 11, 2),
            line=other,
        )
    assert refused.value.code == BillingErrorCode.FEE_LINE_NOT_ACCOUNTS
    assert OneOffFee.objects.count() == 0


def test_a_fee_is_never_invoiced_twice(line: Line) -> None:
    """A run that read the fee as pending while another run invoiced it is rolled back."""
    fee = charge(line, "remise-en-service-impaye", at=paris(2026, 11, 20))
    bill_run(period=NOVEMBER, now=datetime(2026, 12, 2, 8, 0, tzinfo=UTC))
    stale = rules.one_off_fee_charges(
        fees=[
            rules.OneOffFeeFacts(
                fee_id=fee.pk,
                code=fee.fee_code,
                label=fee.label,
                line_id=line.pk,
                amount_cents=1000,
                incurred_on=fee.incurred_on,
                rule=fee.rule,
            )
        ],
        period_start=DECEMBER,
    )

    with pytest.raises(BillingError) as refused:
        invoice_issue(
            billing_account=line.billing_account,
            period=DECEMBER,
            charges=stale,
            actor=SYSTEM,
            now=datetime(2027, 1, 2, 8, 0, tzinfo=UTC),
        )

    assert refused.value.code == BillingErrorCode.ONE_OFF_FEE_ALREADY_INVOICED
    assert not Invoice.objects.filter(period_start=DECEMBER).exists()
