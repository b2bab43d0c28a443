"""Devices, insurance and after-sales: what care's orders, requests and tickets do not hold.

A device renewal is a care `Order` (its lifecycle, tracking number, activity); `DeviceRenewal`
adds the catalogue unit ordered and how it is paid. An insurance claim, a refund claim and a
repair are care `Request`s (their status lifecycle); `Repair` adds the repairer's stages.
`InsuranceContract` and `NetworkIncident` belong to this context alone.
"""

from typing import ClassVar

from django.db import models


class RenewalPayment(models.TextChoices):
    """How the customer pays the phone, chosen at the order (devices.services)."""

    # 12 or 24 monthly instalments on the invoices, the plan made at delivery.
    INSTALMENTS = "instalments", "En mensualités sur les factures"
    # In one go, a one-off charge on the invoice of the month of delivery.
    NEXT_INVOICE = "next_invoice", "En une fois, sur la facture du mois de livraison"
    # By card at the order (payments, purpose device_order): the order waits for the PSP's
    # confirmation before it goes to the carrier, and is never billed on an invoice.
    CARD = "card", "Par carte bancaire, à la commande"


class DeviceRenewal(models.Model):
    order = models.OneToOneField("care.Order", on_delete=models.PROTECT, related_name="renewal")
    sku = models.CharField(max_length=40)  # devices.toml
    label = models.CharField(max_length=200)
    price_cents = models.PositiveIntegerField(help_text="Including VAT, in cents.")
    payment = models.CharField(max_length=12, choices=RenewalPayment.choices)
    # 12 or 24 with instalments (payments.instalment_rules), else 0.
    instalment_count = models.PositiveSmallIntegerField()
    # Paid by card: when the PSP confirmed the payment, and the attempt's reference
    # (`payment_attempt:{id}`). Until then the order is awaiting payment and is not sent to the
    # carrier (`after_sales_sync` skips it).
    paid_at = models.DateTimeField(null=True, blank=True)
    payment_reference = models.CharField(max_length=60, blank=True)
    # CGVAD art. 6, a phone paid by card: the withdrawal declared within 14 days of delivery,
    # then the phone received back, which refunds its payment to the card.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    equipment = models.OneToOneField(
        "lines.Equipment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    instalment_plan = models.OneToOneField(
        "payments.InstalmentPlan", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(payment=RenewalPayment.INSTALMENTS, instalment_count__gt=0)
                | (
                    models.Q(payment__in=[RenewalPayment.NEXT_INVOICE, RenewalPayment.CARD])
                    & models.Q(instalment_count=0)
                ),
                name="device_renewal_instalments_fit_payment",
            ),
            models.CheckConstraint(
                condition=models.Q(paid_at__isnull=True) | models.Q(payment=RenewalPayment.CARD),
                name="device_renewal_paid_at_only_by_card",
            ),
            models.CheckConstraint(
                condition=models.Q(withdrawn_at__isnull=True) | models.Q(paid_at__isnull=False),
                name="device_renewal_withdrawn_only_when_paid_by_card",
            ),
            models.CheckConstraint(
                condition=models.Q(returned_at__isnull=True) | models.Q(withdrawn_at__isnull=False),
                name="device_renewal_returned_only_when_withdrawn",
            ),
        ]

    def __str__(self) -> str:
        return f"Renewal {self.order_id} {self.sku}"

    @property
    def awaiting_card_payment(self) -> bool:
        return self.payment == RenewalPayment.CARD and self.paid_at is None


class InsuranceStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ENDED = "ended", "Résiliée"


class InsuranceContract(models.Model):
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="insurance_contracts"
    )
    line = models.ForeignKey("lines.Line", on_delete=models.PROTECT, related_name="+")
    equipment = models.ForeignKey("lines.Equipment", on_delete=models.PROTECT, related_name="+")
    band_code = models.CharField(max_length=30)  # insurance.toml
    insured_value_cents = models.PositiveIntegerField()
    monthly_price_cents = models.PositiveIntegerField(help_text="Including VAT, in cents.")
    insurer_reference = models.CharField(max_length=40)
    status = models.CharField(
        max_length=10, choices=InsuranceStatus.choices, default=InsuranceStatus.ACTIVE
    )
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-started_at", "-id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["equipment"],
                condition=models.Q(status="active"),
                name="insurance_one_active_per_equipment",
            ),
        ]

    def __str__(self) -> str:
        return f"Insurance {self.insurer_reference} {self.status}"


class RepairKind(models.TextChoices):
    DEPOSIT = "deposit", "Dépôt SAV"
    EXPRESS = "express", "Réparation express"


class RepairStage(models.TextChoices):
    DEPOSITED = "deposited", "Déposé"
    DIAGNOSED = "diagnosed", "Diagnostiqué"
    REPAIRED = "repaired", "Réparé"
    RETURNED = "returned", "Rendu"


class Repair(models.Model):
    request = models.OneToOneField("care.Request", on_delete=models.PROTECT, related_name="repair")
    kind = models.CharField(max_length=10, choices=RepairKind.choices)
    stage = models.CharField(
        max_length=12, choices=RepairStage.choices, default=RepairStage.DEPOSITED
    )
    device = models.CharField(max_length=120)
    fault = models.CharField(max_length=30)
    repairer_reference = models.CharField(max_length=40)
    shop = models.CharField(max_length=200, blank=True)
    appointment_at = models.DateTimeField(null=True, blank=True)
    quote_cents = models.PositiveIntegerField(null=True, blank=True)
    diagnosis = models.TextField(blank=True)
    stage_changed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Repair {self.repairer_reference} {self.stage}"


class NetworkService(models.TextChoices):
    MOBILE = "mobile", "Mobile"
    FIXED = "fixed", "Internet fixe"


class IncidentStatus(models.TextChoices):
    ONGOING = "ongoing", "En cours"
    RESOLVED = "resolved", "Résolu"


class NetworkIncident(models.Model):
    """An operator-fed network incident (météo du réseau), loaded by
    `guichet network-incidents load FILE`; `reference` makes loading a file again an update."""

    reference = models.CharField(max_length=40, unique=True)
    postcode = models.CharField(max_length=5)
    commune = models.CharField(max_length=120)
    service = models.CharField(max_length=10, choices=NetworkService.choices)
    description = models.CharField(max_length=500)
    status = models.CharField(
        max_length=10, choices=IncidentStatus.choices, default=IncidentStatus.ONGOING
    )
    started_at = models.DateTimeField()
    expected_end_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-started_at", "-id"]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["postcode", "status"], name="network_incident_area"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.postcode} {self.service} {self.status}"
