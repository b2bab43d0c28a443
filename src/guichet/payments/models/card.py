"""Card payments through the PSP (payments.psp): one attempt per payment, written before the PSP
is called, the PSP's events as they arrive, and where the money of a successful attempt went.

No card data is ever stored here, nor anywhere in Guichet: the card is typed in the PSP's own
fields and travels from the browser to the PSP; we hold the PSP's ids only (PCI DSS SAQ A).
Amounts are integer cents, in euros (the only currency the operator bills).
"""

from typing import ClassVar

from django.db import models


class CardPaymentPurpose(models.TextChoices):
    INVOICE = "invoice", "Paiement d'une facture"
    # Every unpaid invoice of the customer, the oldest first (card_rules.allocate_oldest_first).
    ARREARS = "arrears", "Régularisation des impayés"
    # The outstanding principal of an instalment plan, settled early.
    INSTALMENT_PLAN = "instalment_plan", "Solde d'une facilité de paiement"
    TOP_UP = "top_up", "Achat d'une recharge"
    # A phone ordered at a device renewal, paid at the order (CGVAD art. 4: "Les Produits sont
    # payables à la commande"); the order waits for this payment before it goes to the carrier.
    DEVICE_ORDER = "device_order", "Paiement d'une commande de mobile"


class PaymentAttemptStatus(models.TextChoices):
    """created → processing → succeeded | failed; processing → unknown when the PSP did not
    answer in time, until `guichet payments reconcile` asks it; created → failed when the card
    was never submitted (abandoned, refused before the charge, PSP unavailable)."""

    CREATED = "created", "Commencé"
    PROCESSING = "processing", "En cours de confirmation"
    SUCCEEDED = "succeeded", "Réussi"
    FAILED = "failed", "Échoué"
    UNKNOWN = "unknown", "En attente de la réponse de la banque"


OPEN_STATUSES = (PaymentAttemptStatus.CREATED, PaymentAttemptStatus.PROCESSING)
# The PSP may have taken the money: another payment of the same debt waits for the answer.
IN_FLIGHT_STATUSES = (PaymentAttemptStatus.PROCESSING, PaymentAttemptStatus.UNKNOWN)
FINAL_STATUSES = (PaymentAttemptStatus.SUCCEEDED, PaymentAttemptStatus.FAILED)


class PspCustomer(models.Model):
    """The PSP's customer object for one of our customers (created at the first card payment)."""

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.PROTECT, related_name="psp_customer"
    )
    psp_customer_id = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.psp_customer_id


class PaymentAttempt(models.Model):
    """One card payment attempt. Its row is committed before the PSP is called, and its id is
    the PSP idempotency key (`payment_attempt:{id}`), so a retried request, a double click or a
    replayed webhook finds this row and never makes a second charge or a second credit."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="payment_attempts"
    )
    purpose = models.CharField(max_length=20, choices=CardPaymentPurpose.choices)
    amount_cents = models.BigIntegerField()
    # What is paid, by purpose: the invoice; nothing for arrears (all the customer's unpaid
    # invoices); the line and the top-up product; the instalment plan; the device order.
    invoice = models.ForeignKey(
        "billing.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    line = models.ForeignKey(
        "lines.Line", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    instalment_plan = models.ForeignKey(
        "payments.InstalmentPlan",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    order = models.ForeignKey(
        "care.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=12, choices=PaymentAttemptStatus.choices, default=PaymentAttemptStatus.CREATED
    )
    psp_customer_id = models.CharField(max_length=255, blank=True)
    psp_payment_intent_id = models.CharField(max_length=255, blank=True)
    # The intent that collects the card in the PSP's fields before the charge.
    psp_setup_intent_id = models.CharField(max_length=255, blank=True)
    # Why it failed: the PSP's decline code or one of card_rules' codes (refusal_message).
    failure_code = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField()
    status_changed_at = models.DateTimeField()
    # When the money went to what was paid; `credit_error` says why it could not (the money is
    # taken: an advisor credits or refunds it by hand).
    credited_at = models.DateTimeField(null=True, blank=True)
    credit_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["created_at", "id"]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["customer", "status"], name="payment_attempt_customer"),
            # guichet payments reconcile: the open and unknown attempts, oldest first.
            models.Index(fields=["status", "status_changed_at"], name="payment_attempt_pending"),
        ]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(amount_cents__gt=0), name="payment_attempt_amount_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=PaymentAttemptStatus.values),
                name="payment_attempt_status_valid",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(
                        purpose=CardPaymentPurpose.INVOICE,
                        invoice__isnull=False,
                        line__isnull=True,
                        instalment_plan__isnull=True,
                        order__isnull=True,
                    )
                    | models.Q(
                        purpose=CardPaymentPurpose.ARREARS,
                        invoice__isnull=True,
                        line__isnull=True,
                        instalment_plan__isnull=True,
                        order__isnull=True,
                    )
                    | models.Q(
                        purpose=CardPaymentPurpose.INSTALMENT_PLAN,
                        invoice__isnull=True,
                        line__isnull=True,
                        instalment_plan__isnull=False,
                        order__isnull=True,
                    )
                    | models.Q(
                        purpose=CardPaymentPurpose.TOP_UP,
                        invoice__isnull=True,
                        line__isnull=False,
                        product__isnull=False,
                        instalment_plan__isnull=True,
                        order__isnull=True,
                    )
                    | models.Q(
                        purpose=CardPaymentPurpose.DEVICE_ORDER,
                        invoice__isnull=True,
                        line__isnull=True,
                        instalment_plan__isnull=True,
                        order__isnull=False,
                    )
                ),
                name="payment_attempt_target_fits_purpose",
            ),
            models.UniqueConstraint(
                fields=["psp_payment_intent_id"],
                condition=~models.Q(psp_payment_intent_id=""),
                name="payment_attempt_one_per_intent",
            ),
        ]

    def __str__(self) -> str:
        return f"payment_attempt:{self.pk} {self.purpose} {self.amount_cents} c ({self.status})"

    @property
    def idempotency_key(self) -> str:
        """The PSP idempotency key of this attempt (CONVENTIONS 9: derived from the row id)."""
        return f"payment_attempt:{self.pk}"


class PaymentAllocation(models.Model):
    """Where the money of a successful attempt went: one row per invoice credited (one for an
    invoice payment, several for arrears). Append-only."""

    attempt = models.ForeignKey(
        PaymentAttempt, on_delete=models.PROTECT, related_name="allocations"
    )
    invoice = models.ForeignKey("billing.Invoice", on_delete=models.PROTECT, related_name="+")
    amount_cents = models.BigIntegerField()

    class Meta:
        ordering: ClassVar[list[str]] = ["attempt", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(amount_cents__gt=0), name="payment_allocation_amount_positive"
            ),
            models.UniqueConstraint(
                fields=["attempt", "invoice"], name="payment_allocation_once_per_invoice"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount_cents} c of payment_attempt:{self.attempt_id} → {self.invoice_id}"


class CardRefundStatus(models.TextChoices):
    """created → succeeded | pending | failed | unknown; pending → succeeded | failed when the
    PSP says so; unknown (no answer) → asked again with the same idempotency key, so the PSP
    makes one refund however often it is asked (`guichet payments reconcile`)."""

    CREATED = "created", "Demandé"
    PENDING = "pending", "En cours auprès de la banque"
    SUCCEEDED = "succeeded", "Remboursé"
    FAILED = "failed", "Échoué"
    UNKNOWN = "unknown", "En attente de la réponse de la banque"


# Refunds the PSP may still make or is making: asked again by the reconciliation.
REFUND_OPEN_STATUSES = (
    CardRefundStatus.CREATED,
    CardRefundStatus.PENDING,
    CardRefundStatus.UNKNOWN,
)


class CardRefund(models.Model):
    """The refund of a succeeded card payment, to the card it came from, through the PSP.

    Its row is written in the transaction of the act that owes the money back (a device order
    cancelled before shipping), before the PSP is called; its id is the PSP idempotency key
    (`card_refund:{id}`). One live refund per attempt, of the whole amount: a failed one may
    be followed by another (an advisor retries it), or settled by a bank transfer an advisor
    made (`transferred_at`), after which the payment is refunded for good."""

    attempt = models.ForeignKey(PaymentAttempt, on_delete=models.PROTECT, related_name="refunds")
    amount_cents = models.BigIntegerField()
    reason = models.CharField(max_length=300)
    status = models.CharField(
        max_length=10, choices=CardRefundStatus.choices, default=CardRefundStatus.CREATED
    )
    psp_refund_id = models.CharField(max_length=255, blank=True)
    failure_code = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField()
    status_changed_at = models.DateTimeField()
    # A failed refund an advisor made by bank transfer instead: when they recorded it, and the
    # transfer's reference in the operator's bank.
    transferred_at = models.DateTimeField(null=True, blank=True)
    transfer_reference = models.CharField(max_length=140, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["created_at", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(amount_cents__gt=0), name="card_refund_amount_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(transferred_at__isnull=True)
                | (models.Q(status=CardRefundStatus.FAILED) & ~models.Q(transfer_reference="")),
                name="card_refund_transfer_of_failed_with_reference",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=CardRefundStatus.values),
                name="card_refund_status_valid",
            ),
            models.UniqueConstraint(
                fields=["attempt"],
                condition=~models.Q(status=CardRefundStatus.FAILED),
                name="card_refund_one_live_per_attempt",
            ),
        ]

    def __str__(self) -> str:
        return f"card_refund:{self.pk} of payment_attempt:{self.attempt_id} ({self.status})"

    @property
    def idempotency_key(self) -> str:
        return f"card_refund:{self.pk}"


class PspEventOutcome(models.TextChoices):
    SETTLED = "settled", "Tentative réglée"
    ALREADY_SETTLED = "already_settled", "Déjà réglée"
    UNKNOWN_INTENT = "unknown_intent", "Paiement inconnu"
    IGNORED = "ignored", "Type d'événement non suivi"
    MISMATCH = "mismatch", "Montant ou devise différents de la tentative"


class PspEvent(models.Model):
    """A webhook event received from the PSP, once: its id is unique, so a replay is a no-op.
    Only what we act on is kept, never the payload."""

    psp_event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    payment_intent_id = models.CharField(max_length=255, blank=True)
    attempt = models.ForeignKey(
        PaymentAttempt,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="psp_events",
    )
    outcome = models.CharField(max_length=20, choices=PspEventOutcome.choices)
    received_at = models.DateTimeField()

    class Meta:
        ordering: ClassVar[list[str]] = ["received_at", "id"]

    def __str__(self) -> str:
        return f"{self.psp_event_id} {self.type} ({self.outcome})"
