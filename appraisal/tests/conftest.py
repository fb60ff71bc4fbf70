"""Fixtures the appraisal tests share: the day they run and the quarter it falls in.

A module that needs another quarter (closed, of a fixed date) defines its own
`quarter`, which pytest uses there instead of this one.
"""

import pytest
from django.utils import timezone

from appraisal.rules import QuarterId
from appraisal.tests.factories import QuarterFactory


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def quarter(today):
    """The open quarter that today falls in."""
    qid = QuarterId.of(today)
    return QuarterFactory(year=qid.year, number=qid.number)
