"""Departments, employees and logins: database rules and role properties, on both engines."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from employees.models import Department, Employee, Role
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


# --- Departments ---------------------------------------------------------------


def test_only_one_department_hosts_the_appraisal_office():
    DepartmentFactory(name="安环部", hosts_appraisal_office=True)

    with pytest.raises(IntegrityError), transaction.atomic():
        DepartmentFactory(name="综合部", hosts_appraisal_office=True)

    assert Department.objects.filter(hosts_appraisal_office=True).count() == 1


def test_any_number_of_departments_do_not_host_the_office():
    DepartmentFactory.create_batch(3, hosts_appraisal_office=False)

    assert Department.objects.filter(hosts_appraisal_office=False).count() == 3


def test_department_names_are_unique():
    Department.objects.create(name="货运部", kind="frontline")

    with pytest.raises(IntegrityError), transaction.atomic():
        Department.objects.create(name="货运部", kind="functional")

    assert Department.objects.filter(name="货运部").count() == 1


def test_departments_are_listed_in_display_order():
    DepartmentFactory(name="乙", display_order=2)
    DepartmentFactory(name="甲", display_order=1)

    assert list(Department.objects.values_list("name", flat=True)) == ["甲", "乙"]


# --- Employees -----------------------------------------------------------------


def test_employee_numbers_are_unique():
    EmployeeFactory(number="E1")

    with pytest.raises(IntegrityError), transaction.atomic():
        EmployeeFactory(number="E1")

    assert Employee.objects.filter(number="E1").count() == 1


def test_an_employee_cannot_leave_before_joining():
    employee = EmployeeFactory(joined_on=datetime.date(2026, 3, 1))

    with pytest.raises(IntegrityError), transaction.atomic():
        Employee.objects.filter(pk=employee.pk).update(left_on=datetime.date(2026, 2, 28))

    employee.refresh_from_db()
    assert employee.left_on is None


def test_an_employee_may_leave_on_the_day_they_joined():
    employee = EmployeeFactory(joined_on=datetime.date(2026, 3, 1))

    Employee.objects.filter(pk=employee.pk).update(left_on=datetime.date(2026, 3, 1))

    employee.refresh_from_db()
    assert employee.left_on == employee.joined_on


def test_a_department_with_employees_cannot_be_deleted():
    employee = EmployeeFactory()

    with pytest.raises(ProtectedError):
        employee.department.delete()

    assert Department.objects.filter(pk=employee.department_id).exists()


@pytest.mark.parametrize(
    ("is_active", "is_supervisor", "appraised"),
    [
        (True, False, True),
        (True, True, False),
        (False, False, False),
        (False, True, False),
    ],
)
def test_only_active_employees_below_supervisor_are_appraised(is_active, is_supervisor, appraised):
    employee = EmployeeFactory(is_active=is_active, is_supervisor=is_supervisor)

    assert employee.is_appraised is appraised
    assert Employee.objects.appraised().filter(pk=employee.pk).exists() is appraised


# --- Logins and roles ------------------------------------------------------------


def role_flags(user) -> tuple[bool, bool, bool]:
    return (user.is_office, user.is_hr, user.is_department_head)


def test_an_office_login_is_office_only():
    assert role_flags(office_user()) == (True, False, False)


def test_an_hr_login_is_hr_only():
    assert role_flags(hr_user()) == (False, True, False)


def test_a_head_login_is_a_department_head():
    assert role_flags(head_user(DepartmentFactory())) == (False, False, True)


def test_the_head_role_without_a_department_makes_no_department_head():
    user = UserFactory(roles=[Role.DEPARTMENT_HEAD])

    assert user.is_department_head is False


def test_a_department_without_the_head_role_makes_no_department_head():
    user = UserFactory(department=DepartmentFactory())

    assert user.is_department_head is False


def test_a_staff_login_has_no_management_role():
    employee = staff_employee()

    assert role_flags(employee.user) == (False, False, False)
    assert employee.user.employee == employee


def test_a_superuser_counts_as_the_office():
    assert UserFactory(is_superuser=True).is_office is True


@pytest.mark.parametrize("make", [office_user, hr_user], ids=["office", "hr"])
def test_a_deactivated_login_loses_its_role(make):
    user = make(is_active=False)

    assert role_flags(user) == (False, False, False)


def test_a_deactivated_head_is_no_department_head():
    user = head_user(DepartmentFactory(), is_active=False)

    assert user.is_department_head is False


def test_role_checks_query_the_groups_once_per_user_object(django_assert_num_queries):
    user = office_user()
    fresh = type(user).objects.get(pk=user.pk)

    with django_assert_num_queries(1):
        assert fresh.is_office
        assert not fresh.is_hr
        assert not fresh.is_department_head


# --- An employee's own login -----------------------------------------------------


@pytest.mark.parametrize(
    "login_kwargs",
    [
        {"roles": [Role.OFFICE]},
        {"roles": [Role.HR]},
        {"roles": [Role.DEPARTMENT_HEAD]},
        {"is_staff": True},
        {"is_superuser": True},
    ],
    ids=["office", "hr", "department_head", "is_staff", "superuser"],
)
def test_an_employee_cannot_have_a_login_that_holds_a_role(login_kwargs):
    # Whoever services or imports set Employee.user through full_clean meet the same rule.
    login = UserFactory(username="privileged", **login_kwargs)
    employee = EmployeeFactory(user=login)

    with pytest.raises(ValidationError) as refused:
        employee.full_clean()

    assert list(refused.value.message_dict) == ["user"]
    assert login.holds_role


def test_an_employee_may_have_a_plain_staff_login():
    employee = staff_employee()

    employee.full_clean()

    assert not employee.user.holds_role


def test_a_form_without_the_login_field_still_saves_the_rest():
    # HR's admin form does not offer the login, so the rule is not theirs to meet.
    employee = EmployeeFactory(user=hr_user(username="legacy"))

    employee.full_clean(exclude={"user"})


@pytest.mark.parametrize(
    ("is_active", "left_on", "employed"),
    [
        (True, None, True),
        (False, None, False),
        (True, datetime.date(2026, 9, 29), False),
        (False, datetime.date(2026, 9, 30), True),  # left_on is the last day worked
        (False, datetime.date(2026, 10, 1), True),
    ],
)
def test_employed_on_a_day_counts_the_leaving_day_as_worked(is_active, left_on, employed):
    employee = EmployeeFactory(is_active=is_active, left_on=left_on)

    assert (
        Employee.objects.employed_on(datetime.date(2026, 9, 30)).filter(pk=employee.pk).exists()
        is employed
    )


def test_appraised_in_a_quarter_needs_a_sheet_in_it_and_no_supervisor_rank():
    # The sheets are another app's; only this test, not employees itself, imports it.
    from appraisal.rules import QuarterId
    from appraisal.tests.factories import DailySheetFactory

    scored = EmployeeFactory()
    supervisor = EmployeeFactory(is_supervisor=True)
    scored_before = EmployeeFactory()
    DailySheetFactory(employee=scored, day=datetime.date(2026, 9, 30))
    DailySheetFactory(employee=supervisor, day=datetime.date(2026, 7, 1))
    DailySheetFactory(employee=scored_before, day=datetime.date(2026, 6, 30))

    assert list(Employee.objects.appraised_in(QuarterId(2026, 3))) == [scored]
