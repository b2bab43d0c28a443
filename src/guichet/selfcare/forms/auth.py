import copy
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guichet.customers.auth import client_ip
from guichet.customers.rules import is_french_phone_number, normalize_phone_number
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


class ReauthenticationForm(forms.Form):
    """The signed-in customer's password, once more."""

    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )

    def __init__(self, user: Any, *args: Any, with_code: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if with_code:
            self.fields["code"] = copy.deepcopy(SecondStepForm.base_fields["code"])
            self.fields["code"].widget.attrs.pop("autofocus", None)

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("This is not your password. Try again."), code="wrong")
        return password


class SecondStepForm(forms.Form):
    """The code of the second step: from the SMS, from the app, or a recovery code."""

    code = forms.CharField(
        label=_("Security code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


class PasswordResetRequestForm(forms.Form):
    login = forms.CharField(
        label=_("Email or customer number"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )


class NewPasswordForm(forms.Form):
    """A new password typed twice; the service checks its strength (AUTH_PASSWORD_VALIDATORS)."""

    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        help_text=_("At least 12 characters, not only digits, not a common password."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("new_password1"), cleaned.get("new_password2")
        if first and second and first != second:
            self.add_error(
                "new_password2", _("The two passwords differ. Type the same password twice.")
            )
        return cleaned


class PasswordChangeForm(NewPasswordForm):
    current_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    field_order = ("current_password", "new_password1", "new_password2")


class EmailForm(forms.Form):
    email = forms.CharField(
        label=_("New email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class ContactPhoneForm(forms.Form):
    contact_phone = forms.CharField(
        label=_("Contact phone"),
        max_length=30,
        help_text=_("A French mobile or landline number, e.g. 06 12 34 56 78."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def clean_contact_phone(self) -> str:
        raw: str = self.cleaned_data["contact_phone"]
        try:
            phone = normalize_phone_number(raw)
        except ValueError as invalid:
            raise forms.ValidationError(str(invalid), code="invalid") from None
        if not is_french_phone_number(phone):
            raise forms.ValidationError(
                _("%(phone)s is not a French mobile or landline number."),
                code="not_french",
                params={"phone": raw},
            )
        return phone


class SmsLineForm(forms.Form):
    line_id = forms.TypedChoiceField(label=_("Mobile line"), coerce=int, widget=forms.RadioSelect)

    def __init__(self, lines: list[tuple[int, str]], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["line_id"].choices = lines
