"""Fixtures shared by the selectors' tests: a functional department and its head."""

import pytest

from employees.models import DepartmentKind
from employees.tests.factories import DepartmentFactory, head_user


@pytest.fixture
def department():
    return DepartmentFactory(name="综合部", kind=DepartmentKind.FUNCTIONAL)


@pytest.fixture
def head(department):
    return head_user(department)
