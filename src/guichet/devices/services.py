"""Acts of devices, insurance and after-sales: each transactional, validated, in the activity
log, notified through the outbox, checked against the unpaid rules at its last step."""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from guichet.billing.rules import ArrearsAct
from guichet.billing.selectors import unpaid_check
from guichet.billing.services import one_off_charge_add_amount
from guichet.care.actors import Actor
from guichet.care.acts import Act
from guichet.care.models import (
    OPEN_REQUEST_STATUSES,
    Order,
    OrderKind,
    OrderStatus,
    Request,
    RequestKind,
    RequestStatus,
)
from guichet.care.notifications import french_date
from guichet.care.rules import add_working_days
from guichet.care.services import (
    OrderItemIn,
    activity_record,
    activity_record_and_notify,
    order_advance,
    order_create,
    request_advance,
    request_open,
)
from guichet.catalog.models import Market
from guichet.catalog.rendering import euros
from guichet.customers.models import Customer
from guichet.customers.rules import paris_date
from guichet.devices import rules
from guichet.devices.errors import DeviceError, DeviceErrorCode
from guichet.devices.models import (
    DeviceRenewal,
    IncidentStatus,
    InsuranceContract,
    InsuranceStatus,
    NetworkIncident,
    NetworkService,
    Repair,
    RepairKind,
    RepairStage,
)
from guichet.devices.partners import (
    EXPRESS_QUOTES_CENTS,
    Insurer,
    Logistics,
    Repairer,
    working_days_since,
)
from guichet.devices.selectors import device_units_left, refund_purchases
from guichet.lines.models import Equipment, EquipmentKind, Line, LineStatus, Ownership
from guichet.lines.selectors import line_get_for_customer
from guichet.lines.services import equipment_register
from guichet.payments.instalment_rules import schedule
from guichet.payments.services.instalments import instalment_plan_create


def _own_line(*, customer: Customer, line: Line, market: Market | None = None) -> Line:
    owned = line_get_for_customer(customer=customer, line_id=line.pk)
    if owned is None or (market is not None and owned.market != market):
        raise DeviceError(
            code=DeviceErrorCode.LINE_NOT_ACTIVE,
            message="Cette ligne mobile n'appartient pas au client.",
        )
    return owned


# Device renewal --------------------------------------------------------------------------------


@transaction.atomic
def device_renewal_order(
    *,
    customer: Customer,
    line: Line,
    sku: str,
    instalment_count: int,
    actor: Actor,
    now: datetime,
) -> DeviceRenewal:
    """Order the catalogue's `sku` for `line`, paid in 12 or 24 monthly instalments on the
    invoices from the month of delivery, or in one go (`instalment_count` 0). Refused while
    unpaid (care.order_create's check).

    Paid in one go, the price goes on the invoice of the month of delivery as a one-off charge
    (`device_renewal_deliver`), like the instalments it replaces: the order model records what
    is ordered, not a payment, and the card flow of `payments` pays only its own purposes
    (invoices, arrears, an instalment plan, a top-up), none of which is an order. That invoice
    can then be paid by card like any other. Nothing is charged for an order cancelled before
    delivery."""
    line = _own_line(customer=customer, line=line, market=Market.MOBILE)
    device = rules.device_by_sku(sku)
    if device is None:
        raise DeviceError(
            code=DeviceErrorCode.DEVICE_UNKNOWN,
            message=f"Le modèle « {sku} » n'est pas au catalogue.",
            extra={"sku": sku},
        )
    if instalment_count not in rules.RENEWAL_PAYMENTS:
        raise DeviceError(
            code=DeviceErrorCode.INSTALMENTS_INVALID,
            message="Choisissez un paiement en une fois, en 12 ou en 24 mensualités.",
            extra={"instalment_count": instalment_count},
        )
    if line.status == LineStatus.SUSPENDED:
        # A line suspended for arrears: the unpaid refusal says what to do (pay).
        unpaid_check(customer=customer, act=ArrearsAct.DEVICE_RENEWAL, today=paris_date(now))
    if line.status != LineStatus.ACTIVE:
        raise DeviceError(
            code=DeviceErrorCode.LINE_NOT_ACTIVE,
            message=f"Le renouvellement demande une ligne active (la ligne est"
            f" « {line.get_status_display().lower()} »).",
            extra={"status": line.status},
        )
    if DeviceRenewal.objects.filter(
        order__line=line,
        order__status__in=[OrderStatus.RECEIVED, OrderStatus.IN_PREPARATION, OrderStatus.SHIPPED],
    ).exists():
        raise DeviceError(
            code=DeviceErrorCode.RENEWAL_IN_PROGRESS,
            message="Un renouvellement de mobile est déjà en cours pour cette ligne.",
        )
    if device_units_left(sku=device.sku) < 1:
        raise DeviceError(
            code=DeviceErrorCode.OUT_OF_STOCK,
            message=f"Le {device.label} n'est plus en stock.",
            extra={"sku": sku},
        )
    # care.order_create checks the unpaid rule (ArrearsAct.DEVICE_RENEWAL) before any write.
    order = order_create(
        customer=customer,
        kind=OrderKind.DEVICE_RENEWAL,
        items=[OrderItemIn(label=device.label, quantity=1, unit_price_cents=device.price_cents)],
        actor=actor,
        now=now,
        line=line,
    )
    renewal = DeviceRenewal.objects.create(
        order=order,
        sku=device.sku,
        label=device.label,
        price_cents=device.price_cents,
        instalment_count=instalment_count,
    )
    context: dict[str, Any]
    if instalment_count == rules.RENEWAL_PAID_IN_FULL:
        payment = f"{euros(device.price_cents)} en une fois"
        template, context = "device_renewal_ordered_in_full", {"price": euros(device.price_cents)}
    else:
        first = instalment_first_cents(price_cents=device.price_cents, count=instalment_count)
        payment = f"{euros(device.price_cents)} en {instalment_count} mensualités"
        template = "device_renewal_ordered"
        context = {"instalments": instalment_count, "instalment": euros(first)}
    activity_record_and_notify(
        customer=customer,
        actor=actor,
        act=Act.DEVICE_RENEWAL_ORDER,
        subject=order,
        summary=f"Nouveau mobile commandé : {device.label}, {payment}",
        at=now,
        new_values={"sku": device.sku, "instalment_count": instalment_count},
        template=template,
        context={"order": order.pk, "device": device.label, **context},
    )
    return renewal


def instalment_first_cents(*, price_cents: int, count: int) -> int:
    """The first instalment (it carries the remainder cents: payments.instalment_rules)."""
    return schedule(principal_cents=price_cents, count=count, first_period=date(2000, 1, 1))[
        0
    ].amount_cents


@transaction.atomic
def device_renewal_deliver(
    *, renewal: DeviceRenewal, imei: str, actor: Actor, now: datetime
) -> DeviceRenewal:
    """The carrier delivered: the order is delivered, the phone becomes the customer's
    equipment, and its instalment plan starts on the invoice of the month of delivery, or its
    price goes on that invoice when paid in one go (a one-off charge of no catalog product:
    the catalog sells no phones; its label and rule name the phone)."""
    order = renewal.order
    order_advance(order=order, to_status=OrderStatus.DELIVERED, actor=actor, now=now)
    assert order.line is not None  # a renewal is for a line
    equipment = equipment_register(
        customer=order.customer,
        kind=EquipmentKind.PHONE,
        model=renewal.label,
        ownership=Ownership.OWNED,
        acquired_at=now,
        actor=actor,
        now=now,
        line=order.line,
        imei=imei,
    )
    renewal.equipment = equipment
    if renewal.instalment_count == rules.RENEWAL_PAID_IN_FULL:
        one_off_charge_add_amount(
            billing_account=order.line.billing_account,
            product=None,
            amount_cents=renewal.price_cents,
            label=f"{renewal.label}, commande n° {order.pk}, payé en une fois",
            rule=f"Prix du mobile {renewal.sku} au catalogue des mobiles (devices.toml),"
            f" {renewal.price_cents} c TTC, payé en une fois à la livraison",
            actor=actor,
            now=now,
        )
    else:
        renewal.instalment_plan = instalment_plan_create(
            billing_account=order.line.billing_account,
            equipment=equipment,
            principal_cents=renewal.price_cents,
            instalment_count=renewal.instalment_count,
            first_period=paris_date(now).replace(day=1),
            actor=actor,
            now=now,
        )
    renewal.save(update_fields=["equipment", "instalment_plan"])
    activity_record(
        customer=order.customer,
        actor=actor,
        act=Act.DEVICE_RENEWAL_DELIVER,
        subject=order,
        summary=f"Votre {renewal.label} est livré",
        at=now,
        new_values={"equipment_id": equipment.pk},
    )
    return renewal


# Insurance -------------------------------------------------------------------------------------


@transaction.atomic
def insurance_subscribe(
    *,
    customer: Customer,
    line: Line,
    equipment: Equipment,
    insured_value_cents: int,
    insurer: Insurer,
    actor: Actor,
    now: datetime,
) -> InsuranceContract:
    """Insure a phone the customer owns; the premium is the band of its purchase price."""
    line = _own_line(customer=customer, line=line, market=Market.MOBILE)
    if (
        equipment.customer_id != customer.pk
        or equipment.kind != EquipmentKind.PHONE
        or equipment.ownership != Ownership.OWNED
    ):
        raise DeviceError(
            code=DeviceErrorCode.EQUIPMENT_NOT_INSURABLE,
            message="Seul un téléphone acheté par le titulaire peut être assuré.",
            extra={"equipment_id": equipment.pk},
        )
    if insured_value_cents <= 0:
        raise DeviceError(
            code=DeviceErrorCode.EQUIPMENT_NOT_INSURABLE,
            message="Indiquez le prix d'achat du téléphone.",
        )
    if InsuranceContract.objects.filter(
        equipment=equipment, status=InsuranceStatus.ACTIVE
    ).exists():
        raise DeviceError(
            code=DeviceErrorCode.ALREADY_INSURED,
            message=f"Le {equipment.model} est déjà assuré.",
        )
    band = rules.insurance_band(insured_value_cents)
    unpaid_check(customer=customer, act=ArrearsAct.INSURANCE_SUBSCRIBE, today=paris_date(now))
    contract = InsuranceContract.objects.create(
        customer=customer,
        line=line,
        equipment=equipment,
        band_code=band.code,
        insured_value_cents=insured_value_cents,
        monthly_price_cents=band.monthly_price_cents,
        insurer_reference="",
        started_at=now,
    )
    contract.insurer_reference = insurer.contract_reference(
        contract_id=contract.pk, started_on=paris_date(now)
    )
    contract.save(update_fields=["insurer_reference"])
    activity_record_and_notify(
        customer=customer,
        actor=actor,
        act=Act.INSURANCE_SUBSCRIBE,
        subject=contract,
        summary=f"Assurance du {equipment.model} : {euros(band.monthly_price_cents)} par mois",
        at=now,
        new_values={"band": band.code, "monthly_price_cents": band.monthly_price_cents},
        template="insurance_subscribed",
        context={
            "device": equipment.model,
            "date": french_date(now),
            "reference": contract.insurer_reference,
            "price": euros(band.monthly_price_cents),
        },
    )
    return contract


CLAIM_KINDS = {"breakage": "Casse", "theft": "Vol", "oxidation": "Oxydation"}
# Brochure, Infos pratiques, Vol: "déclaration de vol auprès de votre assureur sous 2 jours
# ouvrés". The other kinds have the insurer's own delay, taken as the same here.
CLAIM_DEADLINE_WORKING_DAYS = 2


def claim_deadline(occurred_on: date) -> date:
    return add_working_days(occurred_on, CLAIM_DEADLINE_WORKING_DAYS)


@transaction.atomic
def insurance_claim_declare(
    *,
    customer: Customer,
    line: Line,
    kind: str,
    occurred_on: date,
    description: str,
    insurer: Insurer,
    actor: Actor,
    now: datetime,
) -> Request:
    line = _own_line(customer=customer, line=line, market=Market.MOBILE)
    contract = InsuranceContract.objects.filter(
        customer=customer, line=line, status=InsuranceStatus.ACTIVE
    ).first()
    if contract is None:
        raise DeviceError(
            code=DeviceErrorCode.NOT_INSURED,
            message="Aucun mobile n'est assuré sur cette ligne.",
        )
    today = paris_date(now)
    description = description.strip()
    if kind not in CLAIM_KINDS:
        problem = "Choisissez la nature du sinistre : casse, vol ou oxydation."
    elif occurred_on > today:
        problem = "La date du sinistre ne peut pas être dans le futur."
    elif occurred_on < paris_date(contract.started_at):
        problem = "Le sinistre est antérieur à la souscription de l'assurance."
    elif len(description) < 10:
        problem = "Décrivez les circonstances du sinistre (10 caractères au moins)."
    else:
        problem = None
    if problem:
        raise DeviceError(code=DeviceErrorCode.CLAIM_INVALID, message=problem)
    deadline = claim_deadline(occurred_on)
    request = request_open(
        customer=customer,
        kind=RequestKind.INSURANCE_CLAIM,
        actor=actor,
        now=now,
        line=line,
        payload={
            "claim_kind": kind,
            "occurred_on": occurred_on.isoformat(),
            "description": description,
            "contract": contract.insurer_reference,
            "deadline": deadline.isoformat(),
            "late": today > deadline,
        },
    )
    request.payload["claim_number"] = insurer.claim_number(request_id=request.pk, declared_on=today)
    request.save(update_fields=["payload"])
    activity_record_and_notify(
        customer=customer,
        actor=actor,
        act=Act.INSURANCE_CLAIM_DECLARE,
        subject=request,
        summary=f"Sinistre ({CLAIM_KINDS[kind].lower()}) déclaré à l'assureur :"
        f" n° {request.payload['claim_number']}",
        at=now,
        new_values={"claim_number": request.payload["claim_number"]},
        template="insurance_claim_declared",
        context={
            "kind": CLAIM_KINDS[kind].lower(),
            "claim_number": request.payload["claim_number"],
            "deadline": " Déclaration faite après le délai de 2 jours ouvrés de l'assureur."
            if today > deadline
            else "",
        },
    )
    return request


# Refund offers ---------------------------------------------------------------------------------


def normalize_iban(raw: str) -> str:
    try:
        return str(IBAN(raw).compact)
    except SchwiftyException:
        raise DeviceError(
            code=DeviceErrorCode.IBAN_INVALID,
            message=f"« {raw.strip()} » n'est pas un IBAN valide.",
        ) from None


@transaction.atomic
def refund_claim_submit(
    *,
    customer: Customer,
    line: Line,
    offer_code: str,
    iban: str,
    actor: Actor,
    now: datetime,
) -> Request:
    """Claim a refund offer the line's purchase earns; the refund is paid by transfer."""
    line = _own_line(customer=customer, line=line)
    today = paris_date(now)
    eligible = {
        offer.code: (offer, purchase)
        for offer, purchase in refund_purchases(customer=customer, line=line, today=today)
    }
    if offer_code not in eligible:
        raise DeviceError(
            code=DeviceErrorCode.REFUND_OFFER_NOT_ELIGIBLE,
            message="Cette offre de remboursement ne s'applique à aucun achat de cette ligne"
            " (ou son délai de demande est passé).",
            extra={"offer": offer_code},
        )
    iban = normalize_iban(iban)
    if (
        Request.objects.filter(
            customer=customer,
            kind=RequestKind.REFUND_OFFER,
            payload__offer=offer_code,
            line=line,
        )
        .exclude(status__in=[RequestStatus.REJECTED, RequestStatus.CANCELLED])
        .exists()
    ):
        raise DeviceError(
            code=DeviceErrorCode.REFUND_OFFER_NOT_ELIGIBLE,
            message="Vous avez déjà demandé ce remboursement.",
        )
    offer, purchase = eligible[offer_code]
    request = request_open(
        customer=customer,
        kind=RequestKind.REFUND_OFFER,
        actor=actor,
        now=now,
        line=line,
        payload={
            "offer": offer.code,
            "label": offer.label,
            "amount_cents": offer.amount_cents,
            "purchase": purchase,
            "iban_last4": iban[-4:],
            "iban": iban,
        },
    )
    activity_record(
        customer=customer,
        actor=actor,
        act=Act.REFUND_CLAIM_SUBMIT,
        subject=request,
        summary=f"Demande de remboursement : {offer.label}"[:300],
        at=now,
        new_values={"offer": offer.code, "amount_cents": offer.amount_cents},
    )
    return request


# Repairs ---------------------------------------------------------------------------------------

REPAIR_FAULTS = {
    "screen": "Écran cassé",
    "battery": "Batterie",
    "charging_port": "Connecteur de charge",
    "camera": "Appareil photo",
}


@transaction.atomic
def repair_deposit(
    *,
    customer: Customer,
    line: Line,
    device: str,
    fault: str,
    repairer: Repairer,
    actor: Actor,
    now: datetime,
) -> Repair:
    """A device left at the repairer (SAV): tracked from deposit to return."""
    line = _own_line(customer=customer, line=line)
    device = " ".join(device.split())
    if fault not in REPAIR_FAULTS or not device:
        raise DeviceError(
            code=DeviceErrorCode.REPAIR_INVALID,
            message="Indiquez l'appareil et la panne (écran, batterie, connecteur, photo).",
        )
    request = request_open(
        customer=customer,
        kind=RequestKind.REPAIR,
        actor=actor,
        now=now,
        line=line,
        payload={"device": device, "fault": fault},
    )
    return Repair.objects.create(
        request=request,
        kind=RepairKind.DEPOSIT,
        device=device,
        fault=fault,
        repairer_reference=repairer.reference(request_id=request.pk, kind=RepairKind.DEPOSIT),
        stage_changed_at=now,
    )


@transaction.atomic
def express_repair_book(
    *,
    customer: Customer,
    line: Line,
    fault: str,
    slot: datetime,
    repairer: Repairer,
    actor: Actor,
    now: datetime,
) -> Repair:
    """Book a repair at a partner shop, at one of the slots the repairer offers, with its
    quote; the repair is then tracked like a deposit."""
    line = _own_line(customer=customer, line=line, market=Market.MOBILE)
    if fault not in EXPRESS_QUOTES_CENTS:
        raise DeviceError(
            code=DeviceErrorCode.REPAIR_INVALID,
            message="Choisissez la réparation : écran, batterie, connecteur ou photo.",
        )
    slots = {at: shop for shop, at in repairer.express_slots(now=now)}
    if slot not in slots:
        raise DeviceError(
            code=DeviceErrorCode.REPAIR_INVALID,
            message="Ce créneau n'est plus proposé : choisissez-en un autre.",
        )
    phone = (
        Equipment.objects.filter(customer=customer, line=line, kind=EquipmentKind.PHONE)
        .order_by("-acquired_at")
        .first()
    )
    device = phone.model if phone else "Mobile de la ligne"
    quote = repairer.express_quote_cents(fault=fault)
    request = request_open(
        customer=customer,
        kind=RequestKind.EXPRESS_REPAIR,
        actor=actor,
        now=now,
        line=line,
        payload={"device": device, "fault": fault, "slot": slot, "quote_cents": quote},
    )
    repair = Repair.objects.create(
        request=request,
        kind=RepairKind.EXPRESS,
        device=device,
        fault=fault,
        repairer_reference=repairer.reference(request_id=request.pk, kind=RepairKind.EXPRESS),
        shop=slots[slot],
        appointment_at=slot,
        quote_cents=quote,
        stage_changed_at=now,
    )
    activity_record_and_notify(
        customer=customer,
        actor=actor,
        act=Act.EXPRESS_REPAIR_BOOK,
        subject=request,
        summary=f"Réparation express ({REPAIR_FAULTS[fault].lower()}) le {french_date(slot)}",
        at=now,
        new_values={"quote_cents": quote, "slot": slot},
        template="express_repair_booked",
        context={
            "fault": REPAIR_FAULTS[fault].lower(),
            "slot": f"{french_date(slot)} à {slot.astimezone(slot.tzinfo):%H:%M}",
            "shop": repair.shop,
            "quote": euros(quote),
            "reference": repair.repairer_reference,
        },
    )
    return repair


_STAGE_ORDER = list(RepairStage)


@transaction.atomic
def repair_advance(*, repair: Repair, to_stage: RepairStage, actor: Actor, now: datetime) -> Repair:
    """Move a repair forward (never back); the return completes its request."""
    from_stage, to_stage = RepairStage(repair.stage), RepairStage(to_stage)
    if _STAGE_ORDER.index(to_stage) <= _STAGE_ORDER.index(from_stage):
        raise DeviceError(
            code=DeviceErrorCode.REPAIR_INVALID,
            message=f"La réparation est déjà « {from_stage.label.lower()} ».",
        )
    repair.stage, repair.stage_changed_at = to_stage, now
    repair.save(update_fields=["stage", "stage_changed_at"])
    request = repair.request
    if request.status == RequestStatus.SUBMITTED:
        request_advance(request=request, to_status=RequestStatus.IN_PROGRESS, actor=actor, now=now)
    if to_stage == RepairStage.RETURNED:
        request_advance(
            request=request,
            to_status=RequestStatus.COMPLETED,
            actor=actor,
            now=now,
            resolution=f"{repair.device} réparé et rendu",
        )
    activity_record(
        customer=request.customer,
        actor=actor,
        act=Act.REPAIR_ADVANCE,
        subject=request,
        summary=f"Réparation {repair.repairer_reference} : {to_stage.label.lower()}",
        at=now,
        old_values={"stage": from_stage},
        new_values={"stage": to_stage},
    )
    return repair


# The partners' feed ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncReport:
    orders: int
    claims: int
    refunds: int
    repairs: int


def after_sales_sync(
    *, logistics: Logistics, insurer: Insurer, repairer: Repairer, now: datetime
) -> SyncReport:
    """Ask the partners where each open case is and advance it: orders prepared, shipped and
    delivered; claims examined and settled; refund claims checked and paid; repairs through
    their stages. Each case in its own transaction; running it again changes nothing."""
    system = Actor.system()
    orders = claims = refunds = repairs = 0
    open_renewals = DeviceRenewal.objects.select_related("order__line", "order__customer").filter(
        order__status__in=[OrderStatus.RECEIVED, OrderStatus.IN_PREPARATION, OrderStatus.SHIPPED]
    )
    for renewal in open_renewals:
        orders += _sync_renewal(renewal=renewal, logistics=logistics, actor=system, now=now)
    for request in Request.objects.filter(
        kind__in=[RequestKind.INSURANCE_CLAIM, RequestKind.REFUND_OFFER],
        status__in=OPEN_REQUEST_STATUSES,
    ).select_related("customer"):
        done = _sync_request(request=request, insurer=insurer, actor=system, now=now)
        if request.kind == RequestKind.INSURANCE_CLAIM:
            claims += done
        else:
            refunds += done
    for repair in Repair.objects.filter(request__status__in=OPEN_REQUEST_STATUSES).select_related(
        "request__customer"
    ):
        start = repair.appointment_at or repair.request.created_at
        if start > now:
            continue
        stage = repairer.stage_after(working_days=working_days_since(start, now))
        if _STAGE_ORDER.index(stage) > _STAGE_ORDER.index(RepairStage(repair.stage)):
            repair_advance(repair=repair, to_stage=stage, actor=system, now=now)
            repairs += 1
    return SyncReport(orders=orders, claims=claims, refunds=refunds, repairs=repairs)


@transaction.atomic
def _sync_renewal(
    *, renewal: DeviceRenewal, logistics: Logistics, actor: Actor, now: datetime
) -> int:
    order: Order = renewal.order
    moved = 0
    if order.status == OrderStatus.RECEIVED:
        order_advance(order=order, to_status=OrderStatus.IN_PREPARATION, actor=actor, now=now)
        moved = 1
    if (
        order.status == OrderStatus.IN_PREPARATION
        and working_days_since(order.created_at, now) >= logistics.days_to_ship()
    ):
        order_advance(
            order=order,
            to_status=OrderStatus.SHIPPED,
            actor=actor,
            now=now,
            tracking_number=logistics.tracking_number(order_id=order.pk),
        )
        moved = 1
    if (
        order.status == OrderStatus.SHIPPED
        and order.shipped_at is not None
        and working_days_since(order.shipped_at, now) >= logistics.days_to_deliver()
    ):
        device = rules.device_by_sku(renewal.sku)
        tac = device.tac if device else "35000000"
        device_renewal_deliver(
            renewal=renewal, imei=rules.unit_imei(tac, order.pk % 1_000_000), actor=actor, now=now
        )
        moved = 1
    return moved


# Refund claims: documents checked after 2 working days, paid after 10.
REFUND_CHECKED_AFTER, REFUND_PAID_AFTER = 2, 10


@transaction.atomic
def _sync_request(*, request: Request, insurer: Insurer, actor: Actor, now: datetime) -> int:
    days = working_days_since(request.created_at, now)
    if request.kind == RequestKind.INSURANCE_CLAIM:
        examined, decided = 1, insurer.claim_decided_after()
        resolution = "Sinistre pris en charge par l'assureur"
    else:
        examined, decided = REFUND_CHECKED_AFTER, REFUND_PAID_AFTER
        resolution = f"Remboursement de {euros(request.payload['amount_cents'])} viré"
    moved = 0
    if request.status == RequestStatus.SUBMITTED and days >= examined:
        request_advance(request=request, to_status=RequestStatus.IN_PROGRESS, actor=actor, now=now)
        moved = 1
    if request.status == RequestStatus.IN_PROGRESS and days >= decided:
        request_advance(
            request=request,
            to_status=RequestStatus.COMPLETED,
            actor=actor,
            now=now,
            resolution=resolution,
        )
        moved = 1
    return moved


# Network status --------------------------------------------------------------------------------


@dataclass(frozen=True)
class IncidentIn:
    reference: str
    postcode: str
    commune: str
    service: str
    description: str
    status: str
    started_at: datetime
    expected_end_at: datetime | None
    resolved_at: datetime | None


def _check_incident(row: IncidentIn, number: int) -> None:
    problems = []
    if not row.reference.strip():
        problems.append("référence vide")
    if len(row.postcode) != 5 or not row.postcode.isdigit():
        problems.append(f"code postal « {row.postcode} » invalide")
    if row.service not in NetworkService.values:
        problems.append(f"service « {row.service} » inconnu (mobile ou fixed)")
    if row.status not in IncidentStatus.values:
        problems.append(f"statut « {row.status} » inconnu (ongoing ou resolved)")
    if not row.description.strip() or not row.commune.strip():
        problems.append("commune ou description vide")
    if row.expected_end_at is not None and row.expected_end_at < row.started_at:
        problems.append("fin prévue avant le début")
    if problems:
        raise DeviceError(
            code=DeviceErrorCode.INCIDENT_FILE_INVALID,
            message=f"Incident {number} : {', '.join(problems)}.",
            extra={"row": number},
        )


@transaction.atomic
def network_incidents_load(*, rows: list[IncidentIn], now: datetime) -> tuple[int, int]:
    """Create or update the operator's incidents by reference: all the file or nothing.
    Returns (created, updated)."""
    for number, row in enumerate(rows, start=1):
        _check_incident(row, number)
    created = updated = 0
    for row in rows:
        resolved_at = row.resolved_at
        if row.status == IncidentStatus.RESOLVED and resolved_at is None:
            resolved_at = now
        _, was_created = NetworkIncident.objects.update_or_create(
            reference=row.reference.strip(),
            defaults={
                "postcode": row.postcode,
                "commune": row.commune.strip(),
                "service": row.service,
                "description": row.description.strip(),
                "status": row.status,
                "started_at": row.started_at,
                "expected_end_at": row.expected_end_at,
                "resolved_at": resolved_at if row.status == IncidentStatus.RESOLVED else None,
            },
        )
        created += was_created
        updated += not was_created
    return created, updated


INCIDENT_COLUMNS = (
    "reference",
    "postcode",
    "commune",
    "service",
    "status",
    "started_at",
    "expected_end_at",
    "description",
)


def _instant(raw: str, *, row: int, column: str) -> datetime | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise DeviceError(
            code=DeviceErrorCode.INCIDENT_FILE_INVALID,
            message=f"Ligne {row}, {column} : « {raw} » n'est pas une date ISO 8601 avec fuseau"
            " (2026-11-23T08:00+01:00).",
            extra={"row": row, "column": column},
        )
    return moment


def network_incidents_read_csv(text: str) -> list[IncidentIn]:
    """The operator's incident file: CSV, header `INCIDENT_COLUMNS`, dates ISO 8601 with
    their offset. Raises DeviceError naming the first wrong line."""
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != INCIDENT_COLUMNS:
        raise DeviceError(
            code=DeviceErrorCode.INCIDENT_FILE_INVALID,
            message=f"L'en-tête du fichier doit être : {','.join(INCIDENT_COLUMNS)}.",
        )
    rows = []
    for number, raw in enumerate(reader, start=2):
        started_at = _instant(raw["started_at"] or "", row=number, column="started_at")
        if started_at is None:
            raise DeviceError(
                code=DeviceErrorCode.INCIDENT_FILE_INVALID,
                message=f"Ligne {number} : started_at est obligatoire.",
                extra={"row": number},
            )
        rows.append(
            IncidentIn(
                reference=(raw["reference"] or "").strip(),
                postcode=(raw["postcode"] or "").strip(),
                commune=raw["commune"] or "",
                service=(raw["service"] or "").strip(),
                description=raw["description"] or "",
                status=(raw["status"] or "").strip(),
                started_at=started_at,
                expected_end_at=_instant(
                    raw["expected_end_at"] or "", row=number, column="expected_end_at"
                ),
                resolved_at=None,
            )
        )
    return rows
