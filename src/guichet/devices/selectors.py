"""Reads of devices, insurance and after-sales; every read for a customer is scoped to them."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Q

from guichet.care.models import OrderStatus, Request, RequestKind
from guichet.customers.models import Customer
from guichet.customers.rules import paris_date
from guichet.devices import rules
from guichet.devices.models import (
    DeviceRenewal,
    IncidentStatus,
    InsuranceContract,
    InsuranceStatus,
    NetworkIncident,
    RenewalPayment,
    Repair,
)
from guichet.lines.models import Equipment, EquipmentKind, Line, Ownership
from guichet.lines.selectors import active_plan


def device_units_left(*, sku: str) -> int:
    """The file's stock less the units ordered and not cancelled."""
    device = rules.device_by_sku(sku)
    if device is None:
        return 0
    ordered = (
        DeviceRenewal.objects.filter(sku=sku).exclude(order__status=OrderStatus.CANCELLED).count()
    )
    return max(device.stock - ordered, 0)


def device_catalogue_with_stock() -> list[tuple[rules.Device, int]]:
    ordered: dict[str, int] = {}
    for sku in (
        DeviceRenewal.objects.exclude(order__status=OrderStatus.CANCELLED)
        .values_list("sku", flat=True)
        .iterator()
    ):
        ordered[sku] = ordered.get(sku, 0) + 1
    return [
        (device, max(device.stock - ordered.get(device.sku, 0), 0))
        for device in rules.device_catalogue()
    ]


def renewals_for_line(*, customer: Customer, line: Line) -> list[DeviceRenewal]:
    return list(
        DeviceRenewal.objects.filter(order__customer=customer, order__line=line)
        .select_related("order", "instalment_plan")
        .order_by("-order__created_at", "-order_id")
    )


def orders_awaiting_card_payment(*, order_ids: Sequence[int]) -> set[int]:
    """Which of these orders are renewals waiting for their card payment (still "received" in
    the order's lifecycle: nothing goes to the carrier before the PSP confirms)."""
    return set(
        DeviceRenewal.objects.filter(
            order_id__in=order_ids,
            payment=RenewalPayment.CARD,
            paid_at__isnull=True,
            order__status=OrderStatus.RECEIVED,
        ).values_list("order_id", flat=True)
    )


def insurable_phones(*, customer: Customer, line: Line) -> list[Equipment]:
    """The line's phones bought by the customer and not insured yet."""
    return list(
        Equipment.objects.held()
        .filter(customer=customer, line=line, kind=EquipmentKind.PHONE, ownership=Ownership.OWNED)
        .exclude(
            pk__in=InsuranceContract.objects.filter(status=InsuranceStatus.ACTIVE).values(
                "equipment_id"
            )
        )
        .order_by("-acquired_at", "-id")
    )


def purchase_price_cents(*, equipment: Equipment) -> int | None:
    """What the customer paid for a phone bought from the operator (its renewal order, or the
    price its instalment plan spreads), or None for a phone bought elsewhere."""
    renewal = DeviceRenewal.objects.filter(equipment=equipment).first()
    if renewal is not None:
        return renewal.price_cents
    financed: int | None = (
        equipment.instalment_plans.order_by("created_at", "id")  # type: ignore[attr-defined]
        .values_list("principal_cents", flat=True)
        .first()
    )
    return financed


def insurance_contracts_for_line(*, customer: Customer, line: Line) -> list[InsuranceContract]:
    return list(
        InsuranceContract.objects.filter(customer=customer, line=line).select_related("equipment")
    )


def requests_of_kind(*, customer: Customer, line: Line | None, kind: RequestKind) -> list[Request]:
    requests = Request.objects.filter(customer=customer, kind=kind)
    if line is not None:
        requests = requests.filter(line=line)
    return list(requests.order_by("-created_at", "-id"))


def refund_purchases(
    *, customer: Customer, line: Line, today: date
) -> list[tuple[rules.RefundOffer, dict[str, Any]]]:
    """The refund offers the line's purchases earn today: a phone delivered by a renewal, or
    the line's main offer since its activation; with what earned it."""
    purchases: list[tuple[str | None, str | None, date, dict[str, Any]]] = []
    for renewal in DeviceRenewal.objects.filter(
        order__customer=customer, order__line=line, order__status=OrderStatus.DELIVERED
    ).select_related("order"):
        assert renewal.order.delivered_at is not None  # delivered
        on = paris_date(renewal.order.delivered_at)
        purchases.append((renewal.sku, None, on, {"what": renewal.label, "on": on.isoformat()}))
    plan = active_plan(line=line)
    if plan is not None:
        on = paris_date(line.activated_at or plan.starts_at)
        purchases.append(
            (None, plan.product.code, on, {"what": plan.product.name, "on": on.isoformat()})
        )
    market_kind = {"mobile": "plan", "fixed": "box_offer"}[line.market]
    earned = []
    for offer in rules.refund_offers():
        if offer.applies_to not in ("device", market_kind):
            continue
        for sku, offer_code, on, described in purchases:
            if rules.refund_offer_applies(
                offer, sku=sku, offer_code=offer_code, purchased_on=on, today=today
            ):
                earned.append((offer, described))
                break
    return earned


def repairs_for_customer(*, customer: Customer) -> list[Repair]:
    return list(
        Repair.objects.filter(request__customer=customer)
        .select_related("request", "request__line")
        .order_by("-request__created_at", "-request_id")
    )


def incidents_for_postcodes(
    *, postcodes: list[str], ongoing_only: bool = True
) -> list[NetworkIncident]:
    if not postcodes:
        return []
    incidents = NetworkIncident.objects.filter(postcode__in=postcodes)
    if ongoing_only:
        incidents = incidents.filter(status=IncidentStatus.ONGOING)
    return list(incidents.order_by("-started_at", "-id"))


def incidents_search(*, postcode: str) -> list[NetworkIncident]:
    """Ongoing incidents of a postcode, or of a whole département from its two first digits."""
    condition = Q(postcode__startswith=postcode) if len(postcode) == 2 else Q(postcode=postcode)
    return list(
        NetworkIncident.objects.filter(condition, status=IncidentStatus.ONGOING).order_by(
            "-started_at", "-id"
        )
    )


@dataclass(frozen=True)
class InsuranceOnBill:
    """An insurance contract as the bill run reads it: the premium the contract keeps (cents
    incl. VAT, per month) and when it covered the phone."""

    contract_id: int
    line_id: int
    device: str
    reference: str
    monthly_price_cents: int
    started_at: datetime
    ended_at: datetime | None


def insurances_on_bill(
    *, line_ids: Sequence[int], stop: datetime
) -> Mapping[int, list[InsuranceOnBill]]:
    """The insurance contracts of these lines started before `stop`, ended or not, per line,
    oldest first. One query (none without lines)."""
    if not line_ids:
        return {}
    by_line: dict[int, list[InsuranceOnBill]] = {}
    for row in (
        InsuranceContract.objects.filter(line_id__in=line_ids, started_at__lt=stop)
        .order_by("started_at", "id")
        .values_list(
            "id",
            "line_id",
            "equipment__model",
            "insurer_reference",
            "monthly_price_cents",
            "started_at",
            "ended_at",
        )
    ):
        by_line.setdefault(row[1], []).append(InsuranceOnBill(*row))
    return by_line
