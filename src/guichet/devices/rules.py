"""Pure rules of devices, insurance and refund offers: the catalogue and price files, the
insurance premium band of a phone, a refund offer's eligibility, the IMEI of a shipped unit.

No Django, no clock, no I/O beyond reading the package's own data files (property-tested).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data"
RENEWAL_INSTALMENT_COUNTS = (12, 24)
# CGVAD art. 6: after a withdrawal, the phone "devra(ont) ensuite être renvoyé(s) sous quatorze
# (14) jours".
RETURN_AFTER_WITHDRAWAL_DAYS = 14


class Condition(StrEnum):
    NEW = "new"
    REFURBISHED = "refurbished"


@dataclass(frozen=True)
class Device:
    sku: str
    brand: str
    model: str
    storage_gb: int
    condition: Condition
    grade: str
    price_cents: int
    stock: int
    tac: str

    @property
    def label(self) -> str:
        state = "neuf" if self.condition == Condition.NEW else f"reconditionné grade {self.grade}"
        return f"{self.brand} {self.model} {self.storage_gb} Go ({state})"


@dataclass(frozen=True)
class InsuranceBand:
    code: str
    label: str
    max_price_cents: int | None  # None: no ceiling (the last band)
    monthly_price_cents: int


@dataclass(frozen=True)
class RefundOffer:
    code: str
    label: str
    applies_to: str  # "device", "plan" or "box_offer"
    skus: tuple[str, ...]
    offers: tuple[str, ...]  # empty: any main offer of the market
    amount_cents: int
    valid_from: date
    valid_until: date
    claim_days: int
    documents: str


def _read(name: str) -> dict:  # type: ignore[type-arg]
    with (DATA / name).open("rb") as handle:
        return tomllib.load(handle)


@cache
def device_catalogue() -> tuple[Device, ...]:
    devices = tuple(
        Device(**{**row, "condition": Condition(row["condition"])})
        for row in _read("devices.toml")["device"]
    )
    for device in devices:
        if device.price_cents <= 0 or device.stock < 0 or len(device.tac) != 8:
            raise ValueError(f"devices.toml: invalid row {device.sku}")
        if (device.condition == Condition.REFURBISHED) != bool(device.grade):
            raise ValueError(f"devices.toml: {device.sku} grade goes with refurbished only")
    return devices


def device_by_sku(sku: str) -> Device | None:
    return next((device for device in device_catalogue() if device.sku == sku), None)


@cache
def insurance_bands() -> tuple[InsuranceBand, ...]:
    bands = tuple(
        InsuranceBand(
            code=row["code"],
            label=row["label"],
            max_price_cents=row.get("max_price_cents"),
            monthly_price_cents=row["monthly_price_cents"],
        )
        for row in _read("insurance.toml")["band"]
    )
    ceilings = [band.max_price_cents for band in bands[:-1]]
    if bands[-1].max_price_cents is not None or ceilings != sorted(ceilings):
        raise ValueError("insurance.toml: bands rise and the last has no ceiling")
    return bands


def insurance_band(
    price_cents: int, bands: tuple[InsuranceBand, ...] | None = None
) -> InsuranceBand:
    """The band of a phone bought `price_cents` (incl. VAT): the first whose ceiling it does
    not pass. A price on a ceiling belongs to the lower band (300 € is "jusqu'à 300 €")."""
    if price_cents < 0:
        raise ValueError("a price is never negative")
    for band in bands or insurance_bands():
        if band.max_price_cents is None or price_cents <= band.max_price_cents:
            return band
    raise AssertionError("the last band has no ceiling")


@cache
def refund_offers() -> tuple[RefundOffer, ...]:
    return tuple(
        RefundOffer(
            code=row["code"],
            label=row["label"],
            applies_to=row["applies_to"],
            skus=tuple(row.get("skus", ())),
            offers=tuple(row.get("offers", ())),
            amount_cents=row["amount_cents"],
            valid_from=row["from"],
            valid_until=row["until"],
            claim_days=row["claim_days"],
            documents=row["documents"],
        )
        for row in _read("refund_offers.toml")["offer"]
    )


def refund_claim_deadline(offer: RefundOffer, purchased_on: date) -> date:
    return purchased_on + timedelta(days=offer.claim_days)


def refund_offer_applies(
    offer: RefundOffer, *, sku: str | None, offer_code: str | None, purchased_on: date, today: date
) -> bool:
    """Whether a purchase (a device `sku`, or a main offer `offer_code`) made on
    `purchased_on` earns `offer` when claimed `today`."""
    if not offer.valid_from <= purchased_on <= offer.valid_until:
        return False
    if today > refund_claim_deadline(offer, purchased_on) or today < purchased_on:
        return False
    if offer.applies_to == "device":
        return sku is not None and sku in offer.skus
    return offer_code is not None and (not offer.offers or offer_code in offer.offers)


def luhn_check_digit(body: str) -> str:
    """The Luhn digit completing `body` (the IMEI check digit of 3GPP TS 23.003)."""
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def unit_imei(tac: str, serial: int) -> str:
    """The IMEI of the `serial`-th unit of a model: TAC, 6-digit serial, Luhn check digit."""
    if len(tac) != 8 or not tac.isdigit() or not 0 <= serial < 1_000_000:
        raise ValueError("an IMEI is a TAC of 8 digits and a serial of at most 6 digits")
    body = f"{tac}{serial:06d}"
    return body + luhn_check_digit(body)
