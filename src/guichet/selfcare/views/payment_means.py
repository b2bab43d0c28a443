"""Factures and Compte: billing preferences, the payment method, the SEPA mandates and the
instalment plans (issue 6, "Moyens de paiement" and "Paiement")."""

from datetime import date, timedelta

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from guichet.billing.cycle_rules import BillingPeriod
from guichet.billing.errors import BillingError
from guichet.billing.models import BillingAccount, BillingAccountStatus, PaymentMethod
from guichet.billing.preference_rules import first_debit_on, next_invoice_issued_on
from guichet.billing.rules import add_months
from guichet.billing.selectors import billing_accounts_for_customer, billing_cycle_state
from guichet.billing.services import (
    billing_account_set_billing_cycle,
    billing_account_set_invoice_delivery,
    billing_cycle_change_preview,
)
from guichet.care.actors import Actor
from guichet.catalog.selectors import catalog_current
from guichet.customers.models import Customer
from guichet.customers.rules import paris_date
from guichet.payments.documents import mandate_pdf
from guichet.payments.errors import PaymentError
from guichet.payments.models import CardPaymentPurpose, Mandate, MandateStatus
from guichet.payments.selectors.direct_debit import mandates_for_customer
from guichet.payments.selectors.instalments import (
    instalment_plan_get_for_customer,
    instalment_plan_summaries,
    instalment_plans_for_customer,
)
from guichet.payments.services.direct_debit import (
    DEBIT_DAY_CHANGE_FEE,
    debit_day_change,
    mandate_revoke,
    mandate_sign,
)
from guichet.selfcare.forms.invoices import (
    BillingCycleForm,
    DebitDayForm,
    InvoiceDeliveryForm,
    MandateForm,
)
from guichet.selfcare.reauth import sensitive
from guichet.selfcare.views.common import customer_view
from guichet.selfcare.views.payments import card_payment_begin


def _active_accounts(customer: Customer) -> list[BillingAccount]:
    return [
        account
        for account in billing_accounts_for_customer(customer=customer)
        if account.status == BillingAccountStatus.ACTIVE
    ]


def _posted_account(request: HttpRequest, accounts: list[BillingAccount]) -> BillingAccount:
    number = request.POST.get("account", "")
    for account in accounts:
        if account.number == number:
            return account
    raise Http404  # another customer's account, or none: nothing to tell them apart


# Préférences -------------------------------------------------------------------------------


def _period_starts(account: BillingAccount, today: date) -> tuple[date, date]:
    """The first days of the account's previous and current periods (its billing cycle)."""
    cycle = billing_cycle_state(billing_account=account, today=today)
    return cycle.previous.start, cycle.current.start


def _preferences_card(account: BillingAccount, today, data=None, action: str = "") -> dict:
    cycle = billing_cycle_state(billing_account=account, today=today)
    period_starts = (cycle.previous.start, cycle.current.start)
    return {
        "account": account,
        "debit_form": DebitDayForm(
            data if action == "debit_day" else None,
            initial={"debit_day": account.debit_day},
            prefix=account.number,
        ),
        "cycle_form": BillingCycleForm(
            data if action in CYCLE_ACTIONS else None,
            initial={"billing_cycle_day": account.billing_cycle_day},
            prefix=account.number,
        ),
        "delivery_form": InvoiceDeliveryForm(
            data if action == "invoice_delivery" else None,
            initial={"invoice_delivery": account.invoice_delivery},
            prefix=account.number,
        ),
        "cycle": cycle,
        "next_invoice_on": next_invoice_issued_on(today, period_starts=period_starts),
        "direct_debit": account.payment_method == PaymentMethod.DIRECT_DEBIT,
        "first_debit_on": first_debit_on(
            today=today, debit_day=account.debit_day, period_starts=period_starts
        ),
    }


# "billing_cycle_preview" shows what the chosen day does; "billing_cycle" confirms it.
CYCLE_ACTIONS = ("billing_cycle_preview", "billing_cycle")
FORMS_OF_ACTIONS = {
    "debit_day": "debit_form",
    "invoice_delivery": "delivery_form",
    **dict.fromkeys(CYCLE_ACTIONS, "cycle_form"),
}


@customer_view
def billing_preferences(request: HttpRequest, customer: Customer) -> HttpResponse:
    """Debit day (free here, 5 € by phone: brochure), the billing cycle of fixed lines' accounts
    (the day chosen is shown with the transition period it makes before it is confirmed) and
    paper or electronic invoices."""
    today = paris_date(timezone.now())
    accounts = _active_accounts(customer)
    posted = None
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if request.method == "POST":
        posted = _posted_account(request, accounts)
        if action not in FORMS_OF_ACTIONS:
            raise Http404
    cards = [
        _preferences_card(account, today, request.POST if account == posted else None, action)
        for account in accounts
    ]
    failed = False
    if posted is not None:
        card = next(card for card in cards if card["account"] == posted)
        form = card[FORMS_OF_ACTIONS[action]]
        if form.is_valid():
            try:
                if action == "billing_cycle_preview":
                    card["cycle_preview"] = _cycle_preview(posted, form.cleaned_data, today)
                else:
                    _apply_preference(action, posted, form.cleaned_data, request)
            except (BillingError, PaymentError) as error:
                form.add_error(None, error.message)
            else:
                if action != "billing_cycle_preview":
                    return redirect("selfcare:billing_preferences")
        failed = bool(form.errors)
    phone_fee = catalog_current().fee(DEBIT_DAY_CHANGE_FEE)
    return render(
        request,
        "selfcare/invoices/billing_preferences.html",
        {"cards": cards, "phone_fee_cents": phone_fee.price_cents},
        status=400 if failed else 200,
    )


def _cycle_preview(account: BillingAccount, data: dict, today) -> dict:
    change = billing_cycle_change_preview(
        billing_account=account, billing_cycle_day=data["billing_cycle_day"], today=today
    )
    transition = BillingPeriod(start=change.transition_start, stop=change.new_cycle_from)
    first = BillingPeriod(start=change.new_cycle_from, stop=add_months(change.new_cycle_from, 1))
    return {"change": change, "transition": transition, "first": first}


def _apply_preference(action: str, account: BillingAccount, data: dict, request) -> None:
    actor, now = Actor.customer(request.user), timezone.now()
    if action == "debit_day":
        account = debit_day_change(
            billing_account=account, debit_day=data["debit_day"], actor=actor, now=now
        )
        cycle = billing_cycle_state(billing_account=account, today=paris_date(now))
        first = first_debit_on(
            today=paris_date(now),
            debit_day=account.debit_day,
            period_starts=(cycle.previous.start, cycle.current.start),
        )
        messages.success(
            request,
            _("Your debit day is now the %(day)s of the month, from the debit of %(date)s.")
            % {"day": account.debit_day, "date": first.strftime("%d/%m/%Y")},
        )
    elif action == "billing_cycle":
        change = billing_account_set_billing_cycle(
            billing_account=account,
            billing_cycle_day=data["billing_cycle_day"],
            actor=actor,
            now=now,
        )
        messages.success(
            request,
            _(
                "Your invoices will start on the %(day)s of the month from %(date)s, after a"
                " transition invoice from %(start)s to %(end)s."
            )
            % {
                "day": change.new_day,
                "date": change.new_cycle_from.strftime("%d/%m/%Y"),
                "start": change.transition_start.strftime("%d/%m/%Y"),
                "end": (change.new_cycle_from - timedelta(days=1)).strftime("%d/%m/%Y"),
            },
        )
    else:
        billing_account_set_invoice_delivery(
            billing_account=account,
            invoice_delivery=data["invoice_delivery"],
            actor=actor,
            now=now,
        )
        messages.success(request, _("Your invoice delivery preference is saved."))


# Mode de paiement --------------------------------------------------------------------------


def _sign_from_form(
    request: HttpRequest, form: MandateForm, account: BillingAccount
) -> Mandate | None:
    """Sign the mandate the form holds; the service's refusal lands on the field it names."""
    now = timezone.now()
    try:
        return mandate_sign(
            billing_account=account,
            debtor_name=form.cleaned_data["debtor_name"],
            iban=form.cleaned_data["iban"],
            signed_on=paris_date(now),
            actor=Actor.customer(request.user),
            now=now,
        )
    except PaymentError as error:
        field = error.extra.get("field")
        form.add_error(field if field in form.fields else None, error.message)
        return None


@never_cache
@customer_view
def payment_method(request: HttpRequest, customer: Customer) -> HttpResponse:
    """Card → direct debit by signing a SEPA mandate; direct debit → card by revoking it (CGS
    7.1: the customer chooses among the payment means)."""
    accounts = _active_accounts(customer)
    posted = _posted_account(request, accounts) if request.method == "POST" else None
    action = request.POST.get("action", "") if posted is not None else ""
    forms = {
        account.number: MandateForm(
            request.POST if account == posted and action == "sign" else None,
            initial={"debtor_name": f"{customer.first_name} {customer.last_name}"},
            prefix=account.number,
        )
        for account in accounts
    }
    if posted is not None and action == "sign":
        form = forms[posted.number]
        if form.is_valid() and _sign_from_form(request, form, posted) is not None:
            messages.success(
                request,
                _("Your mandate is signed: your next invoices will be paid by direct debit."),
            )
            return redirect("selfcare:payment_method")
    elif posted is not None and action == "card":
        mandate = next(
            (
                m
                for m in mandates_for_customer(customer=customer)
                if m.billing_account_id == posted.pk and m.status == MandateStatus.ACTIVE
            ),
            None,
        )
        if mandate is None:
            raise Http404
        mandate_revoke(mandate=mandate, actor=Actor.customer(request.user), now=timezone.now())
        messages.success(
            request, _("Your mandate is revoked: you will pay your next invoices by card.")
        )
        return redirect("selfcare:payment_method")
    elif posted is not None:
        raise Http404
    today = paris_date(timezone.now())
    return render(
        request,
        "selfcare/invoices/payment_method.html",
        {
            "accounts": [
                (
                    account,
                    forms[account.number],
                    next_invoice_issued_on(today, period_starts=_period_starts(account, today)),
                )
                for account in accounts
            ],
        },
        status=400 if any(form.errors for form in forms.values()) else 200,
    )


# Mandats SEPA (Compte) ---------------------------------------------------------------------


@never_cache
@customer_view
@sensitive
def sepa_mandates(request: HttpRequest, customer: Customer) -> HttpResponse:
    """The mandates (active and revoked) and a new one with new bank details: signing it
    revokes the account's previous mandate ("Changer coordonnées bancaires")."""
    accounts = _active_accounts(customer)
    posted = _posted_account(request, accounts) if request.method == "POST" else None
    forms = {
        account.number: MandateForm(
            request.POST if account == posted else None,
            initial={"debtor_name": f"{customer.first_name} {customer.last_name}"},
            prefix=account.number,
        )
        for account in accounts
    }
    if posted is not None:
        form = forms[posted.number]
        if form.is_valid() and _sign_from_form(request, form, posted) is not None:
            messages.success(
                request,
                _("Your new mandate is signed: the next debits will be made on the new account."),
            )
            return redirect("selfcare:sepa_mandates")
    mandates = mandates_for_customer(customer=customer)
    return render(
        request,
        "selfcare/invoices/sepa_mandates.html",
        {
            "accounts": [
                (
                    account,
                    [m for m in mandates if m.billing_account_id == account.pk],
                    forms[account.number],
                )
                for account in accounts
            ],
        },
        status=400 if any(form.errors for form in forms.values()) else 200,
    )


@never_cache
@customer_view
@sensitive
def sepa_mandate_pdf(request: HttpRequest, customer: Customer, reference: str) -> HttpResponse:
    mandate = next(
        (m for m in mandates_for_customer(customer=customer) if m.reference == reference), None
    )
    if mandate is None:
        raise Http404
    pdf = mandate_pdf(mandate=mandate)
    return HttpResponse(
        pdf.content,
        content_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{pdf.filename}"'},
    )


# Facilité de paiement ----------------------------------------------------------------------


@customer_view
def instalment_plans(request: HttpRequest, customer: Customer) -> HttpResponse:
    return render(
        request,
        "selfcare/invoices/instalment_plans.html",
        {
            "plans": instalment_plan_summaries(
                plans=instalment_plans_for_customer(customer=customer)
            )
        },
    )


@require_POST
@customer_view
def instalment_plan_settle(request: HttpRequest, customer: Customer, plan_id: int) -> HttpResponse:
    """ "Solder" : the outstanding principal, by card (card purpose instalment_plan)."""
    plan = instalment_plan_get_for_customer(customer=customer, plan_id=plan_id)
    if plan is None:
        raise Http404
    (summary,) = instalment_plan_summaries(plans=[plan])
    try:
        attempt = card_payment_begin(
            request,
            customer=customer,
            purpose=CardPaymentPurpose.INSTALMENT_PLAN,
            amount_cents=summary.outstanding_cents,
            instalment_plan_id=plan.pk,
        )
    except PaymentError as error:
        messages.error(request, error.message)
        return redirect("selfcare:instalment_plans")
    return redirect("selfcare:card_payment", attempt_id=attempt.pk)
