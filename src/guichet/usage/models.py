"""Usage records once rated, what was rejected, and each line's counters per billing period.

Rows are written in bulk by `guichet usage import` (`usage.storage`: PostgreSQL COPY, SQLite
executemany), one transaction per chunk of the file; never edited afterwards. Money is integer
micro-euros, rounded to cents only by the bill run on a period's total (CONVENTIONS 7).
"""

from typing import ClassVar

from django.db import models

from guichet.usage.routing import RECORD_ID_MAX_LENGTH


class UsageImport(models.Model):
    """One run of `guichet usage import FILE`. A killed run stays unfinished (`finished_at`
    null) with the counts of the chunks it committed; running the file again finishes the job
    in a new batch, where the records already stored come back as duplicates."""

    file_name = models.CharField(max_length=500)
    sha256 = models.CharField(max_length=64, db_index=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    # read = rated + rejected + duplicates, chunk by chunk.
    read = models.BigIntegerField(default=0)
    rated = models.BigIntegerField(default=0)
    rejected = models.BigIntegerField(default=0)
    # Records whose record_id was already rated (stored, or earlier in the file): not stored
    # again, not counted as rejected.
    duplicates = models.BigIntegerField(default=0)
    total_micro_eur = models.BigIntegerField(default=0)

    class Meta:
        ordering: ClassVar[list[str]] = ["started_at", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(
                    read=models.F("rated") + models.F("rejected") + models.F("duplicates")
                ),
                name="usage_import_read_is_rated_rejected_duplicates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.started_at:%Y-%m-%d %H:%M})"


class UsageRecord(models.Model):
    """One rated usage record of a line, as rating priced it (`guichet.rating`)."""

    # The key: a surrogate id would cost one more index to maintain on every insert (and so
    # would Django's LIKE index beside a text key on PostgreSQL, dropped by migration 0004).
    # On PostgreSQL its collation is "C" (migration 0008): ids are compared byte by byte, not
    # by the locale's rules, which made a fifth of the key's upkeep.
    record_id = models.CharField(max_length=RECORD_ID_MAX_LENGTH, primary_key=True)
    # No database constraint on this table's foreign keys: PostgreSQL checks one with a trigger
    # per inserted row, which took a fifth of an import's time (benchmarks/bench_usage_import).
    # The import takes the line ids from the lines it reads in the same transaction, lines are
    # never deleted, and batches only grow. Indexed by (line, period_start) below.
    line = models.ForeignKey(
        "lines.Line",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    # First day of the billing period (Europe/Paris calendar month of started_at).
    period_start = models.DateField()
    started_at = models.DateTimeField()
    service = models.CharField(max_length=5)  # voice, video, sms, mms, data
    direction = models.CharField(max_length=3)  # out, in
    origin_zone = models.CharField(max_length=12)  # "FR" (mainland France) or a zone code
    destination_zone = models.CharField(max_length=12, blank=True)  # "" for data
    other_party = models.TextField(blank=True)
    duration_s = models.BigIntegerField(null=True, blank=True)  # calls only
    volume_bytes = models.BigIntegerField(null=True, blank=True)  # data only
    charge_micro_eur = models.BigIntegerField()
    included = models.BooleanField()  # nothing charged out of bundle
    throttled = models.BooleanField()  # beyond the data allowance in France
    reason = models.TextField()  # the rule applied, with its brochure reading
    batch = models.ForeignKey(
        UsageImport,
        on_delete=models.PROTECT,
        related_name="records",
        db_index=False,
        db_constraint=False,
    )

    class Meta:
        ordering: ClassVar[list[str]] = ["started_at", "record_id"]
        indexes: ClassVar[list[models.Index]] = [
            # The Conso page (a line's period, sorted by time: a few thousand rows at most) and
            # the bill run (lines × period). Without started_at in the key, a new entry goes at
            # the end of its (line, period), whatever the order records arrive in: keeping the
            # three-column index up cost twice as much (benchmarks/bench_usage_import).
            models.Index(fields=["line", "period_start"], name="usage_record_line_period"),
        ]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(charge_micro_eur__gte=0), name="usage_record_charge_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.record_id


class RejectedUsageRecord(models.Model):
    """A record that could not be rated, kept as it was read (text, whatever it held) with the
    reason, so that bad input is never lost and can be corrected and sent again."""

    batch = models.ForeignKey(UsageImport, on_delete=models.PROTECT, related_name="rejections")
    row = models.BigIntegerField()  # 1-based position of the record in the file
    # The raw values: null where the file had none (an empty CSV field, a Parquet null), which
    # is not the same input as an empty text, hence null=True on text fields.
    record_id = models.TextField(null=True, blank=True)  # noqa: DJ001
    line = models.TextField(null=True, blank=True)  # noqa: DJ001
    started_at = models.TextField(null=True, blank=True)  # noqa: DJ001
    service = models.TextField(null=True, blank=True)  # noqa: DJ001
    direction = models.TextField(null=True, blank=True)  # noqa: DJ001
    visited_network = models.TextField(null=True, blank=True)  # noqa: DJ001
    other_party = models.TextField(null=True, blank=True)  # noqa: DJ001
    duration_s = models.TextField(null=True, blank=True)  # noqa: DJ001
    volume_bytes = models.TextField(null=True, blank=True)  # noqa: DJ001
    reason = models.TextField()

    class Meta:
        ordering: ClassVar[list[str]] = ["batch", "row"]

    def __str__(self) -> str:
        return f"row {self.row}: {self.reason}"


# Counters: one table per frame of `guichet.rating.Counters`, one row per line and period (and
# usage key), replaced by each import with the counters rating returned (usage.storage). Their
# line keys carry no database constraint, for the reason UsageRecord.line gives: PostgreSQL
# checks a deferred foreign key by one trigger call per row at commit, and an import writes a
# row per line and day (`days`) — 0.6 s of a 500,000-record import (bench_usage_import).


class LineUsageTotals(models.Model):
    """`Counters.totals`: a line's data consumption and out-of-bundle total for a period."""

    # Indexed by the unique constraint below, which starts with it.
    line = models.ForeignKey(
        "lines.Line",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,  # as UsageRecord.line: the import writes these rows in bulk
    )
    period_start = models.DateField()
    data_france_ko = models.BigIntegerField()  # throttled part included
    data_roaming_included_ko = models.BigIntegerField()
    data_roaming_charged_ko = models.BigIntegerField()
    throttled = models.BooleanField()
    out_of_bundle_micro_eur = models.BigIntegerField()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["line", "period_start"], name="line_usage_totals_one_per_period"
            ),
        ]

    def __str__(self) -> str:
        return f"line {self.line_id} {self.period_start:%Y-%m}"


class LineUsageQuantity(models.Model):
    """`Counters.usage`: seconds (calls), messages (SMS, MMS) or Ko (data) used by a line in a
    period, per service, origin ("FR" or a zone) and destination zone ("" for data)."""

    # Indexed by the unique constraint below, which starts with it.
    line = models.ForeignKey(
        "lines.Line",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,  # as UsageRecord.line: the import writes these rows in bulk
    )
    period_start = models.DateField()
    service = models.CharField(max_length=5)
    origin = models.CharField(max_length=12)
    destination = models.CharField(max_length=12, blank=True)
    quantity = models.BigIntegerField()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["line", "period_start", "service", "origin", "destination"],
                name="line_usage_quantity_one_per_key",
            ),
        ]

    def __str__(self) -> str:
        return f"line {self.line_id} {self.period_start:%Y-%m} {self.service} {self.quantity}"


class LineAllowanceUse(models.Model):
    """`Counters.allowances`: what a line used of one option or top-up in a period: billed
    seconds of calls ("voice"), messages ("sms") or Ko ("data"). `active_from` tells two
    purchases of the same top-up apart: each is its own allowance."""

    # Indexed by the unique constraint below, which starts with it.
    line = models.ForeignKey(
        "lines.Line",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,  # as UsageRecord.line: the import writes these rows in bulk
    )
    period_start = models.DateField()
    product_code = models.CharField(max_length=60)
    active_from = models.DateTimeField()
    service = models.CharField(max_length=5)
    quantity = models.BigIntegerField()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["line", "period_start", "product_code", "active_from", "service"],
                name="line_allowance_use_one_per_key",
            ),
        ]

    def __str__(self) -> str:
        return f"line {self.line_id} {self.product_code} {self.service} {self.quantity}"


class LineAllowanceRecipient(models.Model):
    """`Counters.recipients`: the numbers an option with a cap on distinct recipients (99 a
    month) has included for a line in a period."""

    line = models.ForeignKey(
        "lines.Line",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,  # as UsageRecord.line: the import writes these rows in bulk
    )
    period_start = models.DateField()
    product_code = models.CharField(max_length=60)
    active_from = models.DateTimeField()
    recipient = models.CharField(max_length=20)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["line", "period_start", "product_code", "active_from", "recipient"],
                name="line_allowance_recipient_once",
            ),
        ]

    def __str__(self) -> str:
        return f"line {self.line_id} {self.product_code} → {self.recipient}"


class LineUsageDay(models.Model):
    """`Counters.days`: a line's usage of one Europe/Paris day at home and in the fair-use
    zones, kept for the fair-use window (120 days: rating.fair_use_flags)."""

    line = models.ForeignKey(
        "lines.Line",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,  # as UsageRecord.line: the import writes these rows in bulk
    )
    period_start = models.DateField()
    day = models.DateField()
    home_records = models.BigIntegerField()
    roaming_records = models.BigIntegerField()
    home_seconds = models.BigIntegerField()
    roaming_seconds = models.BigIntegerField()
    home_messages = models.BigIntegerField()
    roaming_messages = models.BigIntegerField()
    home_ko = models.BigIntegerField()
    roaming_ko = models.BigIntegerField()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["line", "period_start", "day"], name="line_usage_day_one_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"line {self.line_id} {self.day}"


# -- portal: home and usage --------------------------------------------------------------------
# Third-party purchases charged on the operator's bill (Internet+, "achats sur facture") and the
# box's VOD. Amounts in integer cents, TTC, as the merchant charged them.


class CarrierBillingSubscriptionStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    CANCELLED = "cancelled", "Résilié"


class CarrierBillingSubscription(models.Model):
    """A recurring service a merchant bills through the line (a game, a news site…)."""

    line = models.ForeignKey(
        "lines.Line", on_delete=models.PROTECT, related_name="carrier_billing_subscriptions"
    )
    merchant = models.CharField(max_length=120)
    service = models.CharField(max_length=200)
    monthly_price_cents = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=CarrierBillingSubscriptionStatus.choices)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["started_at", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(status="active", cancelled_at__isnull=True)
                | models.Q(status="cancelled", cancelled_at__isnull=False),
                name="carrier_billing_subscription_cancelled_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service} ({self.merchant})"


class CarrierBillingPurchase(models.Model):
    """One purchase charged on the line's bill: a one-off, or a month of a subscription."""

    line = models.ForeignKey(
        "lines.Line", on_delete=models.PROTECT, related_name="carrier_billing_purchases"
    )
    subscription = models.ForeignKey(
        CarrierBillingSubscription,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="purchases",
    )
    merchant = models.CharField(max_length=120)
    service = models.CharField(max_length=200)
    amount_cents = models.PositiveIntegerField()
    purchased_at = models.DateTimeField()
    # The invoice that billed it (set by the bill run in the invoice's transaction: billed once,
    # on the first invoice after it was recorded, however late). Billing's column.
    invoice = models.ForeignKey(
        "billing.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering: ClassVar[list[str]] = ["purchased_at", "id"]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["line", "purchased_at"], name="carrier_purchase_line_time"),
            models.Index(
                fields=["line", "purchased_at"],
                condition=models.Q(invoice__isnull=True),
                name="carrier_purchase_to_bill",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service} {self.amount_cents} c"


class CarrierBillingCap(models.Model):
    """The customer's monthly cap on a line's purchases on the bill; 0 blocks them. No row:
    the operator's ceiling (settings.GUICHET_CARRIER_BILLING_CAP_STEPS_CENTS, the highest)."""

    line = models.OneToOneField(
        "lines.Line", on_delete=models.PROTECT, related_name="carrier_billing_cap"
    )
    monthly_cap_cents = models.PositiveIntegerField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"line {self.line_id}: {self.monthly_cap_cents} c"


class VodKind(models.TextChoices):
    RENTAL = "rental", "Location"
    PURCHASE = "purchase", "Achat"


class VodPurchase(models.Model):
    """A film or programme rented or bought on the box's TV."""

    line = models.ForeignKey("lines.Line", on_delete=models.PROTECT, related_name="vod_purchases")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=VodKind.choices)
    amount_cents = models.PositiveIntegerField()
    purchased_at = models.DateTimeField()
    # As CarrierBillingPurchase.invoice: the invoice that billed it.
    invoice = models.ForeignKey(
        "billing.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering: ClassVar[list[str]] = ["-purchased_at", "-id"]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(
                fields=["line", "purchased_at"],
                condition=models.Q(invoice__isnull=True),
                name="vod_purchase_to_bill",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.kind})"


class FairUseCase(models.Model):
    """A line found using its plan as a non-occasional traveller (plans.toml `fair_use`, CGS
    6.2), by `guichet fair-use check`: the customer is alerted at `alerted_at`; from
    `charging_from` (the catalog's `alert_notice_days` later) its usage in the fair-use zones is
    rated at the non-occasional rates, until a check finds the line within the rule again and
    closes the case (`closed_at`). At most one open case per line."""

    line = models.ForeignKey("lines.Line", on_delete=models.PROTECT, related_name="fair_use_cases")
    plan_code = models.CharField(max_length=40)
    # What the check that opened the case found, over the `window_days` ending on `window_end`.
    window_end = models.DateField()
    window_days = models.PositiveSmallIntegerField()
    roaming_only_days = models.PositiveIntegerField()
    roaming_share = models.DecimalField(max_digits=5, decimal_places=4)
    alerted_at = models.DateTimeField()
    charging_from = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["line"],
                condition=models.Q(closed_at__isnull=True),
                name="fair_use_case_one_open_per_line",
            ),
        ]

    def __str__(self) -> str:
        return f"line {self.line_id} fair use from {self.charging_from:%Y-%m-%d}"
