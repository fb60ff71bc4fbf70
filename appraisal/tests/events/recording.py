"""Recording events the way the pages do, for the event tests."""

from appraisal.models import EventKind, EventSource
from appraisal.rules import QuarterId
from appraisal.services import event_enter
from appraisal.tests.factories import QuarterFactory


def enter(user, employee, day, kind=EventKind.PRAISE_LETTER, **kwargs):
    kwargs.setdefault("source", EventSource.OFFICE if user.is_office else EventSource.DEPARTMENT)
    return event_enter(recorded_by=user, employee=employee, date=day, kind=kind, **kwargs)


def closed_previous_quarter(today):
    """The previous quarter, still open, and its id: a test dates an event in it, then closes it."""
    qid = QuarterId.of(today).previous()
    previous = QuarterFactory(year=qid.year, number=qid.number)
    return previous, qid
