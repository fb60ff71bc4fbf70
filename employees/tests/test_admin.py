"""The admin: every model opens for the office, history stays read-only, roles are kept apart."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import models
from django.urls import reverse

from appraisal.models import (
    AwardTier,
    CompanySettings,
    Criterion,
    DailySheet,
    DepartmentReview,
    Event,
    EventKind,
    EventRuling,
    EventSource,
    Objection,
    Quarter,
    QuarterAction,
    QuarterLog,
    QuarterResult,
    QuarterStatus,
    RuleSettings,
    ServiceStar,
    SheetRevision,
    Year,
    YearAction,
    YearLog,
)
from appraisal.tests.factories import (
    DailySheetFactory,
    DepartmentReviewFactory,
    EventFactory,
    ObjectionFactory,
    QuarterFactory,
    QuarterLogFactory,
    QuarterResultFactory,
    SheetRevisionFactory,
)
from appraisal.tests.guards import advance
from awards.models import AwardBadge, WorkBadge
from awards.services import work_badge_issue
from employees.accounts import activation_issue
from employees.models import (
    AccountActivation,
    Department,
    Employee,
    Role,
    UploadJob,
    UploadKind,
    User,
)
from employees.services import role_groups_sync
from employees.tests.factories import (
    DepartmentFactory,
    EmployeeFactory,
    hr_user,
    office_user,
    staff_employee,
)
from feedback.models import FeedbackKind, FeedbackMessage

pytestmark = pytest.mark.django_db

OUR_APPS = ("employees", "appraisal", "feedback", "awards")

# Written only by the services, which keep the history and the quarter locks.
SERVICE_ONLY = [
    DailySheet,
    SheetRevision,
    Event,
    Objection,
    QuarterResult,
    DepartmentReview,
    QuarterLog,
    FeedbackMessage,
    WorkBadge,
    AwardBadge,
    Quarter,
    AccountActivation,
]
EDITABLE = [Department, Employee, User, Criterion]


def _id(model: type[models.Model]) -> str:
    return model._meta.label


def admin_url(model: type[models.Model], view: str, *args: object) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def office(client):
    role_groups_sync()
    user = office_user(username="office", is_staff=True)
    client.force_login(user)
    return user


@pytest.fixture
def one_of_each(office) -> dict[type[models.Model], models.Model]:
    """One record of every registered model."""
    quarter = QuarterFactory()
    employee = EmployeeFactory()
    sheet = DailySheetFactory(employee=employee)
    result = QuarterResultFactory(
        quarter=quarter,
        employee=employee,
        average=Decimal("96"),
        final=Decimal("96"),
        score_tier=AwardTier.BEST,
        award_tier=AwardTier.BEST,
        award_amount=Decimal("500"),
    )
    feedback_event = EventFactory(
        employee=employee, kind=EventKind.WECHAT_PRAISE, source=EventSource.WECHAT
    )
    year = Year.objects.create(year=2026)
    badge = work_badge_issue(
        employee=employee, issued_on=datetime.date(2026, 7, 1), issued_by=office
    )
    return {
        Department: employee.department,
        Employee: employee,
        User: office,
        Quarter: quarter,
        RuleSettings: quarter.rule_settings,
        CompanySettings: CompanySettings.objects.create(pk=1, start_date=datetime.date(2025, 1, 1)),
        Criterion: Criterion.objects.first(),
        DailySheet: sheet,
        SheetRevision: SheetRevisionFactory(sheet=sheet, changed_by=office),
        Event: EventFactory(employee=employee),
        EventRuling: EventRuling.objects.create(
            event=feedback_event, ruled_by=office, new_validity="invalid", reason="重复"
        ),
        Objection: ObjectionFactory(quarter=quarter, employee=employee),
        QuarterResult: result,
        DepartmentReview: DepartmentReviewFactory(quarter=quarter, department=employee.department),
        QuarterLog: QuarterLogFactory(quarter=quarter, by=office),
        FeedbackMessage: FeedbackMessage.objects.create(
            employee=employee,
            badge=badge,
            kind=FeedbackKind.PRAISE,
            text="理货员耐心解答",
            client_key="0" * 64,
            event=feedback_event,
        ),
        WorkBadge: badge,
        UploadJob: UploadJob.objects.create(
            owner=office, kind=UploadKind.EMPLOYEES, name="staff.xlsx", content=b"PK"
        ),
        AwardBadge: AwardBadge.objects.create(
            result=result,
            employee=employee,
            quarter=quarter,
            tier=AwardTier.BEST,
            issued_on=datetime.date(2026, 11, 1),
            due_back_on=datetime.date(2027, 3, 31),
        ),
        Year: year,
        YearLog: YearLog.objects.create(year=year, action=YearAction.PUBLISH_STARS, by=office),
        ServiceStar: ServiceStar.objects.create(
            year=year, employee=employee, department=employee.department, citation="热情服务"
        ),
        AccountActivation: AccountActivation.objects.get(
            user__employee=activation_issue(employees=[staff_employee()], issued_by=office)[
                0
            ].employee
        ),
    }


def registered_models() -> list[type[models.Model]]:
    return sorted((m for m in admin.site._registry if m._meta.app_label in OUR_APPS), key=_id)


def test_every_model_of_the_four_apps_is_registered():
    ours = {m for label in OUR_APPS for m in apps.get_app_config(label).get_models()}

    assert set(registered_models()) == ours


def test_the_fixture_has_one_record_of_every_registered_model(one_of_each):
    assert set(one_of_each) == set(registered_models())


@pytest.mark.parametrize("model", registered_models(), ids=_id)
def test_office_opens_every_changelist(client, one_of_each, model):
    response = client.get(admin_url(model, "changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


@pytest.mark.parametrize("model", registered_models(), ids=_id)
def test_office_opens_the_change_page_of_every_model(client, one_of_each, model):
    response = client.get(admin_url(model, "change", one_of_each[model].pk))

    assert response.status_code == 200
    assert response.context["original"] == one_of_each[model]


def test_the_admin_speaks_chinese(client, office):
    response = client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert response.context["LANGUAGE_CODE"] == "zh-hans"


@pytest.mark.parametrize("model", SERVICE_ONLY, ids=_id)
def test_service_only_records_cannot_be_added(client, office, model):
    assert client.get(admin_url(model, "add")).status_code == 403
    assert client.post(admin_url(model, "add"), {}).status_code == 403


@pytest.mark.parametrize("model", SERVICE_ONLY, ids=_id)
def test_service_only_records_open_read_only(client, one_of_each, model):
    response = client.get(admin_url(model, "change", one_of_each[model].pk))

    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert response.context["has_delete_permission"] is False


@pytest.mark.parametrize("model", SERVICE_ONLY, ids=_id)
def test_service_only_records_refuse_changes_and_deletion(client, one_of_each, model):
    obj = one_of_each[model]

    assert client.post(admin_url(model, "change", obj.pk), {}).status_code == 403
    assert client.post(admin_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize("model", SERVICE_ONLY, ids=_id)
def test_even_a_superuser_cannot_change_service_only_records(client, one_of_each, model):
    client.force_login(User.objects.create_superuser("root", password="x" * 12))

    assert client.get(admin_url(model, "add")).status_code == 403
    assert client.post(admin_url(model, "change", one_of_each[model].pk), {}).status_code == 403


@pytest.mark.parametrize("model", EDITABLE, ids=_id)
def test_office_opens_the_add_page_of_editable_models(client, office, model):
    assert client.get(admin_url(model, "add")).status_code == 200


def test_office_adds_a_department(client, office):
    response = client.post(
        admin_url(Department, "add"),
        {"name": "货运部", "kind": "frontline", "display_order": 5},
    )

    assert response.status_code == 302
    assert Department.objects.filter(name="货运部", kind="frontline").exists()


def test_only_a_superuser_hands_out_superuser_status(client, office):
    response = client.get(admin_url(User, "change", office.pk))

    assert response.status_code == 200
    assert "is_superuser" not in response.context["adminform"].form.fields
    assert "user_permissions" not in response.context["adminform"].form.fields
    assert "department" in response.context["adminform"].form.fields


def test_office_creates_a_department_head_login_with_its_department(client, office):
    department = DepartmentFactory()
    head_group = Group.objects.get(name=Role.DEPARTMENT_HEAD.value)

    response = client.post(
        admin_url(User, "add"),
        {
            "username": "head_new",
            "usable_password": "true",
            "password1": "Smile-2026-head",
            "password2": "Smile-2026-head",
            "groups": [head_group.pk],
            "department": department.pk,
        },
    )

    assert response.status_code == 302
    head = User.objects.get(username="head_new")
    assert head.is_department_head
    assert head.department == department


def test_logins_filter_by_role(client, office):
    hr = hr_user(username="hr_login")

    rows = changelist_rows(client, User, f"?role={Role.HR.value}")

    assert rows == [hr]


# --- Rule settings -------------------------------------------------------------


def rule_settings_post_data(client, settings_row: RuleSettings) -> dict[str, object]:
    form = client.get(admin_url(RuleSettings, "change", settings_row.pk)).context["adminform"].form
    return {name: form[name].value() for name in form.fields}


def test_rule_settings_cannot_be_added_or_deleted(client, one_of_each):
    row = one_of_each[RuleSettings]

    assert client.get(admin_url(RuleSettings, "add")).status_code == 403
    assert (
        client.post(admin_url(RuleSettings, "delete", row.pk), {"post": "yes"}).status_code == 403
    )


def test_office_changes_the_settings_of_an_open_quarter_and_the_quarter_log_says_so(
    client, office, one_of_each
):
    row = one_of_each[RuleSettings]
    data = rule_settings_post_data(client, row)
    data["best_award"] = "600.00"

    response = client.post(admin_url(RuleSettings, "change", row.pk), data)

    assert response.status_code == 302
    row.refresh_from_db()
    assert row.best_award == Decimal("600")
    assert row.updated_by == office
    assert QuarterLog.objects.filter(
        quarter=row.quarter, action=QuarterAction.SETTINGS, by=office
    ).exists()


def test_unordered_thresholds_are_refused_by_the_settings_form(client, one_of_each):
    row = one_of_each[RuleSettings]
    data = rule_settings_post_data(client, row)
    data["best_min"] = "80.00"

    response = client.post(admin_url(RuleSettings, "change", row.pk), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    row.refresh_from_db()
    assert row.best_min == 95


@pytest.mark.parametrize("status", [QuarterStatus.CLOSED, QuarterStatus.PUBLISHED])
def test_the_settings_of_a_locked_quarter_are_read_only(client, one_of_each, status):
    row = one_of_each[RuleSettings]
    data = rule_settings_post_data(client, row)
    advance(row.quarter, status)
    data["best_award"] = "600.00"

    page = client.get(admin_url(RuleSettings, "change", row.pk))
    response = client.post(admin_url(RuleSettings, "change", row.pk), data)

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert response.status_code == 403
    row.refresh_from_db()
    assert row.best_award == Decimal("500")


def test_the_company_defaults_stay_editable(client, office):
    row = RuleSettings.objects.get(is_default=True)

    response = client.get(admin_url(RuleSettings, "change", row.pk))

    assert response.context["has_change_permission"] is True


# --- Other roles -----------------------------------------------------------------


@pytest.fixture
def hr(client):
    role_groups_sync()
    user = hr_user(is_staff=True)
    client.force_login(user)
    return user


@pytest.mark.parametrize("model", [Employee, Department], ids=_id)
def test_hr_opens_employees_and_departments(client, hr, model):
    employee = EmployeeFactory()
    obj = employee if model is Employee else employee.department

    assert client.get(admin_url(model, "changelist")).status_code == 200
    assert client.get(admin_url(model, "change", obj.pk)).status_code == 200


@pytest.mark.parametrize("model", [Event, DailySheet, QuarterResult, RuleSettings], ids=_id)
def test_hr_cannot_open_appraisal_records_in_the_admin(client, hr, model):
    assert client.get(admin_url(model, "changelist")).status_code == 403


def test_a_staff_employee_is_sent_to_the_admin_login(client):
    role_groups_sync()
    employee = staff_employee()
    client.force_login(employee.user)

    response = client.get(admin_url(Employee, "changelist"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_an_anonymous_visitor_is_sent_to_the_admin_login(client):
    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


# --- Search and filters ------------------------------------------------------------


@pytest.fixture
def two_departments(office):
    port = DepartmentFactory(name="装卸作业部")
    office_dept = DepartmentFactory(name="综合部", kind="functional")
    return {
        "docker": EmployeeFactory(department=port, name="王小明"),
        "clerk": EmployeeFactory(department=office_dept, name="李丽"),
    }


def changelist_rows(client, model: type[models.Model], query: str) -> list[models.Model]:
    response = client.get(admin_url(model, "changelist") + query)
    assert response.status_code == 200
    # An unknown filter makes the admin redirect with ?e=1; a 200 with the
    # changelist in the context proves the parameters were understood.
    return list(response.context["cl"].result_list)


def test_employee_search_finds_by_number_and_by_name(client, two_departments):
    docker = two_departments["docker"]

    assert changelist_rows(client, Employee, f"?q={docker.number}") == [docker]
    assert changelist_rows(client, Employee, "?q=李丽") == [two_departments["clerk"]]


def test_employee_filters_by_department_and_supervisor(client, two_departments):
    clerk = two_departments["clerk"]

    rows = changelist_rows(
        client, Employee, f"?department__id__exact={clerk.department_id}&is_supervisor__exact=0"
    )

    assert rows == [clerk]


def test_daily_sheet_search_and_filters_narrow_the_list(client, two_departments):
    docker = two_departments["docker"]
    department_sheet = DailySheetFactory(employee=docker)
    spot_check = DailySheetFactory(employee=docker, is_spot_check=True, courtesy=Decimal("9.5"))
    DailySheetFactory(employee=two_departments["clerk"])

    by_number = changelist_rows(client, DailySheet, f"?q={docker.number}")
    spot_checks = changelist_rows(client, DailySheet, f"?q={docker.number}&is_spot_check__exact=1")
    by_department = changelist_rows(
        client,
        DailySheet,
        f"?employee__department__id__exact={docker.department_id}&day__year=2026&day__month=7",
    )

    assert set(by_number) == {department_sheet, spot_check}
    assert spot_checks == [spot_check]
    assert set(by_department) == {department_sheet, spot_check}


def test_daily_sheet_list_shows_the_total_and_sorts_by_it(client, two_departments):
    docker = two_departments["docker"]
    DailySheetFactory(employee=docker, courtesy=Decimal("8"))
    DailySheetFactory(employee=docker, day=datetime.date(2026, 7, 2))
    columns = client.get(admin_url(DailySheet, "changelist")).context["cl"].list_display

    ascending = changelist_rows(client, DailySheet, f"?o={columns.index('total')}")
    descending = changelist_rows(client, DailySheet, f"?o=-{columns.index('total')}")

    assert [row.total_score for row in ascending] == [Decimal("98"), Decimal("100")]
    assert [row.total_score for row in descending] == [Decimal("100"), Decimal("98")]


def test_quarter_search_accepts_the_quarter_code(client, office):
    QuarterFactory(year=2026, number=3)
    wanted = QuarterFactory(year=2026, number=2)

    assert changelist_rows(client, Quarter, "?q=2026q2") == [wanted]
