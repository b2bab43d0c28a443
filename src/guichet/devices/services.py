"""Acts of devices, insurance and after-sales: each transactional, validated, in the activity
log, notified through the outbox, checked against the unpaid rules at its last step."""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
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
from guichet.care.rules import add_working_days, withdrawal_deadline
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
    RenewalPayment,
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
from guichet.devices.selectors import device_units_left, purchase_price_cents, refund_purchases
from guichet.lines.models import Equipment, EquipmentKind, Line, LineStatus, Ownership
from guichet.lines.selectors import line_get_for_customer
from guichet.lines.services import equipment_register
from guichet.payments.instalment_rules import schedule
from guichet.payments.models import CardRefund, PaymentAttempt, PaymentAttemptStatus
from guichet.payments.services.instalments import instalment_plan_create
from guichet.payments.services.refunds import card_refund_create


def _own_line(*, customer: Customer, line: Line, market: Market | None = None) -> Line:
    owned = line_get_for_customer(customer=customer, line_id=line.pk)
    if owned is None or (market is not None and owned.market != market):
        raise DeviceError(
            code=DeviceErrorCode.LINE_NOT_ACTIVE,
            message="Cette ligne mobile n'appartient pas au client.",
        )
    return owned


# Device renewal --------------------------------------------------------------------------------


def _renewal_terms(payment: RenewalPayment, instalment_count: int) -> None:
    if payment == RenewalPayment.INSTALMENTS:
        valid = instalment_count in rules.RENEWAL_INSTALMENT_COUNTS
    else:
        valid = payment in RenewalPayment.values and instalment_count == 0
    if not valid:
        raise DeviceError(
            code=DeviceErrorCode.INSTALMENTS_INVALID,
            message="Choisissez un paiement par carte, en une fois sur facture, en 12 ou en 24"
            " mensualités.",
            extra={"payment": payment, "instalment_count": instalment_count},
        )


def _renewal_notice(renewal: DeviceRenewal) -> tuple[str, str, dict[str, Any]]:
    """How the order's payment is said in the activity log, and the notice sent (none for a
    card payment: the confirmation goes once the bank has paid, device_renewal_card_paid)."""
    price = euros(renewal.price_cents)
    if renewal.payment == RenewalPayment.CARD:
        return f"{price} par carte, à la commande", "", {}
    if renewal.payment == RenewalPayment.NEXT_INVOICE:
        return f"{price} en une fois", "device_renewal_ordered_in_full", {"price": price}
    count = renewal.instalment_count
    first = instalment_first_cents(price_cents=renewal.price_cents, count=count)
    return (
        f"{price} en {count} mensualités",
        "device_renewal_ordered",
        {"instalments": count, "instalment": euros(first)},
    )


@transaction.atomic
def device_renewal_order(
    *,
    customer: Customer,
    line: Line,
    sku: str,
    payment: RenewalPayment,
    actor: Actor,
    now: datetime,
    instalment_count: int = 0,
) -> DeviceRenewal:
    """Order the catalogue's `sku` for `line`. Refused while unpaid (care.order_create's check,
    ArrearsAct.DEVICE_RENEWAL, the act registry's `unpaid` of device_renewal), whatever the
    payment chosen:

    - INSTALMENTS: 12 or 24 monthly instalments on the invoices from the month of delivery;
    - NEXT_INVOICE: in one go, a one-off charge on the invoice of the month of delivery
      (`device_renewal_deliver`); that invoice can then be paid by card like any other;
    - CARD: paid now by card (CGVAD art. 4, "payables à la commande"). The order is recorded
      awaiting its payment and is not sent to the carrier (`after_sales_sync` skips it) until
      the PSP confirms the payment (payments purpose device_order →
      `device_renewal_card_paid`); a failed or abandoned payment cancels it
      (`device_renewal_card_unpaid`). The caller starts the card payment:
      devices.card_orders.device_renewal_order_by_card.

    Nothing is charged for an order cancelled before delivery."""
    line = _own_line(customer=customer, line=line, market=Market.MOBILE)
    device = rules.device_by_sku(sku)
    if device is None:
        raise DeviceError(
            code=DeviceErrorCode.DEVICE_UNKNOWN,
            message=f"Le modèle « {sku} » n'est pas au catalogue.",
            extra={"sku": sku},
        )
    _renewal_terms(payment, instalment_count)
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
        payment=RenewalPayment(payment),
        instalment_count=instalment_count,
    )
    said, template, context = _renewal_notice(renewal)
    entry = {
        "customer": customer,
        "actor": actor,
        "act": Act.DEVICE_RENEWAL_ORDER,
        "subject": order,
        "summary": f"Nouveau mobile commandé : {device.label}, {said}",
        "at": now,
        "new_values": {"sku": device.sku, "payment": payment, "instalment_count": instalment_count},
    }
    if template:
        activity_record_and_notify(
            **entry,
            template=template,
            context={"order": order.pk, "device": device.label, **context},
        )
    else:
        activity_record(**entry)
    return renewal


def _locked_renewal(renewal: DeviceRenewal) -> DeviceRenewal:
    return (
        DeviceRenewal.objects.select_for_update(of=("self",))
        .select_related("order__customer", "order__line")
        .get(pk=renewal.pk)
    )


@transaction.atomic
def device_renewal_card_paid(
    *, renewal: DeviceRenewal, payment_reference: str, actor: Actor, now: datetime
) -> DeviceRenewal:
    """The PSP confirmed the card payment of an order awaiting it: the order is confirmed and
    goes to the carrier at the next partners' feed (`after_sales_sync`); the customer is told,
    and the payment's receipt is on the order (payments.receipts). The phone is never put on
    an invoice (`device_renewal_deliver`)."""
    renewal = _locked_renewal(renewal)
    order = renewal.order
    if not renewal.awaiting_card_payment or order.status != OrderStatus.RECEIVED:
        raise DeviceError(
            code=DeviceErrorCode.ORDER_NOT_AWAITING_PAYMENT,
            message=f"La commande n° {order.pk} n'attend pas de paiement par carte (elle est"
            f" « {order.get_status_display().lower()} ») : le paiement est à rembourser.",
            extra={"order": order.pk, "status": order.status},
        )
    renewal.paid_at, renewal.payment_reference = now, payment_reference
    renewal.save(update_fields=["paid_at", "payment_reference"])
    activity_record_and_notify(
        customer=order.customer,
        actor=actor,
        act=Act.DEVICE_RENEWAL_PAID,
        subject=order,
        summary=f"Commande n° {order.pk} payée par carte ({euros(renewal.price_cents)}) :"
        f" {renewal.label}",
        at=now,
        new_values={"paid_at": now, "payment_reference": payment_reference},
        template="device_renewal_paid_by_card",
        context={
            "order": order.pk,
            "device": renewal.label,
            "price": euros(renewal.price_cents),
        },
    )
    return renewal


def _cancel(renewal: DeviceRenewal, *, reason: str, actor: Actor, now: datetime) -> None:
    order = renewal.order
    old_status = order.status
    order_advance(order=order, to_status=OrderStatus.CANCELLED, actor=actor, now=now)
    activity_record_and_notify(
        customer=order.customer,
        actor=actor,
        act=Act.DEVICE_RENEWAL_CANCEL,
        subject=order,
        summary=f"Commande n° {order.pk} annulée ({renewal.label}) : {reason}"[:300],
        at=now,
        old_values={"status": old_status},
        new_values={"status": order.status},
        template="device_renewal_cancelled",
        context={"order": order.pk, "device": renewal.label, "reason": reason},
    )


@transaction.atomic
def device_renewal_card_unpaid(
    *, renewal: DeviceRenewal, reason: str, actor: Actor, now: datetime
) -> DeviceRenewal:
    """The card payment of an order awaiting it failed or was abandoned: the order is
    cancelled, its phone back in stock; nothing was shipped, nothing is billed."""
    renewal = _locked_renewal(renewal)
    if renewal.awaiting_card_payment and renewal.order.status == OrderStatus.RECEIVED:
        _cancel(
            renewal,
            reason=f"le paiement par carte n'a pas abouti. {reason}".strip(),
            actor=actor,
            now=now,
        )
    return renewal


@transaction.atomic
def device_renewal_cancel(
    *, renewal: DeviceRenewal, actor: Actor, now: datetime
) -> tuple[DeviceRenewal, CardRefund | None]:
    """Cancel an order before it ships: the customer while it is received, the operator until
    it is prepared (care.rules.ORDER_CUSTOMER_TRANSITIONS; afterwards the withdrawal right of
    CGVAD art. 6 applies once delivered). An order paid by card owes its payment back: the
    refund is recorded here, in the cancellation's transaction, and the caller sends it to the
    PSP once committed (devices.card_orders.device_renewal_cancel_and_refund). An order
    awaiting its card payment is cancelled by abandoning that payment instead."""
    renewal = _locked_renewal(renewal)
    if renewal.awaiting_card_payment and renewal.order.status == OrderStatus.RECEIVED:
        raise DeviceError(
            code=DeviceErrorCode.ORDER_AWAITING_PAYMENT,
            message=f"La commande n° {renewal.order_id} attend son paiement : abandonnez le"
            " paiement pour l'annuler.",
            extra={"order": renewal.order_id},
        )
    _cancel(renewal, reason="annulée à votre demande avant expédition", actor=actor, now=now)
    refund = None
    if renewal.payment == RenewalPayment.CARD and renewal.paid_at is not None:
        refund = card_refund_create(
            attempt=_card_attempt(renewal),
            reason=f"commande n° {renewal.order_id} annulée avant expédition",
            actor=actor,
            now=now,
        )
    return renewal, refund


def device_renewal_withdrawal_deadline(*, renewal: DeviceRenewal) -> date | None:
    """The last day of the withdrawal right of CGVAD art. 6 (14 days from delivery) for a
    phone paid by card and delivered; None otherwise (billed on the invoices, or not
    delivered yet)."""
    delivered_at = renewal.order.delivered_at
    if renewal.paid_at is None or delivered_at is None:
        return None
    return withdrawal_deadline(paris_date(delivered_at))


@transaction.atomic
def device_renewal_withdraw(
    *, renewal: DeviceRenewal, logistics: Logistics, actor: Actor, now: datetime
) -> DeviceRenewal:
    """The customer withdraws from the purchase of a phone paid by card, within 14 days of its
    delivery (CGVAD art. 6, no reason needed); they send it back within 14 days with the
    return number, and its payment is refunded to the card once it is received
    (`device_renewal_return_receive`). Open while unpaid: a right of the customer
    (billing.rules, arrears)."""
    renewal = _locked_renewal(renewal)
    order = renewal.order
    deadline = device_renewal_withdrawal_deadline(renewal=renewal)
    if order.status != OrderStatus.DELIVERED or deadline is None:
        raise DeviceError(
            code=DeviceErrorCode.WITHDRAWAL_NOT_OPEN,
            message="La rétractation en ligne concerne un mobile payé par carte et livré.",
            extra={"order": order.pk, "status": order.status},
        )
    if renewal.withdrawn_at is not None:
        raise DeviceError(
            code=DeviceErrorCode.WITHDRAWAL_NOT_OPEN,
            message=f"La rétractation de la commande n° {order.pk} est déjà enregistrée.",
            extra={"order": order.pk},
        )
    if paris_date(now) > deadline:
        raise DeviceError(
            code=DeviceErrorCode.WITHDRAWAL_NOT_OPEN,
            message=f"Le délai de rétractation de 14 jours a pris fin le {deadline:%d/%m/%Y}"
            " (CGVAD art. 6).",
            extra={"deadline": deadline.isoformat()},
        )
    renewal.withdrawn_at = now
    renewal.save(update_fields=["withdrawn_at"])
    return_by = paris_date(now) + timedelta(days=rules.RETURN_AFTER_WITHDRAWAL_DAYS)
    return_number = logistics.return_number(order_id=order.pk)
    activity_record_and_notify(
        customer=order.customer,
        actor=actor,
        act=Act.DEVICE_RENEWAL_WITHDRAW,
        subject=order,
        summary=f"Rétractation pour {renewal.label} (commande n° {order.pk}) : à renvoyer"
        f" avant le {return_by:%d/%m/%Y}, retour n° {return_number}",
        at=now,
        new_values={"withdrawn_at": now, "return_by": return_by, "return_number": return_number},
        template="device_renewal_withdrawn",
        context={
            "order": order.pk,
            "device": renewal.label,
            "deadline": f"{return_by:%d/%m/%Y}",
            "return_number": return_number,
            "price": euros(renewal.price_cents),
        },
    )
    return renewal


@transaction.atomic
def device_renewal_return_receive(
    *, renewal: DeviceRenewal, actor: Actor, now: datetime
) -> tuple[DeviceRenewal, CardRefund]:
    """The phone of a withdrawal is received back: its card payment is owed back (CGVAD
    art. 6, within 14 days of the receipt). The refund is recorded here, in this transaction;
    `guichet payments reconcile` sends it to the PSP (or the caller, once committed)."""
    renewal = _locked_renewal(renewal)
    if renewal.withdrawn_at is None or renewal.returned_at is not None:
        raise DeviceError(
            code=DeviceErrorCode.WITHDRAWAL_NOT_OPEN,
            message=f"La commande n° {renewal.order_id} n'attend pas de retour.",
            extra={"order": renewal.order_id},
        )
    renewal.returned_at = now
    renewal.save(update_fields=["returned_at"])
    Equipment.objects.filter(pk=renewal.equipment_id).update(returned_at=now)
    refund = card_refund_create(
        attempt=_card_attempt(renewal),
        reason=f"rétractation, mobile de la commande n° {renewal.order_id} retourné",
        actor=actor,
        now=now,
    )
    activity_record_and_notify(
        customer=renewal.order.customer,
        actor=actor,
        act=Act.DEVICE_RENEWAL_RETURN,
        subject=renewal.order,
        summary=f"{renewal.label} retourné : {euros(refund.amount_cents)} remboursés sur votre"
        " carte",
        at=now,
        new_values={"returned_at": now, "refund": refund.pk},
        template="device_renewal_returned",
        context={
            "order": renewal.order_id,
            "device": renewal.label,
            "price": euros(refund.amount_cents),
        },
    )
    return renewal, refund


def _card_attempt(renewal: DeviceRenewal) -> PaymentAttempt:
    return PaymentAttempt.objects.get(
        order_id=renewal.order_id, status=PaymentAttemptStatus.SUCCEEDED
    )


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
    the catalog sells no phones; its label and rule name the phone). A phone paid by card at
    the order is on no invoice: its document is the payment's receipt (payments.receipts)."""
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
    # Paid by card at the order: neither a charge nor a plan, the invoices never carry it.
    if renewal.payment == RenewalPayment.NEXT_INVOICE:
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
    elif renewal.payment == RenewalPayment.INSTALMENTS:
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


def insured_value_check(*, equipment: Equipment, insured_value_cents: int) -> None:
    """A phone bought from us is insured at the price paid; one bought elsewhere at the price
    declared, which the insurer checks against the purchase invoice on a claim."""
    paid = purchase_price_cents(equipment=equipment)
    if paid is not None and insured_value_cents != paid:
        raise DeviceError(
            code=DeviceErrorCode.INSURED_VALUE_NOT_PURCHASE_PRICE,
            message=f"Votre {equipment.model} a été acheté {euros(paid)} chez nous : c'est le"
            " prix d'achat à assurer.",
            extra={"purchase_price_cents": paid},
        )


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
    insured_value_check(equipment=equipment, insured_value_cents=insured_value_cents)
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
        Equipment.objects.held()
        .filter(customer=customer, line=line, kind=EquipmentKind.PHONE)
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
    delivered, phones sent back after a withdrawal received (their refund recorded, sent by
    `guichet payments reconcile`); claims examined and settled; refund claims checked and
    paid; repairs through their stages. Each case in its own transaction; running it again
    changes nothing."""
    system = Actor.system()
    orders = claims = refunds = repairs = 0
    # An order awaiting its card payment is not passed to the carrier until it is paid.
    open_renewals = (
        DeviceRenewal.objects.select_related("order__line", "order__customer")
        .filter(
            order__status__in=[
                OrderStatus.RECEIVED,
                OrderStatus.IN_PREPARATION,
                OrderStatus.SHIPPED,
            ]
        )
        .exclude(payment=RenewalPayment.CARD, paid_at__isnull=True)
    )
    for renewal in open_renewals:
        orders += _sync_renewal(renewal=renewal, logistics=logistics, actor=system, now=now)
    for renewal in DeviceRenewal.objects.filter(
        withdrawn_at__isnull=False, returned_at__isnull=True
    ).select_related("order__customer"):
        assert renewal.withdrawn_at is not None
        if working_days_since(renewal.withdrawn_at, now) >= logistics.days_to_return():
            device_renewal_return_receive(renewal=renewal, actor=system, now=now)
            orders += 1
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
