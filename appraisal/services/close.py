"""The close (rules.md section 5): a quarter's results computed from its
sheets and events, and its days locked.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from appraisal.lifecycle import Action, assert_allowed
from appraisal.models import (
    SHEET_TOTAL,
    Approval,
    AwardTier,
    DailySheet,
    DepartmentReview,
    Event,
    Quarter,
    QuarterAction,
    QuarterResult,
    QuarterStatus,
    RuleSettings,
)
from appraisal.rules import (
    DISQUALIFIES_NEXT_QUARTER,
    HUNDREDTH,
    TENTH,
    EventTally,
    Tier,
    appraisal_day,
    award_for,
    may_close,
    quarter_outcome,
)
from appraisal.services.quarters import (
    _assert_office,
    _log,
    _quarter_lock,
    rule_settings_copy_defaults,
)
from employees.models import Employee, EmployeeQuerySet, User


@dataclass(frozen=True)
class CloseReport:
    quarter: Quarter
    results: int
    recomputed: bool
    disqualified: int
    winners: int


# Fields the close computes; everything else on a result (the department's
# withdrawal, the office's approval) is someone's decision and survives a recompute.
_COMPUTED_FIELDS = [
    "department",
    "days",
    "average",
    "bonus",
    "final",
    "score_tier",
    "award_tier",
    "award_amount",
    "rewards",
    "fines",
    "disqualified",
    "disqualification_reasons",
    "training",
    "approval",
    "approved_by",
    "approved_at",
    "revocation_reason",
    "computed_at",
]


def _counted_sheet_sums(
    quarter: Quarter, employees: EmployeeQuerySet
) -> dict[int, tuple[int, Decimal]]:
    """(days, sum of daily totals) of the counted sheets of each of `employees`.

    One grouped query: memory grows with the number of employees, not sheets.
    """
    rows = (
        DailySheet.objects.in_quarter(quarter)
        .counted()
        .filter(employee__in=employees)
        .order_by()
        .values("employee")
        .annotate(days=Count("id"), total=Sum(SHEET_TOTAL))
    )
    # SQLite adds decimals as floats; the totals have one decimal place, so
    # rounding the sum to tenths gives the exact sum back.
    return {row["employee"]: (row["days"], Decimal(row["total"]).quantize(TENTH)) for row in rows}


def _event_tallies(quarter: Quarter) -> dict[int, list[EventTally]]:
    """The valid events of the quarter per employee, grouped by kind and month (one query)."""
    rows = (
        Event.objects.valid()
        .in_quarter(quarter)
        .order_by()
        .values("employee", "kind", month=ExtractMonth("date"))
        .annotate(
            count=Count("id"),
            own_points=Sum("points", default=Decimal("0")),
            blank_points=Count("id", filter=Q(points__isnull=True)),
            rewards=Sum("amount", filter=Q(amount__gt=0), default=Decimal("0")),
            fines=Sum("amount", filter=Q(amount__lt=0), default=Decimal("0")),
        )
    )
    tallies: dict[int, list[EventTally]] = {}
    for row in rows:
        tallies.setdefault(row["employee"], []).append(
            EventTally(
                kind=row["kind"],
                month=row["month"],
                count=row["count"],
                points=Decimal(row["own_points"]).quantize(TENTH),
                blank_points=row["blank_points"],
                rewards=Decimal(row["rewards"]).quantize(HUNDREDTH),
                fines=-Decimal(row["fines"]).quantize(HUNDREDTH),
            )
        )
    return tallies


@transaction.atomic
def quarter_close(
    *,
    quarter: Quarter,
    closed_by: User | None,
    today: datetime.date | None = None,
    force: bool = False,
) -> CloseReport:
    """Compute the quarter's results (rules.md section 5) and lock its sheets and events.

    Refuses before the quarter's last day unless `force`. On a closed quarter
    that is not yet approved it recomputes from the same data and gives the
    same rows; the departments' withdrawals stand. The quarter's row lock
    makes two closes at once run one after the other, and the one-result-per-
    employee constraint backs it.
    """
    _assert_office(closed_by, _("Only the appraisal office closes a quarter."))
    quarter = _quarter_lock(quarter)
    assert_allowed(Action.CLOSE, quarter)
    today = today or timezone.localdate()
    if not may_close(quarter.qid, today=today, force=force):
        raise ValidationError(
            _("Quarter %(quarter)s runs until %(last_day)s; it can be closed from that day on.")
            % {"quarter": quarter.code, "last_day": quarter.last_day.isoformat()}
        )
    rules = RuleSettings.objects.filter(quarter=quarter).first() or rule_settings_copy_defaults(
        quarter=quarter
    )
    # After a reopen the quarter is open again, but closing it is still a recompute.
    recomputed = QuarterResult.objects.filter(quarter=quarter).exists()

    appraised = Employee.objects.appraised_in(
        quarter, on=appraisal_day(quarter.qid, closed_on=today)
    )
    sums = _counted_sheet_sums(quarter, appraised)
    # Employee -> department at closing time; the same people as `sums`, since
    # whoever is appraised has a counted sheet.
    employees = dict(appraised.values_list("pk", "department_id"))
    tallies = _event_tallies(quarter)
    previous = quarter.qid.previous()
    badge_lost_before = set(
        Event.objects.valid()
        .in_quarter(previous)
        .filter(kind__in=DISQUALIFIES_NEXT_QUARTER, employee_id__in=list(employees))
        .values_list("employee_id", flat=True)
    )
    withdrawn = dict(
        QuarterResult.objects.filter(quarter=quarter, withdrawn=True).values_list(
            "employee_id", "withdrawal_reason"
        )
    )

    now = timezone.now()
    results = []
    for employee_id, department_id in employees.items():
        days, total = sums[employee_id]
        outcome = quarter_outcome(
            days=days,
            total=total,
            tallies=tallies.get(employee_id, ()),
            award_badge_lost_before=employee_id in badge_lost_before,
            rules=rules,
        )
        award_tier = Tier.NONE if employee_id in withdrawn else outcome.award_tier
        result = QuarterResult(
            quarter=quarter,
            employee_id=employee_id,
            department_id=department_id,
            days=outcome.days,
            average=outcome.average,
            bonus=outcome.bonus,
            final=outcome.final,
            score_tier=outcome.score_tier.value,
            award_tier=award_tier.value,
            award_amount=award_for(award_tier, rules).quantize(HUNDREDTH),
            rewards=outcome.rewards,
            fines=outcome.fines,
            disqualified=outcome.disqualified,
            disqualification_reasons=[d.as_json() for d in outcome.disqualifications],
            training=outcome.training,
            withdrawn=employee_id in withdrawn,
            withdrawal_reason=withdrawn.get(employee_id, ""),
            approval=Approval.PENDING,
            computed_at=now,
        )
        result.clean_fields(exclude=["quarter", "employee", "department"])
        results.append(result)

    QuarterResult.objects.filter(quarter=quarter).exclude(employee_id__in=list(employees)).delete()
    QuarterResult.objects.bulk_create(
        results,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["quarter", "employee"],
        update_fields=_COMPUTED_FIELDS,
    )
    departments = set(employees.values())
    DepartmentReview.objects.filter(quarter=quarter).exclude(department_id__in=departments).delete()
    DepartmentReview.objects.bulk_create(
        [DepartmentReview(quarter=quarter, department_id=pk) for pk in sorted(departments)],
        ignore_conflicts=True,
    )

    quarter.status = QuarterStatus.CLOSED
    quarter.closed_at = now
    quarter.full_clean()
    quarter.save(update_fields=["status", "closed_at"])
    _log(
        quarter=quarter,
        action=QuarterAction.CLOSE,
        by=closed_by,
        reason=_("Recomputed") if recomputed else "",
    )
    return CloseReport(
        quarter=quarter,
        results=len(results),
        recomputed=recomputed,
        disqualified=sum(1 for r in results if r.disqualified),
        winners=sum(1 for r in results if r.award_tier != AwardTier.NONE),
    )
