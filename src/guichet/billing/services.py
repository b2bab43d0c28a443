"""Acts on billing accounts and invoices, and the bill run.

Each act is one transaction that validates, saves and logs the act. The bill run is a batch of
acts: one `invoice_issue` transaction per account, so it resumes where it stopped.
"""

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Case, Value, When

from guichet.billing import advance_rules, cycle_rules, rules
from guichet.billing.bulk_writes import rows_insert
from guichet.billing.errors import BillingError, BillingErrorCode
from guichet.billing.models import (
    BASIS_POINTS_PER_PERCENT,
    MONTH_DAY_MAX,
    MONTH_DAY_MIN,
    BillAdvance,
    BillAdvanceDeduction,
    BillingAccount,
    BillingAccountStatus,
    BillingCycleChange,
    CreditNote,
    Invoice,
    InvoiceDelivery,
    InvoiceLine,
    InvoiceStatus,
    NumberSequence,
    OneOffCharge,
    PaymentMethod,
    UsageBilled,
)
from guichet.billing.selectors import (
    accounts_for_bill_run,
    advance_remaining_cents,
    billable_account_ids,
    billing_cycle_changes_for_accounts,
    billing_periods_starting,
    invoice_ids_by_account,
    invoiced_account_ids,
    invoices_total_cents,
    open_mobile_line_numbers,
    security_deposits_held_cents,
    usage_billed_by_group,
)
from guichet.care.actors import Actor
from guichet.care.acts import Act
from guichet.care.services import (
    ActivityEntry,
    activity_record,
    activity_record_many,
    outbox_notify_customer,
)
from guichet.catalog.errors import CatalogError
from guichet.catalog.models import Product, ProductKind
from guichet.catalog.rendering import euros
from guichet.catalog.schema import BoxOffer, Catalog, Channel, Fee, Option, Plan, TopUp
from guichet.catalog.selectors import catalog_current, product_get
from guichet.customers.models import Address, AddressKind, Civility, ContactTopic, Customer
from guichet.customers.selectors import address_get
from guichet.customers.services import address_set
from guichet.devices.selectors import InsuranceOnBill, insurances_on_bill
from guichet.lines.models import Line, LineStatus, TerminationReason
from guichet.lines.selectors import BilledSubscription, lines_for_billing_account
from guichet.payments.errors import InstalmentError
from guichet.payments.models import Instalment
from guichet.payments.selectors.instalments import instalment_plans_open_for_billing_account
from guichet.payments.services.instalments import instalments_bill
from guichet.usage.bill_services import purchases_bill
from guichet.usage.selectors import (
    PurchaseOnBill,
    UsageGroup,
    out_of_bundle_totals,
    out_of_bundle_usage_of_periods,
    purchases_on_bill,
)

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


def _check_no_mobile_line(billing_account: BillingAccount) -> None:
    mobiles = open_mobile_line_numbers(billing_account=billing_account)
    if mobiles:
        raise BillingError(
            code=BillingErrorCode.BILLING_CYCLE_MOBILE_LINE,
            message="Le cycle de facturation ne se change que pour les comptes de lignes fixes :"
            f" ce compte a une ligne mobile ({', '.join(mobiles)}), dont les forfaits et leurs"
            " enveloppes (Internet mobile en France et en Europe…) se décomptent par mois"
            " calendaire. Ses factures couvrent donc chaque mois du 1er au dernier jour.",
            extra={"lines": mobiles},
        )


def _check_no_change_in_progress(billing_account: BillingAccount, today: date) -> None:
    last = billing_cycle_changes_for_accounts(account_ids=[billing_account.pk]).get(
        billing_account.pk, []
    )
    if last and today < last[-1].new_cycle_from:
        raise BillingError(
            code=BillingErrorCode.BILLING_CYCLE_CHANGE_IN_PROGRESS,
            message="Un changement de cycle de facturation est déjà en cours : votre nouveau"
            f" cycle commence le {last[-1].new_cycle_from:%d/%m/%Y}. Vous pourrez en choisir un"
            " autre à partir de cette date.",
            extra={"new_cycle_from": last[-1].new_cycle_from.isoformat()},
        )


def billing_cycle_change_preview(
    *, billing_account: BillingAccount, billing_cycle_day: int, today: date
) -> cycle_rules.CycleChange:
    """What choosing `billing_cycle_day` on `today` would do, refused as the act would be."""
    _check_active(billing_account)
    _check_month_day(
        billing_cycle_day,
        code=BillingErrorCode.BILLING_CYCLE_DAY_INVALID,
        what="Le début du cycle de facturation",
    )
    if billing_cycle_day == billing_account.billing_cycle_day:
        raise BillingError(
            code=BillingErrorCode.BILLING_CYCLE_UNCHANGED,
            message=f"Vos factures commencent déjà le {billing_cycle_day} du mois.",
            extra={"day": billing_cycle_day},
        )
    _check_no_mobile_line(billing_account)
    _check_no_change_in_progress(billing_account, today)
    return cycle_rules.cycle_change_plan(
        today=today, old_day=billing_account.billing_cycle_day, new_day=billing_cycle_day
    )


@transaction.atomic
def billing_account_set_billing_cycle(
    *, billing_account: BillingAccount, billing_cycle_day: int, actor: Actor, now: datetime
) -> BillingCycleChange:
    """ "Changer cycle de facturation" (fixed lines): the day each monthly period starts, from
    the end of the period running now, after a transition invoice (billing.cycle_rules).
    Refused for an account holding a mobile line, and while a change is still in progress."""
    billing_account = BillingAccount.objects.select_for_update().get(pk=billing_account.pk)
    plan = billing_cycle_change_preview(
        billing_account=billing_account, billing_cycle_day=billing_cycle_day, today=_paris_date(now)
    )
    change = BillingCycleChange.objects.create(
        billing_account=billing_account,
        old_day=plan.old_day,
        new_day=plan.new_day,
        transition_start=plan.transition_start,
        new_cycle_from=plan.new_cycle_from,
        requested_at=now,
    )
    billing_account.billing_cycle_day = billing_cycle_day
    transition_end = plan.new_cycle_from - timedelta(days=1)
    summary = (
        f"Cycle de facturation : vos factures commenceront le {billing_cycle_day} du mois à"
        f" partir du {plan.new_cycle_from:%d/%m/%Y} ; une facture de transition couvrira du"
        f" {plan.transition_start:%d/%m/%Y} au {transition_end:%d/%m/%Y}"
    )
    _log_change(
        account=billing_account,
        act=Act.BILLING_ACCOUNT_SET_BILLING_CYCLE,
        summary=summary,
        old={"billing_cycle_day": plan.old_day},
        new={"billing_cycle_day": billing_cycle_day},
        actor=actor,
        now=now,
    )
    outbox_notify_customer(
        customer=billing_account.customer,
        topic=ContactTopic.INVOICES,
        template="billing_cycle_changed",
        context={
            "account": billing_account.number,
            "day": billing_cycle_day,
            "transition_start": f"{plan.transition_start:%d/%m/%Y}",
            "transition_end": f"{transition_end:%d/%m/%Y}",
            "new_cycle_from": f"{plan.new_cycle_from:%d/%m/%Y}",
        },
        now=now,
    )
    return change


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
    open_plans = instalment_plans_open_for_billing_account(billing_account=billing_account)
    if open_plans:
        raise BillingError(
            code=BillingErrorCode.OPEN_INSTALMENT_PLANS,
            message=f"Le compte {billing_account.number} a encore {len(open_plans)} facilité(s)"
            " de paiement en cours : leurs mensualités restent à facturer ou à solder.",
            extra={"plan_ids": open_plans},
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


# One-off charges ------------------------------------------------------------------------------


def _fee(code: str) -> Fee:
    try:
        return catalog_current().fee(code)
    except CatalogError:
        raise BillingError(
            code=BillingErrorCode.FEE_UNKNOWN,
            message=f"Les frais « {code} » ne sont pas dans le catalogue en vigueur.",
            extra={"fee": code},
        ) from None


CHANNEL_LABELS: dict[Channel, str] = {
    "selfcare": "depuis l'Espace Client",
    "customer_service": "sur appel au Service Client",
    "ivr": "depuis le serveur vocal",
}


@transaction.atomic
def one_off_charge_add(
    *,
    billing_account: BillingAccount,
    fee_code: str,
    channel: Channel,
    actor: Actor,
    now: datetime,
    previous_uses: int = 0,
) -> OneOffCharge | None:
    """Charge the brochure's service fee `fee_code` for an act done through `channel`; the bill
    run puts it on the account's next invoice. None when the fee is free through that channel
    (nothing is charged). Refused when the catalog does not offer the act through `channel`.
    `previous_uses`: acts of this kind already done through `channel` on the line, for fees
    free the first times (a replacement SIM from self-care)."""
    _check_active(billing_account)
    fee = _fee(fee_code)
    amount_cents = fee.price_cents_for(channel=channel, previous_uses=previous_uses)
    if amount_cents is None:
        raise BillingError(
            code=BillingErrorCode.FEE_CHANNEL_NOT_OFFERED,
            message=f"« {fee.name} » ne se fait pas {CHANNEL_LABELS[channel]}.",
            extra={"fee": fee_code, "channel": channel},
        )
    if amount_cents == 0:
        return None
    product = product_get(code=fee.code)
    assert product is not None  # the current catalog's fees are loaded as products
    charged_on = _paris_date(now)
    charge = OneOffCharge.objects.create(
        billing_account=billing_account,
        product=product,
        label=f"{fee.name} ({CHANNEL_LABELS[channel]}) du {charged_on:%d/%m/%Y}"[:300],
        amount_cents=amount_cents,
        rule=f"Frais {amount_cents} c TTC {CHANNEL_LABELS[channel]} ({fee.source})"[:400],
        charged_on=charged_on,
        created_at=now,
    )
    activity_record(
        customer=billing_account.customer,
        actor=actor,
        act=Act.ONE_OFF_CHARGE_ADD,
        subject=charge,
        summary=f"{fee.name} : {euros(amount_cents)} sur votre prochaine facture",
        at=now,
        new_values={"fee": fee.code, "channel": channel, "amount_cents": amount_cents},
    )
    return charge


def _one_off_charge(charge: OneOffCharge) -> rules.Charge:
    return rules.Charge(
        kind=rules.ChargeKind.ONE_OFF_FEE,
        label=charge.label,
        line_id=None,
        product_code=charge.product.code if charge.product is not None else "",
        quantity=1,
        unit_price_cents=charge.amount_cents,
        amount_cents=charge.amount_cents,
        service_start=charge.charged_on,
        service_end=charge.charged_on,
        rule=charge.rule,
        one_off_charge_id=charge.pk,
    )


def _bill_one_off_charges(issued: Sequence[tuple[Invoice, Sequence[rules.Charge]]]) -> None:
    """Mark the one-off charges of the invoices just issued as billed, in one query; refused
    (and the invoices rolled back) when another run billed one of them meanwhile."""
    invoice_of = {
        charge.one_off_charge_id: invoice.pk
        for invoice, charges in issued
        for charge in charges
        if charge.one_off_charge_id is not None
    }
    if not invoice_of:
        return
    billed = OneOffCharge.objects.filter(pk__in=invoice_of, invoice__isnull=True).update(
        invoice_id=Case(*(When(pk=pk, then=Value(invoice)) for pk, invoice in invoice_of.items()))
    )
    if billed != len(invoice_of):
        raise BillingError(
            code=BillingErrorCode.ONE_OFF_CHARGE_ALREADY_BILLED,
            message="Des frais ponctuels ont été facturés entre-temps par une autre facturation :"
            " relancez la facturation.",
            extra={"one_off_charges": sorted(invoice_of)},
        )


USAGE_BILLED_COLUMNS = (
    "invoice_id",
    "line_id",
    "usage_period_start",
    "usage_key",
    "micro_eur",
    "amount_cents",
)


def _record_usage_billed(issued: Sequence[tuple[Invoice, Sequence[rules.Charge]]]) -> None:
    """Record what the invoices just issued billed of each usage group (one bulk insert);
    refused (and the invoices rolled back) when another run billed one of those groups since
    the charges were made: a run for another period billing the same late usage."""
    billed = [
        (invoice, charge)
        for invoice, charges in issued
        for charge in charges
        if charge.kind == rules.ChargeKind.USAGE and charge.usage_period_start is not None
    ]
    if not billed:
        return
    _check_usage_not_billed_meanwhile([charge for _, charge in billed])
    rows_insert(
        model=UsageBilled,
        columns=USAGE_BILLED_COLUMNS,
        rows=[
            (
                invoice.pk,
                charge.line_id,
                charge.usage_period_start,
                charge.usage_key,
                charge.usage_micro_eur,
                charge.amount_cents,
            )
            for invoice, charge in billed
        ],
    )


def _check_usage_not_billed_meanwhile(charges: Sequence[rules.Charge]) -> None:
    """Under the invoice counter's lock (`invoices_issue`), so that no other invoice is being
    issued: the cents billed of each group are still those the charge was made from."""
    periods = [charge.usage_period_start for charge in charges if charge.usage_period_start]
    now_billed = usage_billed_by_group(
        line_ids=sorted({charge.line_id for charge in charges if charge.line_id is not None}),
        since=min(periods),
    )
    changed = sorted(
        f"{charge.line_id}:{charge.usage_period_start}:{charge.usage_key}"
        for charge in charges
        if now_billed.get((charge.line_id, charge.usage_period_start, charge.usage_key), (0, 0))[1]
        != charge.usage_billed_cents
    )
    if changed:
        raise BillingError(
            code=BillingErrorCode.USAGE_ALREADY_BILLED,
            message="Des consommations ont été facturées entre-temps par une autre facturation :"
            " relancez la facturation.",
            extra={"usage": changed},
        )


def _bill_purchases(issued: Sequence[tuple[Invoice, Sequence[rules.Charge]]]) -> None:
    """Link the purchases on the bill of the invoices just issued to them; refused (and the
    invoices rolled back) when another run billed one of them meanwhile."""
    invoice_of = {
        charge.purchase: invoice.pk
        for invoice, charges in issued
        for charge in charges
        if charge.purchase is not None
    }
    if invoice_of and purchases_bill(invoice_of=invoice_of) != len(invoice_of):
        raise BillingError(
            code=BillingErrorCode.PURCHASE_ALREADY_BILLED,
            message="Des achats sur facture ont été facturés entre-temps par une autre"
            " facturation : relancez la facturation.",
            extra={"purchases": sorted(f"{kind}:{pk}" for kind, pk in invoice_of)},
        )


# Invoices -------------------------------------------------------------------------------------

PARIS = ZoneInfo("Europe/Paris")
INVOICE_SEQUENCE = "invoice:{year}"  # "F2026-000001": one gapless sequence per year
CREDIT_NOTE_SEQUENCE = "credit_note:{year}"  # "A2026-000001": the credit notes' own sequence


def _next_document_number(*, sequence_name: str, prefix: str, year: int) -> str:
    return _reserve_document_numbers(sequence_name=sequence_name, prefix=prefix, year=year)[0]


def _reserve_document_numbers(
    *, sequence_name: str, prefix: str, year: int, count: int = 1
) -> list[str]:
    """Lock the counter row until the transaction ends and take the next `count` numbers: a
    rolled-back document gives its number back, so the numbers have no gap (French invoicing
    rules)."""
    sequence, _ = NumberSequence.objects.select_for_update().get_or_create(
        name=sequence_name.format(year=year), defaults={"next_value": 1}
    )
    first = sequence.next_value
    if count:
        sequence.next_value = first + count
        sequence.save(update_fields=["next_value"])
    return [f"{prefix}{year}-{number:06d}" for number in range(first, first + count)]


def _paris_date(at: datetime) -> date:
    if at.tzinfo is None:
        raise ValueError("billing times must be aware datetimes")
    return at.astimezone(PARIS).date()


def _period_bounds(period: date) -> tuple[datetime, datetime]:
    """The first instant of the month from `period` and of the next one, midnight in Paris."""
    stop = rules.add_months(period, 1)
    return (
        datetime.combine(period, time(0), tzinfo=PARIS),
        datetime.combine(stop, time(0), tzinfo=PARIS),
    )


def _check_period(*, period: date, now: datetime, period_stop: date | None = None) -> None:
    """`period` starts on a cycle day (1–28); the period (a month unless `period_stop`) is over."""
    if not cycle_rules.check_cycle_day(period.day):
        raise BillingError(
            code=BillingErrorCode.PERIOD_INVALID,
            message=f"Une période de facturation commence un jour entre le"
            f" {cycle_rules.CYCLE_DAY_MIN} et le {cycle_rules.CYCLE_DAY_MAX} du mois.",
            extra={"period": period.isoformat()},
        )
    stop = period_stop or rules.add_months(period, 1)
    if _paris_date(now) < stop:
        raise BillingError(
            code=BillingErrorCode.PERIOD_NOT_ENDED,
            message=f"La période du {period:%d/%m/%Y} n'est pas terminée : elle sera facturée à"
            f" partir du {stop:%d/%m/%Y}.",
            extra={"period": period.isoformat()},
        )


@transaction.atomic
def invoice_issue(
    *,
    billing_account: BillingAccount,
    period: date,
    charges: Sequence[rules.Charge],
    actor: Actor,
    now: datetime,
    period_stop: date | None = None,
) -> Invoice:
    """Issue the account's invoice for the month starting on `period` (or the transition
    period up to `period_stop`, excluded), with `charges`.

    Refused when the period has not ended, when the account already has its invoice for the
    period (the bill run is idempotent on that), or when there is nothing to invoice.
    Issue date: today in Paris. Due date: `rules.due_date` (card +15 days; direct debit on the
    first debit day at least 10 days later, CGS 7.1).
    """
    _check_period(period=period, now=now, period_stop=period_stop)
    if not charges:
        raise BillingError(
            code=BillingErrorCode.NOTHING_TO_INVOICE,
            message=f"Rien à facturer sur le compte {billing_account.number} pour {period:%m/%Y}.",
            extra={"number": billing_account.number, "period": period.isoformat()},
        )
    issued_on = _paris_date(now)
    # The counter is locked first: invoice creations are serialised, so the check below
    # cannot race with another bill run.
    number = _next_document_number(sequence_name=INVOICE_SEQUENCE, prefix="F", year=issued_on.year)
    if Invoice.objects.filter(billing_account=billing_account, period_start=period).exists():
        raise BillingError(
            code=BillingErrorCode.INVOICE_EXISTS,
            message=f"Le compte {billing_account.number} a déjà sa facture de {period:%m/%Y}.",
            extra={"number": billing_account.number, "period": period.isoformat()},
        )
    [invoice] = _invoices_write(
        drafts=[(billing_account, charges)],
        numbers=[number],
        period=period,
        period_stop=period_stop,
        now=now,
    )
    activity_record(
        customer=billing_account.customer,
        actor=actor,
        act=Act.INVOICE_ISSUE,
        subject=invoice,
        summary=_issue_summary(invoice),
        at=now,
        new_values=_issue_values(invoice),
    )
    return invoice


@transaction.atomic
def invoices_issue(
    *,
    drafts: Sequence[tuple[BillingAccount, Sequence[rules.Charge]]],
    period: date,
    actor: Actor,
    now: datetime,
    period_stop: date | None = None,
) -> list[Invoice]:
    """`invoice_issue` for many accounts at once (the bill run): one transaction, a block of
    numbers, bulk inserts. Accounts that already have their invoice for the period, or have
    nothing to invoice, are skipped; the invoices issued are returned."""
    _check_period(period=period, now=now, period_stop=period_stop)
    issued_on = _paris_date(now)
    drafts = [(account, charges) for account, charges in drafts if charges]
    # The counter is locked first: invoice creations are serialised, so the check below
    # cannot race with another bill run.
    _reserve_document_numbers(
        sequence_name=INVOICE_SEQUENCE, prefix="F", year=issued_on.year, count=0
    )
    invoiced = invoiced_account_ids(
        account_ids=[account.pk for account, _ in drafts], period_start=period
    )
    drafts = [(account, charges) for account, charges in drafts if account.pk not in invoiced]
    if not drafts:
        return []
    numbers = _reserve_document_numbers(
        sequence_name=INVOICE_SEQUENCE, prefix="F", year=issued_on.year, count=len(drafts)
    )
    invoices = _invoices_write(
        drafts=drafts, numbers=numbers, period=period, period_stop=period_stop, now=now
    )
    activity_record_many(
        actor=actor,
        act=Act.INVOICE_ISSUE,
        entries=[
            ActivityEntry(
                customer=account.customer,
                subject=invoice,
                summary=_issue_summary(invoice),
                new_values=_issue_values(invoice),
            )
            for invoice, (account, _) in zip(invoices, drafts, strict=True)
        ],
        at=now,
    )
    return invoices


INVOICE_COLUMNS = (
    "billing_account_id",
    "number",
    "period_start",
    "period_end",
    "issued_on",
    "due_on",
    "issued_at",
    "payment_method",
    "billed_name",
    "billed_address",
    "status",
    "total_cents",
    "vat_cents",
    "total_excl_vat_cents",
    "paid_cents",
    "security_deposit_held_cents",
)
INVOICE_LINE_COLUMNS = (
    "invoice_id",
    "position",
    "kind",
    "label",
    "line_id",
    "product_code",
    "quantity",
    "unit_price_cents",
    "amount_cents",
    "vat_rate_bp",
    "vat_cents",
    "service_start",
    "service_end",
    "rule",
    "usage_key",
)


def _invoices_write(
    *,
    drafts: Sequence[tuple[BillingAccount, Sequence[rules.Charge]]],
    numbers: Sequence[str],
    period: date,
    now: datetime,
    period_stop: date | None = None,
) -> list[Invoice]:
    """Write the invoices of `drafts` (accounts without an invoice for `period`), numbered
    `numbers`, with their lines, and record what their charges settle: a few statements
    whatever their number (bulk inserts, see `bulk_writes`). Returns the invoices, with ids."""
    held = security_deposits_held_cents(account_ids=[account.pk for account, _ in drafts])
    invoices = [
        _invoice_for(
            billing_account=account,
            period=period,
            period_end=(period_stop or rules.add_months(period, 1)) - timedelta(days=1),
            charges=charges,
            number=number,
            now=now,
            deposit_held_cents=held.get(account.pk, 0),
        )
        for (account, charges), number in zip(drafts, numbers, strict=True)
    ]
    rows_insert(
        model=Invoice,
        columns=INVOICE_COLUMNS,
        rows=[[getattr(invoice, name) for name in INVOICE_COLUMNS] for invoice in invoices],
    )
    ids = invoice_ids_by_account(
        account_ids=[invoice.billing_account_id for invoice in invoices], period_start=period
    )
    for invoice in invoices:
        invoice.pk = ids[invoice.billing_account_id]
        # Saved rows from now on, as `bulk_create` leaves its objects.
        invoice._state.adding, invoice._state.db = False, connection.alias
    rows_insert(
        model=InvoiceLine,
        columns=INVOICE_LINE_COLUMNS,
        rows=(
            row
            for invoice, (_, charges) in zip(invoices, drafts, strict=True)
            for row in _invoice_line_rows(invoice_id=invoice.pk, charges=charges)
        ),
    )
    issued = [(invoice, charges) for invoice, (_, charges) in zip(invoices, drafts, strict=True)]
    _bill_one_off_charges(issued)
    _bill_purchases(issued)
    _record_usage_billed(issued)
    _record_what_charges_settle(issued, now=now)
    return invoices


def _record_what_charges_settle(
    issued: Sequence[tuple[Invoice, Sequence[rules.Charge]]], *, now: datetime
) -> None:
    """In the invoices' transaction: link the instalments they bill (payments refuses one that
    is no longer to bill) and record the advance deductions (refused when an advance has less
    left than deducted: another run used it meanwhile). Either refusal rolls the invoices back,
    so an instalment is billed and a credit deducted exactly once."""
    instalments: dict[int, int] = {}
    deductions: list[BillAdvanceDeduction] = []
    for invoice, charges in issued:
        for charge in charges:
            if charge.instalment_id is not None:
                instalments[charge.instalment_id] = invoice.pk
            if charge.bill_advance_id is not None:
                deductions.append(
                    BillAdvanceDeduction(
                        advance_id=charge.bill_advance_id,
                        invoice=invoice,
                        amount_cents=-charge.amount_cents,
                    )
                )
    instalments_bill(invoice_of=instalments, now=now)
    if not deductions:
        return
    advance_ids = sorted({deduction.advance_id for deduction in deductions})
    list(BillAdvance.objects.select_for_update().filter(pk__in=advance_ids).order_by("pk"))
    remaining = advance_remaining_cents(advance_ids=advance_ids)
    for deduction in deductions:
        remaining[deduction.advance_id] -= deduction.amount_cents
    overdrawn = sorted(pk for pk, left in remaining.items() if left < 0)
    if overdrawn:
        raise BillingError(
            code=BillingErrorCode.ADVANCE_CREDIT_USED,
            message="Une avance sur facture a déjà été déduite d'une autre facture : la"
            " facturation est à relancer.",
            extra={"advance_ids": overdrawn},
        )
    BillAdvanceDeduction.objects.bulk_create(deductions)


def _invoice_for(
    *,
    billing_account: BillingAccount,
    period: date,
    period_end: date,
    charges: Sequence[rules.Charge],
    number: str,
    now: datetime,
    deposit_held_cents: int = 0,
) -> Invoice:
    issued_on = _paris_date(now)
    totals = rules.totals(charges)
    return Invoice(
        billing_account=billing_account,
        number=number,
        period_start=period,
        period_end=period_end,
        issued_on=issued_on,
        due_on=rules.due_date(
            issued_on=issued_on,
            direct_debit=billing_account.payment_method == PaymentMethod.DIRECT_DEBIT,
            debit_day=billing_account.debit_day,
        ),
        issued_at=now,
        payment_method=billing_account.payment_method,
        billed_name=_billed_name(billing_account.customer),
        billed_address=_billed_address(billing_account.billing_address),
        # Nothing to pay (a paid advance covered it all): paid as issued, never unpaid later.
        status=InvoiceStatus.PAID if totals.total_cents == 0 else InvoiceStatus.ISSUED,
        total_cents=totals.total_cents,
        vat_cents=totals.vat_cents,
        total_excl_vat_cents=totals.total_excl_vat_cents,
        security_deposit_held_cents=deposit_held_cents,
    )


def _billed_name(customer: Customer) -> str:
    return f"{Civility(customer.civility).label} {customer.first_name} {customer.last_name}"


# Addresses in France are printed without their country, as French mail expects.
HOME_COUNTRY = "FR"


def _billed_address(address: Address | None) -> list[str]:
    if address is None:
        return []
    street = [line for line in (address.line1, address.line2, address.line3) if line]
    city = f"{address.postcode} {address.city}"
    return [*street, city] if address.country == HOME_COUNTRY else [*street, city, address.country]


def _invoice_line_rows(
    *, invoice_id: int, charges: Sequence[rules.Charge]
) -> Iterator[tuple[object, ...]]:
    """The invoice's lines as rows of INVOICE_LINE_COLUMNS, in the charges' order."""
    for position, charge in enumerate(charges, start=1):
        yield (
            invoice_id,
            position,
            charge.kind.value,
            charge.label[:300],
            charge.line_id,
            charge.product_code,
            charge.quantity,
            charge.unit_price_cents,
            charge.amount_cents,
            charge.vat_rate_percent * BASIS_POINTS_PER_PERCENT,
            charge.vat_cents,
            charge.service_start,
            charge.service_end,
            charge.rule[:400],
            charge.usage_key,
        )


def _issue_summary(invoice: Invoice) -> str:
    if invoice.period_start.day == 1 and invoice.period_end == rules.period_end_of(
        invoice.period_start
    ):
        period = f"de {invoice.period_start:%m/%Y}"
    else:
        period = f"du {invoice.period_start:%d/%m/%Y} au {invoice.period_end:%d/%m/%Y}"
    # Shown to the customer (the activity log): French amount, "67,96 €" (rules.format_eur
    # is for the commands' reports).
    return f"Facture {invoice.number} {period} : {rules.format_eur_fr(invoice.total_cents)}"


def _issue_values(invoice: Invoice) -> dict[str, object]:
    return {
        "number": invoice.number,
        "period_start": invoice.period_start.isoformat(),
        "total_cents": invoice.total_cents,
        "due_on": invoice.due_on.isoformat(),
    }


@transaction.atomic
def invoice_credit(*, invoice: Invoice, reason: str, actor: Actor, now: datetime) -> CreditNote:
    """Cancel an issued invoice wholly with a credit note (avoir) of the same totals.

    The invoice's lines and totals stay as issued (append-only); only its status becomes
    cancelled. A paid or partly paid invoice is refunded through payments (later), not here.
    """
    locked = Invoice.objects.select_for_update().select_related("billing_account__customer")
    invoice = locked.get(pk=invoice.pk)
    if invoice.status != InvoiceStatus.ISSUED:
        raise BillingError(
            code=BillingErrorCode.INVOICE_NOT_CANCELLABLE,
            message=f"La facture {invoice.number} ne peut pas être annulée : elle est"
            f" {InvoiceStatus(invoice.status).label.lower()}.",
            extra={"number": invoice.number, "status": invoice.status},
        )
    issued_on = _paris_date(now)
    credit_note = CreditNote.objects.create(
        invoice=invoice,
        billing_account=invoice.billing_account,
        number=_next_document_number(
            sequence_name=CREDIT_NOTE_SEQUENCE, prefix="A", year=issued_on.year
        ),
        issued_on=issued_on,
        issued_at=now,
        reason=reason[:300],
        total_cents=invoice.total_cents,
        vat_cents=invoice.vat_cents,
        total_excl_vat_cents=invoice.total_excl_vat_cents,
    )
    invoice.status = InvoiceStatus.CANCELLED
    invoice.save(update_fields=["status"])
    activity_record(
        customer=invoice.billing_account.customer,
        actor=actor,
        act=Act.INVOICE_CREDIT,
        subject=invoice,
        summary=f"Avoir {credit_note.number} annulant la facture {invoice.number}",
        at=now,
        old_values={"status": InvoiceStatus.ISSUED},
        new_values={"status": InvoiceStatus.CANCELLED, "credit_note": credit_note.number},
    )
    return credit_note


# Bill run -------------------------------------------------------------------------------------

BILL_RUN_CHUNK = 500


@dataclass
class BillRunReport:
    period: date
    # Accounts with a line in service during the period; each ends with exactly one invoice
    # (created now or before), unless it had nothing to invoice or failed.
    accounts: int = 0
    created: int = 0
    existing: int = 0
    empty: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)
    # Sum of all the period's invoices of the accounts in scope, created now or before.
    total_cents: int = 0

    def summary(self) -> str:
        return (
            f"accounts={self.accounts} created={self.created} existing={self.existing}"
            f" total_eur={rules.format_eur(self.total_cents)}"
        )


def _price_extras(entry: object) -> dict[str, Any] | None:
    """What a catalog entry adds to its price, by kind; None for an entry that is not billed."""
    if isinstance(entry, Plan):
        return {
            "kind": rules.PriceKind.MAIN_OFFER,
            "list_price_cents": entry.list_price_cents,
            "discount_cents": entry.discount_cents,
            "activation_fee_cents": entry.activation_fee_cents,
            "activation_fee_label": entry.activation_fee_label,
        }
    if isinstance(entry, BoxOffer):
        return {
            "kind": rules.PriceKind.MAIN_OFFER,
            "activation_fee_cents": entry.activation_fee_cents,
        }
    if isinstance(entry, Option):
        return {
            "kind": rules.PriceKind.OPTION,
            "free_months": entry.free_months,
            "due_whole_month": entry.due_whole_month,
        }
    if isinstance(entry, TopUp):
        return {"kind": rules.PriceKind.TOP_UP}
    return None


def _price(subscription: BilledSubscription, catalog: Catalog) -> rules.Price:
    if subscription.product_kind == ProductKind.BONUS:
        return rules.Price(
            code=subscription.product_code,
            name=subscription.product_name,
            kind=rules.PriceKind.FREE,
            price_cents=0,
            list_price_cents=0,
        )
    try:
        entry = catalog.product(subscription.product_code)
    except CatalogError:
        entry = None
    extras = _price_extras(entry)
    if entry is not None and extras is not None:
        return rules.Price(
            code=entry.code,
            name=entry.name,
            price_cents=entry.price_cents,
            source=entry.source,
            **{"list_price_cents": entry.price_cents, **extras},
        )
    raise BillingError(
        code=BillingErrorCode.PRODUCT_NOT_PRICED,
        message=f"« {subscription.product_name} » ({subscription.product_code}) n'a pas de prix"
        " dans le catalogue en vigueur.",
        extra={"product": subscription.product_code},
    )


def _line_facts(line: Line) -> rules.LineFacts:
    assert line.activated_at is not None  # selected on it
    return rules.LineFacts(
        line_id=line.pk,
        label=line.display_number,
        in_service=rules.Span(
            _paris_date(line.activated_at),
            _paris_date(line.terminated_at) if line.terminated_at else None,
        ),
        subscriptions=tuple(
            rules.SubscriptionFacts(
                code=subscription.product_code,
                span=rules.Span(
                    _paris_date(subscription.starts_at),
                    _paris_date(subscription.ends_at) if subscription.ends_at else None,
                ),
            )
            for subscription in line.billed_subscriptions  # type: ignore[attr-defined]
        ),
        # A transfer continues a contract whose fee was the former holder's; a withdrawal
        # (CGS 9) leaves due only the days used, as the customer is told when withdrawing.
        charges_activation=line.transferred_from_id is None
        and line.termination_reason != TerminationReason.WITHDRAWAL,
        first_starts_before_transfer={
            code: _paris_date(starts_at)
            for code, starts_at in line.first_starts_before_transfer.items()  # type: ignore[attr-defined]
        },
    )


def _instalment_facts(instalment: Instalment) -> rules.InstalmentFacts:
    plan = instalment.plan
    return rules.InstalmentFacts(
        instalment_id=instalment.pk,
        device=plan.label,
        number=instalment.number,
        count=plan.instalment_count,
        period_start=instalment.period_start,
        amount_cents=instalment.amount_cents,
        line_id=plan.equipment.line_id,
    )


def _usage_facts(group: UsageGroup, billed_cents: int = 0) -> rules.UsageFacts:
    return rules.UsageFacts(
        service=group.key.service,
        direction=group.key.direction,
        origin_zone=group.key.origin_zone,
        destination_zone=group.key.destination_zone,
        key=group.key.text(),
        records=group.records,
        total_micro_eur=group.total_micro_eur,
        first_day=_paris_date(group.first_at),
        last_day=_paris_date(group.last_at),
        period_start=group.period_start,
        billed_cents=billed_cents,
    )


def _usage_to_bill(
    *, line_ids: Sequence[int], period: cycle_rules.BillingPeriod
) -> dict[int, list[rules.UsageFacts]]:
    """The out-of-bundle usage groups an invoice for `period` bills, by line: those of the
    usage periods (calendar months) ended by the period's end, within rules.LATE_USAGE_MONTHS,
    whose rated total is more than what earlier invoices billed of them. Three queries at most: the
    stored totals, what was billed of them, the groups of the (line, month) pairs left."""
    since, last = rules.late_usage_months(period.stop)
    totals = out_of_bundle_totals(line_ids=line_ids, since=since, until=last)
    billed = usage_billed_by_group(line_ids=sorted({line for line, _ in totals}), since=since)
    pairs = rules.usage_periods_billed_short(totals=totals, billed=billed)
    usage: dict[int, list[rules.UsageFacts]] = {}
    groups = out_of_bundle_usage_of_periods(line_periods=pairs)
    for (line, month), line_groups in sorted(groups.items(), key=lambda item: item[0][1]):
        usage.setdefault(line, []).extend(
            _usage_facts(group, billed.get((line, month, group.key.text()), (0, 0))[1])
            for group in line_groups
        )
    return usage


def _insurance_facts(insurance: InsuranceOnBill) -> rules.InsuranceFacts:
    return rules.InsuranceFacts(
        device=insurance.device,
        reference=insurance.reference,
        monthly_cents=insurance.monthly_price_cents,
        span=rules.Span(
            _paris_date(insurance.started_at),
            _paris_date(insurance.ended_at) if insurance.ended_at else None,
        ),
    )


def _purchase_facts(purchase: PurchaseOnBill) -> rules.PurchaseFacts:
    return rules.PurchaseFacts(
        kind=rules.ChargeKind(purchase.kind),
        what=purchase.what,
        seller=purchase.seller,
        amount_cents=purchase.amount_cents,
        day=_paris_date(purchase.purchased_at),
        purchase_id=purchase.purchase_id,
    )


def _zone_labels(catalog: Catalog) -> dict[str, str]:
    return {zone.code: zone.label for zone in catalog.zones}


def _account_charges(
    *,
    billing_account: BillingAccount,
    period: cycle_rules.BillingPeriod,
    prices: dict[str, rules.Price],
    catalog: Catalog,
    usage: Mapping[int, Sequence[rules.UsageFacts]],
    purchases: Mapping[int, Sequence[PurchaseOnBill]],
    insurances: Mapping[int, Sequence[InsuranceOnBill]],
) -> list[rules.Charge]:
    """The charges of an account loaded by `accounts_for_bill_run`: its lines in order, each
    line's phone insurance premiums (`insurances`, by line id), out-of-bundle usage (`usage`)
    and purchases on the bill (`purchases`) after its fees, then its one-off charges not billed
    yet, its instalments due, then the paid bill advances deducted from what all that adds up
    to."""
    charges: list[rules.Charge] = []
    for line in billing_account.lines_in_service:  # type: ignore[attr-defined]
        for subscription in line.billed_subscriptions:
            if subscription.product_code not in prices:
                prices[subscription.product_code] = _price(subscription, catalog)
        facts = _line_facts(line)
        charges.extend(
            rules.line_charges(
                line=facts, period_start=period.start, period_stop=period.stop, prices=prices
            )
        )
        charges.extend(
            rules.insurance_charges(
                line=facts,
                insurances=[_insurance_facts(i) for i in insurances.get(line.pk, ())],
                period_start=period.start,
                period_stop=period.stop,
            )
        )
        charges.extend(
            rules.usage_charges(
                line=facts,
                usage=usage.get(line.pk, ()),
                zone_labels=_zone_labels(catalog),
                period_start=period.start,
            )
        )
        charges.extend(
            rules.purchase_charges(
                line=facts,
                purchases=[_purchase_facts(purchase) for purchase in purchases.get(line.pk, ())],
                period_start=period.start,
            )
        )
    charges.extend(_one_off_charge(charge) for charge in billing_account.pending_charges)  # type: ignore[attr-defined]
    for instalment in billing_account.instalments_due:  # type: ignore[attr-defined]
        charges.append(rules.instalment_charge(_instalment_facts(instalment)))
    if charges:
        before = rules.totals(charges)
        charges.extend(
            advance_rules.advance_credit_charges(
                charges_total_cents=before.total_cents,
                charges_vat_cents=before.vat_cents,
                credits=billing_account.advance_credits,  # type: ignore[attr-defined]
                period_start=period.start,
                period_end=period.end,
            )
        )
    return charges


def bill_run(
    *,
    period: date,
    now: datetime,
    account_id: int | None = None,
    chunk_size: int = BILL_RUN_CHUNK,
) -> BillRunReport:
    """Invoice every account whose billing period starts on `period` (the 1st for the accounts
    on calendar months; cycle day `period.day` for the others, and the transition periods
    starting that day: billing.cycle_rules) and that had a line in service during it, or a
    one-off charge not billed yet dated before its end.

    Runs once the month from `period` is over (a transition period is shorter, so it is over
    too). Idempotent and resumable: each chunk's invoices are issued in one transaction, each
    at most once per account and period start (unique constraint, checked under the counter
    lock), so a second run creates nothing and a run stopped halfway is finished by running it
    again. Accounts with none of these get no invoice. Reads are in bulk, a fixed number of
    queries per chunk of `chunk_size` accounts and period length (among them the lines'
    out-of-bundle usage not billed yet of the calendar months ended by the period's end, stored
    by `guichet usage import`: import a month's usage before billing it; what comes later goes
    on the next invoice), then one transaction per such group of new invoices.
    """
    _check_period(period=period, now=now)
    start, stop = _period_bounds(period)
    run = _BillRun(
        catalog=catalog_current(), prices={}, report=BillRunReport(period=period), now=now
    )
    ids = billable_account_ids(period=period, start=start, stop=stop, account_id=account_id)
    for offset in range(0, len(ids), chunk_size):
        chunk = ids[offset : offset + chunk_size]
        periods = billing_periods_starting(account_ids=chunk, start=period)
        chunk = [pk for pk in chunk if pk in periods]
        run.report.accounts += len(chunk)
        done = invoiced_account_ids(account_ids=chunk, period_start=period)
        run.report.existing += len(done)
        by_stop: dict[date, list[int]] = {}
        for pk in chunk:
            if pk not in done:
                by_stop.setdefault(periods[pk].stop, []).append(pk)
        for _, account_ids in sorted(by_stop.items()):
            _bill_accounts(run, account_ids=account_ids, period=periods[account_ids[0]])
    run.report.total_cents = invoices_total_cents(period_start=period, account_id=account_id)
    return run.report


@dataclass
class _BillRun:
    catalog: Catalog
    prices: dict[str, rules.Price]
    report: BillRunReport
    now: datetime


def _bill_accounts(
    run: _BillRun, *, account_ids: Sequence[int], period: cycle_rules.BillingPeriod
) -> None:
    """Invoice `account_ids`, all billed for `period`: one transaction for all of them."""
    stop = datetime.combine(period.stop, time(0), tzinfo=PARIS)
    accounts = accounts_for_bill_run(account_ids=account_ids, period=period.start, stop=stop)
    line_ids = [line.pk for account in accounts for line in account.lines_in_service]
    usage = _usage_to_bill(line_ids=line_ids, period=period)
    purchases = purchases_on_bill(line_ids=line_ids, stop=stop)
    insurances = insurances_on_bill(line_ids=line_ids, stop=stop)
    drafts = []
    for account in accounts:
        try:
            charges = _account_charges(
                billing_account=account,
                period=period,
                prices=run.prices,
                catalog=run.catalog,
                usage=usage,
                purchases=purchases,
                insurances=insurances,
            )
        except BillingError as error:
            run.report.failed.append((account.pk, error.code.value))
            continue
        if charges:
            drafts.append((account, charges))
        else:
            run.report.empty += 1
    if not drafts:
        return
    # One transaction per group: a run killed midway loses that group only, which the next
    # run issues again; an account invoiced meanwhile by another run is skipped.
    try:
        issued = invoices_issue(
            drafts=drafts,
            period=period.start,
            period_stop=period.stop,
            actor=Actor.system(),
            now=run.now,
        )
    except (BillingError, InstalmentError) as error:
        # Another run billed an instalment or used a credit of this group meanwhile: nothing
        # of the group was written; running again issues it afresh.
        run.report.failed.extend((account.pk, error.code.value) for account, _ in drafts)
        return
    run.report.created += len(issued)
    run.report.existing += len(drafts) - len(issued)


# -- portal: personal information and tracking --


@transaction.atomic
def billing_address_change(
    *,
    customer: Customer,
    street_lines: Sequence[str],
    postcode: str,
    city: str,
    actor: Actor,
    now: datetime,
    country: str = "FR",
) -> Address:
    """ "Changer adresse de facturation": the customer's billing address, used by every open
    billing account from the next invoice on. Issued invoices keep the address they were
    issued with (Invoice.billed_address is a copy)."""
    address = address_set(
        customer=customer,
        kind=AddressKind.BILLING,
        street_lines=street_lines,
        postcode=postcode,
        city=city,
        country=country,
        actor=actor,
        now=now,
    )
    for account in BillingAccount.objects.filter(
        customer=customer, status=BillingAccountStatus.ACTIVE
    ).exclude(billing_address=address):
        billing_account_set_billing_address(
            billing_account=account, address=address, actor=actor, now=now
        )
    return address


# -- portal: offer management --


@transaction.atomic
def one_off_charge_add_amount(
    *,
    billing_account: BillingAccount,
    product: Product | None,
    amount_cents: int,
    label: str,
    rule: str,
    actor: Actor,
    now: datetime,
) -> OneOffCharge:
    """Charge an amount a rule computed rather than a fixed catalog fee: the early-termination
    fees of CGS 8.1 (the remaining monthly fees of `product`, the plan or box offer), or the
    price of a phone paid in one go (no catalog product). The bill run puts it on the
    account's next invoice, the last one of a terminated line."""
    if amount_cents <= 0:
        raise BillingError(
            code=BillingErrorCode.CHARGE_AMOUNT_INVALID,
            message=f"Un frais ponctuel est positif (reçu {amount_cents} c).",
            extra={"amount_cents": amount_cents},
        )
    charged_on = _paris_date(now)
    charge = OneOffCharge.objects.create(
        billing_account=billing_account,
        product=product,
        label=label[:300],
        amount_cents=amount_cents,
        rule=rule[:400],
        charged_on=charged_on,
        created_at=now,
    )
    activity_record(
        customer=billing_account.customer,
        actor=actor,
        act=Act.ONE_OFF_CHARGE_ADD,
        subject=charge,
        summary=f"{label} : {euros(amount_cents)} sur votre prochaine facture"[:300],
        at=now,
        new_values={
            "product": product.code if product is not None else None,
            "amount_cents": amount_cents,
            "rule": rule,
        },
    )
    return charge
