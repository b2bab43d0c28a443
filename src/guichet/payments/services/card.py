"""Card payments: an invoice, the arrears, an instalment plan's outstanding principal, a top-up,
a device order.

One attempt per payment (`PaymentAttempt`), and never a PSP call inside a transaction:

- `card_payment_start`: `payment_attempt_create` checks what is paid and commits the row (status
  created) before anything reaches the PSP; then the PSP's PaymentIntent (idempotency key
  `payment_attempt:{id}`) and the SetupIntent that collects the card are made, and their ids
  recorded (`payment_attempt_prepare`).
- `card_payment_confirm`, once the browser has handed the card to the PSP: `payment_attempt_submit`
  moves the row to processing under a row lock (a double click or a retried request finds it
  processing and calls nothing), then the PSP charges the card. A refusal settles the attempt
  as failed; a timeout leaves it unknown (`payment_attempt_mark_unknown`).
- The PSP's webhook (`psp_event_receive`, deduplicated on the event id) or the reconciliation
  (`card_payments_reconcile`, which asks the PSP) settles it: `payment_attempt_settle` credits
  the money once, through `billing.settlement`, `lines.services.subscription_add` or
  `devices.services.device_renewal_card_paid`.

What each purpose owes, how its money is credited and what a failure undoes is one `Purpose` in
`PURPOSES`. Refunds are services.refunds.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction

from guichet.billing.errors import BillingError
from guichet.billing.models import Invoice
from guichet.billing.rules import ArrearsAct
from guichet.billing.selectors import (
    PAYABLE_STATUSES,
    invoices_in_arrears_for_customer,
    unpaid_check,
)
from guichet.billing.settlement import invoice_payment_record
from guichet.care.actors import Actor
from guichet.care.acts import Act
from guichet.care.models import Order, OrderStatus
from guichet.care.services import activity_record
from guichet.catalog.models import Product, ProductKind
from guichet.catalog.rendering import euros
from guichet.catalog.selectors import catalog_current, top_ups_for_plan
from guichet.customers.models import Customer
from guichet.devices.errors import DeviceError
from guichet.devices.models import DeviceRenewal
from guichet.devices.services import device_renewal_card_paid, device_renewal_card_unpaid
from guichet.lines.errors import SubscriptionError
from guichet.lines.models import Line, LineStatus
from guichet.lines.selectors import active_plan, line_get_for_customer
from guichet.lines.services import subscription_add
from guichet.payments import card_rules
from guichet.payments.card_rules import AmountProblem, PspOutcome
from guichet.payments.errors import PaymentError, PaymentErrorCode
from guichet.payments.models.card import (
    FINAL_STATUSES,
    IN_FLIGHT_STATUSES,
    CardPaymentPurpose,
    CardRefund,
    PaymentAllocation,
    PaymentAttempt,
    PaymentAttemptStatus,
    PspCustomer,
    PspEvent,
    PspEventOutcome,
)
from guichet.payments.psp import (
    CURRENCY,
    CardGateway,
    IntentState,
    PspDeclined,
    PspOutcomeUnknown,
    PspRefused,
    WebhookEvent,
)
from guichet.payments.selectors.card import (
    payment_attempt_get_by_intent,
    payment_attempt_ids_to_reconcile,
    psp_customer_id_for,
)
from guichet.payments.selectors.instalments import instalment_plan_outstanding_cents
from guichet.payments.services.dunning import dunning_case_resolve_if_paid
from guichet.payments.services.instalments import instalment_plan_settle
from guichet.payments.services.refunds import card_refund_create

logger = logging.getLogger("guichet.payments")

SYSTEM = Actor.system()


def _refuse(code: PaymentErrorCode, message: str, **extra: Any) -> PaymentError:
    """A typed refusal, logged: every refused payment leaves a trace for the operator."""
    logger.warning("Card payment refused (%s): %s %s", code, message, extra)
    return PaymentError(code=code, message=message, extra=extra)


def _paris_today(now: datetime) -> Any:
    return now.astimezone(card_rules.PARIS).date()


# Purposes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Purpose:
    """What a payment purpose owes and how its money is credited.

    `owed_cents(attempt, now)` is what the customer may pay now (or the price, when `exact`);
    it raises PaymentError when the target cannot be paid at all. `credit(attempt, now)` applies
    the money of a succeeded attempt, inside `payment_attempt_settle`'s transaction; it raises
    the owning context's error when it cannot, and then nothing of it is kept. `on_failure`,
    when set, undoes in the same transaction what waited for a payment that failed.
    """

    label: Callable[[PaymentAttempt], str]
    owed_cents: Callable[[PaymentAttempt, datetime], int]
    credit: Callable[[PaymentAttempt, datetime], None]
    on_failure: Callable[[PaymentAttempt, datetime], None] | None = None
    # A purchase whose money cannot be credited (the order was cancelled meanwhile) is owed
    # back at once: a refund is recorded, sent by the webhook view or the reconciliation.
    refund_if_not_credited: bool = False
    # A debt can be paid in part; a purchase is paid at its price.
    exact: bool = False
    # Debts of one customer are paid one card payment at a time (see _check_nothing_in_flight).
    is_debt: bool = True


def _invoice_owed(attempt: PaymentAttempt, now: datetime) -> int:
    invoice = attempt.invoice
    assert invoice is not None  # payment_attempt_target_fits_purpose
    invoice.refresh_from_db(fields=["status", "paid_cents"])
    if invoice.status not in PAYABLE_STATUSES:
        raise _refuse(
            PaymentErrorCode.NOT_PAYABLE,
            f"La facture {invoice.number} n'est pas à payer : elle est"
            f" {invoice.get_status_display().lower()}.",
            invoice=invoice.number,
            status=invoice.status,
        )
    return invoice.outstanding_cents


def _invoice_credit(attempt: PaymentAttempt, now: datetime) -> None:
    assert attempt.invoice is not None
    invoice_payment_record(
        invoice=attempt.invoice,
        amount_cents=attempt.amount_cents,
        reference=attempt.idempotency_key,
        actor=SYSTEM,
        now=now,
    )
    PaymentAllocation.objects.create(
        attempt=attempt, invoice=attempt.invoice, amount_cents=attempt.amount_cents
    )
    _lift_dunning([attempt.invoice], now=now)


def _lift_dunning(invoices: list[Invoice], *, now: datetime) -> None:
    """A payment that clears what an account owed closes its dunning case at once (lines
    suspended for unpaid are reinstated), without waiting for the nightly dunning run."""
    accounts = {invoice.billing_account_id: invoice.billing_account for invoice in invoices}
    for account in accounts.values():
        dunning_case_resolve_if_paid(billing_account=account, actor=SYSTEM, now=now)


def _arrears(attempt: PaymentAttempt, now: datetime) -> list[Invoice]:
    return invoices_in_arrears_for_customer(customer=attempt.customer, today=_paris_today(now))


def _arrears_owed(attempt: PaymentAttempt, now: datetime) -> int:
    return sum(invoice.outstanding_cents for invoice in _arrears(attempt, now))


def _arrears_credit(attempt: PaymentAttempt, now: datetime) -> None:
    """The oldest unpaid invoice is paid first, in full, then the next (card_rules)."""
    invoices = {invoice.pk: invoice for invoice in _arrears(attempt, now)}
    shares, left = card_rules.allocate_oldest_first(
        amount_cents=attempt.amount_cents,
        owed=[
            card_rules.Owed(key=pk, outstanding_cents=i.outstanding_cents)
            for pk, i in invoices.items()
        ],
    )
    if left:
        # Paid meanwhile by other means: the surplus was taken and is not owed.
        raise _refuse(
            PaymentErrorCode.AMOUNT_EXCEEDS_OWED,
            f"Le paiement de {euros(attempt.amount_cents)} dépasse de {euros(left)} les impayés"
            " restants : à rembourser.",
            attempt=attempt.pk,
            surplus_cents=left,
        )
    for share in shares:
        invoice_payment_record(
            invoice=invoices[share.key],
            amount_cents=share.amount_cents,
            reference=attempt.idempotency_key,
            actor=SYSTEM,
            now=now,
        )
    PaymentAllocation.objects.bulk_create(
        PaymentAllocation(attempt=attempt, invoice_id=share.key, amount_cents=share.amount_cents)
        for share in shares
    )
    _lift_dunning([invoices[share.key] for share in shares], now=now)


def _top_up_label(attempt: PaymentAttempt) -> str:
    assert attempt.product is not None and attempt.line is not None
    return f"{attempt.product.name} — ligne {attempt.line.display_number}"


def _top_up_price(attempt: PaymentAttempt, now: datetime) -> int:
    """The top-up's catalog price, if the line can buy it now (no arrears, active, its plan
    sells it)."""
    line, product = attempt.line, attempt.product
    assert line is not None and product is not None
    # subscription_add checks the unpaid rule again when the top-up is credited; refused only
    # then, the card would already be charged. A line suspended for its arrears gets this
    # reason, with the way to pay, rather than "not available".
    try:
        unpaid_check(
            customer=attempt.customer, act=ArrearsAct.ADD_ON_SUBSCRIBE, today=_paris_today(now)
        )
    except BillingError as unpaid:
        raise _refuse(
            PaymentErrorCode.REFUSED_WHILE_UNPAID, unpaid.message, **unpaid.extra
        ) from None
    plan = active_plan(line=line)
    if (
        line.status != LineStatus.ACTIVE
        or product.kind != ProductKind.TOP_UP
        or plan is None
        or not top_ups_for_plan(plan=plan.product).filter(pk=product.pk).exists()
        or product.price_cents is None
    ):
        raise _refuse(
            PaymentErrorCode.TOP_UP_NOT_AVAILABLE,
            f"« {product.name} » ne peut pas être acheté pour la ligne {line.display_number}.",
            line=line.pk,
            product=product.code,
        )
    return product.price_cents


def _top_up_credit(attempt: PaymentAttempt, now: datetime) -> None:
    assert attempt.line is not None and attempt.product is not None
    top_up = catalog_current().top_up(attempt.product.code)
    subscription_add(
        line=attempt.line,
        product=attempt.product,
        actor=SYSTEM,
        now=now,
        ends_at=card_rules.top_up_ends_at(
            validity=top_up.validity, validity_days=top_up.validity_days, activated_at=now
        ),
        prepaid_by=attempt.idempotency_key,
    )


def _instalment_plan_owed(attempt: PaymentAttempt, now: datetime) -> int:
    """The outstanding principal: an early settlement pays all of it (instalment_plan_settle)."""
    assert attempt.instalment_plan is not None
    return instalment_plan_outstanding_cents(plan=attempt.instalment_plan)


def _instalment_plan_credit(attempt: PaymentAttempt, now: datetime) -> None:
    assert attempt.instalment_plan is not None
    instalment_plan_settle(
        plan=attempt.instalment_plan,
        amount_cents=attempt.amount_cents,
        payment_reference=attempt.idempotency_key,
        actor=SYSTEM,
        now=now,
    )


def _awaiting_renewal(attempt: PaymentAttempt) -> DeviceRenewal:
    """The device renewal of the attempt's order, if it still waits for its card payment;
    locked, as the cancellation of an order whose payment never started locks it
    (devices.card_orders.device_orders_without_payment_cancel)."""
    assert attempt.order is not None
    renewal = (
        DeviceRenewal.objects.select_for_update(of=("self",))
        .filter(order=attempt.order)
        .select_related("order")
        .first()
    )
    if (
        renewal is None
        or not renewal.awaiting_card_payment
        or renewal.order.status != OrderStatus.RECEIVED
    ):
        raise _refuse(
            PaymentErrorCode.ORDER_NOT_AWAITING_PAYMENT,
            f"La commande n° {attempt.order.pk} n'attend pas de paiement par carte.",
            order=attempt.order.pk,
        )
    return renewal


def _device_order_label(attempt: PaymentAttempt) -> str:
    assert attempt.order is not None
    return f"Commande n° {attempt.order.pk}"


def _device_order_price(attempt: PaymentAttempt, now: datetime) -> int:
    return _awaiting_renewal(attempt).price_cents


def _device_order_credit(attempt: PaymentAttempt, now: datetime) -> None:
    device_renewal_card_paid(
        renewal=_awaiting_renewal(attempt),
        payment_reference=attempt.idempotency_key,
        actor=SYSTEM,
        now=now,
    )


def _device_order_failed(attempt: PaymentAttempt, now: datetime) -> None:
    """A failed or abandoned payment cancels the order it was for: nothing is shipped and
    nothing billed (CGVAD art. 4, the products are payable at the order)."""
    renewal = DeviceRenewal.objects.filter(order_id=attempt.order_id).first()
    if renewal is not None and renewal.awaiting_card_payment:
        device_renewal_card_unpaid(
            renewal=renewal,
            reason=card_rules.refusal_message(attempt.failure_code),
            actor=SYSTEM,
            now=now,
        )


PURPOSES: dict[str, Purpose] = {
    CardPaymentPurpose.INVOICE: Purpose(
        label=lambda attempt: f"Facture {attempt.invoice}",
        owed_cents=_invoice_owed,
        credit=_invoice_credit,
    ),
    CardPaymentPurpose.ARREARS: Purpose(
        label=lambda attempt: "Régularisation des factures impayées",
        owed_cents=_arrears_owed,
        credit=_arrears_credit,
    ),
    CardPaymentPurpose.TOP_UP: Purpose(
        label=_top_up_label,
        owed_cents=_top_up_price,
        credit=_top_up_credit,
        exact=True,
        is_debt=False,
    ),
    CardPaymentPurpose.DEVICE_ORDER: Purpose(
        label=_device_order_label,
        owed_cents=_device_order_price,
        credit=_device_order_credit,
        on_failure=_device_order_failed,
        refund_if_not_credited=True,
        exact=True,
        is_debt=False,
    ),
    CardPaymentPurpose.INSTALMENT_PLAN: Purpose(
        label=lambda attempt: f"Solde de la facilité de paiement {attempt.instalment_plan}",
        owed_cents=_instalment_plan_owed,
        credit=_instalment_plan_credit,
        exact=True,
    ),
}


def _purpose(attempt: PaymentAttempt) -> Purpose:
    purpose = PURPOSES.get(attempt.purpose)
    if purpose is None:
        raise _refuse(
            PaymentErrorCode.PURPOSE_UNAVAILABLE,
            f"Le paiement par carte n'est pas proposé pour : "
            f"{CardPaymentPurpose(attempt.purpose).label.lower()}.",
            purpose=attempt.purpose,
        )
    return purpose


_AMOUNT_REFUSALS = {
    AmountProblem.NOT_POSITIVE: (
        PaymentErrorCode.AMOUNT_NOT_POSITIVE,
        "Le montant à payer doit être positif (reçu {amount}).",
    ),
    AmountProblem.NOTHING_OWED: (
        PaymentErrorCode.NOTHING_OWED,
        "Il n'y a rien à payer pour : {label}.",
    ),
    AmountProblem.EXCEEDS_OWED: (
        PaymentErrorCode.AMOUNT_EXCEEDS_OWED,
        "Le montant de {amount} dépasse ce qui reste à payer ({owed}) pour : {label}.",
    ),
    AmountProblem.NOT_THE_PRICE: (
        PaymentErrorCode.AMOUNT_NOT_THE_PRICE,
        "Le prix de {label} est de {owed}, pas de {amount} : rechargez la page.",
    ),
}


def _check_amount(attempt: PaymentAttempt, purpose: Purpose, now: datetime) -> None:
    owed = purpose.owed_cents(attempt, now)
    problem = card_rules.amount_problem(
        amount_cents=attempt.amount_cents, owed_cents=owed, exact=purpose.exact
    )
    if problem is None:
        return
    code, text = _AMOUNT_REFUSALS[problem]
    raise _refuse(
        code,
        text.format(
            amount=euros(attempt.amount_cents), owed=euros(owed), label=purpose.label(attempt)
        ),
        amount_cents=attempt.amount_cents,
        owed_cents=owed,
        purpose=attempt.purpose,
    )


def _check_nothing_in_flight(attempt: PaymentAttempt, purpose: Purpose) -> None:
    """While a card payment of the customer's debts may have been taken and is not credited
    yet, another one waits: together they could pay more than what is owed."""
    if not purpose.is_debt:
        return
    debt_purposes = [code for code, other in PURPOSES.items() if other.is_debt]
    others = PaymentAttempt.objects.filter(
        customer=attempt.customer, status__in=IN_FLIGHT_STATUSES, purpose__in=debt_purposes
    ).exclude(pk=attempt.pk)
    if others.exists():
        raise _refuse(
            PaymentErrorCode.PAYMENT_IN_PROGRESS,
            "Un paiement par carte est déjà en cours de confirmation par votre banque :"
            " attendez son résultat avant d'en faire un autre.",
            customer=attempt.customer.number,
        )


def _check_target_of_customer(attempt: PaymentAttempt) -> None:
    customer = attempt.customer
    if attempt.invoice is not None and attempt.invoice.billing_account.customer_id != customer.pk:
        raise _refuse(
            PaymentErrorCode.TARGET_NOT_FOUND,
            "Cette facture n'est pas dans votre espace client.",
            invoice=attempt.invoice.number,
        )
    if attempt.order is not None and attempt.order.customer_id != customer.pk:
        raise _refuse(
            PaymentErrorCode.TARGET_NOT_FOUND,
            "Cette commande n'est pas dans votre espace client.",
            order=attempt.order.pk,
        )
    if (
        attempt.line is not None
        and line_get_for_customer(customer=customer, line_id=attempt.line.pk) is None
    ):
        raise _refuse(
            PaymentErrorCode.TARGET_NOT_FOUND,
            "Cette ligne n'est pas dans votre espace client.",
            line=attempt.line.pk,
        )


# Acts -----------------------------------------------------------------------------------------


def _record(
    attempt: PaymentAttempt,
    *,
    actor: Actor,
    act: Act,
    summary: str,
    now: datetime,
    old: dict[str, Any],
    new: dict[str, Any],
) -> None:
    activity_record(
        customer=attempt.customer,
        actor=actor,
        act=act,
        subject=attempt,
        summary=summary,
        at=now,
        old_values=old,
        new_values=new,
    )


@transaction.atomic
def payment_attempt_create(
    *,
    customer: Customer,
    purpose: CardPaymentPurpose,
    amount_cents: int,
    actor: Actor,
    now: datetime,
    invoice: Invoice | None = None,
    line: Line | None = None,
    product: Product | None = None,
    instalment_plan_id: int | None = None,
    order: Order | None = None,
) -> PaymentAttempt:
    """Write the attempt (status created) once what it pays is checked: the customer's own
    target, an amount within what is owed (or the price), no other payment of the customer's
    debts waiting for the bank. The caller commits it before the PSP is called."""
    attempt = PaymentAttempt(
        customer=customer,
        purpose=CardPaymentPurpose(purpose),
        amount_cents=amount_cents,
        invoice=invoice,
        line=line,
        product=product,
        instalment_plan_id=instalment_plan_id,
        order=order,
        status=PaymentAttemptStatus.CREATED,
        created_at=now,
        status_changed_at=now,
    )
    handler = _purpose(attempt)
    _check_target_of_customer(attempt)
    _check_amount(attempt, handler, now)
    _check_nothing_in_flight(attempt, handler)
    attempt.save()
    _record(
        attempt,
        actor=actor,
        act=Act.PAYMENT_ATTEMPT_CREATE,
        summary=f"Paiement par carte de {euros(amount_cents)} : {handler.label(attempt)}",
        now=now,
        old={},
        new={"status": attempt.status, "purpose": attempt.purpose, "amount_cents": amount_cents},
    )
    return attempt


def _psp_customer(customer: Customer, *, gateway: CardGateway, now: datetime) -> str:
    known = psp_customer_id_for(customer=customer)
    if known:
        return known
    created = gateway.customer_create(
        reference=customer.number, idempotency_key=f"customer:{customer.pk}"
    )
    try:
        with transaction.atomic():
            PspCustomer.objects.create(customer=customer, psp_customer_id=created, created_at=now)
    except IntegrityError:
        # A concurrent first payment recorded its own: keep that one.
        return psp_customer_id_for(customer=customer) or created
    return created


@transaction.atomic
def payment_attempt_prepare(
    *, attempt: PaymentAttempt, psp_customer_id: str, payment_intent_id: str, setup_intent_id: str
) -> PaymentAttempt:
    """Record the PSP's ids of a created attempt (the PSP was called after its commit)."""
    attempt = PaymentAttempt.objects.select_for_update().get(pk=attempt.pk)
    attempt.psp_customer_id = psp_customer_id
    attempt.psp_payment_intent_id = payment_intent_id
    attempt.psp_setup_intent_id = setup_intent_id
    attempt.save(update_fields=["psp_customer_id", "psp_payment_intent_id", "psp_setup_intent_id"])
    return attempt


def card_payment_start(
    *,
    customer: Customer,
    purpose: CardPaymentPurpose,
    amount_cents: int,
    actor: Actor,
    now: datetime,
    gateway: CardGateway,
    invoice: Invoice | None = None,
    line: Line | None = None,
    product: Product | None = None,
    instalment_plan_id: int | None = None,
    order: Order | None = None,
) -> PaymentAttempt:
    """Start a card payment: the attempt is committed, then the PSP prepares it (no transaction
    open). If the PSP cannot, the attempt fails at once: no card was collected, nothing can be
    charged. Refusals (PaymentError) happen before any PSP call and change nothing."""
    attempt = payment_attempt_create(
        customer=customer,
        purpose=purpose,
        amount_cents=amount_cents,
        actor=actor,
        now=now,
        invoice=invoice,
        line=line,
        product=product,
        instalment_plan_id=instalment_plan_id,
        order=order,
    )
    try:
        psp_customer_id = _psp_customer(customer, gateway=gateway, now=now)
        intent = gateway.payment_intent_create(
            amount_cents=attempt.amount_cents,
            customer_id=psp_customer_id,
            metadata={
                "payment_attempt": str(attempt.pk),
                "customer_number": customer.number,
                "purpose": _purpose(attempt).label(attempt),
            },
            idempotency_key=attempt.idempotency_key,
        )
        setup_intent_id = gateway.setup_intent_create(
            customer_id=psp_customer_id, idempotency_key=f"{attempt.idempotency_key}:setup"
        )
    except (PspOutcomeUnknown, PspRefused) as error:
        logger.error("payment_attempt:%s could not be prepared by the PSP: %s", attempt.pk, error)
        return payment_attempt_settle(
            attempt=attempt,
            outcome=PspOutcome.FAILED,
            failure_code="psp_unavailable",
            actor=actor,
            now=now,
        )
    return payment_attempt_prepare(
        attempt=attempt,
        psp_customer_id=psp_customer_id,
        payment_intent_id=intent.payment_intent_id,
        setup_intent_id=setup_intent_id,
    )


@transaction.atomic
def payment_attempt_submit(
    *, attempt: PaymentAttempt, actor: Actor, now: datetime
) -> PaymentAttempt | None:
    """Claim a prepared attempt for charging: created → processing, under a row lock. None when
    it was already claimed (a double click, a retried request): the caller then charges nothing.
    What is owed is checked again: it may have been paid by other means since."""
    # The customer's row is locked with the attempt's: two payments of the same customer's
    # debts submitted at once are checked one after the other (_check_nothing_in_flight).
    attempt = (
        PaymentAttempt.objects.select_for_update().select_related("customer").get(pk=attempt.pk)
    )
    if attempt.status != PaymentAttemptStatus.CREATED:
        logger.info(
            "payment_attempt:%s submitted again while %s: nothing sent", attempt.pk, attempt.status
        )
        return None
    if not attempt.psp_payment_intent_id or not attempt.psp_setup_intent_id:
        raise _refuse(
            PaymentErrorCode.ATTEMPT_NOT_OPEN,
            "Ce paiement n'est pas prêt : recommencez-le.",
            attempt=attempt.pk,
        )
    handler = _purpose(attempt)
    _check_amount(attempt, handler, now)
    _check_nothing_in_flight(attempt, handler)
    attempt.status = PaymentAttemptStatus.PROCESSING
    attempt.status_changed_at = now
    attempt.save(update_fields=["status", "status_changed_at"])
    _record(
        attempt,
        actor=actor,
        act=Act.PAYMENT_ATTEMPT_SUBMIT,
        summary=f"Paiement par carte de {euros(attempt.amount_cents)} transmis à la banque",
        now=now,
        old={"status": PaymentAttemptStatus.CREATED},
        new={"status": attempt.status},
    )
    return attempt


@transaction.atomic
def payment_attempt_mark_unknown(
    *, attempt: PaymentAttempt, reason: str, now: datetime
) -> PaymentAttempt:
    """The PSP did not answer in time: the charge may or may not have happened. Reconciliation
    asks the PSP later; until then the debt waits (no second payment of it)."""
    attempt = (
        PaymentAttempt.objects.select_for_update(of=("self",))
        .select_related("customer")
        .get(pk=attempt.pk)
    )
    if attempt.status != PaymentAttemptStatus.PROCESSING:
        return attempt
    attempt.status = PaymentAttemptStatus.UNKNOWN
    attempt.status_changed_at = now
    attempt.save(update_fields=["status", "status_changed_at"])
    logger.warning("payment_attempt:%s outcome unknown: %s", attempt.pk, reason)
    _record(
        attempt,
        actor=SYSTEM,
        act=Act.PAYMENT_ATTEMPT_MARK_UNKNOWN,
        summary=f"Paiement par carte de {euros(attempt.amount_cents)} en attente de la réponse"
        " de la banque",
        now=now,
        old={"status": PaymentAttemptStatus.PROCESSING},
        new={"status": attempt.status},
    )
    return attempt


def _credit(attempt: PaymentAttempt, now: datetime) -> str:
    """Apply the money of a succeeded attempt; '' when done, else why it could not be (then
    nothing of it is kept, and the money waits for an advisor)."""
    try:
        with transaction.atomic():
            _purpose(attempt).credit(attempt, now)
    except (BillingError, SubscriptionError, PaymentError, DeviceError) as refused:
        logger.error(
            "payment_attempt:%s succeeded at the PSP but could not be credited (%s): %s",
            attempt.pk,
            refused.code,
            refused.message,
        )
        return refused.message[:500]
    return ""


@transaction.atomic
def payment_attempt_settle(
    *,
    attempt: PaymentAttempt,
    outcome: PspOutcome,
    actor: Actor,
    now: datetime,
    failure_code: str = "",
) -> PaymentAttempt:
    """The PSP's final word on an attempt: succeeded (its money is credited, once) or failed.

    Idempotent: a settled attempt is left as it is, so a replayed webhook, a webhook racing the
    reconciliation or a second run credits nothing twice (the row lock orders them).
    """
    if outcome not in (PspOutcome.SUCCEEDED, PspOutcome.FAILED):
        raise ValueError(f"An attempt is settled as succeeded or failed, not {outcome}")
    attempt = (
        # Only the attempt's row is locked; what it pays is locked by the act that credits it.
        PaymentAttempt.objects.select_for_update(of=("self",))
        .select_related("customer", "invoice", "line__billing_account", "product", "order")
        .get(pk=attempt.pk)
    )
    if attempt.status in FINAL_STATUSES:
        if attempt.status == PaymentAttemptStatus.FAILED and outcome == PspOutcome.SUCCEEDED:
            logger.error(
                "payment_attempt:%s is failed here but succeeded at the PSP: refund or credit it",
                attempt.pk,
            )
        return attempt
    old = {"status": attempt.status}
    attempt.status_changed_at = now
    if outcome == PspOutcome.SUCCEEDED:
        attempt.status = PaymentAttemptStatus.SUCCEEDED
        attempt.credit_error = _credit(attempt, now)
        attempt.credited_at = None if attempt.credit_error else now
        summary = f"Paiement par carte de {euros(attempt.amount_cents)} reçu"
    else:
        attempt.status = PaymentAttemptStatus.FAILED
        attempt.failure_code = (failure_code or "card_declined")[:60]
        on_failure = _purpose(attempt).on_failure
        if on_failure is not None:
            on_failure(attempt, now)
        summary = f"Paiement par carte de {euros(attempt.amount_cents)} refusé : " + (
            card_rules.refusal_message(attempt.failure_code)
        )
        logger.info("payment_attempt:%s failed (%s)", attempt.pk, attempt.failure_code)
    attempt.save(
        update_fields=["status", "status_changed_at", "failure_code", "credited_at", "credit_error"]
    )
    if attempt.credit_error and _purpose(attempt).refund_if_not_credited:
        card_refund_create(
            attempt=attempt, reason=f"non attribué : {attempt.credit_error}", actor=SYSTEM, now=now
        )
    _record(
        attempt,
        actor=actor,
        act=Act.PAYMENT_ATTEMPT_SETTLE,
        summary=summary[:300],
        now=now,
        old=old,
        new={
            "status": attempt.status,
            "failure_code": attempt.failure_code,
            "credited": attempt.credited_at is not None,
        },
    )
    return attempt


def _uncredited(attempt: PaymentAttempt) -> PaymentAttempt:
    """`attempt` locked, if its money was taken and neither credited nor refunded: what an
    advisor settles (`payment_attempts_not_credited`)."""
    attempt = (
        PaymentAttempt.objects.select_for_update(of=("self",))
        .select_related("customer", "invoice", "line__billing_account", "product", "order")
        .get(pk=attempt.pk)
    )
    if (
        attempt.status != PaymentAttemptStatus.SUCCEEDED
        or attempt.credited_at is not None
        or attempt.refunds.exists()
    ):
        raise _refuse(
            PaymentErrorCode.ATTEMPT_NOT_UNCREDITED,
            f"Le paiement par carte n° {attempt.pk} n'est plus à attribuer : il est attribué,"
            " remboursé ou n'a pas abouti.",
            attempt=attempt.pk,
        )
    return attempt


@transaction.atomic
def payment_attempt_credit_again(
    *, attempt: PaymentAttempt, actor: Actor, now: datetime
) -> PaymentAttempt:
    """Credit again the money of a succeeded attempt that could not be credited when the PSP
    confirmed it (`credit_error`), once what stood in the way is gone (a line suspended then
    reinstated…): credited now, or its new reason kept."""
    attempt = _uncredited(attempt)
    error = _credit(attempt, now)
    if not error:
        attempt.credited_at, attempt.credit_error = now, ""
        attempt.save(update_fields=["credited_at", "credit_error"])
        _record(
            attempt,
            actor=actor,
            act=Act.PAYMENT_ATTEMPT_CREDIT,
            summary=f"Paiement par carte de {euros(attempt.amount_cents)} attribué :"
            f" {_purpose(attempt).label(attempt)}"[:300],
            now=now,
            old={"credited": False},
            new={"credited": True},
        )
        return attempt
    attempt.credit_error = error
    attempt.save(update_fields=["credit_error"])
    return attempt


@transaction.atomic
def payment_attempt_refund_uncredited(
    *, attempt: PaymentAttempt, actor: Actor, now: datetime
) -> CardRefund:
    """Owe back to the card the money of a succeeded attempt that could not be credited; the
    caller sends the refund once committed (`card_refund_send`)."""
    attempt = _uncredited(attempt)
    return card_refund_create(
        attempt=attempt, reason=f"non attribué : {attempt.credit_error}", actor=actor, now=now
    )


@dataclass(frozen=True)
class ConfirmResult:
    attempt: PaymentAttempt
    # The bank asks the holder to authenticate (3-D Secure) in the browser, with the PSP.
    needs_authentication: bool = False


def _cancel_quietly(attempt: PaymentAttempt, gateway: CardGateway) -> None:
    """Cancel a failed attempt's intent at the PSP, so that it can never be charged later; a
    PSP that does not answer is logged, and reconciliation does not need it."""
    try:
        gateway.payment_intent_cancel(
            payment_intent_id=attempt.psp_payment_intent_id,
            idempotency_key=attempt.idempotency_key,
        )
    except (PspOutcomeUnknown, PspRefused, PspDeclined) as error:
        logger.warning("payment_attempt:%s intent not cancelled: %s", attempt.pk, error)


def card_payment_abandon(
    *, attempt: PaymentAttempt, actor: Actor, now: datetime, gateway: CardGateway
) -> PaymentAttempt:
    """The customer gives up a payment whose card was never submitted: its intent is cancelled
    at the PSP first, so that it can never be charged, then it fails as abandoned (what waited
    for it is undone: `Purpose.on_failure`). Refused once submitted: the bank may be charging
    the card, and only its answer settles the attempt."""
    attempt = PaymentAttempt.objects.get(pk=attempt.pk)
    if attempt.status in FINAL_STATUSES:
        return attempt
    if attempt.status != PaymentAttemptStatus.CREATED:
        raise _refuse(
            PaymentErrorCode.PAYMENT_IN_PROGRESS,
            "Votre paiement par carte est en cours de confirmation par votre banque : attendez"
            " son résultat.",
            attempt=attempt.pk,
        )
    if attempt.psp_payment_intent_id:
        try:
            cancelled = gateway.payment_intent_cancel(
                payment_intent_id=attempt.psp_payment_intent_id,
                idempotency_key=attempt.idempotency_key,
            )
        except (PspOutcomeUnknown, PspRefused, PspDeclined) as error:
            raise _refuse(
                PaymentErrorCode.PAYMENT_IN_PROGRESS,
                "Le paiement n'a pas pu être annulé auprès de la banque : réessayez dans un"
                " instant.",
                attempt=attempt.pk,
                error=str(error),
            ) from None
        if cancelled.status != "canceled":
            raise _refuse(
                PaymentErrorCode.PAYMENT_IN_PROGRESS,
                "Votre paiement par carte est en cours auprès de votre banque : attendez son"
                " résultat.",
                attempt=attempt.pk,
                psp_status=cancelled.status,
            )
    return payment_attempt_settle(
        attempt=attempt, outcome=PspOutcome.FAILED, failure_code="abandoned", actor=actor, now=now
    )


def _fail(
    attempt: PaymentAttempt, *, code: str, actor: Actor, now: datetime, gateway: CardGateway
) -> PaymentAttempt:
    settled = payment_attempt_settle(
        attempt=attempt, outcome=PspOutcome.FAILED, failure_code=code, actor=actor, now=now
    )
    _cancel_quietly(settled, gateway)
    return settled


def card_payment_confirm(
    *, attempt: PaymentAttempt, actor: Actor, now: datetime, gateway: CardGateway
) -> ConfirmResult:
    """Charge the card the customer handed to the PSP for this attempt, once.

    No transaction is open while the PSP is called. A success is credited by the PSP's webhook
    (or the reconciliation), not here: the answer seen here may never arrive (a timeout), the
    webhook always does.
    """
    claimed = payment_attempt_submit(attempt=attempt, actor=actor, now=now)
    if claimed is None:
        current = PaymentAttempt.objects.get(pk=attempt.pk)
        return ConfirmResult(attempt=current)
    try:
        setup = gateway.card_setup(setup_intent_id=claimed.psp_setup_intent_id)
        if setup.status != "succeeded" or not setup.payment_method_id:
            # The PSP refused the card while collecting it (declined, expired…), or no card
            # was entered: nothing was charged.
            code = setup.failure_code or (
                "card_declined" if setup.payment_method_id else "card_not_submitted"
            )
            return ConfirmResult(
                attempt=_fail(claimed, code=code, actor=actor, now=now, gateway=gateway)
            )
        intent = gateway.payment_intent_confirm(
            payment_intent_id=claimed.psp_payment_intent_id,
            payment_method_id=setup.payment_method_id,
            idempotency_key=claimed.idempotency_key,
        )
    except PspDeclined as declined:
        return ConfirmResult(
            attempt=_fail(claimed, code=declined.code, actor=actor, now=now, gateway=gateway)
        )
    except (PspOutcomeUnknown, PspRefused) as error:
        return ConfirmResult(
            attempt=payment_attempt_mark_unknown(attempt=claimed, reason=str(error), now=now)
        )
    outcome = card_rules.psp_outcome(intent.status)
    if outcome == PspOutcome.FAILED:
        code = intent.failure_code or "card_declined"
        return ConfirmResult(
            attempt=_fail(claimed, code=code, actor=actor, now=now, gateway=gateway)
        )
    if outcome == PspOutcome.NOT_SUBMITTED:
        return ConfirmResult(
            attempt=payment_attempt_mark_unknown(
                attempt=claimed, reason=f"intent left {intent.status} after confirmation", now=now
            )
        )
    return ConfirmResult(attempt=claimed, needs_authentication=intent.status == "requires_action")


def card_payment_refresh(
    *, attempt: PaymentAttempt, now: datetime, gateway: CardGateway
) -> PaymentAttempt:
    """Once the holder has answered the bank's authentication in the browser, ask the PSP how
    the payment stands and settle it if it failed, so the page can say so at once (the PSP may
    send no event for a failed authentication). A success is left to the webhook."""
    attempt = PaymentAttempt.objects.get(pk=attempt.pk)
    if attempt.status != PaymentAttemptStatus.PROCESSING:
        return attempt
    try:
        intent = gateway.payment_intent_retrieve(payment_intent_id=attempt.psp_payment_intent_id)
    except (PspOutcomeUnknown, PspRefused) as error:
        logger.warning("payment_attempt:%s not refreshed: %s", attempt.pk, error)
        return attempt
    if card_rules.psp_outcome(intent.status) != PspOutcome.FAILED:
        return attempt
    code = intent.failure_code or "card_declined"
    if intent.status == "canceled":
        return _settle_failed(attempt, code=code, now=now)
    return _fail(attempt, code=code, actor=SYSTEM, now=now, gateway=gateway)


# PSP events and reconciliation ----------------------------------------------------------------

_EVENT_OUTCOMES = {
    "payment_intent.succeeded": PspOutcome.SUCCEEDED,
    "payment_intent.payment_failed": PspOutcome.FAILED,
    "payment_intent.canceled": PspOutcome.FAILED,
}


def _intent_matches(attempt: PaymentAttempt, intent: IntentState) -> bool:
    return intent.amount_cents == attempt.amount_cents and intent.currency.lower() == CURRENCY


@transaction.atomic
def psp_event_receive(*, event: WebhookEvent, now: datetime) -> PspEvent | None:
    """Act on a webhook event whose signature was verified, once: a replayed event (same PSP
    event id) is a no-op and returns None. The event row is inserted first, so a concurrent
    delivery of the same event waits on the unique index, then fails instead of acting twice."""
    if PspEvent.objects.filter(psp_event_id=event.event_id).exists():
        logger.info("PSP event %s (%s) received again: ignored", event.event_id, event.type)
        return None
    intent = event.payment_intent
    row = PspEvent.objects.create(
        psp_event_id=event.event_id,
        type=event.type,
        payment_intent_id=intent.payment_intent_id if intent else "",
        outcome=PspEventOutcome.IGNORED,
        received_at=now,
    )
    outcome = _EVENT_OUTCOMES.get(event.type)
    if intent is None or outcome is None:
        return row
    attempt = payment_attempt_get_by_intent(payment_intent_id=intent.payment_intent_id)
    if attempt is None:
        logger.warning(
            "PSP event %s names an unknown intent %s", event.event_id, intent.payment_intent_id
        )
        row.outcome = PspEventOutcome.UNKNOWN_INTENT
    elif not _intent_matches(attempt, intent):
        logger.error(
            "PSP event %s: intent %s is %s %s, payment_attempt:%s is %s %s: not settled",
            event.event_id,
            intent.payment_intent_id,
            intent.amount_cents,
            intent.currency,
            attempt.pk,
            attempt.amount_cents,
            CURRENCY,
        )
        row.attempt, row.outcome = attempt, PspEventOutcome.MISMATCH
    else:
        was_final = attempt.status in FINAL_STATUSES
        payment_attempt_settle(
            attempt=attempt,
            outcome=outcome,
            failure_code=intent.failure_code or "card_declined",
            actor=SYSTEM,
            now=now,
        )
        row.attempt = attempt
        row.outcome = PspEventOutcome.ALREADY_SETTLED if was_final else PspEventOutcome.SETTLED
    row.save(update_fields=["attempt", "outcome"])
    return row


@dataclass(frozen=True)
class ReconcileReport:
    examined: int = 0
    succeeded: int = 0
    failed: int = 0
    waiting: int = 0

    def summary(self) -> str:
        return (
            f"examined={self.examined} succeeded={self.succeeded} failed={self.failed}"
            f" waiting={self.waiting}"
        )


def _reconcile_one(
    attempt: PaymentAttempt, *, now: datetime, stale: bool, gateway: CardGateway
) -> str | None:
    """Settle one attempt from what the PSP says now; its new status, or None while it waits."""
    if not attempt.psp_payment_intent_id:
        # The PSP never prepared it, so no card was collected: nothing can have been charged.
        return _settle_failed(attempt, code="abandoned", now=now).status
    intent = gateway.payment_intent_retrieve(payment_intent_id=attempt.psp_payment_intent_id)
    outcome = card_rules.psp_outcome(intent.status)
    if outcome == PspOutcome.SUCCEEDED:
        if not _intent_matches(attempt, intent):
            logger.error(
                "payment_attempt:%s: the PSP charged %s %s instead: not settled",
                attempt.pk,
                intent.amount_cents,
                intent.currency,
            )
            return None
        settled = payment_attempt_settle(attempt=attempt, outcome=outcome, actor=SYSTEM, now=now)
        return settled.status
    if intent.status == "canceled":
        return _settle_failed(attempt, code=intent.failure_code or "abandoned", now=now).status
    submitted = attempt.status != PaymentAttemptStatus.CREATED
    if outcome == PspOutcome.FAILED and submitted:
        return _fail(
            attempt,
            code=intent.failure_code or "card_declined",
            actor=SYSTEM,
            now=now,
            gateway=gateway,
        ).status
    if intent.status == "processing" or not stale:
        return None
    # Left long enough without a card, a confirmation or an authentication: cancelled at the
    # PSP first, so that it can never be charged, then failed.
    cancelled = gateway.payment_intent_cancel(
        payment_intent_id=attempt.psp_payment_intent_id, idempotency_key=attempt.idempotency_key
    )
    if cancelled.status != "canceled":
        return None
    return _settle_failed(attempt, code="abandoned", now=now).status


def _settle_failed(attempt: PaymentAttempt, *, code: str, now: datetime) -> PaymentAttempt:
    return payment_attempt_settle(
        attempt=attempt, outcome=PspOutcome.FAILED, failure_code=code, actor=SYSTEM, now=now
    )


def card_payments_reconcile(
    *, now: datetime, gateway: CardGateway, stale_after: timedelta, limit: int = 500
) -> ReconcileReport:
    """Ask the PSP about every unknown attempt and every attempt left open longer than
    `stale_after`, and settle those it has an answer for. Idempotent and resumable: a settled
    attempt is not selected again, one the PSP does not answer for is asked next time."""
    examined = succeeded = failed = waiting = 0
    for attempt_id in payment_attempt_ids_to_reconcile(
        now=now, stale_after=stale_after, limit=limit
    ):
        attempt = PaymentAttempt.objects.get(pk=attempt_id)
        examined += 1
        stale = attempt.status_changed_at <= now - stale_after
        try:
            status = _reconcile_one(attempt, now=now, stale=stale, gateway=gateway)
        except (PspOutcomeUnknown, PspRefused, PspDeclined) as error:
            logger.warning("payment_attempt:%s not reconciled: %s", attempt_id, error)
            status = None
        if status == PaymentAttemptStatus.SUCCEEDED:
            succeeded += 1
        elif status == PaymentAttemptStatus.FAILED:
            failed += 1
        else:
            waiting += 1
    return ReconcileReport(examined=examined, succeeded=succeeded, failed=failed, waiting=waiting)
