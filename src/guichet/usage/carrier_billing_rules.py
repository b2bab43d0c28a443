"""Pure rules of purchases on the bill (Internet+): whether a purchase fits the line's monthly
cap and the per-purchase ceiling. Amounts in integer cents; no database, no clock."""

from collections.abc import Sequence


def cap_problem(*, cap_cents: int, steps_cents: Sequence[int]) -> str | None:
    """Why `cap_cents` cannot be chosen (French), or None: only the operator's steps can."""
    if cap_cents not in steps_cents:
        choices = ", ".join(_euros(step) for step in sorted(steps_cents))
        return f"Choisissez un plafond parmi : {choices}."
    return None


def purchase_refusal(
    *, amount_cents: int, spent_this_month_cents: int, cap_cents: int, purchase_max_cents: int
) -> str | None:
    """Why a purchase of `amount_cents` is refused (French), or None when it is accepted: the
    month's purchases, this one included, stay within the cap; a cap of 0 blocks them all."""
    if amount_cents <= 0:
        return "Le montant d'un achat est positif."
    if cap_cents == 0:
        return "Les achats sur facture sont bloqués sur cette ligne."
    if amount_cents > purchase_max_cents:
        return f"Un achat sur facture ne peut pas dépasser {_euros(purchase_max_cents)}."
    if spent_this_month_cents + amount_cents > cap_cents:
        left = max(cap_cents - spent_this_month_cents, 0)
        return (
            f"Cet achat dépasserait le plafond mensuel de {_euros(cap_cents)} (il reste"
            f" {_euros(left)} ce mois-ci)."
        )
    return None


def _euros(cents: int) -> str:
    whole, rest = divmod(cents, 100)
    return f"{whole} €" if rest == 0 else f"{whole},{rest:02d} €"
