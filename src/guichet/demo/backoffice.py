"""Demo content of the advisor console: the demo advisor signs in with the demo password, and
the queues hold what an advisor processes. Camille's last message already waits for an answer
and Hugo's box incident is in progress (personal_info, devices); here, among the generated
customers (none when the demo has none): a line transfer its new holder accepted, waiting for
the documents check, and a box move due today, waiting for the partner's confirmation."""

from datetime import date, datetime, timedelta

from guichet.billing.errors import BillingError
from guichet.care.actors import Actor
from guichet.catalog.models import Market
from guichet.customers.models import Customer
from guichet.customers.rules import paris_date
from guichet.demo.personal_info import demo_advisor
from guichet.lines.models import Line, LineStatus
from guichet.lines.offer_services import (
    box_move_request,
    line_transfer_accept,
    line_transfer_request,
)
from guichet.lines.selectors import lines_for_customer


def demo_backoffice_create(*, password: str, personas: list[Customer], now: datetime) -> None:
    advisor = demo_advisor()
    advisor.set_password(password)
    advisor.save(update_fields=["password"])
    generated = [
        line
        for customer in Customer.objects.exclude(pk__in=[p.pk for p in personas]).order_by("number")
        for line in lines_for_customer(customer=customer)
        if line.status == LineStatus.ACTIVE
    ]
    _transfer_accepted([line for line in generated if line.market == Market.MOBILE], now=now)
    boxes = [line for line in generated if line.market == Market.FIXED]
    if boxes:
        _move_due_today(boxes[0], now=now)


def _transfer_accepted(lines: list[Line], *, now: datetime) -> None:
    """The first mobile line whose holder owes nothing (CGS 12: sums due are settled first)."""
    for line in lines:
        holder = line.billing_account.customer
        try:
            request = line_transfer_request(
                line=line,
                transferee_name="Inès Moreau",
                transferee_email="ines.moreau@demo.guichet.fr",
                transferee_birth_date=date(1994, 6, 12),
                documents=[
                    "Carte d'identité d'Inès Moreau",
                    "RIB d'Inès Moreau (FR76 3000 4000 0312 3456 7890 143)",
                    "Facture d'électricité d'avril au nom d'Inès Moreau",
                ],
                actor=Actor.customer(holder.user),
                now=now - timedelta(days=3),
            )
        except BillingError:
            continue
        line_transfer_accept(
            request=request, code=request.payload["code"], now=now - timedelta(days=2)
        )
        return


def _move_due_today(box: Line, *, now: datetime) -> None:
    box_move_request(
        line=box,
        street="27 rue de Paris",
        postcode="59800",
        city="Lille",
        move_date=paris_date(now),
        actor=Actor.customer(box.billing_account.customer.user),
        now=now - timedelta(days=10),
    )
