"""The quarters and the people the rule settings tests use: an open and a closed quarter, each role."""

import pytest

from appraisal.rules import QuarterId
from appraisal.services import quarter_close
from appraisal.tests.factories import QuarterFactory
from employees.tests.factories import (
    DepartmentFactory,
    head_user,
    hr_user,
    office_user,
    staff_employee,
)


@pytest.fixture
def closed_quarter(today):
    qid = QuarterId.of(today).previous()
    quarter = QuarterFactory(year=qid.year, number=qid.number)
    quarter_close(quarter=quarter, closed_by=None, today=today, force=True)
    quarter.refresh_from_db()
    return quarter


@pytest.fixture
def office(db):
    return office_user(username="office")


@pytest.fixture
def hr(db):
    return hr_user(username="hr")


@pytest.fixture
def head(db):
    return head_user(DepartmentFactory(), username="head")


@pytest.fixture
def staff(db):
    return staff_employee().user
