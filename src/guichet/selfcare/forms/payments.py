from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _


class PaymentAmountForm(forms.Form):
    """How much to pay, in euros as the customer types it ("12,34" in French)."""

    amount = forms.DecimalField(
        label=_("Amount to pay (€)"),
        max_digits=9,
        decimal_places=2,
        min_value=Decimal("0.01"),
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )

    @property
    def amount_cents(self) -> int:
        return int(self.cleaned_data["amount"] * 100)


class TopUpPurchaseForm(forms.Form):
    """The price the customer saw: a price changed since is refused rather than charged."""

    price_cents = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
