"""Offer management acts (issue 6): options and bonuses, plan and box offer changes,
termination with the fees of CGS 8.1 and its cancellation, withdrawal (CGS 9), line transfer
(CGS 12), number change, box move and the equipment return.

Each act is one transaction: validate, check the unpaid rules at the last step when the act is
listed, change, log, notify. Partner acts (transfer, move, termination at its date, equipment
return) are tracked care requests; the scheduled job `offer_due_run` completes what is due.
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q

from guichet.billing.models import PaymentMethod
from guichet.billing.rules import ArrearsAct
from guichet.billing.selectors import unpaid_check
from guichet.billing.services import (
    billing_account_open,
    one_off_charge_add,
    one_off_charge_add_amount,
)
from guichet.care.actors import Actor
from guichet.care.acts import Act
from guichet.care.models import (
    OPEN_REQUEST_STATUSES,
    OutboxChannel,
    Request,
    RequestKind,
    RequestStatus,
)
from guichet.care.notifications import french_date
from guichet.care.rules import withdrawal_deadline
from guichet.care.selectors import withdrawal_period_start
from guichet.care.services import (
    activity_record,
    activity_record_and_notify,
    outbox_enqueue,
    outbox_notify_customer,
    request_advance,
    request_open,
)
from guichet.catalog.models import Market, Product, ProductKind
from guichet.catalog.rendering import euros
from guichet.catalog.selectors import catalog_current
from guichet.customers.models import AddressKind, Civility, ContactTopic, Customer
from guichet.customers.rules import paris_date
from guichet.customers.selectors import address_get, customer_get_by_login_email
from guichet.customers.services import address_set, customer_invite
from guichet.lines import offer_rules
from guichet.lines.eligibility import eligibility_service
from guichet.lines.models import (
    MAIN_OFFER_KINDS,
    Equipment,
    Line,
    LineStatus,
    Ownership,
    Subscription,
    SubscriptionStatus,
    TerminationReason,
)
from guichet.lines.provisioning import network_provisioning
from guichet.lines.rules import normalize_msisdn
from guichet.lines.selectors import active_plan, contract_first_starts
from guichet.lines.services import (
    line_move_access,
    line_transfer_holder,
    subscription_add,
    subscription_end,
    subscription_start,
)

PARIS = ZoneInfo("Europe/Paris")
# What a customer moving out of the network's reach may do instead (CGS 8.1).
NOT_ELIGIBLE_HINT = (
    "Un déménagement dans une zone où le service est inaccessible est un motif légitime de"
    " résiliation sans frais (CGS 8.1)."
)


class OfferErrorCode(StrEnum):
    LINE_NOT_OPEN = "offer_line_not_open"
    WRONG_MARKET = "offer_wrong_market"
    NOT_AN_ADD_ON = "offer_not_an_add_on"
    SAME_OFFER = "offer_same_offer"
    OFFER_NOT_AVAILABLE = "offer_not_available"
    CHANGE_ALREADY_SCHEDULED = "offer_change_already_scheduled"
    LEGITIMATE_REASON_UNKNOWN = "offer_legitimate_reason_unknown"
    PROOF_REQUIRED = "offer_proof_required"
    NO_TERMINATION_PENDING = "offer_no_termination_pending"
    TERMINATION_PAST = "offer_termination_past"
    WITHDRAWAL_PERIOD_OVER = "offer_withdrawal_period_over"
    TRANSFEREE_INVALID = "offer_transferee_invalid"
    TRANSFER_CODE_INVALID = "offer_transfer_code_invalid"
    NUMBER_NOT_OFFERED = "offer_number_not_offered"
    ADDRESS_INVALID = "offer_address_invalid"
    MOVE_DATE_INVALID = "offer_move_date_invalid"
    NOT_ELIGIBLE = "offer_not_eligible"
    NO_EQUIPMENT_TO_RETURN = "offer_no_equipment_to_return"
    # -- back office --
    REQUEST_NOT_OPEN = "offer_request_not_open"
    TRANSFER_NOT_ACCEPTED = "offer_transfer_not_accepted"
    MOVE_NOT_DUE = "offer_move_not_due"
    RETURN_DEADLINE_NOT_PASSED = "offer_return_deadline_not_passed"


class OfferError(Exception):
    def __init__(
        self, *, code: OfferErrorCode, message: str, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra or {}


def _holder(line: Line) -> Customer:
    return line.billing_account.customer


def _notify(*, line: Line, subject: str, text: str, now: datetime) -> None:
    """The holder's notice of an act whose activity entry another service wrote."""
    outbox_notify_customer(
        customer=_holder(line),
        topic=ContactTopic.SERVICE_INFORMATION,
        template="offer_notice",
        context={"subject": subject, "text": text},
        now=now,
    )


def _record_and_notify(
    *,
    line: Line,
    actor: Actor,
    act: Act,
    subject: Any,
    summary: str,
    now: datetime,
    notice: tuple[str, str],
    old_values: dict[str, Any] | None = None,
    new_values: dict[str, Any] | None = None,
) -> None:
    """The act's activity entry and the holder's `notice` (subject, text)."""
    activity_record_and_notify(
        customer=_holder(line),
        actor=actor,
        act=act,
        subject=subject,
        summary=summary,
        at=now,
        template="offer_notice",
        context={"subject": notice[0], "text": notice[1]},
        old_values=old_values,
        new_values=new_values,
    )


def _check_open(line: Line) -> None:
    if line.status not in (LineStatus.PENDING, LineStatus.ACTIVE, LineStatus.SUSPENDED):
        raise OfferError(
            code=OfferErrorCode.LINE_NOT_OPEN,
            message=f"La ligne {line.display_number} est résiliée.",
        )


def _check_market(line: Line, market: Market, what: str) -> None:
    if line.market != market:
        raise OfferError(
            code=OfferErrorCode.WRONG_MARKET,
            message=f"{what} concerne une ligne {Market(market).label.lower()}.",
            extra={"market": line.market},
        )


def _paris_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=PARIS)


# Options and bonuses --------------------------------------------------------------------------


def add_on_end_instant(*, subscription: Subscription, now: datetime) -> datetime:
    """When cancelling `subscription` now takes effect: at once, or at the next monthly
    renewal for an option whose brochure entry cites note (4) ("modification de l'option en
    cours de mois applicable à la prochaine date de renouvellement mensuel du forfait")."""
    if subscription.kind == ProductKind.OPTION:
        effect = subscription.product.details.get("change_effect", "immediate")
        if effect == "next_renewal":
            return _paris_midnight(offer_rules.next_period_start(paris_date(now)))
    return now


@transaction.atomic
def add_on_subscribe(*, line: Line, product: Product, actor: Actor, now: datetime) -> Subscription:
    """Subscribe an option or a bonus now (brochure note (3): "souscription immédiate"), with
    the catalog's rules (lines.services.subscription_add: plans it goes with, families,
    incompatibilities, the international option's first month and unpaid condition) and the
    unpaid check at the last step. A first free month (mobile security) is the bill run's."""
    if product.kind not in (ProductKind.OPTION, ProductKind.BONUS):
        raise OfferError(
            code=OfferErrorCode.NOT_AN_ADD_ON,
            message=f"« {product.name} » n'est ni une option ni un bonus.",
        )
    # « Premier mois offert » once per line: said only when this contract never had it.
    free_months = int(product.details.get("free_months", 0))
    offered = free_months and product.code not in contract_first_starts(line=line)
    price = (
        f"{euros(product.price_cents or 0)} par mois"
        + (f", {free_months} mois offert" if offered else "")
        if product.price_cents
        else "gratuite"
    )
    subscription = subscription_add(
        line=line,
        product=product,
        actor=actor,
        now=now,
        act=Act.ADD_ON_SUBSCRIBE,
        summary=f"Option « {product.name} » ajoutée à la ligne {line.display_number} ({price})",
    )
    _notify(
        line=line,
        subject=f"Option « {product.name} » activée",
        text=f"L'option « {product.name} » est active sur votre ligne {line.display_number}"
        f" depuis le {french_date(now)} ({price}).",
        now=now,
    )
    return subscription


@transaction.atomic
def add_on_cancel(*, subscription: Subscription, actor: Actor, now: datetime) -> Subscription:
    """Cancel an option or bonus: at once, or at the next monthly renewal (note (4)); the month
    started stays due (the brochure provides no refund)."""
    subscription = (
        Subscription.objects.select_for_update()
        .select_related("product", "line")
        .get(pk=subscription.pk)
    )
    line = subscription.line
    if subscription.kind not in (ProductKind.OPTION, ProductKind.BONUS):
        raise OfferError(
            code=OfferErrorCode.NOT_AN_ADD_ON,
            message=f"« {subscription.product.name} » n'est ni une option ni un bonus.",
        )
    name = subscription.product.name
    ends_at = add_on_end_instant(subscription=subscription, now=now)
    if ends_at <= now or subscription.status != SubscriptionStatus.ACTIVE:
        when = french_date(now)
        subscription = subscription_end(
            subscription=subscription,
            actor=actor,
            now=now,
            act=Act.ADD_ON_CANCEL,
            summary=f"Option « {name} » résiliée, fin le {when}",
        )
        _notify(
            line=line,
            subject=f"Option « {name} » résiliée",
            text=_add_on_end_text(subscription, when),
            now=now,
        )
        return subscription
    if subscription.ends_at is not None and subscription.ends_at <= ends_at:
        raise OfferError(
            code=OfferErrorCode.SAME_OFFER,
            message=f"« {name} » prend déjà fin le {french_date(subscription.ends_at)}.",
        )
    old_ends_at = subscription.ends_at
    subscription.ends_at = ends_at
    subscription.save(update_fields=["ends_at"])
    # `offer_due_run` ends it at that instant (status), with the holder's notice then.
    when = french_date(ends_at)
    _record_and_notify(
        line=line,
        actor=actor,
        act=Act.ADD_ON_CANCEL,
        subject=subscription,
        summary=f"Option « {name} » résiliée, fin le {when}",
        now=now,
        notice=(f"Option « {name} » résiliée", _add_on_end_text(subscription, when)),
        old_values={"ends_at": old_ends_at},
        new_values={"ends_at": ends_at},
    )
    return subscription


def _add_on_end_text(subscription: Subscription, when: str) -> str:
    return (
        f"L'option « {subscription.product.name} » de votre ligne"
        f" {subscription.line.display_number} prend fin le {when}."
    )


# Plan and box offer changes -------------------------------------------------------------------


def offer_change_effective_date(*, now: datetime) -> date:
    """The CGS do not say when a change of offer applies; the brochure applies a change of
    option during the month at the next monthly renewal (Options note (4)). A change of plan or
    box offer is read the same way: from the first day of the next billing period, so a
    period is never billed under two offers (see the comment in catalog/data/plans.toml)."""
    return offer_rules.next_period_start(paris_date(now))


def offers_for_change(*, line: Line) -> list[Product]:
    """The current plans (mobile) or box offers (fixed) the line can move to."""
    kind = ProductKind.PLAN if line.market == Market.MOBILE else ProductKind.BOX_OFFER
    current = active_plan(line=line)
    offers = Product.objects.filter(is_current=True, kind=kind, market=line.market)
    if current is not None:
        offers = offers.exclude(pk=current.product_id)
    return list(offers.order_by("price_cents", "code"))


@transaction.atomic
def offer_change(*, line: Line, product: Product, actor: Actor, now: datetime) -> Subscription:
    """Move the line to another plan (mobile) or box offer (fixed) at the effective date: the
    old offer's subscription ends there, the new one is scheduled from there (started by
    `offer_due_run`); the bill run prorates each over its days. Refused while unpaid
    (ArrearsAct.PLAN_CHANGE), at the last step."""
    _check_open(line)
    current = active_plan(line=line)
    if current is not None and current.product_id == product.pk:
        raise OfferError(
            code=OfferErrorCode.SAME_OFFER,
            message=f"La ligne {line.display_number} a déjà l'offre « {product.name} ».",
        )
    if product.pk not in {offer.pk for offer in offers_for_change(line=line)}:
        raise OfferError(
            code=OfferErrorCode.OFFER_NOT_AVAILABLE,
            message=f"« {product.name} » n'est pas proposé pour la ligne {line.display_number}.",
            extra={"product": product.code},
        )
    if Subscription.objects.filter(
        line=line, kind__in=MAIN_OFFER_KINDS, status=SubscriptionStatus.SCHEDULED
    ).exists():
        raise OfferError(
            code=OfferErrorCode.CHANGE_ALREADY_SCHEDULED,
            message=f"Un changement d'offre est déjà programmé sur la ligne {line.display_number}.",
        )
    effective = offer_change_effective_date(now=now)
    starts_at = _paris_midnight(effective)
    unpaid_check(customer=_holder(line), act=ArrearsAct.PLAN_CHANGE, today=paris_date(now))
    if current is not None:
        current.ends_at = starts_at
        current.save(update_fields=["ends_at"])
    subscription = subscription_add(
        line=line,
        product=product,
        actor=actor,
        now=now,
        starts_at=starts_at,
        act=Act.OFFER_CHANGE,
        summary=f"Changement d'offre de la ligne {line.display_number} pour « {product.name} »"
        f" le {effective:%d/%m/%Y}",
        old_values={"product": current.product.code if current else None},
    )
    _notify(
        line=line,
        subject="Votre changement d'offre est enregistré",
        text=f"Votre ligne {line.display_number} passera à l'offre « {product.name} »"
        f" ({euros(product.price_cents or 0)} par mois) le {effective:%d/%m/%Y}.",
        now=now,
    )
    return subscription


# Termination (CGS 8.1) ------------------------------------------------------------------------


def legitimate_reasons() -> dict[str, str]:
    """CGS 8.1's legitimate reasons (terms.toml), code → French text."""
    return {
        reason.code: reason.text
        for reason in catalog_current().terms.termination.legitimate_reasons
    }


@dataclass(frozen=True)
class TerminationQuote:
    termination_date: date
    fees: offer_rules.TerminationFees
    offer: Product | None
    promotion_lost_cents: int  # monthly discount the customer loses with the fees


def _list_price_cents(product: Product) -> int:
    list_price = product.details.get("list_price_eur")
    if list_price is not None:
        return int(Decimal(str(list_price)) * 100)
    return product.price_cents or 0


def termination_quote(*, line: Line, legitimate_reason: bool, now: datetime) -> TerminationQuote:
    """What ending the line now would cost, and when it would end (CGS 8.1)."""
    requested_on = paris_date(now)
    ends_on = offer_rules.termination_date(requested_on)
    plan = active_plan(line=line)
    offer = plan.product if plan is not None else None
    monthly = _list_price_cents(offer) if offer is not None else 0
    start = paris_date(line.activated_at or line.created_at)
    fees = offer_rules.termination_fees(
        monthly_list_cents=monthly,
        commitment_start=start,
        commitment_end=line.commitment_end_date,
        termination_date=ends_on,
        subscribed_on=paris_date(line.created_at),
        # The catalog sells no subsidised device (Woot is "sans mobile", the box is rented).
        subsidised_device=False,
        legitimate_reason=legitimate_reason,
    )
    lost = monthly - (offer.price_cents or 0) if offer is not None and fees.amount_cents else 0
    return TerminationQuote(ends_on, fees, offer, lost)


def termination_pending(*, line: Line) -> Request | None:
    return Request.objects.filter(
        line=line, kind=RequestKind.TERMINATION, status__in=OPEN_REQUEST_STATUSES
    ).first()


@transaction.atomic
def termination_request(
    *,
    line: Line,
    actor: Actor,
    now: datetime,
    legitimate_reason: str = "",
    proof_name: str = "",
) -> Request:
    """Ask to end the line: a termination request, effective after the 10-day notice of CGS
    8.1 (`offer_due_run` terminates the line on that date and charges the fees). A legitimate
    reason makes it free once its proof is checked by an advisor; the request keeps the quote.
    Rented equipment gets its return request (a "Restituer" link in the activity log)."""
    _check_open(line)
    reasons = legitimate_reasons()
    if legitimate_reason and legitimate_reason not in reasons:
        raise OfferError(
            code=OfferErrorCode.LEGITIMATE_REASON_UNKNOWN,
            message="Ce motif légitime ne fait pas partie de ceux des CGS 8.1.",
        )
    if legitimate_reason and not proof_name.strip():
        raise OfferError(
            code=OfferErrorCode.PROOF_REQUIRED,
            message="Joignez le justificatif de votre motif légitime (CGS 8.1).",
        )
    quote = termination_quote(line=line, legitimate_reason=bool(legitimate_reason), now=now)
    request = request_open(
        customer=_holder(line),
        kind=RequestKind.TERMINATION,
        actor=actor,
        now=now,
        line=line,
        payload={
            "termination_date": quote.termination_date.isoformat(),
            "fee_cents": quote.fees.amount_cents,
            "fee_rule": quote.fees.rule,
            "legitimate_reason": legitimate_reason,
            "proof_name": proof_name.strip(),
        },
    )
    _open_equipment_return(line=line, until=quote.termination_date, actor=actor, now=now)
    _record_and_notify(
        line=line,
        actor=actor,
        act=Act.TERMINATION_REQUEST,
        subject=request,
        summary=f"Résiliation de la ligne {line.display_number} demandée, effective le"
        f" {quote.termination_date:%d/%m/%Y} (frais : {euros(quote.fees.amount_cents)})",
        now=now,
        notice=(
            f"Votre demande de résiliation de la ligne {line.display_number}",
            f"Votre ligne {line.display_number} sera résiliée le"
            f" {quote.termination_date:%d/%m/%Y} (préavis de 10 jours, CGS 8.1). Frais de"
            f" résiliation : {euros(quote.fees.amount_cents)}. Vous pouvez annuler votre demande"
            " jusqu'à cette date depuis votre espace client.",
        ),
        new_values={
            "termination_date": quote.termination_date,
            "fee_cents": quote.fees.amount_cents,
        },
    )
    return request


def _rented_equipment(line: Line) -> list[Equipment]:
    return list(Equipment.objects.held().filter(line=line, ownership=Ownership.RENTED))


def _open_equipment_return(*, line: Line, until: date, actor: Actor, now: datetime) -> None:
    equipment = _rented_equipment(line)
    if not equipment:
        return
    deadline = until + timedelta(days=offer_rules.EQUIPMENT_RETURN_DAYS)
    request = request_open(
        customer=_holder(line),
        kind=RequestKind.EQUIPMENT_RETURN,
        actor=actor,
        now=now,
        line=line,
        payload={
            "equipment_id": equipment[0].pk,
            "equipment_ids": [item.pk for item in equipment],
            "return_deadline": deadline.isoformat(),
        },
    )
    # The bell's entry: subject is the line, so the activity log links to its return slip.
    activity_record(
        customer=_holder(line),
        actor=actor,
        act=Act.EQUIPMENT_RETURN_OPEN,
        subject=line,
        summary=f"Restitution de votre équipement ({', '.join(item.model for item in equipment)})"
        f" à faire avant le {deadline:%d/%m/%Y} : imprimez votre bon de retour",
        at=now,
        new_values={"request": request.pk, "return_deadline": deadline},
    )


def equipment_return_pending(*, line: Line) -> Request | None:
    return Request.objects.filter(
        line=line, kind=RequestKind.EQUIPMENT_RETURN, status__in=OPEN_REQUEST_STATUSES
    ).first()


@transaction.atomic
def termination_cancel(*, line: Line, actor: Actor, now: datetime) -> Request:
    """Withdraw a pending termination request before its date; the equipment return it opened
    is cancelled with it."""
    request = termination_pending(line=line)
    if request is None:
        raise OfferError(
            code=OfferErrorCode.NO_TERMINATION_PENDING,
            message=f"Aucune résiliation n'est en cours pour la ligne {line.display_number}.",
        )
    ends_on = date.fromisoformat(request.payload["termination_date"])
    if paris_date(now) >= ends_on:
        raise OfferError(
            code=OfferErrorCode.TERMINATION_PAST,
            message=f"La résiliation prend effet le {ends_on:%d/%m/%Y} : il est trop tard pour"
            " l'annuler.",
        )
    request_advance(
        request=request,
        to_status=RequestStatus.CANCELLED,
        actor=actor,
        now=now,
        resolution="Annulée par le client avant la date de résiliation.",
    )
    returning = equipment_return_pending(line=line)
    if returning is not None:
        request_advance(
            request=returning,
            to_status=RequestStatus.CANCELLED,
            actor=actor,
            now=now,
            resolution="Résiliation annulée : l'équipement reste chez le client.",
        )
    _record_and_notify(
        line=line,
        actor=actor,
        act=Act.TERMINATION_CANCEL,
        subject=request,
        summary=f"Résiliation de la ligne {line.display_number} annulée",
        now=now,
        notice=(
            f"Résiliation de la ligne {line.display_number} annulée",
            f"Votre demande de résiliation de la ligne {line.display_number} est annulée :"
            " votre ligne reste en service.",
        ),
    )
    return request


def _complete_termination(request_id: int, *, now: datetime) -> bool:
    """Terminate the line of an open termination request whose notice ended; False when another
    run completed it meanwhile (the request is re-read under a row lock)."""
    request = (
        Request.objects.select_for_update(of=("self",))
        .select_related("line__billing_account__customer")
        .filter(pk=request_id, status__in=OPEN_REQUEST_STATUSES)
        .first()
    )
    if request is None:
        return False
    system = Actor.system()
    line = request.line
    assert line is not None
    if request.status == RequestStatus.SUBMITTED:
        request_advance(request=request, to_status=RequestStatus.IN_PROGRESS, actor=system, now=now)
    reason = (
        TerminationReason.LEGITIMATE_REASON
        if request.payload.get("legitimate_reason")
        else TerminationReason.CUSTOMER_REQUEST
    )
    plan = active_plan(line=line)
    from guichet.lines.services import line_terminate

    line_terminate(line=line, reason=reason, actor=system, now=now)
    fee_cents = int(request.payload.get("fee_cents", 0))
    if fee_cents and plan is not None:
        one_off_charge_add_amount(
            billing_account=line.billing_account,
            product=plan.product,
            amount_cents=fee_cents,
            label=f"Frais de résiliation anticipée de la ligne {line.display_number}",
            rule=request.payload.get("fee_rule", "CGS 8.1"),
            actor=system,
            now=now,
        )
    request_advance(
        request=request,
        to_status=RequestStatus.COMPLETED,
        actor=system,
        now=now,
        resolution=f"Ligne résiliée le {french_date(now)}.",
    )
    return True


@dataclass(frozen=True)
class OfferDueReport:
    terminated: int
    offers_started: int
    add_ons_ended: int
    top_ups_expired: int


def _start_due_offer(subscription_id: int, *, now: datetime) -> bool:
    """Start a scheduled plan or box offer (it replaces the running one) and tell the holder;
    False when it is no longer scheduled (started by a run at the same time)."""
    with transaction.atomic():
        subscription = (
            Subscription.objects.select_for_update(of=("self",))
            .select_related("line__billing_account__customer", "product")
            .filter(pk=subscription_id, status=SubscriptionStatus.SCHEDULED)
            .first()
        )
        if subscription is None:
            return False
        subscription_start(subscription=subscription, actor=Actor.system(), now=now)
        line, product = subscription.line, subscription.product
        _notify(
            line=line,
            subject=f"Votre offre « {product.name} » est active",
            text=f"Votre ligne {line.display_number} a l'offre « {product.name} »"
            f" ({euros(product.price_cents or 0)} par mois) depuis le"
            f" {french_date(subscription.starts_at)}.",
            now=now,
        )
    return True


def _locked_if_due(subscription_id: int, *, now: datetime) -> Subscription | None:
    """The subscription, locked, if it is still active with its end come; None when a run at
    the same time ended it already."""
    return (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("line__billing_account__customer", "product")
        .filter(pk=subscription_id, status=SubscriptionStatus.ACTIVE, ends_at__lte=now)
        .first()
    )


def _end_due_add_on(subscription_id: int, *, now: datetime) -> bool:
    """End an option or bonus whose end instant has come (cancelled at the next renewal,
    note (4)) and tell the holder; False when it has ended already."""
    with transaction.atomic():
        subscription = _locked_if_due(subscription_id, now=now)
        if subscription is None:
            return False
        subscription_end(subscription=subscription, actor=Actor.system(), now=now)
        name, line = subscription.product.name, subscription.line
        _notify(
            line=line,
            subject=f"Option « {name} » terminée",
            text=f"L'option « {name} » de votre ligne {line.display_number} a pris fin le"
            f" {french_date(subscription.ends_at or now)}, comme vous l'aviez demandé.",
            now=now,
        )
    return True


def _end_expired_top_up(subscription_id: int, *, now: datetime) -> bool:
    """Mark ended a top-up whose validity is over (its `ends_at`, set when bought, stays the
    end: rating and the bill run read it); False when ended already. No notice: the customer
    was told the validity when buying it."""
    with transaction.atomic():
        subscription = _locked_if_due(subscription_id, now=now)
        if subscription is None:
            return False
        subscription_end(
            subscription=subscription,
            actor=Actor.system(),
            now=now,
            summary=f"Fin de validité de la recharge « {subscription.product.name} » sur la"
            f" ligne {subscription.line.display_number}",
        )
    return True


def offer_due_run(*, now: datetime) -> OfferDueReport:
    """The daily job: what the offer acts recorded for later takes effect. It terminates the
    lines whose notice ended, starts the plan and box offer changes due, and ends the options
    and bonuses cancelled at the next renewal whose end has come (until then their status
    stays active with an `ends_at`, which rating and the bill run already honour; the status
    is what the Lignes page and the catalog rules read), and the top-ups whose validity is
    over. Each in its own transaction, with its activity entry and, but for an expired
    top-up, the holder's notice; run again, it finds nothing more to do."""
    today = paris_date(now)
    terminated = 0
    for request_id, payload in Request.objects.filter(
        kind=RequestKind.TERMINATION, status__in=OPEN_REQUEST_STATUSES
    ).values_list("pk", "payload"):
        if date.fromisoformat(payload["termination_date"]) <= today:
            with transaction.atomic():
                terminated += _complete_termination(request_id, now=now)
    due_offers = Subscription.objects.filter(
        status=SubscriptionStatus.SCHEDULED, kind__in=MAIN_OFFER_KINDS, starts_at__lte=now
    ).order_by("starts_at", "id")
    started = sum(_start_due_offer(pk, now=now) for pk in due_offers.values_list("pk", flat=True))
    due_add_ons = Subscription.objects.filter(
        status=SubscriptionStatus.ACTIVE,
        kind__in=(ProductKind.OPTION, ProductKind.BONUS),
        ends_at__lte=now,
    ).order_by("ends_at", "id")
    ended = sum(_end_due_add_on(pk, now=now) for pk in due_add_ons.values_list("pk", flat=True))
    expired_top_ups = Subscription.objects.filter(
        status=SubscriptionStatus.ACTIVE, kind=ProductKind.TOP_UP, ends_at__lte=now
    ).order_by("ends_at", "id")
    expired = sum(
        _end_expired_top_up(pk, now=now) for pk in expired_top_ups.values_list("pk", flat=True)
    )
    return OfferDueReport(
        terminated=terminated,
        offers_started=started,
        add_ons_ended=ended,
        top_ups_expired=expired,
    )


# Withdrawal (CGS 9) ---------------------------------------------------------------------------


def withdrawal_quote(*, line: Line, now: datetime) -> tuple[date | None, int]:
    """(last day of the withdrawal right, None while its period has not started, and the
    prorata of the days used so far)."""
    period_start = withdrawal_period_start(line=line)
    deadline = withdrawal_deadline(period_start) if period_start is not None else None
    plan = active_plan(line=line)
    prorata = offer_rules.withdrawal_prorata_cents(
        monthly_cents=(plan.product.price_cents or 0) if plan is not None else 0,
        activated_on=paris_date(line.activated_at) if line.activated_at else None,
        requested_on=paris_date(now),
    )
    return deadline, prorata


@transaction.atomic
def withdrawal(*, line: Line, actor: Actor, now: datetime) -> Request:
    """Withdraw within 14 days (CGS 9): the line ends today; the days used since activation
    are due prorata temporis, which the bill run charges (it bills a terminated line up to its
    last day); the refund of anything paid beyond is due within 14 days (request's due date)."""
    _check_open(line)
    deadline, prorata = withdrawal_quote(line=line, now=now)
    if deadline is not None and paris_date(now) > deadline:
        raise OfferError(
            code=OfferErrorCode.WITHDRAWAL_PERIOD_OVER,
            message=f"Le délai de rétractation de 14 jours a pris fin le {deadline:%d/%m/%Y}"
            " (CGS 9) : vous pouvez résilier votre ligne.",
            extra={"deadline": deadline.isoformat()},
        )
    request = request_open(
        customer=_holder(line),
        kind=RequestKind.WITHDRAWAL,
        actor=actor,
        now=now,
        line=line,
        payload={
            "prorata_cents": prorata,
            "deadline": deadline.isoformat() if deadline is not None else None,
        },
    )
    from guichet.lines.services import line_terminate

    line_terminate(line=line, reason=TerminationReason.WITHDRAWAL, actor=actor, now=now)
    _open_equipment_return(line=line, until=paris_date(now), actor=actor, now=now)
    _record_and_notify(
        line=line,
        actor=actor,
        act=Act.WITHDRAWAL,
        subject=request,
        summary=f"Rétractation de la ligne {line.display_number} : {euros(prorata)} dus au"
        " prorata des jours utilisés",
        now=now,
        notice=(
            "Votre rétractation est enregistrée",
            f"Votre ligne {line.display_number} est résiliée au titre de votre droit de"
            f" rétractation. Les jours utilisés ({euros(prorata)}) restent dus ; tout montant"
            " payé au-delà vous est remboursé sous 14 jours.",
        ),
        new_values={"prorata_cents": prorata},
    )
    return request


# Line transfer (CGS 12) -----------------------------------------------------------------------


def _clean(value: str) -> str:
    return " ".join(value.split())


@transaction.atomic
def line_transfer_request(
    *,
    line: Line,
    transferee_name: str,
    transferee_email: str,
    transferee_birth_date: date,
    documents: list[str],
    actor: Actor,
    now: datetime,
    accept_url: Callable[[str], str] | None = None,
) -> Request:
    """CGS 12: transfer the contract free of charge to a new holder, who authorises it (a link
    and a code sent to them) and gives the subscription documents; all sums due are settled
    first (ArrearsAct.LINE_TRANSFER, checked by request_open at the last step)."""
    _check_open(line)
    name, email = _clean(transferee_name), transferee_email.strip().lower()
    if not name or "@" not in email:
        raise OfferError(
            code=OfferErrorCode.TRANSFEREE_INVALID,
            message="Indiquez le nom et l'adresse e-mail du nouveau titulaire.",
        )
    holder = _holder(line)
    if email in {holder.contact_email.lower(), holder.user.email.lower()}:
        raise OfferError(
            code=OfferErrorCode.TRANSFEREE_INVALID,
            message="Le nouveau titulaire doit être une autre personne que vous.",
        )
    today = paris_date(now)
    age = (
        today.year
        - transferee_birth_date.year
        - ((today.month, today.day) < (transferee_birth_date.month, transferee_birth_date.day))
    )
    if age < 18:
        raise OfferError(
            code=OfferErrorCode.TRANSFEREE_INVALID,
            message="Le nouveau titulaire doit être majeur (CGS 3.1).",
        )
    required = catalog_current().terms.subscription.distance_documents[:3]
    if len([name for name in documents if name.strip()]) < len(required):
        raise OfferError(
            code=OfferErrorCode.TRANSFEREE_INVALID,
            message="Joignez les documents du nouveau titulaire : " + " ; ".join(required) + ".",
        )
    token, code = secrets.token_urlsafe(24), f"{secrets.randbelow(10**6):06d}"
    request = request_open(
        customer=holder,
        kind=RequestKind.LINE_TRANSFER,
        actor=actor,
        now=now,
        line=line,
        payload={
            "transferee_name": name,
            "transferee_email": email,
            "transferee_birth_date": transferee_birth_date.isoformat(),
            "documents": [document.strip() for document in documents if document.strip()],
            "token": token,
            "code": code,
            "accepted_at": None,
        },
    )
    activity_record(
        customer=holder,
        actor=actor,
        act=Act.LINE_TRANSFER_REQUEST,
        subject=request,
        summary=f"Cession de la ligne {line.display_number} à {name} demandée : en attente de"
        " son accord",
        at=now,
        new_values={"transferee_email": email},
    )
    outbox_enqueue(
        channel=OutboxChannel.EMAIL,
        recipient=email,
        template="line_transfer_invitation",
        context={
            "holder": f"{holder.first_name} {holder.last_name}",
            "transferee": name,
            "line": line.display_number,
            # The page's address is the web layer's: it hands it in.
            "link": accept_url(token) if accept_url else f"/lignes/cession/{token}/",
            "code": code,
        },
        now=now,
        customer=holder,
    )
    return request


def line_transfer_for_token(*, token: str) -> Request | None:
    return (
        Request.objects.filter(
            kind=RequestKind.LINE_TRANSFER,
            status=RequestStatus.SUBMITTED,
            payload__token=token,
        )
        .select_related("line", "customer")
        .first()
        if token
        else None
    )


@transaction.atomic
def line_transfer_accept(*, request: Request, code: str, now: datetime) -> Request:
    """The transferee authorises the transfer with the code they received; the request goes
    to the operator, who checks the documents and changes the holder."""
    if not secrets.compare_digest(code.strip(), str(request.payload.get("code", ""))):
        raise OfferError(
            code=OfferErrorCode.TRANSFER_CODE_INVALID,
            message="Ce code ne correspond pas à la cession : vérifiez l'e-mail reçu.",
        )
    request.payload = {**request.payload, "accepted_at": now.isoformat()}
    request.save(update_fields=["payload"])
    request_advance(
        request=request, to_status=RequestStatus.IN_PROGRESS, actor=Actor.system(), now=now
    )
    activity_record(
        customer=request.customer,
        actor=Actor.system(),
        act=Act.LINE_TRANSFER_ACCEPT,
        subject=request,
        summary=f"{request.payload['transferee_name']} a accepté la cession de votre ligne :"
        " le service client vérifie les documents",
        at=now,
    )
    return request


# Number change --------------------------------------------------------------------------------


def number_change_candidates(*, line: Line, now: datetime) -> list[str]:
    """Three free numbers of the pool, the same all day for this line."""
    seed = f"{line.pk}:{paris_date(now).isoformat()}"
    candidates = offer_rules.number_candidates(seed=seed, taken=frozenset(), count=12)
    taken = set(
        Line.objects.filter(msisdn__in=candidates)
        .filter(~Q(status=LineStatus.TERMINATED))
        .values_list("msisdn", flat=True)
    )
    return [number for number in candidates if number not in taken][:3]


@transaction.atomic
def number_change(*, line: Line, new_msisdn: str, actor: Actor, now: datetime) -> Line:
    """Give the line one of the offered numbers: the network moves the SIM to it and the old
    number stops at once; the fee `changement-numero` (10 €) goes on the next invoice."""
    _check_open(line)
    _check_market(line, Market.MOBILE, "Le changement de numéro")
    try:
        new_msisdn = normalize_msisdn(new_msisdn)
    except ValueError:
        new_msisdn = ""
    if new_msisdn not in number_change_candidates(line=line, now=now):
        raise OfferError(
            code=OfferErrorCode.NUMBER_NOT_OFFERED,
            message="Choisissez l'un des numéros proposés.",
        )
    line = Line.objects.select_for_update().get(pk=line.pk)
    old = line.msisdn
    receipt = network_provisioning().send(
        line=line,
        command="number_change",
        parameters={"old_msisdn": old, "new_msisdn": new_msisdn},
        now=now,
    )
    line.msisdn = new_msisdn
    line.save(update_fields=["msisdn"])
    one_off_charge_add(
        billing_account=line.billing_account,
        fee_code="changement-numero",
        channel="selfcare" if actor.is_customer else "customer_service",
        actor=actor,
        now=now,
    )
    _record_and_notify(
        line=line,
        actor=actor,
        act=Act.NUMBER_CHANGE,
        subject=line,
        summary=f"Nouveau numéro {line.display_number} (ancien numéro arrêté)",
        now=now,
        notice=(
            "Votre nouveau numéro",
            f"Votre ligne a désormais le numéro {line.display_number} ; l'ancien numéro ne"
            " fonctionne plus. Frais : 10 € sur votre prochaine facture.",
        ),
        old_values={"msisdn": old},
        new_values={"msisdn": new_msisdn, "provisioning": receipt.reference},
    )
    return line


# Box move -------------------------------------------------------------------------------------


@transaction.atomic
def box_move_request(
    *,
    line: Line,
    street: str,
    postcode: str,
    city: str,
    move_date: date,
    actor: Actor,
    now: datetime,
) -> Request:
    """Declare a move: the network's eligibility test at the new address, then a move request
    (the partner moves the access on the date); the equipment moves with the customer."""
    _check_open(line)
    _check_market(line, Market.FIXED, "Le déménagement de la box")
    street, city, postcode = _clean(street), _clean(city), postcode.strip()
    if not street or not city:
        raise OfferError(
            code=OfferErrorCode.ADDRESS_INVALID,
            message="Indiquez la rue et la ville de votre nouvelle adresse.",
        )
    try:
        eligibility = eligibility_service().eligibility(postcode=postcode)
    except ValueError as invalid:
        raise OfferError(code=OfferErrorCode.ADDRESS_INVALID, message=str(invalid)) from None
    if move_date < paris_date(now):
        raise OfferError(
            code=OfferErrorCode.MOVE_DATE_INVALID,
            message="La date du déménagement est aujourd'hui ou plus tard.",
        )
    if not eligibility.eligible:
        raise OfferError(
            code=OfferErrorCode.NOT_ELIGIBLE,
            message=f"{eligibility.message} {NOT_ELIGIBLE_HINT}",
            extra={"technology": eligibility.technology},
        )
    new_address = f"{street}, {postcode} {city}"
    request = request_open(
        customer=_holder(line),
        kind=RequestKind.MOVE,
        actor=actor,
        now=now,
        line=line,
        payload={
            "new_address": new_address,
            "postcode": postcode,
            "move_date": move_date.isoformat(),
            "technology": eligibility.technology,
        },
    )
    _record_and_notify(
        line=line,
        actor=actor,
        act=Act.BOX_MOVE,
        subject=request,
        summary=f"Déménagement déclaré au {new_address} le {move_date:%d/%m/%Y}",
        now=now,
        notice=(
            "Votre déménagement est enregistré",
            f"Votre box sera transférée au {new_address} le {move_date:%d/%m/%Y}. Emportez"
            " votre box et votre décodeur : ils vous suivent.",
        ),
        new_values={"new_address": new_address, "move_date": move_date},
    )
    return request


# -- back office: the advisor completes what a partner or a check finishes ---------------------


def _check_request(request: Request, kind: RequestKind) -> None:
    if request.kind != kind or request.status not in OPEN_REQUEST_STATUSES:
        raise OfferError(
            code=OfferErrorCode.REQUEST_NOT_OPEN,
            message=f"La démarche n° {request.pk} n'est pas une démarche « {kind.label} » en"
            " cours.",
            extra={"kind": request.kind, "status": request.status},
        )


def _complete(request: Request, *, actor: Actor, now: datetime, resolution: str) -> Request:
    """Completed through its lifecycle (taken in hand first when still submitted); completing
    tells the customer, with `resolution`."""
    if request.status == RequestStatus.SUBMITTED:
        request_advance(request=request, to_status=RequestStatus.IN_PROGRESS, actor=actor, now=now)
    return request_advance(
        request=request,
        to_status=RequestStatus.COMPLETED,
        actor=actor,
        now=now,
        resolution=resolution,
    )


@dataclass(frozen=True)
class NewHolderIn:
    """Who takes a line over (CGS 12), from the documents the advisor checked. Identity and
    address serve when the new holder is not a customer yet; the payment terms open their
    billing account."""

    civility: Civility
    first_name: str
    last_name: str
    contact_phone: str
    street: str
    postcode: str
    city: str
    payment_method: PaymentMethod
    debit_day: int


def _new_holder(
    *,
    request: Request,
    holder_in: NewHolderIn,
    link_for: Callable[[str, str], str],
    actor: Actor,
    now: datetime,
) -> Customer:
    """The transferee's customer: the one whose login is the address they were invited at, or
    a new one, with its billing address, who gets the link to choose a password."""
    payload = request.payload
    existing = customer_get_by_login_email(email=payload["transferee_email"])
    if existing is not None:
        return existing
    line = request.line
    assert line is not None
    customer = customer_invite(
        email=payload["transferee_email"],
        civility=holder_in.civility,
        first_name=holder_in.first_name,
        last_name=holder_in.last_name,
        birth_date=date.fromisoformat(payload["transferee_birth_date"]),
        contact_phone=holder_in.contact_phone,
        why=f"La ligne {line.display_number} vous est cédée : vous en êtes le titulaire.",
        link_for=link_for,
        actor=actor,
        now=now,
    )
    address_set(
        customer=customer,
        kind=AddressKind.BILLING,
        street_lines=[holder_in.street],
        postcode=holder_in.postcode,
        city=holder_in.city,
        actor=actor,
        now=now,
    )
    return customer


@transaction.atomic
def line_transfer_complete(
    *,
    request: Request,
    holder_in: NewHolderIn,
    link_for: Callable[[str, str], str],
    actor: Actor,
    now: datetime,
) -> Line:
    """CGS 12, the operator's step: the transferee accepted, the advisor checked their
    documents; the line passes to them today. The transferee becomes a customer (or is one
    already), with a new billing account; the former holder is billed up to today and the new
    one from today (`lines.services.line_transfer_holder`). All sums due by the former holder
    are settled first (checked again here, the last step). A box's installation address stays
    where the box is. Returns the line's new record."""
    _check_request(request, RequestKind.LINE_TRANSFER)
    if request.status != RequestStatus.IN_PROGRESS or not request.payload.get("accepted_at"):
        raise OfferError(
            code=OfferErrorCode.TRANSFER_NOT_ACCEPTED,
            message=f"{request.payload['transferee_name']} n'a pas encore accepté la cession avec"
            " le code reçu.",
        )
    line = request.line
    assert line is not None
    _check_open(line)
    former_holder = _holder(line)
    unpaid_check(customer=former_holder, act=ArrearsAct.LINE_TRANSFER, today=paris_date(now))
    customer = _new_holder(
        request=request, holder_in=holder_in, link_for=link_for, actor=actor, now=now
    )
    if line.market == Market.FIXED:
        installation = address_get(customer=former_holder, kind=AddressKind.INSTALLATION)
        if installation is not None:
            address_set(
                customer=customer,
                kind=AddressKind.INSTALLATION,
                street_lines=[installation.line1, installation.line2, installation.line3],
                postcode=installation.postcode,
                city=installation.city,
                actor=actor,
                now=now,
            )
    account = billing_account_open(
        customer=customer,
        payment_method=holder_in.payment_method,
        debit_day=holder_in.debit_day,
        actor=actor,
        now=now,
    )
    new_line = line_transfer_holder(line=line, billing_account=account, actor=actor, now=now)
    _complete(
        request,
        actor=actor,
        now=now,
        resolution=f"Documents vérifiés : la ligne {line.display_number} est au nom de"
        f" {customer.first_name} {customer.last_name} depuis le {french_date(now)}. Vos"
        " factures la comptent jusqu'à cette date.",
    )
    outbox_notify_customer(
        customer=customer,
        topic=ContactTopic.SERVICE_INFORMATION,
        template="offer_notice",
        context={
            "subject": f"La ligne {new_line.display_number} est à votre nom",
            "text": f"La cession de la ligne {new_line.display_number} est effectuée : elle est à"
            f" votre nom depuis le {french_date(now)} et vous est facturée à partir de cette date"
            f" (compte de facturation {account.number}).",
        },
        now=now,
    )
    return new_line


def _move_address(payload: dict[str, Any]) -> tuple[str, str, str]:
    """(street, postcode, city) of a move request's `new_address` ("street, postcode city")."""
    postcode = payload["postcode"]
    street, city = payload["new_address"].rsplit(f", {postcode} ", 1)
    return street, postcode, city


@transaction.atomic
def box_move_complete(
    *, request: Request, actor: Actor, now: datetime, access_reference: str = ""
) -> Request:
    """The network partner moved the box on the date of the move: the holder's installation
    address becomes the new one, the line takes the partner's new access reference if it gave
    one, the move goes to the network (lines.provisioning) and the customer is told."""
    _check_request(request, RequestKind.MOVE)
    move_date = date.fromisoformat(request.payload["move_date"])
    if paris_date(now) < move_date:
        raise OfferError(
            code=OfferErrorCode.MOVE_NOT_DUE,
            message=f"Le déménagement est prévu le {move_date:%d/%m/%Y} : il se confirme ce"
            " jour-là ou après.",
            extra={"move_date": move_date.isoformat()},
        )
    line = request.line
    assert line is not None
    street, postcode, city = _move_address(request.payload)
    address_set(
        customer=_holder(line),
        kind=AddressKind.INSTALLATION,
        street_lines=[street],
        postcode=postcode,
        city=city,
        actor=actor,
        now=now,
    )
    line_move_access(
        line=line,
        address=request.payload["new_address"],
        access_reference=access_reference,
        actor=actor,
        now=now,
    )
    return _complete(
        request,
        actor=actor,
        now=now,
        resolution=f"Votre box est en service au {request.payload['new_address']} depuis le"
        f" {french_date(now)}.",
    )


@transaction.atomic
def equipment_return_close(
    *, request: Request, returned: bool, actor: Actor, now: datetime
) -> Request:
    """Close an equipment return: the equipment came back, or its deadline passed without it.
    Neither the brochure nor the catalog's fees (catalog/data/fees.toml) set a fee for
    equipment not returned, so none is charged: the request is closed saying so."""
    _check_request(request, RequestKind.EQUIPMENT_RETURN)
    deadline = date.fromisoformat(request.payload["return_deadline"])
    if not returned and paris_date(now) <= deadline:
        raise OfferError(
            code=OfferErrorCode.RETURN_DEADLINE_NOT_PASSED,
            message=f"Le retour est attendu jusqu'au {deadline:%d/%m/%Y} inclus.",
            extra={"return_deadline": deadline.isoformat()},
        )
    if returned:
        Equipment.objects.filter(pk__in=request.payload.get("equipment_ids", [])).update(
            returned_at=now
        )
    resolution = (
        f"Équipement reçu le {french_date(now)} : merci."
        if returned
        else f"Équipement non restitué au {deadline:%d/%m/%Y}. Aucun frais de non-restitution"
        " n'est facturé (la brochure tarifaire n'en prévoit pas)."
    )
    activity_record(
        customer=request.customer,
        actor=actor,
        act=Act.EQUIPMENT_RETURN_CLOSE,
        subject=request,
        summary="Équipement restitué" if returned else "Équipement non restitué",
        at=now,
        new_values={
            "returned": returned,
            "equipment_ids": request.payload.get("equipment_ids", []),
        },
    )
    return _complete(request, actor=actor, now=now, resolution=resolution)
