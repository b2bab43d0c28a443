"""Display helpers for the customer pages."""

from datetime import date

from django import template

from guichet.billing.rules import format_eur_fr

register = template.Library()


@register.filter
def euros(cents: int) -> str:
    """Integer cents as the customer reads an amount: 1299 → "12,99 €"."""
    return format_eur_fr(cents)


@register.filter
def national_number(msisdn: str) -> str:
    """+33612345678 → 06 12 34 56 78, the way French customers read their number."""
    if not msisdn.startswith("+33") or len(msisdn) != 12:
        return msisdn
    digits = "0" + msisdn[3:]
    return " ".join(digits[i : i + 2] for i in range(0, 10, 2))


@register.filter
def iso_date(value: str) -> date | str:
    """A date kept as ISO text (a request's payload: "2026-12-04") as a date, for the `date`
    filter: {{ pending.payload.move_date|iso_date|date:"j F Y" }} → "4 décembre 2026". Any
    other value is returned as it is."""
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return value
