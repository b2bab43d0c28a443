"""Acts of SEPA direct debit (SDD Core): mandates, debit day, pre-notification, collection,
settlement and returns.

The payment method of a billing account follows its mandate: signing one switches the account
to direct debit, revoking it switches the account back to card (billing's
`billing_account_set_payment_method`). Money moves on invoices only through
`guichet.billing.settlement`: recorded when a debit settles, reversed when the bank returns it.

Batch jobs (`guichet direct-debit prenotify | collect | settle | returns`) are idempotent and
resumable: each debit is unique per invoice and collection date, each file is rendered from the
stored rows (the same bytes every time) and marked sent only once handed to the bank channel,
each settlement and return is one transaction that changes a debit's status once.
"""

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from guichet.billing.errors import BillingError
from guichet.billing.models import (
    BillingAccount,
    BillingAccountStatus,
    Invoice,
    InvoiceStatus,
    PaymentMethod,
)
from guichet.billing.rules import format_eur
from guichet.billing.services import (
    billing_account_set_debit_day,
    billing_account_set_payment_method,
    one_off_charge_add,
)
from guichet.billing.settlement import (
    PaymentIn,
    ReversalIn,
    invoice_payment_record,
    invoice_payments_record,
    invoice_payments_reverse,
    invoices_mark_unpaid,
)
from guichet.care.actors import Actor
from guichet.care.acts import Act
from guichet.care.models import ActorKind, OutboxChannel
from guichet.care.services import (
    ActivityEntry,
    activity_record,
    activity_record_many,
    outbox_enqueue,
    outbox_notify_customer,
)
from guichet.catalog.rendering import euros
from guichet.catalog.schema import Channel
from guichet.customers.models import ContactTopic
from guichet.customers.rules import paris_date
from guichet.payments.errors import PaymentError, PaymentErrorCode
from guichet.payments.models import (
    DirectDebit,
    DirectDebitBatch,
    DirectDebitStatus,
    Mandate,
    MandateStatus,
    Prenotification,
)
from guichet.payments.selectors.direct_debit import (
    batches_to_submit,
    debit_ids_to_settle,
    debits_for_rejection,
    debits_of_batch,
    debits_total,
    invoices_to_prenotify,
    mandate_last_collections,
    prenotification_ids_to_collect,
    prenotifications_for_collection,
)
from guichet.payments.sepa_files import (
    Creditor,
    DebitFile,
    DebitFileChannel,
    DebitLine,
    StatusReport,
    render_debit_file,
)
from guichet.payments.sepa_rules import (
    SepaValueError,
    SequenceType,
    check_creditor_identifier,
    check_debtor_name,
    check_mandate_reference,
    earliest_collection_date,
    mandate_lapsed,
    mandate_reference_for,
    normalize_bic,
    normalize_iban,
    prenotification_deadline,
    prenotified_in_time,
    return_reason,
    sequence_type,
    settlement_date,
)

logger = logging.getLogger(__name__)

PARIS = ZoneInfo("Europe/Paris")
SYSTEM = Actor.system()

# Brochure, "Services d'accompagnement": « Modification de la date de prélèvement : sur appel
# au Service Client : 5 €/modification » (catalog/data/fees.toml, with the self-care reading).
DEBIT_DAY_CHANGE_FEE = "modification-date-prelevement"
# Who acts tells the channel the act came through: the customer in self-care, an advisor on
# the phone. The operator moving the day itself (CGS 7.3, after a payment incident) is free.
_ACT_CHANNELS: dict[str, Channel] = {
    ActorKind.CUSTOMER: "selfcare",
    ActorKind.ADVISOR: "customer_service",
}

_FIELD_CODES = {
    "iban": PaymentErrorCode.IBAN_INVALID,
    "bic": PaymentErrorCode.BIC_INVALID,
    "debtor_name": PaymentErrorCode.DEBTOR_NAME_INVALID,
    "reference": PaymentErrorCode.MANDATE_REFERENCE_INVALID,
}


@contextmanager
def _logged_refusal(act: str, subject: object) -> Iterator[None]:
    """A refused act changes nothing (its transaction rolls back) but leaves a trace in the
    application log, without the IBAN entered."""
    try:
        yield
    except (PaymentError, BillingError) as error:
        logger.warning("%s refused for %s: %s [%s]", act, subject, error.message, error.code)
        raise


# Creditor ----------------------------------------------------------------------------------


def _setting(name: str) -> str:
    return str(getattr(settings, name, "") or "").strip()


def creditor_identifier() -> str:
    """The operator's SEPA creditor identifier (ICS), from `GUICHET_SEPA_CREDITOR_ID`."""
    value = _setting("GUICHET_SEPA_CREDITOR_ID")
    if not value:
        raise PaymentError(
            code=PaymentErrorCode.CREDITOR_NOT_CONFIGURED,
            message="L'identifiant créancier SEPA (ICS) n'est pas configuré : renseignez"
            " GUICHET_SEPA_CREDITOR_ID.",
        )
    try:
        return check_creditor_identifier(value)
    except SepaValueError as error:
        raise PaymentError(
            code=PaymentErrorCode.CREDITOR_NOT_CONFIGURED,
            message=f"GUICHET_SEPA_CREDITOR_ID : {error.message}",
        ) from None


def creditor() -> Creditor:
    """The operator as creditor of the debit files, from the `GUICHET_SEPA_CREDITOR_*` settings."""
    identifier = creditor_identifier()
    names = ("GUICHET_SEPA_CREDITOR_NAME", "GUICHET_SEPA_CREDITOR_IBAN")
    missing = [name for name in names if not _setting(name)]
    if missing:
        raise PaymentError(
            code=PaymentErrorCode.CREDITOR_NOT_CONFIGURED,
            message=f"Le créancier SEPA n'est pas configuré : renseignez {', '.join(missing)}.",
        )
    try:
        iban = normalize_iban(_setting("GUICHET_SEPA_CREDITOR_IBAN"))
        bic = normalize_bic(_setting("GUICHET_SEPA_CREDITOR_BIC"), iban=iban)
    except SepaValueError as error:
        raise PaymentError(
            code=PaymentErrorCode.CREDITOR_NOT_CONFIGURED,
            message=f"Compte du créancier SEPA (GUICHET_SEPA_CREDITOR_{error.field.upper()}) :"
            f" {error.message}",
        ) from None
    return Creditor(
        identifier=identifier, name=_setting("GUICHET_SEPA_CREDITOR_NAME"), iban=iban, bic=bic
    )


# Mandates ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _MandateDetails:
    reference: str
    creditor_id: str
    debtor_name: str
    iban: str
    bic: str


def _generated_reference(billing_account: BillingAccount) -> str:
    serial = Mandate.objects.filter(billing_account=billing_account).count() + 1
    reference = mandate_reference_for(billing_account_number=billing_account.number, serial=serial)
    while Mandate.objects.filter(reference=reference).exists():
        serial += 1
        reference = mandate_reference_for(
            billing_account_number=billing_account.number, serial=serial
        )
    return reference


def _mandate_details(
    *,
    billing_account: BillingAccount,
    debtor_name: str,
    iban: str,
    bic: str,
    signed_on: date,
    reference: str | None,
    now: datetime,
) -> _MandateDetails:
    if billing_account.status != BillingAccountStatus.ACTIVE:
        raise PaymentError(
            code=PaymentErrorCode.ACCOUNT_CLOSED,
            message=f"Le compte de facturation {billing_account.number} est clôturé.",
            extra={"number": billing_account.number},
        )
    creditor_id = creditor_identifier()
    try:
        name = check_debtor_name(debtor_name)
        iban_value = normalize_iban(iban)
        bic_value = normalize_bic(bic, iban=iban_value)
        given_reference = check_mandate_reference(reference) if reference is not None else None
    except SepaValueError as error:
        raise PaymentError(
            code=_FIELD_CODES[error.field], message=error.message, extra={"field": error.field}
        ) from None
    if signed_on > paris_date(now):
        raise PaymentError(
            code=PaymentErrorCode.SIGNATURE_DATE_INVALID,
            message=f"La date de signature du mandat ({signed_on:%d/%m/%Y}) ne peut pas être"
            " dans le futur.",
            extra={"signed_on": signed_on.isoformat()},
        )
    if given_reference is not None and Mandate.objects.filter(reference=given_reference).exists():
        raise PaymentError(
            code=PaymentErrorCode.MANDATE_REFERENCE_TAKEN,
            message=f"La référence de mandat {given_reference} est déjà celle d'un autre mandat.",
            extra={"reference": given_reference},
        )
    return _MandateDetails(
        reference=given_reference or _generated_reference(billing_account),
        creditor_id=creditor_id,
        debtor_name=name,
        iban=iban_value,
        bic=bic_value,
    )


def _revoke(*, mandate: Mandate, reason: str, actor: Actor, now: datetime) -> None:
    mandate.status, mandate.revoked_at = MandateStatus.REVOKED, now
    mandate.revocation_reason = reason[:200]
    mandate.save(update_fields=["status", "revoked_at", "revocation_reason"])
    activity_record(
        customer=mandate.billing_account.customer,
        actor=actor,
        act=Act.MANDATE_REVOKE,
        subject=mandate,
        summary=f"Mandat de prélèvement SEPA {mandate.reference} révoqué : {reason}"[:300],
        at=now,
        old_values={"status": MandateStatus.ACTIVE},
        new_values={"status": MandateStatus.REVOKED, "reason": reason},
    )


@transaction.atomic
def mandate_sign(
    *,
    billing_account: BillingAccount,
    debtor_name: str,
    iban: str,
    signed_on: date,
    actor: Actor,
    now: datetime,
    bic: str = "",
    reference: str | None = None,
) -> Mandate:
    """Record a SEPA mandate signed on `signed_on` and pay the account's invoices by direct
    debit from now on ("Changer mode de paiement (CB vers PA)").

    The IBAN and BIC are checked with `schwifty` (payments.sepa_rules); without a BIC, the one
    of the IBAN's bank is used when known. `reference` is the UMR of a mandate signed elsewhere
    (taken over from a previous system); without it one is generated ("CF10000001-M001"). The
    account's previous active mandate, if any, is revoked. Refused, with nothing changed and a
    warning in the application log, for an invalid IBAN, BIC, name, reference or date.
    """
    with _logged_refusal("mandate_sign", billing_account):
        details = _mandate_details(
            billing_account=billing_account,
            debtor_name=debtor_name,
            iban=iban,
            bic=bic,
            signed_on=signed_on,
            reference=reference,
            now=now,
        )
    previous = (
        Mandate.objects.select_for_update()
        .filter(billing_account=billing_account, status=MandateStatus.ACTIVE)
        .first()
    )
    if previous is not None:
        _revoke(
            mandate=previous,
            reason=f"remplacé par le mandat {details.reference}",
            actor=actor,
            now=now,
        )
    mandate = Mandate.objects.create(
        billing_account=billing_account,
        reference=details.reference,
        creditor_id=details.creditor_id,
        debtor_name=details.debtor_name,
        iban=details.iban,
        bic=details.bic,
        signed_on=signed_on,
        created_at=now,
    )
    billing_account_set_payment_method(
        billing_account=billing_account,
        payment_method=PaymentMethod.DIRECT_DEBIT,
        actor=actor,
        now=now,
    )
    activity_record(
        customer=billing_account.customer,
        actor=actor,
        act=Act.MANDATE_SIGN,
        subject=mandate,
        summary=f"Mandat de prélèvement SEPA {mandate.reference} signé le"
        f" {signed_on:%d/%m/%Y} (compte {mandate.masked_iban})",
        at=now,
        new_values={
            "reference": mandate.reference,
            "iban": mandate.masked_iban,
            "bic": mandate.bic,
            "signed_on": signed_on.isoformat(),
        },
    )
    outbox_notify_customer(
        customer=billing_account.customer,
        topic=ContactTopic.INVOICES,
        template="sepa_mandate_signed",
        context={
            "date": f"{signed_on:%d/%m/%Y}",
            "reference": mandate.reference,
            "creditor_id": mandate.creditor_id,
            "iban": mandate.masked_iban,
            "debtor_name": mandate.debtor_name,
            "debit_day": billing_account.debit_day,
        },
        now=now,
    )
    return mandate


@transaction.atomic
def mandate_revoke(
    *,
    mandate: Mandate,
    actor: Actor,
    now: datetime,
    reason: str = "à la demande du titulaire",
) -> Mandate:
    """Revoke an active mandate; its account pays by card from now on ("Changer mode de
    paiement (PA vers CB)"). Debits already sent to the bank stay; pre-notified debits not yet
    collected are not collected. One mandate is active per account, so none is left."""
    with _logged_refusal("mandate_revoke", mandate):
        mandate = (
            Mandate.objects.select_for_update()
            .select_related("billing_account__customer")
            .get(pk=mandate.pk)
        )
        if mandate.status != MandateStatus.ACTIVE:
            assert mandate.revoked_at is not None
            raise PaymentError(
                code=PaymentErrorCode.MANDATE_NOT_ACTIVE,
                message=f"Le mandat {mandate.reference} est déjà révoqué depuis le"
                f" {paris_date(mandate.revoked_at):%d/%m/%Y}.",
                extra={"reference": mandate.reference},
            )
    _revoke(mandate=mandate, reason=reason, actor=actor, now=now)
    billing_account_set_payment_method(
        billing_account=mandate.billing_account,
        payment_method=PaymentMethod.CARD,
        actor=actor,
        now=now,
    )
    return mandate


# Debit day ---------------------------------------------------------------------------------


@transaction.atomic
def debit_day_change(
    *, billing_account: BillingAccount, debit_day: int, actor: Actor, now: datetime
) -> BillingAccount:
    """ "Changement de date de prélèvement" (days 1–28): free in self-care, 5 € when asked by
    phone (an advisor acts), charged as a one-off fee on the next invoice; free when the
    operator moves it (CGS 7.3). Invoices already issued keep their due date and notice."""
    old_day = billing_account.debit_day
    with _logged_refusal("debit_day_change", billing_account):
        billing_account = billing_account_set_debit_day(
            billing_account=billing_account, debit_day=debit_day, actor=actor, now=now
        )
    channel = _ACT_CHANNELS.get(actor.kind)
    if billing_account.debit_day != old_day and channel is not None:
        one_off_charge_add(
            billing_account=billing_account,
            fee_code=DEBIT_DAY_CHANGE_FEE,
            channel=channel,
            actor=actor,
            now=now,
        )
    return billing_account


# Pre-notification (CGS 7.1) ----------------------------------------------------------------


def _check_prenotifiable(*, invoice: Invoice, mandate: Mandate | None, now: datetime) -> Mandate:
    if invoice.payment_method != PaymentMethod.DIRECT_DEBIT or mandate is None:
        raise PaymentError(
            code=PaymentErrorCode.PRENOTIFICATION_NOT_DUE,
            message=f"La facture {invoice.number} n'est pas payée par prélèvement : aucun avis"
            " de prélèvement à envoyer.",
            extra={"number": invoice.number},
        )
    if invoice.status not in (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID):
        raise PaymentError(
            code=PaymentErrorCode.PRENOTIFICATION_NOT_DUE,
            message=f"La facture {invoice.number} est"
            f" {InvoiceStatus(invoice.status).label.lower()} : rien à prélever.",
            extra={"number": invoice.number, "status": invoice.status},
        )
    deadline = prenotification_deadline(invoice.due_on)
    if not prenotified_in_time(sent_on=paris_date(now), debit_on=invoice.due_on):
        raise PaymentError(
            code=PaymentErrorCode.PRENOTIFICATION_TOO_LATE,
            message=f"La facture {invoice.number} est due le {invoice.due_on:%d/%m/%Y} : son"
            f" avis de prélèvement devait partir au plus tard le {deadline:%d/%m/%Y}, 10 jours"
            " avant (CGS 7.1). Elle ne sera pas prélevée : elle reste à payer par carte.",
            extra={"number": invoice.number, "deadline": deadline.isoformat()},
        )
    return mandate


@transaction.atomic
def prenotification_send(*, invoice: Invoice, actor: Actor, now: datetime) -> Prenotification:
    """Tell the customer, by email, the amount and date of the debit of `invoice` (its due
    date), with the mandate reference (UMR) and the creditor identifier (ICS): CGS 7.1, "au
    moins 10 jours avant la date d'échéance". Refused when less than 10 days are left; sending
    it again for the same invoice and date returns the first one."""
    existing = Prenotification.objects.filter(invoice=invoice, debit_on=invoice.due_on).first()
    if existing is not None:
        return existing
    with _logged_refusal("prenotification_send", invoice):
        mandate = _check_prenotifiable(
            invoice=invoice,
            mandate=Mandate.objects.filter(
                billing_account_id=invoice.billing_account_id, status=MandateStatus.ACTIVE
            ).first(),
            now=now,
        )
        creditor_id = creditor_identifier()
    customer = invoice.billing_account.customer
    amount_cents = invoice.outstanding_cents
    message = outbox_enqueue(
        channel=OutboxChannel.EMAIL,
        recipient=customer.contact_email,
        template="direct_debit_prenotification",
        context={
            "first_name": customer.first_name,
            "invoice": invoice.number,
            "amount": euros(amount_cents),
            "debit_date": f"{invoice.due_on:%d/%m/%Y}",
            "iban": mandate.masked_iban,
            "reference": mandate.reference,
            "creditor_id": creditor_id,
        },
        now=now,
        customer=customer,
    )
    notice = Prenotification.objects.create(
        invoice=invoice,
        mandate=mandate,
        amount_cents=amount_cents,
        debit_on=invoice.due_on,
        created_at=now,
        outbox_message=message,
    )
    activity_record(
        customer=customer,
        actor=actor,
        act=Act.PRENOTIFICATION_SEND,
        subject=notice,
        summary=f"Avis de prélèvement : {euros(amount_cents)} le {invoice.due_on:%d/%m/%Y}"
        f" pour la facture {invoice.number}",
        at=now,
        new_values={
            "invoice": invoice.number,
            "amount_cents": amount_cents,
            "debit_on": invoice.due_on.isoformat(),
            "mandate": mandate.reference,
        },
    )
    return notice


@dataclass
class PrenotifyReport:
    sent: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)  # (invoice number, why)

    def summary(self) -> str:
        return f"sent={self.sent} refused={len(self.refused)}"


def prenotifications_send(*, now: datetime) -> PrenotifyReport:
    """Pre-notify every direct debit invoice still owed that has none for its due date yet.
    Run it right after the bill run: an invoice is due at least 10 days after its issue."""
    report = PrenotifyReport()
    for invoice in invoices_to_prenotify(due_from=paris_date(now)):
        try:
            prenotification_send(invoice=invoice, actor=SYSTEM, now=now)
        except PaymentError as error:
            report.refused.append((invoice.number, error.message))
        else:
            report.sent += 1
    return report


# Collection --------------------------------------------------------------------------------

COLLECT_CHUNK = 1000  # debits per pain.008 file


@dataclass
class CollectReport:
    collection_date: date
    created: int = 0
    # Debits of this date made by earlier runs.
    existing: int = 0
    # Pre-notified invoices with nothing left to pay (paid by card meanwhile, cancelled).
    nothing_owed: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)  # (invoice number, why)
    files: list[str] = field(default_factory=list)  # batch files handed to the bank this run
    # All the debits of the date, made now or before.
    total_cents: int = 0

    def summary(self) -> str:
        return (
            f"date={self.collection_date.isoformat()} created={self.created}"
            f" existing={self.existing} refused={len(self.refused)}"
            f" nothing_owed={self.nothing_owed} files={len(self.files)}"
            f" total_eur={format_eur(self.total_cents)}"
        )


def _collection_refusal(
    notice: Prenotification, *, last_collections: dict[int, date], collection_date: date
) -> str | None:
    """Why the pre-notified debit may not be collected, or None."""
    invoice, mandate = notice.invoice, notice.mandate
    if mandate.status != MandateStatus.ACTIVE:
        return f"le mandat {mandate.reference} est révoqué"
    if invoice.billing_account.payment_method != PaymentMethod.DIRECT_DEBIT:
        return f"le compte {invoice.billing_account.number} paie désormais par carte"
    last_used = last_collections.get(mandate.pk, mandate.signed_on)
    if mandate_lapsed(last_used_on=last_used, on=collection_date):
        return (
            f"le mandat {mandate.reference} a expiré : aucun prélèvement depuis le"
            f" {last_used:%d/%m/%Y} (36 mois)"
        )
    sent_at = notice.outbox_message.sent_at
    if sent_at is None:
        return "l'avis de prélèvement n'est pas encore parti"
    if not prenotified_in_time(sent_on=paris_date(sent_at), debit_on=collection_date):
        return (
            f"l'avis de prélèvement est parti le {paris_date(sent_at):%d/%m/%Y}, moins de 10"
            " jours avant le prélèvement (CGS 7.1)"
        )
    if invoice.outstanding_cents > notice.amount_cents:
        return (
            f"le reste à payer ({euros(invoice.outstanding_cents)}) dépasse le montant annoncé"
            f" ({euros(notice.amount_cents)})"
        )
    return None


@dataclass(frozen=True)
class _Draft:
    notice: Prenotification
    amount_cents: int
    sequence_type: str


@transaction.atomic
def _batch_create(
    *, collection_date: date, drafts: list[_Draft], now: datetime
) -> DirectDebitBatch:
    serial = (
        DirectDebitBatch.objects.filter(collection_date=collection_date).aggregate(
            last=Max("serial")
        )["last"]
        or 0
    ) + 1
    batch = DirectDebitBatch.objects.create(
        message_id=f"DD{collection_date:%Y%m%d}-{serial:03d}",
        collection_date=collection_date,
        serial=serial,
        created_at=now,
    )
    debits = DirectDebit.objects.bulk_create(
        DirectDebit(
            invoice=draft.notice.invoice,
            mandate=draft.notice.mandate,
            prenotification=draft.notice,
            batch=batch,
            end_to_end_id=f"{draft.notice.invoice.number}-{collection_date:%Y%m%d}",
            amount_cents=draft.amount_cents,
            collection_date=collection_date,
            sequence_type=draft.sequence_type,
            created_at=now,
        )
        for draft in drafts
    )
    activity_record_many(
        actor=SYSTEM,
        act=Act.DIRECT_DEBIT_COLLECT,
        entries=[
            ActivityEntry(
                customer=debit.invoice.billing_account.customer,
                subject=debit,
                summary=f"Prélèvement de {euros(debit.amount_cents)} demandé à votre banque"
                f" pour le {collection_date:%d/%m/%Y} (facture {debit.invoice.number})",
                new_values={
                    "end_to_end_id": debit.end_to_end_id,
                    "amount_cents": debit.amount_cents,
                    "sequence_type": debit.sequence_type,
                    "batch": batch.message_id,
                },
            )
            for debit in debits
        ],
        at=now,
    )
    return batch


def _debit_file(batch: DirectDebitBatch, creditor: Creditor) -> DebitFile:
    lines = []
    for debit in debits_of_batch(batch=batch):
        notice, mandate, invoice = debit.prenotification, debit.mandate, debit.invoice
        assert notice.outbox_message.sent_at is not None  # checked before the debit was made
        lines.append(
            DebitLine(
                end_to_end_id=debit.end_to_end_id,
                amount_cents=debit.amount_cents,
                sequence_type=SequenceType(debit.sequence_type),
                mandate_reference=mandate.reference,
                mandate_signed_on=mandate.signed_on,
                debtor_name=mandate.debtor_name,
                debtor_iban=mandate.iban,
                debtor_bic=mandate.bic,
                remittance=f"Facture {invoice.number} du {invoice.issued_on:%d/%m/%Y}",
                prenotification_id=notice.identifier,
                prenotified_on=paris_date(notice.outbox_message.sent_at),
            )
        )
    return DebitFile(
        message_id=batch.message_id,
        created_at=batch.created_at.astimezone(PARIS).replace(tzinfo=None),
        creditor=creditor,
        collection_date=batch.collection_date,
        lines=lines,
    )


def _batch_submit(
    *, batch: DirectDebitBatch, creditor: Creditor, channel: DebitFileChannel, now: datetime
) -> None:
    """Hand the batch's file to the bank with no transaction open, then record it sent."""
    content = render_debit_file(_debit_file(batch, creditor))
    channel.submit(name=batch.file_name, content=content)
    DirectDebitBatch.objects.filter(pk=batch.pk, submitted_at__isnull=True).update(submitted_at=now)


def direct_debits_collect(
    *,
    collection_date: date,
    now: datetime,
    channel: DebitFileChannel,
    chunk_size: int = COLLECT_CHUNK,
) -> CollectReport:
    """Collect the invoices pre-notified for a debit on `collection_date`, for what is still
    owed on each: one debit per invoice and date, in pain.008 files handed to `channel`.

    A pre-notified invoice is refused (and the refusal logged) when its notice did not leave at
    least 10 days before (CGS 7.1), when the amount owed exceeds the amount notified, or when
    its mandate is revoked or has lapsed. A run stopped halfway is finished by running it
    again: debits already made are not made twice, files not yet handed over are sent then.
    """
    today = paris_date(now)
    earliest = earliest_collection_date(today)
    if collection_date < earliest:
        raise PaymentError(
            code=PaymentErrorCode.COLLECTION_DATE_TOO_EARLY,
            message=f"Un fichier de prélèvement envoyé le {today:%d/%m/%Y} peut demander le"
            f" {earliest:%d/%m/%Y} au plus tôt (un jour ouvré TARGET2 avant) : le"
            f" {collection_date:%d/%m/%Y} est trop tôt.",
            extra={"collection_date": collection_date.isoformat()},
        )
    creditor_details = creditor()
    report = CollectReport(collection_date=collection_date)
    report.existing, _ = debits_total(collection_date=collection_date)
    ids = prenotification_ids_to_collect(debit_on=collection_date)
    for offset in range(0, len(ids), chunk_size):
        notices = prenotifications_for_collection(ids=ids[offset : offset + chunk_size])
        last_collections = mandate_last_collections(
            mandate_ids=[notice.mandate_id for notice in notices]
        )
        used_now: set[int] = set()
        drafts = []
        for notice in notices:
            amount_cents = notice.invoice.outstanding_cents
            if amount_cents <= 0 or notice.invoice.status == InvoiceStatus.CANCELLED:
                report.nothing_owed += 1
                continue
            refusal = _collection_refusal(
                notice, last_collections=last_collections, collection_date=collection_date
            )
            if refusal is not None:
                logger.warning(
                    "Direct debit of invoice %s on %s refused: %s",
                    notice.invoice.number,
                    collection_date,
                    refusal,
                )
                report.refused.append((notice.invoice.number, refusal))
                continue
            collected_before = (
                notice.mandate_id in last_collections or notice.mandate_id in used_now
            )
            used_now.add(notice.mandate_id)
            drafts.append(
                _Draft(
                    notice=notice,
                    amount_cents=amount_cents,
                    sequence_type=sequence_type(collected_before=collected_before).value,
                )
            )
        if drafts:
            _batch_create(collection_date=collection_date, drafts=drafts, now=now)
            report.created += len(drafts)
    for batch in batches_to_submit(collection_date=collection_date):
        _batch_submit(batch=batch, creditor=creditor_details, channel=channel, now=now)
        report.files.append(batch.file_name)
    _, report.total_cents = debits_total(collection_date=collection_date)
    return report


# Settlement --------------------------------------------------------------------------------


@transaction.atomic
def direct_debit_settle(*, debit: DirectDebit, actor: Actor, now: datetime) -> DirectDebit:
    """Record the debit's money as received on the invoice, under its end-to-end id, once its
    settlement date has come (the collection date, or the next TARGET2 business day)."""
    debit = DirectDebit.objects.select_for_update().select_related("invoice").get(pk=debit.pk)
    if debit.status != DirectDebitStatus.SUBMITTED:
        return debit
    settles_on = settlement_date(debit.collection_date)
    if paris_date(now) < settles_on:
        raise PaymentError(
            code=PaymentErrorCode.COLLECTION_DATE_TOO_EARLY,
            message=f"Le prélèvement {debit.end_to_end_id} sera encaissé le"
            f" {settles_on:%d/%m/%Y}, pas avant.",
            extra={"end_to_end_id": debit.end_to_end_id},
        )
    invoice_payment_record(
        invoice=debit.invoice,
        amount_cents=debit.amount_cents,
        reference=debit.end_to_end_id,
        actor=actor,
        now=now,
    )
    debit.status, debit.settled_at = DirectDebitStatus.SETTLED, now
    debit.save(update_fields=["status", "settled_at"])
    return debit


@dataclass
class SettleReport:
    settled: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (end-to-end id, why)

    def summary(self) -> str:
        return f"settled={self.settled} failed={len(self.failed)}"


SETTLE_CHUNK = 1000


def direct_debits_settle(*, now: datetime) -> SettleReport:
    """Settle every debit sent to the bank whose settlement date has come. A debit whose
    invoice can no longer take it (paid by card meanwhile) is reported and stays to settle.

    One transaction per chunk of debits, their payments recorded together by billing's
    `invoice_payments_record` (the rules of `direct_debit_settle`, in a few queries): a refused
    payment changes nothing and leaves its debit to settle, and a run stopped halfway leaves
    the rest to settle next time."""
    today = paris_date(now)
    report = SettleReport()
    ids = debit_ids_to_settle(collection_date_until=today)
    for offset in range(0, len(ids), SETTLE_CHUNK):
        with transaction.atomic():
            debits = [
                debit
                for debit in DirectDebit.objects.select_for_update()
                .filter(pk__in=ids[offset : offset + SETTLE_CHUNK])
                .order_by("collection_date", "id")
                if debit.status == DirectDebitStatus.SUBMITTED
                and settlement_date(debit.collection_date) <= today
            ]
            refusals = invoice_payments_record(
                payments=[
                    PaymentIn(
                        invoice_id=debit.invoice_id,
                        amount_cents=debit.amount_cents,
                        reference=debit.end_to_end_id,
                    )
                    for debit in debits
                ],
                actor=SYSTEM,
                now=now,
            )
            settled = []
            for debit, refusal in zip(debits, refusals, strict=True):
                if refusal is None:
                    settled.append(debit.pk)
                    continue
                logger.warning(
                    "Direct debit %s not settled: %s", debit.end_to_end_id, refusal.message
                )
                report.failed.append((debit.end_to_end_id, refusal.message))
            DirectDebit.objects.filter(pk__in=settled).update(
                status=DirectDebitStatus.SETTLED, settled_at=now
            )
            report.settled += len(settled)
    return report


# Returns -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Return:
    debit_id: int
    reason_code: str


def _debits_return(
    *, returns: Sequence[_Return], report_id: str, actor: Actor, now: datetime
) -> list[tuple[DirectDebit, BillingError | None]]:
    """Apply `returns` in one go, in the caller's transaction: each debit locked, the payments
    recorded on the settled ones reversed together (billing's `invoice_payments_reverse`), the
    invoices of those rejected before settlement marked unpaid together
    (`invoices_mark_unpaid`), then each debit marked, logged and its customer told. A debit
    already returned is left as it is; a reversal that billing refuses leaves its debit as it
    was and is given back with its refusal."""
    wanted = {item.debit_id: return_reason(item.reason_code) for item in returns}
    debits = [
        debit
        for debit in DirectDebit.objects.select_for_update(of=("self",))
        .select_related("invoice__billing_account__customer")
        .filter(pk__in=wanted)
        .order_by("id")
        if debit.status not in (DirectDebitStatus.RETURNED, DirectDebitStatus.REJECTED)
    ]
    settled = [debit for debit in debits if debit.status == DirectDebitStatus.SETTLED]
    refusals = dict(
        zip(
            (debit.pk for debit in settled),
            invoice_payments_reverse(
                reversals=[
                    ReversalIn(
                        invoice_id=debit.invoice_id,
                        amount_cents=debit.amount_cents,
                        reference=debit.end_to_end_id,
                        reason=f"prélèvement rejeté ({wanted[debit.pk].code}) :"
                        f" {wanted[debit.pk].label}",
                    )
                    for debit in settled
                ],
                actor=actor,
                now=now,
            ),
            strict=True,
        )
    )
    # Nothing was recorded as paid on the others: their invoice becomes unpaid once its due
    # date passed.
    invoices_mark_unpaid(
        invoice_ids=[
            debit.invoice_id for debit in debits if debit.status != DirectDebitStatus.SETTLED
        ],
        actor=actor,
        now=now,
    )
    outcome: list[tuple[DirectDebit, BillingError | None]] = []
    returned = []
    for debit in debits:
        refusal = refusals.get(debit.pk)
        outcome.append((debit, refusal))
        if refusal is not None:
            continue
        reason, old_status = wanted[debit.pk], debit.status
        debit.status = (
            DirectDebitStatus.RETURNED
            if old_status == DirectDebitStatus.SETTLED
            else DirectDebitStatus.REJECTED
        )
        debit.returned_at, debit.return_reason_code = now, reason.code
        debit.return_report_id = report_id[:35]
        returned.append(debit)
        _return_tell(debit, old_status=old_status, actor=actor, now=now)
    DirectDebit.objects.bulk_update(
        returned, ["status", "returned_at", "return_reason_code", "return_report_id"]
    )
    return outcome


def _return_tell(debit: DirectDebit, *, old_status: str, actor: Actor, now: datetime) -> None:
    """Log the return of `debit` and tell its customer why, in French."""
    reason = return_reason(debit.return_reason_code)
    invoice = debit.invoice
    customer = invoice.billing_account.customer
    activity_record(
        customer=customer,
        actor=actor,
        act=Act.DIRECT_DEBIT_RETURN,
        subject=debit,
        summary=f"Prélèvement de {euros(debit.amount_cents)} du"
        f" {debit.collection_date:%d/%m/%Y} rejeté : {reason.label}"[:300],
        at=now,
        old_values={"status": old_status},
        new_values={
            "status": debit.status,
            "reason_code": reason.code,
            "report": debit.return_report_id,
        },
    )
    outbox_notify_customer(
        customer=customer,
        topic=ContactTopic.INVOICES,
        template="direct_debit_returned",
        context={
            "invoice": invoice.number,
            "amount": euros(debit.amount_cents),
            "debit_date": f"{debit.collection_date:%d/%m/%Y}",
            "reason": reason.label,
        },
        now=now,
    )


@transaction.atomic
def direct_debit_return(
    *,
    debit: DirectDebit,
    reason_code: str,
    report_id: str,
    actor: Actor,
    now: datetime,
) -> DirectDebit:
    """The bank returned (after settlement) or rejected (before) the debit, for `reason_code`:
    the payment recorded on the invoice is reversed and the invoice is unpaid again; the
    customer is told why, in French. A debit already returned is left as it is."""
    applied = _debits_return(
        returns=[_Return(debit_id=debit.pk, reason_code=reason_code)],
        report_id=report_id,
        actor=actor,
        now=now,
    )
    if not applied:
        return DirectDebit.objects.get(pk=debit.pk)
    [(debit, refusal)] = applied
    if refusal is not None:
        raise refusal
    return debit


@dataclass
class ReturnsReport:
    applied: int = 0
    already: int = 0
    # What the file names that is not one of our debits, or does not match it: not applied.
    unknown: list[str] = field(default_factory=list)
    mismatched: list[tuple[str, str]] = field(default_factory=list)  # (end-to-end id, why)

    def summary(self) -> str:
        return (
            f"applied={self.applied} already={self.already} unknown={len(self.unknown)}"
            f" mismatched={len(self.mismatched)}"
        )


@transaction.atomic
def direct_debit_returns_apply(*, report: StatusReport, now: datetime) -> ReturnsReport:
    """Apply each rejection of a bank status report to the debits it names, all in one
    transaction (`_debits_return`). Idempotent: a report read twice, or naming a debit twice,
    applies each return once. A rejection naming no debit of ours, or an amount that is not
    the debit's, is reported and not applied; so is a return whose payment billing refuses to
    reverse (more than what is paid on the invoice)."""
    outcome = ReturnsReport()
    returns: dict[int, _Return] = {}
    for rejection in report.rejections:
        debits = debits_for_rejection(rejection=rejection)
        if not debits:
            named = rejection.end_to_end_id or rejection.payment_information_id
            label = named or rejection.original_message_id
            logger.warning("Return of an unknown direct debit %s: not applied", label)
            outcome.unknown.append(label)
            continue
        for debit in debits:
            if (
                debit.status in (DirectDebitStatus.RETURNED, DirectDebitStatus.REJECTED)
                or debit.pk in returns
            ):
                outcome.already += 1
                continue
            if rejection.amount_cents is not None and rejection.amount_cents != debit.amount_cents:
                why = (
                    f"montant retourné {euros(rejection.amount_cents)}, montant prélevé"
                    f" {euros(debit.amount_cents)}"
                )
                logger.warning("Return of direct debit %s not applied: %s", debit, why)
                outcome.mismatched.append((debit.end_to_end_id, why))
                continue
            returns[debit.pk] = _Return(debit_id=debit.pk, reason_code=rejection.reason_code)
    for debit, refusal in _debits_return(
        returns=list(returns.values()), report_id=report.message_id, actor=SYSTEM, now=now
    ):
        if refusal is None:
            outcome.applied += 1
            continue
        logger.warning("Return of direct debit %s not applied: %s", debit, refusal.message)
        outcome.mismatched.append((debit.end_to_end_id, refusal.message))
    return outcome
