"""Demo content of devices, insurance and after-sales: network incidents near the personas'
homes (Lille for Hugo, Bordeaux for Léa), an incident ticket and a repair of Hugo's, all
through the real services."""

from datetime import datetime, timedelta

from guichet.care.actors import Actor
from guichet.care.models import TicketSeverity, TicketStatus, TicketType
from guichet.care.services import ticket_advance, ticket_open
from guichet.customers.selectors import customer_get_by_login_email
from guichet.devices.models import RepairStage
from guichet.devices.partners import repairer
from guichet.devices.services import (
    IncidentIn,
    network_incidents_load,
    repair_advance,
    repair_deposit,
)
from guichet.lines.selectors import lines_for_customer

HUGO_EMAIL = "hugo@demo.guichet.fr"


def _incidents(now: datetime) -> list[IncidentIn]:
    return [
        IncidentIn(
            reference="DEMO-LIL-FIX-1",
            postcode="59000",
            commune="Lille",
            service="fixed",
            description="Coupure de fibre optique après des travaux de voirie : internet et TV"
            " indisponibles pour une partie du quartier Vauban.",
            status="ongoing",
            started_at=now - timedelta(hours=5),
            expected_end_at=now + timedelta(hours=19),
            resolved_at=None,
        ),
        IncidentIn(
            reference="DEMO-BDX-MOB-1",
            postcode="33000",
            commune="Bordeaux",
            service="mobile",
            description="Antenne en maintenance : réseau 4G/5G perturbé autour de la place de"
            " la Bourse.",
            status="ongoing",
            started_at=now - timedelta(hours=2),
            expected_end_at=now + timedelta(hours=6),
            resolved_at=None,
        ),
        IncidentIn(
            reference="DEMO-LIL-MOB-0",
            postcode="59000",
            commune="Lille",
            service="mobile",
            description="Panne d'une antenne relais, rétablie.",
            status="resolved",
            started_at=now - timedelta(days=6),
            expected_end_at=now - timedelta(days=5),
            resolved_at=now - timedelta(days=5),
        ),
    ]


def demo_devices_create(*, now: datetime) -> None:
    network_incidents_load(rows=_incidents(now), now=now)
    hugo = customer_get_by_login_email(email=HUGO_EMAIL)
    if hugo is None:
        raise LookupError(f"the persona {HUGO_EMAIL} must be created first")
    mobile, box = (
        next(line for line in lines_for_customer(customer=hugo) if line.market == market)
        for market in ("mobile", "fixed")
    )
    system = Actor.system()
    opened = now - timedelta(days=3)
    ticket = ticket_open(
        customer=hugo,
        ticket_type=TicketType.INCIDENT,
        severity=TicketSeverity.MINOR,
        description="Le débit de la box baisse tous les soirs vers 21 h.",
        line=box,
        actor=system,
        now=opened,
    )
    ticket_advance(
        ticket=ticket,
        to_status=TicketStatus.IN_PROGRESS,
        actor=system,
        now=opened + timedelta(hours=4),
        note="Un technicien analyse la ligne à distance.",
    )
    deposited = now - timedelta(days=4)
    repair = repair_deposit(
        customer=hugo,
        line=mobile,
        device="Apple iPhone 13",
        fault="battery",
        repairer=repairer(),
        actor=system,
        now=deposited,
    )
    repair_advance(
        repair=repair,
        to_stage=RepairStage.DIAGNOSED,
        actor=system,
        now=deposited + timedelta(days=2),
    )
