"""Money in the rating core: integer micro-euros (`*_micro_eur`, 1 € = 1,000,000 µ€), never floats.

THE rounding rule of rating (pinned by tests/rating/test_money.py): a priced quantity is computed
as an exact fraction `price_micro_eur × quantity / denominator` (60 for a per-minute price applied
to seconds, 1,024 for a per-Mo price applied to Ko) and rounded once, to the nearest micro-euro,
halves up. Each priced component of a record (out-of-bundle rate, premium per-call and per-minute
surcharges) is rounded on its own, then summed. Charges are never rounded to cents per record: the
bill run rounds the total of a period (CONVENTIONS 7). The error is below 0.5 µ€ per component.
"""

from decimal import Decimal

import polars as pl

MICRO_EUR_PER_EURO = 1_000_000
SECONDS_PER_MINUTE = 60
BYTES_PER_KO = 1024
KO_PER_MO = 1024  # release.toml, volume_units: 1 Mo = 1,024 Ko = 1,048,576 bytes
MO_PER_GO = 1024


def div_round_half_up(numerator: int, denominator: int) -> int:
    """`numerator / denominator` rounded to the nearest integer, halves up (both ≥ 0)."""
    if numerator < 0 or denominator <= 0:
        raise ValueError("div_round_half_up takes a numerator ≥ 0 and a denominator > 0")
    return (2 * numerator + denominator) // (2 * denominator)


def div_round_half_up_expr(numerator: pl.Expr, denominator: int) -> pl.Expr:
    """The same rule as `div_round_half_up`, on an Int64 column of numerators ≥ 0."""
    return (numerator * 2 + denominator) // (2 * denominator)


def charge_micro_eur(price_micro_eur: int, quantity: int, denominator: int) -> int:
    """`price × quantity / denominator` in micro-euros, by the rating rounding rule."""
    return div_round_half_up(price_micro_eur * quantity, denominator)


def micro_eur_text(amount_micro_eur: int) -> str:
    """Micro-euros as a decimal euro amount with 6 decimals: 1875000 → "1.875000"."""
    sign = "-" if amount_micro_eur < 0 else ""
    whole, fraction = divmod(abs(amount_micro_eur), MICRO_EUR_PER_EURO)
    return f"{sign}{whole}.{fraction:06d}"


def micro_eur_text_expr(amount_micro_eur: pl.Expr) -> pl.Expr:
    """`micro_eur_text` on an Int64 column of micro-euros (null stays null): a decimal with 6
    places, exact (any Int64 fits in 38 digits), whose text always shows the 6 places; one
    conversion is twice as fast as putting the euros and the micro-euros together as text."""
    as_decimal = amount_micro_eur.cast(pl.Decimal(38, 6)) / MICRO_EUR_PER_EURO
    return as_decimal.cast(pl.String)


def price_text(price_micro_eur: int) -> str:
    """A catalog price for a human reason: at least 2 decimals, no trailing zeros beyond them.
    1500000 → "1.50", 2160 → "0.00216", 15400000 → "15.40", 0 → "0"."""
    if price_micro_eur == 0:
        return "0"
    text = f"{Decimal(price_micro_eur) / MICRO_EUR_PER_EURO:.6f}".rstrip("0")
    whole, _, fraction = text.partition(".")
    return f"{whole}.{fraction.ljust(2, '0')}"
