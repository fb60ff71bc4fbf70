"""Writes for the awards app: work badges and award badges. Every function is one transaction."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appraisal.models import (
    Approval,
    AwardTier,
    EventKind,
    EventSource,
    EventValidity,
    Quarter,
    QuarterResult,
    RuleSettings,
)
from appraisal.rules import QuarterId, event_amount
from appraisal.services import event_record, quarter_ensure
from awards.models import (
    AWARD_BADGE_QUARTER_STATUSES,
    AwardBadge,
    AwardBadgeStatus,
    WorkBadge,
    WorkBadgeStatus,
)
from employees.models import Employee, User
from employees.permissions import may_manage_badges


def _require_office(user: User, message: str) -> None:
    if not may_manage_badges(user):
        raise PermissionDenied(message)


def _check_day(*, day: datetime.date, not_before: datetime.date, field: str) -> None:
    if day > timezone.localdate():
        raise ValidationError({field: _("The date cannot be in the future.")})
    if day < not_before:
        raise ValidationError(
            {
                field: _("The date cannot be before the badge was issued (%(day)s).")
                % {"day": not_before.isoformat()}
            }
        )


def _rules_for(day: datetime.date) -> RuleSettings:
    return quarter_ensure(qid=QuarterId.of(day)).rule_settings


@transaction.atomic
def work_badge_issue(
    *,
    employee: Employee,
    issued_on: datetime.date,
    issued_by: User | None,
    at_employee_cost: bool = False,
) -> WorkBadge:
    """Issue a work badge with a fresh QR token; an employee wears one badge at a time."""
    current = WorkBadge.objects.select_for_update().filter(
        employee=employee, status=WorkBadgeStatus.ISSUED
    )
    if badge := current.first():
        return badge
    badge = WorkBadge(
        employee=employee,
        issued_on=issued_on,
        issued_by=issued_by,
        at_employee_cost=at_employee_cost,
    )
    badge.full_clean()
    badge.save()
    return badge


@transaction.atomic
def work_badges_issue_missing(*, issued_on: datetime.date, issued_by: User) -> int:
    """Issue a first (free) badge to every active employee who has none; returns how many."""
    _require_office(issued_by, _("Only the appraisal office issues work badges."))
    missing = Employee.objects.filter(is_active=True).exclude(
        work_badges__status=WorkBadgeStatus.ISSUED
    )
    count = 0
    for employee in missing.order_by("pk"):
        work_badge_issue(employee=employee, issued_on=issued_on, issued_by=issued_by)
        count += 1
    return count


@transaction.atomic
def work_badge_report_lost(
    *, badge: WorkBadge, lost_on: datetime.date, recorded_by: User
) -> WorkBadge:
    """Record a lost work badge (rules.md sections 3, 4 and 8) and return its replacement.

    The loss is a fact the office records, so its event is valid at once: it
    carries the quarter's fine (negative amount) and badge-loss deduction
    points, and disqualifies the employee for the quarter of `lost_on` when
    that quarter closes. The replacement is at the employee's cost and has a
    new QR token, so the lost badge's code opens nothing any more.
    """
    _require_office(recorded_by, _("Only the appraisal office records lost badges."))
    badge = WorkBadge.objects.select_for_update().select_related("employee").get(pk=badge.pk)
    if badge.status != WorkBadgeStatus.ISSUED:
        raise ValidationError(_("This work badge is not in use; only a badge in use can be lost."))
    _check_day(day=lost_on, not_before=badge.issued_on, field="lost_on")
    rules = _rules_for(lost_on)
    event = event_record(
        employee=badge.employee,
        date=lost_on,
        kind=EventKind.WORK_BADGE_LOST,
        recorded_by=recorded_by,
        points=rules.badge_lost_points,
        amount=event_amount(EventKind.WORK_BADGE_LOST, None, rules),
        source=EventSource.OFFICE,
        validity=EventValidity.VALID,
        note=_("Work badge issued on %(day)s lost.") % {"day": badge.issued_on.isoformat()},
    )
    badge.status = WorkBadgeStatus.LOST
    badge.lost_on = lost_on
    badge.loss_event = event
    badge.full_clean()
    badge.save()
    return work_badge_issue(
        employee=badge.employee,
        issued_on=timezone.localdate(),
        issued_by=recorded_by,
        at_employee_cost=True,
    )


@transaction.atomic
def award_badges_issue(*, quarter: Quarter, issued_on: datetime.date, issued_by: User) -> int:
    """Issue an award badge to each approved winner of a final (or paid) quarter.

    Decision: a badge is worn during the quarter in which it is issued and is
    due back at 安质部 on that quarter's last day. Winners who already have
    their badge are skipped, so issuing twice hands out nothing new; returns
    the number of badges issued now.
    """
    _require_office(issued_by, _("Only the appraisal office issues award badges."))
    quarter = Quarter.objects.select_for_update().get(pk=quarter.pk)
    if quarter.status not in AWARD_BADGE_QUARTER_STATUSES:
        raise ValidationError(
            _(
                "Award badges are issued only for a final or paid quarter; %(quarter)s is %(status)s."
            )
            % {"quarter": quarter.code, "status": quarter.get_status_display()}
        )
    if issued_on > timezone.localdate():
        raise ValidationError({"issued_on": _("The date cannot be in the future.")})
    winners = (
        QuarterResult.objects.filter(
            quarter=quarter, approval=Approval.APPROVED, withdrawn=False, award_badge__isnull=True
        )
        .exclude(award_tier=AwardTier.NONE)
        .select_related("employee")
        .order_by("pk")
    )
    due_back_on = QuarterId.of(issued_on).last_day
    count = 0
    for result in winners:
        badge = AwardBadge(
            result=result,
            employee=result.employee,
            quarter=quarter,
            tier=result.award_tier,
            issued_on=issued_on,
            due_back_on=due_back_on,
            issued_by=issued_by,
        )
        badge.full_clean()
        badge.save()
        count += 1
    return count


def _lock_issued_award_badge(badge: AwardBadge) -> AwardBadge:
    badge = AwardBadge.objects.select_for_update().select_related("employee").get(pk=badge.pk)
    if badge.status != AwardBadgeStatus.ISSUED:
        raise ValidationError(
            _("This award badge was already %(status)s.") % {"status": badge.get_status_display()}
        )
    return badge


@transaction.atomic
def award_badge_return(
    *, badge: AwardBadge, returned_on: datetime.date, recorded_by: User
) -> AwardBadge:
    """Record an award badge handed back to 安质部."""
    _require_office(recorded_by, _("Only the appraisal office records returned badges."))
    badge = _lock_issued_award_badge(badge)
    _check_day(day=returned_on, not_before=badge.issued_on, field="returned_on")
    badge.status = AwardBadgeStatus.RETURNED
    badge.returned_on = returned_on
    badge.recorded_by = recorded_by
    badge.full_clean()
    badge.save()
    return badge


@transaction.atomic
def award_badge_report_lost(
    *, badge: AwardBadge, lost_on: datetime.date, recorded_by: User
) -> AwardBadge:
    """Record a lost award badge (rules.md sections 3 and 4).

    The valid `award_badge_lost` event dated `lost_on` carries the quarter's
    fine and badge-loss points; the quarter close turns it into a
    disqualification for the quarter *after* the one it is dated in.
    """
    _require_office(recorded_by, _("Only the appraisal office records lost badges."))
    badge = _lock_issued_award_badge(badge)
    _check_day(day=lost_on, not_before=badge.issued_on, field="lost_on")
    rules = _rules_for(lost_on)
    event = event_record(
        employee=badge.employee,
        date=lost_on,
        kind=EventKind.AWARD_BADGE_LOST,
        recorded_by=recorded_by,
        points=rules.badge_lost_points,
        amount=event_amount(EventKind.AWARD_BADGE_LOST, None, rules),
        source=EventSource.OFFICE,
        validity=EventValidity.VALID,
        note=_("Award badge (%(tier)s, %(quarter)s) lost.")
        % {"tier": badge.get_tier_display(), "quarter": badge.quarter},
    )
    badge.status = AwardBadgeStatus.LOST
    badge.lost_on = lost_on
    badge.loss_event = event
    badge.recorded_by = recorded_by
    badge.full_clean()
    badge.save()
    return badge
