"""Who sees whose records: the `visible_to` QuerySet methods as one matrix.

The world: two departments, A and B. A has two appraised employees (a1 with
an active staff login, a2 with a deactivated one) and a supervisor; B has one
appraised employee. Every employee has a sheet and a valid event, every
appraised one a result (supervisors get none); a1 also has a pending and an
invalid event. Each row of the matrix names a
login and the records of each kind it must see, by label.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AnonymousUser

from appraisal.models import DailySheet, Event, EventValidity, QuarterResult
from appraisal.tests.factories import (
    DailySheetFactory,
    EventFactory,
    QuarterFactory,
    QuarterResultFactory,
)
from employees.models import Department, Employee
from employees.tests.factories import (
    DepartmentFactory,
    EmployeeFactory,
    UserFactory,
    head_user,
    hr_user,
    office_user,
    staff_employee,
)

pytestmark = pytest.mark.django_db

EMPLOYEES = {"a1", "a2", "sup_a", "b1"}
APPRAISED = EMPLOYEES - {"sup_a"}
DEPARTMENTS = {"A", "B"}
EVENTS = {"a1:valid", "a1:pending", "a1:invalid", "a2:valid", "sup_a:valid", "b1:valid"}
NOTHING: set[str] = set()
RULED_AT = datetime(2026, 7, 16, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@dataclass(frozen=True)
class Expected:
    employees: set[str]
    departments: set[str]
    sheets: set[str]
    events: set[str]
    results: set[str]


SEES_NOTHING = Expected(NOTHING, NOTHING, NOTHING, NOTHING, NOTHING)

MATRIX: dict[str, Expected] = {
    "office": Expected(EMPLOYEES, DEPARTMENTS, EMPLOYEES, EVENTS, APPRAISED),
    "superuser": Expected(EMPLOYEES, DEPARTMENTS, EMPLOYEES, EVENTS, APPRAISED),
    # HR pays the money: everyone and every result, but no daily sheet.
    "hr": Expected(EMPLOYEES, DEPARTMENTS, NOTHING, EVENTS, APPRAISED),
    # A head sees the appraised employees of A: not the supervisor, not B.
    "head_a": Expected(
        {"a1", "a2"},
        {"A"},
        {"a1", "a2"},
        {"a1:valid", "a1:pending", "a1:invalid", "a2:valid"},
        {"a1", "a2"},
    ),
    # Staff see themselves, and only the events that count.
    "staff_a1": Expected({"a1"}, {"A"}, {"a1"}, {"a1:valid"}, {"a1"}),
    "anonymous": SEES_NOTHING,
    "no_role": SEES_NOTHING,
    "inactive_office": SEES_NOTHING,
    "inactive_head": SEES_NOTHING,
    "inactive_staff": SEES_NOTHING,
    "inactive_superuser": SEES_NOTHING,
}

KINDS = ["employees", "departments", "sheets", "events", "results"]


def matrix_params() -> list:
    params = []
    for login, expected in MATRIX.items():
        for kind in KINDS:
            params.append(pytest.param(login, kind, getattr(expected, kind), id=f"{login}-{kind}"))
    return params


@dataclass
class World:
    logins: dict[str, object]
    employees: dict[str, Employee]


@pytest.fixture
def world() -> World:
    quarter = QuarterFactory()
    dept_a = DepartmentFactory(name="A")
    dept_b = DepartmentFactory(name="B")
    employees = {
        "a1": staff_employee(department=dept_a),
        "a2": staff_employee(department=dept_a),
        "sup_a": EmployeeFactory(department=dept_a, is_supervisor=True),
        "b1": EmployeeFactory(department=dept_b),
    }
    inactive_staff_login = employees["a2"].user
    inactive_staff_login.is_active = False
    inactive_staff_login.save(update_fields=["is_active"])

    for employee in employees.values():
        DailySheetFactory(employee=employee)
        EventFactory(employee=employee, validity=EventValidity.VALID, ruled_at=RULED_AT)
        if employee.is_appraised:
            QuarterResultFactory(quarter=quarter, employee=employee)
    for validity in (EventValidity.PENDING, EventValidity.INVALID):
        EventFactory(
            employee=employees["a1"],
            validity=validity,
            ruled_at=None if validity == EventValidity.PENDING else RULED_AT,
        )

    logins = {
        "office": office_user(),
        "superuser": UserFactory(is_superuser=True),
        "hr": hr_user(),
        "head_a": head_user(dept_a),
        "staff_a1": employees["a1"].user,
        "anonymous": AnonymousUser(),
        "no_role": UserFactory(),
        "inactive_office": office_user(is_active=False),
        "inactive_head": head_user(dept_a, is_active=False),
        "inactive_staff": inactive_staff_login,
        "inactive_superuser": UserFactory(is_superuser=True, is_active=False),
    }
    return World(logins=logins, employees=employees)


def _number_to_label(world: World) -> dict[str, str]:
    return {employee.number: label for label, employee in world.employees.items()}


def visible_labels(world: World, kind: str, user) -> set[str]:
    labels = _number_to_label(world)
    if kind == "employees":
        return {labels[e.number] for e in Employee.objects.visible_to(user)}
    if kind == "departments":
        return {d.name for d in Department.objects.visible_to(user)}
    if kind == "sheets":
        return {
            labels[s.employee.number]
            for s in DailySheet.objects.visible_to(user).select_related("employee")
        }
    if kind == "events":
        return {
            f"{labels[e.employee.number]}:{e.validity}"
            for e in Event.objects.visible_to(user).select_related("employee")
        }
    if kind == "results":
        return {
            labels[r.employee.number]
            for r in QuarterResult.objects.visible_to(user).select_related("employee")
        }
    raise AssertionError(kind)


@pytest.mark.parametrize(("login", "kind", "expected"), matrix_params())
def test_each_login_sees_exactly_its_share(world, login, kind, expected):
    assert visible_labels(world, kind, world.logins[login]) == expected


def test_the_matrix_covers_every_record_of_the_world(world):
    # Guards the matrix itself: the office row must name every record created.
    office = world.logins["office"]

    assert {kind: visible_labels(world, kind, office) for kind in KINDS} == {
        "employees": EMPLOYEES,
        "departments": DEPARTMENTS,
        "sheets": EMPLOYEES,
        "events": EVENTS,
        "results": APPRAISED,
    }


def test_a_head_of_a_department_without_the_head_role_sees_only_themselves(world):
    # The department field alone grants nothing; the role group does.
    user = UserFactory(department=Department.objects.get(name="A"))

    assert visible_labels(world, "employees", user) == NOTHING
    assert visible_labels(world, "sheets", user) == NOTHING


def test_a_head_keeps_seeing_the_results_closed_in_their_department_after_a_move(world):
    a2 = world.employees["a2"]
    a2.department = Department.objects.get(name="B")
    a2.save(update_fields=["department"])
    head_b = head_user(Department.objects.get(name="B"))

    assert visible_labels(world, "results", world.logins["head_a"]) == {"a1", "a2"}
    assert visible_labels(world, "results", head_b) == {"b1"}
