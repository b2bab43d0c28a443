"""The emergency acts and the codes of a line, through their services, on the demo personas."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.hashers import check_password

from guichet.billing.models import OneOffCharge
from guichet.care.actors import Actor
from guichet.care.models import Activity, Order, OrderStatus, OutboxMessage, RequestStatus
from guichet.catalog.models import Market
from guichet.catalog.selectors import product_get
from guichet.customers.selectors import customer_get_by_login_email
from guichet.demo.services import demo_data_create
from guichet.lines.codes import national_number, rio_valid
from guichet.lines.emergencies import (
    business_days_after,
    loss_theft_declare,
    loss_theft_lift,
    optical_outlet_reference_set,
    porting_code_show,
    puk_show,
    sim_replacement_activate,
    sim_replacement_order,
    tv_pins_set,
    unlock_code_collect,
    unlock_code_request,
    unlockable_phones,
)
from guichet.lines.errors import LineError, LineErrorCode
from guichet.lines.models import (
    BoxLineDetails,
    LineStatus,
    ProvisioningCommand,
    SimSwapStatus,
    SuspensionReason,
    TerminationReason,
)
from guichet.lines.selectors import lines_for_customer
from guichet.lines.services import (
    line_activate,
    line_create,
    line_suspend,
    line_suspension_cause_end,
    line_terminate,
    subscription_add,
)

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=PARIS)
LATER = datetime(2026, 11, 24, 9, 0, tzinfo=PARIS)

pytestmark = pytest.mark.django_db


@pytest.fixture
def personas(loaded_catalog):
    demo_data_create(customers=0, seed=1, now=NOW)


def _persona(email):
    customer = customer_get_by_login_email(email=email)
    return customer, Actor.customer(customer.user)


def _line(email, market=Market.MOBILE):
    customer, actor = _persona(email)
    return next(
        line for line in lines_for_customer(customer=customer) if line.market == market
    ), actor


def test_theft_suspends_the_line_for_free_and_bars_the_sim(personas):
    line, actor = _line("camille@demo.guichet.fr")
    charges = OneOffCharge.objects.count()

    declaration = loss_theft_declare(line=line, reason=SuspensionReason.THEFT, actor=actor, now=NOW)

    line.refresh_from_db()
    assert (line.status, line.suspension_reason) == (LineStatus.SUSPENDED, SuspensionReason.THEFT)
    assert list(
        ProvisioningCommand.objects.filter(line=line).values_list("command", flat=True)
    ) == ["suspend"]
    assert OneOffCharge.objects.count() == charges  # "Suspension … vol ou perte : GRATUIT"
    # Monday 23 November 2026 + 2 jours ouvrés.
    assert declaration.insurer_deadline == date(2026, 11, 25)


def test_the_insurer_deadline_skips_saturday_sunday_and_christmas():
    # Thursday 24 December 2026: the 25th is a holiday, then a weekend.
    assert business_days_after(date(2026, 12, 24), 2) == date(2026, 12, 29)


def test_a_loss_has_no_insurer_deadline_and_the_found_device_lifts_it(personas):
    line, actor = _line("camille@demo.guichet.fr")
    declaration = loss_theft_declare(line=line, reason=SuspensionReason.LOSS, actor=actor, now=NOW)
    assert declaration.insurer_deadline is None

    loss_theft_lift(line=line, actor=actor, now=LATER)

    line.refresh_from_db()
    assert line.status == LineStatus.ACTIVE
    assert ProvisioningCommand.objects.filter(line=line).last().command == "reinstate"


def test_an_unpaid_suspension_is_not_lifted_here_and_nothing_changes(personas):
    line, actor = _line("karim@demo.guichet.fr")
    assert line.suspension_reason == SuspensionReason.UNPAID

    with pytest.raises(LineError, match="dès que le montant dû est réglé") as refused:
        loss_theft_lift(line=line, actor=actor, now=NOW)

    assert refused.value.code == LineErrorCode.SUSPENSION_NOT_LIFTABLE
    line.refresh_from_db()
    assert line.status == LineStatus.SUSPENDED
    assert not ProvisioningCommand.objects.filter(line=line).exists()


def test_a_sim_stolen_while_unpaid_is_barred_then_goes_back_to_the_unpaid_bar(personas):
    line, actor = _line("karim@demo.guichet.fr")

    loss_theft_declare(line=line, reason=SuspensionReason.THEFT, actor=actor, now=NOW)

    line.refresh_from_db()
    assert (line.status, line.suspension_reason, line.suspension_replaced) == (
        LineStatus.SUSPENDED,
        SuspensionReason.THEFT,
        SuspensionReason.UNPAID,
    )
    assert ProvisioningCommand.objects.get(line=line).command == "suspend"

    loss_theft_lift(line=line, actor=actor, now=LATER)

    line.refresh_from_db()
    assert (line.status, line.suspension_reason, line.suspension_replaced) == (
        LineStatus.SUSPENDED,
        SuspensionReason.UNPAID,
        "",
    )
    restored = ProvisioningCommand.objects.filter(line=line).last()
    assert (restored.command, restored.parameters) == ("suspend", {"scope": "outgoing"})


def test_the_unpaid_settled_under_a_theft_is_forgotten_and_the_found_sim_works(personas):
    line, actor = _line("karim@demo.guichet.fr")
    loss_theft_declare(line=line, reason=SuspensionReason.THEFT, actor=actor, now=NOW)

    reinstated = line_suspension_cause_end(
        line=line, reason=SuspensionReason.UNPAID, actor=Actor.system(), now=NOW
    )

    line.refresh_from_db()
    assert not reinstated
    assert (line.suspension_reason, line.suspension_replaced) == (SuspensionReason.THEFT, "")
    loss_theft_lift(line=line, actor=actor, now=LATER)
    line.refresh_from_db()
    assert line.status == LineStatus.ACTIVE


def test_a_stolen_sim_s_line_with_an_unpaid_bar_kept_can_be_terminated(personas):
    line, actor = _line("karim@demo.guichet.fr")
    loss_theft_declare(line=line, reason=SuspensionReason.THEFT, actor=actor, now=NOW)

    line_terminate(line=line, reason=TerminationReason.UNPAID, actor=Actor.system(), now=LATER)

    line.refresh_from_db()
    assert (line.status, line.suspension_reason, line.suspension_replaced) == (
        LineStatus.TERMINATED,
        "",
        "",
    )


def test_an_unpaid_bar_on_a_stolen_sim_applies_once_the_theft_is_lifted(personas):
    line, actor = _line("camille@demo.guichet.fr")
    loss_theft_declare(line=line, reason=SuspensionReason.LOSS, actor=actor, now=NOW)

    line_suspend(line=line, reason=SuspensionReason.UNPAID, actor=Actor.system(), now=NOW)
    line_suspend(
        line=line, reason=SuspensionReason.BILL_ADVANCE_PENDING, actor=Actor.system(), now=NOW
    )

    kept = OutboxMessage.objects.filter(template="line_suspension_kept_under")
    assert kept.filter(channel="email").count() == 1
    line.refresh_from_db()
    assert (line.suspension_reason, line.suspension_replaced) == (
        SuspensionReason.LOSS,
        SuspensionReason.UNPAID,
    )
    loss_theft_lift(line=line, actor=actor, now=LATER)
    line.refresh_from_db()
    assert (line.status, line.suspension_reason) == (LineStatus.SUSPENDED, SuspensionReason.UNPAID)


def test_a_fibre_box_has_no_sim_to_suspend(personas):
    box, actor = _line("hugo@demo.guichet.fr", Market.FIXED)
    with pytest.raises(LineError) as refused:
        loss_theft_declare(line=box, reason=SuspensionReason.LOSS, actor=actor, now=NOW)
    assert refused.value.code == LineErrorCode.NO_SIM
    box.refresh_from_db()
    assert box.status == LineStatus.ACTIVE


def _four_g_box(email: str):
    """A second box line for the persona, on a 4G box: a fixed line with its own SIM card."""
    fibre, actor = _line(email, Market.FIXED)
    system = Actor.system()
    box = line_create(
        billing_account=fibre.billing_account,
        market=Market.FIXED,
        actor=system,
        now=NOW - timedelta(days=30),
        access_reference="4G-0612345678",
        iccid="89332012345678901238",
        puk="24681357",
    )
    subscription_add(
        line=box,
        product=product_get(code="bbox-fibre-exemple"),
        actor=system,
        now=NOW - timedelta(days=30),
    )
    return line_activate(line=box, actor=system, now=NOW - timedelta(days=21)), actor


def test_a_4g_box_is_suspended_on_loss_and_shows_its_puk(personas):
    box, actor = _four_g_box("hugo@demo.guichet.fr")

    assert puk_show(line=box, actor=actor, now=NOW) == "24681357"
    loss_theft_declare(line=box, reason=SuspensionReason.LOSS, actor=actor, now=NOW)

    box.refresh_from_db()
    assert (box.status, box.suspension_reason) == (LineStatus.SUSPENDED, SuspensionReason.LOSS)
    assert list(ProvisioningCommand.objects.filter(line=box).values_list("command", flat=True)) == [
        "suspend"
    ]
    loss_theft_lift(line=box, actor=actor, now=LATER)
    box.refresh_from_db()
    assert box.status == LineStatus.ACTIVE


def test_the_first_replacement_sim_is_free_then_10_euros(personas):
    line, actor = _line("camille@demo.guichet.fr")

    first = sim_replacement_order(line=line, actor=actor, now=NOW)
    order = Order.objects.get(pk=first.order_id)
    assert order.status == OrderStatus.SHIPPED and order.tracking_number
    assert order.total_cents == 0
    assert not OneOffCharge.objects.filter(product__code="remplacement-carte-sim").exists()

    with pytest.raises(LineError) as pending:
        sim_replacement_order(line=line, actor=actor, now=NOW)
    assert pending.value.code == LineErrorCode.SIM_REPLACEMENT_PENDING

    sim_replacement_activate(line=line, iccid=first.iccid, actor=actor, now=LATER)
    second = sim_replacement_order(line=line, actor=actor, now=LATER)

    assert Order.objects.get(pk=second.order_id).total_cents == 1000
    charge = OneOffCharge.objects.get(product__code="remplacement-carte-sim")
    assert (charge.billing_account, charge.amount_cents) == (line.billing_account, 1000)


def test_activating_the_replacement_moves_the_line_to_the_new_card(personas):
    line, actor = _line("camille@demo.guichet.fr")
    loss_theft_declare(line=line, reason=SuspensionReason.LOSS, actor=actor, now=NOW)
    swap = sim_replacement_order(line=line, actor=actor, now=NOW)
    old_iccid = line.iccid

    sim_replacement_activate(line=line, iccid=" ".join(swap.iccid), actor=actor, now=LATER)

    line.refresh_from_db()
    swap.refresh_from_db()
    assert (line.iccid, line.puk) == (swap.iccid, swap.puk) != (old_iccid, "")
    assert swap.status == SimSwapStatus.ACTIVATED
    assert Order.objects.get(pk=swap.order_id).status == OrderStatus.DELIVERED
    # The lost card is dead: the loss suspension ends with the activation.
    assert line.status == LineStatus.ACTIVE
    commands = ProvisioningCommand.objects.filter(line=line).order_by("id")
    assert [(c.command, c.parameters.get("iccid", "")) for c in commands] == [
        ("suspend", ""),
        ("sim_swap", swap.iccid),
        ("reinstate", ""),
    ]


def test_another_card_number_is_refused_and_nothing_changes(personas):
    line, actor = _line("camille@demo.guichet.fr")
    swap = sim_replacement_order(line=line, actor=actor, now=NOW)
    old_iccid = line.iccid

    with pytest.raises(LineError, match=f"se termine par {swap.iccid[-4:]}") as refused:
        sim_replacement_activate(line=line, iccid=old_iccid, actor=actor, now=LATER)

    assert refused.value.code == LineErrorCode.ICCID_NOT_THE_SENT_SIM
    line.refresh_from_db()
    assert line.iccid == old_iccid
    with pytest.raises(LineError) as invalid:
        sim_replacement_activate(line=line, iccid="8933211234", actor=actor, now=LATER)
    assert invalid.value.code == LineErrorCode.ICCID_INVALID


def test_showing_the_puk_is_logged(personas):
    line, actor = _line("hugo@demo.guichet.fr")
    assert puk_show(line=line, actor=actor, now=NOW) == line.puk
    assert Activity.objects.filter(act="line.show_puk", subject_id=line.pk).count() == 1


def test_porting_codes_of_the_mobile_and_the_box_carry_a_valid_key(personas, settings):
    settings.GUICHET_PORTING_OPERATOR_CODE = "GU"
    mobile, actor = _line("hugo@demo.guichet.fr")
    box, _ = _line("hugo@demo.guichet.fr", Market.FIXED)

    mobile_rio = porting_code_show(line=mobile, actor=actor, now=NOW)
    box_rio = porting_code_show(line=box, actor=actor, now=NOW)

    assert mobile_rio.startswith("GUP") and len(mobile_rio) == 12
    assert rio_valid(mobile_rio, national_number=national_number(mobile.msisdn))
    assert rio_valid(box_rio, national_number="0972411836")
    assert Activity.objects.filter(act="line.show_porting_code").count() == 2


def test_a_phone_bought_from_us_gets_its_unlock_code(personas):
    line, actor = _line("lea@demo.guichet.fr")
    phone = unlockable_phones(line=line)[0]

    opened = unlock_code_request(line=line, equipment=phone, actor=actor, now=NOW)
    assert opened.status == RequestStatus.IN_PROGRESS
    done = unlock_code_collect(request=opened, now=NOW)

    assert done.status == RequestStatus.COMPLETED
    code = done.resolution.rsplit(" ", 1)[1]
    assert len(code) == 8 and code.isdigit()
    # The maker's code belongs to the phone: asked again, the same code.
    assert unlock_code_collect(request=done, now=LATER).resolution == done.resolution


def test_tv_pins_are_stored_hashed_and_weak_ones_refused(personas):
    box, actor = _line("hugo@demo.guichet.fr", Market.FIXED)
    with pytest.raises(LineError, match="Code parental : Le code ne peut pas être une suite"):
        tv_pins_set(line=box, parental_pin="1234", purchase_pin="7391", actor=actor, now=NOW)
    assert not BoxLineDetails.objects.get(line=box).parental_pin_hash

    details = tv_pins_set(line=box, parental_pin="2580", purchase_pin="7391", actor=actor, now=NOW)

    assert "2580" not in details.parental_pin_hash
    assert check_password("2580", details.parental_pin_hash)
    assert check_password("7391", details.purchase_pin_hash)


def test_tv_pins_are_for_a_box_line(personas):
    mobile, actor = _line("hugo@demo.guichet.fr")
    with pytest.raises(LineError) as refused:
        tv_pins_set(line=mobile, parental_pin="2580", purchase_pin="7391", actor=actor, now=NOW)
    assert refused.value.code == LineErrorCode.NOT_A_BOX_LINE


def test_the_fibre_socket_reference_is_recorded_normalised(personas):
    box, actor = _line("hugo@demo.guichet.fr", Market.FIXED)
    assert BoxLineDetails.objects.get(line=box).optical_outlet_reference == "FI-7A3C-0042"

    details = optical_outlet_reference_set(line=box, reference="so 12ab 34cd", actor=actor, now=NOW)

    assert details.optical_outlet_reference == "SO-12AB-34CD"
    with pytest.raises(LineError, match="deux lettres"):
        optical_outlet_reference_set(line=box, reference="12", actor=actor, now=NOW)
