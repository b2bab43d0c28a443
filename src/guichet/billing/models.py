"""Billing accounts: who pays for which lines, how and when. The bill run comes later."""

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
