"""The quarter workbench over HTTP: every page and action × role, state refusals, CSRF.

The data is created first and the quarter moved on with the services afterwards
(on PostgreSQL a trigger refuses sheets and events dated in a closed quarter).
Quarter 2025Q3 lies in the past, so its notice has ended whatever day the tests run.
"""

import datetime
import io
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from appraisal.models import (
    Approval,
    AwardTier,
    DepartmentReview,
    Event,
    EventKind,
    Objection,
    ObjectionChannel,
    ObjectionStatus,
    Quarter,
    QuarterAction,
    QuarterLog,
    QuarterResult,
    QuarterStatus,
    ReviewStatus,
)
from appraisal.rules import QuarterId
from appraisal.services import (
    department_submit,
    objection_record,
    quarter_approve,
    quarter_close,
    quarter_finalize,
    quarter_mark_paid,
)
from appraisal.tests.factories import (
    DailySheetFactory,
    EventFactory,
    QuarterFactory,
    QuarterResultFactory,
)
from employees.models import DepartmentKind
from employees.tests.factories import (
    DepartmentFactory,
    EmployeeFactory,
    head_user,
    hr_user,
    office_user,
    staff_employee,
)

pytestmark = pytest.mark.django_db

D = Decimal
CODE = "2025Q3"
CLOSE_DAY = datetime.date(2025, 10, 1)
PUBLISHED_ON = datetime.date(2025, 10, 10)
FINAL_DAY = datetime.date(2025, 11, 11)
STATES = ["open", "closed", "published", "final", "paid"]


def sheet(employee, total_service, day=datetime.date(2025, 7, 1)):
    """One sheet whose total is 50 + `total_service`."""
    return DailySheetFactory(employee=employee, day=day, service=D(total_service))


class World:
    """Two departments, their heads, HR, the office and a staff login, and 2025Q3."""

    def __init__(self):
        self.quarter = QuarterFactory(year=2025, number=3)
        self.a = DepartmentFactory(name="装卸作业部", kind=DepartmentKind.FRONTLINE)
        self.b = DepartmentFactory(name="财务部", kind=DepartmentKind.FUNCTIONAL)
        self.office = office_user(username="office")
        self.hr = hr_user(username="hr")
        self.head_a = head_user(self.a, username="head_a")
        self.head_b = head_user(self.b, username="head_b")
        self.staff = staff_employee(department=self.a, number="S0001", name="职工")
        # 装卸作业部: best (100), ambassador (92), no award (82); 财务部: style (87), training (73).
        self.a1 = EmployeeFactory(department=self.a, number="A001", name="张三")
        self.a2 = EmployeeFactory(department=self.a, number="A002", name="李四")
        self.a3 = EmployeeFactory(department=self.a, number="A003", name="王五")
        self.b1 = EmployeeFactory(department=self.b, number="B001", name="赵六")
        self.b2 = EmployeeFactory(department=self.b, number="B002", name="钱七")
        sheet(self.a1, 50)
        sheet(self.a2, 42)
        sheet(self.a3, 32)
        sheet(self.b1, 37)
        sheet(self.b2, 23)
        # A praise with a reward for A001 (money on the payout sheet), a pending one for B001.
        EventFactory(
            employee=self.a1,
            date=datetime.date(2025, 7, 15),
            kind=EventKind.PENNANT,
            validity="valid",
            amount=D("100"),
            ruled_at=timezone.now(),
        )
        self.pending_event = EventFactory(
            employee=self.b1, date=datetime.date(2025, 8, 1), kind=EventKind.PRAISE_LETTER
        )

    def to(self, status):
        """Move the quarter on to `status` with the services."""
        index = STATES.index(status)
        if index >= 1:
            quarter_close(quarter=self.quarter, closed_by=None, today=CLOSE_DAY)
        if index >= 2:
            quarter_approve(
                quarter=self.quarter, approved_by=None, on=PUBLISHED_ON, today=PUBLISHED_ON
            )
        if index >= 3:
            quarter_finalize(quarter=self.quarter, today=FINAL_DAY)
        if index >= 4:
            quarter_mark_paid(quarter=self.quarter, paid_by=None)
        self.quarter.refresh_from_db()
        return self

    def user(self, name):
        return {
            "office": self.office,
            "hr": self.hr,
            "head": self.head_a,
            "other_head": self.head_b,
            "staff": self.staff.user,
        }[name]


@pytest.fixture
def world():
    return World()


def login(client, world, name):
    if name != "anonymous":
        client.force_login(world.user(name))
    return client


def url(name, *args, **query):
    result = reverse(f"appraisal:{name}", args=args)
    if query:
        result += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return result


def status_of(world):
    return Quarter.objects.get(pk=world.quarter.pk).status


def flashed(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- Who opens what ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [("office", 200), ("hr", 200), ("head", 200), ("other_head", 200), ("staff", 403)],
)
def test_the_quarter_list_and_overview_are_for_the_office_hr_and_heads(
    client, world, who, expected
):
    world.to("closed")
    login(client, world, who)

    assert client.get(url("quarters")).status_code == expected
    response = client.get(url("quarter", CODE))

    assert response.status_code == expected
    if expected == 200:
        assert b'data-status="closed"' in response.content


@pytest.mark.parametrize(
    "name",
    ["quarters", "quarter", "quarter_close", "results", "quarter_approve", "notice", "objections"],
)
def test_an_anonymous_visitor_is_sent_to_the_login_page(client, world, name):
    target = url(name) if name == "quarters" else url(name, CODE)

    response = client.get(target)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_unknown_quarter_is_not_found(client, world):
    login(client, world, "office")

    assert client.get(url("quarter", "2019Q1")).status_code == 404
    assert client.get("/appraisal/quarters/2019Q5/").status_code == 404


def test_the_list_shows_each_quarter_with_its_dates_and_next_step(client, world):
    world.to("published")
    login(client, world, "office")

    html = client.get(url("quarters")).content.decode()

    assert 'data-quarter="2025Q3"' in html
    assert 'data-status="published"' in html
    assert "2025-10-10" in html
    assert "2025-11-10" in html
    assert "data-next-step" in html


@pytest.mark.parametrize(
    ("who", "present", "absent"),
    [
        ("office", ["close", "approve", "reopen", "results", "results-xlsx"], ["paid"]),
        ("hr", ["results", "results-xlsx"], ["close", "approve", "reopen"]),
        ("head", ["results"], ["close", "approve", "reopen", "results-xlsx"]),
    ],
)
def test_the_overview_offers_the_actions_the_role_and_state_allow(
    client, world, who, present, absent
):
    world.to("closed")
    login(client, world, who)

    html = client.get(url("quarter", CODE)).content.decode()

    for action in present:
        assert f'data-action="{action}"' in html
    for action in absent:
        assert f'data-action="{action}"' not in html


def test_the_overview_counts_pending_events_and_objections_and_shows_the_log(client, world):
    world.to("published")
    objection_record(
        quarter=world.quarter,
        employee=world.a1,
        channel=ObjectionChannel.HOTLINE,
        text="不服",
        recorded_by=None,
        today=PUBLISHED_ON,
    )
    login(client, world, "office")

    html = client.get(url("quarter", CODE)).content.decode()

    assert 'data-count="pending-events"\n              data-value="1"' in html
    assert 'data-count="pending-objections"\n              data-value="1"' in html
    assert url("objections", CODE) in html
    assert 'data-log="close"' in html
    assert 'data-log="approve"' in html
    assert 'id="finalize-why"' in html


def test_the_overview_draws_the_tier_counts_and_the_trend_once_closed(client, world):
    world.to("closed")
    login(client, world, "office")

    html = client.get(url("quarter", CODE)).content.decode()

    assert 'data-chart="tiers"' in html
    assert 'data-chart="trend"' in html
    assert "<svg" in html


def test_a_head_sees_only_their_own_department_review_on_the_overview(client, world):
    world.to("closed")
    login(client, world, "head")

    html = client.get(url("quarter", CODE)).content.decode()

    assert f'data-review="{world.a.pk}"' in html
    assert f'data-review="{world.b.pk}"' not in html
    assert world.b.name not in html  # nor in the charts


@pytest.mark.parametrize(
    ("who", "queries"),
    [
        # Session, login (with its employee, if any, for the navbar: see
        # employees.backends), its roles; the quarter; reviews, objections,
        # results, events, log; tier counts, trend (its quarters a subquery).
        ("office", 11),
        # A head adds the company's open reviews (their department comes with the login).
        ("head", 12),
    ],
)
def test_the_overview_reads_a_fixed_number_of_queries(
    client, world, who, queries, django_assert_num_queries
):
    world.to("published")
    for number in range(3):
        department = DepartmentFactory(name=f"部门{number}")
        EmployeeFactory(department=department, number=f"C00{number}")
    QuarterFactory(year=2025, number=2, status=QuarterStatus.PAID)
    login(client, world, who)

    with django_assert_num_queries(queries):
        response = client.get(url("quarter", CODE))

    assert response.status_code == 200


def test_an_open_quarter_without_a_closed_one_before_it_shows_the_latest_closed(client, world):
    # As before the trend's quarters became a subquery: none closed up to this
    # quarter means the latest closed quarters, whichever they are.
    later = QuarterFactory(year=2025, number=4, status=QuarterStatus.CLOSED)
    QuarterResultFactory(quarter=later, employee=world.a1, department=world.a)
    login(client, world, "office")

    html = client.get(url("quarter", CODE)).content.decode()

    assert 'data-chart="trend"' in html
    assert 'data-quarter="2025Q4"' in html


# --- Close and reopen ------------------------------------------------------------------


def test_the_close_page_says_what_closing_will_do(client, world):
    EmployeeFactory(department=world.b, number="B009", name="无记录")
    EmployeeFactory(department=world.a, number="A009", name="主管", is_supervisor=True)
    login(client, world, "office")

    html = client.get(url("quarter_close", CODE)).content.decode()

    assert 'data-count="appraised"\n              data-value="5"' in html
    # B009 and the staff login's employee have no sheet; the supervisor is not appraised.
    assert 'data-value="2"' in html.split('data-count="without-sheet"')[1][:80]
    assert 'data-value="1"' in html.split('data-count="pending-events"')[1][:80]
    assert "data-early" not in html  # 2025Q3 has ended


def test_the_office_closes_the_quarter(client, world):
    login(client, world, "office")

    response = client.post(url("quarter_close", CODE), {"with_pending": "on"})

    assert response.status_code == 302
    assert response["Location"] == url("quarter", CODE)
    assert status_of(world) == QuarterStatus.CLOSED
    assert QuarterResult.objects.filter(quarter=world.quarter).count() == 5
    assert flashed(response)


def test_closing_with_pending_events_lists_them_and_needs_the_office_to_confirm(client, world):
    pending = list(Event.objects.pending().in_quarter(world.quarter))
    assert pending
    login(client, world, "office")

    page = client.get(url("quarter_close", CODE)).content.decode()
    refused = client.post(url("quarter_close", CODE))

    assert 'id="close-pending"' in page and f'data-event="{pending[0].pk}"' in page
    assert "data-what-stops" in page
    assert refused.status_code == 200
    assert 'name="with_pending"' in refused.content.decode()
    assert status_of(world) == QuarterStatus.OPEN
    client.post(url("quarter_close", CODE), {"with_pending": "on"})
    assert status_of(world) == QuarterStatus.CLOSED


def test_closing_before_the_last_day_needs_the_close_early_box(client, world):
    today = timezone.localdate()
    qid = QuarterId.of(today)
    if today == qid.last_day:
        pytest.skip("today is the quarter's last day: nothing is early")
    current = QuarterFactory(year=qid.year, number=qid.number)
    sheet(world.a1, 50, day=qid.first_day)
    login(client, world, "office")

    page = client.get(url("quarter_close", current.code)).content.decode()
    refused = client.post(url("quarter_close", current.code))

    assert "data-early" in page
    assert 'name="force"' in page
    assert refused.status_code == 200
    assert b"data-form-error" in refused.content
    assert Quarter.objects.get(pk=current.pk).status == QuarterStatus.OPEN

    closed = client.post(url("quarter_close", current.code), {"force": "on"})

    assert closed.status_code == 302
    assert Quarter.objects.get(pk=current.pk).status == QuarterStatus.CLOSED


@pytest.mark.parametrize("who", ["hr", "head", "staff"])
def test_only_the_office_closes_or_reopens(client, world, who):
    login(client, world, who)

    assert client.get(url("quarter_close", CODE)).status_code == 403
    assert client.post(url("quarter_close", CODE), {"force": "on"}).status_code == 403
    assert status_of(world) == QuarterStatus.OPEN
    world.to("closed")
    assert client.post(url("quarter_reopen", CODE), {"reason": "更正"}).status_code == 403
    assert status_of(world) == QuarterStatus.CLOSED


def test_a_published_quarter_cannot_be_closed_again_and_the_page_says_so(client, world):
    world.to("published")
    login(client, world, "office")

    page = client.get(url("quarter_close", CODE))
    response = client.post(url("quarter_close", CODE))

    assert page.status_code == 200
    assert b"data-refusal" in page.content
    assert b'data-submit="close"' not in page.content
    assert response.status_code == 302
    assert flashed(response)
    assert status_of(world) == QuarterStatus.PUBLISHED


def test_reopening_needs_a_reason(client, world):
    world.to("closed")
    login(client, world, "office")

    refused = client.post(url("quarter_reopen", CODE), {"reason": "  "})

    assert refused.status_code == 200
    assert b'data-error-for="reason"' in refused.content
    assert status_of(world) == QuarterStatus.CLOSED

    response = client.post(url("quarter_reopen", CODE), {"reason": "补录抽查"})

    assert response.status_code == 302
    assert status_of(world) == QuarterStatus.OPEN
    assert QuarterLog.objects.filter(
        quarter=world.quarter, action=QuarterAction.REOPEN, reason="补录抽查"
    ).exists()


def test_an_open_quarter_cannot_be_reopened(client, world):
    login(client, world, "office")

    page = client.get(url("quarter_reopen", CODE))
    response = client.post(url("quarter_reopen", CODE), {"reason": "x"})

    assert b"data-refusal" in page.content
    assert response.status_code == 302
    assert flashed(response)
    assert not QuarterLog.objects.filter(quarter=world.quarter).exists()


# --- A department's list ----------------------------------------------------------------


@pytest.mark.parametrize(("who", "expected"), [("office", 200), ("hr", 200), ("head", 200)])
def test_a_department_list_opens_for_the_office_hr_and_its_head(client, world, who, expected):
    world.to("closed")
    login(client, world, who)

    response = client.get(url("results", CODE, department=world.a.pk))

    assert response.status_code == expected
    html = response.content.decode()
    for employee in (world.a1, world.a2, world.a3):
        assert f'data-result="{employee.pk}"' in html
    assert f'data-result="{world.b1.pk}"' not in html


def test_a_department_list_draws_that_departments_tiers_and_trend(client, world):
    world.to("closed")
    login(client, world, "head")

    html = client.get(url("results", CODE, department=world.a.pk)).content.decode()

    assert 'data-chart="tiers"' in html
    assert 'data-chart="trend"' in html
    assert world.a.name in html
    assert world.b.name not in html


def test_a_head_cannot_open_another_department_list(client, world):
    world.to("closed")
    login(client, world, "other_head")

    assert client.get(url("results", CODE, department=world.a.pk)).status_code == 404
    assert client.get(url("results", CODE, department="x")).status_code == 404
    own = client.get(url("results", CODE)).content.decode()
    assert f'data-result="{world.b1.pk}"' in own
    assert f'data-result="{world.a1.pk}"' not in own


def test_staff_cannot_open_a_department_list(client, world):
    world.to("closed")
    login(client, world, "staff")

    assert client.get(url("results", CODE)).status_code == 403


def test_money_columns_are_for_hr_and_the_office_not_for_heads(client, world):
    world.to("closed")

    hr_html = login(client, world, "hr").get(url("results", CODE)).content.decode()
    head_html = login(Client(), world, "head").get(url("results", CODE)).content.decode()

    assert 'data-money="net"' in hr_html
    assert 'data-money="net"' not in head_html


def test_the_list_shows_every_disqualification_reason_and_training(client, world):
    world.to("closed")
    result = QuarterResult.objects.get(employee=world.b2)
    QuarterResult.objects.filter(pk=result.pk).update(
        disqualified=True,
        disqualification_reasons=[
            {"code": "company_complaint", "count": 1},
            {"code": "monthly_deductions", "month": 7, "points": "15.0"},
        ],
    )
    login(client, world, "office")

    html = client.get(url("results", CODE, department=world.b.pk)).content.decode()
    row = html.split(f'data-result="{world.b2.pk}"')[1].split("</tr>")[0]

    assert 'data-reasons="2"' in row
    assert "data-training" in row


def test_an_open_quarter_has_no_list_yet(client, world):
    login(client, world, "office")

    response = client.get(url("results", CODE))

    assert response.status_code == 200
    assert b'data-empty="not-closed"' in response.content


def test_a_head_withdraws_a_nominee_with_a_reason_and_submits(client, world):
    world.to("closed")
    login(client, world, "head")
    page = client.get(url("results", CODE)).content.decode()
    assert f'name="withdraw_{world.a2.pk}"' in page
    assert f'name="withdraw_{world.a3.pk}"' not in page  # no tier: not a nominee

    response = client.post(
        url("results_submit", CODE, world.a.pk),
        {
            f"withdraw_{world.a2.pk}": "on",
            f"reason_{world.a2.pk}": "群众反映服务态度差",
            "confirmed": "1",
        },
    )

    assert response.status_code == 302
    review = DepartmentReview.objects.get(quarter=world.quarter, department=world.a)
    assert review.status == ReviewStatus.SUBMITTED
    assert review.submitted_by == world.head_a
    withdrawn = QuarterResult.objects.get(employee=world.a2)
    assert withdrawn.withdrawn
    assert withdrawn.withdrawal_reason == "群众反映服务态度差"
    assert withdrawn.award_tier == AwardTier.NONE
    assert QuarterResult.objects.get(employee=world.a1).award_tier == AwardTier.BEST
    after = client.get(url("results", CODE)).content.decode()
    assert 'id="submit-form"' not in after
    assert 'data-review-status="submitted"' in after


def test_withdrawing_without_a_reason_names_the_field_and_changes_nothing(client, world):
    world.to("closed")
    login(client, world, "head")

    response = client.post(
        url("results_submit", CODE, world.a.pk), {f"withdraw_{world.a2.pk}": "on"}
    )

    assert response.status_code == 200
    assert f'data-error-for="reason_{world.a2.pk}"'.encode() in response.content
    assert DepartmentReview.objects.get(department=world.a).status == ReviewStatus.REVIEWING
    assert not QuarterResult.objects.get(employee=world.a2).withdrawn


@pytest.mark.parametrize(("who", "expected"), [("other_head", 404), ("hr", 403), ("staff", 403)])
def test_nobody_else_submits_a_department_list(client, world, who, expected):
    world.to("closed")
    login(client, world, who)

    response = client.post(url("results_submit", CODE, world.a.pk), {"confirmed": "1"})

    assert response.status_code == expected
    assert DepartmentReview.objects.get(department=world.a).status == ReviewStatus.REVIEWING


def test_submitting_a_list_first_asks_for_confirmation_and_changes_nothing(client, world):
    world.to("closed")
    login(client, world, "head")
    data = {f"withdraw_{world.a2.pk}": "on", f"reason_{world.a2.pk}": "群众反映服务态度差"}

    response = client.post(url("results_submit", CODE, world.a.pk), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="submit-confirm"' in page
    assert 'data-confirm-withdrawals="1"' in page
    assert "群众反映服务态度差" in page
    assert 'name="confirmed" value="1"' in page
    assert DepartmentReview.objects.get(department=world.a).status == ReviewStatus.REVIEWING
    assert not QuarterResult.objects.get(employee=world.a2).withdrawn

    response = client.post(url("results_submit", CODE, world.a.pk), {**data, "confirmed": "1"})

    assert response.status_code == 302
    assert DepartmentReview.objects.get(department=world.a).status == ReviewStatus.SUBMITTED
    assert QuarterResult.objects.get(employee=world.a2).withdrawn


def test_a_submitted_list_cannot_be_submitted_again(client, world):
    world.to("closed")
    department_submit(quarter=world.quarter, department=world.a, submitted_by=world.head_a)
    login(client, world, "head")

    response = client.post(
        url("results_submit", CODE, world.a.pk),
        {f"withdraw_{world.a2.pk}": "on", f"reason_{world.a2.pk}": "迟了", "confirmed": "1"},
    )

    assert response.status_code == 302
    assert flashed(response)
    assert not QuarterResult.objects.get(employee=world.a2).withdrawn


# --- Approval ---------------------------------------------------------------------------


def test_the_approval_page_lists_nominees_and_warns_about_unsubmitted_lists(client, world):
    world.to("closed")
    department_submit(quarter=world.quarter, department=world.a, submitted_by=world.head_a)
    login(client, world, "office")

    html = client.get(url("quarter_approve", CODE)).content.decode()

    assert 'data-not-submitted="1"' in html
    for employee in (world.a1, world.a2, world.b1):
        assert f'data-nominee="{employee.pk}"' in html
    assert f'data-nominee="{world.a3.pk}"' not in html


def test_the_approval_names_unsubmitted_departments_beside_its_button_in_one_sentence(
    client, world
):
    world.to("closed")
    login(client, world, "office")

    html = client.get(url("quarter_approve", CODE)).content.decode()

    names = "、".join(d.name for d in (world.a, world.b))
    assert html.count(f"以下部门尚未提报名单：{names}。") == 2
    assert 'data-not-submitted-confirm="2"' in html
    assert html.index("data-not-submitted-confirm") < html.index('data-submit="approve"')
    assert " . " not in html


def test_the_overview_actions_keep_their_natural_height(client, world):
    login(client, world, "office")

    html = client.get(url("quarter", CODE)).content.decode()

    assert "card-body d-grid gap-2 align-content-start" in html


def test_the_office_approves_and_publishes_revoking_one_nominee(client, world):
    world.to("closed")
    login(client, world, "office")

    response = client.post(
        url("quarter_approve", CODE),
        {
            "on": "2025-10-12",
            f"decision_{world.a1.pk}": "approve",
            f"decision_{world.b1.pk}": "revoke",
            f"reason_{world.b1.pk}": "抽查不符",
        },
    )

    assert response.status_code == 302
    quarter = Quarter.objects.get(pk=world.quarter.pk)
    assert quarter.status == QuarterStatus.PUBLISHED
    assert quarter.published_on == datetime.date(2025, 10, 12)
    assert quarter.notice_ends_on == datetime.date(2025, 11, 12)
    revoked = QuarterResult.objects.get(employee=world.b1)
    assert revoked.approval == Approval.REVOKED
    assert revoked.revocation_reason == "抽查不符"
    assert QuarterResult.objects.get(employee=world.a2).approval == Approval.APPROVED


def test_revoking_without_a_reason_names_the_nominee_and_changes_nothing(client, world):
    world.to("closed")
    login(client, world, "office")

    response = client.post(
        url("quarter_approve", CODE), {"on": "2025-10-12", f"decision_{world.b1.pk}": "revoke"}
    )

    assert response.status_code == 200
    assert f'data-error-for="reason_{world.b1.pk}"'.encode() in response.content
    assert status_of(world) == QuarterStatus.CLOSED
    assert not QuarterResult.objects.filter(quarter=world.quarter).exclude(
        approval=Approval.PENDING
    )


@pytest.mark.parametrize("on", ["", "2031-01-01", "1999-01-01", "not a date"])
def test_a_bad_publishing_date_names_the_field_and_changes_nothing(client, world, on):
    world.to("closed")
    login(client, world, "office")

    response = client.post(url("quarter_approve", CODE), {"on": on})

    assert response.status_code == 200
    assert b'data-error-for="on"' in response.content
    assert status_of(world) == QuarterStatus.CLOSED


@pytest.mark.parametrize("who", ["hr", "head", "staff"])
def test_only_the_office_approves(client, world, who):
    world.to("closed")
    login(client, world, who)

    assert client.get(url("quarter_approve", CODE)).status_code == 403
    assert client.post(url("quarter_approve", CODE), {"on": "2025-10-12"}).status_code == 403
    assert status_of(world) == QuarterStatus.CLOSED


def test_approving_an_open_quarter_is_refused_with_a_message(client, world):
    login(client, world, "office")

    response = client.post(url("quarter_approve", CODE), {"on": "2025-10-12"})

    assert response.status_code == 302
    assert flashed(response)
    assert status_of(world) == QuarterStatus.OPEN


# --- The public notice ------------------------------------------------------------------


@pytest.mark.parametrize("who", ["office", "hr", "head", "other_head", "staff"])
def test_every_login_sees_the_notice_once_published(client, world, who):
    world.to("published")
    login(client, world, who)

    response = client.get(url("notice", CODE))

    assert response.status_code == 200
    html = response.content.decode()
    for employee in (world.a1, world.a2, world.b1):
        assert f'data-winner="{employee.pk}"' in html
    assert f'data-winner="{world.a3.pk}"' not in html
    assert "6264368" in html
    assert 'data-from="2025-10-10"' in html
    assert 'data-until="2025-11-10"' in html


@pytest.mark.parametrize("state", ["open", "closed"])
def test_the_notice_does_not_exist_before_publishing(client, world, state):
    world.to(state)
    login(client, world, "staff")

    assert client.get(url("notice", CODE)).status_code == 404


def test_the_notice_of_one_department_and_its_pending_objection_line(client, world):
    world.to("published")
    objection_record(
        quarter=world.quarter,
        employee=world.b1,
        channel=ObjectionChannel.LETTER,
        text="有异议",
        recorded_by=None,
        today=PUBLISHED_ON,
    )
    login(client, world, "staff")

    html = client.get(url("notice", CODE, department=world.b.pk)).content.decode()

    assert f'data-winner="{world.b1.pk}"' in html
    assert f'data-winner="{world.a1.pk}"' not in html
    assert 'id="pending-objections"' in html
    # The print rules live in the page's stylesheet: the CSP refuses a <style> in the page.
    assert "css/notice.css" in html
    assert "@media print" in Path(finders.find("css/notice.css")).read_text(encoding="utf-8")


def test_a_revoked_award_is_not_on_the_notice(client, world):
    world.to("closed")
    quarter_approve(
        quarter=world.quarter,
        approved_by=None,
        on=PUBLISHED_ON,
        today=PUBLISHED_ON,
        revocations={world.a2.pk: "抽查不符"},
    )
    login(client, world, "staff")

    html = client.get(url("notice", CODE)).content.decode()

    assert f'data-winner="{world.a2.pk}"' not in html
    assert f'data-winner="{world.a1.pk}"' in html


# --- Objections --------------------------------------------------------------------------


def test_the_office_records_an_objection_shown_escaped(client, world):
    # Published today: the notice is running, so no late confirmation is asked for.
    today = timezone.localdate()
    world.to("closed")
    quarter_approve(quarter=world.quarter, approved_by=None, on=today, today=today)
    login(client, world, "office")

    response = client.post(
        url("objections", CODE),
        {
            "employee": world.a1.pk,
            "channel": "hotline",
            "raised_by": "货主",
            "text": "<script>alert(1)</script>服务差",
        },
    )

    assert response.status_code == 302
    objection = Objection.objects.get()
    assert objection.employee == world.a1
    assert objection.recorded_by == world.office
    html = client.get(url("objections", CODE)).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;服务差" in html
    assert "<script>alert(1)" not in html
    assert 'data-pending="1"' in html


def test_after_the_notice_the_office_records_a_late_objection_only_by_ticking_the_box(
    client, world
):
    world.to("published")  # its notice ended on 2025-11-10
    login(client, world, "office")
    data = {"employee": world.a1.pk, "channel": "hotline", "text": "公示后才收到的投诉"}

    page = client.get(url("objections", CODE)).content.decode()
    refused = client.post(url("objections", CODE), data)

    box = re.search(r'<input[^>]*name="late"[^>]*>', page)
    assert box is not None
    assert "checked" not in box.group(0)
    assert refused.status_code == 200
    html = refused.content.decode()
    assert "公示期为 2025-10-10 至 2025-11-10，已结束；确认后作为逾期异议登记" in html
    assert 'name="late"' in html
    assert not Objection.objects.exists()

    recorded = client.post(url("objections", CODE), {**data, "late": "on"})

    assert recorded.status_code == 302
    objection = Objection.objects.get()
    assert (objection.late, objection.recorded_by) == (True, world.office)
    html = client.get(url("objections", CODE)).content.decode()
    assert f'data-objection="{objection.pk}"' in html
    assert "data-late>逾期</span>" in html


def test_during_the_notice_the_form_has_no_late_box(client, world):
    today = timezone.localdate()
    world.to("closed")
    quarter_approve(quarter=world.quarter, approved_by=None, on=today, today=today)
    login(client, world, "office")

    html = client.get(url("objections", CODE)).content.decode()

    assert 'id="record-objection"' in html
    assert 'name="late"' not in html


def test_an_objection_without_text_names_the_field(client, world):
    world.to("published")
    login(client, world, "office")

    response = client.post(url("objections", CODE), {"employee": world.a1.pk, "channel": "hotline"})

    assert response.status_code == 200
    assert b'data-error-for="text"' in response.content
    assert not Objection.objects.exists()


def test_an_objection_against_someone_without_an_award_is_refused(client, world):
    world.to("published")
    login(client, world, "office")

    response = client.post(
        url("objections", CODE),
        {"employee": world.a3.pk, "channel": "hotline", "text": "不服"},
    )

    assert response.status_code == 200
    assert b'data-error-for="employee"' in response.content
    assert not Objection.objects.exists()


def test_upholding_an_objection_revokes_the_award_with_the_ruling(client, world):
    world.to("published")
    objection = objection_record(
        quarter=world.quarter,
        employee=world.a1,
        channel=ObjectionChannel.HOTLINE,
        text="不服",
        recorded_by=None,
        today=PUBLISHED_ON,
    )
    login(client, world, "office")

    response = client.post(
        url("objection_rule", CODE, objection.pk), {"status": "upheld", "ruling": "查实"}
    )

    assert response.status_code == 302
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.UPHELD
    result = QuarterResult.objects.get(employee=world.a1)
    assert result.approval == Approval.REVOKED
    assert result.revocation_reason == "查实"
    assert result.award_tier == AwardTier.NONE


def test_a_ruling_needs_a_reason(client, world):
    world.to("published")
    objection = objection_record(
        quarter=world.quarter,
        employee=world.a1,
        channel=ObjectionChannel.HOTLINE,
        text="不服",
        recorded_by=None,
        today=PUBLISHED_ON,
    )
    login(client, world, "office")

    response = client.post(url("objection_rule", CODE, objection.pk), {"status": "dismissed"})

    assert response.status_code == 200
    assert b'data-error-for="ruling"' in response.content
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.PENDING


def test_upholding_without_a_reason_says_what_is_missing(client, world):
    world.to("published")
    objection = objection_record(
        quarter=world.quarter,
        employee=world.a1,
        channel=ObjectionChannel.HOTLINE,
        text="不服",
        recorded_by=None,
        today=PUBLISHED_ON,
    )
    login(client, world, "office")

    response = client.post(url("objection_rule", CODE, objection.pk), {"status": "upheld"})

    page = response.content.decode()
    assert "请填写裁定理由：异议成立时，该理由即为撤销奖项的原因" in page
    assert "这个字段是必填项。" not in page
    assert QuarterResult.objects.get(employee=world.a1).approval == Approval.APPROVED


@pytest.mark.parametrize("who", ["hr", "head", "staff"])
def test_only_the_office_handles_objections(client, world, who):
    world.to("published")
    objection = objection_record(
        quarter=world.quarter,
        employee=world.a1,
        channel=ObjectionChannel.HOTLINE,
        text="不服",
        recorded_by=None,
        today=PUBLISHED_ON,
    )
    login(client, world, who)

    assert client.get(url("objections", CODE)).status_code == 403
    assert (
        client.post(
            url("objections", CODE), {"employee": world.a1.pk, "channel": "hotline", "text": "x"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            url("objection_rule", CODE, objection.pk), {"status": "upheld", "ruling": "x"}
        ).status_code
        == 403
    )
    assert Objection.objects.get().status == ObjectionStatus.PENDING


def test_objections_of_a_final_quarter_are_read_only(client, world):
    world.to("published")
    objection = objection_record(
        quarter=world.quarter,
        employee=world.a1,
        channel=ObjectionChannel.HOTLINE,
        text="不服",
        recorded_by=None,
        today=PUBLISHED_ON,
    )
    from appraisal.services import objection_rule

    objection_rule(objection=objection, status="dismissed", ruling="查无实据", ruled_by=None)
    quarter_finalize(quarter=world.quarter, today=FINAL_DAY)
    login(client, world, "office")

    page = client.get(url("objections", CODE))
    response = client.post(
        url("objections", CODE), {"employee": world.a1.pk, "channel": "hotline", "text": "x"}
    )

    assert page.status_code == 200
    assert b"data-read-only" in page.content
    assert b'id="record-objection"' not in page.content
    assert response.status_code == 302
    assert flashed(response)
    assert Objection.objects.count() == 1


def test_objections_do_not_exist_before_publishing(client, world):
    world.to("closed")
    login(client, world, "office")

    assert client.get(url("objections", CODE)).status_code == 404


# --- Finalise and paid --------------------------------------------------------------------


def test_finalizing_is_refused_while_an_objection_is_pending_and_the_page_says_why(client, world):
    world.to("published")
    objection_record(
        quarter=world.quarter,
        employee=world.a1,
        channel=ObjectionChannel.HOTLINE,
        text="不服",
        recorded_by=None,
        today=PUBLISHED_ON,
    )
    login(client, world, "office")

    page = client.get(url("quarter_finalize", CODE))
    response = client.post(url("quarter_finalize", CODE))

    assert b"data-refusal" in page.content
    assert b'data-submit="finalize"' not in page.content
    assert response.status_code == 302
    assert flashed(response)
    assert status_of(world) == QuarterStatus.PUBLISHED


def test_the_office_makes_a_quarter_final_after_its_notice(client, world):
    world.to("published")
    login(client, world, "office")

    page = client.get(url("quarter_finalize", CODE))
    response = client.post(url("quarter_finalize", CODE))

    assert b'data-submit="finalize"' in page.content
    assert response.status_code == 302
    quarter = Quarter.objects.get(pk=world.quarter.pk)
    assert quarter.status == QuarterStatus.FINAL
    assert quarter.payout_month == datetime.date(2025, 12, 1)


def test_a_running_notice_blocks_finalizing(client, world):
    today = timezone.localdate()
    world.to("closed")
    quarter_approve(quarter=world.quarter, approved_by=None, on=today, today=today)
    login(client, world, "office")

    html = client.get(url("quarter", CODE)).content.decode()
    response = client.post(url("quarter_finalize", CODE))

    assert 'data-action="finalize"\n                      disabled' in html
    assert response.status_code == 302
    assert status_of(world) == QuarterStatus.PUBLISHED


@pytest.mark.parametrize("who", ["hr", "head", "staff"])
def test_only_the_office_finalizes(client, world, who):
    world.to("published")
    login(client, world, who)

    assert client.post(url("quarter_finalize", CODE)).status_code == 403
    assert status_of(world) == QuarterStatus.PUBLISHED


@pytest.mark.parametrize("who", ["hr", "office"])
def test_hr_or_the_office_marks_a_final_quarter_paid(client, world, who):
    world.to("final")
    login(client, world, who)

    assert client.get(url("quarter_paid", CODE)).status_code == 200
    response = client.post(url("quarter_paid", CODE))

    assert response.status_code == 302
    assert status_of(world) == QuarterStatus.PAID


@pytest.mark.parametrize("who", ["head", "other_head", "staff"])
def test_heads_and_staff_cannot_mark_paid(client, world, who):
    world.to("final")
    login(client, world, who)

    assert client.post(url("quarter_paid", CODE)).status_code == 403
    assert status_of(world) == QuarterStatus.FINAL


def test_a_published_quarter_cannot_be_marked_paid(client, world):
    world.to("published")
    login(client, world, "hr")

    page = client.get(url("quarter_paid", CODE))
    response = client.post(url("quarter_paid", CODE))

    assert b"data-refusal" in page.content
    assert response.status_code == 302
    assert flashed(response)
    assert status_of(world) == QuarterStatus.PUBLISHED


# --- The Excel files -----------------------------------------------------------------------


def read_workbook(response):
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


@pytest.mark.parametrize("who", ["hr", "office"])
def test_the_results_workbook_downloads_from_the_close_on(client, world, who):
    world.to("closed")
    login(client, world, who)

    response = client.get(url("results_xlsx", CODE))

    assert response.status_code == 200
    assert 'filename="2025Q3-results.xlsx"' in response["Content-Disposition"]
    sheet = read_workbook(response)
    assert sheet.cell(1, 1).value == "工号"
    assert sheet.max_row == 6


def test_the_payout_sheet_of_a_final_quarter_ends_with_the_total(client, world):
    world.to("final")
    login(client, world, "hr")

    response = client.get(url("payout_xlsx", CODE))

    assert response.status_code == 200
    assert 'filename="2025Q3-payout.xlsx"' in response["Content-Disposition"]
    rows = [row for row in read_workbook(response).iter_rows(values_only=True) if row[0] == "合计"]
    # 500 + 100 (A001) + 300 (A002) + 200 (B001)
    assert rows and D(str(rows[0][9])) == D("1100")


@pytest.mark.parametrize(("name", "state"), [("results_xlsx", "open"), ("payout_xlsx", "closed")])
def test_a_workbook_in_the_wrong_state_is_a_message_not_an_error(client, world, name, state):
    world.to(state)
    login(client, world, "hr")

    response = client.get(url(name, CODE))

    assert response.status_code == 302
    assert response["Location"] == url("quarter", CODE)
    assert flashed(response)


@pytest.mark.parametrize("who", ["head", "staff"])
def test_heads_and_staff_cannot_download_the_workbooks(client, world, who):
    world.to("final")
    login(client, world, who)

    assert client.get(url("results_xlsx", CODE)).status_code == 403
    assert client.get(url("payout_xlsx", CODE)).status_code == 403


# --- CSRF --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "args", "state", "who"),
    [
        ("quarter_close", (), "open", "office"),
        ("quarter_reopen", (), "closed", "office"),
        ("quarter_approve", (), "closed", "office"),
        ("results_submit", ("a",), "closed", "head"),
        ("quarter_finalize", (), "published", "office"),
        ("quarter_paid", (), "final", "hr"),
        ("objections", (), "published", "office"),
    ],
)
def test_a_post_without_the_csrf_token_is_refused(world, name, args, state, who):
    world.to(state)
    client = Client(enforce_csrf_checks=True)
    login(client, world, who)
    extra = [world.a.pk] if args else []

    response = client.post(url(name, CODE, *extra), {"reason": "x", "on": "2025-10-12"})

    assert response.status_code == 403
    assert status_of(world) == state
    assert not DepartmentReview.objects.exclude(status=ReviewStatus.REVIEWING).exclude(
        status=ReviewStatus.APPROVED
    )
