"""The partners who complete after-sales acts: the carrier, the insurer, the repairer.

Each is a protocol with a local implementation, chosen by `logistics()`, `insurer()`,
`repairer()`. The local ones answer at once (no network) and move a case forward with the
working days elapsed since it started, as the partner's status feed would: `after_sales_sync`
(`guichet after-sales sync`) asks them and advances the cases.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Protocol

from guichet.care.rules import add_working_days
from guichet.customers.rules import PARIS, paris_date
from guichet.devices.models import RepairStage


def _working_days_since(start: datetime, now: datetime) -> int:
    day, today, count = paris_date(start), paris_date(now), 0
    while day < today:
        day = add_working_days(day, 1)
        if day <= today:
            count += 1
    return count


class Logistics(Protocol):
    def tracking_number(self, *, order_id: int) -> str: ...
    def days_to_ship(self) -> int: ...
    def days_to_deliver(self) -> int: ...
    def return_number(self, *, order_id: int) -> str: ...
    def days_to_return(self) -> int: ...


class LocalLogistics:
    """Shipped the working day after the order, delivered two working days later; a phone
    sent back after a withdrawal is received three working days after it is declared."""

    def return_number(self, *, order_id: int) -> str:
        return f"RET{order_id:010d}FR"

    def days_to_return(self) -> int:
        return 3

    def tracking_number(self, *, order_id: int) -> str:
        return f"GCH{order_id:010d}FR"

    def days_to_ship(self) -> int:
        return 1

    def days_to_deliver(self) -> int:
        return 2


class Insurer(Protocol):
    def contract_reference(self, *, contract_id: int, started_on: date) -> str: ...
    def claim_number(self, *, request_id: int, declared_on: date) -> str: ...
    def claim_decided_after(self) -> int: ...


class LocalInsurer:
    """Acknowledges a claim with its number at once, examines it (in progress) the next
    working day, and settles it five working days after the declaration."""

    def contract_reference(self, *, contract_id: int, started_on: date) -> str:
        return f"ASS-{started_on:%Y}-{contract_id:06d}"

    def claim_number(self, *, request_id: int, declared_on: date) -> str:
        return f"SIN-{declared_on:%Y%m}-{request_id:06d}"

    def claim_decided_after(self) -> int:
        return 5


class Repairer(Protocol):
    def reference(self, *, request_id: int, kind: str) -> str: ...
    def stage_after(self, *, working_days: int) -> RepairStage: ...
    def express_quote_cents(self, *, fault: str) -> int: ...
    def express_slots(self, *, now: datetime) -> list[tuple[str, datetime]]: ...


# Express repair prices of the local partner shop, incl. VAT, by fault.
EXPRESS_QUOTES_CENTS = {"screen": 14900, "battery": 7900, "charging_port": 6900, "camera": 9900}
_SHOPS = ("Atelier Réparation Express, 12 rue de la République, Lyon",)


class LocalRepairer:
    """A deposited device is diagnosed after 2 working days, repaired after 5, returned
    after 7. Express repairs are done in a partner shop at a slot of the next working days."""

    STAGES = ((7, RepairStage.RETURNED), (5, RepairStage.REPAIRED), (2, RepairStage.DIAGNOSED))

    def reference(self, *, request_id: int, kind: str) -> str:
        return f"REP-{kind[:3].upper()}-{request_id:07d}"

    def stage_after(self, *, working_days: int) -> RepairStage:
        for days, stage in self.STAGES:
            if working_days >= days:
                return stage
        return RepairStage.DEPOSITED

    def express_quote_cents(self, *, fault: str) -> int:
        return EXPRESS_QUOTES_CENTS[fault]

    def express_slots(self, *, now: datetime) -> list[tuple[str, datetime]]:
        """Two slots (10:00 and 15:00, Paris) on each of the next three working days."""
        slots, day = [], paris_date(now)
        for _ in range(3):
            day = add_working_days(day, 1)
            for hour in (10, 15):
                slots.append((_SHOPS[0], datetime.combine(day, time(hour), tzinfo=PARIS)))
        return slots


def logistics() -> Logistics:
    return LocalLogistics()


def insurer() -> Insurer:
    return LocalInsurer()


def repairer() -> Repairer:
    return LocalRepairer()


def working_days_since(start: datetime, now: datetime) -> int:
    return _working_days_since(start, now)
