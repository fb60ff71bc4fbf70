"""Reads for the awards app; every one is scoped through `visible_to`."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q
from django.urls import reverse

from appraisal.models import Approval, AwardTier, Quarter
from awards.models import (
    AWARD_BADGE_QUARTER_STATUSES,
    AwardBadge,
    AwardBadgeQuerySet,
    AwardBadgeStatus,
    WorkBadge,
    WorkBadgeStatus,
)
from employees.models import Department, Employee, User

# Ten card-sized badges (85.6 × 54 mm, two across, five down) fit on an A4 sheet.
BADGES_PER_SHEET = 10


@dataclass(frozen=True)
class PrintableBadge:
    badge: WorkBadge
    employee: Employee
    feedback_url: str | None  # None for a supervisor: not appraised, no feedback page


def feedback_url_for(*, token: str, base_url: str) -> str:
    """The absolute address a badge's QR code encodes."""
    return base_url.rstrip("/") + reverse("feedback:employee", args=[token])


def work_badges_to_print(
    *,
    user: User,
    base_url: str,
    department: Department | None = None,
    employee: Employee | None = None,
) -> list[list[PrintableBadge]]:
    """The issued badges of the active employees `user` may see, in A4 sheets of ten.

    One query: badge, employee and department come together.
    """
    badges = (
        WorkBadge.objects.visible_to(user)
        .issued()
        .filter(employee__is_active=True)
        .select_related("employee__department")
        .order_by("employee__department__display_order", "employee__number")
    )
    if department is not None:
        badges = badges.filter(employee__department=department)
    if employee is not None:
        badges = badges.filter(employee=employee)
    printable = [
        PrintableBadge(
            badge=badge,
            employee=badge.employee,
            feedback_url=(
                feedback_url_for(token=badge.token, base_url=base_url)
                if badge.employee.is_appraised
                else None
            ),
        )
        for badge in badges
    ]
    return [
        printable[start : start + BADGES_PER_SHEET]
        for start in range(0, len(printable), BADGES_PER_SHEET)
    ]


def employees_without_badge_count(*, user: User) -> int:
    return (
        Employee.objects.visible_to(user)
        .filter(is_active=True)
        .exclude(work_badges__status=WorkBadgeStatus.ISSUED)
        .count()
    )


def work_badge_current_for_number(*, user: User, number: str) -> WorkBadge | None:
    """The badge in use of the employee with this number, if `user` may see them."""
    return (
        WorkBadge.objects.visible_to(user)
        .issued()
        .filter(employee__number__iexact=number.strip())
        .select_related("employee__department")
        .first()
    )


def work_badges_recently_lost(*, user: User, limit: int = 20) -> list[WorkBadge]:
    return list(
        WorkBadge.objects.visible_to(user)
        .filter(status=WorkBadgeStatus.LOST)
        .select_related("employee__department", "loss_event")
        .order_by("-lost_on", "-pk")[:limit]
    )


def award_badges_out(*, user: User) -> AwardBadgeQuerySet:
    """Award badges still worn, the overdue ones first (their due date is the earliest)."""
    return (
        AwardBadge.objects.visible_to(user)
        .out()
        .select_related("employee__department", "quarter")
        .order_by("due_back_on", "employee__department__display_order", "employee__number")
    )


def award_badges_closed_recently(*, user: User, limit: int = 20) -> list[AwardBadge]:
    return list(
        AwardBadge.objects.visible_to(user)
        .exclude(status=AwardBadgeStatus.ISSUED)
        .select_related("employee__department", "quarter", "loss_event")
        .order_by("-pk")[:limit]
    )


def award_badge_overdue_count(*, user: User, today: datetime.date) -> int:
    return AwardBadge.objects.visible_to(user).overdue(today=today).count()


def quarters_for_award_badges() -> list[Quarter]:
    """Final or paid quarters, with how many approved winners still lack a badge."""
    return list(
        Quarter.objects.filter(status__in=AWARD_BADGE_QUARTER_STATUSES).annotate(
            badges_to_issue=Count(
                "results",
                filter=Q(
                    results__approval=Approval.APPROVED,
                    results__withdrawn=False,
                    results__award_badge__isnull=True,
                )
                & ~Q(results__award_tier=AwardTier.NONE),
            )
        )
    )
