"""Pure billing rules: rounding, prorata, VAT, and the recurring and one-off charges of a line.

No Django, no clock, no I/O: dates and integers in, dataclasses out, so that the rules are
tested without a database (and property-tested with hypothesis).

Rules chosen (each pinned by tests/billing/test_rules.py):

- **Money** is integer cents including VAT on invoices (brochure prices include VAT).
- **Rounding** (`round_to_cents`): half away from zero, to the cent, from an exact `Fraction`,
  `Decimal` or integer micro-euros. Symmetric, so a discount line mirrors its fee line.
- **Periods** are months of Europe/Paris dates from the account's cycle day (the calendar
  month for cycle day 1, the default), or a shorter transition period after a change of cycle
  day (billing.cycle_rules); `period_end` is the last day (included).
- **Days in service**: a line or subscription covers the days from the date it starts
  (included) to the date it ends (excluded); a line terminated on the 20th is billed up to the
  19th. A day is charged for a subscription only when the line is in service that day too.
- **Prorata** of a monthly fee: `round_to_cents(fee × days / month_days)`, per invoice line
  (the plan fee and its discount are rounded separately), `month_days` being the days of the
  month-long period from the period's start (`period_days`). A full period is exactly the fee.
- **VAT** is extracted per line from the amount incl. VAT: `round_to_cents(amount × rate /
  (100 + rate))`, then summed over the invoice; excl. VAT = amount − VAT.
- **Plan / box offer**: two lines, the list price and the discount (negative), each prorated.
- **Options** (monthly, tacitly renewed, brochure Options note (3)) are billed per day like the
  plan, except those that include usage (`Price.due_whole_month`: calls, SMS or data, whose
  allowance rating grants whole for the month): such a subscription is due in full for every
  period it is in force in, however few days (prorated only by the line's own days in service,
  like the plan), since its allowance is; so the month started stays due when it is cancelled
  (the brochure prices them « par mois » and gives no prorata). An option with `free_months`
  (« Premier mois offert », once per line) is free from the first day the line ever had it (a
  line transfer, CGS 12, continues the line: the former holder's days count) until the same
  day `free_months` months later (excluded); the free days appear as a 0-cent line labelled
  « offert », so that the customer sees the gift. An option whose price is 0 (free options)
  produces no line.
- **Top-ups** are one-off: charged at their price in the period of the day they start.
- **Activation fee** (SIM 10 €, or the box offer's): charged once, in the period that contains
  the line's activation date — the line's first invoice. The fee is the one of the line's first
  plan or box offer. A line withdrawn (CGS 9) is not charged it: only the days used are due.
- **Bonuses** are free and produce no line.
- **One-off fees** (service fees charged by an act, `OneOffCharge`) go on the invoice of the
  period of their date, or on the first invoice after it; one line each, at their price.
- **Phone insurance** premiums (the contract's monthly price, `devices`): per day of cover on
  which the line is in service, like an option (neither the brochure nor the insurance data
  gives another prorata rule).
- **Purchases on the bill** (Internet+ purchases and VOD on the box, recorded by `usage`): one
  line each, at the amount charged (VAT included), on the invoice of the period of the purchase
  (Europe/Paris date); one recorded after that invoice goes on the next one, labelled with its
  day. Each is linked to the invoice that bills it, so it is billed exactly once.
- **Out-of-bundle usage** (rating's charges, integer micro-euros, never rounded per record):
  one line per line of service and usage group (service, direction, where the line was, where
  to), the group's total rounded once to the cent by `round_to_cents` (half away from zero:
  3.375 € → 3.38 €); a group whose total rounds to 0 c gives no line. Usage periods are calendar
  months (usage.routing); an invoice bills those ended by the end of its period, each group
  less what earlier invoices billed of it: usage rated after its month was invoiced goes on the
  next invoice, labelled with its month.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

# Standard French VAT rate on electronic communications, in percent; brochure prices include it.
VAT_RATE_PERCENT = 20
INSURANCE_VAT_MENTION = "exonérée de TVA (article 261 C, 2° du CGI)"
MICRO_EUROS_PER_CENT = 10_000


def round_to_cents(amount: Fraction | Decimal | int, *, unit: str = "cents") -> int:
    """The one rounding between money layers: half away from zero, to a whole cent.

    `amount` is in cents (`unit="cents"`, a Fraction or Decimal) or integer micro-euros
    (`unit="micro_eur"`, as rating produces). Never a float.
    """
    if isinstance(amount, float):
        raise TypeError("money is never a float")
    value = Fraction(amount)
    if unit == "micro_eur":
        value /= MICRO_EUROS_PER_CENT
    elif unit != "cents":
        raise ValueError(f"unknown unit {unit!r}")
    return _round_ratio(value.numerator, value.denominator)


def _round_ratio(numerator: int, denominator: int) -> int:
    """`round_to_cents(Fraction(numerator, denominator))` without building the Fraction (the
    bill run rounds every line's VAT and prorata): half away from zero, `denominator` > 0."""
    whole, rest = divmod(abs(numerator), denominator)
    if 2 * rest >= denominator:
        whole += 1
    return whole if numerator >= 0 else -whole


def days_in_month(period_start: date) -> int:
    return calendar.monthrange(period_start.year, period_start.month)[1]


def period_end_of(period_start: date) -> date:
    """Last day (included) of the calendar month that starts on `period_start`."""
    return period_start.replace(day=days_in_month(period_start))


def next_period_start(period_start: date) -> date:
    return period_end_of(period_start) + timedelta(days=1)


def add_months(day: date, months: int) -> date:
    """Same day `months` months later, or the last day of that month when it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# Interpretation: usage rated more than 12 months after its month is not billed any more (the
# one-year limitation of operators' claims, Code des postes et des communications
# électroniques, art. L34-2); it bounds what each run reads.
LATE_USAGE_MONTHS = 12


def late_usage_months(stop: date) -> tuple[date, date]:
    """The first and the last usage period (calendar months, by their 1st) an invoice for a
    period ending before `stop` bills usage of: those ended by then, LATE_USAGE_MONTHS back."""
    last = add_months(stop.replace(day=1), -1)
    return add_months(last, -LATE_USAGE_MONTHS), last


def usage_periods_billed_short(
    *,
    totals: Mapping[tuple[int, date], int],
    billed: Mapping[tuple[int, date, str], tuple[int, int]],
) -> list[tuple[int, date]]:
    """The (line, usage period) pairs whose rated total (`totals`, micro-euros) is more than
    what invoices billed of their groups (`billed`: (rated total when last billed, cents) by
    (line, period, usage key)), in `totals`' order."""
    billed_micro: dict[tuple[int, date], int] = {}
    for (line, month, _), (micro, _) in billed.items():
        billed_micro[(line, month)] = billed_micro.get((line, month), 0) + micro
    return [pair for pair, micro in totals.items() if micro > billed_micro.get(pair, 0)]


def prorata_cents(*, monthly_cents: int, days: int, month_days: int) -> int:
    """A monthly fee for `days` of a month of `month_days` days, rounded once."""
    if not 0 <= days <= month_days:
        raise ValueError(f"{days} days is not within a month of {month_days} days")
    return _round_ratio(monthly_cents * days, month_days)


def vat_cents(amount_cents: int, *, rate_percent: int = VAT_RATE_PERCENT) -> int:
    """The VAT included in `amount_cents` (incl. VAT), rounded per line."""
    return _round_ratio(amount_cents * rate_percent, 100 + rate_percent)


@dataclass(frozen=True)
class Span:
    """Days from `start` (included) to `end` (excluded); `end` None runs on."""

    start: date
    end: date | None = None

    def clip(self, start: date, end: date) -> tuple[date, date] | None:
        """The days of this span within [start, end) as (first, end excluded), or None."""
        first = max(self.start, start)
        stop = end if self.end is None else min(self.end, end)
        return (first, stop) if first < stop else None


class ChargeKind(StrEnum):
    PLAN_FEE = "plan_fee"
    PLAN_DISCOUNT = "plan_discount"
    OPTION_FEE = "option_fee"
    TOP_UP = "top_up"
    ONE_OFF_FEE = "one_off_fee"
    ACTIVATION_FEE = "activation_fee"
    USAGE = "usage"  # out-of-bundle usage, from rating (later)
    INSTALMENT = "instalment"  # one instalment of a device's instalment plan
    BILL_ADVANCE_CREDIT = "bill_advance_credit"  # CGS 5.1 (i): a paid advance, deducted
    CARRIER_BILLING = "carrier_billing"  # an Internet+ purchase (a merchant's, on the bill)
    VOD = "vod"  # a film rented or bought on the box
    INSURANCE = "insurance"  # the monthly premium of a phone's insurance


class PriceKind(StrEnum):
    MAIN_OFFER = "main_offer"  # plan or box offer
    OPTION = "option"
    TOP_UP = "top_up"
    FREE = "free"  # bonuses


@dataclass(frozen=True)
class Price:
    """What the catalog says of one product, in cents incl. VAT."""

    code: str
    name: str
    kind: PriceKind
    price_cents: int
    # Plans: list price and discount (list − discount = price). Others: list = price, no discount.
    list_price_cents: int
    discount_cents: int = 0
    activation_fee_cents: int = 0
    activation_fee_label: str = ""
    free_months: int = 0
    # Options that include usage: due in full for each period they are in force in.
    due_whole_month: bool = False
    source: str = ""


@dataclass(frozen=True)
class SubscriptionFacts:
    code: str
    span: Span


@dataclass(frozen=True)
class LineFacts:
    line_id: int
    label: str  # "06 12 34 56 78" or the fixed access reference
    in_service: Span  # activation date to termination date
    subscriptions: tuple[SubscriptionFacts, ...]
    # False on the record a line transfer (CGS 12) continues the contract on (its activation
    # fee was the former holder's, on the former record) and on a line withdrawn (CGS 9).
    charges_activation: bool = True
    # On such a record, the day each product first started on the contract's former records:
    # a first free month granted there is not granted again.
    first_starts_before_transfer: Mapping[str, date] = field(default_factory=dict)


@dataclass(frozen=True)
class Charge:
    kind: ChargeKind
    label: str
    line_id: int | None
    product_code: str
    quantity: int
    unit_price_cents: int
    amount_cents: int
    service_start: date
    service_end: date  # included
    rule: str
    # The `OneOffCharge` row a one-off fee comes from, so that the bill run marks it billed.
    one_off_charge_id: int | None = None
    # What the charge settles besides the invoice, recorded in the invoice's transaction: the
    # instalment it bills, or the paid bill advance it deducts.
    instalment_id: int | None = None
    bill_advance_id: int | None = None
    # The purchase on the bill it charges, (kind, id) (usage.selectors.PurchaseOnBill), linked
    # to the invoice in its transaction so that it is billed once.
    purchase: tuple[str, int] | None = None
    # The VAT the rule that made the charge set, when it is not extracted from the amount (a
    # bill-advance credit: see advance_rules.advance_credit_charges).
    fixed_vat_cents: int | None = None
    usage_key: str = ""  # usage charges: the group of records it totals (usage.selectors)
    # Usage charges: the usage period of the group and its rated total when billed, recorded
    # as billed (billing.models.UsageBilled) in the invoice's transaction, and the cents earlier
    # invoices had billed of the group when the charge was made: the invoice is refused if
    # another one billed some meanwhile.
    usage_period_start: date | None = None
    usage_micro_eur: int = 0
    usage_billed_cents: int = 0
    vat_rate_percent: int = VAT_RATE_PERCENT  # 0: exempt (insurance premiums)

    @property
    def vat_cents(self) -> int:
        if self.fixed_vat_cents is not None:
            return self.fixed_vat_cents
        return vat_cents(self.amount_cents, rate_percent=self.vat_rate_percent)


def _fr(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _recurring(
    *,
    kind: ChargeKind,
    label: str,
    line: LineFacts,
    code: str,
    monthly_cents: int,
    days: tuple[date, date],
    month_days: int,
    rule: str,
    vat_rate_percent: int = VAT_RATE_PERCENT,
) -> Charge:
    first, stop = days
    count = (stop - first).days
    amount = prorata_cents(monthly_cents=monthly_cents, days=count, month_days=month_days)
    if count != month_days:
        label = (
            f"{label} du {_fr(first)} au {_fr(stop - timedelta(days=1))} ({count}/{month_days} j)"
        )
        rule = f"{rule} ; prorata {monthly_cents} × {count} / {month_days} j arrondi au centime"
    return Charge(
        kind=kind,
        label=f"{label} — ligne {line.label}",
        line_id=line.line_id,
        product_code=code,
        quantity=1,
        unit_price_cents=amount,
        amount_cents=amount,
        service_start=first,
        service_end=stop - timedelta(days=1),
        rule=rule,
        vat_rate_percent=vat_rate_percent,
    )


def _first_start(line: LineFacts, code: str) -> date:
    """The first day the line's contract had the product, on this record or a former one."""
    starts = [s.span.start for s in line.subscriptions if s.code == code]
    if code in line.first_starts_before_transfer:
        starts.append(line.first_starts_before_transfer[code])
    return min(starts)


def period_days(period_start: date, period_stop: date | None = None) -> tuple[date, int]:
    """The stop (excluded) of the period starting on `period_start` (a month later unless a
    shorter transition period's `period_stop` is given, see billing.cycle_rules) and the days
    a monthly fee is prorated over: those of the month-long period from `period_start`."""
    month_stop = add_months(period_start, 1)
    return period_stop or month_stop, (month_stop - period_start).days


def line_charges(
    *,
    line: LineFacts,
    period_start: date,
    prices: Mapping[str, Price],
    period_stop: date | None = None,
) -> list[Charge]:
    """The charges of one line for the period from `period_start` to `period_stop` (excluded;
    by default a month: the calendar month for a period starting on the 1st)."""
    stop, month_days = period_days(period_start, period_stop)
    in_service = line.in_service.clip(period_start, stop)
    if in_service is None:
        return []
    charges: list[Charge] = []
    service = Span(*in_service)
    for subscription in sorted(line.subscriptions, key=lambda s: (s.span.start, s.code)):
        price = prices[subscription.code]
        span = subscription.span
        if price.kind == PriceKind.MAIN_OFFER:
            days = _intersect(span, service, period_start, stop)
            if days is None:
                continue
            charges.append(
                _recurring(
                    kind=ChargeKind.PLAN_FEE,
                    label=f"Abonnement {price.name}",
                    line=line,
                    code=price.code,
                    monthly_cents=price.list_price_cents,
                    days=days,
                    month_days=month_days,
                    rule=f"Prix mensuel {price.list_price_cents} c TTC ({price.source})",
                )
            )
            if price.discount_cents:
                charges.append(
                    _recurring(
                        kind=ChargeKind.PLAN_DISCOUNT,
                        label=f"Remise {price.name}",
                        line=line,
                        code=price.code,
                        monthly_cents=-price.discount_cents,
                        days=days,
                        month_days=month_days,
                        rule=f"Remise mensuelle {price.discount_cents} c TTC ({price.source})",
                    )
                )
        elif price.kind == PriceKind.OPTION:
            if price.price_cents == 0:
                continue  # free option: no line
            free_end = (
                add_months(_first_start(line, price.code), price.free_months)
                if price.free_months
                else None
            )
            pieces: list[tuple[Span, bool]] = []
            if free_end is None:
                pieces.append((span, False))
            else:
                pieces.append((Span(span.start, min(free_end, span.end or free_end)), True))
                pieces.append((Span(max(span.start, free_end), span.end), False))
            for piece, free in pieces:
                whole = price.due_whole_month and not free
                if whole and piece.end == piece.start == span.start:
                    # Taken and cancelled the same day: it was in force that day.
                    piece = Span(piece.start, piece.start + timedelta(days=1))
                if piece.end is not None and piece.end <= piece.start:
                    continue
                days = _intersect(piece, service, period_start, stop)
                if days is None:
                    continue
                charges.append(
                    _recurring(
                        kind=ChargeKind.OPTION_FEE,
                        label=f"{price.name}" + (" (premier mois offert)" if free else ""),
                        line=line,
                        code=price.code,
                        monthly_cents=0 if free else price.price_cents,
                        days=(service.start, service.end or stop) if whole else days,
                        month_days=month_days,
                        rule=(
                            f"{price.free_months} mois offert(s) à la première souscription"
                            f" ({price.source})"
                            if free
                            else f"Option {price.price_cents} c TTC/mois"
                            + (", due en entier pour le mois entamé" if whole else "")
                            + f" ({price.source})"
                        ),
                    )
                )
        elif (
            price.kind == PriceKind.TOP_UP
            and period_start <= span.start < stop
            and service_contains(service, span.start)
        ):
            end = span.end - timedelta(days=1) if span.end else span.start
            charges.append(
                Charge(
                    kind=ChargeKind.TOP_UP,
                    label=f"{price.name} du {_fr(span.start)} — ligne {line.label}",
                    line_id=line.line_id,
                    product_code=price.code,
                    quantity=1,
                    unit_price_cents=price.price_cents,
                    amount_cents=price.price_cents,
                    service_start=span.start,
                    service_end=max(end, span.start),
                    rule=f"Recharge ponctuelle {price.price_cents} c TTC ({price.source})",
                )
            )
    activation = _activation_charge(line=line, period_start=period_start, stop=stop, prices=prices)
    if activation is not None:
        charges.insert(0, activation)
    return charges


def service_contains(service: Span, day: date) -> bool:
    return service.clip(day, day + timedelta(days=1)) is not None


def _intersect(span: Span, service: Span, start: date, stop: date) -> tuple[date, date] | None:
    days = span.clip(start, stop)
    return None if days is None else Span(*days).clip(service.start, service.end or stop)


def _activation_charge(
    *, line: LineFacts, period_start: date, stop: date, prices: Mapping[str, Price]
) -> Charge | None:
    activated_on = line.in_service.start
    if not line.charges_activation or not period_start <= activated_on < stop:
        return None
    main_offers = [s for s in line.subscriptions if prices[s.code].kind == PriceKind.MAIN_OFFER]
    if not main_offers:
        return None
    price = prices[min(main_offers, key=lambda s: s.span.start).code]
    if not price.activation_fee_cents:
        return None
    what = price.activation_fee_label or "Frais de mise en service"
    return Charge(
        kind=ChargeKind.ACTIVATION_FEE,
        label=f"Frais d'activation {what} — ligne {line.label}",
        line_id=line.line_id,
        product_code=price.code,
        quantity=1,
        unit_price_cents=price.activation_fee_cents,
        amount_cents=price.activation_fee_cents,
        service_start=activated_on,
        service_end=activated_on,
        rule=f"Frais d'activation {price.activation_fee_cents} c TTC, première facture de la"
        f" ligne ({price.source})",
    )


@dataclass(frozen=True)
class InstalmentFacts:
    """One instalment of a device's plan, to bill (payments.instalment_rules made it)."""

    instalment_id: int
    device: str
    number: int
    count: int
    period_start: date  # the month it belongs to
    amount_cents: int
    line_id: int | None  # the line the device is used on, if any


def instalment_charge(instalment: InstalmentFacts) -> Charge:
    """The invoice line of an instalment: its amount as scheduled, for its own month (a late
    one, billed on a later invoice, still names its month)."""
    return Charge(
        kind=ChargeKind.INSTALMENT,
        label=f"Facilité de paiement {instalment.device} — mensualité {instalment.number}/"
        f"{instalment.count} de {instalment.period_start:%m/%Y}",
        line_id=instalment.line_id,
        product_code="",
        quantity=1,
        unit_price_cents=instalment.amount_cents,
        amount_cents=instalment.amount_cents,
        service_start=instalment.period_start,
        service_end=period_end_of(instalment.period_start),
        rule=f"Mensualité {instalment.number}/{instalment.count} : montant étalé en mensualités"
        " égales, les centimes restants sur la première (facilité de paiement)",
        instalment_id=instalment.instalment_id,
    )


@dataclass(frozen=True)
class UsageFacts:
    """One group of a line's charged usage records in the period (usage.selectors.UsageGroup)."""

    service: str  # voice, video, sms, mms, data
    direction: str  # out, in
    origin_zone: str  # "FR" (mainland France) or the zone the line was in
    destination_zone: str  # "" for data and for calls received
    key: str
    records: int
    total_micro_eur: int
    first_day: date
    last_day: date
    # The usage period (calendar month) of the records, and the cents earlier invoices billed
    # of this group (billing.models.UsageBilled).
    period_start: date | None = None
    billed_cents: int = 0


SERVICE_LABELS: Mapping[str, str] = {
    "voice": "Appels",
    "video": "Appels vidéo",
    "sms": "SMS",
    "mms": "MMS",
    "data": "Internet mobile",
}
HOME_ZONE = "FR"


def _from_or_to(code: str, zone_labels: Mapping[str, str]) -> str:
    """ "la France", "la zone 3", "les réseaux satellitaires": after "depuis" or "vers"."""
    if code == HOME_ZONE:
        return "la France"
    label = zone_labels.get(code, f"zone {code}")
    return f"la {label}" if label.startswith("zone") else f"les {label}"


def _where(code: str, zone_labels: Mapping[str, str]) -> str:
    """ "en France", "en zone 2", "sur les réseaux satellitaires"."""
    if code == HOME_ZONE:
        return "en France"
    label = zone_labels.get(code, f"zone {code}")
    return f"en {label}" if label.startswith("zone") else f"sur les {label}"


def usage_label(usage: UsageFacts, zone_labels: Mapping[str, str]) -> str:
    """ "Appels hors forfait depuis la zone 1 vers la zone 3", "Appels reçus hors forfait en
    zone 2", "Internet mobile hors forfait en zone 2"."""
    what = SERVICE_LABELS.get(usage.service, usage.service)
    if usage.service == "data":
        return f"{what} hors forfait {_where(usage.origin_zone, zone_labels)}"
    if usage.direction == "in":
        return f"{what} reçus hors forfait {_where(usage.origin_zone, zone_labels)}"
    return (
        f"{what} hors forfait depuis {_from_or_to(usage.origin_zone, zone_labels)}"
        f" vers {_from_or_to(usage.destination_zone, zone_labels)}"
    )


def usage_charges(
    *,
    line: LineFacts,
    usage: Sequence[UsageFacts],
    zone_labels: Mapping[str, str],
    period_start: date | None = None,
) -> list[Charge]:
    """The out-of-bundle usage lines of one line, one per group, in the groups' order: each
    group's total rounded once, less what earlier invoices billed of it. A group of another
    usage period than the invoice's own month (usage rated after its period was invoiced, or the
    calendar months an account on another billing cycle is billed) names its month."""
    charges = []
    for group in usage:
        total = round_to_cents(group.total_micro_eur, unit="micro_eur")
        amount = total - group.billed_cents
        if amount <= 0:
            continue
        own = group.period_start is None or group.period_start == period_start
        month = "" if own else f" de {group.period_start:%m/%Y}"
        rule = (
            f"{group.records} consommation(s) hors forfait du {_fr(group.first_day)} au"
            f" {_fr(group.last_day)}, tarifées au tarif de la brochure (International §2,"
            f" numéros spéciaux) : {_micro_eur_text(group.total_micro_eur)} €, arrondi une fois"
            " au centime (demi-centime arrondi au centime supérieur)"
        )
        if group.billed_cents:
            rule += (
                f", soit {total} c dont {group.billed_cents} c déjà facturés : reste {amount} c"
                " (consommations enregistrées après la facture de leur période)"
            )
        charges.append(
            Charge(
                kind=ChargeKind.USAGE,
                label=f"{usage_label(group, zone_labels)}{month}"
                + (" (complément)" if group.billed_cents else "")
                + f" — ligne {line.label}",
                line_id=line.line_id,
                product_code="",
                quantity=1,
                unit_price_cents=amount,
                amount_cents=amount,
                service_start=group.first_day,
                service_end=group.last_day,
                rule=rule,
                usage_key=group.key,
                usage_period_start=group.period_start,
                usage_micro_eur=group.total_micro_eur,
                usage_billed_cents=group.billed_cents,
            )
        )
    return charges


@dataclass(frozen=True)
class InsuranceFacts:
    """A phone insurance contract of the line (devices.selectors.InsuranceOnBill)."""

    device: str
    reference: str  # the insurer's contract reference
    monthly_cents: int  # the premium the contract keeps, as charged (no VAT: exempt)
    span: Span  # days of cover: from the subscription day to the end day (excluded)


def insurance_charges(
    *,
    line: LineFacts,
    insurances: Iterable[InsuranceFacts],
    period_start: date,
    period_stop: date | None = None,
) -> list[Charge]:
    """The premiums of the line's phone insurances for the month, billed like an option: per
    day of cover on which the line is in service, prorated over the month's days.

    Interpretation: neither the brochure nor the insurance data (devices/data/insurance.toml)
    says how a month started or ended midway is charged; the premium follows the options' rule
    (brochure Options note (3)), without a free month. Insurance premiums are exempt from VAT
    (Code général des impôts, art. 261 C, 2°; the premium includes the tax on insurance
    contracts instead): their lines carry no VAT."""
    stop, month_days = period_days(period_start, period_stop)
    in_service = line.in_service.clip(period_start, stop)
    if in_service is None:
        return []
    service = Span(*in_service)
    charges = []
    for insurance in insurances:
        days = _intersect(insurance.span, service, period_start, stop)
        if days is None or insurance.monthly_cents == 0:
            continue
        charges.append(
            _recurring(
                kind=ChargeKind.INSURANCE,
                label=f"Assurance du {insurance.device}",
                line=line,
                code="",
                monthly_cents=insurance.monthly_cents,
                days=days,
                month_days=month_days,
                rule=f"Prime d'assurance {insurance.monthly_cents} c/mois, contrat"
                f" {insurance.reference} (tarif de l'assureur partenaire), {INSURANCE_VAT_MENTION}",
                vat_rate_percent=0,
            )
        )
    return charges


@dataclass(frozen=True)
class PurchaseFacts:
    """A purchase charged on the line's bill in the period (usage.selectors.PurchaseOnBill)."""

    kind: ChargeKind  # CARRIER_BILLING or VOD
    what: str  # the service bought, or the film's title
    seller: str  # the merchant, or "location" / "achat" for a film
    amount_cents: int  # incl. VAT, as the merchant or the TV platform charged it
    day: date
    purchase_id: int = 0


PURCHASE_LABELS: Mapping[ChargeKind, str] = {
    ChargeKind.CARRIER_BILLING: "Achat Internet+",
    ChargeKind.VOD: "Vidéo à la demande",
}


def purchase_charges(
    *, line: LineFacts, purchases: Iterable[PurchaseFacts], period_start: date
) -> list[Charge]:
    """One line per purchase on the bill not billed yet, at the amount charged (VAT 20 %
    included, extracted per line like every other charge): on the invoice of the period of the
    purchase's day, or, when it was recorded after that period was invoiced, on the first
    invoice after it, labelled with its own day and period."""
    return [_purchase_charge(line, purchase, period_start) for purchase in purchases]


def _purchase_charge(line: LineFacts, purchase: PurchaseFacts, period_start: date) -> Charge:
    what = PURCHASE_LABELS[purchase.kind]
    late = purchase.day < period_start
    return Charge(
        kind=purchase.kind,
        label=f"{what} : {purchase.what} ({purchase.seller}) du {_fr(purchase.day)}"
        + (" (enregistré après la facture de sa période)" if late else "")
        + f" — ligne {line.label}",
        line_id=line.line_id,
        product_code="",
        quantity=1,
        unit_price_cents=purchase.amount_cents,
        amount_cents=purchase.amount_cents,
        service_start=purchase.day,
        service_end=purchase.day,
        rule=f"{what} du {_fr(purchase.day)} : montant fixé par le vendeur, TVA 20 % incluse,"
        + (
            " enregistré après la facture de sa période : porté sur la facture suivante"
            if late
            else " porté sur la facture de la période de l'achat"
        ),
        purchase=(purchase.kind.value, purchase.purchase_id),
    )


def _micro_eur_text(amount: int) -> str:
    """1875000 → "1,875000" (French decimal comma, the 6 decimals of rating)."""
    whole, fraction = divmod(amount, MICRO_EUROS_PER_CENT * 100)
    return f"{whole},{fraction:06d}"


@dataclass(frozen=True)
class Totals:
    total_cents: int
    vat_cents: int
    total_excl_vat_cents: int


def totals(charges: Iterable[Charge]) -> Totals:
    """VAT per line, then summed (issue 4); excl. VAT is what remains."""
    items: Sequence[Charge] = list(charges)
    total = sum(c.amount_cents for c in items)
    vat = sum(c.vat_cents for c in items)
    return Totals(total_cents=total, vat_cents=vat, total_excl_vat_cents=total - vat)


def due_date(*, issued_on: date, direct_debit: bool, debit_day: int) -> date:
    """When the invoice is due.

    Card (and any other payment): 15 days after the issue date. Direct debit: the first debit
    day at least 10 days after the issue date, so that the invoice is the pre-notification CGS
    7.1 asks for ("informé au moins 10 jours avant la date d'échéance").
    """
    if not direct_debit:
        return issued_on + timedelta(days=CARD_PAYMENT_DAYS)
    earliest = issued_on + timedelta(days=DIRECT_DEBIT_NOTICE_DAYS)
    candidate = earliest.replace(day=debit_day)  # debit days are 1–28: every month has them
    if candidate < earliest:
        candidate = add_months(candidate, 1)
    return candidate


CARD_PAYMENT_DAYS = 15
DIRECT_DEBIT_NOTICE_DAYS = 10  # CGS 7.1


def format_eur(cents: int) -> str:
    """Cents as euros with two decimals and a dot ("-12.05"), for reports; no float."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole}.{rest:02d}"


def refund_due_on(*, start: date, days: int) -> date:
    """A security deposit's refund deadline (CGS 5.1 (ii): "dans un délai de 10 (dix) jours à
    compter de" the written request's receipt, or of the day the debt is cleared): calendar
    days, the start day not counted."""
    if days < 0:
        raise ValueError("a refund delay is never negative")
    return start + timedelta(days=days)


# Arrears ------------------------------------------------------------------------------------
#
# Self-care spec (seed 000, « En cas d'impayé »): a banner invites the customer to settle, access
# is never blocked, and "seuls certains actes seront indisponibles au moment de finaliser". The
# spec does not list them: the acts below are the project's choice, the ones that add to what
# the customer owes or hand the contract over, each with the reason shown to the customer. The
# operator picks its own list and wording (setting GUICHET_UNPAID_REFUSED_ACTS). Paying, every
# emergency act (loss, theft, SIM replacement, PUK), termination, porting and withdrawal stay
# open: they are the customer's rights, or the way out of the arrears.


class ArrearsAct(StrEnum):
    """Acts that can be refused while an invoice is unpaid; each is checked by its service
    through `billing.selectors.unpaid_check` at the last step, before anything changes."""

    ADD_ON_SUBSCRIBE = "add_on_subscribe"  # lines.services.subscription_add (option, top-up)
    ACQUISITION = "acquisition"  # care.services.order_create, a new line
    DEVICE_RENEWAL = "device_renewal"  # care.services.order_create
    ACCESSORY_ORDER = "accessory_order"  # care.services.order_create
    LINE_TRANSFER = "line_transfer"  # care.services.request_open
    # Acts whose service comes later; it calls unpaid_check with this code.
    PLAN_CHANGE = "plan_change"
    INSURANCE_SUBSCRIBE = "insurance_subscribe"


ARREARS_ACT_LABELS: dict[ArrearsAct, str] = {
    ArrearsAct.ADD_ON_SUBSCRIBE: "Souscrire une option ou une recharge",
    ArrearsAct.ACQUISITION: "Commander une nouvelle ligne",
    ArrearsAct.DEVICE_RENEWAL: "Renouveler son mobile",
    ArrearsAct.ACCESSORY_ORDER: "Commander un accessoire",
    ArrearsAct.LINE_TRANSFER: "Céder sa ligne",
    ArrearsAct.PLAN_CHANGE: "Changer de forfait ou d'offre",
    ArrearsAct.INSURANCE_SUBSCRIBE: "Souscrire une assurance mobile",
}

_SETTLE_FIRST = " Réglez d'abord le montant dû depuis la rubrique Factures."
UNPAID_REFUSED_ACTS_DEFAULT: dict[str, str] = {
    ArrearsAct.ADD_ON_SUBSCRIBE: "Vous ne pouvez pas souscrire d'option ni de recharge tant"
    " qu'une facture reste impayée." + _SETTLE_FIRST,
    ArrearsAct.ACQUISITION: "Vous ne pouvez pas commander de nouvelle ligne tant qu'une facture"
    " reste impayée." + _SETTLE_FIRST,
    ArrearsAct.DEVICE_RENEWAL: "Le renouvellement de votre mobile est indisponible tant"
    " qu'une facture reste impayée." + _SETTLE_FIRST,
    ArrearsAct.ACCESSORY_ORDER: "La commande d'accessoires est indisponible tant qu'une"
    " facture reste impayée." + _SETTLE_FIRST,
    # CGS 12: "le cédant règle auparavant toutes les sommes encore dues".
    ArrearsAct.LINE_TRANSFER: "La cession de ligne demande que toutes les sommes dues soient"
    " réglées (CGS 12)." + _SETTLE_FIRST,
    ArrearsAct.PLAN_CHANGE: "Le changement de forfait ou d'offre est indisponible tant qu'une"
    " facture reste impayée." + _SETTLE_FIRST,
    ArrearsAct.INSURANCE_SUBSCRIBE: "La souscription d'une assurance est indisponible tant"
    " qu'une facture reste impayée." + _SETTLE_FIRST,
}
# Non-breaking space: an amount and its "€" never part at the end of a printed line.
NBSP = "\u00a0"


def format_eur_fr(cents: int) -> str:
    """Cents the French way, for documents and pages: "12,99 €", "1 234,50 €", "-5,00 €"."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    grouped = f"{whole:,}".replace(",", NBSP)
    return f"{sign}{grouped},{rest:02d}{NBSP}€"


def format_vat_rate(rate_bp: int) -> str:
    """A VAT rate in basis points the French way: 2000 → "20 %", 550 → "5,5 %"."""
    whole, rest = divmod(rate_bp, 100)
    decimals = f",{rest:02d}".rstrip("0") if rest else ""
    return f"{whole}{decimals}{NBSP}%"


# Issue 4: "36 months of invoices stay available" to the customer in self-care.
INVOICES_AVAILABLE_MONTHS = 36


def invoices_available_since(today: date) -> date:
    """The first issue date of the invoices a customer still sees on `today`: the same day 36
    months earlier (the last day of that month when it is shorter), included."""
    return add_months(today, -INVOICES_AVAILABLE_MONTHS)


def french_vat_number(siren: str) -> str:
    """The French intra-EU VAT number of a company: "FR", a two-digit key, then the SIREN, the
    key being (12 + 3 × (SIREN mod 97)) mod 97 (the tax administration's rule)."""
    digits = siren.replace(" ", "")
    if len(digits) != 9 or not digits.isdigit():
        raise ValueError(f"{siren!r} is not a SIREN (nine digits)")
    key = (12 + 3 * (int(digits) % 97)) % 97
    return f"FR{key:02d}{digits}"
