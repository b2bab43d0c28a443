"""Forms of the offer management pages. Each act posts twice: first without `confirm` (the page
shows prices, fees and dates), then with it (the act is done)."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)


class AddOnForm(ConfirmForm):
    action = forms.ChoiceField(choices=[("subscribe", "subscribe"), ("cancel", "cancel")])
    code = forms.SlugField(required=False, max_length=60)
    subscription = forms.IntegerField(required=False, min_value=1)


class OfferChoiceForm(ConfirmForm):
    code = forms.SlugField(label=_("New offer"), max_length=60)


class TerminationForm(ConfirmForm):
    legitimate_reason = forms.ChoiceField(label=_("Legitimate reason (optional)"), required=False)
    proof = forms.FileField(label=_("Proof of the legitimate reason"), required=False)
    proof_name = forms.CharField(required=False, widget=forms.HiddenInput, max_length=200)

    def __init__(self, *args, reasons: dict[str, str], **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["legitimate_reason"].choices = [
            ("", _("No legitimate reason")),
            *reasons.items(),
        ]

    def proof_filename(self) -> str:
        proof = self.cleaned_data.get("proof")
        return proof.name if proof else self.cleaned_data.get("proof_name", "")


class LineTransferForm(ConfirmForm):
    transferee_name = forms.CharField(label=_("Full name of the new holder"), max_length=200)
    transferee_email = forms.EmailField(label=_("Email of the new holder"))
    transferee_birth_date = forms.DateField(
        label=_("Date of birth of the new holder"), widget=forms.DateInput(attrs={"type": "date"})
    )
    identity_document = forms.CharField(
        label=_("Identity document (type and number)"), max_length=200
    )
    iban_document = forms.CharField(label=_("IBAN in the new holder's name"), max_length=200)
    address_document = forms.CharField(
        label=_("Proof of address of less than three months (kind and date)"), max_length=200
    )

    def documents(self) -> list[str]:
        return [
            self.cleaned_data["identity_document"],
            self.cleaned_data["iban_document"],
            self.cleaned_data["address_document"],
        ]


class TransferAcceptForm(forms.Form):
    code = forms.CharField(label=_("Code received by email"), max_length=6, min_length=6)


class NumberChangeForm(ConfirmForm):
    number = forms.CharField(max_length=16)


class BoxMoveForm(ConfirmForm):
    street = forms.CharField(label=_("Street and number"), max_length=200)
    postcode = forms.CharField(label=_("Postcode"), max_length=5, min_length=5)
    city = forms.CharField(label=_("City"), max_length=100)
    move_date = forms.DateField(
        label=_("Moving date"), widget=forms.DateInput(attrs={"type": "date"})
    )
