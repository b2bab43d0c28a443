"""Creates the demo: four named personas and generated customers, through the real services.

Nothing here writes a row directly: every customer, account, line, subscription, order and
piece of equipment is made by the service that makes it in production, at the date it would
have happened, so the activity log tells a true story. History that later parts produce
(usage, invoices, dunning, instalment plans) is added by those parts, through their own
services: the personas' usage is a usage file imported by `usage_import`
(demo.usage_history), every past month is invoiced by the bill run, then Karim's unpaid
invoice goes through the dunning run (demo.dunning).
"""

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction

from guichet.billing.models import BillingAccount, PaymentMethod
from guichet.billing.services import bill_run, billing_account_open
from guichet.care.actors import Actor
from guichet.care.models import OrderKind, OrderStatus
from guichet.care.services import OrderItemIn, order_advance, order_create
from guichet.catalog.models import Market
from guichet.catalog.selectors import catalog_current, product_get
from guichet.customers.models import AddressKind, Civility, Customer
from guichet.customers.selectors import customer_get_by_login_email
from guichet.customers.services import address_set, customer_create
from guichet.demo.backoffice import demo_backoffice_create
from guichet.demo.devices import demo_devices_create
from guichet.demo.dunning import demo_dunning_create
from guichet.demo.home_usage import home_usage_demo_create
from guichet.demo.identities import MAX_SENIORITY_YEARS, Identity, generate_identities
from guichet.demo.instalments import lea_instalment_plan_create
from guichet.demo.invoices_payments import demo_payments_create
from guichet.demo.lines_emergencies import lines_emergencies_demo_create
from guichet.demo.personal_info import demo_personal_info_create
from guichet.demo.usage_history import usage_history_import
from guichet.lines.models import EquipmentKind, Line, Ownership
from guichet.lines.rules import luhn_valid
from guichet.lines.services import (
    equipment_register,
    line_activate,
    line_create,
    subscription_add,
)

DEMO_PASSWORD = "Demo-Guichet-2026"
PARIS = ZoneInfo("Europe/Paris")
PLAN_CODE = "woot-100go"
BOX_OFFER_CODE = "bbox-fibre-exemple"
# Options a generated customer may have taken, with how often (a demo, not statistics).
OPTION_CHOICES: tuple[tuple[str, float], ...] = (
    ("securite-kaspersky", 0.15),
    ("double-appel", 0.2),
    ("appels-fixes-85-destinations", 0.08),
    ("maghreb-turquie-30min", 0.05),
)


@dataclass(frozen=True)
class Persona:
    email: str
    identity: Identity
    description: str


@dataclass
class DemoReport:
    personas: list[Persona]
    generated: int
    already_present: bool = False
    logins: list[tuple[str, str]] = field(default_factory=list)


PERSONAS: tuple[Persona, ...] = (
    Persona(
        email="camille@demo.guichet.fr",
        identity=Identity(
            "mme", "Camille", "Martin", date(1987, 4, 12), "8 rue Mercière", "69002", "Lyon"
        ),
        description="cliente depuis plus de 36 mois, une ligne mobile Woot 100 Go",
    ),
    Persona(
        email="karim@demo.guichet.fr",
        identity=Identity(
            "m",
            "Karim",
            "Benali",
            date(1992, 9, 3),
            "27 boulevard de la Libération",
            "13001",
            "Marseille",
        ),
        description="ligne mobile payée par carte, impayé en relance (usages sortants suspendus)",
    ),
    Persona(
        email="lea@demo.guichet.fr",
        identity=Identity(
            "mme",
            "Léa",
            "Dubois",
            date(1999, 1, 25),
            "14 rue Sainte-Catherine",
            "33000",
            "Bordeaux",
        ),
        description="ligne mobile, Samsung Galaxy S24 payé en 24 fois (facilité de paiement)",
    ),
    Persona(
        email="hugo@demo.guichet.fr",
        identity=Identity(
            "m",
            "Hugo",
            "Lefebvre",
            date(1984, 11, 7),
            "3 place du Général de Gaulle",
            "59000",
            "Lille",
        ),
        description="une ligne mobile et une ligne box",
    ),
    Persona(
        email="nora@demo.guichet.fr",
        identity=Identity(
            "mme", "Nora", "Petit", date(1995, 6, 18), "5 rue Kervégan", "44000", "Nantes"
        ),
        description="une box fibre seule, mise en service il y a trois jours (rétractation"
        " ouverte, cycle de facturation au choix)",
    ),
)


@transaction.atomic
def demo_data_create(*, customers: int, seed: int, now: datetime) -> DemoReport:
    """Idempotent: when the personas exist, nothing is created again."""
    if customers < 0:
        raise ValueError("--customers must be zero or more")
    if customer_get_by_login_email(email=PERSONAS[0].email) is not None:
        return DemoReport(personas=list(PERSONAS), generated=0, already_present=True)
    rng = random.Random(seed)
    numbers = _UniqueNumbers(rng)
    today = now.astimezone(PARIS).date()
    camille = _create_camille(numbers, today)
    karim_line = _create_karim(numbers, today)
    lea = _create_lea(numbers, today)
    hugo = _create_hugo(numbers, today)
    _create_nora(numbers, today)
    persona_lines = {
        PERSONAS[0].email: camille,
        PERSONAS[1].email: karim_line,
        PERSONAS[2].email: lea,
        PERSONAS[3].email: hugo,
    }
    identities = generate_identities(count=customers, seed=seed, today=today)
    for serial, identity in enumerate(identities, start=1):
        _create_generated(identity, serial, rng, numbers, today)
    # Before the bill run: the past months' invoices carry its instalments.
    lea_instalment_plan_create()
    # Usage and purchases on the bill first: the bill run invoices each month with its
    # out-of-bundle usage, Internet+ purchases and VOD.
    usage_history_import(lines=persona_lines, seed=seed, now=now)
    # -- portal: home and usage --
    home_usage_demo_create(lines=persona_lines, now=now)
    _bill_history(today)
    demo_dunning_create(customer=karim_line.billing_account.customer, now=now)
    # The portal's demo content, one call per part (demo/<part>.py):
    # -- portal: invoices and payment means --
    demo_payments_create(now=now, card_payers_left_out=[karim_line.billing_account.customer])
    # -- portal: account and security --
    # -- portal: personal information and tracking --
    demo_personal_info_create(
        camille=camille.billing_account.customer, hugo=hugo.billing_account.customer, now=now
    )
    # -- portal: lines and emergencies --
    lines_emergencies_demo_create(now=now)
    # -- portal: offer management --
    # -- portal: devices, insurance and after-sales --
    demo_devices_create(now=now)
    # -- back office --
    demo_backoffice_create(
        password=DEMO_PASSWORD,
        personas=[line.billing_account.customer for line in persona_lines.values()],
        now=now,
    )
    return DemoReport(personas=list(PERSONAS), generated=customers)


def _bill_history(today: date) -> None:
    """Every month since the earliest a demo customer can have joined, invoiced by the real
    bill run on the 2nd of the next month, as the operator's monthly run would have done."""
    earliest = today - timedelta(days=MAX_SENIORITY_YEARS * 365)
    period = date(earliest.year, earliest.month, 1)
    current_month = date(today.year, today.month, 1)
    while period < current_month:
        following = _months_later(period, 1)
        bill_run(period=period, now=_at(following + timedelta(days=1), hour=6))
        period = following


def _months_later(month: date, months: int) -> date:
    year, index = divmod(month.year * 12 + month.month - 1 + months, 12)
    return date(year, index + 1, 1)


# Personas ----------------------------------------------------------------------------------


# The international option (free) lets a line use what its plan does not include abroad or to
# abroad, out of bundle (rates.toml, rule international-option-required): Karim calls Algeria,
# Léa travelled to the United States (demo.usage_history).


def _create_camille(numbers: "_UniqueNumbers", today: date) -> Line:
    joined = _months_before(today, 41)
    customer, account = _new_customer(
        PERSONAS[0], joined, PaymentMethod.DIRECT_DEBIT, numbers.msisdn()
    )
    return _new_mobile_line(customer, account, numbers, joined, options=("option-internationale",))


def _create_karim(numbers: "_UniqueNumbers", today: date) -> Line:
    """With a phone of his own, bought elsewhere when he joined: he can ask to insure it, and
    is refused at the last step while unpaid (ArrearsAct.INSURANCE_SUBSCRIBE)."""
    joined = _months_before(today, 14)
    customer, account = _new_customer(PERSONAS[1], joined, PaymentMethod.CARD, numbers.msisdn())
    line = _new_mobile_line(customer, account, numbers, joined, options=("option-internationale",))
    bought = _at(joined, hour=12)
    equipment_register(
        customer=customer,
        kind=EquipmentKind.PHONE,
        model="Apple iPhone 13 128 Go",
        ownership=Ownership.OWNED,
        acquired_at=bought,
        actor=Actor.system(),
        now=bought,
        line=line,
        imei=numbers.imei(),
    )
    return line


def _create_lea(numbers: "_UniqueNumbers", today: date) -> Line:
    joined = _months_before(today, 20)
    customer, account = _new_customer(
        PERSONAS[2], joined, PaymentMethod.DIRECT_DEBIT, numbers.msisdn()
    )
    line = _new_mobile_line(
        customer,
        account,
        numbers,
        joined,
        options=("securite-kaspersky", "option-internationale"),
    )
    renewal_day = _months_before(today, 5)
    order = _deliver_order(
        customer,
        line,
        OrderKind.DEVICE_RENEWAL,
        [OrderItemIn(label="Samsung Galaxy S24 128 Go", quantity=1, unit_price_cents=79_900)],
        renewal_day,
    )
    equipment_register(
        customer=customer,
        kind=EquipmentKind.PHONE,
        model="Samsung Galaxy S24 128 Go",
        ownership=Ownership.OWNED,
        acquired_at=order.delivered_at,
        actor=Actor.system(),
        now=order.delivered_at,
        line=line,
        imei=numbers.imei(),
    )
    return line


def _create_hugo(numbers: "_UniqueNumbers", today: date) -> Line:
    joined = _months_before(today, 26)
    customer, account = _new_customer(
        PERSONAS[3], joined, PaymentMethod.DIRECT_DEBIT, numbers.msisdn()
    )
    line = _new_mobile_line(customer, account, numbers, joined, options=("double-appel",))
    _new_box_line(customer, account, numbers, _months_before(today, 18))
    return line


def _create_nora(numbers: "_UniqueNumbers", today: date) -> Line:
    """A new box customer: ordered 12 days ago, in service for 3 (the box's 9 days), so that
    the acts of a contract's first days can be done: withdrawal (CGS 9), the box's refund
    offer, and the billing cycle, which only an account without a mobile line can choose."""
    joined = today - timedelta(days=12)
    customer, account = _new_customer(
        PERSONAS[4], joined, PaymentMethod.DIRECT_DEBIT, numbers.msisdn()
    )
    return _new_box_line(customer, account, numbers, joined)


# Building blocks ---------------------------------------------------------------------------


def _new_customer(
    persona_or_identity: Persona | Identity,
    joined: date,
    payment_method: PaymentMethod,
    contact_phone: str,
    email: str | None = None,
) -> tuple[Customer, BillingAccount]:
    """The customer's contact phone is the number their mobile line will get."""
    if isinstance(persona_or_identity, Persona):
        identity, email = persona_or_identity.identity, persona_or_identity.email
    else:
        identity = persona_or_identity
    assert email is not None
    at = _at(joined, hour=10)
    system = Actor.system()
    customer = customer_create(
        email=email,
        password=DEMO_PASSWORD,
        civility=Civility(identity.civility),
        first_name=identity.first_name,
        last_name=identity.last_name,
        birth_date=identity.birth_date,
        contact_phone=contact_phone,
        actor=system,
        now=at,
    )
    address_set(
        customer=customer,
        kind=AddressKind.BILLING,
        street_lines=[identity.street],
        postcode=identity.postcode,
        city=identity.city,
        actor=system,
        now=at,
    )
    account = billing_account_open(
        customer=customer,
        payment_method=payment_method,
        debit_day=5 if payment_method == PaymentMethod.DIRECT_DEBIT else 1,
        actor=system,
        now=at,
    )
    return customer, account


def _new_mobile_line(
    customer: Customer,
    account: BillingAccount,
    numbers: "_UniqueNumbers",
    ordered_on: date,
    options: tuple[str, ...] = (),
) -> Line:
    system = Actor.system()
    ordered_at = _at(ordered_on, hour=10, minute=5)
    plan = catalog_current().plan(PLAN_CODE)
    line = line_create(
        billing_account=account,
        market=Market.MOBILE,
        actor=system,
        now=ordered_at,
        msisdn=customer.contact_phone,
        iccid=numbers.iccid(),
        puk=numbers.puk(),
    )
    subscription_add(line=line, product=product_get(code=PLAN_CODE), actor=system, now=ordered_at)
    _deliver_order(
        customer,
        line,
        OrderKind.ACQUISITION,
        [
            OrderItemIn(
                label=f"{plan.activation_fee_label} {plan.name}",
                quantity=1,
                unit_price_cents=plan.activation_fee_cents,
            )
        ],
        ordered_on,
    )
    # CGS 4: activation within 3 working days of the subscription.
    activated_at = _at(ordered_on + timedelta(days=3), hour=9)
    line_activate(line=line, actor=system, now=activated_at)
    # The free international option opens after the first month (brochure, compatibility table).
    options_at = _at(ordered_on + timedelta(days=40), hour=18)
    for code in options:
        subscription_add(line=line, product=product_get(code=code), actor=system, now=options_at)
    return line


def _new_box_line(
    customer: Customer, account: BillingAccount, numbers: "_UniqueNumbers", ordered_on: date
) -> Line:
    system = Actor.system()
    ordered_at = _at(ordered_on, hour=11)
    offer = catalog_current().box_offer(BOX_OFFER_CODE)
    line = line_create(
        billing_account=account,
        market=Market.FIXED,
        actor=system,
        now=ordered_at,
        access_reference=numbers.access_reference(),
    )
    subscription_add(
        line=line, product=product_get(code=BOX_OFFER_CODE), actor=system, now=ordered_at
    )
    order = _deliver_order(
        customer,
        line,
        OrderKind.ACQUISITION,
        [
            OrderItemIn(
                label=f"Mise en service {offer.name}",
                quantity=1,
                unit_price_cents=offer.activation_fee_cents,
            )
        ],
        ordered_on,
    )
    for kind, model in ((EquipmentKind.BOX, "Bbox"), (EquipmentKind.TV_DECODER, "Décodeur TV")):
        equipment_register(
            customer=customer,
            kind=kind,
            model=model,
            ownership=Ownership.RENTED,
            acquired_at=order.delivered_at,
            actor=system,
            now=order.delivered_at,
            line=line,
            serial_number=numbers.serial(),
        )
    line_activate(
        line=line,
        actor=system,
        now=_at(ordered_on + timedelta(days=9), hour=14),
        commitment_months=12,
    )
    return line


def _deliver_order(
    customer: Customer, line: Line, kind: OrderKind, items: list[OrderItemIn], ordered_on: date
):
    system = Actor.system()
    order = order_create(
        customer=customer,
        kind=kind,
        items=items,
        actor=system,
        now=_at(ordered_on, hour=10, minute=6),
        line=line,
    )
    for days, status in (
        (0, OrderStatus.IN_PREPARATION),
        (1, OrderStatus.SHIPPED),
        (2, OrderStatus.DELIVERED),
    ):
        order = order_advance(
            order=order,
            to_status=status,
            actor=system,
            now=_at(ordered_on + timedelta(days=days), hour=16),
            tracking_number=f"6A{order.pk:011d}" if status == OrderStatus.SHIPPED else "",
        )
    return order


def _create_generated(
    identity: Identity, serial: int, rng: random.Random, numbers: "_UniqueNumbers", today: date
) -> None:
    joined = today - timedelta(days=rng.randint(20, MAX_SENIORITY_YEARS * 365))
    method = PaymentMethod.DIRECT_DEBIT if rng.random() < 0.7 else PaymentMethod.CARD
    customer, account = _new_customer(
        identity, joined, method, numbers.msisdn(), email=identity.email(serial)
    )
    options = tuple(code for code, share in OPTION_CHOICES if rng.random() < share)
    _new_mobile_line(customer, account, numbers, joined, options=options)
    if rng.random() < 0.15:
        _new_box_line(customer, account, numbers, joined + timedelta(days=rng.randint(1, 200)))


def _months_before(today: date, months: int) -> date:
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return date(year, month + 1, min(today.day, 28))


def _at(day: date, *, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


class _UniqueNumbers:
    """Deterministic, never-repeating identifiers for SIMs, numbers and devices."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._seen: set[str] = set()

    def _unique(self, make) -> str:  # type: ignore[no-untyped-def]
        for value in iter(make, None):
            if value not in self._seen:
                self._seen.add(value)
                return value
        raise AssertionError("unreachable")

    def msisdn(self) -> str:
        return self._unique(lambda: f"+33{self._rng.choice('67')}{self._rng.randrange(10**8):08d}")

    def iccid(self) -> str:
        # 89 (telecom) 33 (France) 20 (issuer), then 12 digits and the Luhn check digit.
        return self._unique(lambda: _with_luhn(f"893320{self._rng.randrange(10**12):012d}"))

    def imei(self) -> str:
        return self._unique(lambda: _with_luhn(f"35{self._rng.randrange(10**12):012d}"))

    def puk(self) -> str:
        return f"{self._rng.randrange(10**8):08d}"

    def access_reference(self) -> str:
        return self._unique(lambda: f"FTTH-{self._rng.randrange(10**10):010d}")

    def serial(self) -> str:
        return self._unique(lambda: f"SN{self._rng.randrange(10**10):010d}")


def _with_luhn(digits: str) -> str:
    return next(digits + check for check in "0123456789" if luhn_valid(digits + check))


def persona_logins() -> Iterator[tuple[str, str]]:
    for persona in PERSONAS:
        yield persona.email, persona.description
