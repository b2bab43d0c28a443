"""Forms of devices, insurance and after-sales: they parse what the customer typed; the
services decide (stock, eligibility, unpaid rules)."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from guichet.devices.models import RenewalPayment
from guichet.devices.rules import RENEWAL_INSTALMENT_COUNTS


class DeviceRenewalForm(forms.Form):
    sku = forms.ChoiceField(label=_("Phone"), widget=forms.RadioSelect)
    payment = forms.ChoiceField(label=_("Payment"), widget=forms.RadioSelect, initial="card")

    def __init__(self, *args, skus: list[tuple[str, str]], **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["sku"].choices = skus
        self.fields["payment"].choices = [
            (RenewalPayment.CARD.value, _("By card now (the order is confirmed once paid)")),
            (
                RenewalPayment.NEXT_INVOICE.value,
                _("In one go, on the invoice of the month of delivery"),
            ),
            *(
                (str(count), _("%(count)s monthly instalments") % {"count": count})
                for count in RENEWAL_INSTALMENT_COUNTS
            ),
        ]

    def payment_terms(self) -> tuple[RenewalPayment, int]:
        """The payment chosen and its number of instalments (0 unless in instalments)."""
        chosen = self.cleaned_data["payment"]
        if chosen.isdigit():
            return RenewalPayment.INSTALMENTS, int(chosen)
        return RenewalPayment(chosen), 0


class InsuranceForm(forms.Form):
    equipment = forms.TypedChoiceField(label=_("Phone to insure"), coerce=int)
    purchase_price = forms.DecimalField(
        label=_("Purchase price of the phone (€)"),
        max_digits=8,
        decimal_places=2,
        min_value=Decimal("1"),
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, phones: list[tuple[int, str]], **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["equipment"].choices = phones


class InsuranceClaimForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What happened"),
        widget=forms.RadioSelect,
        choices=[
            ("breakage", _("Breakage")),
            ("theft", _("Theft")),
            ("oxidation", _("Oxidation (water damage)")),
        ],
    )
    occurred_on = forms.DateField(
        label=_("Date of the incident"), widget=forms.DateInput(attrs={"type": "date"})
    )
    description = forms.CharField(
        label=_("Circumstances"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )


class RefundClaimForm(forms.Form):
    offer = forms.ChoiceField(label=_("Refund offer"), widget=forms.RadioSelect)
    iban = forms.CharField(
        label=_("IBAN of the account to credit"),
        max_length=42,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, offers: list[tuple[str, str]], **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["offer"].choices = offers


REPAIR_FAULT_CHOICES = [
    ("screen", _("Broken screen")),
    ("battery", _("Battery")),
    ("charging_port", _("Charging port")),
    ("camera", _("Camera")),
]


class ExpressRepairForm(forms.Form):
    fault = forms.ChoiceField(label=_("Repair"), widget=forms.RadioSelect, choices=[])
    slot = forms.ChoiceField(label=_("Appointment"), widget=forms.RadioSelect)

    def __init__(
        self, *args, faults: list[tuple[str, str]], slots: list[tuple[str, str]], **kwargs
    ) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["fault"].choices = faults
        self.fields["slot"].choices = slots


class RepairDepositForm(forms.Form):
    line = forms.TypedChoiceField(label=_("Line of the device"), coerce=int)
    device = forms.CharField(label=_("Device (brand and model)"), max_length=120)
    fault = forms.ChoiceField(label=_("Fault"), choices=REPAIR_FAULT_CHOICES)

    def __init__(self, *args, lines: list[tuple[int, str]], **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["line"].choices = lines


TICKET_CATEGORIES = {
    # category: (care TicketType, TicketSeverity)
    "no_service": ("incident", "major"),
    "slow": ("incident", "minor"),
    "equipment": ("incident", "major"),
    "billing": ("complaint", "minor"),
    "other": ("complaint", "minor"),
}


class TicketForm(forms.Form):
    category = forms.ChoiceField(
        label=_("Category"),
        choices=[
            ("no_service", _("No service at all")),
            ("slow", _("Slow or intermittent service")),
            ("equipment", _("Faulty equipment (box, decoder, phone)")),
            ("billing", _("Invoice or payment")),
            ("other", _("Something else")),
        ],
    )
    line = forms.TypedChoiceField(
        label=_("Line concerned"), coerce=int, required=False, empty_value=None
    )
    description = forms.CharField(
        label=_("Describe the problem"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )

    def __init__(self, *args, lines: list[tuple[int, str]], **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["line"].choices = [("", _("No particular line")), *lines]


class TicketNoteForm(forms.Form):
    text = forms.CharField(
        label=_("Add a note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


class PostcodeForm(forms.Form):
    postcode = forms.RegexField(
        label=_("Postcode"),
        regex=r"^\d{5}$",
        error_messages={"invalid": _("A French postcode has 5 digits.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )
