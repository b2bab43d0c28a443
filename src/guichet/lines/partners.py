"""Partners of the emergency acts, each a protocol with a local implementation (settings
GUICHET_SIM_LOGISTICS and GUICHET_MANUFACTURER_CODES name the class to use):

- SimLogistics: the warehouse that picks a SIM card for a replacement order and ships it;
- ManufacturerCodes: the phone makers' unlock-code service (désimlockage), asked by IMEI.
"""

import hashlib
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from guichet.lines.rules import luhn_valid


@dataclass(frozen=True)
class SimShipment:
    iccid: str
    puk: str
    tracking_number: str


class SimLogistics(Protocol):
    def ship_sim(self, *, order_id: int, address_lines: list[str]) -> SimShipment: ...


class ManufacturerCodes(Protocol):
    def unlock_code(self, *, imei: str, model: str) -> str | None:
        """The unlock code, or None while the maker has not answered (asked again later)."""
        ...


def _with_luhn(body: str) -> str:
    for check in "0123456789":
        if luhn_valid(body + check):
            return body + check
    raise AssertionError("a Luhn check digit always exists")


def _digits(seed: str, count: int) -> str:
    value = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big")
    return f"{value % 10**count:0{count}d}"


class LocalSimLogistics:
    """Picks the card at once from a local stock: ICCIDs of issuer 21 (the demo's lines use 20),
    numbered by order, so a card is never handed out twice."""

    def ship_sim(self, *, order_id: int, address_lines: list[str]) -> SimShipment:
        return SimShipment(
            iccid=_with_luhn(f"893321{order_id:012d}"),
            puk=_digits(f"puk:{order_id}", 8),
            tracking_number=f"6S{order_id:011d}",
        )


class LocalManufacturerCodes:
    """Answers at once with a code derived from the IMEI: the same phone always gets the same
    code, as with a maker's real service."""

    def unlock_code(self, *, imei: str, model: str) -> str | None:
        return _digits(f"unlock:{imei}", 8)


def sim_logistics() -> SimLogistics:
    logistics: SimLogistics = import_string(settings.GUICHET_SIM_LOGISTICS)()
    return logistics


def manufacturer_codes() -> ManufacturerCodes:
    codes: ManufacturerCodes = import_string(settings.GUICHET_MANUFACTURER_CODES)()
    return codes
