from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guichet.customers.auth import client_ip
from guichet.customers.selectors import login_locked_until


class LoginForm(AuthenticationForm):
    """Email or customer number, and the password (see customers.auth.LoginBackend)."""

    username = forms.CharField(label=_("Email or customer number"), max_length=254)

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Wrong email, customer number or password. Check them and try again."),
        "locked": _("Too many failed attempts. For your security, try again after %(time)s."),
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        if username:
            until = login_locked_until(
                login=username, ip_address=client_ip(self.request), now=timezone.now()
            )
            if until is not None:
                raise forms.ValidationError(
                    self.error_messages["locked"],
                    code="locked",
                    params={"time": timezone.localtime(until).strftime("%H:%M")},
                )
        return super().clean()


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
