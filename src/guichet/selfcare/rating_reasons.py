"""The rule that priced a usage record, said in French for the Conso page.

Rating (`guichet.rating`, pure and English) writes each record's reason from a fixed set of
templates: `rating/engine.py` (`_reason`, `_call_cases`, `_allowance_reason`),
`rating/allowances.py` (`_coverage`: what each option or top-up did) and `rating/tariff.py`
(`_rate_frame`: a rate as "from France to zone 2: 0.60 €/min, first minute indivisible";
`_surcharge_text`). `reason_in_french` reads a reason back through those templates and says the
same in French; the names it carries (zones, options, special numbers) come from the catalog,
already French. A text none of the templates reads (one added or reworded in rating since)
gives None, and the page shows the reason as rating wrote it. Pure: no Django.
"""

import re
from collections.abc import Callable

# Zone labels (zones.toml `label`, and "France"): no punctuation in any of them.
_PLACE = r"[^:;,]+?"
_PRICE = r"\d+(?:\.\d+)?"
_UNIT = r"€/min|€/recipient|€/Mo"
_CHARGING = r"first minute indivisible|first 30 s indivisible|per second"
_RATE = (
    rf"(?:from {_PLACE} to {_PLACE}|received in {_PLACE}|data in {_PLACE}): {_PRICE}"
    rf" (?:{_UNIT})(?:, (?:{_CHARGING}))?"
)
_THROTTLE = r"throttled to (\d+) kb/s, not charged"
_ALLOWANCE_UNIT = r"s|SMS|Ko"
_ITEM = (
    rf"(option|top-up) (.+?): (?:recipient beyond the (\d+) of the month"
    rf"|(\d+) ({_ALLOWANCE_UNIT}) included, (\d+) ({_ALLOWANCE_UNIT}) left"
    rf"|(\d+) ({_ALLOWANCE_UNIT}) of unlimited(?: \(at most (\d+) s per call\))?)"
)

UNITS = {"€/min": "€/min", "€/recipient": "€/destinataire", "€/Mo": "€/Mo"}
CHARGINGS = {
    "first minute indivisible": "première minute indivisible",
    "first 30 s indivisible": "30 premières secondes indivisibles",
    "per second": "à la seconde",
}
SERVICES = {"voice": "appel", "video": "appel visio", "sms": "SMS", "mms": "MMS"}
PRODUCT_KINDS = {"option": "option", "top-up": "recharge"}
SURCHARGE = "; + surcharge "


class _Unread(Exception):
    """A part of a reason that no template reads."""


def _price(text: str) -> str:
    return text.replace(".", ",")


def _towards(label: str) -> str:
    """After "depuis" or "vers": "la France", "la zone 2", "les réseaux satellitaires"."""
    if label == "France" or label.startswith("zone"):
        return f"la {label}"
    return f"les {label}"


def _in(label: str) -> str:
    """ "en France", "en zone 2", "sur les réseaux satellitaires"."""
    if label == "France" or label.startswith("zone"):
        return f"en {label}"
    return f"sur les {label}"


def _rate(text: str) -> str | None:
    """ "from France to zone 2: 0.60 €/min, first minute indivisible" → "depuis la France vers
    la zone 2 : 0,60 €/min, première minute indivisible" (rating/tariff.py `_rate_frame`)."""
    match = re.fullmatch(
        rf"(?:from ({_PLACE}) to ({_PLACE})|received in ({_PLACE})|data in ({_PLACE}))"
        rf": ({_PRICE}) ({_UNIT})(?:, ({_CHARGING}))?",
        text,
    )
    if match is None:
        return None
    origin, destination, received, data, price, unit, charging = match.groups()
    if origin is not None:
        where = f"depuis {_towards(origin)} vers {_towards(destination)}"
    elif received is not None:
        where = f"reçu {_in(received)}"
    else:
        where = f"données {_in(data)}"
    rule = f"{where} : {_price(price)} {UNITS[unit]}"
    return f"{rule}, {CHARGINGS[charging]}" if charging else rule


def _rate_or_fail(text: str) -> str:
    french = _rate(text)
    if french is None:
        raise _Unread
    return french


def _special(text: str) -> str | None:
    """ "Sonneries au 766: 1.35 € per call + 0.34 €/min, per second" → "Sonneries au 766 :
    1,35 € par appel + 0,34 €/min, à la seconde" (rating/tariff.py `_surcharge_text`)."""
    match = re.fullmatch(
        rf"([^:]+?)(?:: (?:({_PRICE}) € per call)?( \+ )?(?:({_PRICE}) €/min, ({_CHARGING}))?)?",
        text,
    )
    if match is None:
        return None
    name, per_call, plus, per_minute, charging = match.groups()
    if (plus and not (per_call and per_minute)) or (":" in text and not (per_call or per_minute)):
        return None
    parts = []
    if per_call:
        parts.append(f"{_price(per_call)} € par appel")
    if per_minute:
        parts.append(f"{_price(per_minute)} €/min, {CHARGINGS[charging]}")
    return f"{name} : {' + '.join(parts)}" if parts else name


def _item(text: str) -> str:
    """What one option or top-up did (rating/allowances.py `_coverage`)."""
    match = re.fullmatch(_ITEM, text)
    if match is None:
        raise _Unread
    kind, name, recipients, took, unit, left, left_unit, of_unlimited, unlimited_unit, cap = (
        match.groups()
    )
    label = f"{PRODUCT_KINDS[kind]} {name}"
    if recipients is not None:
        return f"{label} : destinataire au-delà des {recipients} du mois"
    if took is not None:
        return f"{label} : {took} {unit} inclus, {left} {left_unit} restants"
    capped = f" (au plus {cap} s par appel)" if cap else ""
    return f"{label} : {of_unlimited} {unlimited_unit} en illimité{capped}"


def _allowance(match: re.Match[str]) -> str:
    """The plan's part, then each option or top-up, then what is beyond them
    (rating/engine.py `_allowance_reason`)."""
    plan_place, plan_ko, items, rest = match.groups()
    plan = f"données {_in(plan_place)} : {plan_ko} Ko inclus ; " if plan_place else ""
    said = " ; ".join(_item(item) for item in items.split("; "))
    return plan + said + _beyond(rest)


def _beyond(rest: str) -> str:
    if not rest:
        return ""
    throttled = re.fullmatch(rf"; (\d+) Ko beyond: {_THROTTLE}", rest)
    if throttled:
        ko, kbps = throttled.groups()
        return f" ; {ko} Ko au-delà : débit réduit à {kbps} kb/s, non facturé"
    charged = re.fullmatch(r"; (?:(\d+) (Ko|s) )?beyond: (.+)", rest)
    if charged is None:
        raise _Unread
    quantity, unit, rate = charged.groups()
    what = f"{quantity} {unit} au-delà" if quantity else "au-delà"
    return f" ; {what} : {_rate_or_fail(rate)}"


def _quantity(seconds: str | None, ko: str | None = None) -> str:
    if seconds is not None:
        return f", {seconds} s"
    return f", {ko} Ko" if ko is not None else ""


def _capped(beyond: str | None, limit: str | None, rate: str | None) -> str:
    """What a call has beyond the plan's limit per call (CGS 6.2)."""
    if beyond is None:
        return ""
    return f" ; {beyond} s au-delà de {limit} s par appel (CGS 6.2) : {_rate_or_fail(rate or '')}"


_SECONDS = r"(?:, (\d+) s)?"
_CAPPED = rf"(?:; (\d+) s beyond (\d+) s per call \(CGS 6\.2\): ({_RATE}))?"
_SERVICE = r"(voice|video|sms|mms)"

# Each template of rating/engine.py `_reason`, in its order, with its French.
TEMPLATES: list[tuple[str, Callable[[re.Match[str]], str]]] = [
    (
        rf"(?:data in ({_PLACE}): (\d+) Ko included; )?((?:option|top-up) .+?)"
        rf"((?:; (?:\d+ (?:Ko|s) )?beyond: .+)?)",
        _allowance,
    ),
    (r"free number: (.+)", lambda m: f"numéro gratuit : {m[1]}"),
    (
        rf"non-occasional traveller \(fair use\): ({_RATE})(?:, (\d+) Ko|, (\d+) s)?",
        lambda m: (
            "voyageur non occasionnel (usage raisonnable) : "
            + _rate_or_fail(m[1])
            + _quantity(m[3], m[2])
        ),
    ),
    (
        rf"data in France: (\d+) Ko included, (\d+) Ko beyond the allowance: {_THROTTLE}",
        lambda m: (
            f"données en France : {m[1]} Ko inclus, {m[2]} Ko au-delà de l'enveloppe :"
            f" débit réduit à {m[3]} kb/s, non facturé"
        ),
    ),
    (
        rf"data in ({_PLACE}): (\d+) Ko included, (\d+) Ko beyond the roaming allowance;"
        rf" ({_RATE})",
        lambda m: (
            f"données {_in(m[1])} : {m[2]} Ko inclus, {m[3]} Ko au-delà de l'enveloppe"
            f" en itinérance ; {_rate_or_fail(m[4])}"
        ),
    ),
    (
        rf"data in ({_PLACE}): (\d+) Ko included",
        lambda m: f"données {_in(m[1])} : {m[2]} Ko inclus",
    ),
    (rf"({_RATE}), (\d+) Ko", lambda m: f"{_rate_or_fail(m[1])}, {m[2]} Ko"),
    (
        rf"included: {_SERVICE} received in France{_SECONDS}",
        lambda m: f"inclus : {SERVICES[m[1]]} reçu en France{_quantity(m[2])}",
    ),
    (
        rf"included: {_SERVICE} in France to a French number{_SECONDS}{_CAPPED}",
        lambda m: (
            f"inclus : {SERVICES[m[1]]} en France vers un numéro français"
            + _quantity(m[2])
            + _capped(m[3], m[4], m[5])
        ),
    ),
    (
        rf"included: {_SERVICE} from ({_PLACE}) to ({_PLACE}){_SECONDS}{_CAPPED}",
        lambda m: (
            f"inclus : {SERVICES[m[1]]} depuis {_towards(m[2])} vers {_towards(m[3])}"
            + _quantity(m[4])
            + _capped(m[5], m[6], m[7])
        ),
    ),
    (rf"({_RATE}){_SECONDS}", lambda m: _rate_or_fail(m[1]) + _quantity(m[2])),
]
_COMPILED = [(re.compile(pattern), say) for pattern, say in TEMPLATES]


def reason_in_french(reason: str) -> str | None:
    """The record's reason in French, or None when no template of rating reads it."""
    base, surcharged, special = reason.partition(SURCHARGE)
    suffix = ""
    if surcharged:
        special_fr = _special(special)
        if special_fr is None:
            return None
        suffix = f" ; + supplément {special_fr}"
    for pattern, say in _COMPILED:
        match = pattern.fullmatch(base)
        if match is None:
            continue
        try:
            return say(match) + suffix
        except _Unread:
            return None
    return None
