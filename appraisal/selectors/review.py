"""Reads of a quarter's review: department results, the office's approval list, the
public notice and the objections."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Case, IntegerField, Q, Value, When

from appraisal import lifecycle
from appraisal.lifecycle import Action
from appraisal.models import (
    Approval,
    AwardTier,
    DepartmentReview,
    Objection,
    ObjectionStatus,
    Quarter,
    QuarterResult,
    ReviewStatus,
    RuleSettings,
)
from appraisal.selectors.month import disqualification_reason_text
from employees.models import Department, DepartmentQuerySet, Employee, EmployeeQuerySet, User
from employees.permissions import may_open_workbench, may_submit_department


def results_departments_for(*, user: User, quarter: Quarter) -> DepartmentQuerySet:
    """The departments with a list in `quarter` that `user` may open (a head: their own)."""
    if not may_open_workbench(user):
        return Department.objects.none()
    return (
        Department.objects.visible_to(user)
        .filter(reviews__quarter=quarter)
        .order_by("display_order", "name")
        .distinct()
    )


@dataclass(frozen=True)
class ResultLine:
    result: object
    reasons: list[str]
    is_nominee: bool


@dataclass(frozen=True)
class DepartmentResults:
    department: Department
    review: object
    lines: list[ResultLine]

    @property
    def nominees(self) -> list:
        return [line.result for line in self.lines if line.is_nominee]


def department_results_for(
    *, user: User, quarter: Quarter, department: Department
) -> DepartmentResults:
    """A department's list of `quarter`, scoped through `QuarterResult.visible_to`."""

    results = (
        QuarterResult.objects.visible_to(user)
        .filter(quarter=quarter, department=department)
        .select_related("employee", "approved_by")
        .order_by("employee__number")
    )
    lines = [
        ResultLine(
            result=result,
            reasons=[
                disqualification_reason_text(reason=item)
                for item in result.disqualification_reasons or []
            ],
            is_nominee=result.score_tier != AwardTier.NONE and not result.disqualified,
        )
        for result in results
    ]
    review = (
        DepartmentReview.objects.filter(quarter=quarter, department=department)
        .select_related("submitted_by", "approved_by")
        .first()
    )
    return DepartmentResults(department=department, review=review, lines=lines)


def department_may_submit(*, user: User, quarter: Quarter, listing: DepartmentResults) -> bool:
    """Whether `user` may submit this department's list now: once, while the quarter allows it."""
    return bool(
        listing.review is not None
        and lifecycle.allowed(Action.SUBMIT, quarter.status)
        and listing.review.status == ReviewStatus.REVIEWING
        and may_submit_department(user, listing.department.pk)
    )


@dataclass(frozen=True)
class ApprovalDepartment:
    department: Department
    review: object
    nominees: list
    withdrawn: list


def approval_list_for(*, quarter: Quarter) -> list[ApprovalDepartment]:
    """Every department's nominees (award ≠ none) and withdrawals, for the office's approval."""

    by_department: dict[int, dict[str, list]] = defaultdict(
        lambda: {"nominees": [], "withdrawn": []}
    )
    results = (
        QuarterResult.objects.filter(quarter=quarter)
        .filter(Q(withdrawn=True) | ~Q(award_tier=AwardTier.NONE))
        .select_related("employee")
        .order_by("employee__number")
    )
    for result in results:
        key = "withdrawn" if result.withdrawn else "nominees"
        by_department[result.department_id][key].append(result)
    reviews = (
        DepartmentReview.objects.filter(quarter=quarter)
        .select_related("department", "submitted_by")
        .order_by("department__display_order", "department__name")
    )
    return [
        ApprovalDepartment(
            department=review.department,
            review=review,
            nominees=by_department[review.department_id]["nominees"],
            withdrawn=by_department[review.department_id]["withdrawn"],
        )
        for review in reviews
    ]


@dataclass(frozen=True)
class PublicNotice:
    quarter: Quarter
    rules: RuleSettings | None
    department: Department | None
    winners: list
    pending_objections: int


def public_notice_for(*, quarter: Quarter, department: Department | None = None) -> PublicNotice:
    """The approved winners of a published quarter, for the notice posted in every department.

    The notice is public inside the company, so it does not go through `visible_to`:
    it shows only names, departments, awards and their amounts.
    """

    winners = (
        QuarterResult.objects.winners()
        .filter(quarter=quarter, approval=Approval.APPROVED)
        .select_related("employee", "department")
        .order_by("department__display_order", "department__name", "-final", "employee__number")
    )
    if department is not None:
        winners = winners.filter(department=department)
    return PublicNotice(
        quarter=quarter,
        rules=RuleSettings.objects.filter(quarter=quarter).first(),
        department=department,
        winners=list(winners),
        pending_objections=Objection.objects.filter(
            quarter=quarter, status=ObjectionStatus.PENDING
        ).count(),
    )


def objections_for(*, quarter: Quarter) -> list:
    """The objections of `quarter`, pending first, with who raised, recorded and ruled."""

    return list(
        Objection.objects.filter(quarter=quarter)
        .select_related("employee__department", "recorded_by", "ruled_by")
        .annotate(
            pending_first=Case(
                When(status=ObjectionStatus.PENDING, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("pending_first", "-created_at", "-id")
    )


def objection_targets_for(*, quarter: Quarter) -> EmployeeQuerySet:
    """The employees an objection may name: the approved winners of `quarter`."""

    winners = QuarterResult.objects.winners().filter(quarter=quarter, approval=Approval.APPROVED)
    return (
        Employee.objects.filter(pk__in=winners.values("employee_id"))
        .select_related("department")
        .order_by("department__display_order", "number")
    )
