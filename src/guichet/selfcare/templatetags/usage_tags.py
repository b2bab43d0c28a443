"""Display helpers of the Accueil and Conso pages."""

from django import template
from django.utils.translation import get_language

from guichet.selfcare.rating_reasons import reason_in_french
from guichet.selfcare.views.usage_display import rate_text

register = template.Library()


@register.filter
def micro_euros(micro_eur: int) -> str:
    """Integer micro-euros as rated, to 1/100,000 € at most: 26400 → "0,0264 €"."""
    return rate_text(micro_eur)


@register.filter
def pricing_rule(reason: str) -> str:
    """A rated record's reason in the page's language: rating writes it in English, French
    pages say it in French (selfcare.rating_reasons), or as written when no template reads it."""
    if (get_language() or "").startswith("fr"):
        return reason_in_french(reason) or reason
    return reason
