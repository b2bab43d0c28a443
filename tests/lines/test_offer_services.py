"""Offer management acts through their services: options, offer changes, termination and its
cancellation, the daily job, withdrawal, line transfer, number change, box move."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command

from guichet.billing.models import OneOffCharge
from guichet.care.models import (
    Activity,
    OrderKind,
    OrderStatus,
    OutboxMessage,
    Request,
    RequestKind,
    RequestStatus,
)
from guichet.care.services import OrderItemIn, order_advance, order_create
from guichet.catalog.models import Product
from guichet.lines import offer_services as offer
from guichet.lines.errors import SubscriptionError, SubscriptionErrorCode
from guichet.lines.models import (
    EquipmentKind,
    Line,
    LineStatus,
    Ownership,
    Subscription,
    SubscriptionStatus,
    SuspensionReason,
)
from guichet.lines.services import (
    equipment_register,
    line_activate,
    line_suspend,
    subscription_add,
)
from tests.customers.builders import NOW, SYSTEM, as_customer, make_customer
from tests.lines.builders import make_account, make_catalog, make_fixed_line, make_mobile_line

pytestmark = pytest.mark.django_db

LATER = NOW + timedelta(days=40)  # 12 April 2025


@pytest.fixture
def catalog():
    return make_catalog()


@pytest.fixture
def mobile(catalog) -> Line:
    line = make_mobile_line(make_account(make_customer()))
    subscription_add(line=line, product=catalog["woot-100"], actor=SYSTEM, now=NOW)
    line_activate(line=line, actor=SYSTEM, now=NOW)
    return line


@pytest.fixture
def box(catalog) -> Line:
    customer = make_customer()
    line = make_fixed_line(make_account(customer))
    subscription_add(line=line, product=catalog["box-fibre"], actor=SYSTEM, now=NOW)
    equipment_register(
        customer=customer,
        kind=EquipmentKind.BOX,
        model="Bbox",
        ownership=Ownership.RENTED,
        acquired_at=NOW,
        actor=SYSTEM,
        now=NOW,
        line=line,
        serial_number="SN-1",
    )
    line_activate(line=line, actor=SYSTEM, now=NOW, commitment_months=12)
    return line


def _actor(line: Line):
    return as_customer(line.billing_account.customer)


def _product(code: str) -> Product:
    return Product.objects.get(code=code)


# Options ---------------------------------------------------------------------------------------


def _entries(subject) -> list[str]:
    return list(
        Activity.objects.filter(subject_type=subject._meta.label_lower, subject_id=subject.pk)
        .order_by("id")
        .values_list("act", flat=True)
    )


def _notices(line: Line) -> list[str]:
    return [
        message.context["subject"]
        for message in OutboxMessage.objects.filter(
            customer=line.billing_account.customer, template="offer_notice", channel="email"
        ).order_by("id")
    ]


def test_an_option_subscribed_starts_now_and_is_notified(mobile):
    subscription = offer.add_on_subscribe(
        line=mobile, product=_product("double-appel"), actor=_actor(mobile), now=LATER
    )
    assert (subscription.status, subscription.starts_at) == (SubscriptionStatus.ACTIVE, LATER)
    # One act, one entry (not a "subscription.add" beside it).
    assert _entries(subscription) == ["offer.add_on_subscribe"]
    entry = Activity.objects.get(subject_id=subscription.pk, act="offer.add_on_subscribe")
    assert entry.summary == (
        f"Option « Double Appel » ajoutée à la ligne {mobile.display_number} (1,00 € par mois)"
    )
    assert entry.new_values["product"] == "double-appel"
    assert _notices(mobile) == ["Option « Double Appel » activée"]


def test_an_option_cancelled_at_once_and_a_plan_change_write_one_entry_each(mobile, catalog):
    subscription = offer.add_on_subscribe(
        line=mobile, product=_product("double-appel"), actor=SYSTEM, now=LATER
    )
    offer.add_on_cancel(subscription=subscription, actor=SYSTEM, now=LATER)
    assert _entries(subscription) == ["offer.add_on_subscribe", "offer.add_on_cancel"]

    new = offer.offer_change(line=mobile, product=catalog["woot-20"], actor=SYSTEM, now=LATER)
    assert _entries(new) == ["offer.change"]
    entry = Activity.objects.get(subject_id=new.pk, act="offer.change")
    assert entry.old_values == {"product": catalog["woot-100"].code}


def test_the_international_option_waits_for_the_first_month(catalog):
    line = make_mobile_line(make_account(make_customer()))
    subscription_add(line=line, product=catalog["woot-100"], actor=SYSTEM, now=LATER)
    line_activate(line=line, actor=SYSTEM, now=LATER)
    with pytest.raises(SubscriptionError) as refused:
        offer.add_on_subscribe(
            line=line,
            product=_product("option-internationale"),
            actor=_actor(line),
            now=LATER + timedelta(days=3),
        )
    assert refused.value.code == SubscriptionErrorCode.CONDITION_NOT_MET
    assert not Subscription.objects.filter(line=line, product__code="option-internationale")


def test_a_plan_change_does_not_start_the_international_option_s_wait_again(mobile, catalog):
    offer.offer_change(line=mobile, product=catalog["woot-20"], actor=SYSTEM, now=LATER)
    started = datetime(2025, 5, 1, 8, 0, tzinfo=UTC)
    assert offer.offer_due_run(now=started).offers_started == 1

    # The new plan is two days old; the contract, two months.
    offer.add_on_subscribe(
        line=mobile,
        product=_product("option-internationale"),
        actor=_actor(mobile),
        now=started + timedelta(days=2),
    )

    assert Subscription.objects.get(line=mobile, product__code="option-internationale")


def test_incompatible_options_are_refused(mobile):
    offer.add_on_subscribe(line=mobile, product=_product("blocage"), actor=SYSTEM, now=LATER)
    with pytest.raises(SubscriptionError) as refused:
        offer.add_on_subscribe(
            line=mobile, product=_product("blocage-numeros-surtaxes"), actor=SYSTEM, now=LATER
        )
    assert refused.value.code == SubscriptionErrorCode.INCOMPATIBLE


def test_an_immediate_option_ends_at_once_when_cancelled(mobile):
    subscription = offer.add_on_subscribe(
        line=mobile, product=_product("double-appel"), actor=SYSTEM, now=LATER
    )
    ended = offer.add_on_cancel(
        subscription=subscription, actor=SYSTEM, now=LATER + timedelta(hours=1)
    )
    assert (ended.status, ended.ends_at) == (SubscriptionStatus.ENDED, LATER + timedelta(hours=1))


def test_mobile_security_cancelled_ends_at_the_next_renewal(mobile):
    # Options note (4): "modification … applicable à la prochaine date de renouvellement".
    subscription = offer.add_on_subscribe(
        line=mobile, product=_product("securite-kaspersky"), actor=SYSTEM, now=LATER
    )
    ended = offer.add_on_cancel(subscription=subscription, actor=SYSTEM, now=LATER)
    assert ended.status == SubscriptionStatus.ACTIVE
    assert ended.ends_at.astimezone(offer.PARIS).date() == date(2025, 5, 1)


def test_an_option_cancelled_at_the_next_renewal_ends_then_through_the_daily_command(
    mobile, capsys
):
    subscription = offer.add_on_subscribe(
        line=mobile, product=_product("securite-kaspersky"), actor=_actor(mobile), now=LATER
    )
    offer.add_on_cancel(subscription=subscription, actor=_actor(mobile), now=LATER)
    renewal = datetime(2025, 5, 1, tzinfo=offer.PARIS)
    notices_before = _notices(mobile)

    with time_machine.travel(renewal - timedelta(minutes=1)):
        call_command("offer-due")
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.ACTIVE
    with time_machine.travel(renewal + timedelta(hours=2)):
        call_command("offer-due")
        call_command("offer-due")

    assert capsys.readouterr().out.split("\n")[:3] == [
        "terminated=0 offers_started=0 add_ons_ended=0 top_ups_expired=0",
        "terminated=0 offers_started=0 add_ons_ended=1 top_ups_expired=0",
        "terminated=0 offers_started=0 add_ons_ended=0 top_ups_expired=0",
    ]
    subscription.refresh_from_db()
    # Ended at the renewal instant the cancellation named, not when the job ran.
    assert (subscription.status, subscription.ends_at) == (SubscriptionStatus.ENDED, renewal)
    ended = Activity.objects.get(subject_id=subscription.pk, act="subscription.end")
    assert ended.actor_kind == "system"
    assert ended.at == renewal + timedelta(hours=2)
    assert _notices(mobile) == [
        *notices_before,
        "Option « Option sécurité du mobile par Kaspersky » terminée",
    ]
    # Ended, it no longer blocks subscribing it again.
    again = offer.add_on_subscribe(
        line=mobile,
        product=_product("securite-kaspersky"),
        actor=SYSTEM,
        now=renewal + timedelta(days=1),
    )
    assert again.status == SubscriptionStatus.ACTIVE


# Offer changes ---------------------------------------------------------------------------------


def test_a_plan_change_ends_the_old_plan_and_starts_the_new_next_period(mobile, catalog):
    new = offer.offer_change(line=mobile, product=catalog["woot-20"], actor=SYSTEM, now=LATER)
    start = datetime(2025, 5, 1, tzinfo=offer.PARIS)
    assert (new.status, new.starts_at) == (SubscriptionStatus.SCHEDULED, start)
    old = Subscription.objects.get(line=mobile, product=catalog["woot-100"])
    assert old.ends_at == start

    report = offer.offer_due_run(now=start + timedelta(hours=1))

    assert report.offers_started == 1
    assert _notices(mobile)[-1] == "Votre offre « Woot 20 Go » est active"
    assert offer.offer_due_run(now=start + timedelta(hours=2)).offers_started == 0
    new.refresh_from_db()
    old.refresh_from_db()
    assert (new.status, old.status) == (SubscriptionStatus.ACTIVE, SubscriptionStatus.ENDED)
    assert old.ends_at == start


def test_a_plan_change_starts_on_a_suspended_line_too(mobile, catalog):
    # CGS 2.4: a suspension stops the service, not the contract; the daily job must not stop
    # at this line either.
    new = offer.offer_change(line=mobile, product=catalog["woot-20"], actor=SYSTEM, now=LATER)
    line_suspend(line=mobile, reason=SuspensionReason.LOSS, actor=_actor(mobile), now=LATER)

    report = offer.offer_due_run(now=new.starts_at + timedelta(hours=1))

    new.refresh_from_db()
    assert (report.offers_started, new.status) == (1, SubscriptionStatus.ACTIVE)


def test_a_plan_change_to_the_same_offer_or_twice_is_refused(mobile, catalog):
    with pytest.raises(offer.OfferError) as same:
        offer.offer_change(line=mobile, product=catalog["woot-100"], actor=SYSTEM, now=LATER)
    assert same.value.code == offer.OfferErrorCode.SAME_OFFER
    offer.offer_change(line=mobile, product=catalog["woot-20"], actor=SYSTEM, now=LATER)
    with pytest.raises(offer.OfferError) as twice:
        offer.offer_change(line=mobile, product=catalog["woot-20"], actor=SYSTEM, now=LATER)
    assert twice.value.code in (
        offer.OfferErrorCode.CHANGE_ALREADY_SCHEDULED,
        offer.OfferErrorCode.OFFER_NOT_AVAILABLE,
    )


def test_the_catalogs_sample_plan_is_offered_both_ways(mobile, catalog):
    # catalog/data/plans.toml: "Woot 20 Go (exemple)", is_sample, the brochure's one other plan.
    sample = _product("woot-20go-exemple")
    assert sample.is_sample
    assert sample in offer.offers_for_change(line=mobile)
    assert catalog["woot-100"] not in offer.offers_for_change(line=mobile)

    new = offer.offer_change(line=mobile, product=sample, actor=SYSTEM, now=LATER)
    offer.offer_due_run(now=new.starts_at + timedelta(hours=1))

    assert catalog["woot-100"] in offer.offers_for_change(line=mobile)
    assert sample not in offer.offers_for_change(line=mobile)


def test_a_box_offer_change_offers_the_other_box_offer(box):
    assert [p.code for p in offer.offers_for_change(line=box)] == ["bbox-fibre-essentiel-exemple"]


# Termination -----------------------------------------------------------------------------------


def test_terminating_a_line_without_commitment_is_free_after_10_days(mobile):
    request = offer.termination_request(line=mobile, actor=_actor(mobile), now=LATER)
    assert request.payload["termination_date"] == "2025-04-22"
    assert request.payload["fee_cents"] == 0
    mobile.refresh_from_db()
    assert mobile.status == LineStatus.ACTIVE  # never at once

    assert offer.offer_due_run(now=LATER + timedelta(days=9)).terminated == 0
    assert offer.offer_due_run(now=LATER + timedelta(days=10)).terminated == 1

    mobile.refresh_from_db()
    request.refresh_from_db()
    assert mobile.status == LineStatus.TERMINATED
    assert request.status == RequestStatus.COMPLETED
    assert not OneOffCharge.objects.filter(billing_account=mobile.billing_account)


def test_terminating_within_the_commitment_charges_the_cgs_fees_on_the_last_invoice(box):
    quote = offer.termination_quote(line=box, legitimate_reason=False, now=LATER)
    # Activated 3 March 2025 for 12 months; ends 22 April 2025: 10 full months at 30.99 €.
    assert quote.fees.first_year_months == 10
    assert quote.fees.amount_cents == 30990

    offer.termination_request(line=box, actor=_actor(box), now=LATER)
    offer.offer_due_run(now=LATER + timedelta(days=10))

    charge = OneOffCharge.objects.get(billing_account=box.billing_account)
    assert charge.amount_cents == 30990
    assert "résiliation anticipée" in charge.label


def test_a_legitimate_reason_needs_its_proof_and_makes_termination_free(box):
    with pytest.raises(offer.OfferError) as refused:
        offer.termination_request(
            line=box, actor=_actor(box), now=LATER, legitimate_reason="dismissal"
        )
    assert refused.value.code == offer.OfferErrorCode.PROOF_REQUIRED
    assert not Request.objects.filter(line=box, kind=RequestKind.TERMINATION)

    request = offer.termination_request(
        line=box,
        actor=_actor(box),
        now=LATER,
        legitimate_reason="dismissal",
        proof_name="lettre-licenciement.pdf",
    )
    assert request.payload["fee_cents"] == 0


def test_terminating_a_box_opens_the_equipment_return_in_the_activity_log(box):
    offer.termination_request(line=box, actor=_actor(box), now=LATER)
    returning = offer.equipment_return_pending(line=box)
    assert returning.payload["return_deadline"] == "2025-05-06"
    entry = Activity.objects.get(act="offer.equipment_return")
    assert entry.subject_id == box.pk


def test_a_termination_can_be_cancelled_before_its_date_only(mobile, box):
    offer.termination_request(line=box, actor=_actor(box), now=LATER)
    request = offer.termination_cancel(line=box, actor=_actor(box), now=LATER + timedelta(days=2))
    assert request.status == RequestStatus.CANCELLED
    assert offer.equipment_return_pending(line=box) is None
    assert offer.offer_due_run(now=LATER + timedelta(days=11)).terminated == 0

    offer.termination_request(line=mobile, actor=_actor(mobile), now=LATER)
    with pytest.raises(offer.OfferError) as late:
        offer.termination_cancel(line=mobile, actor=_actor(mobile), now=LATER + timedelta(days=10))
    assert late.value.code == offer.OfferErrorCode.TERMINATION_PAST


# Withdrawal ------------------------------------------------------------------------------------


def test_withdrawal_within_14_days_terminates_with_the_prorata_due(catalog):
    line = make_mobile_line(make_account(make_customer()), now=LATER)
    subscription_add(line=line, product=catalog["woot-100"], actor=SYSTEM, now=LATER)
    line_activate(line=line, actor=SYSTEM, now=LATER)

    request = offer.withdrawal(line=line, actor=_actor(line), now=LATER + timedelta(days=6))

    line.refresh_from_db()
    assert line.status == LineStatus.TERMINATED
    assert line.termination_reason == "withdrawal"
    assert request.payload["prorata_cents"] == 260  # 6 days of April at 12.99 €


def test_withdrawal_runs_from_the_sim_s_receipt_not_from_the_subscription(catalog):
    line = make_mobile_line(make_account(make_customer()), now=NOW)
    order = order_create(
        customer=line.billing_account.customer,
        kind=OrderKind.ACQUISITION,
        line=line,
        items=[OrderItemIn(label="Carte SIM", quantity=1, unit_price_cents=1000)],
        actor=SYSTEM,
        now=NOW,
    )
    # Subscribed 40 days ago, the SIM still on its way: the 14 days have not started.
    assert offer.withdrawal_quote(line=line, now=LATER) == (None, 0)
    for step in (OrderStatus.IN_PREPARATION, OrderStatus.SHIPPED):
        order_advance(order=order, to_status=step, actor=SYSTEM, now=NOW, tracking_number="T")
    order_advance(order=order, to_status=OrderStatus.DELIVERED, actor=SYSTEM, now=LATER)
    # Received on 12 April: the last day is 26 April.
    assert offer.withdrawal_quote(line=line, now=LATER)[0] == date(2025, 4, 26)

    offer.withdrawal(line=line, actor=_actor(line), now=LATER + timedelta(days=14))

    line.refresh_from_db()
    assert line.status == LineStatus.TERMINATED


def test_withdrawal_after_14_days_is_refused_with_the_reason(mobile):
    with pytest.raises(offer.OfferError) as refused:
        offer.withdrawal(line=mobile, actor=_actor(mobile), now=LATER)
    assert "a pris fin le 17/03/2025" in refused.value.message
    mobile.refresh_from_db()
    assert mobile.status == LineStatus.ACTIVE


# Line transfer ---------------------------------------------------------------------------------


def _transfer(line, **overrides):
    args = {
        "line": line,
        "transferee_name": "Inès Martin",
        "transferee_email": "ines@example.fr",
        "transferee_birth_date": date(1990, 5, 4),
        "documents": ["CNI 123", "FR76 …", "Facture EDF mars"],
        "actor": _actor(line),
        "now": LATER,
    }
    return offer.line_transfer_request(**{**args, **overrides})


def test_a_transfer_invites_the_new_holder_who_accepts_with_the_code(mobile):
    request = _transfer(mobile)
    invitation = OutboxMessage.objects.get(template="line_transfer_invitation")
    assert invitation.recipient == "ines@example.fr"
    assert invitation.context["code"] == request.payload["code"]

    with pytest.raises(offer.OfferError):
        offer.line_transfer_accept(request=request, code="000000x", now=LATER)
    found = offer.line_transfer_for_token(token=request.payload["token"])
    accepted = offer.line_transfer_accept(request=found, code=request.payload["code"], now=LATER)
    assert accepted.status == RequestStatus.IN_PROGRESS


def test_a_transfer_to_a_minor_or_without_documents_is_refused(mobile):
    with pytest.raises(offer.OfferError, match="majeur"):
        _transfer(mobile, transferee_birth_date=date(2015, 1, 1))
    with pytest.raises(offer.OfferError, match="documents"):
        _transfer(mobile, documents=["CNI"])
    assert not Request.objects.filter(line=mobile)


# Number change and box move --------------------------------------------------------------------


def test_a_number_change_takes_an_offered_number_and_charges_10_euros(mobile):
    old = mobile.msisdn
    new = offer.number_change_candidates(line=mobile, now=LATER)[1]
    offer.number_change(line=mobile, new_msisdn=new, actor=_actor(mobile), now=LATER)
    mobile.refresh_from_db()
    assert (mobile.msisdn, old != new) == (new, True)
    charge = OneOffCharge.objects.get(billing_account=mobile.billing_account)
    assert charge.amount_cents == 1000


def test_a_number_not_offered_is_refused(mobile):
    with pytest.raises(offer.OfferError) as refused:
        offer.number_change(line=mobile, new_msisdn="+33611111111", actor=SYSTEM, now=LATER)
    assert refused.value.code == offer.OfferErrorCode.NUMBER_NOT_OFFERED


def test_a_move_to_an_eligible_address_opens_a_move_request(box):
    request = offer.box_move_request(
        line=box,
        street="3 rue des Lilas",
        postcode="75011",
        city="Paris",
        move_date=date(2025, 5, 2),
        actor=_actor(box),
        now=LATER,
    )
    assert request.kind == RequestKind.MOVE
    assert request.payload["new_address"] == "3 rue des Lilas, 75011 Paris"


def test_a_move_where_fibre_is_not_available_is_refused_naming_the_legitimate_reason(box):
    with pytest.raises(offer.OfferError, match="motif légitime") as refused:
        offer.box_move_request(
            line=box,
            street="1 place Bellecour",
            postcode="69009",
            city="Lyon",
            move_date=date(2025, 5, 2),
            actor=_actor(box),
            now=LATER,
        )
    assert refused.value.code == offer.OfferErrorCode.NOT_ELIGIBLE


def test_a_top_up_past_its_validity_is_marked_ended_at_its_end(mobile, catalog):
    bought = LATER
    validity_end = bought + timedelta(days=7)
    top_up = subscription_add(
        line=mobile, product=catalog["top-up-1go"], actor=SYSTEM, now=bought, ends_at=validity_end
    )

    assert offer.offer_due_run(now=validity_end - timedelta(minutes=1)).top_ups_expired == 0
    report = offer.offer_due_run(now=validity_end + timedelta(days=2))

    assert report.top_ups_expired == 1
    top_up.refresh_from_db()
    # Its end stays the end of its validity, not the day the job ran.
    assert (top_up.status, top_up.ends_at) == (SubscriptionStatus.ENDED, validity_end)
    ended = Activity.objects.get(subject_id=top_up.pk, act="subscription.end")
    assert ended.summary.startswith("Fin de validité de la recharge")
    assert offer.offer_due_run(now=validity_end + timedelta(days=3)).top_ups_expired == 0


def test_the_daily_command_runs_the_due_acts(mobile, capsys):
    offer.termination_request(line=mobile, actor=_actor(mobile), now=LATER)
    with time_machine.travel(LATER + timedelta(days=11)):
        call_command("offer-due")
        call_command("offer-due")
    assert capsys.readouterr().out.split("\n")[:2] == [
        "terminated=1 offers_started=0 add_ons_ended=0 top_ups_expired=0",
        "terminated=0 offers_started=0 add_ons_ended=0 top_ups_expired=0",
    ]
