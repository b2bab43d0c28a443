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
    # Day of the month on which each monthly billing period starts (1–28), the last one chosen:
    # a change takes effect after a transition period (BillingCycleChange, cycle_rules).
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


class BillingCycleChange(models.Model):
    """A change of the account's cycle day (billing.cycle_rules): the period running when it
    was chosen stays as it was; the transition period runs from `transition_start` to
    `new_cycle_from` (excluded), then periods start on `new_day`. Append-only: the account's
    periods follow from its changes, oldest first, and from the first one's `old_day`."""

    billing_account = models.ForeignKey(
        BillingAccount, on_delete=models.PROTECT, related_name="cycle_changes"
    )
    old_day = models.PositiveSmallIntegerField()
    new_day = models.PositiveSmallIntegerField()
    transition_start = models.DateField()
    new_cycle_from = models.DateField()
    requested_at = models.DateTimeField()

    class Meta:
        ordering: ClassVar[list[str]] = ["transition_start", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["billing_account", "transition_start"],
                name="billing_cycle_change_one_per_boundary",
            ),
            models.CheckConstraint(
                condition=models.Q(new_cycle_from__gt=models.F("transition_start")),
                name="billing_cycle_change_transition_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(new_day__gte=MONTH_DAY_MIN, new_day__lte=MONTH_DAY_MAX)
                & ~models.Q(new_day=models.F("old_day")),
                name="billing_cycle_change_new_day_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.billing_account_id}: {self.old_day} → {self.new_day}"


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
    CARRIER_BILLING = "carrier_billing", "Achat Internet+"
    VOD = "vod", "Vidéo à la demande"
    INSURANCE = "insurance", "Assurance mobile"


# VAT rates in basis points (2000 = 20 %): integer, and 5.5 % or 2.1 % fit too.
VAT_RATE_STANDARD_BP = 2000
BASIS_POINTS_PER_PERCENT = 100


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
    # Period billed, in Europe/Paris dates: its first and last day (included); a month from
    # the account's cycle day, or a shorter transition period (billing.cycle_rules).
    period_start = models.DateField()
    period_end = models.DateField()
    issued_on = models.DateField()
    due_on = models.DateField()
    issued_at = models.DateTimeField()
    # The account's payment method when the invoice was issued.
    payment_method = models.CharField(max_length=20, choices=PaymentMethod.choices)
    # Who was billed and where, as on the issue date: the document is rendered again on demand
    # (billing.documents) and must read the same after the customer moves or changes name.
    billed_name = models.CharField(max_length=210, default="")
    # The printed lines of the billing address (street lines, "postcode city", country when not
    # France); empty when the account has no billing address (electronic invoices).
    billed_address = models.JSONField(default=list)
    status = models.CharField(
        max_length=20, choices=InvoiceStatus.choices, default=InvoiceStatus.ISSUED
    )
    # Cents; total incl. VAT = VAT + total excl. VAT; VAT is the sum of the lines' VAT.
    total_cents = models.BigIntegerField()
    vat_cents = models.BigIntegerField()
    total_excl_vat_cents = models.BigIntegerField()
    # What has been paid on it so far, net of returned debits (billing.settlement).
    paid_cents = models.BigIntegerField(default=0)
    # Security deposits the account had with us when the invoice was issued (CGS 5.1 (ii)):
    # printed apart, never part of the totals above: a deposit is not a charge.
    security_deposit_held_cents = models.BigIntegerField(default=0)

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


class UsageBilled(models.Model):
    """What an invoice billed of a line's out-of-bundle usage of one usage period (the calendar
    month the usage was routed to, usage.routing) and usage group (`usage_key`), written in the
    invoice's transaction. The bill run bills, for each group, its current total rounded to the
    cent less what earlier invoices billed of it: usage rated after its period was invoiced
    goes on the next invoice, and nothing is billed twice."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="usage_billed")
    line = models.ForeignKey("lines.Line", on_delete=models.PROTECT, related_name="+")
    usage_period_start = models.DateField()
    usage_key = models.CharField(max_length=40)
    # The group's rated total (micro-euros, as rating made it) when the invoice billed it, and
    # the cents this invoice billed of it.
    micro_eur = models.BigIntegerField()
    amount_cents = models.BigIntegerField()

    class Meta:
        ordering: ClassVar[list[str]] = ["invoice", "line", "usage_period_start", "usage_key"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["invoice", "line", "usage_period_start", "usage_key"],
                name="usage_billed_once_per_invoice",
            ),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["line", "usage_period_start"], name="usage_billed_line_period"),
        ]

    def __str__(self) -> str:
        return f"{self.line_id} {self.usage_period_start:%Y-%m} {self.usage_key}"


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


# Bill advance (avance sur facture, CGS 5.1 (i)) -----------------------------------------------


class ThresholdBasis(models.TextChoices):
    # Same values as advance_rules.ThresholdBasis.
    NEW_CUSTOMER = "new_customer", "Nouveau client (moins de 3 factures)"
    AVERAGE = "average", "1,5 fois la moyenne des 3 dernières factures"
    AFTER_INCIDENT = "after_incident", "Incident de paiement de moins de 6 mois"


class BillAdvanceStatus(models.TextChoices):
    # Asked: the account's lines on the plans concerned are restricted until it is paid.
    REQUESTED = "requested", "Demandée"
    # Paid: credited to the account, deducted from the invoices until used up.
    PAID = "paid", "Payée"


class BillAdvance(models.Model):
    """An advance asked when the out-of-bundle usage of a month passes the account's threshold.

    `sequence` counts the advances of the account's month (1, 2…): after an advance, the usage
    it covers is set aside and the next one is asked when the rest passes the threshold again.
    """

    billing_account = models.ForeignKey(
        BillingAccount, on_delete=models.PROTECT, related_name="bill_advances"
    )
    # The month of the usage (the 1st, Europe/Paris date).
    period_start = models.DateField()
    sequence = models.PositiveSmallIntegerField()
    # Cents incl. VAT: the month's out-of-bundle usage when asked, the threshold it passed, and
    # the advance, equal to the usage not covered by the month's earlier advances (CGS 5.1 (i)).
    out_of_bundle_cents = models.BigIntegerField()
    threshold_cents = models.BigIntegerField()
    threshold_basis = models.CharField(max_length=20, choices=ThresholdBasis.choices)
    amount_cents = models.BigIntegerField()
    status = models.CharField(
        max_length=10, choices=BillAdvanceStatus.choices, default=BillAdvanceStatus.REQUESTED
    )
    requested_at = models.DateTimeField()
    due_on = models.DateField()
    paid_at = models.DateTimeField(null=True, blank=True)
    payment_reference = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["requested_at", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["billing_account", "period_start", "sequence"],
                name="bill_advance_sequence_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(amount_cents__gt=0), name="bill_advance_amount_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=BillAdvanceStatus.values),
                name="bill_advance_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status=BillAdvanceStatus.PAID, paid_at__isnull=False)
                | models.Q(status=BillAdvanceStatus.REQUESTED, paid_at__isnull=True),
                name="bill_advance_paid_at_iff_paid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.billing_account_id} {self.period_start:%m/%Y} #{self.sequence}"


class BillAdvanceWarning(models.Model):
    """A warning sent as the month's usage approaches the threshold: once per level, per
    month and per advance sequence (the usage counted restarts after each advance)."""

    billing_account = models.ForeignKey(
        BillingAccount, on_delete=models.PROTECT, related_name="bill_advance_warnings"
    )
    period_start = models.DateField()
    sequence = models.PositiveSmallIntegerField()
    level_percent = models.PositiveSmallIntegerField()
    threshold_cents = models.BigIntegerField()
    out_of_bundle_cents = models.BigIntegerField()
    at = models.DateTimeField()

    class Meta:
        ordering: ClassVar[list[str]] = ["at", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["billing_account", "period_start", "sequence", "level_percent"],
                name="bill_advance_warning_once_per_level",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.billing_account_id} {self.period_start:%m/%Y} {self.level_percent} %"


class BillAdvanceDeduction(models.Model):
    """Part of a paid advance deducted from one invoice (its BILL_ADVANCE_CREDIT line),
    written in the invoice's transaction. What is left of an advance is its amount less its
    deductions; it is carried to the next invoices until used up."""

    advance = models.ForeignKey(BillAdvance, on_delete=models.PROTECT, related_name="deductions")
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="bill_advance_deductions"
    )
    amount_cents = models.BigIntegerField()

    class Meta:
        ordering: ClassVar[list[str]] = ["invoice", "advance"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["advance", "invoice"], name="bill_advance_deduction_once_per_invoice"
            ),
            models.CheckConstraint(
                condition=models.Q(amount_cents__gt=0),
                name="bill_advance_deduction_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.advance_id} → {self.invoice_id}: {self.amount_cents}"


# Security deposit (dépôt de garantie, CGS 5.1 (ii)) ---------------------------------------------


class SecurityDepositCause(models.TextChoices):
    # The codes of the catalog's `terms.security_deposit.causes` (CGS 5.1 (ii), in its order).
    IRREGULAR_CHEQUE = "irregular-cheque", "Chèque déclaré irrégulier"
    PREVENTEL_LISTED = "preventel-listed", "Inscription au fichier Préventel"
    MORE_THAN_TWO_CONTRACTS = "more-than-two-contracts", "Plus de deux contrats d'abonnement"


class SecurityDepositStatus(models.TextChoices):
    HELD = "held", "Encaissé"
    # The cause disappeared (written request received) or the contract ended with no debt left:
    # to refund by `refund_due_on`.
    REFUND_DUE = "refund_due", "À restituer"
    REFUNDED = "refunded", "Restitué"


class RefundTrigger(models.TextChoices):
    CAUSE_GONE = "cause_gone", "Disparition du motif, sur demande écrite"
    CONTRACT_END = "contract_end", "Fin du contrat, dette éteinte"


class SecurityDeposit(models.Model):
    billing_account = models.ForeignKey(
        BillingAccount, on_delete=models.PROTECT, related_name="security_deposits"
    )
    cause = models.CharField(max_length=30, choices=SecurityDepositCause.choices)
    amount_cents = models.BigIntegerField()  # the brochure's amount when received; no interest
    status = models.CharField(
        max_length=12, choices=SecurityDepositStatus.choices, default=SecurityDepositStatus.HELD
    )
    received_at = models.DateTimeField()  # « encaissé au jour de sa remise »
    payment_reference = models.CharField(max_length=100)
    refund_trigger = models.CharField(max_length=20, choices=RefundTrigger.choices, blank=True)
    # The day the 10 days start: the written request's receipt, or the day the debt was cleared.
    refund_from = models.DateField(null=True, blank=True)
    refund_due_on = models.DateField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    refund_reference = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["received_at", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(amount_cents__gt=0), name="security_deposit_amount_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=SecurityDepositStatus.values),
                name="security_deposit_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status=SecurityDepositStatus.HELD, refund_due_on__isnull=True, refund_trigger=""
                )
                | (
                    ~models.Q(status=SecurityDepositStatus.HELD)
                    & models.Q(refund_due_on__isnull=False, refund_from__isnull=False)
                    & ~models.Q(refund_trigger="")
                ),
                name="security_deposit_refund_due_iff_not_held",
            ),
            models.CheckConstraint(
                condition=models.Q(status=SecurityDepositStatus.REFUNDED, refunded_at__isnull=False)
                | (
                    ~models.Q(status=SecurityDepositStatus.REFUNDED)
                    & models.Q(refunded_at__isnull=True)
                ),
                name="security_deposit_refunded_at_iff_refunded",
            ),
            # One deposit per cause while it is held or to refund.
            models.UniqueConstraint(
                fields=["billing_account", "cause"],
                condition=~models.Q(status=SecurityDepositStatus.REFUNDED),
                name="security_deposit_one_open_per_cause",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.billing_account_id} {self.cause} {self.status}"


class OneOffCharge(models.Model):
    """A fee charged once to an account (a brochure service fee, such as a debit day change by
    phone), waiting for the bill run to put it on an invoice.

    The bill run adds every charge of the account dated before the end of the period it
    invoices and not billed yet, and sets `invoice` in the invoice's transaction: a charge is
    billed exactly once. Append-only: nothing else changes after the charge is made.
    """

    billing_account = models.ForeignKey(
        BillingAccount, on_delete=models.PROTECT, related_name="one_off_charges"
    )
    # The catalog's product the charge prices: a service fee (catalog/data/fees.toml), or the
    # plan whose early-termination fees it is. None: not sold from the catalog (a phone bought
    # in one go at a device renewal; its label and rule name it).
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    label = models.CharField(max_length=300)  # French, as printed on the invoice
    amount_cents = models.BigIntegerField()  # incl. VAT, positive
    rule = models.CharField(max_length=400)  # the price and its brochure source
    # Europe/Paris date of the act the fee is for: the invoice of its period carries it.
    charged_on = models.DateField()
    created_at = models.DateTimeField()
    invoice = models.ForeignKey(
        Invoice,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="one_off_charges",
    )

    class Meta:
        ordering: ClassVar[list[str]] = ["charged_on", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(amount_cents__gt=0), name="one_off_charge_amount_positive"
            ),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(
                fields=["billing_account", "charged_on"],
                condition=models.Q(invoice__isnull=True),
                name="one_off_charge_pending",
            ),
        ]

    def __str__(self) -> str:
        return self.label
