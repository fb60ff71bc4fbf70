"""After the close: the departments' lists, the office's approval and the
objections during the public notice (rules.md section 6).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appraisal.lifecycle import REFUSED, Action, assert_allowed
from appraisal.models import (
    Approval,
    AwardTier,
    DepartmentReview,
    Objection,
    ObjectionChannel,
    ObjectionStatus,
    Quarter,
    QuarterAction,
    QuarterResult,
    QuarterStatus,
    ReviewStatus,
    RuleSettings,
)
from appraisal.rules import HUNDREDTH, Tier, award_for, notice_end, notice_over
from appraisal.services.quarters import (
    _assert_office,
    _log,
    _quarter_lock,
    _required_reason,
)
from employees.models import Department, Employee, User
from employees.permissions import may_submit_department

# The `code` of the ValidationError that refuses an objection raised after the notice
# ended: the office may then record it as late, confirming so explicitly.
LATE = "late"


def _award_restored(result: QuarterResult, rules: RuleSettings) -> None:
    """Give `result` back the award its score earns, unless it is disqualified."""
    tier = Tier.NONE if result.disqualified else Tier(result.score_tier)
    result.award_tier = tier.value
    result.award_amount = award_for(tier, rules).quantize(HUNDREDTH)


def _award_removed(result: QuarterResult) -> None:
    result.award_tier = AwardTier.NONE
    result.award_amount = Decimal("0.00")


@transaction.atomic
def department_submit(
    *,
    quarter: Quarter,
    department: Department,
    submitted_by: User,
    withdrawals: Mapping[int, str] | None = None,
) -> DepartmentReview:
    """A department submits its reviewed list to the office (部门评定, 提报).

    `withdrawals` maps the employee ids of nominees the department withdraws to
    the reason; every other nominee stays on the list (a withdrawal made
    earlier and left out here is taken back).
    """
    withdrawals = dict(withdrawals or {})
    if not may_submit_department(submitted_by, department.pk):
        raise PermissionDenied(_("Only this department's head or the office submits its list."))
    quarter = _quarter_lock(quarter)
    assert_allowed(Action.SUBMIT, quarter)
    review = (
        DepartmentReview.objects.select_for_update()
        .filter(quarter=quarter, department=department)
        .first()
    )
    if review is None:
        raise ValidationError(
            _("%(department)s has no results in %(quarter)s.")
            % {"department": department.name, "quarter": quarter.code},
            code=REFUSED,
        )
    if review.status != ReviewStatus.REVIEWING:
        raise ValidationError(
            _("%(department)s has already submitted its list.") % {"department": department.name},
            code=REFUSED,
        )
    rules = RuleSettings.objects.get(quarter=quarter)
    results = {
        r.employee_id: r
        for r in QuarterResult.objects.select_for_update().filter(
            quarter=quarter, department=department
        )
    }
    errors: dict[str, list[str]] = {}
    for employee_id, reason in withdrawals.items():
        result = results.get(employee_id)
        if result is None or result.disqualified or result.score_tier == AwardTier.NONE:
            errors.setdefault("withdrawals", []).append(
                _("Employee %(id)s is not a nominee of this list.") % {"id": employee_id}
            )
        elif not reason.strip():
            errors.setdefault("withdrawals", []).append(
                _("Give a reason for withdrawing %(name)s.") % {"name": result.employee.name}
            )
    if errors:
        raise ValidationError(errors)
    changed = []
    for employee_id, result in results.items():
        reason = withdrawals.get(employee_id, "").strip()
        if result.withdrawn == bool(reason) and result.withdrawal_reason == reason:
            continue
        result.withdrawn = bool(reason)
        result.withdrawal_reason = reason
        if reason:
            _award_removed(result)
        else:
            _award_restored(result, rules)
        result.full_clean(validate_unique=False)
        changed.append(result)
    QuarterResult.objects.bulk_update(
        changed, ["withdrawn", "withdrawal_reason", "award_tier", "award_amount"]
    )
    review.status = ReviewStatus.SUBMITTED
    review.submitted_by = submitted_by
    review.submitted_at = timezone.now()
    review.full_clean()
    review.save()
    _log(quarter=quarter, action=QuarterAction.SUBMIT, by=submitted_by, reason=department.name)
    return review


@transaction.atomic
def quarter_approve(
    *,
    quarter: Quarter,
    approved_by: User | None,
    on: datetime.date | None = None,
    revocations: Mapping[int, str] | None = None,
    today: datetime.date | None = None,
) -> Quarter:
    """The office approves the list nominee by nominee and publishes it (核准, 张榜公示).

    Every result is approved except the nominees in `revocations` (employee id
    → reason), whose award is revoked. Publishing on `on` (default today)
    starts the public notice, which ends the quarter's notice months later.
    """
    _assert_office(approved_by, _("Only the appraisal office approves the list."))
    revocations = dict(revocations or {})
    quarter = _quarter_lock(quarter)
    assert_allowed(Action.APPROVE, quarter)
    today = today or timezone.localdate()
    on = on or today
    # A list is published after its quarter, or after an early (forced) close.
    earliest = quarter.last_day + datetime.timedelta(days=1)
    if quarter.entry_ended_on is not None:
        earliest = min(earliest, quarter.entry_ended_on)
    if on > today or on < earliest:
        raise ValidationError(
            {
                "on": _("Publish on a day between %(first)s and today.")
                % {"first": earliest.isoformat()}
            }
        )
    rules = RuleSettings.objects.get(quarter=quarter)
    # Only the revoked nominees are read: the list can have 100,000 names.
    revoked = {
        r.employee_id: r
        for r in QuarterResult.objects.select_for_update()
        .filter(quarter=quarter, employee_id__in=revocations)
        .select_related("employee")
    }
    errors = []
    for employee_id, reason in revocations.items():
        result = revoked.get(employee_id)
        if result is None or result.award_tier == AwardTier.NONE:
            errors.append(_("Employee %(id)s is not a nominee of this list.") % {"id": employee_id})
        elif not reason.strip():
            errors.append(
                _("Give a reason for revoking the award of %(name)s.")
                % {"name": result.employee.name}
            )
    if errors:
        raise ValidationError({"revocations": errors})

    now = timezone.now()
    for result in revoked.values():
        result.approval = Approval.REVOKED
        result.revocation_reason = revocations[result.employee_id].strip()
        result.approved_by = approved_by
        result.approved_at = now
        _award_removed(result)
        result.full_clean(validate_unique=False)
        result.save(
            update_fields=[
                "approval",
                "revocation_reason",
                "approved_by",
                "approved_at",
                "award_tier",
                "award_amount",
            ]
        )
    # Everyone else is approved as the close computed them: the same values, one statement.
    QuarterResult.objects.filter(quarter=quarter).exclude(employee_id__in=revoked).update(
        approval=Approval.APPROVED, revocation_reason="", approved_by=approved_by, approved_at=now
    )
    DepartmentReview.objects.filter(quarter=quarter).update(
        status=ReviewStatus.APPROVED, approved_by=approved_by, approved_at=now
    )
    quarter.status = QuarterStatus.PUBLISHED
    quarter.published_on = on
    quarter.notice_ends_on = notice_end(on, rules.notice_months)
    quarter.full_clean()
    quarter.save(update_fields=["status", "published_on", "notice_ends_on"])
    _log(quarter=quarter, action=QuarterAction.APPROVE, by=approved_by)
    return quarter


@transaction.atomic
def objection_record(
    *,
    quarter: Quarter,
    employee: Employee,
    channel: ObjectionChannel,
    text: str,
    recorded_by: User | None,
    raised_by: str = "",
    today: datetime.date | None = None,
    late_confirmed: bool = False,
) -> Objection:
    """The office records an objection against a winner during the public notice (异议).

    After the notice has ended (but before the quarter is final) an objection is
    refused with code `LATE`, unless the office confirms it (`late_confirmed`):
    then it is recorded, marked late.
    """
    _assert_office(recorded_by, _("Only the appraisal office records objections."))
    quarter = _quarter_lock(quarter)
    assert_allowed(Action.OBJECT, quarter)
    today = today or timezone.localdate()
    if (
        not QuarterResult.objects.winners()
        .filter(quarter=quarter, employee=employee, approval=Approval.APPROVED)
        .exists()
    ):
        raise ValidationError(
            {
                "employee": _("%(name)s has no award in %(quarter)s to object to.")
                % {"name": employee.name, "quarter": quarter.code}
            }
        )
    late = notice_over(notice_ends_on=quarter.notice_ends_on, today=today)
    if late and not late_confirmed:
        raise ValidationError(
            _(
                "The public notice ran from %(first)s to %(last)s and has ended; "
                "confirm to record this as a late objection."
            )
            % {
                "first": quarter.published_on.isoformat(),
                "last": quarter.notice_ends_on.isoformat(),
            },
            code=LATE,
        )
    objection = Objection(
        quarter=quarter,
        employee=employee,
        channel=channel,
        text=text.strip(),
        raised_by=raised_by.strip(),
        recorded_by=recorded_by,
        late=late,
    )
    objection.full_clean()
    objection.save()
    return objection


@transaction.atomic
def objection_rule(
    *, objection: Objection, status: ObjectionStatus, ruling: str, ruled_by: User | None
) -> Objection:
    """The office upholds an objection, which revokes the award with its reason, or dismisses it."""
    _assert_office(ruled_by, _("Only the appraisal office rules on objections."))
    if status == ObjectionStatus.PENDING:
        raise ValidationError({"status": _("Uphold or dismiss the objection.")})
    ruling = _required_reason(ruling, "ruling")
    quarter = _quarter_lock(objection.quarter)
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    assert_allowed(Action.OBJECT, quarter)
    if objection.status != ObjectionStatus.PENDING:
        raise ValidationError(_("This objection has already been ruled on."), code=REFUSED)
    objection.status = status
    objection.ruling = ruling
    objection.ruled_by = ruled_by
    objection.ruled_at = timezone.now()
    objection.full_clean()
    objection.save()
    if status == ObjectionStatus.UPHELD:
        result = QuarterResult.objects.select_for_update().get(
            quarter=quarter, employee=objection.employee
        )
        if result.approval != Approval.REVOKED:
            result.approval = Approval.REVOKED
            result.revocation_reason = ruling
            _award_removed(result)
            result.full_clean(validate_unique=False)
            result.save()
    return objection
