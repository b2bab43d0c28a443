"""Acts of devices, insurance and after-sales through their services, on the demo personas."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from guichet.billing.errors import BillingError, BillingErrorCode
from guichet.billing.models import Invoice, OneOffCharge
from guichet.billing.selectors import PAYABLE_STATUSES
from guichet.billing.settlement import invoice_payment_record
from guichet.care.actors import Actor
from guichet.care.models import (
    Activity,
    Order,
    OrderStatus,
    OutboxMessage,
    Request,
    RequestKind,
    RequestStatus,
)
from guichet.customers.selectors import customer_get_by_login_email
from guichet.demo.services import demo_data_create
from guichet.devices.errors import DeviceError, DeviceErrorCode
from guichet.devices.models import (
    DeviceRenewal,
    InsuranceContract,
    NetworkIncident,
    RenewalPayment,
    Repair,
    RepairStage,
)
from guichet.devices.partners import LocalInsurer, LocalLogistics, LocalRepairer
from guichet.devices.rules import unit_imei
from guichet.devices.selectors import device_units_left, incidents_search, refund_purchases
from guichet.devices.services import (
    after_sales_sync,
    device_renewal_order,
    express_repair_book,
    insurance_claim_declare,
    insurance_subscribe,
    network_incidents_load,
    network_incidents_read_csv,
    refund_claim_submit,
)
from guichet.lines.models import Equipment, EquipmentKind, Ownership, TerminationReason
from guichet.lines.selectors import lines_for_customer
from guichet.lines.services import equipment_register, line_terminate
from guichet.payments.models import InstalmentPlan

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=PARIS)  # a Monday

pytestmark = pytest.mark.django_db


@pytest.fixture
def personas(loaded_catalog):
    demo_data_create(customers=0, seed=1, now=NOW)
    # The demo collects only Karim's invoices (docs: Demo data): pay the others' so that they
    # are not in arrears, as a customer paying by direct debit would be.
    settle_all_but_karim()


def settle_all_but_karim():
    for invoice in Invoice.objects.exclude(
        billing_account__customer__user__email="karim@demo.guichet.fr"
    ).filter(status__in=PAYABLE_STATUSES):
        invoice_payment_record(
            invoice=invoice,
            amount_cents=invoice.outstanding_cents,
            reference=f"TEST-{invoice.number}",
            actor=Actor.system(),
            now=NOW - timedelta(days=1),
        )


def _persona(name):
    customer = customer_get_by_login_email(email=f"{name}@demo.guichet.fr")
    return customer, Actor.customer(customer.user)


def _line(customer, market="mobile"):
    return next(line for line in lines_for_customer(customer=customer) if line.market == market)


def _sync(now):
    return after_sales_sync(
        logistics=LocalLogistics(), insurer=LocalInsurer(), repairer=LocalRepairer(), now=now
    )


def test_a_renewal_is_ordered_shipped_delivered_and_paid_in_instalments(personas):
    camille, actor = _persona("camille")
    line = _line(camille)
    left = device_units_left(sku="SAM-A55-128-N")

    renewal = device_renewal_order(
        customer=camille,
        line=line,
        sku="SAM-A55-128-N",
        payment=RenewalPayment.INSTALMENTS,
        instalment_count=12,
        actor=actor,
        now=NOW,
    )

    order = renewal.order
    assert (order.kind, order.status, order.total_cents) == ("device_renewal", "received", 39900)
    assert device_units_left(sku="SAM-A55-128-N") == left - 1
    assert OutboxMessage.objects.filter(
        customer=camille, template="device_renewal_ordered"
    ).exists()
    # Shipped the next working day, delivered two working days after.
    _sync(NOW)
    order.refresh_from_db()
    assert order.status == OrderStatus.IN_PREPARATION
    _sync(NOW + timedelta(days=1))
    order.refresh_from_db()
    assert (order.status, order.tracking_number) == (OrderStatus.SHIPPED, f"GCH{order.pk:010d}FR")
    _sync(NOW + timedelta(days=2))
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    _sync(NOW + timedelta(days=3))
    renewal.refresh_from_db()
    assert renewal.order.status == OrderStatus.DELIVERED
    phone = renewal.equipment
    assert (phone.kind, phone.model, phone.line_id) == (
        EquipmentKind.PHONE,
        "Samsung Galaxy A55 5G 128 Go (neuf)",
        line.pk,
    )
    assert phone.imei.startswith("35292415")
    plan = renewal.instalment_plan
    assert (plan.principal_cents, plan.instalment_count, plan.first_period) == (
        39900,
        12,
        date(2026, 11, 1),
    )
    assert [i.amount_cents for i in plan.instalments.order_by("number")][:2] == [3325, 3325]
    # Running the feed again changes nothing.
    assert _sync(NOW + timedelta(days=4)).orders == 0


def test_a_renewal_paid_in_one_go_puts_its_price_on_the_invoice_of_delivery(personas):
    camille, actor = _persona("camille")
    line = _line(camille)

    renewal = device_renewal_order(
        customer=camille,
        line=line,
        sku="SAM-A55-128-N",
        payment=RenewalPayment.NEXT_INVOICE,
        actor=actor,
        now=NOW,
    )

    entry = Activity.objects.get(act="device_renewal.order", subject_id=renewal.order_id)
    assert entry.summary == (
        "Nouveau mobile commandé : Samsung Galaxy A55 5G 128 Go (neuf), 399,00 € en une fois"
    )
    ordered = OutboxMessage.objects.get(
        customer=camille, template="device_renewal_ordered_in_full", channel="email"
    )
    assert ordered.context["price"] == "399,00 €"
    assert not OneOffCharge.objects.filter(
        billing_account=line.billing_account, label__contains="Galaxy"
    )
    for days in range(4):
        _sync(NOW + timedelta(days=days))

    renewal.refresh_from_db()
    assert renewal.order.status == OrderStatus.DELIVERED
    assert renewal.instalment_plan is None
    assert not InstalmentPlan.objects.filter(equipment=renewal.equipment)
    charge = OneOffCharge.objects.get(
        billing_account=line.billing_account, label__contains="Galaxy"
    )
    assert (charge.amount_cents, charge.charged_on, charge.invoice) == (
        39900,
        date(2026, 11, 26),
        None,
    )
    assert charge.label == (
        f"Samsung Galaxy A55 5G 128 Go (neuf), commande n° {renewal.order_id}, payé en une fois"
    )


def test_a_renewal_paid_in_one_go_is_billed_even_if_the_line_ended_before_delivery(personas):
    camille, actor = _persona("camille")
    line = _line(camille)
    device_renewal_order(
        customer=camille,
        line=line,
        sku="SAM-A55-128-N",
        payment=RenewalPayment.NEXT_INVOICE,
        actor=actor,
        now=NOW,
    )
    line_terminate(
        line=line,
        reason=TerminationReason.CUSTOMER_REQUEST,
        actor=Actor.system(),
        now=NOW + timedelta(hours=1),
    )

    assert [_sync(NOW + timedelta(days=days)).orders for days in range(4)] == [1, 1, 0, 1]

    charge = OneOffCharge.objects.get(
        billing_account=line.billing_account, label__contains="Galaxy"
    )
    # Not a catalog product: the charge names the phone alone.
    assert (charge.amount_cents, charge.product) == (39900, None)


def test_a_renewal_is_refused_while_unpaid_and_nothing_is_ordered(personas):
    karim, actor = _persona("karim")
    orders = Order.objects.count()

    with pytest.raises(BillingError) as refused:
        device_renewal_order(
            customer=karim,
            line=_line(karim),
            sku="SAM-A55-128-N",
            payment=RenewalPayment.INSTALMENTS,
            instalment_count=24,
            actor=actor,
            now=NOW,
        )

    assert refused.value.code == BillingErrorCode.ACT_REFUSED_WHILE_UNPAID
    assert Order.objects.count() == orders
    assert not DeviceRenewal.objects.exists()


@pytest.mark.parametrize(
    ("sku", "count", "code"),
    [
        ("FAI-FP5-256-R-A", 24, DeviceErrorCode.OUT_OF_STOCK),
        ("NOPE", 24, DeviceErrorCode.DEVICE_UNKNOWN),
        ("SAM-A55-128-N", 36, DeviceErrorCode.INSTALMENTS_INVALID),
    ],
)
def test_a_renewal_of_a_phone_out_of_stock_unknown_or_in_36_is_refused(personas, sku, count, code):
    camille, actor = _persona("camille")

    with pytest.raises(DeviceError) as refused:
        device_renewal_order(
            customer=camille,
            line=_line(camille),
            sku=sku,
            payment=RenewalPayment.INSTALMENTS,
            instalment_count=count,
            actor=actor,
            now=NOW,
        )

    assert refused.value.code == code
    assert not DeviceRenewal.objects.exists()


def test_a_second_renewal_while_one_is_on_its_way_is_refused(personas):
    camille, actor = _persona("camille")
    args = {"customer": camille, "line": _line(camille), "actor": actor, "now": NOW}
    device_renewal_order(
        sku="SAM-A55-128-N", payment=RenewalPayment.INSTALMENTS, instalment_count=24, **args
    )

    with pytest.raises(DeviceError) as refused:
        device_renewal_order(
            sku="GOO-P8A-128-N", payment=RenewalPayment.INSTALMENTS, instalment_count=24, **args
        )

    assert refused.value.code == DeviceErrorCode.RENEWAL_IN_PROGRESS


def _lea_phone(lea):
    return Equipment.objects.get(customer=lea, kind=EquipmentKind.PHONE)


def test_insurance_is_priced_by_the_band_of_the_purchase_price(personas):
    lea, actor = _persona("lea")

    contract = insurance_subscribe(
        customer=lea,
        line=_line(lea),
        equipment=_lea_phone(lea),
        insured_value_cents=79900,
        insurer=LocalInsurer(),
        actor=actor,
        now=NOW,
    )

    assert (contract.band_code, contract.monthly_price_cents) == ("jusqua-1000", 1399)
    assert contract.insurer_reference == f"ASS-2026-{contract.pk:06d}"
    assert Activity.objects.filter(customer=lea, act="insurance.subscribe").count() == 1
    assert OutboxMessage.objects.filter(customer=lea, template="insurance_subscribed").exists()
    with pytest.raises(DeviceError) as again:
        insurance_subscribe(
            customer=lea,
            line=_line(lea),
            equipment=_lea_phone(lea),
            insured_value_cents=79900,
            insurer=LocalInsurer(),
            actor=actor,
            now=NOW,
        )
    assert again.value.code == DeviceErrorCode.ALREADY_INSURED


def test_insurance_is_refused_while_unpaid(personas):
    karim, actor = _persona("karim")
    phone = equipment_register(
        customer=karim,
        kind=EquipmentKind.PHONE,
        model="Apple iPhone 13",
        ownership=Ownership.OWNED,
        acquired_at=NOW,
        actor=Actor.system(),
        now=NOW,
        line=_line(karim),
        imei=unit_imei("35325611", 1),
    )

    with pytest.raises(BillingError) as refused:
        insurance_subscribe(
            customer=karim,
            line=_line(karim),
            equipment=phone,
            insured_value_cents=40000,
            insurer=LocalInsurer(),
            actor=actor,
            now=NOW,
        )

    assert refused.value.code == BillingErrorCode.ACT_REFUSED_WHILE_UNPAID
    assert not InsuranceContract.objects.exists()


def _insure_lea(lea, actor):
    return insurance_subscribe(
        customer=lea,
        line=_line(lea),
        equipment=_lea_phone(lea),
        insured_value_cents=79900,
        insurer=LocalInsurer(),
        actor=actor,
        now=NOW - timedelta(days=30),
    )


def test_a_theft_claim_gets_a_number_the_deadline_and_is_settled_by_the_insurer(personas):
    lea, actor = _persona("lea")
    _insure_lea(lea, actor)

    # Saturday 21 November: 2 working days (Saturday counts, Sunday does not) → Tuesday 24.
    claim = insurance_claim_declare(
        customer=lea,
        line=_line(lea),
        kind="theft",
        occurred_on=date(2026, 11, 21),
        description="Volé dans le métro, plainte déposée.",
        insurer=LocalInsurer(),
        actor=actor,
        now=NOW,
    )

    assert claim.kind == RequestKind.INSURANCE_CLAIM
    assert claim.payload["claim_number"] == f"SIN-202611-{claim.pk:06d}"
    assert (claim.payload["deadline"], claim.payload["late"]) == ("2026-11-24", False)
    _sync(NOW + timedelta(days=1))
    claim.refresh_from_db()
    assert claim.status == RequestStatus.IN_PROGRESS
    _sync(NOW + timedelta(days=6))
    claim.refresh_from_db()
    assert claim.status == RequestStatus.COMPLETED


def test_a_claim_in_the_future_or_without_insurance_is_refused(personas):
    lea, actor = _persona("lea")
    args = {
        "customer": lea,
        "line": _line(lea),
        "kind": "breakage",
        "description": "Écran fissuré en tombant.",
        "insurer": LocalInsurer(),
        "actor": actor,
        "now": NOW,
    }
    with pytest.raises(DeviceError) as uninsured:
        insurance_claim_declare(occurred_on=date(2026, 11, 20), **args)
    assert uninsured.value.code == DeviceErrorCode.NOT_INSURED
    _insure_lea(lea, actor)

    with pytest.raises(DeviceError) as future:
        insurance_claim_declare(occurred_on=date(2026, 11, 24), **args)

    assert future.value.message == "La date du sinistre ne peut pas être dans le futur."
    assert not Request.objects.filter(kind=RequestKind.INSURANCE_CLAIM).exists()


def _deliver_s24(camille, actor):
    device_renewal_order(
        customer=camille,
        line=_line(camille),
        sku="SAM-S24-256-N",
        payment=RenewalPayment.INSTALMENTS,
        instalment_count=24,
        actor=actor,
        now=NOW,
    )
    for days in range(4):
        _sync(NOW + timedelta(days=days))


def test_a_refund_offer_earned_by_a_delivered_phone_is_claimed_with_a_valid_iban(personas):
    camille, actor = _persona("camille")
    _deliver_s24(camille, actor)
    later = NOW + timedelta(days=5)
    offers = [
        offer.code
        for offer, _ in refund_purchases(customer=camille, line=_line(camille), today=later.date())
    ]
    assert "ODR-S24-100" in offers

    with pytest.raises(DeviceError) as bad_iban:
        refund_claim_submit(
            customer=camille,
            line=_line(camille),
            offer_code="ODR-S24-100",
            iban="FR76 3000 6000 0112 3456 7890 180",
            actor=actor,
            now=later,
        )
    assert bad_iban.value.code == DeviceErrorCode.IBAN_INVALID

    claim = refund_claim_submit(
        customer=camille,
        line=_line(camille),
        offer_code="ODR-S24-100",
        iban="FR76 3000 6000 0112 3456 7890 189",
        actor=actor,
        now=later,
    )

    assert (claim.payload["amount_cents"], claim.payload["iban_last4"]) == (10000, "0189")
    _sync(later + timedelta(days=3))
    claim.refresh_from_db()
    assert claim.status == RequestStatus.IN_PROGRESS  # documents checked
    _sync(later + timedelta(days=14))
    claim.refresh_from_db()
    assert (claim.status, claim.resolution) == (
        RequestStatus.COMPLETED,
        "Remboursement de 100,00 € viré",
    )
    with pytest.raises(DeviceError):
        refund_claim_submit(
            customer=camille,
            line=_line(camille),
            offer_code="ODR-S24-100",
            iban="FR7630006000011234567890189",
            actor=actor,
            now=later,
        )


def test_a_refund_offer_the_line_did_not_earn_is_refused(personas):
    camille, actor = _persona("camille")

    with pytest.raises(DeviceError) as refused:
        refund_claim_submit(
            customer=camille,
            line=_line(camille),
            offer_code="ODR-S24-100",
            iban="FR7630006000011234567890189",
            actor=actor,
            now=NOW,
        )

    assert refused.value.code == DeviceErrorCode.REFUND_OFFER_NOT_ELIGIBLE


def test_an_express_repair_is_booked_at_an_offered_slot_then_tracked_to_its_return(personas):
    hugo, actor = _persona("hugo")
    partner = LocalRepairer()
    (shop, slot), *_ = partner.express_slots(now=NOW)

    repair = express_repair_book(
        customer=hugo,
        line=_line(hugo),
        fault="screen",
        slot=slot,
        repairer=partner,
        actor=actor,
        now=NOW,
    )

    assert slot == datetime(2026, 11, 24, 10, 0, tzinfo=PARIS)
    assert (repair.quote_cents, repair.shop, repair.request.kind) == (14900, shop, "express_repair")
    assert OutboxMessage.objects.filter(customer=hugo, template="express_repair_booked").exists()
    _sync(slot + timedelta(days=9))
    repair.refresh_from_db()
    assert repair.stage == RepairStage.RETURNED
    assert repair.request.status == RequestStatus.COMPLETED


def test_an_express_repair_at_a_slot_not_offered_is_refused(personas):
    hugo, actor = _persona("hugo")

    with pytest.raises(DeviceError) as refused:
        express_repair_book(
            customer=hugo,
            line=_line(hugo),
            fault="screen",
            slot=NOW + timedelta(hours=1),
            repairer=LocalRepairer(),
            actor=actor,
            now=NOW,
        )

    assert refused.value.code == DeviceErrorCode.REPAIR_INVALID
    assert Repair.objects.filter(kind="express").count() == 0


def test_the_demo_repair_moves_through_its_stages(personas):
    hugo, _ = _persona("hugo")
    repair = Repair.objects.get(request__customer=hugo, kind="deposit")
    assert repair.stage == RepairStage.DIAGNOSED

    _sync(NOW + timedelta(days=2))

    repair.refresh_from_db()
    assert repair.stage == RepairStage.REPAIRED


CSV = (
    "reference,postcode,commune,service,status,started_at,expected_end_at,description\n"
    "R1,75011,Paris,mobile,ongoing,2026-11-23T08:00+01:00,2026-11-23T20:00+01:00,Antenne HS\n"
    "R2,75012,Paris,fixed,ongoing,2026-11-23T09:00+01:00,,Fibre coupée\n"
)


def test_an_incident_file_loads_and_loading_it_again_updates(personas):
    assert network_incidents_load(rows=network_incidents_read_csv(CSV), now=NOW) == (2, 0)

    resolved = CSV.replace("R2,75012,Paris,fixed,ongoing", "R2,75012,Paris,fixed,resolved")
    assert network_incidents_load(rows=network_incidents_read_csv(resolved), now=NOW) == (0, 2)

    assert [i.reference for i in incidents_search(postcode="75011")] == ["R1"]
    assert incidents_search(postcode="75012") == []
    assert {i.reference for i in incidents_search(postcode="75")} == {"R1"}
    assert NetworkIncident.objects.get(reference="R2").resolved_at == NOW


def test_a_wrong_incident_file_is_refused_whole_naming_the_line(personas):
    before = NetworkIncident.objects.count()
    bad = CSV + "R3,7501,Paris,satellite,ongoing,2026-11-23T09:00+01:00,,x\n"

    with pytest.raises(DeviceError) as refused:
        network_incidents_load(rows=network_incidents_read_csv(bad), now=NOW)

    assert refused.value.message == (
        "Incident 3 : code postal « 7501 » invalide,"
        " service « satellite » inconnu (mobile ou fixed)."
    )
    assert NetworkIncident.objects.count() == before
    with pytest.raises(DeviceError) as naive:
        network_incidents_read_csv(CSV.replace("2026-11-23T08:00+01:00", "2026-11-23T08:00"))
    assert "Ligne 2, started_at" in naive.value.message
