"""A line's settings kept by the customer: who uses it, the numbers it blocks, and a box's
email addresses."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guichet.care.actors import Actor
from guichet.catalog.models import Market
from guichet.customers.models import Customer
from guichet.lines.call_barring import (
    BLOCKED_NUMBERS_MAX,
    blocked_number_add,
    blocked_number_remove,
    blocked_numbers_for_line,
)
from guichet.lines.errors import LineError
from guichet.lines.mailbox_rules import SECONDARY_MAX
from guichet.lines.mailboxes import (
    box_mailbox_add_secondary,
    box_mailbox_delete,
    box_mailbox_set_primary,
    box_mailboxes_for_line,
    mail_domain,
)
from guichet.lines.models import Line
from guichet.lines.selectors import line_get_for_customer
from guichet.lines.services import line_declare_user
from guichet.selfcare.forms.account import BlockedNumberForm, LineUserForm, MailboxForm
from guichet.selfcare.views.common import customer_view


def _line_or_404(customer: Customer, line_id: int, *, market: Market | None = None) -> Line:
    line = line_get_for_customer(customer=customer, line_id=line_id)
    if line is None or (market is not None and line.market != market):
        raise Http404
    return line


def _actor(request: HttpRequest) -> Actor:
    return Actor.customer(request.user)  # type: ignore[arg-type]


@customer_view
def line_user(request: HttpRequest, customer: Customer, line_id: int) -> HttpResponse:
    line = _line_or_404(customer, line_id, market=Market.MOBILE)
    form = LineUserForm(
        request.POST or None,
        initial={"user_name": line.user_name, "user_is_minor": line.user_is_minor},
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                line_declare_user(
                    line=line,
                    user_name=form.cleaned_data["user_name"],
                    user_is_minor=form.cleaned_data["user_is_minor"],
                    actor=_actor(request),
                    now=timezone.now(),
                )
            except LineError as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(request, _("The user of the line is saved."))
                return redirect("selfcare:line_user", line_id=line.pk)
        return render(
            request, "selfcare/account/line_user.html", {"line": line, "form": form}, status=400
        )
    return render(request, "selfcare/account/line_user.html", {"line": line, "form": form})


def _blocked_calls_page(
    request: HttpRequest, line: Line, form: BlockedNumberForm, *, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "selfcare/account/blocked_calls.html",
        {
            "line": line,
            "form": form,
            "blocked": blocked_numbers_for_line(line=line),
            "maximum": BLOCKED_NUMBERS_MAX,
        },
        status=status,
    )


@customer_view
def blocked_calls(request: HttpRequest, customer: Customer, line_id: int) -> HttpResponse:
    line = _line_or_404(customer, line_id)
    form = BlockedNumberForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                entry = blocked_number_add(
                    line=line,
                    number=form.cleaned_data["number"],
                    actor=_actor(request),
                    now=timezone.now(),
                )
            except LineError as refused:
                form.add_error("number", refused.message)
            else:
                messages.success(request, _("%(number)s is blocked.") % {"number": entry.number})
                return redirect("selfcare:blocked_calls", line_id=line.pk)
        return _blocked_calls_page(request, line, form, status=400)
    return _blocked_calls_page(request, line, form)


@require_POST
@customer_view
def blocked_call_remove(
    request: HttpRequest, customer: Customer, line_id: int, blocked_id: int
) -> HttpResponse:
    line = _line_or_404(customer, line_id)
    try:
        blocked_number_remove(
            line=line, blocked_id=blocked_id, actor=_actor(request), now=timezone.now()
        )
    except LineError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("The number is unblocked."))
    return redirect("selfcare:blocked_calls", line_id=line.pk)


def _mailboxes_page(
    request: HttpRequest,
    line: Line,
    *,
    primary_form: MailboxForm,
    secondary_form: MailboxForm,
    status: int = 200,
) -> HttpResponse:
    mailboxes = box_mailboxes_for_line(line=line)
    primary = next((m for m in mailboxes if m.is_primary), None)
    secondary = [m for m in mailboxes if not m.is_primary]
    return render(
        request,
        "selfcare/account/box_mailboxes.html",
        {
            "line": line,
            "domain": mail_domain(),
            "primary": primary,
            "secondary": secondary,
            "secondary_max": SECONDARY_MAX,
            "can_add": len(secondary) < SECONDARY_MAX,
            "primary_form": primary_form,
            "secondary_form": secondary_form,
        },
        status=status,
    )


@customer_view
def box_mailboxes(request: HttpRequest, customer: Customer, line_id: int) -> HttpResponse:
    line = _line_or_404(customer, line_id, market=Market.FIXED)
    which = request.POST.get("mailbox") if request.method == "POST" else None
    primary_form = MailboxForm(request.POST if which == "primary" else None, prefix="primary")
    secondary_form = MailboxForm(request.POST if which == "secondary" else None, prefix="secondary")
    if request.method == "POST":
        form = primary_form if which == "primary" else secondary_form
        act = box_mailbox_set_primary if which == "primary" else box_mailbox_add_secondary
        if which in ("primary", "secondary") and form.is_valid():
            try:
                mailbox = act(
                    line=line,
                    local_part=form.cleaned_data["local_part"],
                    actor=_actor(request),
                    now=timezone.now(),
                )
            except LineError as refused:
                form.add_error("local_part", refused.message)
            else:
                messages.success(
                    request,
                    _("The address %(address)s is ready.")
                    % {"address": f"{mailbox.local_part}@{mail_domain()}"},
                )
                return redirect("selfcare:box_mailboxes", line_id=line.pk)
        return _mailboxes_page(
            request, line, primary_form=primary_form, secondary_form=secondary_form, status=400
        )
    return _mailboxes_page(request, line, primary_form=primary_form, secondary_form=secondary_form)


@require_POST
@customer_view
def box_mailbox_remove(
    request: HttpRequest, customer: Customer, line_id: int, mailbox_id: int
) -> HttpResponse:
    line = _line_or_404(customer, line_id, market=Market.FIXED)
    try:
        box_mailbox_delete(
            line=line, mailbox_id=mailbox_id, actor=_actor(request), now=timezone.now()
        )
    except LineError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("The secondary address is deleted."))
    return redirect("selfcare:box_mailboxes", line_id=line.pk)
