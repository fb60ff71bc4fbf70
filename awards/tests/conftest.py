import pytest

from employees.tests.factories import office_user


@pytest.fixture
def office(db):
    return office_user(username="office")
