"""Reads for the employees app; every one is scoped through `visible_to`."""

from __future__ import annotations

from django.db.models import Q

from employees.models import Department, Employee, EmployeeQuerySet, User
from employees.permissions import is_department_head


def employee_list_for(*, user: User, search: str = "") -> EmployeeQuerySet:
    employees = Employee.objects.visible_to(user).select_related("department")
    search = search.strip()
    if search:
        employees = employees.filter(
            Q(number__icontains=search) | Q(name__icontains=search) | Q(position__icontains=search)
        )
    return employees.order_by("department__display_order", "number")


def department_for_head(*, user: User) -> Department | None:
    return user.department if is_department_head(user) else None
