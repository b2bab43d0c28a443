"""Signing in (with the second step when the customer turned it on) and out, confirming one's
identity before a sensitive act, and the "mot de passe oublié" pages."""

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from guichet.customers.auth import client_ip
from guichet.customers.errors import CustomerError, CustomerErrorCode
from guichet.customers.models import SecurityChallengePurpose, TwoStepMethod, User
from guichet.customers.selectors import (
    password_reset_user,
    security_challenge_open,
    two_step_for,
)
from guichet.customers.services import (
    password_reset_complete,
    password_reset_request,
    second_step_start,
    second_step_verify,
    security_sms_send,
)
from guichet.selfcare.forms.auth import (
    LoginForm,
    NewPasswordForm,
    PasswordResetRequestForm,
    ReauthenticationForm,
    SecondStepForm,
)
from guichet.selfcare.idle import IDLE_SIGNED_OUT_KEY
from guichet.selfcare.reauth import authentication_stamp

# The sign-in waiting for its second step: the user is not logged in until the code is right.
PENDING_SIGN_IN_KEY = "guichet_pending_sign_in"
REAUTH_CHALLENGE_KEY = "guichet_reauth_challenge"


class LoginView(auth_views.LoginView):
    template_name = "selfcare/auth/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["idle_signed_out"] = self.request.session.pop(IDLE_SIGNED_OUT_KEY, False)
        return context

    def get_default_redirect_url(self) -> str:
        """Without a `next`: an advisor lands on their console, a customer on their home."""
        user = getattr(self, "signing_in", None) or self.request.user
        if user.is_staff:
            return resolve_url("backoffice:queue")
        return super().get_default_redirect_url()

    def form_valid(self, form: LoginForm) -> HttpResponse:
        user = form.get_user()
        self.signing_in = user
        if two_step_for(user=user) is None:
            return super().form_valid(form)
        try:
            challenge = _challenge_send(user, SecurityChallengePurpose.SIGN_IN)
        except CustomerError as refused:
            form.add_error(None, refused.message)
            return self.form_invalid(form)
        self.request.session[PENDING_SIGN_IN_KEY] = {
            "user": user.pk,
            "backend": user.backend,
            "challenge": challenge,
            "next": self.get_success_url(),
        }
        return redirect("selfcare:login_second_step")


class LogoutView(auth_views.LogoutView):
    pass


def _challenge_send(user: User, purpose: SecurityChallengePurpose) -> int:
    """Open a second-step challenge; its SMS leaves after the challenge is saved."""
    challenge, code = second_step_start(user=user, purpose=purpose, now=timezone.now())
    if code:
        security_sms_send(challenge=challenge, code=code)
    return challenge.pk


def masked_phone(phone: str) -> str:
    """ "•• •• •• 56 78": enough for the customer to recognise their line, not to learn it."""
    return "•• •• •• " + phone[-4:-2] + " " + phone[-2:]


def _second_step_context(user: User) -> dict[str, Any]:
    two_step = two_step_for(user=user)
    method = two_step.method if two_step else ""
    return {
        "method": method,
        "is_sms": method == TwoStepMethod.SMS,
        "phone": masked_phone(two_step.phone) if two_step and two_step.phone else "",
    }


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def login_second_step(request: HttpRequest) -> HttpResponseBase:
    """After the right password: the code from the SMS or the app, or a recovery code."""
    pending = request.session.get(PENDING_SIGN_IN_KEY)
    user = User.objects.filter(pk=pending["user"], is_active=True).first() if pending else None
    if pending is None or user is None:
        return redirect("selfcare:login")
    form = SecondStepForm(request.POST or None)
    if request.method == "POST" and request.POST.get("action") == "resend":
        try:
            pending["challenge"] = _challenge_send(user, SecurityChallengePurpose.SIGN_IN)
        except CustomerError as refused:
            form = SecondStepForm()
            form.add_error(None, refused.message)
        else:
            request.session[PENDING_SIGN_IN_KEY] = pending
            messages.success(request, _("A new code is on its way."))
            return redirect("selfcare:login_second_step")
    elif request.method == "POST" and form.is_valid():
        try:
            second_step_verify(
                user=user,
                challenge_id=pending["challenge"],
                purpose=SecurityChallengePurpose.SIGN_IN,
                code=form.cleaned_data["code"],
                now=timezone.now(),
            )
        except CustomerError as refused:
            form.add_error("code", refused.message)
        else:
            del request.session[PENDING_SIGN_IN_KEY]
            login(request, user, backend=pending["backend"])
            return redirect(pending["next"] or "selfcare:home")
    return render(
        request,
        "selfcare/auth/second_step.html",
        {"form": form, **_second_step_context(user)},
        status=400 if form.errors else 200,
    )


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _reauth_challenge(request: HttpRequest, user: User, *, renew: bool) -> int | None:
    """The open challenge of this confirmation page, opening (and sending) one if needed."""
    now = timezone.now()
    kept = request.session.get(REAUTH_CHALLENGE_KEY)
    purpose = SecurityChallengePurpose.REAUTHENTICATION
    if not renew and security_challenge_open(
        user=user, challenge_id=kept, purpose=purpose, now=now
    ):
        return int(kept)
    challenge_id = _challenge_send(user, purpose)
    request.session[REAUTH_CHALLENGE_KEY] = challenge_id
    return challenge_id


@login_required
@never_cache
@sensitive_post_parameters("password", "code")
def reauthenticate(request: HttpRequest) -> HttpResponse:
    """The password again (and the second-step code when it is on), before a sensitive act;
    then back to where the customer was."""
    user = request.user
    assert isinstance(user, User)
    with_code = two_step_for(user=user) is not None
    form = ReauthenticationForm(user, request.POST or None, with_code=with_code)
    if with_code:
        try:
            renew = request.method == "POST" and request.POST.get("action") == "resend"
            _reauth_challenge(request, user, renew=renew)
            if renew:
                messages.success(request, _("A new code is on its way."))
                form = ReauthenticationForm(user, with_code=True)
        except CustomerError as refused:
            form.add_error(None, refused.message)
    if request.method == "POST" and request.POST.get("action") != "resend" and form.is_valid():
        if with_code:
            try:
                second_step_verify(
                    user=user,
                    challenge_id=request.session.get(REAUTH_CHALLENGE_KEY, 0),
                    purpose=SecurityChallengePurpose.REAUTHENTICATION,
                    code=form.cleaned_data["code"],
                    now=timezone.now(),
                )
            except CustomerError as refused:
                form.add_error("code", refused.message)
        if not form.errors:
            request.session.pop(REAUTH_CHALLENGE_KEY, None)
            authentication_stamp(request, now=timezone.now())
            return redirect(_safe_next(request) or "selfcare:home")
    context = {"form": form, "next": _safe_next(request)}
    if with_code:
        context.update(_second_step_context(user))
    return render(
        request,
        "selfcare/auth/reauthenticate.html",
        context,
        status=400 if form.errors else 200,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    """ "Mot de passe oublié": the same answer whether the account exists or not."""
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():

        def link_for(uidb64: str, token: str) -> str:
            path = reverse("selfcare:password_reset_confirm", args=[uidb64, token])
            return request.build_absolute_uri(path)

        password_reset_request(
            login=form.cleaned_data["login"],
            ip_address=client_ip(request),
            link_for=link_for,
            now=timezone.now(),
        )
        return redirect("selfcare:password_reset_sent")
    return render(
        request,
        "selfcare/auth/password_reset.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


def password_reset_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "selfcare/auth/password_reset_sent.html")


@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def password_reset_confirm(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    user = password_reset_user(uidb64=uidb64, token=token)
    if user is None:
        return render(request, "selfcare/auth/password_reset_invalid.html", status=404)
    form = NewPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            password_reset_complete(
                user=user, new_password=form.cleaned_data["new_password1"], now=timezone.now()
            )
        except CustomerError as refused:
            field = "new_password1" if refused.code == CustomerErrorCode.PASSWORD_INVALID else None
            form.add_error(field, refused.message)
        else:
            return redirect("selfcare:password_reset_complete")
    return render(
        request,
        "selfcare/auth/password_reset_confirm.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


def password_reset_done(request: HttpRequest) -> HttpResponse:
    return render(request, "selfcare/auth/password_reset_complete.html")
