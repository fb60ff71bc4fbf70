"""Issue 11, items 1 to 4: rulings that cannot silently change who is paid.

Enter never rules; a ruling that disqualifies or fines asks to confirm; a ruling
can be corrected with a reason and every ruling is kept; what arrives or was
pending when its quarter closed is ruled for the record and never counts.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from appraisal.models import Event, EventKind, EventRuling, EventSource, EventValidity
from appraisal.rules import QuarterId
from appraisal.services import (
    event_enter,
    event_queue_rule,
    event_receive_feedback,
    event_rerule,
    needs_confirmation,
    quarter_close,
    quarter_reopen,
)
from appraisal.tests.factories import EventFactory, QuarterFactory
from employees.tests.factories import DepartmentFactory, EmployeeFactory, head_user, office_user

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def employee(quarter):
    return EmployeeFactory(department=DepartmentFactory(name="货运部"), name="张三")


@pytest.fixture
def office(db):
    return office_user(username="office")


def complaint(employee, day):
    return EventFactory(
        employee=employee, date=day, kind=EventKind.WECHAT_COMPLAINT, source=EventSource.WECHAT
    )


def closed_previous(today, employee):
    """A pending complaint dated in the previous quarter, which then closes early."""
    qid = QuarterId.of(today).previous()
    previous = QuarterFactory(year=qid.year, number=qid.number)
    late = complaint(employee, qid.last_day)
    quarter_close(quarter=previous, closed_by=None, today=today, force=True)
    return previous, late


# --- Item 1: Enter never rules; consequences are confirmed ----------------------------


def test_enter_in_the_reason_field_posts_no_ruling_and_nothing_is_ruled(
    client, office, employee, today
):
    event = complaint(employee, today)
    client.force_login(office)

    # What the hidden first button sends when Enter is pressed in the reason field.
    response = client.post(
        reverse("appraisal:event_rule", args=[event.pk]),
        {"validity": "", "reason": "客户撤回"},
        headers={"accept-language": "en"},
        **HTMX,
    )

    html = response.content.decode()
    assert 'data-state="error"' in html
    assert "Enter" in html
    assert 'value="客户撤回"' in html
    event.refresh_from_db()
    assert event.validity == EventValidity.PENDING


def test_the_queue_forms_first_button_carries_no_ruling(client, office, employee, today):
    complaint(employee, today)
    client.force_login(office)

    html = client.get(reverse("appraisal:event_queue")).content.decode()

    form = html[html.index('class="rule-form"') :]
    first_button = form[form.index("<button") : form.index("</button>")]
    assert 'value=""' in first_button


def test_ruling_a_complaint_valid_shows_the_consequence_and_saves_only_once_confirmed(
    client, office, employee, today
):
    event = complaint(employee, today)
    client.force_login(office)
    url = reverse("appraisal:event_rule", args=[event.pk])

    response = client.post(
        url, {"validity": "valid", "reason": ""}, headers={"accept-language": "en"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert f"张三 for {QuarterId.of(today)}" in html
    assert 'name="confirmed" value="1"' in html
    event.refresh_from_db()
    assert event.validity == EventValidity.PENDING

    client.post(url, {"validity": "valid", "reason": "", "confirmed": "1"})
    event.refresh_from_db()
    assert event.validity == EventValidity.VALID


def test_the_htmx_row_asks_to_confirm_a_fine(client, office, employee, today):
    event = EventFactory(
        employee=employee, date=today, kind=EventKind.PRAISE_LETTER, amount=Decimal("-200")
    )
    client.force_login(office)

    response = client.post(
        reverse("appraisal:event_rule", args=[event.pk]), {"validity": "valid"}, **HTMX
    )

    html = response.content.decode()
    assert 'data-state="confirm"' in html
    assert "¥200.00" in html
    event.refresh_from_db()
    assert event.validity == EventValidity.PENDING


def test_the_queue_service_refuses_an_unconfirmed_disqualification(office, employee, today):
    event = complaint(employee, today)

    with pytest.raises(ValidationError) as raised:
        event_queue_rule(event=event, validity=EventValidity.VALID, ruled_by=office)

    assert needs_confirmation(raised.value)
    event.refresh_from_db()
    assert event.validity == EventValidity.PENDING


# --- Item 2: re-ruling, every ruling kept -------------------------------------------


def test_a_ruling_is_corrected_with_a_reason_and_every_ruling_is_kept(office, employee, today):
    event = complaint(employee, today)
    event_queue_rule(event=event, validity=EventValidity.VALID, ruled_by=office, confirmed=True)

    event_rerule(event=event, validity=EventValidity.INVALID, ruled_by=office, reason="客户认错人")
    event_rerule(event=event, validity=EventValidity.PENDING, ruled_by=office, reason="再查")

    event.refresh_from_db()
    assert event.validity == EventValidity.PENDING
    history = list(
        EventRuling.objects.filter(event=event)
        .order_by("id")
        .values_list("old_validity", "new_validity", "reason", "ruled_by")
    )
    assert history == [
        ("pending", "valid", "", office.pk),
        ("valid", "invalid", "客户认错人", office.pk),
        ("invalid", "pending", "再查", office.pk),
    ]


def test_re_ruling_needs_a_reason_and_a_confirmation_for_a_disqualification(
    office, employee, today
):
    event = complaint(employee, today)
    event_rerule(event=event, validity=EventValidity.INVALID, ruled_by=office, reason="重复")

    with pytest.raises(ValidationError) as no_reason:
        event_rerule(event=event, validity=EventValidity.VALID, ruled_by=office, reason=" ")
    with pytest.raises(ValidationError) as unconfirmed:
        event_rerule(event=event, validity=EventValidity.VALID, ruled_by=office, reason="核实")

    assert "reason" in no_reason.value.message_dict
    assert needs_confirmation(unconfirmed.value)
    event.refresh_from_db()
    assert event.validity == EventValidity.INVALID


def test_the_office_corrects_a_heads_deduction(office, employee, today):
    head = head_user(employee.department, username="head")
    deduction = event_enter(
        recorded_by=head,
        employee=employee,
        date=today,
        kind=EventKind.MONTHLY_DEDUCTION,
        source=EventSource.DEPARTMENT,
        points=Decimal("2"),
    )

    event_rerule(event=deduction, validity=EventValidity.INVALID, ruled_by=office, reason="记错人")

    deduction.refresh_from_db()
    assert deduction.validity == EventValidity.INVALID
    assert [r.ruled_by for r in deduction.rulings.order_by("id")] == [head, office]


def test_an_event_that_counted_at_the_close_cannot_be_re_ruled(office, employee, today):
    qid = QuarterId.of(today).previous()
    previous = QuarterFactory(year=qid.year, number=qid.number)
    counted = complaint(employee, qid.last_day)
    counted.validity, counted.ruled_at = EventValidity.VALID, timezone.now()
    counted.save()
    quarter_close(quarter=previous, closed_by=None, today=today, force=True)

    with pytest.raises(ValidationError, match=qid.code):
        event_rerule(event=counted, validity=EventValidity.INVALID, ruled_by=office, reason="x")


def test_the_event_page_shows_the_history_and_the_office_re_rules_there(
    client, office, employee, today
):
    event = complaint(employee, today)
    client.force_login(office)
    url = reverse("appraisal:event_detail", args=[event.pk])

    asked = client.post(url, {"validity": "valid", "reason": "属实"})
    assert "data-consequence" in asked.content.decode()
    client.post(url, {"validity": "valid", "reason": "属实", "confirmed": "1"})
    client.post(url, {"validity": "invalid", "reason": "复核后无效"})

    html = client.get(url).content.decode()
    assert html.count("data-ruling=") == 2
    assert "复核后无效" in html
    ledger = client.get(reverse("appraisal:events")).content.decode()
    assert url in ledger


# --- Items 3 and 4: for the record ---------------------------------------------------


def test_feedback_in_a_closed_quarter_is_kept_for_the_record_and_never_counts(
    office, employee, today
):
    closed_previous(today, employee)
    day = QuarterId.of(today).previous().last_day

    event = event_receive_feedback(
        employee=employee, date=day, kind=EventKind.WECHAT_COMPLAINT, reported_by="", note="晚到"
    )
    event_rerule(event=event, validity=EventValidity.VALID, ruled_by=office, reason="属实")

    event.refresh_from_db()
    assert (event.validity, event.for_the_record) == (EventValidity.VALID, True)
    assert not Event.objects.valid().filter(pk=event.pk).exists()


def test_an_event_pending_at_the_close_is_ruled_for_the_record(client, office, employee, today):
    _previous, late = closed_previous(today, employee)

    event_rerule(event=late, validity=EventValidity.INVALID, ruled_by=office, reason="查无此事")

    late.refresh_from_db()
    assert (late.validity, late.for_the_record) == (EventValidity.INVALID, True)
    assert late.rulings.get().for_the_record
    client.force_login(office)
    page = client.get(reverse("appraisal:event_detail", args=[late.pk])).content.decode()
    assert 'data-not-counted="1"' in page


def test_reopening_the_quarter_counts_what_was_kept_for_the_record(office, employee, today):
    previous, late = closed_previous(today, employee)
    event_rerule(
        event=late, validity=EventValidity.VALID, ruled_by=office, reason="属实", confirmed=True
    )

    quarter_reopen(quarter=previous, reopened_by=office, reason="补记")

    late.refresh_from_db()
    assert not late.for_the_record
    assert Event.objects.valid().filter(pk=late.pk).exists()


def test_the_queue_marks_late_events_for_the_record_not_counted(client, office, employee, today):
    _previous, late = closed_previous(today, employee)
    client.force_login(office)

    html = client.get(reverse("appraisal:event_queue")).content.decode()

    section = html[html.index('id="too-late"') :]
    assert f'data-event="{late.pk}"' in section
    assert 'data-not-counted="1"' in section
    assert reverse("appraisal:event_detail", args=[late.pk]) in section


# --- The PostgreSQL trigger lets exactly these through (raw SQL) ---------------------


@pytest.fixture
def closed_with_events(db, today, employee, office):
    if connection.vendor != "postgresql":
        pytest.skip("the locked-quarter trigger exists only on PostgreSQL")
    qid = QuarterId.of(today).previous()
    previous = QuarterFactory(year=qid.year, number=qid.number)
    pending = complaint(employee, qid.last_day)
    counted = EventFactory(
        employee=employee,
        date=qid.last_day,
        validity=EventValidity.VALID,
        ruled_at=timezone.now(),
    )
    quarter_close(quarter=previous, closed_by=None, today=today, force=True)
    return {"day": qid.last_day, "pending": pending, "counted": counted}


def raw(sql, params):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


INSERT = (
    "INSERT INTO appraisal_event (employee_id, date, kind, amount, validity, source, "
    "reported_by, note, ruling_note, for_the_record, created_at) "
    "VALUES (%s, %s, %s, 0, %s, %s, '', '', '', %s, now())"
)


@pytest.mark.postgres_only
def test_the_trigger_takes_customer_feedback_for_the_record_and_nothing_else(
    closed_with_events, employee
):
    day = closed_with_events["day"]
    raw(INSERT, [employee.pk, day, "wechat_complaint", "pending", "wechat", True])

    for bad in (
        ["wechat_complaint", "pending", "wechat", False],  # would count
        ["praise_letter", "pending", "office", True],  # not a customer's
        ["wechat_praise", "valid", "wechat", True],  # already ruled
    ):
        with pytest.raises(IntegrityError):
            raw(INSERT, [employee.pk, day, *bad])
    assert Event.objects.filter(date=day, for_the_record=True).count() == 1


@pytest.mark.postgres_only
def test_the_trigger_lets_only_a_ruling_for_the_record_change_a_locked_event(closed_with_events):
    pending, counted = closed_with_events["pending"], closed_with_events["counted"]
    rule = (
        "UPDATE appraisal_event SET validity = %s, ruled_at = now(), ruling_note = 'x', "
        "for_the_record = %s WHERE id = %s"
    )

    raw(rule, ["invalid", True, pending.pk])
    with pytest.raises(IntegrityError):
        raw(rule, ["valid", False, pending.pk])  # counting again
    with pytest.raises(IntegrityError):
        raw(rule, ["invalid", True, counted.pk])  # it counted at the close
    with pytest.raises(IntegrityError):
        raw("UPDATE appraisal_event SET note = 'changed' WHERE id = %s", [pending.pk])
    with pytest.raises(IntegrityError):
        raw("DELETE FROM appraisal_event WHERE id = %s", [pending.pk])

    pending.refresh_from_db()
    counted.refresh_from_db()
    assert (pending.validity, pending.for_the_record, pending.note) == ("invalid", True, "")
    assert (counted.validity, counted.for_the_record) == ("valid", False)
