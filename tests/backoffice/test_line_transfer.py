"""A line transfer (CGS 12) completed from the console, end to end: the transferee accepted with
their code, the advisor checks the documents and transfers the line; the new holder gets a
customer area and a link to choose a password; a bill run then invoices the former holder up
to the transfer day and the new holder from it."""

from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlparse

import pytest
import time_machine
from django.urls import reverse

from guichet.billing.models import Invoice, InvoiceLineKind
from guichet.billing.rules import prorata_cents
from guichet.billing.services import bill_run
from guichet.care.models import Order, OutboxMessage, Request, RequestStatus
from guichet.catalog.models import Product
from guichet.customers.models import Customer
from guichet.customers.selectors import password_reset_user
from guichet.lines import offer_services as offer
from guichet.lines.emergencies import (
    sim_replacement_activate,
    sim_replacement_order,
    sim_replacement_price_cents,
)
from guichet.lines.models import (
    Line,
    LineStatus,
    Subscription,
    SubscriptionStatus,
    TerminationReason,
)
from guichet.lines.selectors import rating_lines_frame
from guichet.lines.services import line_activate, subscription_add
from guichet.usage.routing import route
from tests.backoffice.conftest import client_for
from tests.customers.builders import NOW, SYSTEM, as_customer, give_address, make_customer
from tests.lines.builders import make_account, make_mobile_line
from tests.rating.conftest import frame, record

pytestmark = pytest.mark.django_db

ASKED = datetime(2025, 4, 10, 8, 0, tzinfo=UTC)
# 16 April 2025, 10:00 in Paris: the line is the new holder's from that day.
DONE = datetime(2025, 4, 16, 8, 0, tzinfo=UTC)

NEW_HOLDER = {
    "civility": "mme",
    "first_name": "Inès",
    "last_name": "Martin",
    "contact_phone": "06 98 76 54 32",
    "street": "8 rue des Écoles",
    "postcode": "75005",
    "city": "Paris",
    "payment_method": "direct_debit",
    "debit_day": "10",
}


def _accepted_transfer(line: Line) -> Request:
    request = offer.line_transfer_request(
        line=line,
        transferee_name="Inès Martin",
        transferee_email="ines@example.fr",
        transferee_birth_date=date(1990, 5, 4),
        documents=["CNI 123", "RIB FR76", "Facture EDF mars"],
        actor=as_customer(line.billing_account.customer),
        now=ASKED,
    )
    return offer.line_transfer_accept(request=request, code=request.payload["code"], now=ASKED)


def _post_transfer(client, request: Request, data: dict[str, str] = NEW_HOLDER):
    with time_machine.travel(DONE, tick=False):
        return client.post(f"/conseiller/demarches/{request.pk}/transfer_complete/", data)


def test_the_advisor_transfers_the_line_and_each_holder_is_billed_for_their_days(
    mobile, advisor_client
):
    former = mobile.billing_account.customer
    request = _accepted_transfer(mobile)
    page = advisor_client.get(f"/conseiller/demarches/{request.pk}/").content.decode()
    assert "ines@example.fr" in page
    assert f"/conseiller/demarches/{request.pk}/transfer_complete/" in page

    response = _post_transfer(advisor_client, request)

    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.COMPLETED
    new_holder = Customer.objects.get(user__email="ines@example.fr")
    assert (new_holder.first_name, new_holder.last_name) == ("Inès", "Martin")
    assert not new_holder.user.has_usable_password()
    mobile.refresh_from_db()
    assert (mobile.status, mobile.terminated_at, mobile.iccid) == (LineStatus.TERMINATED, DONE, "")
    new_line = Line.objects.get(msisdn=mobile.msisdn, status=LineStatus.ACTIVE)
    assert new_line.billing_account.customer == new_holder
    assert (new_line.activated_at, new_line.puk) == (mobile.activated_at, mobile.puk)
    plan = Subscription.objects.get(line=new_line)
    assert (plan.product.code, plan.status, plan.starts_at, plan.ends_at) == (
        "woot-100go",
        SubscriptionStatus.ACTIVE,
        DONE,
        None,
    )

    report = bill_run(period=date(2025, 4, 1), now=datetime(2025, 5, 1, 8, 0, tzinfo=UTC))

    assert report.created == 2
    former_invoice = Invoice.objects.get(
        billing_account__customer=former, period_start=date(2025, 4, 1)
    )
    new_invoice = Invoice.objects.get(billing_account__customer=new_holder)
    former_fees = list(former_invoice.lines.filter(kind=InvoiceLineKind.PLAN_FEE))
    new_fees = list(new_invoice.lines.filter(kind=InvoiceLineKind.PLAN_FEE))
    assert [(fee.service_start, fee.service_end) for fee in former_fees] == [
        (date(2025, 4, 1), date(2025, 4, 15))
    ]
    assert [(fee.service_start, fee.service_end) for fee in new_fees] == [
        (date(2025, 4, 16), date(2025, 4, 30))
    ]
    # Woot 100 Go: 18 € list price, 5 € discount a month (brochure), 15 of April's 30 days each.
    assert [fee.amount_cents for fee in former_fees + new_fees] == [
        prorata_cents(monthly_cents=1800, days=15, month_days=30)
    ] * 2
    assert (former_invoice.total_cents, new_invoice.total_cents) == (650, 650)
    # CGS 12: "à titre gratuit" — no activation fee for the new holder.
    assert not new_invoice.lines.filter(kind=InvoiceLineKind.ACTIVATION_FEE).exists()


def test_a_transfer_in_the_month_of_activation_charges_the_activation_fee_once(
    catalog, advisor_client
):
    """Activated on 3 April, transferred on the 16th: the fee is on the former holder's first
    invoice only; the new record goes on with the same contract."""
    line = make_mobile_line(make_account(make_customer()))
    activated = datetime(2025, 4, 3, 8, 0, tzinfo=UTC)
    subscription_add(line=line, product=catalog["woot-100"], actor=SYSTEM, now=activated)
    line_activate(line=line, actor=SYSTEM, now=activated)
    _post_transfer(advisor_client, _accepted_transfer(line))

    bill_run(period=date(2025, 4, 1), now=datetime(2025, 5, 1, 8, 0, tzinfo=UTC))

    fees = Invoice.objects.filter(
        period_start=date(2025, 4, 1), lines__kind=InvoiceLineKind.ACTIVATION_FEE
    )
    assert [invoice.billing_account.customer for invoice in fees] == [line.billing_account.customer]
    new_line = Line.objects.get(msisdn=line.msisdn, status=LineStatus.ACTIVE)
    assert new_line.transferred_from == line
    line.refresh_from_db()
    assert line.termination_reason == TerminationReason.TRANSFER


def test_an_option_s_free_first_month_is_not_granted_again_to_the_new_holder(
    mobile, catalog, advisor_client
):
    """Mobile security (« Premier mois offert », once per line) taken on 2 April: free until
    2 May. The line passes to Inès on 16 April: she has the rest of that month free, not one
    of her own (without the former record, she would be billed from 16 May only)."""
    kaspersky = Product.objects.get(code="securite-kaspersky")
    subscription_add(
        line=mobile, product=kaspersky, actor=SYSTEM, now=datetime(2025, 4, 2, 8, 0, tzinfo=UTC)
    )
    _post_transfer(advisor_client, _accepted_transfer(mobile))

    bill_run(period=date(2025, 4, 1), now=datetime(2025, 5, 1, 8, 0, tzinfo=UTC))
    bill_run(period=date(2025, 5, 1), now=datetime(2025, 6, 1, 8, 0, tzinfo=UTC))

    new_holder = Customer.objects.get(user__email="ines@example.fr")
    new_line = Line.objects.get(msisdn=mobile.msisdn, status=LineStatus.ACTIVE)
    with time_machine.travel(DONE, tick=False):
        page = client_for(new_holder).get(reverse("selfcare:add_ons", args=[new_line.pk]))
    assert "offerte jusqu'au 1 mai 2025" in page.content.decode()
    option_fees = [
        (fee.service_start, fee.service_end, fee.amount_cents)
        for invoice in Invoice.objects.filter(billing_account__customer=new_holder).order_by(
            "period_start"
        )
        for fee in invoice.lines.filter(kind=InvoiceLineKind.OPTION_FEE).order_by("service_start")
    ]
    # 3 € a month (brochure, Options): 30 of May's 31 days.
    assert option_fees == [
        (date(2025, 4, 16), date(2025, 4, 30), 0),
        (date(2025, 5, 1), date(2025, 5, 1), 0),
        (
            date(2025, 5, 2),
            date(2025, 5, 31),
            prorata_cents(monthly_cents=300, days=30, month_days=31),
        ),
    ]


def test_the_free_replacement_sim_of_the_line_is_not_granted_again_to_the_new_holder(
    mobile, advisor_client
):
    """« GRATUIT la première fois » from self-care, over the line's life: a transfer does not
    start a new one."""
    former = mobile.billing_account.customer
    give_address(former)
    swap = sim_replacement_order(line=mobile, actor=as_customer(former), now=ASKED)
    assert Order.objects.get(pk=swap.order_id).total_cents == 0
    sim_replacement_activate(line=mobile, iccid=swap.iccid, actor=as_customer(former), now=ASKED)
    _post_transfer(advisor_client, _accepted_transfer(mobile))
    new_line = Line.objects.get(msisdn=mobile.msisdn, status=LineStatus.ACTIVE)

    assert sim_replacement_price_cents(line=new_line, channel="selfcare") == 1000


def test_the_new_holder_receives_a_link_that_lets_them_choose_a_password(mobile, advisor_client):
    _post_transfer(advisor_client, _accepted_transfer(mobile))

    notices = OutboxMessage.objects.filter(recipient="ines@example.fr", template="offer_notice")
    assert sorted(notice.context["subject"] for notice in notices) == [
        f"La ligne {mobile.display_number} est à votre nom",
        "Votre espace client Guichet",
    ]
    welcome = notices.get(context__subject="Votre espace client Guichet")
    link = next(word for word in welcome.context["text"].split() if word.startswith("http"))
    _, uidb64, token = urlparse(link).path.strip("/").split("/")
    with time_machine.travel(DONE + timedelta(minutes=30), tick=False):
        user = password_reset_user(uidb64=uidb64, token=token)
    assert user is not None and user.email == "ines@example.fr"


def test_the_former_holder_sees_the_request_completed_on_their_requests_page(
    mobile, advisor_client
):
    former = mobile.billing_account.customer
    request = _accepted_transfer(mobile)
    _post_transfer(advisor_client, request)

    page = client_for(former).get("/compte/demarches/").content.decode()

    assert "Cession de ligne" in page
    assert "Terminée" in page
    assert OutboxMessage.objects.filter(
        customer=former, template="request_completed", context__request=request.pk
    ).exists()


def test_a_transfer_not_accepted_yet_cannot_be_completed(mobile, advisor_client):
    request = offer.line_transfer_request(
        line=mobile,
        transferee_name="Inès Martin",
        transferee_email="ines@example.fr",
        transferee_birth_date=date(1990, 5, 4),
        documents=["CNI 123", "RIB FR76", "Facture EDF mars"],
        actor=as_customer(mobile.billing_account.customer),
        now=ASKED,
    )
    response = _post_transfer(advisor_client, request)

    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED
    mobile.refresh_from_db()
    assert mobile.status == LineStatus.ACTIVE
    assert not Customer.objects.filter(user__email="ines@example.fr").exists()


def test_a_transfer_form_with_a_missing_field_changes_nothing(mobile, advisor_client):
    request = _accepted_transfer(mobile)
    response = _post_transfer(advisor_client, request, {**NEW_HOLDER, "contact_phone": ""})

    assert response.status_code == 400
    request.refresh_from_db()
    assert request.status == RequestStatus.IN_PROGRESS
    mobile.refresh_from_db()
    assert mobile.status == LineStatus.ACTIVE


def test_a_transfer_is_rejected_only_with_a_reason(mobile, advisor_client):
    request = _accepted_transfer(mobile)
    url = f"/conseiller/demarches/{request.pk}/reject/"

    assert advisor_client.post(url, {"reason": "  "}).status_code == 400
    request.refresh_from_db()
    assert request.status == RequestStatus.IN_PROGRESS

    advisor_client.post(url, {"reason": "La pièce d'identité est illisible."})
    request.refresh_from_db()
    assert (request.status, request.resolution) == (
        RequestStatus.REJECTED,
        "La pièce d'identité est illisible.",
    )
    mobile.refresh_from_db()
    assert mobile.status == LineStatus.ACTIVE
    assert NOW < ASKED


def test_usage_before_the_transfer_is_the_former_records_and_after_it_the_new_ones(
    mobile, advisor_client
):
    _post_transfer(advisor_client, _accepted_transfer(mobile))
    new_line = Line.objects.get(msisdn=mobile.msisdn, status=LineStatus.ACTIVE)

    routed = route(
        frame(
            [
                record("before", line=mobile.msisdn, started_at="2025-04-16T09:59:00+02:00"),
                record("after", line=mobile.msisdn, started_at="2025-04-16T10:01:00+02:00"),
            ]
        ),
        rating_lines_frame(msisdns=[mobile.msisdn]),
        now=datetime(2025, 5, 1, 8, 0, tzinfo=UTC),
        rateable_plans={"woot-100go"},
    )

    assert routed.select("line_id", "plan_code", "route_reason").rows() == [
        (mobile.pk, "woot-100go", None),
        (new_line.pk, "woot-100go", None),
    ]


def test_a_transferee_who_is_already_a_customer_gets_the_line_on_a_new_account(
    mobile, advisor_client
):
    existing = make_customer(email="ines@example.fr", first_name="Inès", last_name="Martin")

    _post_transfer(advisor_client, _accepted_transfer(mobile))

    new_line = Line.objects.get(msisdn=mobile.msisdn, status=LineStatus.ACTIVE)
    assert new_line.billing_account.customer == existing
    assert Customer.objects.filter(user__email="ines@example.fr").count() == 1
    existing.user.refresh_from_db()
    assert existing.user.has_usable_password()  # no invitation: they sign in as before
    assert not OutboxMessage.objects.filter(
        recipient="ines@example.fr", context__subject="Votre espace client Guichet"
    ).exists()
