"""Acts of the portal's "lines and emergencies" part: the porting code (RIO), the PUK, loss or
theft, the replacement SIM and its activation, the unlock code, and the box's TV PINs, fibre
socket reference and landline number. Each is one service of the usual shape (keyword-only,
`actor` and `now`, validated before anything changes, logged); the partners behind them are
adapters with local implementations (lines.provisioning, lines.partners).

None of these acts is refused while an invoice is unpaid: the brochure makes the emergency acts
free and the terms never bar them (billing.rules.ArrearsAct lists none of them).
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from guichet.billing.services import one_off_charge_add
from guichet.care.actors import Actor
from guichet.care.acts import Act
from guichet.care.models import (
    OPEN_REQUEST_STATUSES,
    OrderKind,
    OrderStatus,
    Request,
    RequestKind,
    RequestStatus,
)
from guichet.care.notifications import french_date
from guichet.care.rules import is_working_day
from guichet.care.selectors import order_get_for_customer
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
from guichet.catalog.schema import Channel
from guichet.catalog.selectors import catalog_current, product_get
from guichet.customers.models import AddressKind, Customer
from guichet.customers.rules import normalize_phone_number, paris_date
from guichet.customers.selectors import address_get
from guichet.lines.codes import (
    national_number,
    normalize_optical_outlet_reference,
    rio_for,
    tv_pin_problem,
)
from guichet.lines.errors import LineError, LineErrorCode
from guichet.lines.models import (
    BoxLineDetails,
    Equipment,
    EquipmentKind,
    Line,
    LineStatus,
    Ownership,
    SimSwap,
    SimSwapStatus,
    SuspensionReason,
)
from guichet.lines.partners import manufacturer_codes, sim_logistics
from guichet.lines.provisioning import network_provisioning
from guichet.lines.rules import normalize_iccid
from guichet.lines.selectors import contract_record_ids, sim_swap_pending
from guichet.lines.services import line_reinstate, line_suspend

LOSS_THEFT_REASONS = (SuspensionReason.LOSS, SuspensionReason.THEFT)
LOSS_THEFT_FEE = "suspension-vol-perte"
SIM_REPLACEMENT_FEE = "remplacement-carte-sim"
# Brochure, Infos pratiques, "Vol" 3): the insurer within "2 jours ouvrés".
INSURER_DECLARATION_BUSINESS_DAYS = 2
# The contract type of the RIO: every customer of this operator is a consumer ("P"); business
# contracts ("E") would come with business accounts.
RIO_CONTRACT_TYPE = "P"


def _holder(line: Line) -> Customer:
    return line.billing_account.customer


def _channel(actor: Actor) -> Channel:
    return "selfcare" if actor.is_customer else "customer_service"


def _refuse(code: LineErrorCode, message: str, **extra: object) -> LineError:
    return LineError(code=code, message=message, extra=dict(extra))


def line_has_sim(line: Line) -> bool:
    """A mobile line, or a box line on a 4G box: both have a SIM card (ICCID, PUK)."""
    return bool(line.iccid)


def is_fibre_box_line(line: Line) -> bool:
    return line.market == Market.FIXED and not line.iccid


def _check_sim(line: Line, what: str) -> None:
    if not line_has_sim(line):
        raise _refuse(
            LineErrorCode.NO_SIM,
            f"{what} : la ligne {line.display_number} n'a pas de carte SIM (box fibre).",
        )


def _check_box(line: Line, what: str) -> None:
    if line.market != Market.FIXED or line.status == LineStatus.TERMINATED:
        raise _refuse(
            LineErrorCode.NOT_A_BOX_LINE,
            f"{what} concerne une ligne box non résiliée.",
            line_id=line.pk,
        )


def business_days_after(start: date, days: int) -> date:
    """The date `days` jours ouvrés after `start`: Monday to Friday, French holidays excluded
    (care.rules.add_working_days counts jours ouvrables, Saturdays included)."""
    current, remaining = start, days
    while remaining:
        current = date.fromordinal(current.toordinal() + 1)
        if current.weekday() < 5 and is_working_day(current):
            remaining -= 1
    return current


# Loss and theft --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LossTheftDeclaration:
    line: Line
    reason: SuspensionReason
    # Theft: the last day to declare it to the insurer (brochure "Vol" 3); None for a loss.
    insurer_deadline: date | None


@transaction.atomic
def loss_theft_declare(
    *, line: Line, reason: SuspensionReason, actor: Actor, now: datetime
) -> LossTheftDeclaration:
    """CGS 6.1 and the brochure's "Vol" and "Perte": the line is suspended at once, for free
    (fee "suspension-vol-perte", 0 € by every channel), and the network bars the SIM. The
    contract goes on and the plan stays due (CGS 6.1)."""
    reason = SuspensionReason(reason)
    if reason not in LOSS_THEFT_REASONS:
        raise _refuse(
            LineErrorCode.LOSS_THEFT_REASON_INVALID,
            "Indiquez s'il s'agit d'une perte ou d'un vol.",
            reason=reason,
        )
    _check_sim(line, "Déclarer une perte ou un vol")
    line_suspend(line=line, reason=reason, actor=actor, now=now)
    network_provisioning().send(line=line, command="suspend", parameters={}, now=now)
    # Free: the catalog says so, and the charge service is what reads the catalog.
    one_off_charge_add(
        billing_account=line.billing_account,
        fee_code=LOSS_THEFT_FEE,
        channel=_channel(actor),
        actor=actor,
        now=now,
    )
    deadline = (
        business_days_after(paris_date(now), INSURER_DECLARATION_BUSINESS_DAYS)
        if reason == SuspensionReason.THEFT
        else None
    )
    return LossTheftDeclaration(line=line, reason=reason, insurer_deadline=deadline)


def loss_theft_lift_refusal(line: Line) -> str | None:
    """Why the customer cannot lift the line's suspension themselves, or None when they can."""
    if line.status != LineStatus.SUSPENDED:
        return f"La ligne {line.display_number} n'est pas suspendue."
    if line.suspension_reason in LOSS_THEFT_REASONS:
        return None
    if line.suspension_reason == SuspensionReason.UNPAID:
        return (
            "Votre ligne est suspendue pour une facture impayée : elle est remise en service"
            " dès que le montant dû est réglé (rubrique Factures), pas depuis cette page."
        )
    reason = SuspensionReason(line.suspension_reason).label
    return (
        f"Votre ligne est suspendue pour le motif « {reason} » : seul le Service Client peut la"
        " remettre en service."
    )


@transaction.atomic
def loss_theft_lift(*, line: Line, actor: Actor, now: datetime) -> Line:
    """The device is found (brochure "Perte": "nous pourrions bien sûr rétablir votre ligne")."""
    refusal = loss_theft_lift_refusal(line)
    if refusal is not None:
        raise _refuse(LineErrorCode.SUSPENSION_NOT_LIFTABLE, refusal, status=line.status)
    line_reinstate(line=line, actor=actor, now=now)
    if line.status == LineStatus.ACTIVE:
        network_provisioning().send(line=line, command="reinstate", parameters={}, now=now)
    else:  # back to the suspension of outgoing usage the loss or theft replaced
        network_provisioning().send(
            line=line, command="suspend", parameters={"scope": "outgoing"}, now=now
        )
    return line


# PUK and porting code --------------------------------------------------------------------------


@transaction.atomic
def puk_show(*, line: Line, actor: Actor, now: datetime) -> str:
    """The SIM's PUK; each consultation is in the activity log (fee "deblocage-carte-sim": free
    from self-care)."""
    _check_sim(line, "Le code PUK")
    activity_record(
        customer=_holder(line),
        actor=actor,
        act=Act.PUK_SHOW,
        subject=line,
        summary=f"Code PUK de la ligne {line.display_number} consulté",
        at=now,
    )
    return line.puk


def _porting_number(line: Line) -> str:
    if line.market == Market.MOBILE:
        return national_number(line.msisdn)
    details = BoxLineDetails.objects.filter(line=line).first()
    if details is None or not details.landline_number:
        raise _refuse(
            LineErrorCode.NO_PORTING_NUMBER,
            f"La ligne box {line.display_number} n'a pas de numéro de téléphone fixe :"
            " il n'y a pas de numéro à conserver, donc pas de RIO.",
        )
    return national_number(details.landline_number)


@transaction.atomic
def porting_code_show(*, line: Line, actor: Actor, now: datetime) -> str:
    """The line's RIO (lines.codes.rio_for). CGS 10: porting needs a line active until the
    transfer, so a pending or terminated line has none."""
    if line.status not in (LineStatus.ACTIVE, LineStatus.SUSPENDED):
        raise _refuse(
            LineErrorCode.PORTING_NOT_ALLOWED,
            f"La ligne {line.display_number} est {LineStatus(line.status).label.lower()} :"
            " son numéro ne peut pas être porté (CGS 10).",
        )
    rio = rio_for(
        operator_code=settings.GUICHET_PORTING_OPERATOR_CODE,
        contract_type=RIO_CONTRACT_TYPE,
        line_id=line.pk,
        national_number=_porting_number(line),
    )
    activity_record(
        customer=_holder(line),
        actor=actor,
        act=Act.PORTING_CODE_SHOW,
        subject=line,
        summary=f"Code RIO de la ligne {line.display_number} consulté",
        at=now,
    )
    return rio


# Replacement SIM -------------------------------------------------------------------------------


def sim_replacement_price_cents(*, line: Line, channel: Channel) -> int:
    """The next replacement's fee through `channel`: brochure "Remplacement de carte SIM", free
    the first time from self-care "sur la durée de vie de la ligne" (a line transfer does not
    start a new life: the former holder's replacements count), then 10 € (catalog fee
    "remplacement-carte-sim")."""
    price = (
        catalog_current()
        .fee(SIM_REPLACEMENT_FEE)
        .price_cents_for(channel=channel, previous_uses=_previous_swaps(line, channel))
    )
    assert price is not None  # the catalog offers it by phone and from self-care
    return price


def _previous_swaps(line: Line, channel: Channel) -> int:
    return SimSwap.objects.filter(
        line_id__in=contract_record_ids(line=line), channel=channel
    ).count()


@transaction.atomic
def sim_replacement_order(*, line: Line, actor: Actor, now: datetime) -> SimSwap:
    """Order a replacement SIM, sent to the customer's address: a care order shipped by the
    logistics partner, the fee on the next invoice when it is not free."""
    customer = _holder(line)
    if line.market != Market.MOBILE or line.status == LineStatus.TERMINATED:
        raise _refuse(
            LineErrorCode.SIM_REPLACEMENT_NOT_FOR_LINE,
            "On commande une carte SIM de remplacement pour une ligne mobile non résiliée.",
        )
    Line.objects.select_for_update().filter(pk=line.pk).first()  # one order at a time
    if sim_swap_pending(line=line) is not None:
        raise _refuse(
            LineErrorCode.SIM_REPLACEMENT_PENDING,
            "Une carte SIM de remplacement est déjà en route : activez-la à sa réception.",
        )
    address = address_get(customer=customer, kind=AddressKind.POSTAL) or address_get(
        customer=customer, kind=AddressKind.BILLING
    )
    if address is None:
        raise _refuse(
            LineErrorCode.SIM_REPLACEMENT_NOT_FOR_LINE,
            "Indiquez d'abord votre adresse : la carte y sera envoyée.",
        )
    channel = _channel(actor)
    previous = _previous_swaps(line, channel)
    price = sim_replacement_price_cents(line=line, channel=channel)
    fee = catalog_current().fee(SIM_REPLACEMENT_FEE)
    order = order_create(
        customer=customer,
        kind=OrderKind.SIM_REPLACEMENT,
        items=[
            OrderItemIn(
                label=fee.name,
                quantity=1,
                unit_price_cents=price,
                product=product_get(code=SIM_REPLACEMENT_FEE),
            )
        ],
        actor=actor,
        now=now,
        line=line,
    )
    shipment = sim_logistics().ship_sim(order_id=order.pk, address_lines=address.lines)
    system = Actor.system()
    order_advance(order=order, to_status=OrderStatus.IN_PREPARATION, actor=system, now=now)
    order_advance(
        order=order,
        to_status=OrderStatus.SHIPPED,
        actor=system,
        now=now,
        tracking_number=shipment.tracking_number,
    )
    swap = SimSwap.objects.create(
        line=line,
        order_id=order.pk,
        iccid=normalize_iccid(shipment.iccid),
        puk=shipment.puk,
        channel=channel,
        created_at=now,
    )
    if price:
        one_off_charge_add(
            billing_account=line.billing_account,
            fee_code=SIM_REPLACEMENT_FEE,
            channel=channel,
            actor=actor,
            now=now,
            previous_uses=previous,
        )
    return swap


@transaction.atomic
def sim_replacement_activate(*, line: Line, iccid: str, actor: Actor, now: datetime) -> Line:
    """The customer types the ICCID printed on the card they received: it must be the card sent
    for this line. The network moves the line to it, the old card stops working, and the line
    takes the new card's PUK. A loss or theft suspension ends with it: the lost card is dead."""
    try:
        iccid = normalize_iccid(iccid)
    except ValueError as invalid:
        raise _refuse(LineErrorCode.ICCID_INVALID, str(invalid)) from None
    swap = SimSwap.objects.select_for_update().filter(line=line, status=SimSwapStatus.SENT).first()
    if swap is None:
        raise _refuse(
            LineErrorCode.NO_SIM_TO_ACTIVATE,
            "Aucune carte SIM de remplacement n'attend d'activation pour cette ligne.",
        )
    if swap.iccid != iccid:
        raise _refuse(
            LineErrorCode.ICCID_NOT_THE_SENT_SIM,
            f"Le numéro {iccid} n'est pas celui de la carte envoyée (il se termine par"
            f" {swap.iccid[-4:]}). Recopiez le numéro imprimé au dos de la carte reçue.",
        )
    old_iccid = line.iccid
    network_provisioning().send(line=line, command="sim_swap", parameters={"iccid": iccid}, now=now)
    line.iccid, line.puk = swap.iccid, swap.puk
    line.save(update_fields=["iccid", "puk"])
    swap.status, swap.activated_at = SimSwapStatus.ACTIVATED, now
    swap.save(update_fields=["status", "activated_at"])
    order = order_get_for_customer(customer=_holder(line), order_id=swap.order_id)
    if order is not None and order.status == OrderStatus.SHIPPED:
        # Typing the number printed on the card proves it arrived.
        order_advance(order=order, to_status=OrderStatus.DELIVERED, actor=Actor.system(), now=now)
    activity_record_and_notify(
        customer=_holder(line),
        actor=actor,
        act=Act.SIM_REPLACEMENT_ACTIVATE,
        subject=line,
        summary=f"Nouvelle carte SIM (…{iccid[-4:]}) activée sur la ligne {line.display_number}",
        at=now,
        old_values={"iccid_end": old_iccid[-4:]},
        new_values={"iccid_end": iccid[-4:]},
        template="sim_activated",
        context={"line": line.display_number, "date": french_date(now), "iccid_end": iccid[-4:]},
    )
    if line.status == LineStatus.SUSPENDED and line.suspension_reason in LOSS_THEFT_REASONS:
        loss_theft_lift(line=line, actor=actor, now=now)
    return line


# Unlock code -----------------------------------------------------------------------------------
#
# The brochure prices no unlocking ("Déblocage de carte SIM" is the PUK, see fees.toml). The
# rule is ARCEP's décision n° 2005-1083 of 8 December 2005, art. 5: the holder may ask at any
# time for the lock to be lifted, and the operator gives the procedure free of charge at the
# latest at the end of the commitment, and never later than six months after the contract
# (three months since the operators' FFT commitment of 23 September 2010); a phone sold without
# commitment is not locked at all. The phones here are sold without commitment (renewals paid
# in instalments or in one go, no subsidy), so the code is free and can be asked at any time.


def unlockable_phones(*, line: Line) -> list[Equipment]:
    """The phones on the line bought from the operator: those an unlock code exists for."""
    return list(
        Equipment.objects.held()
        .filter(line=line, kind=EquipmentKind.PHONE, ownership=Ownership.OWNED)
        .exclude(imei="")
    )


def unlock_code_request_for_line(*, line: Line) -> Request | None:
    return Request.objects.filter(line=line, kind=RequestKind.UNLOCK_CODE).order_by("-id").first()


@transaction.atomic
def unlock_code_request(
    *, line: Line, equipment: Equipment, actor: Actor, now: datetime
) -> Request:
    """Open the tracked request; `unlock_code_collect` asks the maker and completes it."""
    if equipment.line_id != line.pk or equipment not in unlockable_phones(line=line):
        raise _refuse(
            LineErrorCode.UNLOCK_NOT_APPLICABLE,
            "Le code de désimlockage concerne un téléphone acheté auprès de nous pour cette ligne.",
        )
    request = request_open(
        customer=_holder(line),
        kind=RequestKind.UNLOCK_CODE,
        actor=actor,
        now=now,
        line=line,
        payload={"equipment_id": equipment.pk, "imei": equipment.imei, "model": equipment.model},
    )
    return request_advance(
        request=request, to_status=RequestStatus.IN_PROGRESS, actor=Actor.system(), now=now
    )


def unlock_code_collect(*, request: Request, now: datetime) -> Request:
    """Ask the maker for the code of an open unlock request (outside any transaction: a partner
    call), then complete the request with it; still open when the maker has not answered."""
    if request.kind != RequestKind.UNLOCK_CODE or request.status not in OPEN_REQUEST_STATUSES:
        return request
    code = manufacturer_codes().unlock_code(
        imei=request.payload["imei"], model=request.payload["model"]
    )
    if code is None:
        return request
    return request_advance(
        request=request,
        to_status=RequestStatus.COMPLETED,
        actor=Actor.system(),
        now=now,
        resolution=f"Code de désimlockage de votre {request.payload['model']} : {code}",
    )


# Box: TV PINs, fibre socket, landline ----------------------------------------------------------


def _box_details(line: Line, now: datetime) -> BoxLineDetails:
    details, _ = BoxLineDetails.objects.select_for_update().get_or_create(
        line=line, defaults={"updated_at": now}
    )
    return details


@transaction.atomic
def tv_pins_set(
    *, line: Line, parental_pin: str, purchase_pin: str, actor: Actor, now: datetime
) -> BoxLineDetails:
    """Reset the TV's parental (adult content) and purchase PINs, stored hashed."""
    _check_box(line, "Les codes de la télévision")
    for field, label, pin in (
        ("parental_pin", "Code parental", parental_pin),
        ("purchase_pin", "Code d'achat", purchase_pin),
    ):
        problem = tv_pin_problem(pin)
        if problem is not None:
            raise _refuse(LineErrorCode.TV_PIN_INVALID, f"{label} : {problem}", field=field)
    if parental_pin == purchase_pin:
        raise _refuse(
            LineErrorCode.TV_PIN_INVALID,
            "Code d'achat : choisissez un code différent du code parental.",
            field="purchase_pin",
        )
    details = _box_details(line, now)
    details.parental_pin_hash = make_password(parental_pin)
    details.purchase_pin_hash = make_password(purchase_pin)
    details.pins_changed_at = details.updated_at = now
    details.save()
    activity_record(
        customer=_holder(line),
        actor=actor,
        act=Act.TV_PINS_SET,
        subject=line,
        summary=f"Codes parental et d'achat TV de la ligne {line.display_number} modifiés",
        at=now,
    )
    return details


@transaction.atomic
def optical_outlet_reference_set(
    *, line: Line, reference: str, actor: Actor, now: datetime
) -> BoxLineDetails:
    """Record the reference printed on the fibre socket (installer, or the customer reading it)."""
    _check_box(line, "La référence de prise fibre")
    if not is_fibre_box_line(line):
        raise _refuse(
            LineErrorCode.OPTICAL_OUTLET_REFERENCE_INVALID,
            "Une 4G box n'a pas de prise fibre.",
        )
    try:
        reference = normalize_optical_outlet_reference(reference)
    except ValueError as invalid:
        raise _refuse(LineErrorCode.OPTICAL_OUTLET_REFERENCE_INVALID, str(invalid)) from None
    details = _box_details(line, now)
    old = details.optical_outlet_reference
    details.optical_outlet_reference, details.updated_at = reference, now
    details.save(update_fields=["optical_outlet_reference", "updated_at"])
    activity_record(
        customer=_holder(line),
        actor=actor,
        act=Act.OPTICAL_OUTLET_REFERENCE_SET,
        subject=line,
        summary=f"Référence de prise fibre {reference} enregistrée",
        at=now,
        old_values={"optical_outlet_reference": old},
        new_values={"optical_outlet_reference": reference},
    )
    return details


@transaction.atomic
def box_landline_assign(*, line: Line, number: str, actor: Actor, now: datetime) -> BoxLineDetails:
    """The box's landline number, given when the line is set up (the operator's act)."""
    _check_box(line, "Le numéro fixe")
    try:
        e164 = normalize_phone_number(number)
    except ValueError as invalid:
        raise _refuse(LineErrorCode.NO_PORTING_NUMBER, str(invalid)) from None
    if not (e164.startswith("+33") and len(e164) == 12 and e164[3] in "123459"):
        raise _refuse(
            LineErrorCode.NO_PORTING_NUMBER,
            f"« {number} » n'est pas un numéro fixe français (01 à 05 ou 09).",
        )
    details = _box_details(line, now)
    details.landline_number, details.updated_at = e164, now
    details.save(update_fields=["landline_number", "updated_at"])
    activity_record(
        customer=_holder(line),
        actor=actor,
        act=Act.BOX_LANDLINE_ASSIGN,
        subject=line,
        summary=f"Numéro fixe {national_number(e164)} attribué à la box",
        at=now,
        new_values={"landline_number": e164},
    )
    return details
