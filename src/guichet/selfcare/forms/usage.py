"""Forms of the usage acts: the data mode, the box's Wi-Fi, the cap on purchases on the bill.
They parse; the services (lines, usage) validate the rules and name what is wrong."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from guichet.lines.models import DataUsageMode


class DataUsageModeForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("Mobile data"), choices=DataUsageMode.choices, widget=forms.RadioSelect
    )


class BoxWifiForm(forms.Form):
    network_name = forms.CharField(label=_("Network name (SSID)"), max_length=64, strip=False)
    wifi_key = forms.CharField(
        label=_("Wi-Fi key (8 to 63 characters)"),
        max_length=200,
        strip=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    wifi_enabled = forms.BooleanField(label=_("Wi-Fi switched on"), required=False)
    guest_enabled = forms.BooleanField(label=_("Guest Wi-Fi switched on"), required=False)


def _cap_choices() -> list[tuple[str, str]]:
    choices = []
    for cents in settings.GUICHET_CARRIER_BILLING_CAP_STEPS_CENTS:
        euros = f"{cents // 100} €"
        label = _("Blocked: no purchase on the bill") if cents == 0 else _("%(amount)s a month")
        choices.append((str(cents), str(label) % {"amount": euros} if cents else str(label)))
    return choices


class CarrierBillingCapForm(forms.Form):
    cap_cents = forms.TypedChoiceField(
        label=_("Monthly cap"), coerce=int, choices=_cap_choices, widget=forms.RadioSelect
    )
