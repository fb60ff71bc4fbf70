"""employees.permissions: every predicate × every role, the view decorator, the
templates' `access`, and a guard that keeps role combinations in that one module."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, Group
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.test import RequestFactory
from django.urls import reverse

from employees.context_processors import access
from employees.models import Role, User
from employees.permissions import (
    PREDICATES,
    Access,
    may_submit_department,
    role_required,
)
from employees.tests.factories import (
    DepartmentFactory,
    UserFactory,
    head_user,
    hr_user,
    office_user,
    staff_employee,
)

pytestmark = pytest.mark.django_db

ROLES = ("office", "hr", "head", "staff", "inactive", "anonymous")

# Who each predicate lets through; the inactive and anonymous logins never pass.
EXPECTED = {
    "is_office": {"office"},
    "is_hr": {"hr"},
    "is_department_head": {"head"},
    "has_own_page": {"staff"},
    "starts_on_own_page": {"staff"},
    "may_score": {"office", "head"},
    "may_spot_check": {"office"},
    "may_score_leavers": {"office"},
    "sees_only_own_sheets": {"hr"},
    "may_open_event_ledger": {"office", "hr", "head"},
    "sees_unruled_events": {"office", "hr", "head"},
    "may_record_events": {"office", "head"},
    "may_rule_events": {"office"},
    "sees_contacts": {"office"},
    "may_open_workbench": {"office", "hr", "head"},
    "sees_every_department": {"office", "hr"},
    "sees_only_own_department": {"head"},
    "sees_money": {"office", "hr"},
    "may_manage_quarter": {"office"},
    "may_submit_lists": {"office", "head"},
    "may_mark_paid": {"office", "hr"},
    "may_read_rule_settings": {"office", "hr", "head"},
    "may_edit_rule_settings": {"office"},
    "may_open_stars": {"office", "head"},
    "may_nominate_stars": {"head"},
    "may_name_stars": {"office"},
    "may_archive_year": {"office"},
    "may_issue_slips": {"office", "hr"},
    "may_name_heads": {"office"},
    "may_list_employees": {"office", "hr", "head"},
    "may_import_employees": {"office", "hr"},
    "may_manage_badges": {"office"},
    "may_print_work_badges": {"office", "head"},
    "may_open_admin": {"office"},
}


def _fresh(user: User) -> User:
    # As a request sees it: loaded anew, no cached groups.
    return User.objects.get(pk=user.pk)


@pytest.fixture
def department():
    return DepartmentFactory(name="装卸作业部")


@pytest.fixture
def users(department):
    inactive = staff_employee(department=department).user
    inactive.groups.add(Group.objects.get_or_create(name=Role.OFFICE.value)[0])
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    made = {
        "office": office_user(),
        "hr": hr_user(),
        "head": head_user(department),
        "staff": staff_employee(department=department).user,
        "inactive": inactive,
    }
    found = {name: _fresh(user) for name, user in made.items()}
    found["anonymous"] = AnonymousUser()
    return found


def test_the_table_names_every_predicate():
    assert set(EXPECTED) == set(PREDICATES)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_predicate_lets_through_exactly_its_roles(users, name):
    predicate = PREDICATES[name]
    allowed = {role for role in ROLES if predicate(users[role])}
    assert allowed == EXPECTED[name]


def test_a_superuser_counts_as_the_office():
    superuser = _fresh(UserFactory(is_superuser=True))
    assert PREDICATES["is_office"](superuser)
    assert PREDICATES["may_manage_quarter"](superuser)
    assert PREDICATES["sees_money"](superuser)


def test_an_hr_clerk_who_is_also_office_sees_every_sheet_and_every_department():
    both = _fresh(UserFactory(roles=[Role.HR, Role.OFFICE]))
    assert not PREDICATES["sees_only_own_sheets"](both)
    assert PREDICATES["sees_every_department"](both)


def test_a_head_who_is_also_hr_sees_every_departments_results(department):
    both = _fresh(UserFactory(roles=[Role.HR, Role.DEPARTMENT_HEAD], department=department))
    assert not PREDICATES["sees_only_own_department"](both)
    assert not PREDICATES["starts_on_own_page"](both)


def test_a_login_with_the_head_role_but_no_department_is_no_head():
    headless = _fresh(UserFactory(roles=[Role.DEPARTMENT_HEAD]))
    assert not PREDICATES["is_department_head"](headless)
    assert not PREDICATES["may_score"](headless)


def test_the_office_submits_any_departments_list_a_head_only_their_own(users, department):
    other = DepartmentFactory(name="财务部")
    assert may_submit_department(users["office"], department.pk)
    assert may_submit_department(users["office"], other.pk)
    assert may_submit_department(users["head"], department.pk)
    assert not may_submit_department(users["head"], other.pk)
    for role in ("hr", "staff", "inactive", "anonymous"):
        assert not may_submit_department(users[role], department.pk)


# --- The view decorator ----------------------------------------------------------------


@role_required(PREDICATES["sees_money"])
def _money_view(request, code):
    """The payout of a quarter."""
    return HttpResponse(f"paid {code}")


def _get(user):
    request = RequestFactory().get("/quarters/2025Q3/payout/?x=1")
    request.user = user
    return request


def test_the_decorator_sends_an_anonymous_visitor_to_log_in(users):
    response = _money_view(_get(users["anonymous"]), code="2025Q3")
    assert response.status_code == 302
    assert (
        response["Location"]
        == f"{resolve_url(settings.LOGIN_URL)}?next=/quarters/2025Q3/payout/%3Fx%3D1"
    )


@pytest.mark.parametrize("role", ["head", "staff", "inactive"])
def test_the_decorator_refuses_a_login_that_fails_the_predicate(users, role):
    with pytest.raises(PermissionDenied):
        _money_view(_get(users[role]), code="2025Q3")


@pytest.mark.parametrize("role", ["office", "hr"])
def test_the_decorator_runs_the_view_for_a_login_that_passes(users, role):
    response = _money_view(_get(users[role]), code="2025Q3")
    assert response.status_code == 200
    assert response.content == b"paid 2025Q3"


def test_the_decorated_view_keeps_its_name_and_docstring():
    assert _money_view.__name__ == "_money_view"
    assert _money_view.__doc__ == "The payout of a quarter."


def test_a_403_page_answers_the_refused_login(client, users):
    client.force_login(users["staff"])
    assert client.get(reverse("appraisal:quarters")).status_code == 403


# --- What the templates read -------------------------------------------------------------


def test_templates_read_each_predicate_as_an_attribute_of_access(users):
    context = access(_get(users["hr"]))
    assert context["access"].sees_money is True
    assert context["access"]["may_manage_quarter"] is False
    assert access(_get(users["anonymous"]))["access"].may_open_workbench is False


def test_access_asks_each_predicate_once(users, django_assert_num_queries):
    head = _fresh(users["head"])
    seen = Access(head)
    with django_assert_num_queries(1):  # the login's groups, once
        assert seen.may_score
        assert seen.may_score
        assert seen.may_print_work_badges


def test_access_knows_no_other_names(users):
    seen = Access(users["office"])
    with pytest.raises(AttributeError):
        seen.may_do_anything  # noqa: B018
    with pytest.raises(KeyError):
        seen["is_office or is_hr"]


ROOT = Path(settings.BASE_DIR)
SKIP_PARTS = {".venv", "node_modules", "tests", "migrations", "__pycache__", ".git"}


def _project_files(*suffixes: str) -> list[Path]:
    return [
        path
        for suffix in suffixes
        for path in ROOT.rglob(f"*{suffix}")
        if not SKIP_PARTS & set(path.relative_to(ROOT).parts)
    ]


def test_every_access_name_in_the_templates_is_a_predicate():
    # A template renders an unknown name as empty: a typo would silently hide a link.
    used = {
        (path.relative_to(ROOT).as_posix(), name)
        for path in _project_files(".html")
        for name in re.findall(r"\baccess\.(\w+)", path.read_text(encoding="utf-8"))
    }
    assert used, "no template reads access.*"
    assert {(path, name) for path, name in used if name not in PREDICATES} == set()


# --- The rule stays true: roles are combined only in employees/permissions.py ------------

HAND_WRITTEN = re.compile(
    r"is_office\s+or\b|is_hr\s+or\b|is_department_head\s+or\b"
    r"|\bor\s+(request\.)?user\.is_|\band\s+(request\.)?user\.is_(office|hr|department_head)"
    r"|\brole\.(office|hr|head|staff)\b"
    # The single-role primitives are read through the predicates, not directly.
    r"|(?<!access)\.is_(office|hr|department_head)\b"
    r"|getattr\([^)]*[\"']is_(office|hr|department_head)[\"']"
)
PERMISSIONS = "employees/permissions.py"


def test_no_role_is_checked_by_hand_outside_employees_permissions():
    offenders = [
        f"{path.relative_to(ROOT).as_posix()}:{number}: {line.strip()}"
        for path in _project_files(".py", ".html")
        if path.relative_to(ROOT).as_posix() != PERMISSIONS
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if HAND_WRITTEN.search(line)
    ]
    assert offenders == []


@pytest.mark.parametrize(
    "line",
    [
        "if user.is_office or user.is_hr:",
        "if not (request.user.is_office or request.user.is_department_head):",
        "money = user.is_hr or user.is_office",
        "{% if role.office or role.head %}",
        "{% if user.is_office %}",
        'bool(getattr(user, "is_office", False))',
    ],
)
def test_the_guard_catches_the_usual_hand_written_checks(line):
    assert HAND_WRITTEN.search(line)


@pytest.mark.parametrize(
    "line",
    ["if may_score(user):", "{% if access.is_hr %}", "{% if access.sees_money %}"],
)
def test_the_guard_lets_the_predicates_through(line):
    assert not HAND_WRITTEN.search(line)
