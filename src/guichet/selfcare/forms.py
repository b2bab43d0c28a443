from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    """Email or customer number, and the password (see customers.auth.LoginBackend)."""

    username = forms.CharField(label=_("Email or customer number"), max_length=254)

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Wrong email, customer number or password. Check them and try again."),
    }
