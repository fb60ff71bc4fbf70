"""Who may do what, in one table: every workbench page and action × every role.

Each app's view tests go into the details; this file is the overview the
office can read: for the office, HR, the head of the department concerned, the
head of another department and a member of staff, each page answers 200 (or a
redirect after a write) or refuses with 403/404, and a refused write changes
nothing. Every state-changing request needs its CSRF token.
"""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from appraisal.models import (
    DepartmentReview,
    Event,
    EventKind,
    EventValidity,
    Objection,
    Quarter,
    QuarterResult,
    QuarterStatus,
    ReviewStatus,
    RuleSettings,
)
from appraisal.rules import QuarterId
from appraisal.services import quarter_approve, quarter_close, quarter_ensure
from appraisal.tests.factories import DailySheetFactory, EventFactory
from employees.models import Employee, UploadJob
from employees.tests.factories import (
    DepartmentFactory,
    EmployeeFactory,
    head_user,
    hr_user,
    office_user,
    staff_employee,
)

pytestmark = pytest.mark.django_db

CLOSED = QuarterId(2025, 3)  # closed, awaiting review and approval
PUBLISHED = QuarterId(2025, 2)  # in its public notice (for the notice and objections)
OPEN = QuarterId(2025, 4)  # open: rule settings may change
ROLES = ("office", "hr", "own_head", "other_head", "staff")


class World:
    def __init__(self):
        self.dept = DepartmentFactory(name="装卸作业部")
        self.other_dept = DepartmentFactory(name="财务部")
        self.users = {
            "office": office_user(username="office"),
            "hr": hr_user(username="hr"),
            "own_head": head_user(self.dept, username="head_own"),
            "other_head": head_user(self.other_dept, username="head_other"),
            "staff": staff_employee(department=self.dept).user,
        }
        self.winner = EmployeeFactory(department=self.dept)
        for qid in (PUBLISHED, CLOSED, OPEN):
            quarter_ensure(qid=qid)
            DailySheetFactory(employee=self.winner, day=qid.first_day)
        self.pending = EventFactory(
            employee=self.winner, date=OPEN.first_day, kind=EventKind.PRAISE_LETTER
        )
        self.published = Quarter.objects.get(year=PUBLISHED.year, number=PUBLISHED.number)
        quarter_close(quarter=self.published, closed_by=None, today=PUBLISHED.last_day)
        # Published today, so that its notice is running and an objection is not late.
        quarter_approve(quarter=self.published, approved_by=None, on=timezone.localdate())
        self.closed = Quarter.objects.get(year=CLOSED.year, number=CLOSED.number)
        quarter_close(quarter=self.closed, closed_by=None, today=CLOSED.last_day)
        self.open = Quarter.objects.get(year=OPEN.year, number=OPEN.number)


@pytest.fixture
def world():
    return World()


def client_for(world, role, *, enforce_csrf=False):
    client = Client(enforce_csrf_checks=enforce_csrf)
    client.force_login(world.users[role])
    return client


def url(world, name):
    dept = world.dept.pk
    return {
        "quarters": reverse("appraisal:quarters"),
        "quarter": reverse("appraisal:quarter", args=[CLOSED.code]),
        "results": reverse("appraisal:results", args=[CLOSED.code]) + f"?department={dept}",
        "quarter_approve": reverse("appraisal:quarter_approve", args=[CLOSED.code]),
        "quarter_close": reverse("appraisal:quarter_close", args=[OPEN.code]),
        "quarter_reopen": reverse("appraisal:quarter_reopen", args=[CLOSED.code]),
        "notice": reverse("appraisal:notice", args=[PUBLISHED.code]),
        "objections": reverse("appraisal:objections", args=[PUBLISHED.code]),
        "results_xlsx": reverse("appraisal:results_xlsx", args=[CLOSED.code]),
        "events": reverse("appraisal:events"),
        "event_new": reverse("appraisal:event_new"),
        "event_queue": reverse("appraisal:event_queue"),
        "rule_settings": reverse("appraisal:rule_settings", args=[OPEN.code]),
        "grid": reverse("appraisal:grid"),
        "employee_import": reverse("employees:import"),
        "employee_list": reverse("employees:list"),
    }[name]


ALLOWED, REFUSED, FORM_ERROR = "allowed", "refused", "form error"
A, R, F = ALLOWED, REFUSED, FORM_ERROR

# page: office, HR, head of the department, head of another, staff
PAGES = {
    "quarters": (A, A, A, A, R),
    "quarter": (A, A, A, A, R),
    "results": (A, A, A, R, R),
    "quarter_approve": (A, R, R, R, R),
    "quarter_close": (A, R, R, R, R),
    "quarter_reopen": (A, R, R, R, R),
    # The notice is posted in every department: everyone may read it.
    "notice": (A, A, A, A, A),
    "objections": (A, R, R, R, R),
    "results_xlsx": (A, A, R, R, R),
    "events": (A, A, A, A, R),
    "event_new": (A, R, A, A, R),
    "event_queue": (A, R, R, R, R),
    "rule_settings": (A, A, A, A, R),
    "grid": (A, R, A, A, R),
    "employee_import": (A, A, R, R, R),
    # Staff find only themselves in the list.
    "employee_list": (A, A, A, A, A),
}


@pytest.mark.parametrize(
    ("page", "role", "expected"),
    [
        (page, role, expected)
        for page, answers in PAGES.items()
        for role, expected in zip(ROLES, answers, strict=True)
    ],
)
def test_each_page_opens_for_whom_it_is_for_and_no_one_else(world, page, role, expected):
    response = client_for(world, role).get(url(world, page))

    if expected == ALLOWED:
        assert response.status_code == 200, (page, role)
    else:
        assert response.status_code in (403, 404), (page, role, response.status_code)


def test_an_anonymous_visitor_is_sent_to_log_in_everywhere_but_the_public_pages(world):
    client = Client()
    for page in PAGES:
        response = client.get(url(world, page))
        assert response.status_code == 302, page
        assert response.url.startswith(reverse("login")), page


# --- Writes: refused ones change nothing ------------------------------------------


def snapshot(world):
    """Everything the writes below could change."""
    return {
        "quarters": sorted(Quarter.objects.values_list("year", "number", "status")),
        "results": sorted(
            QuarterResult.objects.values_list("employee_id", "award_tier", "approval", "withdrawn")
        ),
        "reviews": sorted(DepartmentReview.objects.values_list("department_id", "status")),
        "events": sorted(Event.objects.values_list("id", "validity", "kind")),
        "objections": Objection.objects.count(),
        "settings": list(RuleSettings.objects.order_by("pk").values_list("best_min", "hotline")),
        "employees": Employee.objects.count(),
        # An upload is stored as a job; the worker writes it once confirmed.
        "uploads": UploadJob.objects.count(),
    }


def employee_file():
    book = openpyxl.Workbook()
    book.active.append(["工号", "姓名", "部门", "部门类别", "岗位", "用工形式", "是否主管"])
    book.active.append(["Z9001", "新员工", "装卸作业部", "一线", "装卸工", "合同工", "否"])
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    data.name = "employees.xlsx"
    return data


def write(world, action):
    """(url, POST data) of each state-changing action, as its rightful user would send it."""
    closed, published, open_ = CLOSED.code, PUBLISHED.code, OPEN.code
    settings = RuleSettings.objects.get(quarter=world.open)
    return {
        "close": (
            reverse("appraisal:quarter_close", args=[open_]),
            {"force": "on", "with_pending": "on"},
        ),
        "reopen": (reverse("appraisal:quarter_reopen", args=[closed]), {"reason": "补录"}),
        "submit": (
            reverse("appraisal:results_submit", args=[closed, world.dept.pk]),
            {"confirmed": "1"},
        ),
        "approve": (
            reverse("appraisal:quarter_approve", args=[closed]),
            {"on": (CLOSED.last_day + datetime.timedelta(days=3)).isoformat()},
        ),
        "objection": (
            reverse("appraisal:objections", args=[published]),
            {
                "employee": world.winner.pk,
                "channel": "hotline",
                "raised_by": "同事",
                "text": "有异议",
            },
        ),
        "rule_event": (
            reverse("appraisal:event_rule", args=[world.pending.pk]),
            {"validity": EventValidity.VALID, "reason": ""},
        ),
        "record_event": (
            reverse("appraisal:event_new"),
            {
                "employee": world.winner.number,
                "date": OPEN.first_day.isoformat(),
                "kind": EventKind.MONTHLY_DEDUCTION,
                "points": "3",
                "amount": "",
                "note": "迟到",
                # The office's form has these; a head's form leaves them out.
                "source": "office",
                "validity": EventValidity.VALID,
            },
        ),
        "settings": (
            reverse("appraisal:rule_settings", args=[open_]),
            {
                **{
                    field: getattr(settings, field)
                    for field in (
                        "best_min",
                        "ambassador_min",
                        "style_min",
                        "training_below",
                        "best_award",
                        "ambassador_award",
                        "style_award",
                        "praise_points",
                        "monthly_deduction_limit",
                        "badge_not_worn_points",
                        "badge_lost_points",
                        "work_badge_fine",
                        "award_badge_fine",
                        "notice_months",
                    )
                },
                "hotline": "12345",
                "best_min": Decimal("96"),
            },
        ),
        "import": (reverse("employees:import"), {"file": employee_file()}),
    }[action]


# action: office, HR, head of the department, head of another, staff
WRITES = {
    "close": (A, R, R, R, R),
    "reopen": (A, R, R, R, R),
    "submit": (A, R, A, R, R),
    "approve": (A, R, R, R, R),
    "objection": (A, R, R, R, R),
    "rule_event": (A, R, R, R, R),
    # Another department's head gets the form back: that employee is not among the choices.
    "record_event": (A, R, A, F, R),
    "settings": (A, R, R, R, R),
    "import": (A, A, R, R, R),
}


@pytest.mark.parametrize(
    ("action", "role", "expected"),
    [
        (action, role, expected)
        for action, answers in WRITES.items()
        for role, expected in zip(ROLES, answers, strict=True)
    ],
)
def test_each_write_is_done_by_whom_it_is_for_and_refused_to_anyone_else(
    world, action, role, expected
):
    before = snapshot(world)
    path, data = write(world, action)

    response = client_for(world, role).post(path, data)

    if expected == ALLOWED:
        assert response.status_code in (200, 302), (action, role, response.status_code)
        assert snapshot(world) != before, (action, role)
    elif expected == FORM_ERROR:
        assert response.status_code == 200, (action, role, response.status_code)
        assert snapshot(world) == before, (action, role)
    else:
        assert response.status_code in (403, 404), (action, role, response.status_code)
        assert snapshot(world) == before, (action, role)


@pytest.mark.parametrize("action", list(WRITES))
def test_every_write_without_its_csrf_token_is_refused_and_changes_nothing(world, action):
    before = snapshot(world)
    path, data = write(world, action)

    response = client_for(world, "office", enforce_csrf=True).post(path, data)

    assert response.status_code == 403
    assert snapshot(world) == before
    assert ReviewStatus.REVIEWING in dict(snapshot(world)["reviews"]).values()
    assert Quarter.objects.get(pk=world.closed.pk).status == QuarterStatus.CLOSED
