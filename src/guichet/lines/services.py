"""Acts on lines, subscriptions and equipment. Each is one transaction that validates everything
before changing anything, saves, logs the act and, when the customer must be told, writes the
notification to the outbox.
"""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn

from django.db import transaction
from django.db.models import Min

from guichet.billing.models import BillingAccount, BillingAccountStatus
from guichet.billing.rules import ArrearsAct
from guichet.billing.selectors import arrears_state, billed_by_calendar_month, unpaid_check
from guichet.care.actors import Actor
from guichet.care.acts import Act
from guichet.care.notifications import french_date
from guichet.care.services import activity_record, activity_record_and_notify
from guichet.catalog.models import Market, Product, ProductKind
from guichet.catalog.selectors import catalog_current
from guichet.customers.models import Customer
from guichet.customers.rules import paris_date
from guichet.lines.errors import (
    EquipmentError,
    EquipmentErrorCode,
    LineError,
    LineErrorCode,
    LineSettingsError,
    LineSettingsErrorCode,
    SubscriptionError,
    SubscriptionErrorCode,
)
from guichet.lines.models import (
    MAIN_OFFER_KINDS,
    BoxLineDetails,
    BoxWifi,
    DataUsageMode,
    Equipment,
    EquipmentKind,
    Line,
    LineDataSetting,
    LineStatus,
    Ownership,
    ProvisioningCommand,
    Subscription,
    SubscriptionStatus,
    SuspensionReason,
    TerminationReason,
)
from guichet.lines.provisioning import network_provisioning
from guichet.lines.rules import (
    COMMITMENT_MONTHS_MAX,
    CUSTOMER_SUSPENSION_REASONS,
    CUSTOMER_TERMINATION_REASONS,
    EQUIPMENT_MARKETS,
    EQUIPMENT_WITH_IMEI,
    OUTGOING_ONLY_SUSPENSION_REASONS,
    SUBSCRIBABLE_KINDS,
    LineAction,
    add_months,
    next_status,
    normalize_access_reference,
    normalize_iccid,
    normalize_imei,
    normalize_msisdn,
    normalize_puk,
    suspension_goes_under,
    suspension_replaces,
)
from guichet.lines.selectors import (
    active_plan,
    box_wifi_get,
    contract_record_ids,
    line_get_for_customer,
)
from guichet.lines.wifi_rules import network_name_problem, wifi_key_problem

_ACTION_ERROR_CODES = {
    LineAction.ACTIVATE: LineErrorCode.ACTIVATE_NOT_ALLOWED,
    LineAction.SUSPEND: LineErrorCode.SUSPEND_NOT_ALLOWED,
    LineAction.REINSTATE: LineErrorCode.REINSTATE_NOT_ALLOWED,
    LineAction.TERMINATE: LineErrorCode.TERMINATE_NOT_ALLOWED,
}
_ACTION_VERBS = {
    LineAction.ACTIVATE: "mettre en service",
    LineAction.SUSPEND: "suspendre",
    LineAction.REINSTATE: "remettre en service",
    LineAction.TERMINATE: "résilier",
}
# Lines that can take new subscriptions: not suspended (CGS 2.4) and not terminated.
_OPEN_STATUSES = (LineStatus.PENDING, LineStatus.ACTIVE)


def _holder(line: Line) -> Customer:
    return line.billing_account.customer


def _lock_state(line: Line) -> None:
    """Re-read the line's lifecycle fields under a row lock: the caller's copy may be stale, and
    two acts at once on one line must see each other (the second waits, then checks)."""
    fresh = Line.objects.select_for_update().get(pk=line.pk)
    for field in _LIFECYCLE_FIELDS:
        setattr(line, field, getattr(fresh, field))


_LIFECYCLE_FIELDS = (
    "status",
    "suspension_reason",
    "suspension_replaced",
    "termination_reason",
    "activated_at",
    "suspended_at",
    "terminated_at",
)


def _transition(line: Line, action: LineAction) -> tuple[LineStatus, LineStatus]:
    """(from, to) of `action` on `line`, or a `LineError` naming the refused transition."""
    _lock_state(line)
    current = LineStatus(line.status)
    target = next_status(current, action)
    if target is None:
        raise LineError(
            code=_ACTION_ERROR_CODES[action],
            message=f"Impossible de {_ACTION_VERBS[action]} la ligne {line.display_number} :"
            f" elle est {current.label.lower()} ({action} refusé depuis « {current} »).",
            extra={"action": action, "from_status": current, "line_id": line.pk},
        )
    return current, target


def _check_customer_reason(
    actor: Actor, reason: SuspensionReason | TerminationReason, allowed: frozenset[Any]
) -> None:
    if actor.is_customer and reason not in allowed:
        raise LineError(
            code=LineErrorCode.REASON_NOT_ALLOWED_FOR_CUSTOMER,
            message=f"Le motif « {reason.label} » relève du service client.",
            extra={"reason": reason},
        )


def _record_and_notify(
    *,
    line: Line,
    actor: Actor,
    act: Act,
    summary: str,
    now: datetime,
    old_values: dict[str, Any],
    new_values: dict[str, Any],
    template: str,
    **context: Any,
) -> None:
    """The lifecycle act's activity entry (the line is its subject) and the holder's notice."""
    activity_record_and_notify(
        customer=_holder(line),
        actor=actor,
        act=act,
        subject=line,
        summary=summary,
        at=now,
        old_values=old_values,
        new_values=new_values,
        template=template,
        context={"line": line.display_number, "date": french_date(now), **context},
    )


def _valid(code: LineErrorCode, normalize: Any, raw: str) -> str:
    try:
        value: str = normalize(raw)
    except ValueError as invalid:
        raise LineError(code=code, message=str(invalid)) from None
    return value


# Lines -----------------------------------------------------------------------------------------


@transaction.atomic
def line_create(
    *,
    billing_account: BillingAccount,
    market: Market,
    actor: Actor,
    now: datetime,
    msisdn: str = "",
    access_reference: str = "",
    iccid: str = "",
    puk: str = "",
) -> Line:
    """A new line, pending until `line_activate` (CGS 4: "Mise en Service").

    Mobile lines have a number, a SIM (ICCID) and its PUK; fixed lines have an access reference
    and, for a 4G box, may have a SIM.
    """
    market = Market(market)
    if billing_account.status != BillingAccountStatus.ACTIVE:
        raise LineError(
            code=LineErrorCode.BILLING_ACCOUNT_CLOSED,
            message=f"Le compte de facturation {billing_account.number} est clôturé.",
        )
    mobile = market == Market.MOBILE
    if mobile and not billed_by_calendar_month(
        billing_account=billing_account, today=paris_date(now)
    ):
        # A mobile line's allowances run per calendar month (billing.cycle_rules).
        raise LineError(
            code=LineErrorCode.BILLING_CYCLE_NOT_MONTHLY,
            message=f"Le compte de facturation {billing_account.number} a son propre cycle de"
            " facturation : une ligne mobile, dont le forfait se décompte par mois civil, se"
            " rattache à un compte facturé du 1er au dernier jour du mois.",
            extra={"billing_account": billing_account.number},
        )
    if (
        (mobile and (not msisdn or access_reference or not iccid or not puk))
        or (not mobile and (not access_reference or msisdn))
        or (iccid and not puk)
    ):
        raise LineError(
            code=LineErrorCode.IDENTIFIER_MISMATCH,
            message="Une ligne mobile a un numéro, un ICCID et un code PUK ; une ligne fixe a une"
            " référence d'accès (et un ICCID avec son PUK pour une 4G box).",
            extra={"market": market},
        )
    open_lines = Line.objects.exclude(status=LineStatus.TERMINATED)
    if msisdn:
        msisdn = _valid(LineErrorCode.MSISDN_INVALID, normalize_msisdn, msisdn)
        if open_lines.filter(msisdn=msisdn).exists():
            raise LineError(
                code=LineErrorCode.MSISDN_IN_USE,
                message=f"Le numéro {msisdn} est déjà attribué à une ligne.",
                extra={"msisdn": msisdn},
            )
    if access_reference:
        access_reference = _valid(
            LineErrorCode.ACCESS_REFERENCE_INVALID, normalize_access_reference, access_reference
        )
        if open_lines.filter(access_reference=access_reference).exists():
            raise LineError(
                code=LineErrorCode.ACCESS_REFERENCE_IN_USE,
                message=f"La référence d'accès {access_reference} est déjà attribuée.",
                extra={"access_reference": access_reference},
            )
    if iccid:
        iccid = _valid(LineErrorCode.ICCID_INVALID, normalize_iccid, iccid)
        puk = _valid(LineErrorCode.PUK_INVALID, normalize_puk, puk)
        if Line.objects.filter(iccid=iccid).exists():
            raise LineError(
                code=LineErrorCode.ICCID_IN_USE,
                message=f"La carte SIM {iccid} est déjà attribuée.",
                extra={"iccid": iccid},
            )
    line = Line.objects.create(
        billing_account=billing_account,
        market=market,
        msisdn=msisdn,
        access_reference=access_reference,
        iccid=iccid,
        puk=puk,
        created_at=now,
    )
    activity_record(
        customer=billing_account.customer,
        actor=actor,
        act=Act.LINE_CREATE,
        subject=line,
        summary=f"Ligne {line.display_number} créée, en attente de mise en service",
        at=now,
        new_values={"status": line.status, "market": market, "number": line.display_number},
    )
    return line


@transaction.atomic
def line_activate(*, line: Line, actor: Actor, now: datetime, commitment_months: int = 0) -> Line:
    """Mise en service: the contract takes effect (CGS 4) and billing starts (CGS 7).

    The line needs an active plan or box offer; `commitment_months` (0 = none) sets the end of
    the minimum commitment period from the French activation date.
    """
    current, target = _transition(line, LineAction.ACTIVATE)
    if not 0 <= commitment_months <= COMMITMENT_MONTHS_MAX:
        raise LineError(
            code=LineErrorCode.COMMITMENT_INVALID,
            message=f"La durée d'engagement va de 0 à {COMMITMENT_MONTHS_MAX} mois.",
            extra={"commitment_months": commitment_months},
        )
    if active_plan(line=line) is None:
        raise LineError(
            code=LineErrorCode.NO_ACTIVE_MAIN_OFFER,
            message=f"La ligne {line.display_number} n'a pas de forfait ou d'offre box actif.",
        )
    line.status = target
    line.activated_at = now
    line.commitment_end_date = (
        add_months(paris_date(now), commitment_months) if commitment_months else None
    )
    line.save(update_fields=["status", "activated_at", "commitment_end_date"])
    _record_and_notify(
        line=line,
        actor=actor,
        act=Act.LINE_ACTIVATE,
        summary=f"Mise en service de la ligne {line.display_number}",
        now=now,
        old_values={"status": current},
        new_values={"status": target, "commitment_end_date": line.commitment_end_date},
        template="line_activated",
    )
    return line


@transaction.atomic
def line_suspend(*, line: Line, reason: SuspensionReason, actor: Actor, now: datetime) -> Line:
    """CGS 2.4 (operator's reasons) and 6.1 (loss or theft reported by the customer).

    The customer is told (CGS 2.4: "après vous en avoir informé par tout moyen").
    """
    reason = SuspensionReason(reason)
    _lock_state(line)
    _check_customer_reason(actor, reason, CUSTOMER_SUSPENSION_REASONS)
    if suspension_goes_under(line.status, line.suspension_reason, reason):
        return _suspension_keep_under(line, reason=reason, actor=actor, now=now)
    replaced = line.suspension_reason
    if suspension_replaces(line.status, replaced, reason):
        current = target = LineStatus.SUSPENDED
    else:
        current, target = _transition(line, LineAction.SUSPEND)
        replaced = ""
    line.status = target
    line.suspension_reason = reason
    line.suspension_replaced = replaced
    line.suspended_at = now
    line.save(update_fields=["status", "suspension_reason", "suspension_replaced", "suspended_at"])
    _record_and_notify(
        line=line,
        actor=actor,
        act=Act.LINE_SUSPEND,
        summary=f"Suspension de la ligne {line.display_number} ({reason.label.lower()})",
        now=now,
        old_values={"status": current, "suspension_reason": replaced},
        new_values={"status": target, "suspension_reason": reason},
        template="line_suspended_outgoing"
        if reason in OUTGOING_ONLY_SUSPENSION_REASONS
        else "line_suspended",
        reason=reason.label.lower(),
    )
    return line


@transaction.atomic
def line_reinstate(*, line: Line, actor: Actor, now: datetime) -> Line:
    """Remise en service. A customer lifts only a suspension they asked for (loss, theft, own
    request); the others end when their cause does (payment, documents…)."""
    current, target = _transition(line, LineAction.REINSTATE)
    reason = SuspensionReason(line.suspension_reason)
    _check_customer_reason(actor, reason, CUSTOMER_SUSPENSION_REASONS)
    if line.suspension_replaced:
        return _suspension_restore(line, lifted=reason, actor=actor, now=now)
    suspended_at = line.suspended_at
    line.status = target
    line.suspension_reason = ""
    line.suspended_at = None
    line.save(update_fields=["status", "suspension_reason", "suspended_at"])
    _record_and_notify(
        line=line,
        actor=actor,
        act=Act.LINE_REINSTATE,
        summary=f"Remise en service de la ligne {line.display_number}",
        now=now,
        old_values={"status": current, "suspension_reason": reason, "suspended_at": suspended_at},
        new_values={"status": target},
        template="line_reinstated",
    )
    return line


def _suspension_keep_under(
    line: Line, *, reason: SuspensionReason, actor: Actor, now: datetime
) -> Line:
    """An outgoing bar on a line barred wholly: kept, to apply when that bar is lifted. A line
    keeps one (the first): the dunning and the bill advance each lift theirs on their own."""
    if line.suspension_replaced:
        return line
    current = SuspensionReason(line.suspension_reason)
    line.suspension_replaced = reason
    line.save(update_fields=["suspension_replaced"])
    _record_and_notify(
        line=line,
        actor=actor,
        act=Act.LINE_SUSPEND,
        summary=f"Suspension des usages sortants de la ligne {line.display_number}"
        f" ({reason.label.lower()}) à la levée de sa suspension en cours"
        f" ({current.label.lower()})",
        now=now,
        old_values={"status": line.status, "suspension_reason": current},
        new_values={"status": line.status, "suspension_replaced": reason},
        template="line_suspension_kept_under",
        reason=reason.label.lower(),
        current=current.label.lower(),
    )
    return line


def _suspension_restore(
    line: Line, *, lifted: SuspensionReason, actor: Actor, now: datetime
) -> Line:
    """Lifting a suspension that replaced another whose cause lasts: the line goes back to it."""
    restored = SuspensionReason(line.suspension_replaced)
    line.suspension_reason = restored
    line.suspension_replaced = ""
    line.suspended_at = now
    line.save(update_fields=["suspension_reason", "suspension_replaced", "suspended_at"])
    _record_and_notify(
        line=line,
        actor=actor,
        act=Act.LINE_REINSTATE,
        summary=f"Fin de la suspension de la ligne {line.display_number}"
        f" ({lifted.label.lower()}) : elle reste suspendue ({restored.label.lower()})",
        now=now,
        old_values={"status": line.status, "suspension_reason": lifted},
        new_values={"status": line.status, "suspension_reason": restored},
        template="line_suspended_outgoing",
        reason=restored.label.lower(),
    )
    return line


@transaction.atomic
def line_suspension_cause_end(
    *, line: Line, reason: SuspensionReason, actor: Actor, now: datetime
) -> bool:
    """The cause of the operator's suspension for `reason` is gone (the unpaid settled, the
    advance paid): the line is reinstated when that is its suspension (True), or forgets it
    when a stricter one replaced it, and stays suspended for that one alone (False)."""
    _lock_state(line)
    if line.status != LineStatus.SUSPENDED:
        return False
    if line.suspension_reason == reason:
        line_reinstate(line=line, actor=actor, now=now)
        return True
    if line.suspension_replaced == reason:
        line.suspension_replaced = ""
        line.save(update_fields=["suspension_replaced"])
    return False


def _end_instant(subscription: Subscription, now: datetime) -> datetime:
    """When a subscription ended now really ends: never before it starts, never after its end."""
    if subscription.starts_at > now:
        return subscription.starts_at
    if subscription.ends_at is not None and subscription.ends_at < now:
        return subscription.ends_at
    return now


@transaction.atomic
def line_terminate(*, line: Line, reason: TerminationReason, actor: Actor, now: datetime) -> Line:
    """Résiliation, effective at `now`: every running or scheduled subscription ends with it.

    CGS 8.2: termination is final ("désactivation définitive de la carte SIM et la perte du
    numéro"). Notice periods (CGS 8.1) are counted by the termination request, which calls this
    on its effective date.
    """
    current, target = _transition(line, LineAction.TERMINATE)
    reason = TerminationReason(reason)
    _check_customer_reason(actor, reason, CUSTOMER_TERMINATION_REASONS)
    running = list(
        Subscription.objects.filter(
            line=line, status__in=[SubscriptionStatus.ACTIVE, SubscriptionStatus.SCHEDULED]
        )
    )
    for subscription in running:
        subscription.status = SubscriptionStatus.ENDED
        subscription.ends_at = _end_instant(subscription, now)
    Subscription.objects.bulk_update(running, ["status", "ends_at"])
    old_values = {"status": current, "suspension_reason": line.suspension_reason}
    line.status = target
    line.termination_reason = reason
    line.terminated_at = now
    line.suspension_reason = ""
    line.suspension_replaced = ""
    line.suspended_at = None
    line.save(
        update_fields=[
            "status",
            "termination_reason",
            "terminated_at",
            "suspension_reason",
            "suspension_replaced",
            "suspended_at",
        ]
    )
    _record_and_notify(
        line=line,
        actor=actor,
        act=Act.LINE_TERMINATE,
        summary=f"Résiliation de la ligne {line.display_number} ({reason.label.lower()})",
        now=now,
        old_values=old_values,
        new_values={
            "status": target,
            "termination_reason": reason,
            "ended_subscriptions": [subscription.pk for subscription in running],
        },
        template="line_terminated",
        reason=reason.label.lower(),
    )
    return line


@transaction.atomic
def line_declare_user(
    *, line: Line, user_name: str, user_is_minor: bool, actor: Actor, now: datetime
) -> Line:
    """ "Déclarer utilisateurs" (mobile): who uses the line; an empty name clears it."""
    user_name = " ".join(user_name.split())
    if line.market != Market.MOBILE or line.status == LineStatus.TERMINATED:
        raise LineError(
            code=LineErrorCode.DECLARED_USER_INVALID,
            message="On déclare l'utilisateur d'une ligne mobile non résiliée.",
        )
    if len(user_name) > 200 or (user_is_minor and not user_name):
        raise LineError(
            code=LineErrorCode.DECLARED_USER_INVALID,
            message="Indiquez le nom de l'utilisateur (200 caractères au plus).",
        )
    old = {"user_name": line.user_name, "user_is_minor": line.user_is_minor}
    new = {"user_name": user_name, "user_is_minor": user_is_minor}
    if old == new:
        return line
    line.user_name, line.user_is_minor = user_name, user_is_minor
    line.save(update_fields=["user_name", "user_is_minor"])
    activity_record(
        customer=_holder(line),
        actor=actor,
        act=Act.LINE_DECLARE_USER,
        subject=line,
        summary=f"Utilisateur de la ligne {line.display_number} déclaré",
        at=now,
        old_values=old,
        new_values=new,
    )
    return line


# Subscriptions ---------------------------------------------------------------------------------


def _check_line_open(line: Line) -> None:
    if line.status not in _OPEN_STATUSES:
        raise SubscriptionError(
            code=SubscriptionErrorCode.LINE_NOT_OPEN,
            message=f"La ligne {line.display_number} est"
            f" {LineStatus(line.status).label.lower()} : pas de nouvelle souscription.",
            extra={"line_status": line.status},
        )


def _check_main_offer_active(line: Line) -> Subscription:
    main_offer = active_plan(line=line)
    if main_offer is None:
        raise SubscriptionError(
            code=SubscriptionErrorCode.MAIN_OFFER_REQUIRED,
            message="Une option, une recharge ou un bonus s'ajoute à un forfait ou une offre box"
            " actif.",
        )
    return main_offer


def _refuse(code: SubscriptionErrorCode, message: str, **extra: Any) -> NoReturn:
    raise SubscriptionError(code=code, message=message, extra=extra)


def _check_add_on_rules(
    *, line: Line, product: Product, main_offer: Subscription, actor: Actor, now: datetime
) -> None:
    """The catalog's rules for adding an option or a top-up to this line (brochure, Options
    et recharges: "disponibles uniquement avec les forfaits indiqués", families printed
    "… ou …", incompatibilities, channels and conditions)."""
    if not product.is_current:
        _refuse(
            SubscriptionErrorCode.PRODUCT_WITHDRAWN,
            f"« {product.name} » n'est plus proposé.",
            product=product.code,
        )
    if not product.available_with.filter(pk=main_offer.product_id).exists():
        _refuse(
            SubscriptionErrorCode.NOT_AVAILABLE_WITH_PLAN,
            f"« {product.name} » n'est pas proposé avec « {main_offer.product.name} ».",
            product=product.code,
            plan=main_offer.product.code,
        )
    if product.kind != ProductKind.OPTION:
        return
    option = catalog_current().option(product.code)
    held = {
        subscription.product.code: catalog_current().option(subscription.product.code)
        for subscription in Subscription.objects.filter(
            line=line,
            kind=ProductKind.OPTION,
            status__in=[SubscriptionStatus.ACTIVE, SubscriptionStatus.SCHEDULED],
        ).select_related("product")
    }
    if option.code in held:
        _refuse(
            SubscriptionErrorCode.ALREADY_SUBSCRIBED,
            f"La ligne {line.display_number} a déjà l'option « {option.name} ».",
            product=option.code,
        )
    for other in held.values():
        if option.family is not None and other.family == option.family:
            _refuse(
                SubscriptionErrorCode.FAMILY_ALREADY_SUBSCRIBED,
                f"« {option.name} » remplace « {other.name} » : résiliez d'abord celle-ci"
                " (une seule option de cette famille à la fois).",
                product=option.code,
                held=other.code,
            )
        if other.code in option.incompatible_with or option.code in other.incompatible_with:
            _refuse(
                SubscriptionErrorCode.INCOMPATIBLE,
                f"« {option.name} » est incompatible avec « {other.name} ».",
                product=option.code,
                held=other.code,
            )
    if actor.is_customer and "selfcare" not in option.channels:
        _refuse(
            SubscriptionErrorCode.CUSTOMER_SERVICE_ONLY,
            f"« {option.name} » s'active uniquement auprès du Service Client.",
            product=option.code,
        )
    for condition in option.conditions:
        if not _condition_met(condition.code, line=line, main_offer=main_offer, now=now):
            _refuse(
                SubscriptionErrorCode.CONDITION_NOT_MET,
                f"« {option.name} » : {condition.text}",
                product=option.code,
                condition=condition.code,
            )


def _condition_met(code: str, *, line: Line, main_offer: Subscription, now: datetime) -> bool:
    holder = _holder(line)
    checks = {
        # Brochure, compatibility table: "à l'issue du 1er mois de souscription", of the
        # contract: a change of plan does not start the wait again.
        "after-first-subscription-month": lambda: (
            paris_date(now) >= add_months(paris_date(_contract_start(line, main_offer)), 1)
        ),
        # Options §5, parental control: both conditions "cumulatives".
        "line-user-is-minor": lambda: line.user_is_minor,
        "line-user-is-not-holder": lambda: (
            bool(line.user_name)
            and line.user_name.casefold() != f"{holder.first_name} {holder.last_name}".casefold()
        ),
        # Compatibility table, option internationale: "sauf cas d'impayés".
        "no-unpaid-invoice": lambda: (
            not arrears_state(customer=holder, today=paris_date(now)).in_arrears
        ),
    }
    # The other conditions are the customer's device and network eligibility, declared, not
    # verifiable here.
    check = checks.get(code)
    return check() if check is not None else True


def _contract_start(line: Line, main_offer: Subscription) -> datetime:
    """When the line's contract first had a plan or box offer, on this record or those a line
    transfer continued it from."""
    records = contract_record_ids(line=line)
    first: datetime | None = (
        Subscription.objects.filter(line_id__in=records, kind=main_offer.kind)
        .exclude(status=SubscriptionStatus.SCHEDULED)
        .aggregate(first=Min("starts_at"))["first"]
    )
    return first or main_offer.starts_at


@transaction.atomic
def subscription_add(
    *,
    line: Line,
    product: Product,
    actor: Actor,
    now: datetime,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    prepaid_by: str = "",
    act: Act = Act.SUBSCRIPTION_ADD,
    summary: str = "",
    old_values: Mapping[str, Any] | None = None,
) -> Subscription:
    """Subscribe `line` to `product`, now or at a later `starts_at` (then scheduled).

    A top-up needs `ends_at`, the end of its validity (brochure). A plan or box offer cannot be
    added while another is active: end it first, or schedule the new one. An option or a
    top-up is refused while an invoice is unpaid when the operator lists the act
    (`ArrearsAct.ADD_ON_SUBSCRIBE`, billing.selectors.unpaid_check). `prepaid_by` names the
    payment that already paid for it (a top-up bought by card), so no invoice charges it.

    An act built on this one (an option subscribed, a change of offer) passes its own `act`,
    `summary` and `old_values`, so that it is one entry of the activity log, not two.
    """
    kind = ProductKind(product.kind)
    market = Market(line.market)
    refused_while_unpaid = kind in (ProductKind.OPTION, ProductKind.TOP_UP)
    if refused_while_unpaid and line.suspension_reason == SuspensionReason.UNPAID:
        # The suspension is the arrears: name them, and the way to pay, before the suspension.
        unpaid_check(customer=_holder(line), act=ArrearsAct.ADD_ON_SUBSCRIBE, today=paris_date(now))
    _check_line_open(line)
    if product.market != market or kind not in SUBSCRIBABLE_KINDS[market]:
        raise SubscriptionError(
            code=SubscriptionErrorCode.PRODUCT_NOT_FOR_LINE,
            message=f"« {product.name} » ({kind.label.lower()}, {product.get_market_display()})"
            f" ne peut pas être souscrit sur une ligne {market.label.lower()}.",
            extra={"product": product.code, "kind": kind, "market": market},
        )
    starts_at = starts_at or now
    if (
        starts_at < now
        or (ends_at is not None and ends_at <= starts_at)
        or (kind == ProductKind.TOP_UP and ends_at is None)
    ):
        raise SubscriptionError(
            code=SubscriptionErrorCode.PERIOD_INVALID,
            message="La période de souscription est invalide : elle commence maintenant ou plus"
            " tard, finit après son début, et une recharge a une fin de validité.",
            extra={"starts_at": starts_at, "ends_at": ends_at},
        )
    status = SubscriptionStatus.SCHEDULED if starts_at > now else SubscriptionStatus.ACTIVE
    if kind in MAIN_OFFER_KINDS:
        others = Subscription.objects.filter(line=line, status=status, kind__in=MAIN_OFFER_KINDS)
        if others.exists():
            code = (
                SubscriptionErrorCode.MAIN_OFFER_ALREADY_ACTIVE
                if status == SubscriptionStatus.ACTIVE
                else SubscriptionErrorCode.MAIN_OFFER_ALREADY_SCHEDULED
            )
            raise SubscriptionError(
                code=code,
                message=f"La ligne {line.display_number} a déjà un forfait ou une offre box"
                f" {status.label.lower()}.",
            )
    else:
        main_offer = _check_main_offer_active(line)
        _check_add_on_rules(line=line, product=product, main_offer=main_offer, actor=actor, now=now)
    if refused_while_unpaid:
        unpaid_check(customer=_holder(line), act=ArrearsAct.ADD_ON_SUBSCRIBE, today=paris_date(now))
    subscription = Subscription.objects.create(
        line=line,
        product=product,
        kind=kind,
        status=status,
        starts_at=starts_at,
        ends_at=ends_at,
        created_at=now,
        prepaid_by=prepaid_by,
    )
    activity_record(
        customer=_holder(line),
        actor=actor,
        act=act,
        subject=subscription,
        summary=summary or f"Souscription « {product.name} » sur la ligne {line.display_number}",
        at=now,
        old_values=old_values,
        new_values={
            "product": product.code,
            "status": status,
            "starts_at": starts_at,
            "ends_at": ends_at,
            **({"prepaid_by": prepaid_by} if prepaid_by else {}),
        },
    )
    return subscription


@transaction.atomic
def subscription_end(
    *,
    subscription: Subscription,
    actor: Actor,
    now: datetime,
    act: Act = Act.SUBSCRIPTION_END,
    summary: str = "",
) -> Subscription:
    """End a running or scheduled subscription now (a scheduled one never starts). An act
    built on this one (an option cancelled) passes its own `act` and `summary`: one entry."""
    if subscription.status == SubscriptionStatus.ENDED:
        raise SubscriptionError(
            code=SubscriptionErrorCode.ALREADY_ENDED,
            message=f"La souscription « {subscription.product.name} » est déjà terminée.",
        )
    old = {"status": subscription.status, "ends_at": subscription.ends_at}
    subscription.status = SubscriptionStatus.ENDED
    subscription.ends_at = _end_instant(subscription, now)
    subscription.save(update_fields=["status", "ends_at"])
    activity_record(
        customer=_holder(subscription.line),
        actor=actor,
        act=act,
        subject=subscription,
        summary=summary
        or f"Fin de la souscription « {subscription.product.name} » sur la ligne"
        f" {subscription.line.display_number}",
        at=now,
        old_values=old,
        new_values={"status": subscription.status, "ends_at": subscription.ends_at},
    )
    return subscription


@transaction.atomic
def subscription_start(*, subscription: Subscription, actor: Actor, now: datetime) -> Subscription:
    """Start a scheduled subscription once due; a scheduled plan replaces the active one.

    It was checked when it was scheduled; a suspended line's starts too, since a suspension
    stops the service, not the contract nor its billing (CGS 2.4). A terminated line has none:
    `line_terminate` ended them."""
    line = subscription.line
    if subscription.status != SubscriptionStatus.SCHEDULED:
        raise SubscriptionError(
            code=SubscriptionErrorCode.NOT_SCHEDULED,
            message=f"La souscription « {subscription.product.name} » n'est pas programmée.",
            extra={"status": subscription.status},
        )
    if subscription.starts_at > now:
        raise SubscriptionError(
            code=SubscriptionErrorCode.NOT_DUE,
            message=f"La souscription « {subscription.product.name} » commence le"
            f" {french_date(subscription.starts_at)}.",
            extra={"starts_at": subscription.starts_at},
        )
    if line.status == LineStatus.TERMINATED:
        raise SubscriptionError(
            code=SubscriptionErrorCode.LINE_NOT_OPEN,
            message=f"La ligne {line.display_number} est résiliée.",
            extra={"line_status": line.status},
        )
    if subscription.kind in MAIN_OFFER_KINDS:
        replaced = active_plan(line=line)
        if replaced is not None:
            subscription_end(subscription=replaced, actor=actor, now=now)
    else:
        _check_main_offer_active(line)
    subscription.status = SubscriptionStatus.ACTIVE
    subscription.save(update_fields=["status"])
    activity_record(
        customer=_holder(line),
        actor=actor,
        act=Act.SUBSCRIPTION_START,
        subject=subscription,
        summary=f"Début de la souscription « {subscription.product.name} » sur la ligne"
        f" {line.display_number}",
        at=now,
        old_values={"status": SubscriptionStatus.SCHEDULED},
        new_values={"status": SubscriptionStatus.ACTIVE},
    )
    return subscription


# Equipment -------------------------------------------------------------------------------------


@transaction.atomic
def equipment_register(
    *,
    customer: Customer,
    kind: EquipmentKind,
    model: str,
    ownership: Ownership,
    acquired_at: datetime,
    actor: Actor,
    now: datetime,
    line: Line | None = None,
    imei: str = "",
    serial_number: str = "",
) -> Equipment:
    """Record a device the customer owns or rents. A phone is identified by its IMEI; other
    equipment by its serial number (or IMEI for 4G keys and boxes)."""
    kind, ownership = EquipmentKind(kind), Ownership(ownership)
    if line is not None:
        owned = line_get_for_customer(customer=customer, line_id=line.pk)
        if owned is None:
            raise EquipmentError(
                code=EquipmentErrorCode.LINE_NOT_CUSTOMERS,
                message="Cette ligne n'appartient pas au client.",
            )
        if owned.market != EQUIPMENT_MARKETS[kind]:
            raise EquipmentError(
                code=EquipmentErrorCode.MARKET_MISMATCH,
                message=f"Un équipement « {kind.label} » ne s'utilise pas sur une ligne"
                f" {owned.get_market_display().lower()}.",
                extra={"kind": kind, "market": owned.market},
            )
    model = " ".join(model.split())
    if not model:
        raise EquipmentError(
            code=EquipmentErrorCode.MODEL_REQUIRED, message="Indiquez le modèle de l'équipement."
        )
    serial_number = serial_number.strip()
    if imei:
        if kind not in EQUIPMENT_WITH_IMEI:
            raise EquipmentError(
                code=EquipmentErrorCode.IMEI_NOT_APPLICABLE,
                message=f"Un équipement « {kind.label} » n'a pas d'IMEI.",
            )
        try:
            imei = normalize_imei(imei)
        except ValueError as invalid:
            raise EquipmentError(
                code=EquipmentErrorCode.IMEI_INVALID, message=str(invalid)
            ) from None
    elif kind == EquipmentKind.PHONE:
        raise EquipmentError(
            code=EquipmentErrorCode.IMEI_REQUIRED, message="Indiquez l'IMEI du téléphone."
        )
    elif not serial_number:
        raise EquipmentError(
            code=EquipmentErrorCode.SERIAL_NUMBER_REQUIRED,
            message=f"Indiquez le numéro de série de l'équipement « {kind.label} ».",
        )
    equipment = Equipment.objects.create(
        customer=customer,
        line=line,
        kind=kind,
        model=model,
        imei=imei,
        serial_number=serial_number,
        ownership=ownership,
        acquired_at=acquired_at,
        created_at=now,
    )
    activity_record(
        customer=customer,
        actor=actor,
        act=Act.EQUIPMENT_REGISTER,
        subject=equipment,
        summary=f"{kind.label} {model} enregistré ({ownership.label.lower()})",
        at=now,
        new_values={"kind": kind, "model": model, "imei": imei, "serial_number": serial_number},
    )
    return equipment


# -- portal: home and usage --------------------------------------------------------------------
# The settings a customer makes on a line that the network applies (lines.provisioning).


def _check_settable(line: Line, market: Market) -> None:
    if line.market != market:
        code, what = (
            (LineSettingsErrorCode.NOT_A_MOBILE_LINE, "une ligne mobile")
            if market == Market.MOBILE
            else (LineSettingsErrorCode.NOT_A_BOX_LINE, "une ligne box")
        )
        raise LineSettingsError(code=code, message=f"Ce réglage ne concerne que {what}.")
    if line.status == LineStatus.TERMINATED:
        raise LineSettingsError(
            code=LineSettingsErrorCode.LINE_CLOSED,
            message=f"La ligne {line.display_number} est résiliée : plus de réglage possible.",
        )


@transaction.atomic
def line_set_data_mode(*, line: Line, mode: str, actor: Actor, now: datetime) -> LineDataSetting:
    """ "Gérer ou bloquer ma data": allow mobile data, block it abroad, or block it everywhere;
    the mobile core is told through the provisioning adapter."""
    _check_settable(line, Market.MOBILE)
    if mode not in DataUsageMode.values:
        raise LineSettingsError(
            code=LineSettingsErrorCode.DATA_MODE_INVALID,
            message="Choisissez l'un des modes de consommation data proposés.",
            extra={"mode": mode},
        )
    setting = LineDataSetting.objects.select_for_update().filter(line=line).first()
    old_mode = setting.mode if setting else DataUsageMode.ALLOWED
    if setting is None:
        setting = LineDataSetting(line=line, mode=mode, updated_at=now)
    if old_mode == mode and setting.pk is not None:
        return setting
    setting.mode, setting.updated_at = mode, now
    setting.save()
    network_provisioning().send(
        line=line, command="data_mode", parameters={"msisdn": line.msisdn, "mode": mode}, now=now
    )
    activity_record(
        customer=_holder(line),
        actor=actor,
        act=Act.LINE_SET_DATA_MODE,
        subject=line,
        summary=f"Ligne {line.display_number} : {DataUsageMode(mode).label}",
        at=now,
        old_values={"mode": old_mode},
        new_values={"mode": mode},
    )
    return setting


@dataclass(frozen=True)
class BoxWifiIn:
    network_name: str
    wifi_key: str
    wifi_enabled: bool
    guest_enabled: bool


@transaction.atomic
def box_wifi_set(*, line: Line, settings_in: BoxWifiIn, actor: Actor, now: datetime) -> BoxWifi:
    """ "Paramétrer ma box et mon Wi-Fi": network name, WPA2 key, Wi-Fi on or off, guest Wi-Fi;
    pushed to the box through the provisioning adapter. The keys never enter the activity log."""
    _check_settable(line, Market.FIXED)
    name_problem = network_name_problem(settings_in.network_name)
    if name_problem:
        raise LineSettingsError(
            code=LineSettingsErrorCode.NETWORK_NAME_INVALID, message=name_problem
        )
    key_problem = wifi_key_problem(settings_in.wifi_key)
    if key_problem:
        raise LineSettingsError(code=LineSettingsErrorCode.WIFI_KEY_INVALID, message=key_problem)
    wifi = BoxWifi.objects.select_for_update().filter(line=line).first() or box_wifi_get(line=line)
    old = _wifi_values(wifi)
    wifi.network_name = settings_in.network_name
    wifi.wifi_key = settings_in.wifi_key
    wifi.wifi_enabled = settings_in.wifi_enabled
    wifi.guest_enabled = settings_in.guest_enabled
    new = _wifi_values(wifi)
    if old == new and wifi.pk is not None:
        return wifi
    wifi.updated_at = now
    wifi.save()
    network_provisioning().send(
        line=line,
        command="box_wifi",
        # The box management platform gets the key over its own secured channel; the command
        # row keeps only that it changed.
        parameters={**new, "access_reference": line.access_reference},
        now=now,
    )
    activity_record(
        customer=_holder(line),
        actor=actor,
        act=Act.BOX_WIFI_SET,
        subject=line,
        summary=f"Wi-Fi de la box {line.display_number} modifié",
        at=now,
        old_values=old,
        new_values=new,
    )
    return wifi


def _wifi_values(wifi: BoxWifi) -> dict[str, Any]:
    return {
        "network_name": wifi.network_name,
        "wifi_key_changed_hash": hashlib.sha256(wifi.wifi_key.encode()).hexdigest()[:12],
        "wifi_enabled": wifi.wifi_enabled,
        "guest_enabled": wifi.guest_enabled,
    }


# -- back office: a line changes holder (CGS 12) or its box moves ------------------------------

# What a new holder takes over with the contract: the plan or box offer, its options and
# bonuses. A top-up stays with the record that bought it: it was charged (or prepaid) once, and
# a copy starting on the transfer day would be charged again to the new holder.
_TRANSFERRED_KINDS = (*MAIN_OFFER_KINDS, ProductKind.OPTION, ProductKind.BONUS)


@transaction.atomic
def line_transfer_holder(
    *, line: Line, billing_account: BillingAccount, actor: Actor, now: datetime
) -> Line:
    """The contract of `line` passes to the holder of `billing_account` at `now` (CGS 12).

    The bill run and usage routing find a line's account and plan on the line record, over the
    record's time in service. So the record of the former holder ends at `now` (terminated by
    the transfer, with every running subscription: they are billed up to that day) and a new
    record on the new account carries the same number, access reference, SIM and PUK, the
    contract's dates (activation and commitment end: the contract goes on, CGS 12 transfers it
    free of charge) and the plan, options and bonuses that were running, from `now`. Usage
    routing gives a record before `now` to the former record (the lower id among the lines that
    held the number then), after it to the new one. The SIM's ICCID moves to the new record
    (an ICCID is on one record only); the rented equipment goes with the line, the owned
    equipment stays with the former holder. Returns the new record."""
    current, _ = _transition(line, LineAction.TERMINATE)
    if current != LineStatus.ACTIVE:
        raise LineError(
            code=LineErrorCode.TRANSFER_NOT_ALLOWED,
            message=f"La ligne {line.display_number} est {current.label.lower()} : seule une"
            " ligne active peut être cédée.",
            extra={"status": current},
        )
    if billing_account.status != BillingAccountStatus.ACTIVE:
        raise LineError(
            code=LineErrorCode.BILLING_ACCOUNT_CLOSED,
            message=f"Le compte de facturation {billing_account.number} est clôturé.",
        )
    former_holder, new_holder = _holder(line), billing_account.customer
    if former_holder.pk == new_holder.pk:
        raise LineError(
            code=LineErrorCode.TRANSFER_NOT_ALLOWED,
            message="Le nouveau titulaire doit être une autre personne que l'actuel.",
        )
    running = list(
        Subscription.objects.filter(
            line=line, status__in=[SubscriptionStatus.ACTIVE, SubscriptionStatus.SCHEDULED]
        ).select_related("product")
    )
    # (product, kind, start, end) read before the former record's subscriptions end below.
    carried = [
        (subscription.product, subscription.kind, subscription.starts_at, subscription.ends_at)
        for subscription in running
        if subscription.kind in _TRANSFERRED_KINDS
        and (subscription.ends_at is None or subscription.ends_at > now)
    ]
    for subscription in running:
        subscription.status = SubscriptionStatus.ENDED
        subscription.ends_at = _end_instant(subscription, now)
    Subscription.objects.bulk_update(running, ["status", "ends_at"])
    sim = (line.iccid, line.puk)
    line.status = LineStatus.TERMINATED
    line.termination_reason = TerminationReason.TRANSFER
    line.terminated_at = now
    line.iccid = ""
    line.save(update_fields=["status", "termination_reason", "terminated_at", "iccid"])
    new_line = Line.objects.create(
        billing_account=billing_account,
        market=line.market,
        msisdn=line.msisdn,
        access_reference=line.access_reference,
        iccid=sim[0],
        puk=sim[1],
        status=LineStatus.ACTIVE,
        created_at=now,
        activated_at=line.activated_at,
        commitment_end_date=line.commitment_end_date,
        transferred_from=line,
    )
    Subscription.objects.bulk_create(
        Subscription(
            line=new_line,
            product=product,
            kind=kind,
            status=SubscriptionStatus.SCHEDULED if starts_at > now else SubscriptionStatus.ACTIVE,
            starts_at=max(starts_at, now),
            ends_at=ends_at,
            created_at=now,
        )
        for product, kind, starts_at, ends_at in carried
    )
    Equipment.objects.held().filter(line=line, ownership=Ownership.RENTED).update(
        customer=new_holder, line=new_line
    )
    details = BoxLineDetails.objects.filter(line=line).first()
    if details is not None:
        # The landline and the fibre socket belong to the access; the TV PINs were the former
        # holder's secrets: the new holder sets theirs.
        BoxLineDetails.objects.create(
            line=new_line,
            landline_number=details.landline_number,
            optical_outlet_reference=details.optical_outlet_reference,
            updated_at=now,
        )
    products = [product.code for product, *_ in carried]
    activity_record(
        customer=former_holder,
        actor=actor,
        act=Act.LINE_TRANSFER_COMPLETE,
        subject=line,
        summary=f"Ligne {line.display_number} cédée à {new_holder.first_name}"
        f" {new_holder.last_name} le {french_date(now)}",
        at=now,
        old_values={"status": current},
        new_values={"status": line.status, "new_line": new_line.pk},
    )
    activity_record(
        customer=new_holder,
        actor=actor,
        act=Act.LINE_TRANSFER_COMPLETE,
        subject=new_line,
        summary=f"Ligne {new_line.display_number} à votre nom depuis le {french_date(now)}"
        " (cession)",
        at=now,
        new_values={"former_line": line.pk, "products": products},
    )
    return new_line


@transaction.atomic
def line_move_access(
    *, line: Line, address: str, actor: Actor, now: datetime, access_reference: str = ""
) -> ProvisioningCommand:
    """The network partner moved the box's access to `address` (a move, "déménagement"): the
    line takes the new access reference the partner gave, if any, and the move is sent to the
    network as a provisioning command, kept with its outcome."""
    _lock_state(line)
    if line.market != Market.FIXED or line.status == LineStatus.TERMINATED:
        raise LineError(
            code=LineErrorCode.NOT_A_BOX_LINE,
            message=f"La ligne {line.display_number} n'est pas une box en service.",
        )
    old_reference = line.access_reference
    if access_reference:
        access_reference = _valid(
            LineErrorCode.ACCESS_REFERENCE_INVALID, normalize_access_reference, access_reference
        )
        taken = (
            Line.objects.exclude(status=LineStatus.TERMINATED)
            .exclude(pk=line.pk)
            .filter(access_reference=access_reference)
        )
        if taken.exists():
            raise LineError(
                code=LineErrorCode.ACCESS_REFERENCE_IN_USE,
                message=f"La référence d'accès {access_reference} est déjà attribuée.",
                extra={"access_reference": access_reference},
            )
        line.access_reference = access_reference
        line.save(update_fields=["access_reference"])
    command = network_provisioning().send(
        line=line,
        command="box_move",
        parameters={
            "address": address,
            "access_reference": line.access_reference,
            "former_access_reference": old_reference,
        },
        now=now,
    )
    activity_record(
        customer=_holder(line),
        actor=actor,
        act=Act.BOX_MOVE_COMPLETE,
        subject=line,
        summary=f"Box transférée au {address}",
        at=now,
        old_values={"access_reference": old_reference},
        new_values={
            "access_reference": line.access_reference,
            "address": address,
            "provisioning": command.reference,
        },
    )
    return command
