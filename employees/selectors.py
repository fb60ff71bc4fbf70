"""Reads for the employees app; every one is scoped through `visible_to`."""

from __future__ import annotations

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import models
from django.db.models import Count, Q

from employees.models import Department, Employee, EmployeeQuerySet, Role, User
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


def account_overview() -> list[Department]:
    """Every department with its employees' logins counted: how many, activated, pending."""
    with_login = Q(employees__user__isnull=False, employees__user__is_active=True)
    return list(
        Department.objects.annotate(
            logins=Count("employees", filter=with_login),
            activated=Count(
                "employees",
                filter=with_login
                & ~Q(employees__user__password__startswith=UNUSABLE_PASSWORD_PREFIX),
            ),
        ).order_by("display_order", "name")
    )


def department_heads() -> list[tuple[Department, list[Employee]]]:
    """Each department with the employees who head it (through their own login)."""
    heads: dict[int, list[Employee]] = {}
    for employee in Employee.objects.filter(
        user__groups__name=Role.DEPARTMENT_HEAD.value,
        user__department_id=models.F("department_id"),
        user__is_active=True,
    ).select_related("department"):
        heads.setdefault(employee.department_id, []).append(employee)
    return [
        (department, heads.get(department.pk, []))
        for department in Department.objects.order_by("display_order", "name")
    ]
