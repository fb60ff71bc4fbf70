"""The event services: who records what in the browser, and the office's queue."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from appraisal.models import Event, EventKind, EventSource, EventValidity
from appraisal.services import event_queue_rule, quarter_close
from appraisal.tests.events.recording import closed_previous_quarter, enter
from appraisal.tests.factories import EventFactory
from employees.tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db

D = Decimal


# --- event_enter: who records what ------------------------------------------------


def test_office_records_any_kind_for_anyone_as_pending(office, other_employee, today):
    event = enter(office, other_employee, today, EventKind.GROUP_COMPLAINT, note="投诉")

    assert event.validity == EventValidity.PENDING
    assert event.created_by == office
    assert event.ruled_at is None
    assert event.source == EventSource.OFFICE


def test_office_records_an_event_valid_at_once_with_its_reason(office, employee, today):
    event = enter(
        office, employee, today, EventKind.PENNANT, validity=EventValidity.VALID, reason="核实"
    )

    assert event.validity == EventValidity.VALID
    assert event.ruled_by == office
    assert event.ruled_at is not None
    assert event.ruling_note == "核实"


def test_office_records_an_invalid_event_only_with_a_reason(office, employee, today):
    with pytest.raises(ValidationError) as error:
        enter(office, employee, today, validity=EventValidity.INVALID, reason="  ")

    assert "reason" in error.value.message_dict
    assert not Event.objects.exists()


@pytest.mark.parametrize("kind", [EventKind.MONTHLY_DEDUCTION, EventKind.BADGE_NOT_WORN])
def test_head_records_deductions_of_their_department_valid_at_once(head, employee, today, kind):
    points = D("3") if kind == EventKind.MONTHLY_DEDUCTION else None

    event = enter(head, employee, today, kind, points=points, amount=D("-50"))

    assert event.validity == EventValidity.VALID
    assert event.ruled_by == head
    assert event.source == EventSource.DEPARTMENT
    assert event.amount == D("-50")


def test_a_monthly_deduction_needs_its_points(head, employee, today):
    with pytest.raises(ValidationError) as error:
        enter(head, employee, today, EventKind.MONTHLY_DEDUCTION)

    assert "points" in error.value.message_dict
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    "kind",
    [
        EventKind.PRAISE_LETTER,
        EventKind.WECHAT_PRAISE,
        EventKind.COMPANY_COMPLAINT,
        EventKind.WECHAT_COMPLAINT,
        EventKind.WORK_BADGE_LOST,
        EventKind.AWARD_BADGE_LOST,
    ],
)
def test_head_may_not_record_praise_complaints_or_lost_badges(head, employee, today, kind):
    with pytest.raises(PermissionDenied):
        enter(head, employee, today, kind)

    assert not Event.objects.exists()


def test_head_may_not_record_for_another_department_or_a_supervisor(
    head, other_employee, department, today
):
    supervisor = EmployeeFactory(department=department, is_supervisor=True)
    for person in (other_employee, supervisor):
        with pytest.raises(PermissionDenied):
            enter(head, person, today, EventKind.MONTHLY_DEDUCTION, points=D("2"))

    assert not Event.objects.exists()


def test_head_may_not_rule_or_reward(head, employee, today):
    with pytest.raises(ValidationError) as error:
        enter(
            head,
            employee,
            today,
            EventKind.MONTHLY_DEDUCTION,
            points=D("2"),
            amount=D("100"),
            validity=EventValidity.PENDING,
        )

    assert {"amount", "validity"} <= set(error.value.message_dict)
    assert not Event.objects.exists()


def test_hr_and_staff_record_no_events(hr, staff, employee, today):
    for user in (hr, staff):
        with pytest.raises(PermissionDenied):
            enter(user, employee, today, EventKind.MONTHLY_DEDUCTION, points=D("2"))

    assert not Event.objects.exists()


def test_an_event_dated_in_a_closed_quarter_is_refused_on_its_date(office, employee, today):
    previous, qid = closed_previous_quarter(today)
    quarter_close(quarter=previous, closed_by=None, today=today, force=True)

    with pytest.raises(ValidationError) as error:
        enter(office, employee, qid.last_day)

    assert "date" in error.value.message_dict
    assert not Event.objects.exists()


def test_an_event_in_the_future_is_refused(office, employee, today):
    with pytest.raises(ValidationError) as error:
        enter(office, employee, today + datetime.timedelta(days=1))

    assert "date" in error.value.message_dict


def test_a_lost_work_badge_without_an_amount_takes_the_quarters_fine(office, employee, today):
    event = enter(office, employee, today, EventKind.WORK_BADGE_LOST)

    assert event.amount == D("-200")


def test_a_complaint_carries_no_points(office, employee, today):
    with pytest.raises(ValidationError) as error:
        enter(office, employee, today, EventKind.COMPANY_COMPLAINT, points=D("5"))

    assert "points" in error.value.message_dict


# --- event_queue_rule -------------------------------------------------------------


def test_ruling_invalid_from_the_queue_needs_a_reason(office, employee, today):
    event = EventFactory(employee=employee, date=today)

    with pytest.raises(ValidationError) as error:
        event_queue_rule(event=event, validity=EventValidity.INVALID, ruled_by=office)

    assert "reason" in error.value.message_dict
    event.refresh_from_db()
    assert event.validity == EventValidity.PENDING


def test_an_event_already_ruled_is_not_ruled_again_from_the_queue(office, employee, today):
    event = EventFactory(employee=employee, date=today)
    event_queue_rule(event=event, validity=EventValidity.VALID, ruled_by=office)

    with pytest.raises(ValidationError):
        event_queue_rule(event=event, validity=EventValidity.INVALID, ruled_by=office, reason="x")

    event.refresh_from_db()
    assert event.validity == EventValidity.VALID


def test_only_the_office_rules_from_the_queue(head, hr, employee, today):
    event = EventFactory(employee=employee, date=today)
    for user in (head, hr):
        with pytest.raises(PermissionDenied):
            event_queue_rule(event=event, validity=EventValidity.VALID, ruled_by=user)

    event.refresh_from_db()
    assert event.validity == EventValidity.PENDING
