"""Display helpers of the Accueil and Conso pages."""

from django import template

from guichet.selfcare.views.usage_display import rate_text

register = template.Library()


@register.filter
def micro_euros(micro_eur: int) -> str:
    """Integer micro-euros as rated, to 1/100,000 € at most: 26400 → "0,0264 €"."""
    return rate_text(micro_eur)
