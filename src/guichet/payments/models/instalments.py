"""Instalment plans (facilité de paiement): a device paid in monthly instalments on the invoices.

A plan's schedule is written once, when the plan is created (`payments.instalment_rules`); the
bill run bills each instalment on the invoice of its month and links it to that invoice, in the
invoice's transaction. Amounts are integer cents incl. VAT.
"""

from typing import ClassVar

from django.db import models


class InstalmentPlanStatus(models.TextChoices):
    # Instalments are left to bill.
    ACTIVE = "active", "En cours"
    # Every instalment has been billed.
    COMPLETED = "completed", "Terminée"
    # Settled early (soldée): the outstanding principal was paid at once, nothing more is billed.
    SETTLED = "settled", "Soldée"


class InstalmentPlan(models.Model):
    billing_account = models.ForeignKey(
        "billing.BillingAccount", on_delete=models.PROTECT, related_name="instalment_plans"
    )
    equipment = models.ForeignKey(
        "lines.Equipment", on_delete=models.PROTECT, related_name="instalment_plans"
    )
    # The device as printed on the invoices ("Samsung Galaxy S24 128 Go"), copied at creation.
    label = models.CharField(max_length=120)
    principal_cents = models.BigIntegerField()
    instalment_count = models.PositiveSmallIntegerField()
    # The 1st of the month whose invoice bills the first instalment (Europe/Paris date).
    first_period = models.DateField()
    status = models.CharField(
        max_length=10, choices=InstalmentPlanStatus.choices, default=InstalmentPlanStatus.ACTIVE
    )
    created_at = models.DateTimeField()
    # Early settlement: when, how much (the outstanding principal then) and the payment's reference.
    settled_at = models.DateTimeField(null=True, blank=True)
    settled_cents = models.BigIntegerField(null=True, blank=True)
    settlement_reference = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["created_at", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(status__in=InstalmentPlanStatus.values),
                name="instalment_plan_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(principal_cents__gte=models.F("instalment_count")),
                name="instalment_plan_at_least_a_cent_each",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status=InstalmentPlanStatus.SETTLED,
                    settled_at__isnull=False,
                    settled_cents__gt=0,
                )
                | (
                    ~models.Q(status=InstalmentPlanStatus.SETTLED)
                    & models.Q(settled_at__isnull=True, settled_cents__isnull=True)
                ),
                name="instalment_plan_settled_iff_settlement",
            ),
            # A device is paid by one plan at a time.
            models.UniqueConstraint(
                fields=["equipment"],
                condition=models.Q(status=InstalmentPlanStatus.ACTIVE),
                name="instalment_plan_one_active_per_equipment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} en {self.instalment_count} fois"


class InstalmentStatus(models.TextChoices):
    SCHEDULED = "scheduled", "À venir"
    BILLED = "billed", "Facturée"
    # Not billed: paid by the plan's early settlement.
    SETTLED = "settled", "Soldée"


class Instalment(models.Model):
    plan = models.ForeignKey(InstalmentPlan, on_delete=models.PROTECT, related_name="instalments")
    number = models.PositiveSmallIntegerField()  # 1-based
    # The 1st of the month whose invoice bills it.
    period_start = models.DateField()
    amount_cents = models.BigIntegerField()
    status = models.CharField(
        max_length=10, choices=InstalmentStatus.choices, default=InstalmentStatus.SCHEDULED
    )
    # The invoice that billed it (set in that invoice's transaction by the bill run).
    invoice = models.ForeignKey(
        "billing.Invoice",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="instalments",
    )

    class Meta:
        ordering: ClassVar[list[str]] = ["plan", "number"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["plan", "number"], name="instalment_number_unique"),
            models.UniqueConstraint(
                fields=["plan", "period_start"], name="instalment_one_per_month"
            ),
            models.CheckConstraint(
                condition=models.Q(amount_cents__gt=0), name="instalment_amount_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=InstalmentStatus.values),
                name="instalment_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status=InstalmentStatus.BILLED, invoice__isnull=False)
                | (~models.Q(status=InstalmentStatus.BILLED) & models.Q(invoice__isnull=True)),
                name="instalment_billed_iff_invoice",
            ),
        ]
        indexes: ClassVar[list[models.Index]] = [
            # The bill run: instalments left to bill, by month.
            models.Index(
                fields=["period_start"],
                condition=models.Q(status="scheduled"),
                name="instalment_to_bill",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} #{self.number} {self.period_start:%m/%Y}"
