"""SEPA direct debit (prélèvement SEPA Core): mandates, pre-notifications, debits and the files
that carry them to the bank.

A debit's life: the invoice is pre-notified (CGS 7.1, ≥ 10 days before its due date), then
collected (`guichet direct-debit collect`: one `DirectDebit` per invoice and date, in a
`DirectDebitBatch` written as one pain.008 file), settled on the settlement date (the payment
is recorded on the invoice), and possibly returned by the bank (the payment is reversed).
"""

from typing import ClassVar

from django.db import models

from guichet.payments.sepa_rules import SequenceType, mask_iban


class MandateStatus(models.TextChoices):
    ACTIVE = "active", "Actif"
    REVOKED = "revoked", "Révoqué"


class Mandate(models.Model):
    """The customer's authorisation to debit one bank account for a billing account's invoices.

    One active mandate per billing account: signing a new one (a new IBAN, a new holder)
    revokes the previous one. The debtor's details never change on a mandate; a change of
    account is a new mandate, with its own reference, whose first debit is FRST again.
    """

    billing_account = models.ForeignKey(
        "billing.BillingAccount", on_delete=models.PROTECT, related_name="sepa_mandates"
    )
    # Unique mandate reference (UMR): SEPA identifier, ≤ 35 characters, upper case.
    reference = models.CharField(max_length=35, unique=True)
    # The creditor identifier (ICS) the mandate was given to.
    creditor_id = models.CharField(max_length=35)
    debtor_name = models.CharField(max_length=70)
    # Compact, upper case, checked by schwifty (payments.sepa_rules.normalize_iban).
    iban = models.CharField(max_length=34)
    bic = models.CharField(max_length=11, blank=True)
    signed_on = models.DateField()
    created_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=MandateStatus.choices, default=MandateStatus.ACTIVE
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["created_at", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["billing_account"],
                condition=models.Q(status="active"),
                name="mandate_one_active_per_account",
            ),
            models.CheckConstraint(
                condition=models.Q(status="active", revoked_at__isnull=True)
                | models.Q(status="revoked", revoked_at__isnull=False),
                name="mandate_revoked_at_iff_revoked",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def masked_iban(self) -> str:
        """What the customer is shown: "FR76 **** **** **** **** ***0 189"."""
        return mask_iban(self.iban)


class Prenotification(models.Model):
    """The notice sent to the customer before a debit (CGS 7.1): amount, date, mandate
    reference and creditor identifier. A debit is collected only if its notice left at least
    10 days before (the outbox message's `sent_at`), for at most the amount notified."""

    invoice = models.ForeignKey(
        "billing.Invoice", on_delete=models.PROTECT, related_name="sepa_prenotifications"
    )
    mandate = models.ForeignKey(Mandate, on_delete=models.PROTECT, related_name="prenotifications")
    amount_cents = models.BigIntegerField()
    debit_on = models.DateField()
    created_at = models.DateTimeField()
    # The email that carries it: its `sent_at` is when the notice left.
    outbox_message = models.ForeignKey(
        "care.OutboxMessage", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering: ClassVar[list[str]] = ["debit_on", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["invoice", "debit_on"], name="prenotification_one_per_invoice_and_date"
            ),
            models.CheckConstraint(
                condition=models.Q(amount_cents__gt=0), name="prenotification_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id} {self.debit_on}"

    @property
    def identifier(self) -> str:
        """Its SEPA pre-notification identifier (PreNtfctnId of the debit file)."""
        return f"PN{self.pk:010d}"


class DirectDebitBatch(models.Model):
    """One pain.008 file: debits of one collection date, handed to the bank channel once."""

    # GrpHdr/MsgId: "DD20261205-001", unique for the creditor.
    message_id = models.CharField(max_length=35, unique=True)
    collection_date = models.DateField()
    serial = models.PositiveIntegerField()  # 1, 2… for the files of one collection date
    created_at = models.DateTimeField()
    # When the file was handed to the bank channel; None: still to be sent (resumable).
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["collection_date", "serial"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["collection_date", "serial"], name="direct_debit_batch_serial"
            ),
        ]

    def __str__(self) -> str:
        return self.message_id

    @property
    def file_name(self) -> str:
        return f"{self.message_id}.pain.008.001.02.xml"


class DirectDebitStatus(models.TextChoices):
    SUBMITTED = "submitted", "Présenté à la banque"
    SETTLED = "settled", "Encaissé"
    # Returned by the bank after settlement: the payment recorded on the invoice is reversed.
    RETURNED = "returned", "Rejeté après encaissement"
    # Rejected before settlement: nothing was recorded as paid.
    REJECTED = "rejected", "Rejeté avant encaissement"


class DirectDebit(models.Model):
    """One collection of one invoice on one date, under a mandate, in a batch file."""

    invoice = models.ForeignKey(
        "billing.Invoice", on_delete=models.PROTECT, related_name="direct_debits"
    )
    mandate = models.ForeignKey(Mandate, on_delete=models.PROTECT, related_name="debits")
    prenotification = models.OneToOneField(
        Prenotification, on_delete=models.PROTECT, related_name="debit"
    )
    batch = models.ForeignKey(DirectDebitBatch, on_delete=models.PROTECT, related_name="debits")
    # EndToEndId: "F2026-000001-20261205", printed on the customer's bank statement; the
    # reference of the payment recorded on the invoice.
    end_to_end_id = models.CharField(max_length=35, unique=True)
    amount_cents = models.BigIntegerField()
    collection_date = models.DateField()
    sequence_type = models.CharField(
        max_length=4, choices=[(kind.value, kind.value) for kind in SequenceType]
    )
    status = models.CharField(
        max_length=10, choices=DirectDebitStatus.choices, default=DirectDebitStatus.SUBMITTED
    )
    created_at = models.DateTimeField()
    settled_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    # ISO 20022 reason code of the return (AM04, MD06…) and the bank report's MsgId.
    return_reason_code = models.CharField(max_length=4, blank=True)
    return_report_id = models.CharField(max_length=35, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["collection_date", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["invoice", "collection_date"], name="direct_debit_one_per_invoice_and_date"
            ),
            models.CheckConstraint(
                condition=models.Q(amount_cents__gt=0), name="direct_debit_amount_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=DirectDebitStatus.values),
                name="direct_debit_status_valid",
            ),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(
                fields=["collection_date"],
                condition=models.Q(status="submitted"),
                name="direct_debit_to_settle",
            ),
        ]

    def __str__(self) -> str:
        return self.end_to_end_id
