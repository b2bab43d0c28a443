"""Internet+ purchases and the box's VOD reach the invoice of their month, each once."""

from datetime import UTC, date, datetime

import pytest

from guichet.billing.models import Invoice, InvoiceLine
from guichet.billing.services import bill_run
from guichet.catalog.models import CatalogRelease
from guichet.lines.services import line_activate, subscription_add
from guichet.usage.services import (
    carrier_billing_purchase_record,
    carrier_billing_subscription_start,
    vod_purchase_record,
)
from tests.billing.builders import open_account, paris, product, woot_line
from tests.customers.builders import SYSTEM
from tests.lines.builders import make_fixed_line

pytestmark = pytest.mark.django_db

NOVEMBER = date(2026, 11, 1)
DECEMBER = date(2026, 12, 1)
RUN_AT = datetime(2027, 1, 3, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _catalog(loaded_catalog: CatalogRelease) -> CatalogRelease:
    return loaded_catalog


def lines_of(account_id: int, period: date) -> list[tuple[str, str, int, int]]:
    invoice = Invoice.objects.get(billing_account_id=account_id, period_start=period)
    return [
        (line.kind, line.label, line.amount_cents, line.vat_cents)
        for line in invoice.lines.order_by("position")
    ]


def test_internet_plus_purchases_are_billed_in_their_month() -> None:
    account = open_account()
    line = woot_line(account, activated_at=paris(2026, 10, 1))
    carrier_billing_subscription_start(
        line=line,
        merchant="Gameloft",
        service="Jeux illimités",
        monthly_price_cents=499,
        now=paris(2026, 11, 5),
    )
    carrier_billing_purchase_record(
        line=line, merchant="Le Monde", service="Article", amount_cents=150, now=paris(2026, 11, 20)
    )
    # 30 November 23:30 in Paris is still November; 1 December 00:30 in Paris is December.
    carrier_billing_purchase_record(
        line=line,
        merchant="Le Monde",
        service="Archives",
        amount_cents=200,
        now=datetime(2026, 11, 30, 22, 30, tzinfo=UTC),
    )
    carrier_billing_purchase_record(
        line=line,
        merchant="Le Monde",
        service="Dossier",
        amount_cents=300,
        now=datetime(2026, 11, 30, 23, 30, tzinfo=UTC),
    )

    report = bill_run(period=NOVEMBER, now=RUN_AT)

    number = line.display_number
    assert lines_of(account.pk, NOVEMBER)[2:] == [
        (
            "carrier_billing",
            f"Achat Internet+ : Jeux illimités (Gameloft) du 05/11/2026 — ligne {number}",
            499,
            83,  # 499 × 20 / 120 = 83.17
        ),
        (
            "carrier_billing",
            f"Achat Internet+ : Article (Le Monde) du 20/11/2026 — ligne {number}",
            150,
            25,
        ),
        (
            "carrier_billing",
            f"Achat Internet+ : Archives (Le Monde) du 30/11/2026 — ligne {number}",
            200,
            33,  # 33.33
        ),
    ]
    # The plan (12.99 €) and the three purchases.
    assert report.summary() == "accounts=1 created=1 existing=0 total_eur=21.48"

    december = bill_run(period=DECEMBER, now=RUN_AT)

    assert [row[:3] for row in lines_of(account.pk, DECEMBER)[2:]] == [
        (
            "carrier_billing",
            f"Achat Internet+ : Dossier (Le Monde) du 01/12/2026 — ligne {number}",
            300,
        )
    ]
    assert december.total_cents == 1299 + 300


def test_vod_on_the_box_is_billed_once_even_when_the_run_is_repeated() -> None:
    account = open_account()
    box = make_fixed_line(account)
    subscription_add(
        line=box, product=product("bbox-fibre-exemple"), actor=SYSTEM, now=paris(2026, 10, 1)
    )
    line_activate(line=box, actor=SYSTEM, now=paris(2026, 10, 1))
    vod_purchase_record(
        line=box,
        title="Le Fabuleux Destin",
        kind="rental",
        amount_cents=399,
        now=paris(2026, 11, 8),
    )
    vod_purchase_record(
        line=box, title="Intouchables", kind="purchase", amount_cents=1299, now=paris(2026, 11, 9)
    )

    bill_run(period=NOVEMBER, now=RUN_AT)
    again = bill_run(period=NOVEMBER, now=RUN_AT)

    label = box.display_number
    assert lines_of(account.pk, NOVEMBER)[1:] == [
        (
            "vod",
            f"Vidéo à la demande : Le Fabuleux Destin (location) du 08/11/2026 — ligne {label}",
            399,
            67,  # 66.5 → 67
        ),
        (
            "vod",
            f"Vidéo à la demande : Intouchables (achat) du 09/11/2026 — ligne {label}",
            1299,
            217,
        ),
    ]
    assert again.summary() == "accounts=1 created=0 existing=1 total_eur=47.97"
    assert InvoiceLine.objects.filter(kind="vod").count() == 2


def test_a_merchants_label_reaches_the_invoice_as_written() -> None:
    # Whatever the merchant wrote (a backslash, a tab, a line break, quotes) is stored as is:
    # on PostgreSQL the invoice lines go through COPY, whose text format escapes them.
    account = open_account()
    line = woot_line(account, activated_at=paris(2026, 10, 1))
    service = 'Pack \\ "500"\tgemmes\n(promo) ; l\'offre'
    carrier_billing_purchase_record(
        line=line, merchant="Jeux", service=service, amount_cents=299, now=paris(2026, 11, 3)
    )

    bill_run(period=NOVEMBER, now=RUN_AT)

    assert lines_of(account.pk, NOVEMBER)[2][1] == (
        f"Achat Internet+ : {service} (Jeux) du 03/11/2026 — ligne {line.display_number}"
    )
