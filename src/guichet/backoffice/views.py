"""The advisor console (`/conseiller/`): queues, a page per request, ticket and thread, and the
acts an advisor performs. Staff only: an anonymous visitor goes to the login page, a customer
gets a 404 (the console's pages do not exist for them). Pages parse input, call one service and
render; refusals come back as the service's message."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages as flash
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guichet.backoffice.forms import (
    MoveCompleteForm,
    NewHolderForm,
    QueueFilterForm,
    RefundTransferForm,
    RejectForm,
    ReplyForm,
    ResolutionForm,
    TicketAdvanceForm,
    TicketNoteForm,
)
from guichet.backoffice.handling import Handling, actions_for, handling_of
from guichet.billing.errors import BillingError
from guichet.billing.models import PaymentMethod
from guichet.care.actors import Actor
from guichet.care.errors import CareError
from guichet.care.models import Request, RequestStatus, TicketStatus
from guichet.care.rules import TICKET_TRANSITIONS
from guichet.care.selectors import (
    activities_for_subject,
    advisor_queue,
    advisor_thread_for_customer,
    request_get,
    request_queue,
    ticket_get,
    ticket_queue,
)
from guichet.care.services import (
    advisor_message_post,
    request_advance,
    ticket_add_note,
    ticket_advance,
)
from guichet.customers.errors import CustomerError
from guichet.customers.models import Civility, Customer
from guichet.customers.selectors import customer_get, identity_proofs_for_request
from guichet.customers.services import customer_apply_name_change
from guichet.lines.emergencies import unlock_code_collect
from guichet.lines.errors import LineError
from guichet.lines.offer_services import (
    NewHolderIn,
    OfferError,
    box_move_complete,
    equipment_return_close,
    line_transfer_complete,
)
from guichet.payments.errors import PaymentError
from guichet.payments.models import CardRefund, CardRefundStatus, PaymentAttempt
from guichet.payments.psp import card_gateway
from guichet.payments.selectors.card import (
    card_refund_get,
    card_refunds_to_settle,
    payment_attempt_get,
    payment_attempts_not_credited,
)
from guichet.payments.services.card import (
    payment_attempt_credit_again,
    payment_attempt_refund_uncredited,
)
from guichet.payments.services.refunds import (
    card_refund_retry,
    card_refund_send,
    card_refund_transfer_record,
)

# Every refusal a console act can meet carries a French `message` naming what was wrong.
REFUSALS = (BillingError, CareError, CustomerError, LineError, OfferError, PaymentError)


def advisor_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _advisor(request: HttpRequest) -> Actor:
    return Actor.advisor(request.user)  # type: ignore[arg-type]


# Queues ----------------------------------------------------------------------------------------


@require_GET
@advisor_view
def queue(request: HttpRequest) -> HttpResponse:
    return _render_queue(request)


def _render_queue(
    request: HttpRequest, *, status: int = 200, refused_transfer: RefundTransferForm | None = None
) -> HttpResponse:
    filters = QueueFilterForm(request.GET or None)
    kind = request_status = ""
    if filters.is_valid():
        kind, request_status = filters.cleaned_data["kind"], filters.cleaned_data["status"]
    refunds = [
        (
            refund,
            refused_transfer
            if refused_transfer is not None and refused_transfer.prefix == _prefix(refund)
            else RefundTransferForm(prefix=_prefix(refund)),
        )
        for refund in card_refunds_to_settle()
    ]
    return render(
        request,
        "backoffice/queue.html",
        {
            "filters": filters,
            "requests": request_queue(kind=kind, status=request_status),
            "tickets": ticket_queue(),
            "waiting_messages": advisor_queue(),
            "refunds": refunds,
            "uncredited": payment_attempts_not_credited(),
            "today": timezone.localdate(),
        },
        status=status,
    )


# Requests --------------------------------------------------------------------------------------


def _request_or_404(request_id: int) -> Request:
    demarche = request_get(request_id=request_id)
    if demarche is None:
        raise Http404
    return demarche


def _new_holder_initial(demarche: Request) -> dict[str, Any]:
    first, _, last = demarche.payload.get("transferee_name", "").partition(" ")
    return {"first_name": first, "last_name": last, "debit_day": 5}


def _render_request(
    request: HttpRequest, demarche: Request, *, status: int = 200, **forms: Any
) -> HttpResponse:
    actions = actions_for(kind=demarche.kind, status=demarche.status)
    context = {
        "demarche": demarche,
        "handling": handling_of(demarche.kind),
        "actions": actions,
        "activities": activities_for_subject(subject=demarche),
        "proofs": identity_proofs_for_request(request_id=demarche.pk)
        if handling_of(demarche.kind) == Handling.NAME_CHANGE
        else [],
        "today": timezone.localdate(),
        "resolution_form": ResolutionForm(),
        "reject_form": RejectForm(),
        "holder_form": NewHolderForm(initial=_new_holder_initial(demarche)),
        "move_form": MoveCompleteForm(),
        **forms,
    }
    return render(request, "backoffice/request_detail.html", context, status=status)


@require_GET
@advisor_view
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    return _render_request(request, _request_or_404(request_id))


def _take(request: HttpRequest, demarche: Request) -> HttpResponse | None:
    request_advance(
        request=demarche,
        to_status=RequestStatus.IN_PROGRESS,
        actor=_advisor(request),
        now=timezone.now(),
    )
    return None


def _closing(
    to_status: RequestStatus,
    form_class: type[ResolutionForm | RejectForm],
    field: str,
    form_name: str,
) -> Callable[[HttpRequest, Request], HttpResponse | None]:
    """The action that closes a request with what the advisor writes to the customer (how it
    was handled, or why it is refused: both required)."""

    def close(request: HttpRequest, demarche: Request) -> HttpResponse | None:
        form = form_class(request.POST)
        if not form.is_valid():
            return _render_request(request, demarche, status=400, **{form_name: form})
        request_advance(
            request=demarche,
            to_status=to_status,
            actor=_advisor(request),
            now=timezone.now(),
            resolution=form.cleaned_data[field],
        )
        return None

    return close


def _transfer_complete(request: HttpRequest, demarche: Request) -> HttpResponse | None:
    form = NewHolderForm(request.POST)
    if not form.is_valid():
        return _render_request(request, demarche, status=400, holder_form=form)
    data = form.cleaned_data

    def link_for(uidb64: str, token: str) -> str:
        path = reverse("selfcare:password_reset_confirm", args=[uidb64, token])
        return request.build_absolute_uri(path)

    line_transfer_complete(
        request=demarche,
        holder_in=NewHolderIn(
            civility=Civility(data["civility"]),
            first_name=data["first_name"],
            last_name=data["last_name"],
            contact_phone=data["contact_phone"],
            street=data["street"],
            postcode=data["postcode"],
            city=data["city"],
            payment_method=PaymentMethod(data["payment_method"]),
            debit_day=data["debit_day"],
        ),
        link_for=link_for,
        actor=_advisor(request),
        now=timezone.now(),
    )
    return None


def _move_complete(request: HttpRequest, demarche: Request) -> HttpResponse | None:
    form = MoveCompleteForm(request.POST)
    if not form.is_valid():
        return _render_request(request, demarche, status=400, move_form=form)
    box_move_complete(
        request=demarche,
        access_reference=form.cleaned_data["access_reference"],
        actor=_advisor(request),
        now=timezone.now(),
    )
    return None


def _equipment_received(request: HttpRequest, demarche: Request) -> HttpResponse | None:
    equipment_return_close(
        request=demarche, returned=True, actor=_advisor(request), now=timezone.now()
    )
    return None


def _equipment_not_returned(request: HttpRequest, demarche: Request) -> HttpResponse | None:
    equipment_return_close(
        request=demarche, returned=False, actor=_advisor(request), now=timezone.now()
    )
    return None


def _name_change_apply(request: HttpRequest, demarche: Request) -> HttpResponse | None:
    customer_apply_name_change(request=demarche, actor=_advisor(request), now=timezone.now())
    return None


def _unlock_collect(request: HttpRequest, demarche: Request) -> HttpResponse | None:
    # A partner call: outside any transaction (unlock_code_collect opens its own).
    if unlock_code_collect(request=demarche, now=timezone.now()).status == demarche.status:
        flash.info(request, _("The maker has not given the code yet: ask again later."))
    return None


# An action returns a page to show (a form with errors), or None when done.
ACTIONS: dict[str, Callable[[HttpRequest, Request], HttpResponse | None]] = {
    "take": _take,
    "complete": _closing(
        RequestStatus.COMPLETED, ResolutionForm, "resolution", form_name="resolution_form"
    ),
    "reject": _closing(RequestStatus.REJECTED, RejectForm, "reason", form_name="reject_form"),
    "transfer_complete": _transfer_complete,
    "move_complete": _move_complete,
    "equipment_received": _equipment_received,
    "equipment_not_returned": _equipment_not_returned,
    "name_change_apply": _name_change_apply,
    "unlock_collect": _unlock_collect,
}


@require_POST
@advisor_view
def request_act(request: HttpRequest, request_id: int, action: str) -> HttpResponse:
    demarche = _request_or_404(request_id)
    if action not in ACTIONS:
        raise Http404
    if action not in actions_for(kind=demarche.kind, status=demarche.status):
        flash.error(request, _("This action is not available for this request any more."))
        return redirect("backoffice:request_detail", request_id=demarche.pk)
    try:
        page = ACTIONS[action](request, demarche)
    except REFUSALS as refused:
        flash.error(request, refused.message)
        return redirect("backoffice:request_detail", request_id=demarche.pk)
    if page is not None:
        return page
    flash.success(request, _("Done: the customer is told."))
    return redirect("backoffice:request_detail", request_id=demarche.pk)


@require_GET
@advisor_view
def request_proof(request: HttpRequest, request_id: int, proof_id: int) -> FileResponse:
    """A document the customer sent with the request; never served by a public URL."""
    demarche = _request_or_404(request_id)
    proof = next(
        (p for p in identity_proofs_for_request(request_id=demarche.pk) if p.pk == proof_id),
        None,
    )
    if proof is None:
        raise Http404
    return FileResponse(
        proof.file.open("rb"),
        content_type=proof.content_type,
        filename=proof.file.name.rsplit("/", 1)[-1],
    )


# Trouble tickets -------------------------------------------------------------------------------


def _render_ticket(
    request: HttpRequest, ticket_id: int, *, status: int = 200, **forms: Any
) -> HttpResponse:
    ticket = ticket_get(ticket_id=ticket_id)
    if ticket is None:
        raise Http404
    next_statuses = TICKET_TRANSITIONS[TicketStatus(ticket.status)]
    advance_form = forms.pop("advance_form", None) or TicketAdvanceForm()
    advance_form.fields["to_status"].choices = [
        (value, label) for value, label in TicketStatus.choices if value in next_statuses
    ]
    return render(
        request,
        "backoffice/ticket_detail.html",
        {
            "ticket": ticket,
            "activities": activities_for_subject(subject=ticket),
            "note_form": forms.pop("note_form", None) or TicketNoteForm(),
            "advance_form": advance_form,
            "can_advance": bool(next_statuses),
        },
        status=status,
    )


@require_GET
@advisor_view
def ticket_detail(request: HttpRequest, ticket_id: int) -> HttpResponse:
    return _render_ticket(request, ticket_id)


@require_POST
@advisor_view
def ticket_note(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = ticket_get(ticket_id=ticket_id)
    if ticket is None:
        raise Http404
    form = TicketNoteForm(request.POST)
    if not form.is_valid():
        return _render_ticket(request, ticket_id, status=400, note_form=form)
    try:
        ticket_add_note(
            ticket=ticket,
            text=form.cleaned_data["text"],
            actor=_advisor(request),
            now=timezone.now(),
        )
    except CareError as refused:
        flash.error(request, refused.message)
    else:
        flash.success(request, _("Note added."))
    return redirect("backoffice:ticket_detail", ticket_id=ticket_id)


@require_POST
@advisor_view
def ticket_move(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = ticket_get(ticket_id=ticket_id)
    if ticket is None:
        raise Http404
    form = TicketAdvanceForm(request.POST)
    form.fields["to_status"].choices = TicketStatus.choices
    if not form.is_valid():
        return _render_ticket(request, ticket_id, status=400, advance_form=form)
    try:
        ticket_advance(
            ticket=ticket,
            to_status=TicketStatus(form.cleaned_data["to_status"]),
            note=form.cleaned_data["note"],
            actor=_advisor(request),
            now=timezone.now(),
        )
    except CareError as refused:
        flash.error(request, refused.message)
    else:
        flash.success(request, _("Ticket updated."))
    return redirect("backoffice:ticket_detail", ticket_id=ticket_id)


# Card payments taken and not credited ---------------------------------------------------------


def _attempt_or_404(attempt_id: int) -> PaymentAttempt:
    attempt = payment_attempt_get(attempt_id=attempt_id)
    if attempt is None:
        raise Http404
    return attempt


@require_POST
@advisor_view
def payment_credit(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """Credit again what a card payment paid, once what stood in the way is gone."""
    try:
        attempt = payment_attempt_credit_again(
            attempt=_attempt_or_404(attempt_id), actor=_advisor(request), now=timezone.now()
        )
    except PaymentError as refused:
        flash.error(request, refused.message)
        return redirect("backoffice:queue")
    if attempt.credited_at is None:
        flash.error(request, _("Still not credited: %(reason)s") % {"reason": attempt.credit_error})
    else:
        flash.success(request, _("The payment is credited."))
    return redirect("backoffice:queue")


@require_POST
@advisor_view
def payment_refund(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """Refund to the card what a card payment paid and nothing could take."""
    now = timezone.now()
    try:
        gateway = card_gateway()
        refund = payment_attempt_refund_uncredited(
            attempt=_attempt_or_404(attempt_id), actor=_advisor(request), now=now
        )
    except PaymentError as refused:
        flash.error(request, refused.message)
        return redirect("backoffice:queue")
    _flash_refund(request, card_refund_send(refund=refund, now=now, gateway=gateway))
    return redirect("backoffice:queue")


def _flash_refund(request: HttpRequest, sent: CardRefund) -> None:
    if sent.status == CardRefundStatus.SUCCEEDED:
        flash.success(request, _("The card is refunded."))
    elif sent.status == CardRefundStatus.FAILED:
        flash.error(
            request,
            _("The PSP refused the refund (%(code)s): refund it by bank transfer.")
            % {"code": sent.failure_code},
        )
    else:
        flash.success(
            request, _("Refund asked of the PSP: its answer comes with the reconciliation.")
        )


# Card refunds the PSP refused -------------------------------------------------------------------


def _prefix(refund: CardRefund) -> str:
    return f"refund{refund.pk}"


def _refund_or_404(refund_id: int) -> CardRefund:
    refund = card_refund_get(refund_id=refund_id)
    if refund is None:
        raise Http404
    return refund


@require_POST
@advisor_view
def refund_retry(request: HttpRequest, refund_id: int) -> HttpResponse:
    """Ask the PSP again, with a new refund of the same payment, sent once it is written."""
    refund = _refund_or_404(refund_id)
    now = timezone.now()
    try:
        gateway = card_gateway()
        retried = card_refund_retry(refund=refund, actor=_advisor(request), now=now)
    except PaymentError as refused:
        flash.error(request, refused.message)
        return redirect("backoffice:queue")
    _flash_refund(request, card_refund_send(refund=retried, now=now, gateway=gateway))
    return redirect("backoffice:queue")


@require_POST
@advisor_view
def refund_transfer(request: HttpRequest, refund_id: int) -> HttpResponse:
    """Record the bank transfer the advisor made instead of the refused refund to the card."""
    refund = _refund_or_404(refund_id)
    form = RefundTransferForm(request.POST, prefix=_prefix(refund))
    if not form.is_valid():
        return _render_queue(request, status=400, refused_transfer=form)
    try:
        card_refund_transfer_record(
            refund=refund,
            reference=form.cleaned_data["reference"],
            actor=_advisor(request),
            now=timezone.now(),
        )
    except PaymentError as refused:
        flash.error(request, refused.message)
    else:
        flash.success(request, _("Bank transfer recorded: the customer is told."))
    return redirect("backoffice:queue")


# Message threads -------------------------------------------------------------------------------


def _customer_or_404(customer_id: int) -> Customer:
    customer = customer_get(customer_id=customer_id)
    if customer is None:
        raise Http404
    return customer


@require_http_methods(["GET", "POST"])
@advisor_view
def thread(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = _customer_or_404(customer_id)
    form = ReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            advisor_message_post(
                customer=customer,
                text=form.cleaned_data["text"],
                actor=_advisor(request),
                now=timezone.now(),
            )
        except CareError as refused:
            form.add_error("text", refused.message)
        else:
            flash.success(request, _("Answer sent: the customer is told."))
            return redirect("backoffice:thread", customer_id=customer.pk)
    return render(
        request,
        "backoffice/thread.html",
        {
            "customer": customer,
            "thread": advisor_thread_for_customer(customer=customer),
            "form": form,
        },
        status=400 if form.errors else 200,
    )
