"""Writes for the awards app: work badges and award badges."""

from __future__ import annotations

import datetime

from django.db import transaction

from awards.models import WorkBadge, WorkBadgeStatus
from employees.models import Employee, User


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
