"""Forms of the Compte pages (personal information and follow-up) and of the lines' user,
blocked calls and box mailboxes. They parse what is typed; the services validate the rules."""

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from guichet.care.services import ADVISOR_MESSAGE_MAX_LENGTH
from guichet.customers.models import (
    AddressPublication,
    ContactChannel,
    ContactTopic,
    NameChangeReason,
    PreferredContactTime,
    ProfileInterest,
)
from guichet.customers.rules import ADDRESS_LINE_MAX_LENGTH, DEFAULT_OPT_INS
from guichet.customers.selectors import ContactPreferenceState
from guichet.lines.mailbox_rules import LOCAL_PART_MAX_LENGTH


class NameChangeForm(forms.Form):
    first_name = forms.CharField(
        label=_("New first name"),
        max_length=100,
        widget=forms.TextInput({"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("New last name"),
        max_length=100,
        widget=forms.TextInput({"autocomplete": "family-name"}),
    )
    reason = forms.ChoiceField(label=_("Reason"), choices=NameChangeReason.choices)
    proof = forms.FileField(
        label=_("Proof"),
        help_text=_(
            "Marriage certificate, divorce decree or court decision: PDF, JPEG or PNG,"
            " 5 MB at most."
        ),
        widget=forms.FileInput({"accept": ".pdf,.jpg,.jpeg,.png"}),
    )


class ProfileForm(forms.Form):
    birth_place = forms.CharField(label=_("Place of birth"), max_length=100, required=False)
    household_size = forms.IntegerField(
        label=_("People in your household (you included)"),
        required=False,
        min_value=1,
        max_value=20,
        widget=forms.NumberInput({"inputmode": "numeric"}),
    )
    preferred_contact_time = forms.ChoiceField(
        label=_("When an advisor may call you"),
        choices=[("", _("No preference")), *PreferredContactTime.choices],
        required=False,
    )
    interests = forms.MultipleChoiceField(
        label=_("Your interests"),
        choices=ProfileInterest.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


COUNTRY_CHOICES = [
    ("FR", "France"),
    ("BE", "Belgique"),
    ("CH", "Suisse"),
    ("LU", "Luxembourg"),
    ("MC", "Monaco"),
    ("DE", "Allemagne"),
    ("ES", "Espagne"),
    ("IT", "Italie"),
]


class AddressForm(forms.Form):
    line1 = forms.CharField(
        label=_("Number and street"),
        max_length=ADDRESS_LINE_MAX_LENGTH,
        widget=forms.TextInput({"autocomplete": "address-line1"}),
    )
    line2 = forms.CharField(
        label=_("Building, staircase, floor (optional)"),
        max_length=ADDRESS_LINE_MAX_LENGTH,
        required=False,
        widget=forms.TextInput({"autocomplete": "address-line2"}),
    )
    line3 = forms.CharField(
        label=_("Place called, PO box (optional)"),
        max_length=ADDRESS_LINE_MAX_LENGTH,
        required=False,
        widget=forms.TextInput({"autocomplete": "address-line3"}),
    )
    postcode = forms.CharField(
        label=_("Postcode"),
        max_length=10,
        widget=forms.TextInput({"autocomplete": "postal-code", "inputmode": "numeric"}),
    )
    city = forms.CharField(
        label=_("City"), max_length=100, widget=forms.TextInput({"autocomplete": "address-level2"})
    )
    country = forms.ChoiceField(label=_("Country"), choices=COUNTRY_CHOICES, initial="FR")


def _preference_field_name(topic: ContactTopic, channel: ContactChannel) -> str:
    return f"{topic}__{channel}"


class ContactPreferencesForm(forms.Form):
    """One checkbox per topic and channel the customer can choose (customers.rules)."""

    def __init__(
        self,
        *args: object,
        states: dict[tuple[ContactTopic, ContactChannel], ContactPreferenceState],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for topic, channel in DEFAULT_OPT_INS:
            self.fields[_preference_field_name(topic, channel)] = forms.BooleanField(
                label=ContactChannel(channel).label,
                required=False,
                initial=states[(topic, channel)].opted_in,
            )

    def topics(self) -> list[tuple[ContactTopic, list[forms.BoundField]]]:
        return [
            (
                topic,
                [
                    self[_preference_field_name(topic, channel)]
                    for channel in ContactChannel
                    if (topic, channel) in DEFAULT_OPT_INS
                ],
            )
            for topic in ContactTopic
        ]

    def choices(self) -> dict[tuple[ContactTopic, ContactChannel], bool]:
        return {
            (topic, channel): bool(self.cleaned_data[_preference_field_name(topic, channel)])
            for topic, channel in DEFAULT_OPT_INS
        }


class DirectoryListingForm(forms.Form):
    listed = forms.TypedChoiceField(
        label=_("Appear in the universal directory"),
        choices=[("no", _("No, do not list me")), ("yes", _("Yes, list my number"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    first_name_initial_only = forms.BooleanField(
        label=_("Show only the initial of my first name"), required=False
    )
    address_publication = forms.ChoiceField(
        label=_("Address shown"),
        choices=AddressPublication.choices,
        initial=AddressPublication.NONE,
    )
    publish_email = forms.BooleanField(label=_("Show my contact email"), required=False)
    anti_prospecting = forms.BooleanField(
        label=_("Anti-prospecting list: my details may not be used for marketing"),
        required=False,
    )
    anti_reverse_lookup = forms.BooleanField(
        label=_("Anti-reverse-lookup list: nobody may find my name from my number"),
        required=False,
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("listed") is False:
            # Options of a listing mean nothing without one: unticked rather than refused.
            data.update(
                first_name_initial_only=False,
                address_publication=AddressPublication.NONE,
                publish_email=False,
                anti_prospecting=False,
                anti_reverse_lookup=False,
            )
        return data


class LineUserForm(forms.Form):
    user_name = forms.CharField(
        label=_("Name of the person who uses the line"),
        max_length=200,
        required=False,
        help_text=_("Leave empty if you use the line yourself."),
    )
    user_is_minor = forms.BooleanField(label=_("This person is under 18"), required=False)


class BlockedNumberForm(forms.Form):
    number = forms.CharField(
        label=_("Number to block"),
        max_length=30,
        help_text=_("A French number (06 12 34 56 78) or an international one (+32 470 12 34 56)."),
        widget=forms.TextInput({"inputmode": "tel", "autocomplete": "off"}),
    )


class MailboxForm(forms.Form):
    local_part = forms.CharField(
        label=_("Address"),
        max_length=LOCAL_PART_MAX_LENGTH + 40,
        widget=forms.TextInput(
            {"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )


class AdvisorMessageForm(forms.Form):
    text = forms.CharField(
        label=_("Your message"),
        max_length=ADVISOR_MESSAGE_MAX_LENGTH,
        widget=forms.Textarea({"rows": 5, "maxlength": ADVISOR_MESSAGE_MAX_LENGTH}),
        help_text=format_lazy(
            _("{max} characters at most. Never write your password or bank card number."),
            max=ADVISOR_MESSAGE_MAX_LENGTH,
        ),
    )
