import pytest

from awards.tests.factories import WorkBadgeFactory
from employees.tests.factories import office_user


@pytest.fixture
def badge(db):
    """The issued work badge of an appraised employee: its token opens the feedback form."""
    return WorkBadgeFactory(employee__name="王小明", employee__position="理货员")


@pytest.fixture
def office(db):
    return office_user(username="office")


@pytest.fixture
def rates(settings):
    """Small limits, so the tests reach them quickly."""
    settings.FEEDBACK_RATE_PER_ADDRESS = 2
    settings.FEEDBACK_RATE_PER_ADDRESS_PER_EMPLOYEE = 2
    settings.FEEDBACK_RATE_WINDOW_SECONDS = 3600
    return settings
