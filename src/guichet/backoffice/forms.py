"""The advisor console's forms: they parse input, the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from guichet.billing.models import MONTH_DAY_MAX, MONTH_DAY_MIN, PaymentMethod
from guichet.care.models import RequestKind, RequestStatus, TicketStatus
from guichet.customers.models import Civility


class QueueFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *RequestKind.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Open (submitted or in progress)")), *RequestStatus.choices],
    )


class ResolutionForm(forms.Form):
    resolution = forms.CharField(
        label=_("How it was handled (sent to the customer)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the refusal (sent to the customer)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )


class NewHolderForm(forms.Form):
    """The transferee's identity and payment terms, from the documents of CGS 12."""

    civility = forms.ChoiceField(label=_("Civility"), choices=Civility.choices)
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20)
    street = forms.CharField(label=_("Billing address: street"), max_length=38)
    postcode = forms.CharField(label=_("Postcode"), max_length=10)
    city = forms.CharField(label=_("City"), max_length=100)
    payment_method = forms.ChoiceField(label=_("Payment method"), choices=PaymentMethod.choices)
    debit_day = forms.IntegerField(
        label=_("Payment day of the month"),
        min_value=MONTH_DAY_MIN,
        max_value=MONTH_DAY_MAX,
        initial=5,
    )


class MoveCompleteForm(forms.Form):
    access_reference = forms.CharField(
        label=_("New access reference given by the network partner (if any)"),
        max_length=30,
        required=False,
    )


class TicketNoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}))


class TicketAdvanceForm(forms.Form):
    to_status = forms.ChoiceField(label=_("New status"), choices=TicketStatus.choices)
    note = forms.CharField(
        label=_("Note (optional)"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Your answer"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )


class RefundTransferForm(forms.Form):
    reference = forms.CharField(
        label=_("Reference of the bank transfer made to the customer"), max_length=140
    )
