"""Compte > Mes infos personnelles: password, login and contact email, contact phone, and the
two-step verification; and the link that confirms a new email address."""

from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from guichet.care.actors import Actor
from guichet.customers.errors import CustomerError, CustomerErrorCode
from guichet.customers.models import (
    Customer,
    EmailChangeKind,
    SecurityChallengePurpose,
    TwoStepMethod,
)
from guichet.customers.otp import base32_secret, grouped, otpauth_uri
from guichet.customers.selectors import (
    email_change_get_by_token,
    email_changes_pending,
    recovery_codes_left,
    security_challenge_open,
    two_step_for,
)
from guichet.customers.services import (
    customer_change_password,
    customer_update_contact,
    email_change_confirm,
    email_change_request,
    recovery_codes_renew,
    security_sms_send,
    two_step_disable,
    two_step_enable,
    two_step_enrolment_secret,
    two_step_sms_enrol_start,
    two_step_totp_enrol_start,
)
from guichet.lines.models import LineStatus, Market
from guichet.lines.selectors import lines_for_customer
from guichet.selfcare.forms.auth import (
    ContactPhoneForm,
    EmailForm,
    PasswordChangeForm,
    SecondStepForm,
    SmsLineForm,
)
from guichet.selfcare.reauth import reauthentication_url, recently_authenticated, sensitive
from guichet.selfcare.templatetags.selfcare import national_number
from guichet.selfcare.views.auth import masked_phone
from guichet.selfcare.views.common import customer_view

ENROL_CHALLENGE_KEY = "guichet_two_step_enrolment"
TOTP_ISSUER = "Guichet"
P = ParamSpec("P")


def sensitive_action(view: Callable[P, HttpResponseBase]) -> Callable[P, HttpResponseBase]:
    """`reauth.sensitive` for the buttons of the two-step page: they only take POST, so after
    confirming one's identity the customer comes back to the page, not to the button's URL."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        request = args[0]
        assert isinstance(request, HttpRequest)
        if not recently_authenticated(request, now=timezone.now()):
            return redirect(reauthentication_url(reverse("selfcare:two_step")))
        return view(*args, **kwargs)

    return wrapper


def _status(form: Any) -> int:
    return 400 if form is not None and form.errors else 200


@never_cache
@sensitive_post_parameters("current_password", "new_password1", "new_password2")
@customer_view
def password_change(request: HttpRequest, customer: Customer) -> HttpResponse:
    """Other sessions of the customer end (their password hash is stale); this one stays."""
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            customer_change_password(
                customer=customer,
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["new_password1"],
                actor=Actor.customer(customer.user),
                now=timezone.now(),
            )
        except CustomerError as refused:
            field = (
                "current_password"
                if refused.code == CustomerErrorCode.PASSWORD_WRONG
                else "new_password1"
            )
            form.add_error(field, refused.message)
        else:
            update_session_auth_hash(request, customer.user)
            messages.success(
                request,
                _("Your password is changed. Your other open sessions are signed out."),
            )
            return redirect("selfcare:password_change")
    return render(
        request, "selfcare/security/password_change.html", {"form": form}, status=_status(form)
    )


def _email_change(
    request: HttpRequest, customer: Customer, kind: EmailChangeKind, form: EmailForm
) -> bool:
    """Ask for the change; False with the refusal on the form."""
    if not form.is_valid():
        return False

    def link_for(token: str) -> str:
        return request.build_absolute_uri(reverse("selfcare:email_confirm", args=[token]))

    try:
        change = email_change_request(
            customer=customer,
            kind=kind,
            email=form.cleaned_data["email"],
            link_for=link_for,
            actor=Actor.customer(customer.user),
            now=timezone.now(),
        )
    except CustomerError as refused:
        form.add_error("email", refused.message)
        return False
    messages.success(
        request,
        _("We sent a link to %(email)s. Your address changes when you open it (within 24 hours).")
        % {"email": change.new_email},
    )
    return True


def _pending(customer: Customer, kind: EmailChangeKind) -> Any:
    return next(
        (c for c in email_changes_pending(customer=customer, now=timezone.now()) if c.kind == kind),
        None,
    )


@never_cache
@customer_view
@sensitive
def login_email(request: HttpRequest, customer: Customer) -> HttpResponse:
    form = EmailForm(request.POST or None)
    if request.method == "POST" and _email_change(request, customer, EmailChangeKind.LOGIN, form):
        return redirect("selfcare:login_email")
    context = {
        "form": form,
        "current": customer.user.email,
        "pending": _pending(customer, EmailChangeKind.LOGIN),
    }
    return render(request, "selfcare/security/login_email.html", context, status=_status(form))


@never_cache
@customer_view
def contact_details(request: HttpRequest, customer: Customer) -> HttpResponse:
    """Contact phone (changed at once) and contact email (changed once confirmed)."""
    action = request.POST.get("action") if request.method == "POST" else None
    phone_form = ContactPhoneForm(
        request.POST if action == "phone" else None,
        initial={"contact_phone": national_number(customer.contact_phone)},
    )
    email_form = EmailForm(request.POST if action == "email" else None)
    if action == "phone" and phone_form.is_valid():
        try:
            customer_update_contact(
                customer=customer,
                contact_email=customer.contact_email,
                contact_phone=phone_form.cleaned_data["contact_phone"],
                actor=Actor.customer(customer.user),
                now=timezone.now(),
            )
        except CustomerError as refused:
            phone_form.add_error("contact_phone", refused.message)
        else:
            messages.success(request, _("Your contact phone is changed."))
            return redirect("selfcare:contact_details")
    if action == "email" and _email_change(request, customer, EmailChangeKind.CONTACT, email_form):
        return redirect("selfcare:contact_details")
    context = {
        "customer": customer,
        "phone_form": phone_form,
        "email_form": email_form,
        "pending": _pending(customer, EmailChangeKind.CONTACT),
        "contact_is_login": customer.contact_email == customer.user.email,
    }
    status = 400 if phone_form.errors or email_form.errors else 200
    return render(request, "selfcare/security/contact_details.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def email_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link sent to a new address. GET only shows what will change: mail scanners that
    open links must not spend the single use; the button does (POST)."""
    now = timezone.now()
    if request.method == "POST":
        try:
            change = email_change_confirm(token=token, now=now)
        except CustomerError as refused:
            return render(
                request,
                "selfcare/security/email_confirm.html",
                {"refusal": refused.message},
                status=404 if refused.code == CustomerErrorCode.EMAIL_LINK_INVALID else 400,
            )
        return render(
            request, "selfcare/security/email_confirm.html", {"change": change, "done": True}
        )
    change = email_change_get_by_token(token=token, now=now)
    if change is None:
        return render(
            request,
            "selfcare/security/email_confirm.html",
            {
                "refusal": _(
                    "This confirmation link no longer works (already used, replaced by a newer"
                    " request, or expired). Ask again from your customer area."
                )
            },
            status=404,
        )
    return render(request, "selfcare/security/email_confirm.html", {"change": change})


def _mobile_lines(customer: Customer) -> list[tuple[int, str]]:
    return [
        (line.pk, national_number(line.msisdn))
        for line in lines_for_customer(customer=customer)
        if line.market == Market.MOBILE and line.status == LineStatus.ACTIVE
    ]


def _enrolment(request: HttpRequest, customer: Customer) -> Any:
    return security_challenge_open(
        user=customer.user,
        challenge_id=request.session.get(ENROL_CHALLENGE_KEY),
        purpose=SecurityChallengePurpose.ENROL,
        now=timezone.now(),
    )


def _two_step_page(
    request: HttpRequest, customer: Customer, status: int = 200, **context: Any
) -> HttpResponse:
    user = customer.user
    two_step = two_step_for(user=user)
    enrolment = None if two_step else _enrolment(request, customer)
    lines = _mobile_lines(customer)
    base: dict[str, Any] = {
        "two_step": two_step,
        "phone": masked_phone(two_step.phone) if two_step and two_step.phone else "",
        "codes_left": recovery_codes_left(user=user) if two_step else 0,
        "enrolment": enrolment,
        "line_form": SmsLineForm(lines, initial={"line_id": lines[0][0]} if lines else None),
        "has_mobile_lines": bool(lines),
        "code_form": SecondStepForm(),
    }
    if enrolment is not None:
        if enrolment.method == TwoStepMethod.TOTP:
            secret = two_step_enrolment_secret(challenge=enrolment)
            base["secret"] = grouped(base32_secret(secret))
            base["otpauth_uri"] = otpauth_uri(secret, account=user.email, issuer=TOTP_ISSUER)
        else:
            base["enrol_phone"] = masked_phone(enrolment.phone)
    base.update(context)
    return render(request, "selfcare/security/two_step.html", base, status=status)


@never_cache
@customer_view
@sensitive
def two_step(request: HttpRequest, customer: Customer) -> HttpResponse:
    return _two_step_page(request, customer)


@require_POST
@customer_view
@sensitive_action
def two_step_start(request: HttpRequest, customer: Customer) -> HttpResponseBase:
    """Begin with the SMS method (a code to the chosen line) or the app method (a secret)."""
    now = timezone.now()
    method = request.POST.get("method")
    try:
        if method == TwoStepMethod.SMS:
            form = SmsLineForm(_mobile_lines(customer), request.POST)
            if not form.is_valid():
                return _two_step_page(request, customer, status=400, line_form=form)
            challenge, code = two_step_sms_enrol_start(
                customer=customer, line_id=form.cleaned_data["line_id"], now=now
            )
            security_sms_send(challenge=challenge, code=code)
        else:
            challenge, _secret = two_step_totp_enrol_start(customer=customer, now=now)
    except CustomerError as refused:
        return _two_step_page(request, customer, status=400, refusal=refused.message)
    request.session[ENROL_CHALLENGE_KEY] = challenge.pk
    return redirect("selfcare:two_step")


@require_POST
@sensitive_post_parameters("code")
@customer_view
@sensitive_action
def two_step_confirm(request: HttpRequest, customer: Customer) -> HttpResponse:
    """The first code proves the phone or the app; the recovery codes are shown once."""
    form = SecondStepForm(request.POST)
    if form.is_valid():
        try:
            codes = two_step_enable(
                customer=customer,
                challenge_id=request.session.get(ENROL_CHALLENGE_KEY) or 0,
                code=form.cleaned_data["code"],
                actor=Actor.customer(customer.user),
                now=timezone.now(),
            )
        except CustomerError as refused:
            form.add_error("code", refused.message)
        else:
            request.session.pop(ENROL_CHALLENGE_KEY, None)
            return _two_step_page(request, customer, recovery_codes=codes, just_enabled=True)
    return _two_step_page(request, customer, status=400, code_form=form)


@require_POST
@customer_view
@sensitive_action
def two_step_cancel(request: HttpRequest, customer: Customer) -> HttpResponseBase:
    request.session.pop(ENROL_CHALLENGE_KEY, None)
    return redirect("selfcare:two_step")


@require_POST
@customer_view
@sensitive_action
def two_step_off(request: HttpRequest, customer: Customer) -> HttpResponseBase:
    try:
        two_step_disable(customer=customer, actor=Actor.customer(customer.user), now=timezone.now())
    except CustomerError as refused:
        return _two_step_page(request, customer, status=400, refusal=refused.message)
    messages.success(request, _("Two-step verification is off."))
    return redirect("selfcare:two_step")


@require_POST
@customer_view
@sensitive_action
def two_step_recovery_codes(request: HttpRequest, customer: Customer) -> HttpResponse:
    try:
        codes = recovery_codes_renew(
            customer=customer, actor=Actor.customer(customer.user), now=timezone.now()
        )
    except CustomerError as refused:
        return _two_step_page(request, customer, status=400, refusal=refused.message)
    return _two_step_page(request, customer, recovery_codes=codes)
