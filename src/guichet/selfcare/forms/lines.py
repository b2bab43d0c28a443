"""Forms of the Lignes pages: emergencies (loss or theft, replacement SIM, unlock code) and the
box's codes. They check what a customer can get wrong while typing; the services check again."""

from django import forms
from django.utils.translation import gettext_lazy as _

from guichet.lines.codes import normalize_optical_outlet_reference, tv_pin_problem
from guichet.lines.models import SuspensionReason
from guichet.lines.rules import normalize_iccid

_NUMERIC = {"inputmode": "numeric", "autocomplete": "off"}


class LossTheftForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("What happened?"),
        choices=[
            (SuspensionReason.LOSS.value, _("I lost my device or my SIM card")),
            (SuspensionReason.THEFT.value, _("My device or my SIM card was stolen")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Tell us whether it was lost or stolen.")},
    )


class SimActivationForm(forms.Form):
    iccid = forms.CharField(
        label=_("SIM card number (ICCID)"),
        help_text=_("The 19 or 20 digits printed on the back of the card, starting with 89."),
        max_length=40,
        widget=forms.TextInput(attrs=_NUMERIC),
        error_messages={"required": _("Type the number printed on the card.")},
    )

    def clean_iccid(self) -> str:
        try:
            return normalize_iccid(self.cleaned_data["iccid"])
        except ValueError as invalid:
            raise forms.ValidationError(str(invalid)) from None


class UnlockCodeForm(forms.Form):
    equipment = forms.TypedChoiceField(
        label=_("Phone to unlock"), coerce=int, widget=forms.RadioSelect
    )

    def __init__(self, *args, phones=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["equipment"].choices = [
            (phone.pk, f"{phone.model} · IMEI {phone.imei}") for phone in phones
        ]


def _pin_field(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        min_length=4,
        max_length=4,
        strip=True,
        widget=forms.PasswordInput(attrs={**_NUMERIC, "autocomplete": "new-password"}),
        error_messages={"required": _("Choose a 4-digit code.")},
    )


class TvPinsForm(forms.Form):
    parental_pin = _pin_field(_("New parental code"))
    purchase_pin = _pin_field(_("New purchase code"))

    def _clean_pin(self, name: str) -> str:
        pin: str = self.cleaned_data[name]
        problem = tv_pin_problem(pin)
        if problem is not None:
            raise forms.ValidationError(problem)
        return pin

    def clean_parental_pin(self) -> str:
        return self._clean_pin("parental_pin")

    def clean_purchase_pin(self) -> str:
        return self._clean_pin("purchase_pin")


class OpticalOutletReferenceForm(forms.Form):
    reference = forms.CharField(
        label=_("Reference printed on the fibre socket"),
        help_text=_("For example FI-1A2B-3C4D: on the sticker or the front of the socket."),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )

    def clean_reference(self) -> str:
        try:
            return normalize_optical_outlet_reference(self.cleaned_data["reference"])
        except ValueError as invalid:
            raise forms.ValidationError(str(invalid)) from None
