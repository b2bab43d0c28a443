"""Billing accounts (who pays for which lines, how and when), invoices and credit notes.

Money records are append-only (CONVENTIONS 9): an issued invoice's lines and totals are never
edited; a credit note corrects it. Only its status moves (payments, cancellation by credit note).
"""

from typing import ClassVar

from django.db import models


class PaymentMethod(models.TextChoices):
    CARD = "card", "Carte bancaire"
    DIRECT_DEBIT = "direct_debit", "Prélèvement automatique"


class InvoiceDelivery(models.TextChoices):
    # CGS 7: "une facture électronique ou papier", changeable at any time.
    ELECTRONIC = "electronic", "Facture électronique"
    PAPER = "paper", "Facture papier"


class BillingAccountStatus(models.TextChoices):
    ACTIVE = "active", "Actif"
    CLOSED = "closed", "Clôturé"


# Days 29–31 do not exist in every month; 28 is the last day every month has.
MONTH_DAY_MIN = 1
MONTH_DAY_MAX = 28


class NumberSequence(models.Model):
    """A counter that hands out billing account numbers; locked row by row."""

    name = models.CharField(max_length=40, primary_key=True)
    next_value = models.PositiveBigIntegerField()

    def __str__(self) -> str:
        return f"{self.name}={self.next_value}"


class BillingAccount(models.Model):
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="billing_accounts"
    )
    # "CF" + 8 digits (compte de facturation).
    number = models.CharField(max_length=12, unique=True)
    payment_method = models.CharField(max_length=20, choices=PaymentMethod.choices)
    # Day of the month of the direct debit, or the due day of a card payment (1–28).
    debit_day = models.PositiveSmallIntegerField()
    # Day of the month on which each monthly billing period starts (1–28).
    billing_cycle_day = models.PositiveSmallIntegerField(default=1)
    invoice_delivery = models.CharField(
        max_length=20, choices=InvoiceDelivery.choices, default=InvoiceDelivery.ELECTRONIC
    )
    billing_address = models.ForeignKey(
        "customers.Address",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="billing_accounts",
    )
    status = models.CharField(
        max_length=10, choices=BillingAccountStatus.choices, default=BillingAccountStatus.ACTIVE
    )
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["created_at", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(debit_day__gte=MONTH_DAY_MIN, debit_day__lte=MONTH_DAY_MAX),
                name="billing_account_debit_day_range",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    billing_cycle_day__gte=MONTH_DAY_MIN, billing_cycle_day__lte=MONTH_DAY_MAX
                ),
                name="billing_account_cycle_day_range",
            ),
            models.CheckConstraint(
                condition=models.Q(status=BillingAccountStatus.ACTIVE, closed_at__isnull=True)
                | models.Q(status=BillingAccountStatus.CLOSED, closed_at__isnull=False),
                name="billing_account_closed_at_iff_closed",
            ),
            models.CheckConstraint(
                condition=models.Q(payment_method__in=PaymentMethod.values),
                name="billing_account_payment_method_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class InvoiceStatus(models.TextChoices):
    """Where the invoice stands (billing.settlement moves it):
    issued → partially_paid → paid as payments land; → unpaid once its due date passed with
    something owed, or a direct debit came back rejected; it stays unpaid until wholly paid."""

    ISSUED = "issued", "Émise"
    PAID = "paid", "Payée"
    PARTIALLY_PAID = "partially_paid", "Partiellement payée"
    UNPAID = "unpaid", "Impayée"
    # Wholly cancelled by a credit note (`invoice_credit`).
    CANCELLED = "cancelled", "Annulée"


class InvoiceLineKind(models.TextChoices):
    # Same values as rules.ChargeKind.
    PLAN_FEE = "plan_fee", "Abonnement"
    PLAN_DISCOUNT = "plan_discount", "Remise"
    OPTION_FEE = "option_fee", "Option"
    TOP_UP = "top_up", "Recharge"
    ONE_OFF_FEE = "one_off_fee", "Frais ponctuels"
    ACTIVATION_FEE = "activation_fee", "Frais d'activation"
    USAGE = "usage", "Consommations hors forfait"
    INSTALMENT = "instalment", "Facilité de paiement"
    BILL_ADVANCE_CREDIT = "bill_advance_credit", "Avance sur facture"


# VAT rates in basis points (2000 = 20 %): integer, and 5.5 % or 2.1 % fit too.
VAT_RATE_STANDARD_BP = 2000


class Invoice(models.Model):
    """One monthly invoice of a billing account, numbered without gaps ("F2026-000001").

    The number is allocated from a locked `NumberSequence` row in the invoice's own transaction,
    so a rolled-back invoice gives its number back and the sequence has no gap (CGI art. 242
    nonies A: "numéro unique basé sur une séquence chronologique et continue").
    """

    billing_account = models.ForeignKey(
        BillingAccount, on_delete=models.PROTECT, related_name="invoices"
    )
    number = models.CharField(max_length=20, unique=True)
    # Calendar month billed, in Europe/Paris dates: the 1st and the last day (included).
    period_start = models.DateField()
    period_end = models.DateField()
    issued_on = models.DateField()
    due_on = models.DateField()
    issued_at = models.DateTimeField()
    # The account's payment method when the invoice was issued.
    payment_method = models.CharField(max_length=20, choices=PaymentMethod.choices)
    status = models.CharField(
        max_length=20, choices=InvoiceStatus.choices, default=InvoiceStatus.ISSUED
    )
    # Cents; total incl. VAT = VAT + total excl. VAT; VAT is the sum of the lines' VAT.
    total_cents = models.BigIntegerField()
    vat_cents = models.BigIntegerField()
    total_excl_vat_cents = models.BigIntegerField()
    # What has been paid on it so far, net of returned debits (billing.settlement).
    paid_cents = models.BigIntegerField(default=0)

    class Meta:
        ordering: ClassVar[list[str]] = ["period_start", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["billing_account", "period_start"], name="invoice_one_per_period"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    total_cents=models.F("vat_cents") + models.F("total_excl_vat_cents")
                ),
                name="invoice_total_is_vat_plus_excl_vat",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="invoice_period_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=InvoiceStatus.values), name="invoice_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(paid_cents__gte=0, paid_cents__lte=models.F("total_cents")),
                name="invoice_paid_within_total",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def outstanding_cents(self) -> int:
        """What is still owed on it (0 once paid or cancelled by a credit note)."""
        if self.status == InvoiceStatus.CANCELLED:
            return 0
        return self.total_cents - self.paid_cents


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=30, choices=InvoiceLineKind.choices)
    label = models.CharField(max_length=300)  # French, as printed
    line = models.ForeignKey(
        "lines.Line", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    product_code = models.CharField(max_length=60, blank=True)
    quantity = models.IntegerField(default=1)
    unit_price_cents = models.BigIntegerField()  # incl. VAT
    amount_cents = models.BigIntegerField()  # incl. VAT = quantity × unit price
    vat_rate_bp = models.PositiveIntegerField(default=VAT_RATE_STANDARD_BP)
    vat_cents = models.BigIntegerField()  # rounded per line (billing.rules.vat_cents)
    # Days of service the line covers (both included).
    service_start = models.DateField()
    service_end = models.DateField()
    rule = models.CharField(max_length=400)  # how the amount was computed, and its source
    # Usage lines: the group of rated records the line totals ("voice:out:FR:3", see
    # usage.selectors.UsageGroupKey), so that the invoice leads to their detail.
    usage_key = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["invoice", "position"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["invoice", "position"], name="invoice_line_position"),
            models.CheckConstraint(
                condition=models.Q(
                    amount_cents=models.F("quantity") * models.F("unit_price_cents")
                ),
                name="invoice_line_amount_is_quantity_times_unit",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=InvoiceLineKind.values),
                name="invoice_line_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.label


class CreditNote(models.Model):
    """An avoir that wholly cancels one invoice; its own gapless sequence ("A2026-000001")."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    billing_account = models.ForeignKey(
        BillingAccount, on_delete=models.PROTECT, related_name="credit_notes"
    )
    number = models.CharField(max_length=20, unique=True)
    issued_on = models.DateField()
    issued_at = models.DateTimeField()
    reason = models.CharField(max_length=300)
    # Cents credited to the customer (positive): the invoice's totals, whole.
    total_cents = models.BigIntegerField()
    vat_cents = models.BigIntegerField()
    total_excl_vat_cents = models.BigIntegerField()

    class Meta:
        ordering: ClassVar[list[str]] = ["issued_at", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            # Wholly cancelling: one credit note per invoice (partial ones come later).
            models.UniqueConstraint(fields=["invoice"], name="credit_note_one_per_invoice"),
            models.CheckConstraint(
                condition=models.Q(
                    total_cents=models.F("vat_cents") + models.F("total_excl_vat_cents")
                ),
                name="credit_note_total_is_vat_plus_excl_vat",
            ),
        ]

    def __str__(self) -> str:
        return self.number
