"""The act registry: every act a customer can do in self-care, read from data/acts.toml.

It drives the sections' act lists, the act finder and the walk test that proves each act
reaches a page that performs it. Pure: no Django, so the rules can be checked on their own.
"""

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

REGISTRY_FILE = Path(__file__).parent / "data" / "acts.toml"


class Market(StrEnum):
    MOBILE = "mobile"
    FIXED = "fixed"
    BOTH = "both"


class Section(StrEnum):
    HOME = "home"
    LINES = "lines"
    USAGE = "usage"
    INVOICES = "invoices"
    ACCOUNT = "account"


class Group(StrEnum):
    OFFER = "offer"
    LINE = "line"
    USAGE = "usage"
    PERSONAL_INFORMATION = "personal_information"
    PAYMENT_MEANS = "payment_means"
    PAYMENT = "payment"
    EMERGENCY = "emergency"
    AFTER_SALES = "after_sales"


class Access(StrEnum):
    """What a line must have for an act on it: a SIM card, or a fibre access."""

    SIM = "sim"
    FIBRE = "fibre"


class Scope(StrEnum):
    LINE = "line"
    ACCOUNT = "account"


@dataclass(frozen=True)
class RegisteredAct:
    id: str
    group: Group
    label_fr: str
    label_en: str
    market: Market
    path: str
    section: Section
    page: str
    scope: Scope
    unpaid: str | None
    fee: str | None
    sensitive: bool
    needs: Access | None
    keywords: tuple[str, ...]

    def applies_to(self, markets: Iterable[str]) -> bool:
        """Whether a customer with lines of these markets ("mobile", "fixed") can do it."""
        held = set(markets)
        return (self.market == Market.BOTH and bool(held)) or self.market in held

    def label(self, language: str) -> str:
        return self.label_en if language == "en" else self.label_fr


class RegistryError(ValueError):
    """The registry file is wrong; the message names the act and the field."""


_REQUIRED = ("id", "group", "label_fr", "label_en", "market", "path", "section", "page", "scope")
_OPTIONAL = ("unpaid", "fee", "sensitive", "needs", "keywords")


def _act(raw: dict[str, object], position: int) -> RegisteredAct:
    where = f"act #{position} ({raw.get('id', 'no id')})"
    unknown = sorted(set(raw) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise RegistryError(f"{where}: unknown field(s) {', '.join(unknown)}")
    missing = [name for name in _REQUIRED if not isinstance(raw.get(name), str) or not raw[name]]
    if missing:
        raise RegistryError(f"{where}: missing or empty field(s) {', '.join(missing)}")
    keywords = raw.get("keywords", [])
    if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
        raise RegistryError(f"{where}: keywords must be a list of strings")
    try:
        return RegisteredAct(
            id=str(raw["id"]),
            group=Group(str(raw["group"])),
            label_fr=str(raw["label_fr"]),
            label_en=str(raw["label_en"]),
            market=Market(str(raw["market"])),
            path=str(raw["path"]),
            section=Section(str(raw["section"])),
            page=str(raw["page"]),
            scope=Scope(str(raw["scope"])),
            unpaid=str(raw["unpaid"]) if raw.get("unpaid") else None,
            fee=str(raw["fee"]) if raw.get("fee") else None,
            sensitive=bool(raw.get("sensitive", False)),
            needs=Access(str(raw["needs"])) if raw.get("needs") else None,
            keywords=tuple(keywords),
        )
    except ValueError as error:
        raise RegistryError(f"{where}: {error}") from None


def registry_parse(text: str) -> tuple[RegisteredAct, ...]:
    """The acts of a registry file's text, in file order; raises RegistryError."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RegistryError(f"acts registry is not valid TOML: {error}") from None
    acts = tuple(_act(raw, position) for position, raw in enumerate(data.get("act", []), 1))
    seen: set[str] = set()
    for act in acts:
        if act.id in seen:
            raise RegistryError(f"act {act.id}: the id is used twice")
        seen.add(act.id)
    return acts


@cache
def registered_acts() -> tuple[RegisteredAct, ...]:
    return registry_parse(REGISTRY_FILE.read_text(encoding="utf-8"))


def act_get(act_id: str) -> RegisteredAct:
    for act in registered_acts():
        if act.id == act_id:
            return act
    raise KeyError(act_id)


def acts_for(*, markets: Iterable[str], section: Section | None = None) -> list[RegisteredAct]:
    """The acts a customer with lines of these markets can do, in registry order."""
    held = tuple(markets)
    return [
        act
        for act in registered_acts()
        if act.applies_to(held) and (section is None or act.section == section)
    ]
