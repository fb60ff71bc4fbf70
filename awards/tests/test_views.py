import re
from decimal import Decimal

import pytest
import segno
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from appraisal.models import Event, EventKind, EventValidity, QuarterStatus
from appraisal.services import event_rule
from awards.models import AwardBadge, AwardBadgeStatus, WorkBadge, WorkBadgeStatus
from awards.templatetags.badges import qr_svg
from awards.tests.factories import (
    AwardBadgeFactory,
    FinalQuarterFactory,
    WinnerResultFactory,
    WorkBadgeFactory,
)
from employees.tests.factories import (
    DepartmentFactory,
    EmployeeFactory,
    head_user,
    hr_user,
    staff_employee,
)
from feedback.models import FeedbackMessage

pytestmark = pytest.mark.django_db

PRINT = reverse("awards:print")
BASE = "https://smile.example.com"


@pytest.fixture
def public_base(settings):
    settings.PUBLIC_BASE_URL = BASE
    return BASE


def printed(response) -> dict[str, str]:
    """token → the feedback URL the printed badge carries."""
    html = response.content.decode()
    return dict(
        re.findall(
            r'data-badge-token="([^"]+)"\s+data-employee-number="[^"]*"\s+'
            r'data-feedback-url="([^"]*)"',
            html,
        )
    )


# --- The badge sheet ----------------------------------------------------------


def test_sheet_carries_each_badge_feedback_url_and_its_qr_code(client, office, public_base):
    badges = [WorkBadgeFactory() for _ in range(3)]
    client.force_login(office)

    response = client.get(PRINT)

    assert response.status_code == 200
    urls = printed(response)
    assert urls == {b.token: f"{BASE}/feedback/{b.token}/" for b in badges}
    html = response.content.decode()
    for url in urls.values():
        # The SVG is segno's encoding of exactly that address.
        assert qr_svg(url) in html
    assert html.count('data-qr="svg"') == 3
    for badge in badges:
        assert badge.employee.number in html
        assert badge.employee.name in html


def test_qr_code_encodes_the_url_with_error_correction_m(public_base):
    svg = qr_svg(f"{BASE}/feedback/abc/")

    expected = segno.make(f"{BASE}/feedback/abc/", error="m", micro=False)
    assert svg.startswith("<svg")
    assert svg == expected.svg_inline(
        scale=1, border=2, omitsize=True, svgclass="badge-qr", lineclass=None
    )


def test_sheet_falls_back_to_the_request_address_without_public_base_url(client, office, settings):
    settings.PUBLIC_BASE_URL = ""
    badge = WorkBadgeFactory()
    client.force_login(office)

    response = client.get(PRINT)

    assert printed(response) == {badge.token: f"http://testserver/feedback/{badge.token}/"}


def test_sheet_groups_ten_badges_per_a4_page(client, office, public_base):
    for _ in range(12):
        WorkBadgeFactory()
    client.force_login(office)

    html = client.get(PRINT).content.decode()

    assert html.count("data-sheet=") == 2
    assert html.count("data-badge-token=") == 12


def test_sheet_queries_do_not_grow_with_the_number_of_badges(client, office, public_base):
    client.force_login(office)
    WorkBadgeFactory()
    client.get(PRINT)  # warm up the session and caches
    with CaptureQueriesContext(connection) as few:
        client.get(PRINT)
    for _ in range(15):
        WorkBadgeFactory()

    with CaptureQueriesContext(connection) as many:
        response = client.get(PRINT)

    assert len(printed(response)) == 16
    assert len(many) == len(few)
    assert len(many) <= 8


def test_sheet_for_one_department_or_one_employee(client, office, public_base):
    department = DepartmentFactory()
    inside = [WorkBadgeFactory(employee__department=department) for _ in range(2)]
    outside = WorkBadgeFactory()
    client.force_login(office)

    by_department = client.get(PRINT, {"department": department.pk})
    by_employee = client.get(PRINT, {"employee": outside.employee_id})

    assert set(printed(by_department)) == {b.token for b in inside}
    assert set(printed(by_employee)) == {outside.token}


def test_sheet_leaves_out_lost_badges_and_inactive_employees(client, office, public_base):
    kept = WorkBadgeFactory()
    WorkBadgeFactory(status=WorkBadgeStatus.LOST, lost_on=timezone.localdate())
    WorkBadgeFactory(employee__is_active=False)
    client.force_login(office)

    assert set(printed(client.get(PRINT))) == {kept.token}


def test_supervisor_badge_is_printed_without_a_qr_code(client, office, public_base):
    badge = WorkBadgeFactory(employee__is_supervisor=True)
    client.force_login(office)

    response = client.get(PRINT)

    assert printed(response) == {badge.token: ""}
    assert 'data-qr="none"' in response.content.decode()


def test_department_head_prints_only_their_own_department(client, public_base):
    department = DepartmentFactory()
    own = WorkBadgeFactory(employee__department=department)
    other = WorkBadgeFactory()
    client.force_login(head_user(department))

    everyone = client.get(PRINT)
    other_department = client.get(PRINT, {"department": other.employee.department_id})
    other_employee = client.get(PRINT, {"employee": other.employee_id})

    assert set(printed(everyone)) == {own.token}
    assert other_department.status_code == 403
    assert other_employee.status_code == 403


@pytest.mark.parametrize("make_user", [hr_user, lambda: staff_employee().user])
def test_hr_and_staff_cannot_print_badges(client, make_user):
    WorkBadgeFactory()
    client.force_login(make_user())

    assert client.get(PRINT).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    for url in [PRINT, reverse("awards:index"), reverse("awards:work_badges")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_printed_badge_link_takes_a_praise_that_is_valid_once_ruled(client, office, public_base):
    """The demo path: scan the printed code, praise, the office rules it valid."""
    badge = WorkBadgeFactory()
    client.force_login(office)
    url = printed(client.get(PRINT))[badge.token]
    client.logout()

    path = url.removeprefix(BASE)
    assert client.get(path).status_code == 200
    response = client.post(
        path, {"kind": "praise", "text": "微笑服务，耐心指引", "website": ""}, REMOTE_ADDR="1.2.3.4"
    )
    assert response.status_code == 302
    event = FeedbackMessage.objects.get().event
    assert event.validity == EventValidity.PENDING

    event_rule(event=event, validity=EventValidity.VALID, ruled_by=office)

    valid = Event.objects.valid().get()
    assert (valid.kind, valid.employee, valid.date) == (
        EventKind.WECHAT_PRAISE,
        badge.employee,
        timezone.localdate(),
    )


# --- Work badge page ----------------------------------------------------------


def lost_post(client, badge, **overrides):
    data = {"number": badge.employee.number, "lost_on": timezone.localdate(), "confirm": "on"}
    data.update(overrides)
    return client.post(reverse("awards:work_badge_lost"), data)


def test_office_sees_the_work_badge_page(client, office):
    lost = WorkBadgeFactory(status=WorkBadgeStatus.LOST, lost_on=timezone.localdate())
    client.force_login(office)

    response = client.get(reverse("awards:work_badges"))

    assert response.status_code == 200
    assert f'data-work-badge="{lost.pk}"' in response.content.decode()


def test_office_records_a_lost_work_badge_and_is_sent_to_print_the_new_one(client, office):
    badge = WorkBadgeFactory()
    client.force_login(office)

    response = lost_post(client, badge)

    new_badge = WorkBadge.objects.issued().get(employee=badge.employee)
    assert response.status_code == 302
    assert response.url == f"{PRINT}?employee={badge.employee_id}"
    assert new_badge.token != badge.token
    event = Event.objects.get(kind=EventKind.WORK_BADGE_LOST)
    assert event.amount == Decimal("-200.00")
    assert event.points == Decimal("2.0")


@pytest.mark.parametrize(
    "overrides, field",
    [({"confirm": ""}, "confirm"), ({"number": "NOPE"}, "number"), ({"lost_on": ""}, "lost_on")],
)
def test_lost_work_badge_form_errors_change_nothing(client, office, overrides, field):
    badge = WorkBadgeFactory()
    client.force_login(office)

    response = lost_post(client, badge, **overrides)

    assert response.status_code == 400
    assert field in response.context["lost_form"].errors
    assert not Event.objects.exists()
    assert WorkBadge.objects.get().status == WorkBadgeStatus.ISSUED


@pytest.mark.parametrize(
    "make_user", [hr_user, lambda: head_user(DepartmentFactory()), lambda: staff_employee().user]
)
def test_only_the_office_records_lost_work_badges(client, make_user):
    badge = WorkBadgeFactory()
    client.force_login(make_user())

    assert lost_post(client, badge).status_code == 403
    assert client.get(reverse("awards:work_badges")).status_code == 403
    assert not Event.objects.exists()
    assert WorkBadge.objects.get().status == WorkBadgeStatus.ISSUED


def test_office_issues_missing_first_badges(client, office):
    employee = EmployeeFactory()
    client.force_login(office)

    response = client.post(
        reverse("awards:work_badges_issue_missing"), {"issued_on": timezone.localdate()}
    )

    assert response.status_code == 302
    assert WorkBadge.objects.issued().filter(employee=employee).count() == 1


# --- Award badge page ---------------------------------------------------------


def test_office_sees_award_badges_out_with_the_overdue_ones_flagged(client, office):
    current = AwardBadgeFactory()
    overdue = AwardBadgeFactory(
        issued_on=current.issued_on.replace(year=current.issued_on.year - 1),
        due_back_on=current.issued_on.replace(year=current.issued_on.year - 1),
    )
    returned = AwardBadgeFactory(status=AwardBadgeStatus.RETURNED, returned_on=current.issued_on)
    client.force_login(office)

    response = client.get(reverse("awards:index"))

    html = response.content.decode()
    assert response.status_code == 200
    assert list(response.context["badges_out"]) == [overdue, current]
    assert response.context["overdue_count"] == 1
    assert re.search(rf'data-award-badge="{overdue.pk}"\s+data-overdue="yes"', html)
    assert re.search(rf'data-award-badge="{current.pk}"\s+data-overdue="no"', html)
    assert f'data-award-badge="{returned.pk}" data-status="returned"' in html


@pytest.mark.parametrize(
    "make_user", [hr_user, lambda: head_user(DepartmentFactory()), lambda: staff_employee().user]
)
def test_award_badge_page_and_actions_are_for_the_office_only(client, make_user):
    badge = AwardBadgeFactory()
    client.force_login(make_user())
    today = timezone.localdate()

    assert client.get(reverse("awards:index")).status_code == 403
    returned = client.post(
        reverse("awards:award_badge_return", args=[badge.pk]), {"returned_on": today}
    )
    lost = client.post(
        reverse("awards:award_badge_lost", args=[badge.pk]), {"lost_on": today, "confirm": "on"}
    )
    issued = client.post(
        reverse("awards:award_badges_issue"),
        {"quarter": FinalQuarterFactory().pk, "issued_on": today},
    )

    assert (returned.status_code, lost.status_code, issued.status_code) == (403, 403, 403)
    badge.refresh_from_db()
    assert badge.status == AwardBadgeStatus.ISSUED
    assert not Event.objects.exists()
    assert AwardBadge.objects.count() == 1


def test_office_records_a_returned_award_badge(client, office):
    badge = AwardBadgeFactory()
    client.force_login(office)

    response = client.post(
        reverse("awards:award_badge_return", args=[badge.pk]),
        {"returned_on": timezone.localdate()},
    )

    assert response.status_code == 302
    badge.refresh_from_db()
    assert badge.status == AwardBadgeStatus.RETURNED


def test_office_records_a_lost_award_badge_only_when_confirmed(client, office):
    badge = AwardBadgeFactory()
    client.force_login(office)
    url = reverse("awards:award_badge_lost", args=[badge.pk])

    client.post(url, {"lost_on": timezone.localdate()})
    badge.refresh_from_db()
    assert badge.status == AwardBadgeStatus.ISSUED
    assert not Event.objects.exists()

    client.post(url, {"lost_on": timezone.localdate(), "confirm": "on"})
    badge.refresh_from_db()
    assert badge.status == AwardBadgeStatus.LOST
    assert Event.objects.get().kind == EventKind.AWARD_BADGE_LOST


def test_office_issues_award_badges_for_a_final_quarter(client, office):
    quarter = FinalQuarterFactory()
    WinnerResultFactory(quarter=quarter)
    client.force_login(office)

    page = client.get(reverse("awards:index")).content.decode()
    assert f'data-quarter="{quarter.code}" data-to-issue="1"' in page
    response = client.post(
        reverse("awards:award_badges_issue"),
        {"quarter": quarter.pk, "issued_on": timezone.localdate()},
    )

    assert response.status_code == 302
    assert AwardBadge.objects.get().result.quarter == quarter


def test_award_badges_for_a_closed_quarter_are_refused_by_the_page(client, office):
    quarter = FinalQuarterFactory(status=QuarterStatus.CLOSED)
    WinnerResultFactory(quarter=quarter)
    client.force_login(office)

    response = client.post(
        reverse("awards:award_badges_issue"),
        {"quarter": quarter.pk, "issued_on": timezone.localdate()},
        follow=True,
    )

    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert not AwardBadge.objects.exists()
