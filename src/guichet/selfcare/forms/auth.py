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


class ReauthenticationForm(forms.Form):
    """The signed-in customer's password, once more."""

    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("This is not your password. Try again."), code="wrong")
        return password
