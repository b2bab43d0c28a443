"""The personas' usage history, imported by the real usage import before the bill run."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from guichet.billing.models import Invoice, InvoiceLine
from guichet.customers.selectors import customer_get_by_login_email
from guichet.demo.services import demo_data_create
from guichet.lines.models import Line
from guichet.usage.models import LineUsageTotals, RejectedUsageRecord, UsageImport, UsageRecord
from guichet.usage.selectors import line_usage

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=ZoneInfo("Europe/Paris"))

pytestmark = pytest.mark.django_db


def mobile_line(email: str) -> Line:
    customer = customer_get_by_login_email(email=email)
    return Line.objects.get(billing_account__customer=customer, market="mobile")


@pytest.fixture
def demo(loaded_catalog):
    demo_data_create(customers=0, seed=1, now=NOW)


def test_every_persona_has_usage_every_month_since_activation(demo) -> None:
    batch = UsageImport.objects.get()
    assert batch.rated == batch.read > 10_000
    assert not RejectedUsageRecord.objects.exists()
    camille = mobile_line("camille@demo.guichet.fr")
    months = set(UsageRecord.objects.filter(line=camille).values_list("period_start", flat=True))
    assert len(months) == 42  # from her activation month to this one
    assert max(months) == date(2026, 11, 1)
    # Summer in Spain and Italy: roaming in zone 1, included.
    july = line_usage(line=camille, period_start=date(2026, 7, 1))
    assert july.data_roaming_ko > 0
    assert july.out_of_bundle_micro_eur == 0


def test_karims_calls_to_algeria_are_on_his_invoices(demo) -> None:
    karim = mobile_line("karim@demo.guichet.fr")
    october = Invoice.objects.get(
        billing_account=karim.billing_account, period_start=date(2026, 10, 1)
    )
    usage = october.lines.get(kind="usage")
    assert usage.label == "Appels hors forfait depuis la France vers la zone 2 — ligne " + (
        karim.display_number
    )
    assert usage.amount_cents > 0


def test_leas_trip_to_new_york_and_hugos_throttled_month(demo) -> None:
    lea = mobile_line("lea@demo.guichet.fr")
    august = Invoice.objects.get(billing_account=lea.billing_account, period_start=date(2026, 8, 1))
    assert sorted(line.usage_key for line in august.lines.filter(kind="usage")) == [
        "data:out:2:",
        "voice:in:2:",
        "voice:out:2:1",
    ]
    hugo = mobile_line("hugo@demo.guichet.fr")
    throttled = LineUsageTotals.objects.filter(line=hugo, throttled=True)
    assert list(throttled.values_list("period_start", flat=True)) == [date(2026, 9, 1)]
    assert InvoiceLine.objects.filter(line=hugo, kind="usage").count() == 0
