"""Factures: billing preferences and payment means. The services validate (IBAN with schwifty,
debit and cycle days 1–28); the forms only carry what the customer typed, so nothing typed is
lost."""

from django import forms
from django.utils.translation import gettext_lazy as _

from guichet.billing.cycle_rules import CYCLE_DAY_MAX, CYCLE_DAY_MIN
from guichet.billing.models import MONTH_DAY_MAX, MONTH_DAY_MIN, InvoiceDelivery


class DebitDayForm(forms.Form):
    debit_day = forms.TypedChoiceField(
        label=_("Debit day (day of the month)"),
        coerce=int,
        choices=[(day, str(day)) for day in range(MONTH_DAY_MIN, MONTH_DAY_MAX + 1)],
    )


class BillingCycleForm(forms.Form):
    billing_cycle_day = forms.TypedChoiceField(
        label=_("My invoices start on the (day of the month)"),
        coerce=int,
        choices=[(day, str(day)) for day in range(CYCLE_DAY_MIN, CYCLE_DAY_MAX + 1)],
    )


class InvoiceDeliveryForm(forms.Form):
    invoice_delivery = forms.ChoiceField(
        label=_("How you receive your invoices"),
        widget=forms.RadioSelect,
        choices=[
            (InvoiceDelivery.ELECTRONIC, _("Electronic invoice (email and customer area)")),
            (InvoiceDelivery.PAPER, _("Paper invoice (by post)")),
        ],
    )


class MandateForm(forms.Form):
    """A SEPA mandate signed online: the holder, the IBAN, and the customer's consent."""

    debtor_name = forms.CharField(
        label=_("Account holder's name"),
        max_length=140,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    iban = forms.CharField(
        label=_("IBAN"),
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    consent = forms.BooleanField(
        label=_(
            "By signing this mandate, I authorise the operator to send instructions to my bank"
            " to debit my account, and my bank to debit my account accordingly. I am entitled"
            " to a refund from my bank within 8 weeks of the debit."
        ),
        error_messages={"required": _("Tick the box to sign the mandate.")},
    )
