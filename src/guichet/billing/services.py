"""Acts on billing accounts. Each is one transaction that validates, saves and logs the act."""

from datetime import datetime
from typing import Any

from django.db import transaction

from guichet.billing.errors import BillingError, BillingErrorCode
from guichet.billing.models import (
    MONTH_DAY_MAX,
    MONTH_DAY_MIN,
    BillingAccount,
    BillingAccountStatus,
    InvoiceDelivery,
    NumberSequence,
    PaymentMethod,
)
from guichet.care.actors import Actor
from guichet.care.acts import Act
from guichet.care.services import activity_record
from guichet.customers.models import Address, AddressKind, Customer
from guichet.customers.selectors import address_get
from guichet.lines.models import LineStatus
from guichet.lines.selectors import lines_for_billing_account

BILLING_ACCOUNT_NUMBER_SEQUENCE = "billing_account"
# "CF" + 8 digits; starting at 10000001 keeps them all 8 digits long.
FIRST_BILLING_ACCOUNT_NUMBER = 10_000_001


def _next_billing_account_number() -> str:
    """Locks the counter row until the transaction ends, so two accounts never share a number."""
    sequence, _ = NumberSequence.objects.select_for_update().get_or_create(
        name=BILLING_ACCOUNT_NUMBER_SEQUENCE,
        defaults={"next_value": FIRST_BILLING_ACCOUNT_NUMBER},
    )
    number = sequence.next_value
    sequence.next_value = number + 1
    sequence.save(update_fields=["next_value"])
    return f"CF{number:08d}"


def _check_month_day(day: int, *, code: BillingErrorCode, what: str) -> None:
    if not MONTH_DAY_MIN <= day <= MONTH_DAY_MAX:
        raise BillingError(
            code=code,
            message=f"{what} doit être un jour entre le {MONTH_DAY_MIN} et le {MONTH_DAY_MAX}"
            " du mois.",
            extra={"day": day, "min": MONTH_DAY_MIN, "max": MONTH_DAY_MAX},
        )


def _check_address(*, customer: Customer, address: Address | None) -> None:
    if address is not None and address.customer_id != customer.pk:
        raise BillingError(
            code=BillingErrorCode.BILLING_ADDRESS_NOT_CUSTOMERS,
            message="L'adresse de facturation n'est pas une adresse du client.",
        )


def _check_paper_has_address(*, delivery: InvoiceDelivery, address: Address | None) -> None:
    if delivery == InvoiceDelivery.PAPER and address is None:
        raise BillingError(
            code=BillingErrorCode.BILLING_ADDRESS_REQUIRED,
            message="Une facture papier demande une adresse de facturation.",
        )


def _check_active(account: BillingAccount) -> None:
    if account.status != BillingAccountStatus.ACTIVE:
        raise BillingError(
            code=BillingErrorCode.ACCOUNT_CLOSED,
            message=f"Le compte de facturation {account.number} est clôturé.",
            extra={"number": account.number},
        )


def _log_change(
    *,
    account: BillingAccount,
    act: Act,
    summary: str,
    old: dict[str, Any],
    new: dict[str, Any],
    actor: Actor,
    now: datetime,
) -> None:
    account.save(update_fields=list(new))
    activity_record(
        customer=account.customer,
        actor=actor,
        act=act,
        subject=account,
        summary=summary,
        at=now,
        old_values=old,
        new_values=new,
    )


@transaction.atomic
def billing_account_open(
    *,
    customer: Customer,
    payment_method: PaymentMethod,
    debit_day: int,
    actor: Actor,
    now: datetime,
    billing_cycle_day: int = 1,
    invoice_delivery: InvoiceDelivery = InvoiceDelivery.ELECTRONIC,
    billing_address: Address | None = None,
) -> BillingAccount:
    """Open an account; without `billing_address`, the customer's billing address is used."""
    payment_method, invoice_delivery = (
        PaymentMethod(payment_method),
        InvoiceDelivery(invoice_delivery),
    )
    _check_month_day(
        debit_day, code=BillingErrorCode.DEBIT_DAY_INVALID, what="La date de prélèvement"
    )
    _check_month_day(
        billing_cycle_day,
        code=BillingErrorCode.BILLING_CYCLE_DAY_INVALID,
        what="Le début du cycle de facturation",
    )
    _check_address(customer=customer, address=billing_address)
    if billing_address is None:
        billing_address = address_get(customer=customer, kind=AddressKind.BILLING)
    _check_paper_has_address(delivery=invoice_delivery, address=billing_address)
    account = BillingAccount.objects.create(
        customer=customer,
        number=_next_billing_account_number(),
        payment_method=payment_method,
        debit_day=debit_day,
        billing_cycle_day=billing_cycle_day,
        invoice_delivery=invoice_delivery,
        billing_address=billing_address,
        created_at=now,
    )
    activity_record(
        customer=customer,
        actor=actor,
        act=Act.BILLING_ACCOUNT_OPEN,
        subject=account,
        summary=f"Ouverture du compte de facturation {account.number}",
        at=now,
        new_values={
            "number": account.number,
            "payment_method": payment_method,
            "debit_day": debit_day,
            "billing_cycle_day": billing_cycle_day,
            "invoice_delivery": invoice_delivery,
        },
    )
    return account


@transaction.atomic
def billing_account_set_payment_method(
    *,
    billing_account: BillingAccount,
    payment_method: PaymentMethod,
    actor: Actor,
    now: datetime,
) -> BillingAccount:
    """ "Changer mode de paiement (CB vers PA)". The SEPA mandate is the payments context's."""
    payment_method = PaymentMethod(payment_method)
    _check_active(billing_account)
    old = billing_account.payment_method
    if old == payment_method:
        return billing_account
    billing_account.payment_method = payment_method
    _log_change(
        account=billing_account,
        act=Act.BILLING_ACCOUNT_SET_PAYMENT_METHOD,
        summary=f"Mode de paiement : {payment_method.label}",
        old={"payment_method": old},
        new={"payment_method": payment_method},
        actor=actor,
        now=now,
    )
    return billing_account


@transaction.atomic
def billing_account_set_debit_day(
    *, billing_account: BillingAccount, debit_day: int, actor: Actor, now: datetime
) -> BillingAccount:
    """ "Changement de date de prélèvement"; days 1–28 only, so that every month has the day."""
    _check_active(billing_account)
    _check_month_day(
        debit_day, code=BillingErrorCode.DEBIT_DAY_INVALID, what="La date de prélèvement"
    )
    old = billing_account.debit_day
    if old == debit_day:
        return billing_account
    billing_account.debit_day = debit_day
    _log_change(
        account=billing_account,
        act=Act.BILLING_ACCOUNT_SET_DEBIT_DAY,
        summary=f"Date de prélèvement : le {debit_day} du mois",
        old={"debit_day": old},
        new={"debit_day": debit_day},
        actor=actor,
        now=now,
    )
    return billing_account


@transaction.atomic
def billing_account_set_billing_cycle(
    *, billing_account: BillingAccount, billing_cycle_day: int, actor: Actor, now: datetime
) -> BillingAccount:
    """ "Changer cycle de facturation": the day each monthly billing period starts."""
    _check_active(billing_account)
    _check_month_day(
        billing_cycle_day,
        code=BillingErrorCode.BILLING_CYCLE_DAY_INVALID,
        what="Le début du cycle de facturation",
    )
    old = billing_account.billing_cycle_day
    if old == billing_cycle_day:
        return billing_account
    billing_account.billing_cycle_day = billing_cycle_day
    _log_change(
        account=billing_account,
        act=Act.BILLING_ACCOUNT_SET_BILLING_CYCLE,
        summary=f"Cycle de facturation : à partir du {billing_cycle_day} du mois",
        old={"billing_cycle_day": old},
        new={"billing_cycle_day": billing_cycle_day},
        actor=actor,
        now=now,
    )
    return billing_account


@transaction.atomic
def billing_account_set_invoice_delivery(
    *,
    billing_account: BillingAccount,
    invoice_delivery: InvoiceDelivery,
    actor: Actor,
    now: datetime,
) -> BillingAccount:
    """CGS 7: the customer may switch between electronic and paper invoices at any time."""
    invoice_delivery = InvoiceDelivery(invoice_delivery)
    _check_active(billing_account)
    _check_paper_has_address(delivery=invoice_delivery, address=billing_account.billing_address)
    old = billing_account.invoice_delivery
    if old == invoice_delivery:
        return billing_account
    billing_account.invoice_delivery = invoice_delivery
    _log_change(
        account=billing_account,
        act=Act.BILLING_ACCOUNT_SET_INVOICE_DELIVERY,
        summary=f"Envoi des factures : {invoice_delivery.label.lower()}",
        old={"invoice_delivery": old},
        new={"invoice_delivery": invoice_delivery},
        actor=actor,
        now=now,
    )
    return billing_account


@transaction.atomic
def billing_account_set_billing_address(
    *, billing_account: BillingAccount, address: Address, actor: Actor, now: datetime
) -> BillingAccount:
    """ "Changer adresse de facturation" of this account to one of the customer's addresses."""
    _check_active(billing_account)
    _check_address(customer=billing_account.customer, address=address)
    old = billing_account.billing_address_id
    if old == address.pk:
        return billing_account
    billing_account.billing_address = address
    _log_change(
        account=billing_account,
        act=Act.BILLING_ACCOUNT_SET_BILLING_ADDRESS,
        summary=f"Adresse de facturation du compte {billing_account.number} modifiée",
        old={"billing_address": old},
        new={"billing_address": address.pk},
        actor=actor,
        now=now,
    )
    return billing_account


@transaction.atomic
def billing_account_close(
    *, billing_account: BillingAccount, actor: Actor, now: datetime
) -> BillingAccount:
    """Close an account whose lines are all terminated; invoices already issued stay as they are."""
    _check_active(billing_account)
    open_lines = [
        line
        for line in lines_for_billing_account(billing_account=billing_account)
        if line.status != LineStatus.TERMINATED
    ]
    if open_lines:
        raise BillingError(
            code=BillingErrorCode.OPEN_LINES,
            message=f"Le compte {billing_account.number} a encore {len(open_lines)} ligne(s)"
            " non résiliée(s).",
            extra={"line_ids": [line.pk for line in open_lines]},
        )
    billing_account.status = BillingAccountStatus.CLOSED
    billing_account.closed_at = now
    _log_change(
        account=billing_account,
        act=Act.BILLING_ACCOUNT_CLOSE,
        summary=f"Clôture du compte de facturation {billing_account.number}",
        old={"status": BillingAccountStatus.ACTIVE},
        new={"status": BillingAccountStatus.CLOSED, "closed_at": now},
        actor=actor,
        now=now,
    )
    return billing_account
