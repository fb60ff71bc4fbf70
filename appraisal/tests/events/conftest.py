"""The people and the quarter the event tests record events for: two departments, each role."""

import pytest

from employees.tests.factories import (
    DepartmentFactory,
    EmployeeFactory,
    head_user,
    hr_user,
    office_user,
    staff_employee,
)


@pytest.fixture
def department(quarter):
    return DepartmentFactory(name="货运部")


@pytest.fixture
def other_department(quarter):
    return DepartmentFactory(name="财务部")


@pytest.fixture
def employee(department):
    return EmployeeFactory(department=department, number="H0001", name="张三")


@pytest.fixture
def other_employee(other_department):
    return EmployeeFactory(department=other_department, number="C0001", name="赵六")


@pytest.fixture
def office(db):
    return office_user(username="office")


@pytest.fixture
def hr(db):
    return hr_user(username="hr")


@pytest.fixture
def head(department):
    return head_user(department, username="head")


@pytest.fixture
def other_head(other_department):
    return head_user(other_department, username="other-head")


@pytest.fixture
def staff(department):
    return staff_employee(department=department, number="H0009").user
