"""Orders, requests (démarches), trouble tickets, the activity log and the notification outbox."""

from typing import ClassVar

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class ActorKind(models.TextChoices):
    CUSTOMER = "customer", "Client"
    ADVISOR = "advisor", "Conseiller"
    SYSTEM = "system", "Système"


class Activity(models.Model):
    """One entry of the activity log (the bell icon): who did which act on what, old → new.

    Written by `activity_record` in the transaction of the change it describes, never edited.
    `act` holds a code of `guichet.care.acts.Act` without `choices`, so that a context adding an
    act needs no migration of this table.
    """

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="activities"
    )
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    act = models.CharField(max_length=60)
    # "<app_label>.<model_name>" and primary key of the row the act changed.
    subject_type = models.CharField(max_length=60)
    subject_id = models.BigIntegerField()
    summary = models.CharField(max_length=300, help_text="French, shown to the customer.")
    old_values = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    new_values = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    at = models.DateTimeField()

    class Meta:
        ordering: ClassVar[list[str]] = ["-at", "-id"]
        indexes: ClassVar[list[models.Index]] = [
            # The activity page: newest first for one customer.
            models.Index(fields=["customer", "-at", "-id"], name="activity_customer_newest"),
            models.Index(fields=["subject_type", "subject_id"], name="activity_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.act} {self.summary}"


class OutboxChannel(models.TextChoices):
    EMAIL = "email", "E-mail"
    SMS = "sms", "SMS"


class OutboxMessage(models.Model):
    """A notification written in the transaction of the change and sent after commit.

    `guichet outbox send` claims a row (a short transaction sets `claimed_until`), sends it with
    no transaction open, then records the outcome: `sent_at`, or `last_error` and one more
    attempt. A run that dies after the provider accepted a message but before recording it
    sends it again once the claim lapses: delivery is at least once, never lost.
    """

    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outbox_messages",
    )
    channel = models.CharField(max_length=10, choices=OutboxChannel.choices)
    recipient = models.CharField(max_length=254, help_text="Email address or E.164 number.")
    template = models.CharField(max_length=60, help_text="Key of care.notifications.TEMPLATES.")
    context = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    claimed_until = models.DateTimeField(
        null=True, blank=True, help_text="A run is sending it; others skip it until then."
    )

    class Meta:
        ordering: ClassVar[list[str]] = ["created_at", "id"]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(
                fields=["created_at", "id"],
                condition=models.Q(sent_at__isnull=True),
                name="outbox_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.template} → {self.recipient}"


class OrderKind(models.TextChoices):
    ACQUISITION = "acquisition", "Nouvelle souscription"
    DEVICE_RENEWAL = "device_renewal", "Renouvellement de mobile"
    SIM_REPLACEMENT = "sim_replacement", "Carte SIM de remplacement"
    ACCESSORY = "accessory", "Accessoire"


class OrderStatus(models.TextChoices):
    RECEIVED = "received", "Reçue"
    IN_PREPARATION = "in_preparation", "En préparation"
    SHIPPED = "shipped", "Expédiée"
    DELIVERED = "delivered", "Livrée"
    CANCELLED = "cancelled", "Annulée"


class Order(models.Model):
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="orders"
    )
    line = models.ForeignKey(
        "lines.Line", null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    kind = models.CharField(max_length=20, choices=OrderKind.choices)
    status = models.CharField(
        max_length=20, choices=OrderStatus.choices, default=OrderStatus.RECEIVED
    )
    tracking_number = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField()
    status_changed_at = models.DateTimeField()
    shipped_at = models.DateTimeField(null=True, blank=True)
    # CGVAD art. 6: the 14-day withdrawal period for a product starts at delivery.
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(status__in=OrderStatus.values), name="order_status_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=[OrderStatus.SHIPPED, OrderStatus.DELIVERED])
                | ~models.Q(tracking_number=""),
                name="order_shipped_has_tracking_number",
            ),
        ]

    def __str__(self) -> str:
        return f"Order {self.pk} {self.kind} {self.status}"

    @property
    def total_cents(self) -> int:
        return sum(item.quantity * item.unit_price_cents for item in self.items.all())


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    # Set when the item is a catalog product (a plan, a service fee…); devices and accessories
    # are not in the catalog and carry their label only.
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    label = models.CharField(max_length=200)
    quantity = models.PositiveIntegerField()
    unit_price_cents = models.PositiveIntegerField(help_text="Including VAT, in cents.")

    class Meta:
        ordering: ClassVar[list[str]] = ["id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="order_item_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.label}"


class RequestKind(models.TextChoices):
    DUPLICATE_INVOICE = "duplicate_invoice", "Duplicata de facture"
    PORTING_OUT = "porting_out", "Portabilité sortante"
    TERMINATION = "termination", "Résiliation"
    LINE_TRANSFER = "line_transfer", "Cession de ligne"
    WITHDRAWAL = "withdrawal", "Rétractation"
    MOVE = "move", "Déménagement"
    INSURANCE_CLAIM = "insurance_claim", "Déclaration de sinistre"
    REFUND_OFFER = "refund_offer", "Offre de remboursement"
    UNLOCK_CODE = "unlock_code", "Code de désimlockage"
    EQUIPMENT_RETURN = "equipment_return", "Restitution d'équipement"
    # -- portal: personal information and tracking --
    NAME_CHANGE = "name_change", "Changement de nom"
    # -- portal: devices, insurance and after-sales --
    REPAIR = "repair", "Réparation en SAV"
    EXPRESS_REPAIR = "express_repair", "Réparation express"


class RequestStatus(models.TextChoices):
    SUBMITTED = "submitted", "Envoyée"
    IN_PROGRESS = "in_progress", "En cours"
    COMPLETED = "completed", "Terminée"
    REJECTED = "rejected", "Refusée"
    CANCELLED = "cancelled", "Annulée"


OPEN_REQUEST_STATUSES = (RequestStatus.SUBMITTED, RequestStatus.IN_PROGRESS)


class Request(models.Model):
    """A customer procedure in progress (démarche): porting, duplicate, termination…"""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="requests"
    )
    line = models.ForeignKey(
        "lines.Line", null=True, blank=True, on_delete=models.PROTECT, related_name="requests"
    )
    kind = models.CharField(max_length=30, choices=RequestKind.choices)
    status = models.CharField(
        max_length=20, choices=RequestStatus.choices, default=RequestStatus.SUBMITTED
    )
    payload = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    # Why it was rejected or how it was completed; required on rejection.
    resolution = models.TextField(blank=True)
    created_at = models.DateTimeField()
    status_changed_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    # French calendar date by which the operator must act (see care.rules.request_due_date).
    due_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(status__in=RequestStatus.values), name="request_status_valid"
            ),
            # One open procedure of a kind per line (no second termination of the same line).
            models.UniqueConstraint(
                fields=["line", "kind"],
                condition=models.Q(status__in=OPEN_REQUEST_STATUSES, line__isnull=False),
                name="request_one_open_per_line_and_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"Request {self.pk} {self.kind} {self.status}"


class TicketType(models.TextChoices):
    # TMF621 `ticketType` examples: incident, complaint, request; plus after-sales repair (SAV).
    INCIDENT = "incident", "Incident"
    COMPLAINT = "complaint", "Réclamation"
    AFTER_SALES = "after_sales", "Dépôt SAV"


class TicketSeverity(models.TextChoices):
    # TMF621 `severity` examples.
    CRITICAL = "critical", "Critique"
    MAJOR = "major", "Majeure"
    MINOR = "minor", "Mineure"


class TicketStatus(models.TextChoices):
    # A subset of TMF621 TroubleTicketStatusType.
    ACKNOWLEDGED = "acknowledged", "Enregistré"
    IN_PROGRESS = "in_progress", "En cours de traitement"
    RESOLVED = "resolved", "Résolu"
    CLOSED = "closed", "Clos"
    CANCELLED = "cancelled", "Annulé"


class TroubleTicket(models.Model):
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="trouble_tickets"
    )
    line = models.ForeignKey(
        "lines.Line", null=True, blank=True, on_delete=models.PROTECT, related_name="tickets"
    )
    ticket_type = models.CharField(max_length=20, choices=TicketType.choices)
    severity = models.CharField(max_length=10, choices=TicketSeverity.choices)
    description = models.TextField()
    status = models.CharField(
        max_length=20, choices=TicketStatus.choices, default=TicketStatus.ACKNOWLEDGED
    )
    created_at = models.DateTimeField()
    status_changed_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(status__in=TicketStatus.values), name="ticket_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Ticket {self.pk} {self.ticket_type} {self.status}"


class TicketNote(models.Model):
    ticket = models.ForeignKey(TroubleTicket, on_delete=models.CASCADE, related_name="notes")
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        ordering: ClassVar[list[str]] = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Note {self.pk} on ticket {self.ticket_id}"


# -- portal: personal information and tracking --


class AdvisorMessage(models.Model):
    """One message of the customer's thread with the advisors ("messagerie"), oldest first.

    A customer's message waits in the advisors' queue (`care.selectors.advisor_queue`) until an
    advisor answers: `answered_at` is set on the customer's messages an answer covers.
    """

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="advisor_messages"
    )
    author_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField()
    created_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["created_at", "id"]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["customer", "created_at", "id"], name="advisor_message_thread"),
        ]

    def __str__(self) -> str:
        return f"Message {self.pk} ({self.author_kind}) for {self.customer_id}"
