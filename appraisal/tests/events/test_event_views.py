"""Events entered in the browser: the ledger, the record form and the office's queue.

The event services themselves are tested in test_event_services.py beside this file;
the people and the quarter are conftest.py's.
"""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from appraisal.models import Event, EventKind, EventSource, EventValidity
from appraisal.rules import QuarterId
from appraisal.services import quarter_close
from appraisal.tests.events.recording import closed_previous_quarter
from appraisal.tests.factories import EventFactory, QuarterFactory
from employees.tests.factories import (
    EmployeeFactory,
    head_user,
    hr_user,
    office_user,
)

pytestmark = pytest.mark.django_db

D = Decimal
XSS = "<script>alert('xss')</script>"
XSS_ESCAPED = "&lt;script&gt;alert(&#x27;xss&#x27;)&lt;/script&gt;"
HTMX = {"HTTP_HX_REQUEST": "true"}


def login(client, user):
    client.force_login(user)
    return client


def event_ids(content: bytes, attribute: str = "data-event") -> list[int]:
    return [int(pk) for pk in re.findall(rf'<tr[^>]*\s{attribute}="(\d+)"', content.decode())]


# --- The ledger -------------------------------------------------------------------


@pytest.fixture
def two_events(employee, other_employee, today):
    return (
        EventFactory(employee=employee, date=today, kind=EventKind.PRAISE_LETTER),
        EventFactory(
            employee=other_employee,
            date=today,
            kind=EventKind.MONTHLY_DEDUCTION,
            points=D("4"),
            validity=EventValidity.VALID,
            ruled_at=timezone.now(),
        ),
    )


@pytest.mark.parametrize("who", ["office", "hr"])
def test_office_and_hr_read_every_event_of_the_quarter(client, request, two_events, who):
    login(client, request.getfixturevalue(who))

    response = client.get(reverse("appraisal:events"))

    assert response.status_code == 200
    assert set(event_ids(response.content)) == {event.pk for event in two_events}


def test_a_head_reads_only_their_departments_events(client, head, other_head, two_events):
    mine, theirs = two_events

    assert event_ids(login(client, head).get(reverse("appraisal:events")).content) == [mine.pk]
    assert event_ids(login(client, other_head).get(reverse("appraisal:events")).content) == [
        theirs.pk
    ]


def test_staff_may_not_open_the_ledger(client, staff, two_events):
    assert login(client, staff).get(reverse("appraisal:events")).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    for name in ("events", "event_new", "event_queue"):
        response = client.get(reverse(f"appraisal:{name}"))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_ledger_filters_by_kind_validity_department_and_quarter(
    client, office, two_events, other_department, today
):
    praise, deduction = two_events
    login(client, office)
    url = reverse("appraisal:events")

    assert event_ids(client.get(url, {"kind": "praise_letter"}).content) == [praise.pk]
    assert event_ids(client.get(url, {"validity": "valid"}).content) == [deduction.pk]
    assert event_ids(client.get(url, {"department": other_department.pk}).content) == [deduction.pk]
    previous = QuarterId.of(today).previous()
    QuarterFactory(year=previous.year, number=previous.number)
    assert event_ids(client.get(url, {"quarter": previous.code}).content) == []


def test_ledger_shows_a_bad_filter_on_its_field(client, office, two_events):
    response = login(client, office).get(
        reverse("appraisal:events"), {"quarter": "1999Q1", "kind": "nonsense"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-error-for="quarter"' in html
    assert 'data-error-for="kind"' in html


def test_ledger_shows_the_rule_default_points_as_default(client, office, two_events):
    praise, deduction = two_events
    html = login(client, office).get(reverse("appraisal:events")).content.decode()

    row = html[html.index(f'data-event="{praise.pk}"') :]
    assert re.search(r'data-points="10"\s+data-points-default="1"', row[: row.index("</tr>")])
    row = html[html.index(f'data-event="{deduction.pk}"') :]
    row = row[: row.index("</tr>")]
    assert 'data-points="4"' in row
    assert "data-points-default" not in row


def test_ledger_escapes_the_note(client, office, employee, today):
    EventFactory(employee=employee, date=today, note=XSS)

    html = login(client, office).get(reverse("appraisal:events")).content.decode()

    assert XSS not in html
    assert XSS_ESCAPED in html


def test_ledger_paginates_and_keeps_its_filters(client, office, employee, today):
    for _ in range(55):
        EventFactory(employee=employee, date=today)
    login(client, office)

    first = client.get(reverse("appraisal:events"), {"validity": "pending"})
    second = client.get(reverse("appraisal:events"), {"validity": "pending", "page": 2})

    assert len(event_ids(first.content)) == 50
    assert len(event_ids(second.content)) == 5
    assert "validity=pending&amp;page=2" in first.content.decode()


# --- The record form --------------------------------------------------------------


def form_data(who, day, **overrides):
    data = {
        "employee": who.number,
        "date": day.isoformat(),
        "kind": EventKind.PRAISE_LETTER,
        "points": "",
        "amount": "",
        "source": EventSource.CUSTOMER,
        "reported_by": "客户王先生",
        "note": "主动帮忙",
        "validity": EventValidity.PENDING,
        "reason": "",
    }
    data.update(overrides)
    return data


def test_office_records_an_event_through_the_form(client, office, other_employee, today):
    response = login(client, office).post(
        reverse("appraisal:event_new"), form_data(other_employee, today)
    )

    assert response.status_code == 302
    event = Event.objects.get()
    assert (event.employee, event.kind, event.source, event.reported_by) == (
        other_employee,
        EventKind.PRAISE_LETTER,
        EventSource.CUSTOMER,
        "客户王先生",
    )
    assert event.validity == EventValidity.PENDING


def test_the_head_form_offers_only_deductions_and_their_employees(
    client, head, employee, other_employee
):
    response = login(client, head).get(reverse("appraisal:event_new"))

    form = response.context["form"]
    assert response.status_code == 200
    assert [value for value, _label in form.fields["kind"].choices] == [
        EventKind.MONTHLY_DEDUCTION,
        EventKind.BADGE_NOT_WORN,
    ]
    assert list(form.fields["employee"].queryset) == [employee]
    assert "validity" not in form.fields
    assert "source" not in form.fields


def test_head_records_a_deduction_through_the_form(client, head, employee, today):
    response = login(client, head).post(
        reverse("appraisal:event_new"),
        {
            "employee": employee.number,
            "date": today.isoformat(),
            "kind": EventKind.MONTHLY_DEDUCTION,
            "points": "7.5",
            "amount": "",
            "note": "迟到",
        },
    )

    assert response.status_code == 302
    event = Event.objects.get()
    assert (event.points, event.validity, event.source) == (
        D("7.5"),
        EventValidity.VALID,
        EventSource.DEPARTMENT,
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": EventKind.PRAISE_LETTER}, "kind"),
        ({"points": ""}, "points"),
        ({"points": "2.55"}, "points"),
        ({"date": "2026-02-30"}, "date"),
    ],
)
def test_head_form_errors_name_the_field_and_record_nothing(
    client, head, employee, today, overrides, field
):
    data = {
        "employee": employee.number,
        "date": today.isoformat(),
        "kind": EventKind.MONTHLY_DEDUCTION,
        "points": "3",
        "amount": "",
        "note": "",
        **overrides,
    }
    response = login(client, head).post(reverse("appraisal:event_new"), data)

    assert response.status_code == 200
    assert f'data-error-for="{field}"' in response.content.decode()
    assert not Event.objects.exists()


def test_head_may_not_post_an_event_for_another_department(client, head, other_employee, today):
    data = {
        "employee": other_employee.number,
        "date": today.isoformat(),
        "kind": EventKind.MONTHLY_DEDUCTION,
        "points": "3",
    }
    response = login(client, head).post(reverse("appraisal:event_new"), data)

    assert response.status_code == 200
    assert 'data-error-for="employee"' in response.content.decode()
    assert not Event.objects.exists()


def employee_error(response) -> str:
    """The text of the error shown on the employee field, "" without one."""
    html = response.content.decode()
    found = re.search(r'data-error-for="employee">(.*?)</div>\s*</div>', html, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)).strip() if found else ""


@pytest.mark.parametrize(
    "typed",
    ["C0001", " c0001 ", "C0001 赵六 · 财务部", "赵六"],
    ids=["number", "number-lowercase", "chosen-line", "unique-name"],
)
def test_the_office_types_a_number_or_name_and_the_event_is_saved_for_that_employee(
    client, office, employee, other_employee, today, typed
):
    response = login(client, office).post(
        reverse("appraisal:event_new"), form_data(other_employee, today, employee=typed)
    )

    assert response.status_code == 302
    assert Event.objects.get().employee == other_employee


@pytest.mark.parametrize("typed", ["X9999", "", "张"])
def test_an_unknown_number_or_name_is_an_error_that_names_the_field_and_saves_nothing(
    client, office, employee, today, typed
):
    response = login(client, office).post(
        reverse("appraisal:event_new"), form_data(employee, today, employee=typed)
    )

    assert response.status_code == 200
    message = employee_error(response)
    assert message.startswith("员工：")
    if typed:
        assert f"“{typed}”" in message
    assert not Event.objects.exists()


def test_a_name_two_employees_share_is_refused_with_their_numbers(
    client, office, employee, department, today
):
    namesake = EmployeeFactory(department=department, number="H0002", name="张三")

    response = login(client, office).post(
        reverse("appraisal:event_new"), form_data(employee, today, employee="张三")
    )

    message = employee_error(response)
    assert message.startswith("员工：")
    assert employee.number in message and namesake.number in message
    assert not Event.objects.exists()


def test_a_head_typing_another_departments_number_is_refused_on_the_field(
    client, head, employee, other_employee, today
):
    response = login(client, head).post(
        reverse("appraisal:event_new"),
        {
            "employee": other_employee.number,
            "date": today.isoformat(),
            "kind": EventKind.MONTHLY_DEDUCTION,
            "points": "3",
        },
    )

    message = employee_error(response)
    assert message.startswith("员工：") and other_employee.number in message
    assert other_employee.name not in response.content.decode()
    assert not Event.objects.exists()


def test_the_picker_lists_whom_the_login_may_record_for_and_marks_supervisors(
    client, office, head, employee, other_employee, department
):
    chief = EmployeeFactory(
        department=department, number="H0100", name="钱主管", is_supervisor=True
    )

    office_page = login(client, office).get(reverse("appraisal:event_new")).content.decode()
    head_page = login(Client(), head).get(reverse("appraisal:event_new")).content.decode()

    assert 'list="employee-options"' in office_page
    assert re.search(r'<option value="H0001 张三 · 货运部"\s*>', office_page)
    assert re.search(r'<option value="C0001 赵六 · 财务部"\s*>', office_page)
    assert re.search(r'<option value="H0100 钱主管 · 货运部"\s+data-supervisor="1">', office_page)
    # The warning is there for the script to show, hidden until a supervisor is chosen.
    assert re.search(r'id="employee-supervisor-warning"[^>]*\shidden', office_page)
    assert "H0001 张三" in head_page
    assert "C0001" not in head_page and chief.number not in head_page


def test_recording_for_a_supervisor_warns_after_the_save(client, office, department, today):
    chief = EmployeeFactory(
        department=department, number="H0100", name="钱主管", is_supervisor=True
    )

    response = login(client, office).post(
        reverse("appraisal:event_new"), form_data(chief, today, employee=chief.number), follow=True
    )

    assert Event.objects.get().employee == chief
    html = response.content.decode()
    assert re.search(r'alert-warning[^>]*role="alert">钱主管为主管', html)


def test_a_refused_form_for_a_supervisor_shows_the_warning_at_once(
    client, office, department, today
):
    chief = EmployeeFactory(
        department=department, number="H0100", name="钱主管", is_supervisor=True
    )

    response = login(client, office).post(
        reverse("appraisal:event_new"),
        form_data(chief, today, employee=chief.number, validity=EventValidity.INVALID),
    )

    html = response.content.decode()
    assert 'data-error-for="reason"' in html
    assert not re.search(r'id="employee-supervisor-warning"[^>]*\shidden', html)
    assert not Event.objects.exists()


def test_a_head_may_not_record_for_their_own_supervisor(client, head, department, today):
    chief = EmployeeFactory(
        department=department, number="H0100", name="钱主管", is_supervisor=True
    )

    response = login(client, head).post(
        reverse("appraisal:event_new"),
        {
            "employee": chief.number,
            "date": today.isoformat(),
            "kind": EventKind.MONTHLY_DEDUCTION,
            "points": "3",
        },
    )

    assert employee_error(response).startswith("员工：")
    assert not Event.objects.exists()


def test_the_form_says_a_locked_quarters_date_is_locked(client, office, employee, today):
    previous, qid = closed_previous_quarter(today)
    quarter_close(quarter=previous, closed_by=None, today=today, force=True)

    response = login(client, office).post(
        reverse("appraisal:event_new"), form_data(employee, qid.last_day)
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-error-for="date"' in html
    assert previous.code in html[html.index('data-error-for="date"') :]
    assert not Event.objects.exists()


def test_office_invalid_without_reason_is_an_error_on_the_reason(client, office, employee, today):
    response = login(client, office).post(
        reverse("appraisal:event_new"),
        form_data(employee, today, validity=EventValidity.INVALID),
    )

    assert 'data-error-for="reason"' in response.content.decode()
    assert not Event.objects.exists()


@pytest.mark.parametrize("who", ["hr", "staff"])
def test_hr_and_staff_may_not_open_or_post_the_form(client, request, employee, today, who):
    login(client, request.getfixturevalue(who))

    assert client.get(reverse("appraisal:event_new")).status_code == 403
    response = client.post(reverse("appraisal:event_new"), form_data(employee, today))
    assert response.status_code == 403
    assert not Event.objects.exists()


def test_the_form_keeps_csrf(office, employee, today):
    client = Client(enforce_csrf_checks=True)
    client.force_login(office)

    response = client.post(reverse("appraisal:event_new"), form_data(employee, today))

    assert response.status_code == 403
    assert not Event.objects.exists()


# --- The queue --------------------------------------------------------------------


def wechat_complaint(employee, day, note="态度恶劣"):
    return EventFactory(
        employee=employee,
        date=day,
        kind=EventKind.WECHAT_COMPLAINT,
        source=EventSource.WECHAT,
        note=note,
        reported_by="138****0000",
    )


def test_the_queue_lists_pending_events_oldest_first(client, office, employee, quarter, today):
    later = wechat_complaint(employee, today)
    earlier = EventFactory(employee=employee, date=quarter.first_day)
    EventFactory(
        employee=employee, date=today, validity=EventValidity.VALID, ruled_at=timezone.now()
    )

    response = login(client, office).get(reverse("appraisal:event_queue"))

    assert response.status_code == 200
    assert event_ids(response.content) == [earlier.pk, later.pk]


def test_the_queue_filters_wechat_feedback(client, office, employee, quarter, today):
    complaint = wechat_complaint(employee, today)
    EventFactory(employee=employee, date=today)

    response = login(client, office).get(reverse("appraisal:event_queue"), {"source": "wechat"})

    assert event_ids(response.content) == [complaint.pk]


def test_the_queue_shows_the_customers_text_escaped(client, office, employee, today):
    event = wechat_complaint(employee, today, note=XSS)

    html = login(client, office).get(reverse("appraisal:event_queue")).content.decode()

    assert f'data-event="{event.pk}"' in html
    assert XSS not in html
    assert XSS_ESCAPED in html


def test_pending_events_of_a_locked_quarter_are_listed_as_too_late(client, office, employee, today):
    previous, qid = closed_previous_quarter(today)
    late = wechat_complaint(employee, qid.last_day)
    quarter_close(quarter=previous, closed_by=None, today=today, force=True)
    current = wechat_complaint(employee, today)

    html = login(client, office).get(reverse("appraisal:event_queue")).content.decode()

    assert event_ids(html.encode()) == [current.pk, late.pk]
    too_late = html[html.index('id="too-late"') :]
    assert f'data-event="{late.pk}"' in too_late
    assert 'data-state="too-late"' in too_late
    assert "event_rule" not in too_late and f"/events/{late.pk}/rule/" not in html


@pytest.mark.parametrize("who", ["hr", "head", "staff"])
def test_only_the_office_opens_the_queue(client, request, who):
    response = login(client, request.getfixturevalue(who)).get(reverse("appraisal:event_queue"))

    assert response.status_code == 403


def rule_url(event):
    return reverse("appraisal:event_rule", args=[event.pk])


def test_ruling_without_javascript_redirects_back_to_the_queue(client, office, employee, today):
    event = wechat_complaint(employee, today)
    back = reverse("appraisal:event_queue") + "?source=wechat"

    response = login(client, office).post(
        rule_url(event), {"validity": "valid", "reason": "", "next": back, "confirmed": "1"}
    )

    assert response.status_code == 302
    assert response.url == back
    event.refresh_from_db()
    assert (event.validity, event.ruled_by) == (EventValidity.VALID, office)


def test_ruling_with_htmx_answers_the_ruled_row(client, office, employee, today):
    event = wechat_complaint(employee, today)

    response = login(client, office).post(
        rule_url(event), {"validity": "invalid", "reason": "重复提交"}, **HTMX
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.strip().startswith("<tr")
    assert 'data-state="ruled"' in html
    assert 'data-ruled="invalid"' in html
    event.refresh_from_db()
    assert (event.validity, event.ruling_note) == (EventValidity.INVALID, "重复提交")


def test_ruling_invalid_without_a_reason_shows_the_error_and_changes_nothing(
    client, office, employee, today
):
    event = wechat_complaint(employee, today)
    login(client, office)

    response = client.post(rule_url(event), {"validity": "invalid", "reason": ""}, **HTMX)
    assert 'data-state="error"' in response.content.decode()
    assert 'data-error-for="reason"' in response.content.decode()
    response = client.post(rule_url(event), {"validity": "invalid", "reason": ""})
    assert response.status_code == 302

    event.refresh_from_db()
    assert event.validity == EventValidity.PENDING


def test_a_bad_ruling_value_changes_nothing(client, office, employee, today):
    event = wechat_complaint(employee, today)

    login(client, office).post(rule_url(event), {"validity": "pending"}, **HTMX)

    event.refresh_from_db()
    assert event.validity == EventValidity.PENDING


def test_an_event_of_a_locked_quarter_cannot_be_ruled(client, office, employee, today):
    previous, qid = closed_previous_quarter(today)
    late = wechat_complaint(employee, qid.last_day)
    quarter_close(quarter=previous, closed_by=None, today=today, force=True)

    response = login(client, office).post(rule_url(late), {"validity": "valid"}, **HTMX)

    assert 'data-state="error"' in response.content.decode()
    late.refresh_from_db()
    assert late.validity == EventValidity.PENDING


@pytest.mark.parametrize("who", ["hr", "head", "staff"])
def test_only_the_office_rules_and_a_refusal_changes_nothing(client, request, employee, today, who):
    event = wechat_complaint(employee, today)

    response = login(client, request.getfixturevalue(who)).post(
        rule_url(event), {"validity": "valid"}
    )

    assert response.status_code == 403
    event.refresh_from_db()
    assert event.validity == EventValidity.PENDING


def test_ruling_an_unknown_event_is_not_found(client, office):
    assert login(client, office).post("/appraisal/events/999999/rule/", {}).status_code == 404


def test_ruling_keeps_csrf(office, employee, today):
    event = wechat_complaint(employee, today)
    client = Client(enforce_csrf_checks=True)
    client.force_login(office)

    response = client.post(rule_url(event), {"validity": "valid"}, **HTMX)

    assert response.status_code == 403
    event.refresh_from_db()
    assert event.validity == EventValidity.PENDING


def test_a_redirect_target_off_the_site_is_ignored(client, office, employee, today):
    event = wechat_complaint(employee, today)

    response = login(client, office).post(
        rule_url(event), {"validity": "valid", "next": "https://evil.example/", "confirmed": "1"}
    )

    assert response.url == reverse("appraisal:event_queue")


# --- Customers' contacts are the office's (issue 12, item 8) ------------------------


def test_only_the_office_sees_customers_contacts_in_the_ledger(department, employee, today):
    EventFactory(
        employee=employee,
        date=today,
        kind=EventKind.WECHAT_PRAISE,
        source=EventSource.WECHAT,
        reported_by="王女士 13800138000",
    )
    EventFactory(
        employee=employee, date=today, source=EventSource.DEPARTMENT, reported_by="班长李四"
    )
    pages = {}
    for name, login in (
        ("office", office_user()),
        ("hr", hr_user()),
        ("head", head_user(department)),
    ):
        client = Client()
        client.force_login(login)
        pages[name] = client.get(reverse("appraisal:events")).content.decode()

    assert "13800138000" in pages["office"]
    for name in ("hr", "head"):
        assert "13800138000" not in pages[name], name
        assert "班长李四" in pages[name], name
