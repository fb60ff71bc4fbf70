"""The demo company's departments, logins, employees and first work badges.

Rows are looked up by their natural keys (department name, username, employee
number) and only written when missing or different, so a second run changes
nothing.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import Group
from django.db import models

from appraisal.rules import QuarterId
from awards.services import work_badge_issue
from demo.roster import DEMO_PASSWORD, RosterEntry, company, head_usernames
from employees.models import Department, Employee, Role, User

ModelT = TypeVar("ModelT", bound=models.Model)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: Role
    department: str
    name: str
    is_active: bool = True


def upsert(
    model: type[ModelT],
    *,
    lookup: dict[str, Any],
    values: dict[str, Any],
    initial: dict[str, Any] | None = None,
) -> ModelT:
    """The row for `lookup`, created or brought to `values`; saved only when something differs.

    `initial` values are history (dates of joining and leaving): they are set
    on a new row, or on an existing row where they are empty, and otherwise kept.
    """
    initial = initial or {}
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **initial, **values)
    else:
        values = {
            **{name: value for name, value in initial.items() if getattr(obj, name) is None},
            **values,
        }
        changed = {name: value for name, value in values.items() if getattr(obj, name) != value}
        if not changed:
            return obj
        for name, value in changed.items():
            setattr(obj, name, value)
    obj.full_clean()
    obj.save()
    return obj


def departments_upsert() -> dict[str, Department]:
    return {
        demo.name: upsert(
            Department,
            lookup={"name": demo.name},
            values={
                "kind": demo.kind,
                "display_order": order,
                "hosts_appraisal_office": demo.hosts_appraisal_office,
            },
        )
        for order, demo in enumerate(company().all_departments, start=1)
    }


def shared_password_hash(*, usernames: Iterable[str]) -> str:
    """One hash of the demo password for every demo login.

    Hashing is deliberately slow (PBKDF2), so the password is hashed once, not
    once per login. The hash most logins already share is reused when it still
    matches, so that a second run leaves the logins exactly as they were; a
    login whose password was changed is set back to the demo password.
    """
    existing = Counter(
        User.objects.filter(username__in=usernames).values_list("password", flat=True)
    )
    if existing:
        encoded, _count = min(existing.items(), key=lambda item: (-item[1], item[0]))
        if check_password(DEMO_PASSWORD, encoded):
            return encoded
    return make_password(DEMO_PASSWORD)


def _login_upsert(
    *,
    username: str,
    name: str,
    group: Group,
    password: str,
    is_staff: bool = False,
    is_active: bool = True,
    department: Department | None = None,
) -> User:
    # The whole Chinese name goes into first_name: get_full_name() would put a
    # space and the family name last ("勇 林").
    user = upsert(
        User,
        lookup={"username": username},
        values={
            "first_name": name,
            "last_name": "",
            "password": password,
            "is_staff": is_staff,
            "is_superuser": False,
            "is_active": is_active,
            "department": department,
        },
    )
    user.groups.set([group])
    return user


def staff_logins_upsert(
    *, departments: dict[str, Department], groups: dict[Role, Group], password: str
) -> tuple[User, dict[str, User], list[DemoLogin]]:
    """The office's, HR's and every head's login: (the office, heads by department, logins)."""
    demo = company()
    office = _login_upsert(
        username=demo.office.username,
        name=demo.office.name,
        group=groups[Role.OFFICE],
        password=password,
        is_staff=True,
    )
    _login_upsert(
        username=demo.hr.username,
        name=demo.hr.name,
        group=groups[Role.HR],
        password=password,
        is_staff=True,
    )
    logins = [
        DemoLogin(demo.office.username, Role.OFFICE, demo.office.department, demo.office.name),
        DemoLogin(demo.hr.username, Role.HR, demo.hr.department, demo.hr.name),
    ]
    heads: dict[str, User] = {}
    for username, department in zip(head_usernames(), demo.departments, strict=True):
        head_name = department.people[0].name
        heads[department.name] = _login_upsert(
            username=username,
            name=head_name,
            group=groups[Role.DEPARTMENT_HEAD],
            password=password,
            department=departments[department.name],
        )
        logins.append(DemoLogin(username, Role.DEPARTMENT_HEAD, department.name, head_name))
    return office, heads, logins


def _joined_on(*, index: int, entry: RosterEntry, past: QuarterId) -> datetime.date:
    if entry.person.joins_mid_quarter:
        return past.first_day + datetime.timedelta(days=20)
    # Years of service spread from one to twelve, fixed per employee.
    return datetime.date(past.first_day.year - 1 - index % 12, 1 + (index * 5) % 12, 1 + index % 28)


def employees_upsert(
    *,
    roster: tuple[RosterEntry, ...],
    departments: dict[str, Department],
    groups: dict[Role, Group],
    password: str,
    past: QuarterId,
) -> dict[str, Employee]:
    employees: dict[str, Employee] = {}
    for index, entry in enumerate(roster):
        person = entry.person
        user = _login_upsert(
            username=entry.number,
            name=person.name,
            group=groups[Role.STAFF],
            password=password,
            is_active=not person.left,
        )
        employees[entry.number] = upsert(
            Employee,
            lookup={"number": entry.number},
            values={
                "name": person.name,
                "department": departments[entry.department.name],
                "position": person.position,
                "employment_form": person.form,
                "is_supervisor": person.is_supervisor,
                "is_active": not person.left,
                "user": user,
            },
            # Dates are relative to the day of the first build; a run in a
            # later quarter does not move them.
            initial={
                "joined_on": _joined_on(index=index, entry=entry, past=past),
                # The one who left did so before the past quarter, so has no sheets in it.
                "left_on": past.first_day - datetime.timedelta(days=15) if person.left else None,
            },
        )
    return employees


def work_badges_issue(
    *,
    roster: tuple[RosterEntry, ...],
    employees: dict[str, Employee],
    past: QuarterId,
    issued_by: User,
) -> None:
    for entry in roster:
        employee = employees[entry.number]
        if not employee.is_active:
            continue
        # Badges came with the measures: nobody's is older than the past quarter.
        issued_on = max(employee.joined_on or past.first_day, past.first_day)
        work_badge_issue(employee=employee, issued_on=issued_on, issued_by=issued_by)
