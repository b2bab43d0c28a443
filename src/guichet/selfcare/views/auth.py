"""Signing in and out, and confirming the password before a sensitive act."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from guichet.selfcare.forms.auth import LoginForm, ReauthenticationForm
from guichet.selfcare.reauth import authentication_stamp


class LoginView(auth_views.LoginView):
    template_name = "selfcare/auth/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


@login_required
def reauthenticate(request: HttpRequest) -> HttpResponse:
    """The password again, before a sensitive act; then back to where the customer was."""
    form = ReauthenticationForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        authentication_stamp(request, now=timezone.now())
        return redirect(_safe_next(request) or "selfcare:home")
    return render(
        request,
        "selfcare/auth/reauthenticate.html",
        {"form": form, "next": _safe_next(request)},
        status=400 if form.errors else 200,
    )
