import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from appraisal.models import Event, EventKind, EventValidity, QuarterStatus
from appraisal.rules import QuarterId
from appraisal.tests.factories import QuarterFactory
from awards.services import work_badge_report_lost
from awards.tests.factories import WorkBadgeFactory
from employees.tests.factories import (
    DepartmentFactory,
    EmployeeFactory,
    head_user,
    hr_user,
    staff_employee,
)
from feedback.models import FeedbackKind, FeedbackMessage
from feedback.tests.factories import FeedbackMessageFactory

pytestmark = pytest.mark.django_db

XSS = "<script>alert('xss')</script>"


def form_url(badge):
    return reverse("feedback:employee", args=[badge.token])


def post_feedback(client, badge, *, address="203.0.113.5", **overrides):
    data = {"kind": "praise", "text": "服务很好", "happened": "", "contact": "", "website": ""}
    data.update(overrides)
    return client.post(form_url(badge), data, REMOTE_ADDR=address)


# --- The badge's page ---------------------------------------------------------


def test_feedback_page_shows_name_department_position_and_photo_only(client, badge):
    response = client.get(form_url(badge))

    assert response.status_code == 200
    html = response.content.decode()
    employee = badge.employee
    assert employee.name in html
    assert employee.department.name in html
    assert employee.position in html
    assert 'data-photo="placeholder"' in html
    assert employee.number not in html
    assert 'name="viewport"' in html
    assert "<script" not in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'id="main-nav"' not in html


def test_feedback_page_answers_head_requests(client, badge):
    assert client.head(form_url(badge)).status_code == 200
    assert client.head(reverse("feedback:lookup")).status_code == 200


def test_unknown_token_is_404(client, badge):
    response = client.get(reverse("feedback:employee", args=["x" * 43]))

    assert response.status_code == 404


def test_employee_number_does_not_reach_the_form(client, badge):
    response = client.get(f"/feedback/{badge.employee.number}/")

    assert response.status_code == 404


def test_supervisor_badge_is_404(client, badge):
    badge.employee.is_supervisor = True
    badge.employee.save()

    assert client.get(form_url(badge)).status_code == 404
    assert post_feedback(client, badge).status_code == 404
    assert not FeedbackMessage.objects.exists()


def test_inactive_employee_badge_is_404(client, badge):
    badge.employee.is_active = False
    badge.employee.save()

    assert client.get(form_url(badge)).status_code == 404


def test_lost_badge_token_is_404_and_the_new_badge_works(client, badge, office):
    old_url = form_url(badge)

    new_badge = work_badge_report_lost(
        badge=badge, lost_on=timezone.localdate(), recorded_by=office
    )

    assert new_badge.token != badge.token
    assert client.get(old_url).status_code == 404
    assert post_feedback(client, badge).status_code == 404
    assert client.get(form_url(new_badge)).status_code == 200
    response = post_feedback(client, new_badge)
    assert response.status_code == 302
    assert FeedbackMessage.objects.get().badge == new_badge


# --- Sending ------------------------------------------------------------------


def test_submit_redirects_to_thanks_and_stores_a_pending_event(client, badge):
    response = post_feedback(
        client, badge, kind="praise", text="耐心解答", happened="昨天下午", contact="李先生"
    )

    assert response.status_code == 302
    assert response.url == reverse("feedback:thanks", args=[badge.token])
    message = FeedbackMessage.objects.get()
    assert message.kind == FeedbackKind.PRAISE
    assert (message.text, message.happened, message.contact) == ("耐心解答", "昨天下午", "李先生")
    assert message.event.kind == EventKind.WECHAT_PRAISE
    assert message.event.validity == EventValidity.PENDING
    thanks = client.get(response.url)
    assert thanks.status_code == 200
    assert 'data-page="thanks"' in thanks.content.decode()


def test_complaint_is_stored_as_wechat_complaint(client, badge):
    post_feedback(client, badge, kind="complaint", text="等了很久没人理")

    assert Event.objects.get().kind == EventKind.WECHAT_COMPLAINT


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"kind": ""}, "kind"),
        ({"kind": "reward"}, "kind"),
        ({"text": ""}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "好" * 1001}, "text"),
        ({"happened": "x" * 101}, "happened"),
        ({"contact": "x" * 101}, "contact"),
    ],
)
def test_invalid_form_is_shown_again_and_stores_nothing(client, badge, overrides, field):
    response = post_feedback(client, badge, **overrides)

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert f'data-error="{field}"' in response.content.decode()
    assert not FeedbackMessage.objects.exists()
    assert not Event.objects.exists()


def test_honeypot_pretends_success_and_stores_nothing(client, badge):
    response = post_feedback(client, badge, website="http://spam.example")

    assert response.status_code == 302
    assert response.url == reverse("feedback:thanks", args=[badge.token])
    assert not FeedbackMessage.objects.exists()
    assert not Event.objects.exists()


def test_post_without_csrf_token_is_refused(badge):
    client = Client(enforce_csrf_checks=True)

    response = post_feedback(client, badge)

    assert response.status_code == 403
    assert not FeedbackMessage.objects.exists()


def test_post_with_the_form_csrf_token_is_accepted(badge):
    client = Client(enforce_csrf_checks=True)
    page = client.get(form_url(badge)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    response = post_feedback(client, badge, csrfmiddlewaretoken=token)

    assert response.status_code == 302
    assert FeedbackMessage.objects.count() == 1


def test_rate_limit_per_address_answers_429_and_stores_nothing(client, badge, rates):
    other = WorkBadgeFactory()
    post_feedback(client, badge, address="203.0.113.9")
    post_feedback(client, other, address="203.0.113.9")

    response = post_feedback(client, badge, address="203.0.113.9", text="第三条")

    assert response.status_code == 429
    html = response.content.decode()
    assert 'data-page="rate-limited"' in html
    assert 'data-scope="address"' in html
    assert "第三条" in html  # the customer may copy what they wrote
    assert FeedbackMessage.objects.count() == 2
    assert Event.objects.count() == 2


def test_rate_limit_per_address_for_one_employee_answers_429(client, badge, rates):
    rates.FEEDBACK_RATE_PER_ADDRESS = 5
    for _n in range(2):
        assert post_feedback(client, badge, address="192.0.2.1").status_code == 302

    response = post_feedback(client, badge, address="192.0.2.1")

    assert response.status_code == 429
    assert 'data-scope="employee"' in response.content.decode()
    assert FeedbackMessage.objects.count() == 2


def test_a_fresh_address_gets_through_after_a_burst_from_others(client, badge, rates):
    rates.FEEDBACK_RATE_PER_ADDRESS = 5
    for n in range(20):
        post_feedback(client, badge, address=f"192.0.2.{n % 4}")

    response = post_feedback(client, badge, address="198.51.100.7", text="真正的投诉")

    assert response.status_code == 302
    assert FeedbackMessage.objects.filter(text="真正的投诉").exists()


def test_x_forwarded_for_does_not_escape_the_address_limit(client, badge, rates):
    for n in range(2):
        post_feedback(client, badge, HTTP_X_FORWARDED_FOR=f"10.9.9.{n}")

    response = post_feedback(client, badge, HTTP_X_FORWARDED_FOR="10.9.9.99")

    assert response.status_code == 429
    assert FeedbackMessage.objects.count() == 2


def test_a_closed_quarter_still_receives_feedback_and_thanks_the_customer(client, badge):
    qid = QuarterId.of(timezone.localdate())
    QuarterFactory(year=qid.year, number=qid.number, status=QuarterStatus.CLOSED)

    response = post_feedback(client, badge)

    assert response.status_code == 302
    assert response.url == reverse("feedback:thanks", args=[badge.token])
    assert FeedbackMessage.objects.get().event.for_the_record


# --- The lookup ---------------------------------------------------------------


def result_tokens(response):
    return re.findall(r'href="/feedback/([^/"]+)/"', response.content.decode())


def test_lookup_finds_by_part_of_the_name_and_links_to_the_badge_token(client, badge):
    response = client.get(reverse("feedback:lookup"), {"name": "小明"})

    assert response.status_code == 200
    assert result_tokens(response) == [badge.token]
    html = response.content.decode()
    assert badge.employee.number not in html
    assert "<script" not in html


def test_lookup_finds_by_the_whole_employee_number_only(client, badge):
    whole = client.get(reverse("feedback:lookup"), {"number": badge.employee.number})
    part = client.get(reverse("feedback:lookup"), {"number": badge.employee.number[:-1]})

    assert result_tokens(whole) == [badge.token]
    assert result_tokens(part) == []


def test_lookup_narrows_by_department(client, badge):
    namesake = WorkBadgeFactory(employee__name="王小明", employee__department=DepartmentFactory())

    both = client.get(reverse("feedback:lookup"), {"name": "王小明"})
    one = client.get(
        reverse("feedback:lookup"),
        {"name": "王小明", "department": namesake.employee.department_id},
    )

    assert sorted(result_tokens(both)) == sorted([badge.token, namesake.token])
    assert result_tokens(one) == [namesake.token]


def test_lookup_needs_a_name_or_number(client, badge):
    empty = client.get(reverse("feedback:lookup"))
    department_only = client.get(
        reverse("feedback:lookup"), {"department": badge.employee.department_id}
    )

    assert empty.status_code == 200
    assert result_tokens(empty) == []
    assert result_tokens(department_only) == []
    assert 'data-error="no_query"' in department_only.content.decode()


def test_lookup_leaves_out_supervisors_inactive_and_employees_without_badge(client, badge):
    WorkBadgeFactory(employee__name="王小明主管", employee__is_supervisor=True)
    WorkBadgeFactory(employee__name="王小明离职", employee__is_active=False)
    EmployeeFactory(name="王小明无牌")

    response = client.get(reverse("feedback:lookup"), {"name": "王小明"})

    assert result_tokens(response) == [badge.token]


def test_lookup_is_capped_at_ten(client, db):
    for _ in range(25):
        WorkBadgeFactory(employee__name="张三")

    response = client.get(reverse("feedback:lookup"), {"name": "张三"})

    assert len(result_tokens(response)) == 10


def test_lookup_by_one_character_of_a_name_asks_for_two(client, db):
    badge = WorkBadgeFactory(employee__name="张三")

    surname = client.get(reverse("feedback:lookup"), {"name": "张"})
    by_number = client.get(
        reverse("feedback:lookup"), {"name": "张", "number": badge.employee.number}
    )

    assert result_tokens(surname) == []
    assert 'data-error="short_name"' in surname.content.decode()
    assert "请至少输入姓名中的两个字" in surname.content.decode()
    assert result_tokens(by_number) == [badge.token]


def test_sending_the_same_feedback_form_twice_stores_it_once(client, badge):
    page = client.get(form_url(badge)).content.decode()
    once = re.search(r'name="once" value="([^"]+)"', page).group(1)
    data = {"kind": FeedbackKind.PRAISE, "text": "服务很好", "once": once}

    first = client.post(form_url(badge), data, REMOTE_ADDR="203.0.113.9")
    again = client.post(form_url(badge), data, REMOTE_ADDR="203.0.113.9")

    thanks = reverse("feedback:thanks", args=[badge.token])
    assert first.status_code == again.status_code == 302
    assert first.url == again.url == thanks
    assert FeedbackMessage.objects.count() == 1
    # A fresh form gets a fresh token and is stored.
    fresh = re.search(r'name="once" value="([^"]+)"', client.get(form_url(badge)).content.decode())
    assert fresh.group(1) != once


# --- The office's list of feedback received -----------------------------------


def test_script_payload_is_stored_as_typed_and_shown_escaped_to_the_office(client, badge, office):
    post_feedback(client, badge, text=XSS, contact=XSS, happened=XSS)
    message = FeedbackMessage.objects.get()
    assert message.text == XSS
    assert message.event.note == XSS

    client.force_login(office)
    response = client.get(reverse("feedback:received"), follow=True)

    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-event="{message.event_id}"' in html
    assert XSS not in html
    assert "&lt;script&gt;alert(&#x27;xss&#x27;)&lt;/script&gt;" in html


def test_received_list_sends_the_office_to_its_queue_of_wechat_events(client, office):
    message = FeedbackMessageFactory()
    client.force_login(office)

    response = client.get(reverse("feedback:received"))

    assert response.status_code == 302
    assert response.url == reverse("appraisal:event_queue") + "?source=wechat"
    queue = client.get(response.url)
    assert [line.pk for line in queue.context["events"]] == [message.event_id]
    assert 'data-validity="pending"' in queue.content.decode()


@pytest.mark.parametrize(
    "make_user",
    [
        lambda: hr_user(),
        lambda: head_user(DepartmentFactory()),
        lambda: staff_employee().user,
    ],
)
def test_received_list_is_for_the_office_only(client, make_user):
    FeedbackMessageFactory()
    client.force_login(make_user())

    assert client.get(reverse("feedback:received")).status_code == 403


def test_received_list_sends_anonymous_visitors_to_log_in(client):
    response = client.get(reverse("feedback:received"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
