"""The fair use of roaming applied (plans.toml `fair_use`; Récapitulatif contractuel; CGS 6.2;
Options et recharges §6 note (2)): "facturation hors forfait (après alerte du client) des usages
en itinérance en UE et DOM si, pendant une durée de 120 jours consécutifs, utilisation du forfait
pendant plus de 60 jours uniquement en itinérance […] et réalisation de plus de la moitié des
consommations en itinérance".

`fair_use_check` runs daily (`guichet fair-use check`): it reads the stored day counters, opens a
case and alerts the customer for each line that breaks its plan's rule; the line's usage in the
fair-use zones is rated at the non-occasional rates from the catalog's `alert_notice_days` after
the alert (`usage import` reads `fair_use_selectors.non_occasional_frame`), until a check finds
the line within the rule again, which closes the case and tells the customer. A second run with
the same date changes nothing.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import polars as pl
from django.db import transaction

from guichet.care.actors import Actor
from guichet.care.acts import Act
from guichet.care.notifications import french_date
from guichet.care.services import activity_record, activity_record_and_notify
from guichet.catalog.errors import CatalogError
from guichet.catalog.schema import Catalog
from guichet.catalog.selectors import catalog_current
from guichet.customers.rules import paris_date
from guichet.lines.models import Line, LineStatus
from guichet.lines.selectors import lines_with_accounts, plan_codes_at
from guichet.rating import FairUseRule, fair_use_flags, tariff_for_plan
from guichet.usage.fair_use_selectors import fair_use_candidate_days, fair_use_open_cases
from guichet.usage.models import FairUseCase

PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class FairUseReport:
    candidates: int  # lines whose days were read: roaming on more days than the rule allows
    alerted: int  # cases opened
    ended: int  # cases closed

    def text(self) -> str:
        return f"candidates={self.candidates} alerted={self.alerted} ended={self.ended}"


@dataclass(frozen=True)
class _PlanRule:
    rule: FairUseRule
    notice_days: int
    zones_label: str


@dataclass(frozen=True)
class _Finding:
    roaming_only_days: int
    roaming_share: Decimal
    plan_code: str


def fair_use_check(*, as_of: date, actor: Actor, now: datetime) -> FairUseReport:
    """Apply the rule over the window ending on `as_of` (usually yesterday, the last day whose
    usage is imported) to every line on a plan with a fair-use rule."""
    rules = _plan_rules(catalog_current())
    findings, candidates = _findings(rules, as_of=as_of, now=now)
    open_cases = {case.line_id: case for case in fair_use_open_cases()}
    to_alert = [line_id for line_id in findings if line_id not in open_cases]
    alerted = 0
    for line in lines_with_accounts(line_ids=to_alert):
        if line.status == LineStatus.TERMINATED:
            continue
        finding = findings[line.pk]
        _alert(line, finding, rules[finding.plan_code], as_of=as_of, actor=actor, now=now)
        alerted += 1
    ended = [case for line_id, case in open_cases.items() if line_id not in findings]
    for case in ended:
        _end(case, rules.get(case.plan_code), actor=actor, now=now)
    return FairUseReport(candidates=candidates, alerted=alerted, ended=len(ended))


def _plan_rules(catalog: Catalog) -> dict[str, _PlanRule]:
    labels = {zone.code: zone.label for zone in catalog.zones}
    rules = {}
    for plan in catalog.plans:
        try:
            rule = tariff_for_plan(catalog, plan.code).fair_use
        except CatalogError:
            continue  # a plan the rating core does not rate has no usage to check
        if rule is None:
            continue
        rules[plan.code] = _PlanRule(
            rule=rule,
            notice_days=plan.fair_use.alert_notice_days,
            zones_label=", ".join(labels.get(zone, zone) for zone in sorted(rule.zones)),
        )
    return rules


def _findings(
    rules: dict[str, _PlanRule], *, as_of: date, now: datetime
) -> tuple[dict[int, _Finding], int]:
    """The lines that break their plan's rule, by line id, and how many lines were read."""
    findings: dict[int, _Finding] = {}
    read: set[str] = set()
    shapes = {_shape(plan.rule) for plan in rules.values()}
    for window_days, more_than in sorted(shapes):
        days = fair_use_candidate_days(
            first=as_of - timedelta(days=window_days - 1), last=as_of, more_than_days=more_than
        )
        line_keys = days.get_column("line").unique().to_list()
        read.update(line_keys)
        plans = plan_codes_at(line_ids=[int(key) for key in line_keys], at=now)
        for plan_code, plan in rules.items():
            if _shape(plan.rule) != (window_days, more_than):
                continue
            on_plan = [str(line_id) for line_id, code in plans.items() if code == plan_code]
            flags = fair_use_flags(
                days.filter(pl.col("line").is_in(on_plan)), as_of=as_of, rule=plan.rule
            ).filter("flagged")
            for row in flags.iter_rows(named=True):
                findings[int(row["line"])] = _Finding(
                    roaming_only_days=row["roaming_only_days"],
                    roaming_share=row["roaming_share"],
                    plan_code=plan_code,
                )
    return findings, len(read)


def _shape(rule: FairUseRule) -> tuple[int, int]:
    """What decides which lines' days are read: the window and the roaming-only days limit."""
    return rule.window_days, rule.roaming_only_days_more_than


@transaction.atomic
def _alert(
    line: Line, finding: _Finding, plan: _PlanRule, *, as_of: date, actor: Actor, now: datetime
) -> None:
    charging_from = datetime.combine(
        paris_date(now) + timedelta(days=plan.notice_days + 1), time(0, 0), tzinfo=PARIS
    )
    case = FairUseCase.objects.create(
        line=line,
        plan_code=finding.plan_code,
        window_end=as_of,
        window_days=plan.rule.window_days,
        roaming_only_days=finding.roaming_only_days,
        roaming_share=finding.roaming_share,
        alerted_at=now,
        charging_from=charging_from,
    )
    activity_record_and_notify(
        customer=line.billing_account.customer,
        actor=actor,
        act=Act.FAIR_USE_ALERT,
        subject=case,
        summary=f"Ligne {line.display_number} : {finding.roaming_only_days} jours sur"
        f" {plan.rule.window_days} uniquement en itinérance ({plan.zones_label}) ; tarif des"
        f" voyageurs non occasionnels à partir du {french_date(charging_from)}",
        at=now,
        new_values={
            "roaming_only_days": finding.roaming_only_days,
            "roaming_share": str(finding.roaming_share),
            "charging_from": charging_from.isoformat(),
        },
        template="fair_use_alert",
        context={
            "line": line.display_number,
            "window_days": plan.rule.window_days,
            "roaming_only_days": finding.roaming_only_days,
            "days_limit": plan.rule.roaming_only_days_more_than,
            "zones": plan.zones_label,
            "charging_from": french_date(charging_from),
        },
    )


@transaction.atomic
def _end(case: FairUseCase, plan: _PlanRule | None, *, actor: Actor, now: datetime) -> None:
    case.closed_at = now
    case.save(update_fields=["closed_at"])
    line = case.line
    customer = line.billing_account.customer
    zones = plan.zones_label if plan is not None else ""
    summary = f"Ligne {line.display_number} : usage de voyageur occasionnel" + (
        f" ({zones})" if zones else ""
    )
    if line.status == LineStatus.TERMINATED:
        # Nobody to tell on a terminated line: the log keeps the end of the case.
        activity_record(
            customer=customer,
            actor=actor,
            act=Act.FAIR_USE_END,
            subject=case,
            summary=summary,
            at=now,
        )
        return
    activity_record_and_notify(
        customer=customer,
        actor=actor,
        act=Act.FAIR_USE_END,
        subject=case,
        summary=summary,
        at=now,
        template="fair_use_ended",
        context={"line": line.display_number, "zones": zones, "date": french_date(now)},
    )
