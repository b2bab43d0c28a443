"""Dunning: one case per billing account and unpaid episode, and the steps done in it.

An episode lasts while the account owes something past its due date; it ends when everything
overdue is paid (or cancelled by a credit note). Each step of the schedule is done at most once
per case (unique constraint), which makes `guichet dunning run` idempotent.
"""

from typing import ClassVar

from django.db import models

from guichet.payments.dunning_rules import STEP_LABELS, StepCode


class DunningCaseStatus(models.TextChoices):
    OPEN = "open", "En cours"
    RESOLVED = "resolved", "Régularisé"


class DunningCase(models.Model):
    billing_account = models.ForeignKey(
        "billing.BillingAccount", on_delete=models.PROTECT, related_name="dunning_cases"
    )
    status = models.CharField(
        max_length=10, choices=DunningCaseStatus.choices, default=DunningCaseStatus.OPEN
    )
    # The schedule counts from here: the due date of the oldest invoice overdue when the case
    # opened (a French date).
    reference_due_on = models.DateField()
    opened_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["opened_at", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["billing_account"],
                condition=models.Q(status=DunningCaseStatus.OPEN),
                name="dunning_case_one_open_per_account",
            ),
            models.CheckConstraint(
                condition=models.Q(status=DunningCaseStatus.OPEN, resolved_at__isnull=True)
                | models.Q(status=DunningCaseStatus.RESOLVED, resolved_at__isnull=False),
                name="dunning_case_resolved_at_iff_resolved",
            ),
        ]

    def __str__(self) -> str:
        return f"dunning case {self.pk} of account {self.billing_account_id} ({self.status})"


class DunningStep(models.Model):
    """One step done in a case: a reminder sent, the lines suspended, a formal notice, the
    lines terminated."""

    case = models.ForeignKey(DunningCase, on_delete=models.PROTECT, related_name="steps")
    step = models.CharField(
        max_length=20, choices=[(code.value, STEP_LABELS[code]) for code in StepCode]
    )
    # The date the schedule gave for it, and when it was done.
    scheduled_on = models.DateField()
    done_at = models.DateTimeField()
    # Cents owed past due on the account when the step was done (the amount the notice quoted).
    owed_cents = models.BigIntegerField()
    # Ids of the lines the step suspended or terminated.
    line_ids = models.JSONField(default=list, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["done_at", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["case", "step"], name="dunning_step_once_per_case"),
            models.CheckConstraint(
                condition=models.Q(step__in=[code.value for code in StepCode]),
                name="dunning_step_code_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.step} of case {self.case_id}"
