"""Lines (a mobile number or a fixed access), their subscriptions, and the customer's equipment."""

from typing import ClassVar

from django.db import models

from guichet.catalog.models import Market, ProductKind


class LineStatus(models.TextChoices):
    PENDING = "pending", "En attente de mise en service"
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspendue"
    TERMINATED = "terminated", "Résiliée"


class SuspensionReason(models.TextChoices):
    # CGS 2.4, in its order, then the customer's own reasons (CGS 6.1).
    MISSING_DOCUMENTS = "missing_documents", "Pièces justificatives manquantes"
    FRAUD = "fraud", "Fraude ou tentative de fraude"
    STOLEN_DEVICE_USE = "stolen_device_use", "Utilisation d'un terminal déclaré volé"
    SECURITY_DEPOSIT_PENDING = "security_deposit_pending", "Dépôt de garantie en attente"
    BILL_ADVANCE_PENDING = "bill_advance_pending", "Avance sur facture en attente"
    UNPAID = "unpaid", "Facture impayée"
    LEGAL_VIOLATION = "legal_violation", "Violation des dispositions légales"
    # CGS 2.4: the only suspension that also stops billing.
    FORCE_MAJEURE = "force_majeure", "Force majeure"
    LOSS = "loss", "Perte de la carte SIM ou du mobile"
    THEFT = "theft", "Vol de la carte SIM ou du mobile"
    CUSTOMER_REQUEST = "customer_request", "Demande du client"


class TerminationReason(models.TextChoices):
    CUSTOMER_REQUEST = "customer_request", "Demande du client"  # CGS 8.1
    LEGITIMATE_REASON = "legitimate_reason", "Motif légitime"  # CGS 8.1, without fees
    PORTING_OUT = "porting_out", "Portabilité vers un autre opérateur"  # CGS 8.1 and 10
    WITHDRAWAL = "withdrawal", "Rétractation"  # CGS 9
    ACTIVATION_IMPOSSIBLE = "activation_impossible", "Mise en service impossible"  # CGS 4.5
    NO_COVERAGE = "no_coverage", "Zone non couverte"  # CGS 4.6
    PRICE_CHANGE = "price_change", "Modification du prix"  # CGS 5.2, within 4 months
    UNPAID = "unpaid", "Non-paiement"  # CGS 8.2
    # CGS 12: the contract goes on with a new holder, on a new record of the line.
    TRANSFER = "transfer", "Cession à un nouveau titulaire"
    FALSE_DECLARATION = "false_declaration", "Fausse déclaration"  # CGS 8.2
    FORCE_MAJEURE = "force_majeure", "Force majeure"  # CGS 8.2


class Line(models.Model):
    """One subscribed service: a mobile number (MSISDN) or a fixed access.

    Lifecycle (lines.rules.LINE_TRANSITIONS): pending → active ⇄ suspended, and any of them →
    terminated, which is final.
    """

    billing_account = models.ForeignKey(
        "billing.BillingAccount", on_delete=models.PROTECT, related_name="lines"
    )
    market = models.CharField(max_length=10, choices=Market.choices)
    # Mobile lines: E.164, e.g. +33612345678. A number is unique among lines that are not
    # terminated: CGS 8.2, termination means "la perte du numéro", which may be reassigned.
    msisdn = models.CharField(max_length=16, blank=True)
    # Fixed lines: the network operator's reference of the access.
    access_reference = models.CharField(max_length=30, blank=True)
    # SIM card (mobile lines, and fixed 4G boxes): 19–20 digits with a Luhn check digit.
    iccid = models.CharField(max_length=20, blank=True)
    puk = models.CharField(max_length=8, blank=True, help_text="8 digits, shown to the holder.")
    status = models.CharField(max_length=12, choices=LineStatus.choices, default=LineStatus.PENDING)
    suspension_reason = models.CharField(
        max_length=30, choices=SuspensionReason.choices, blank=True
    )
    termination_reason = models.CharField(
        max_length=30, choices=TerminationReason.choices, blank=True
    )
    created_at = models.DateTimeField()
    # CGS 4: "Le contrat prend effet à la date de Mise en Service de la ligne".
    activated_at = models.DateTimeField(null=True, blank=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    # The suspension of outgoing usage (unpaid invoice, bill advance) that a stricter one (a lost
    # or stolen SIM) replaced: the line goes back to it when the stricter one is lifted while
    # its cause lasts (lines.rules.suspension_replaces).
    suspension_replaced = models.CharField(
        max_length=30, choices=SuspensionReason.choices, blank=True
    )
    terminated_at = models.DateTimeField(null=True, blank=True)
    # Last day of the minimum commitment period (French date); null without commitment.
    commitment_end_date = models.DateField(null=True, blank=True)
    # A line transferred to a new holder (CGS 12) goes on as a new record: the former one. Its
    # contract was activated (and its activation fee billed) on that record, not this one.
    transferred_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="transferred_to"
    )
    # Self-care act "Déclarer utilisateurs": who uses the line when it is not the holder.
    user_name = models.CharField(max_length=200, blank=True)
    user_is_minor = models.BooleanField(default=False)

    class Meta:
        ordering: ClassVar[list[str]] = ["created_at", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(status__in=LineStatus.values), name="line_status_valid"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(market=Market.MOBILE, access_reference="") & ~models.Q(msisdn="")
                )
                | (models.Q(market=Market.FIXED, msisdn="") & ~models.Q(access_reference="")),
                name="line_identifier_matches_market",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status=LineStatus.SUSPENDED,
                    suspended_at__isnull=False,
                    suspension_reason__in=SuspensionReason.values,
                )
                | (
                    ~models.Q(status=LineStatus.SUSPENDED)
                    & models.Q(suspended_at__isnull=True, suspension_reason="")
                ),
                name="line_suspension_iff_suspended",
            ),
            models.CheckConstraint(
                condition=models.Q(suspension_replaced="")
                | models.Q(
                    status=LineStatus.SUSPENDED, suspension_replaced__in=SuspensionReason.values
                ),
                name="line_suspension_replaced_while_suspended",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status=LineStatus.TERMINATED,
                    terminated_at__isnull=False,
                    termination_reason__in=TerminationReason.values,
                )
                | (
                    ~models.Q(status=LineStatus.TERMINATED)
                    & models.Q(terminated_at__isnull=True, termination_reason="")
                ),
                name="line_termination_iff_terminated",
            ),
            models.UniqueConstraint(
                fields=["msisdn"],
                condition=~models.Q(status=LineStatus.TERMINATED) & ~models.Q(msisdn=""),
                name="line_msisdn_unique_while_open",
            ),
            models.UniqueConstraint(
                fields=["access_reference"],
                condition=~models.Q(status=LineStatus.TERMINATED) & ~models.Q(access_reference=""),
                name="line_access_reference_unique_while_open",
            ),
            # A SIM card is never reused, even after the line ends.
            models.UniqueConstraint(
                fields=["iccid"], condition=~models.Q(iccid=""), name="line_iccid_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.display_number

    @property
    def display_number(self) -> str:
        """The number as customers write it ("06 12 34 56 78"), or the fixed access reference."""
        if self.msisdn:
            national = "0" + self.msisdn[3:]
            return " ".join(national[i : i + 2] for i in range(0, len(national), 2))
        return self.access_reference


class SubscriptionStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Programmée"
    ACTIVE = "active", "Active"
    ENDED = "ended", "Terminée"


# Plans and box offers: a line has at most one of them active at a time.
MAIN_OFFER_KINDS = (ProductKind.PLAN, ProductKind.BOX_OFFER)


class Subscription(models.Model):
    """A line's plan or box offer, option, top-up or bonus, over a period."""

    line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="subscriptions")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    # Copied from `product.kind` when subscribing: a database constraint cannot follow the
    # foreign key, and "one active plan per line" needs the kind on this row.
    kind = models.CharField(max_length=20, choices=ProductKind.choices)
    status = models.CharField(max_length=10, choices=SubscriptionStatus.choices)
    starts_at = models.DateTimeField()
    # End of a top-up's validity, or when the subscription was ended; null while it runs on.
    ends_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    # The payment that paid for it when it was bought (a top-up bought by card:
    # "payment_attempt:{id}"); empty when the invoice charges it. The bill run skips it.
    prepaid_by = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["starts_at", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(status__in=SubscriptionStatus.values),
                name="subscription_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind=ProductKind.SERVICE_FEE),
                name="subscription_not_service_fee",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True)
                | models.Q(ends_at__gte=models.F("starts_at")),
                name="subscription_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["line"],
                condition=models.Q(status=SubscriptionStatus.ACTIVE, kind__in=MAIN_OFFER_KINDS),
                name="subscription_one_active_main_offer",
            ),
            models.UniqueConstraint(
                fields=["line"],
                condition=models.Q(status=SubscriptionStatus.SCHEDULED, kind__in=MAIN_OFFER_KINDS),
                name="subscription_one_scheduled_main_offer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.product_id} on line {self.line_id} ({self.status})"


class EquipmentKind(models.TextChoices):
    PHONE = "phone", "Téléphone mobile"
    BOX = "box", "Box"
    TV_DECODER = "tv_decoder", "Décodeur TV"
    KEY_4G = "4g_key", "Clé 4G"
    BOX_4G = "4g_box", "4G box"
    SIM = "sim", "Carte SIM"


class Ownership(models.TextChoices):
    OWNED = "owned", "Achat"
    # Rented equipment goes back with a return slip at the end of the contract.
    RENTED = "rented", "Location"


class EquipmentQuerySet(models.QuerySet["Equipment"]):
    def held(self) -> "EquipmentQuerySet":
        """What the customer still has: not what went back to the operator (`returned_at`)."""
        return self.filter(returned_at__isnull=True)


class Equipment(models.Model):
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="equipment"
    )
    line = models.ForeignKey(
        Line, null=True, blank=True, on_delete=models.PROTECT, related_name="equipment"
    )
    kind = models.CharField(max_length=12, choices=EquipmentKind.choices)
    model = models.CharField(max_length=120)
    # 15 digits with a Luhn check digit (3GPP TS 23.003), for equipment with a radio.
    imei = models.CharField(max_length=15, blank=True)
    serial_number = models.CharField(max_length=60, blank=True)
    ownership = models.CharField(max_length=10, choices=Ownership.choices)
    acquired_at = models.DateTimeField()
    created_at = models.DateTimeField()
    # When it went back to the operator (a phone sent back after a withdrawal, rented equipment
    # received at the end of the contract): no longer the customer's, kept for the record.
    returned_at = models.DateTimeField(null=True, blank=True)

    objects = EquipmentQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["acquired_at", "id"]
        verbose_name_plural = "equipment"
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=~models.Q(imei="", serial_number=""),
                name="equipment_identified",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.model}"


# -- portal: personal information and tracking --


class BlockedNumber(models.Model):
    """A number whose calls and SMS the line refuses ("Consulter les appels bloqués"); the
    network applies the list through `lines.call_barring`."""

    line = models.ForeignKey(Line, on_delete=models.CASCADE, related_name="blocked_numbers")
    # E.164, e.g. +33612345678.
    number = models.CharField(max_length=16)
    created_at = models.DateTimeField()

    class Meta:
        ordering: ClassVar[list[str]] = ["created_at", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["line", "number"], name="blocked_number_once_per_line"),
        ]

    def __str__(self) -> str:
        return f"{self.number} blocked on line {self.line_id}"


class BoxMailbox(models.Model):
    """An email address of a box line: one primary, up to `mailbox_rules.SECONDARY_MAX`
    secondary ones. The domain is the setting GUICHET_BOX_MAIL_DOMAIN; the local part is unique
    across all boxes (it is the address)."""

    line = models.ForeignKey(Line, on_delete=models.CASCADE, related_name="mailboxes")
    local_part = models.CharField(max_length=40, unique=True)
    is_primary = models.BooleanField()
    created_at = models.DateTimeField()

    class Meta:
        ordering: ClassVar[list[str]] = ["-is_primary", "created_at", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["line"],
                condition=models.Q(is_primary=True),
                name="box_mailbox_one_primary_per_line",
            ),
        ]

    def __str__(self) -> str:
        return self.local_part


# -- portal: home and usage --------------------------------------------------------------------
# What the customer sets on a line that the network must apply: the mobile data mode and the
# box's Wi-Fi. Each change is pushed through `lines.provisioning` and kept as a command.


class DataUsageMode(models.TextChoices):
    ALLOWED = "allowed", "Data autorisée en France et à l'étranger"
    BLOCKED_ABROAD = "blocked_abroad", "Data bloquée à l'étranger"
    BLOCKED = "blocked", "Data bloquée partout"


class LineDataSetting(models.Model):
    """The mobile data mode of a line; no row means data allowed everywhere (the default)."""

    line = models.OneToOneField(Line, on_delete=models.PROTECT, related_name="data_setting")
    mode = models.CharField(max_length=20, choices=DataUsageMode.choices)
    updated_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(mode__in=DataUsageMode.values), name="line_data_mode_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"line {self.line_id}: {self.mode}"


class BoxWifi(models.Model):
    """The Wi-Fi of a box line as the customer set it; without a row the box runs on its
    factory settings (lines.rules.box_factory_wifi)."""

    line = models.OneToOneField(Line, on_delete=models.PROTECT, related_name="box_wifi")
    network_name = models.CharField(max_length=32)  # SSID: 1 to 32 octets (IEEE 802.11)
    wifi_key = models.CharField(max_length=63)  # WPA2 passphrase: 8 to 63 printable ASCII
    wifi_enabled = models.BooleanField(default=True)
    guest_enabled = models.BooleanField(default=False)
    guest_network_name = models.CharField(max_length=32)
    guest_key = models.CharField(max_length=63)
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"line {self.line_id}: {self.network_name}"


class ProvisioningCommandStatus(models.TextChoices):
    SENT = "sent", "Envoyée au réseau"
    APPLIED = "applied", "Appliquée"
    FAILED = "failed", "Échec"


class ProvisioningCommand(models.Model):
    """One order sent to the network for a line (lines.provisioning), with its outcome."""

    line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="provisioning_commands")
    command = models.CharField(max_length=40)  # "data_mode", "box_wifi"
    # What the network needs to apply it; never a secret the log would show (see services).
    parameters = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=ProvisioningCommandStatus.choices)
    reference = models.CharField(max_length=60, blank=True)  # the network's reference
    sent_at = models.DateTimeField()
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["sent_at", "id"]

    def __str__(self) -> str:
        return f"{self.command} line {self.line_id} ({self.status})"


# -- portal: lines and emergencies --


class BoxLineDetails(models.Model):
    """What a box line carries besides its access: its landline number (porting code), the
    reference of its fibre socket (PTO) and the TV PINs, hashed like passwords (never shown)."""

    line = models.OneToOneField(Line, on_delete=models.CASCADE, related_name="box_details")
    # E.164 of the box's landline ("09…"); the RIO key is computed over it. Blank until assigned.
    landline_number = models.CharField(max_length=16, blank=True)
    # "XX-XXXX-XXXX" (lines.codes.normalize_optical_outlet_reference); blank while unknown.
    optical_outlet_reference = models.CharField(max_length=12, blank=True)
    parental_pin_hash = models.CharField(max_length=200, blank=True)
    purchase_pin_hash = models.CharField(max_length=200, blank=True)
    pins_changed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Box details of line {self.line_id}"


class SimSwapStatus(models.TextChoices):
    SENT = "sent", "Envoyée"
    ACTIVATED = "activated", "Activée"


class SimSwap(models.Model):
    """A replacement SIM sent for a line: the card the logistics partner picked for the order,
    until the customer activates it (the line's ICCID and PUK become this card's)."""

    line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="sim_swaps")
    # care.Order of the replacement (an id, not a foreign key: care already depends on lines).
    order_id = models.BigIntegerField(unique=True)
    iccid = models.CharField(max_length=20, unique=True)
    puk = models.CharField(max_length=8)
    status = models.CharField(
        max_length=10, choices=SimSwapStatus.choices, default=SimSwapStatus.SENT
    )
    # catalog Channel the order came through: the first replacement from self-care is free.
    channel = models.CharField(max_length=20)
    created_at = models.DateTimeField()
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"SIM swap {self.pk} of line {self.line_id} ({self.status})"
