import contextlib
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from appraisal.models import Event, EventKind, EventSource, EventValidity, QuarterStatus
from appraisal.rules import QuarterId
from appraisal.services import event_rule
from appraisal.tests.factories import QuarterFactory
from awards.models import WorkBadgeStatus
from awards.tests.factories import WorkBadgeFactory
from feedback.models import FeedbackKind, FeedbackMessage
from feedback.services import FeedbackRateLimited, feedback_client_key, feedback_submit

pytestmark = pytest.mark.django_db


def submit(badge, *, kind=FeedbackKind.PRAISE, text="态度很好", address="203.0.113.5", **kwargs):
    return feedback_submit(
        employee=badge.employee,
        badge=badge,
        kind=kind,
        text=text,
        happened=kwargs.get("happened", ""),
        contact=kwargs.get("contact", ""),
        client_address=address,
    )


def test_praise_is_stored_as_a_pending_wechat_praise_event_dated_today(badge):
    message = submit(badge, text="帮我找到了货位", happened="今天上午", contact="13800000000")

    event = message.event
    assert event.kind == EventKind.WECHAT_PRAISE
    assert event.source == EventSource.WECHAT
    assert event.validity == EventValidity.PENDING
    assert event.employee == badge.employee
    assert event.date == timezone.localdate()
    assert event.note == "帮我找到了货位"
    assert event.reported_by == "13800000000"
    assert event.created_by is None
    assert list(Event.objects.pending()) == [event]
    assert message.badge == badge
    assert message.happened == "今天上午"


def test_complaint_is_stored_as_a_pending_wechat_complaint(badge):
    message = submit(badge, kind=FeedbackKind.COMPLAINT, text="态度生硬")

    assert message.event.kind == EventKind.WECHAT_COMPLAINT
    assert message.event.validity == EventValidity.PENDING


def test_praise_ruled_valid_by_the_office_is_a_valid_wechat_praise_of_the_employee(badge, office):
    message = submit(badge)

    event = event_rule(event=message.event, validity=EventValidity.VALID, ruled_by=office)

    # What the quarter close counts as +10 (rules.md section 4).
    counted = Event.objects.valid().in_quarter(QuarterId.of(timezone.localdate()))
    assert list(counted.filter(kind=EventKind.WECHAT_PRAISE, employee=badge.employee)) == [event]
    assert event.source == EventSource.WECHAT
    assert event.ruled_by == office
    assert not Event.objects.pending().exists()


def test_client_key_is_a_keyed_hash_never_the_address(badge, settings):
    message = submit(badge, address="198.51.100.7")

    assert message.client_key == feedback_client_key(client_address="198.51.100.7")
    assert len(message.client_key) == 64
    assert "198.51.100.7" not in message.client_key
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert feedback_client_key(client_address="198.51.100.7") != message.client_key


def test_text_is_stored_exactly_as_typed(badge):
    payload = '<script>alert("x")</script> & 你好'

    message = submit(badge, text=payload)

    message.refresh_from_db()
    assert message.text == payload
    assert message.event.note == payload


def test_rate_limit_per_client_address_stores_nothing(badge, rates):
    other = WorkBadgeFactory()
    submit(badge, address="203.0.113.9")
    submit(other, address="203.0.113.9")

    with pytest.raises(FeedbackRateLimited) as raised:
        submit(badge, address="203.0.113.9")

    assert raised.value.scope == "address"
    assert FeedbackMessage.objects.count() == 2
    assert Event.objects.count() == 2
    # Another address is not limited.
    submit(badge, address="203.0.113.10")
    assert FeedbackMessage.objects.count() == 3


def test_rate_limit_per_address_for_one_employee_stores_nothing(badge, rates):
    rates.FEEDBACK_RATE_PER_ADDRESS = 5
    submit(badge, address="192.0.2.1")
    submit(badge, address="192.0.2.1")

    with pytest.raises(FeedbackRateLimited) as raised:
        submit(badge, address="192.0.2.1")

    assert raised.value.scope == "employee"
    assert FeedbackMessage.objects.filter(employee=badge.employee).count() == 2
    # The same address may still write about someone else.
    submit(WorkBadgeFactory(), address="192.0.2.1")


def test_a_burst_from_many_addresses_never_locks_out_a_fresh_customer(badge, rates):
    # Issue 11: 20 submissions from 4 addresses shut the employee's form for an hour.
    rates.FEEDBACK_RATE_PER_ADDRESS = 5
    for n in range(20):
        with contextlib.suppress(FeedbackRateLimited):
            submit(badge, address=f"192.0.2.{n % 4}")

    message = submit(badge, address="198.51.100.7", text="真正的投诉")

    assert message.event.note == "真正的投诉"
    assert FeedbackMessage.objects.filter(employee=badge.employee).count() == 9


def test_rate_limit_counts_only_the_window(badge, rates):
    submit(badge, address="203.0.113.9")
    submit(badge, address="203.0.113.9")
    FeedbackMessage.objects.update(created_at=timezone.now() - datetime.timedelta(hours=2))

    message = submit(badge, address="203.0.113.9")

    assert message.pk is not None


def test_supervisor_cannot_receive_feedback(badge):
    badge.employee.is_supervisor = True
    badge.employee.save()

    with pytest.raises(ValidationError):
        submit(badge)

    assert not Event.objects.exists()


def test_inactive_employee_cannot_receive_feedback(badge):
    badge.employee.is_active = False
    badge.employee.save()

    with pytest.raises(ValidationError):
        submit(badge)

    assert not FeedbackMessage.objects.exists()


def test_lost_badge_cannot_carry_feedback(badge):
    badge.status = WorkBadgeStatus.LOST
    badge.lost_on = timezone.localdate()
    badge.save()

    with pytest.raises(ValidationError):
        submit(badge)

    assert not FeedbackMessage.objects.exists()


def test_text_longer_than_the_limit_is_refused(badge):
    with pytest.raises(ValidationError) as raised:
        submit(badge, text="好" * 1001)

    assert "text" in raised.value.message_dict
    assert not Event.objects.exists()


@pytest.mark.parametrize("status", [QuarterStatus.CLOSED, QuarterStatus.PUBLISHED])
def test_feedback_on_a_closed_quarter_is_kept_for_the_record(badge, status):
    qid = QuarterId.of(timezone.localdate())
    QuarterFactory(year=qid.year, number=qid.number, status=status)

    message = submit(badge)

    event = message.event
    assert (event.validity, event.for_the_record) == (EventValidity.PENDING, True)
    assert not Event.objects.valid().exists()
