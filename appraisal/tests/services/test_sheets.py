"""sheet_save and sheets_fill_full_marks: permissions, validation, revisions, locks."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from appraisal.models import Criterion, DailySheet, Quarter, QuarterStatus, SheetRevision
from appraisal.rules import Category, QuarterId
from appraisal.services import sheet_save, sheets_fill_full_marks
from appraisal.tests.factories import DailySheetFactory, QuarterFactory
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


def scores(discipline="20", courtesy="10", service="50", morality="20"):
    return {
        Category.DISCIPLINE: D(discipline),
        Category.COURTESY: D(courtesy),
        Category.SERVICE: D(service),
        Category.MORALITY: D(morality),
    }


@pytest.fixture
def department():
    return DepartmentFactory(name="装卸作业部", kind=DepartmentKind.FRONTLINE)


@pytest.fixture
def head(department):
    return head_user(department)


@pytest.fixture
def employee(department):
    return EmployeeFactory(department=department)


def make_old(sheet, days=1):
    """Pretend `sheet` was first saved `days` days ago."""
    DailySheet.objects.filter(pk=sheet.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=days)
    )
    sheet.refresh_from_db()


def test_head_creates_a_sheet_and_a_revision_with_empty_old_values(head, employee, today):
    sheet = sheet_save(
        employee=employee, day=today, scores=scores(service="47.5"), saved_by=head, note="迟到"
    )

    sheet.refresh_from_db()
    assert (sheet.discipline, sheet.service, sheet.total) == (D("20"), D("47.5"), D("97.5"))
    assert sheet.entered_by == head
    assert not sheet.is_spot_check
    revision = SheetRevision.objects.get(sheet=sheet)
    assert revision.old_values == {}
    assert revision.new_values == {
        "discipline": "20.0",
        "courtesy": "10.0",
        "service": "47.5",
        "morality": "20.0",
        "note": "迟到",
        "criteria": [],
    }
    assert revision.changed_by == head
    assert (revision.employee, revision.day) == (employee, today)


def test_changing_a_sheet_records_old_and_new_values(head, employee, today):
    sheet = sheet_save(employee=employee, day=today, scores=scores(), saved_by=head)
    criterion = Criterion.objects.get(department_kind="frontline", category="service", number=6)

    sheet_save(
        employee=employee,
        day=today,
        scores=scores(service="48"),
        criteria=[criterion],
        saved_by=head,
    )

    revision = SheetRevision.objects.filter(sheet=sheet).order_by("-id").first()
    assert revision.old_values["service"] == "50.0"
    assert revision.new_values["service"] == "48.0"
    assert revision.old_values["criteria"] == []
    assert revision.new_values["criteria"] == [criterion.pk]
    assert list(sheet.criteria.all()) == [criterion]
    assert DailySheet.objects.count() == 1


def test_saving_the_same_values_again_writes_no_revision(head, employee, today):
    sheet_save(employee=employee, day=today, scores=scores(courtesy="9.5"), saved_by=head)

    sheet_save(employee=employee, day=today, scores=scores(courtesy="9.5"), saved_by=head)

    assert SheetRevision.objects.count() == 1


def test_changing_a_sheet_saved_on_an_earlier_day_needs_a_reason(head, employee, today):
    day = today - datetime.timedelta(days=1)
    sheet = sheet_save(employee=employee, day=day, scores=scores(), saved_by=head)
    make_old(sheet)

    with pytest.raises(ValidationError) as caught:
        sheet_save(employee=employee, day=day, scores=scores(morality="18"), saved_by=head)

    assert "reason" in caught.value.message_dict
    sheet.refresh_from_db()
    assert sheet.morality == D("20")
    assert SheetRevision.objects.count() == 1


def test_changing_an_old_sheet_with_a_reason_keeps_the_reason(head, employee, today):
    day = today - datetime.timedelta(days=1)
    sheet = sheet_save(employee=employee, day=day, scores=scores(), saved_by=head)
    make_old(sheet)

    sheet_save(
        employee=employee,
        day=day,
        scores=scores(morality="18"),
        saved_by=head,
        reason="补录：浪费材料",
    )

    sheet.refresh_from_db()
    assert sheet.morality == D("18")
    latest = SheetRevision.objects.filter(sheet=sheet).order_by("-id").first()
    assert latest.reason == "补录：浪费材料"
    assert (latest.old_values["morality"], latest.new_values["morality"]) == ("20.0", "18.0")


def test_an_old_sheet_saved_unchanged_needs_no_reason(head, employee, today):
    day = today - datetime.timedelta(days=2)
    sheet = sheet_save(employee=employee, day=day, scores=scores(), saved_by=head)
    make_old(sheet)

    sheet_save(employee=employee, day=day, scores=scores(), saved_by=head)

    assert SheetRevision.objects.count() == 1


def test_a_sheet_created_today_for_a_past_day_changes_without_reason(head, employee, today):
    day = today - datetime.timedelta(days=3)
    sheet_save(employee=employee, day=day, scores=scores(), saved_by=head)

    sheet_save(employee=employee, day=day, scores=scores(courtesy="9"), saved_by=head)

    assert DailySheet.objects.get().courtesy == D("9")


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("discipline", {"discipline": "25"}),
        ("courtesy", {"courtesy": "-1"}),
        ("service", {"service": "19.55"}),
        ("morality", {"morality": "20.5"}),
    ],
)
def test_bad_scores_are_refused_naming_the_field(head, employee, today, field, values):
    with pytest.raises(ValidationError) as caught:
        sheet_save(employee=employee, day=today, scores=scores(**values), saved_by=head)

    assert list(caught.value.message_dict) == [field]
    assert DailySheet.objects.count() == 0
    assert SheetRevision.objects.count() == 0


def test_criteria_of_the_other_department_kind_are_refused(head, employee, today):
    functional = Criterion.objects.filter(department_kind=DepartmentKind.FUNCTIONAL).first()

    with pytest.raises(ValidationError) as caught:
        sheet_save(
            employee=employee, day=today, scores=scores(), criteria=[functional], saved_by=head
        )

    assert "criteria" in caught.value.message_dict
    assert DailySheet.objects.count() == 0


def test_a_day_after_today_is_refused(head, employee, today):
    with pytest.raises(ValidationError) as caught:
        sheet_save(
            employee=employee,
            day=today + datetime.timedelta(days=1),
            scores=scores(),
            saved_by=head,
        )

    assert "day" in caught.value.message_dict
    assert DailySheet.objects.count() == 0


def test_a_day_of_a_closed_quarter_is_refused(head, employee, today):
    closed = QuarterId.of(today).previous()
    quarter = QuarterFactory(year=closed.year, number=closed.number)
    existing = DailySheetFactory(employee=employee, day=closed.first_day)
    # Closed after the sheet was written: PostgreSQL's trigger refuses sheets in a closed quarter.
    Quarter.objects.filter(pk=quarter.pk).update(status=QuarterStatus.CLOSED)

    with pytest.raises(ValidationError):
        sheet_save(
            employee=employee,
            day=closed.first_day,
            scores=scores(service="10"),
            saved_by=head,
            reason="迟来的修改",
        )

    existing.refresh_from_db()
    assert existing.service == D("50")
    assert SheetRevision.objects.count() == 0


def test_head_cannot_save_for_another_department(head, today):
    stranger = EmployeeFactory(department=DepartmentFactory(name="财务部"))

    with pytest.raises(PermissionDenied):
        sheet_save(employee=stranger, day=today, scores=scores(), saved_by=head)

    assert DailySheet.objects.count() == 0


def test_head_cannot_save_for_a_supervisor(head, department, today):
    supervisor = EmployeeFactory(department=department, is_supervisor=True)

    with pytest.raises(PermissionDenied):
        sheet_save(employee=supervisor, day=today, scores=scores(), saved_by=head)

    assert DailySheet.objects.count() == 0


def test_head_cannot_save_for_an_employee_who_left(head, department, today):
    gone = EmployeeFactory(department=department, is_active=False)

    with pytest.raises(PermissionDenied):
        sheet_save(employee=gone, day=today, scores=scores(), saved_by=head)


def test_head_cannot_record_a_spot_check(head, employee, today):
    with pytest.raises(PermissionDenied):
        sheet_save(employee=employee, day=today, scores=scores(), saved_by=head, is_spot_check=True)

    assert DailySheet.objects.count() == 0


@pytest.mark.parametrize("make_user", [hr_user, lambda: staff_employee().user])
def test_hr_and_staff_cannot_save_sheets(make_user, employee, today):
    with pytest.raises(PermissionDenied):
        sheet_save(employee=employee, day=today, scores=scores(), saved_by=make_user())

    assert DailySheet.objects.count() == 0


def test_office_records_a_spot_check_beside_the_department_sheet(head, employee, today):
    office = office_user()
    department_sheet = sheet_save(employee=employee, day=today, scores=scores(), saved_by=head)

    spot = sheet_save(
        employee=employee,
        day=today,
        scores=scores(service="40"),
        saved_by=office,
        is_spot_check=True,
    )

    assert spot.pk != department_sheet.pk
    assert spot.is_spot_check
    kept = DailySheet.objects.filter(employee=employee, day=today)
    assert {(s.is_spot_check, s.total) for s in kept} == {(False, D("100")), (True, D("90"))}
    assert SheetRevision.objects.filter(is_spot_check=True, sheet=spot).count() == 1


def test_office_may_enter_any_departments_sheet(today):
    employee = EmployeeFactory(department=DepartmentFactory(name="综合部"))

    sheet = sheet_save(employee=employee, day=today, scores=scores(), saved_by=office_user())

    assert not sheet.is_spot_check


def test_a_spot_check_does_not_touch_the_department_sheet(head, employee, today):
    office = office_user()
    department_sheet = sheet_save(
        employee=employee, day=today, scores=scores(courtesy="8"), saved_by=head
    )

    sheet_save(employee=employee, day=today, scores=scores(), saved_by=office, is_spot_check=True)

    department_sheet.refresh_from_db()
    assert department_sheet.courtesy == D("8")


def test_fill_full_marks_creates_sheets_only_where_there_is_none(head, department, today):
    done = EmployeeFactory(department=department)
    rest = EmployeeFactory.create_batch(3, department=department)
    EmployeeFactory(department=department, is_supervisor=True)
    EmployeeFactory(department=department, is_active=False)
    EmployeeFactory(department=DepartmentFactory(name="技术部"))
    sheet_save(employee=done, day=today, scores=scores(service="45"), saved_by=head)

    created = sheets_fill_full_marks(department=department, day=today, saved_by=head)

    assert created == 3
    sheets = DailySheet.objects.filter(day=today)
    assert {s.employee_id for s in sheets} == {done.pk, *(e.pk for e in rest)}
    assert sheets.get(employee=done).service == D("45")
    assert all(s.total == D("100") for s in sheets.exclude(employee=done))
    assert SheetRevision.objects.filter(old_values={}).count() == 4
    assert all(
        r.sheet_id and r.new_values["service"] == "50.0"
        for r in SheetRevision.objects.exclude(employee=done)
    )


def test_fill_full_marks_leaves_skipped_employees_alone(head, department, today):
    kept_open, other = EmployeeFactory.create_batch(2, department=department)

    created = sheets_fill_full_marks(
        department=department, day=today, saved_by=head, skip=[kept_open.pk]
    )

    assert created == 1
    assert list(DailySheet.objects.values_list("employee_id", flat=True)) == [other.pk]


def test_fill_full_marks_ignores_a_spot_check_when_looking_for_department_sheets(department, today):
    office = office_user()
    employee = EmployeeFactory(department=department)
    sheet_save(employee=employee, day=today, scores=scores(), saved_by=office, is_spot_check=True)

    assert sheets_fill_full_marks(department=department, day=today, saved_by=office) == 1
    assert DailySheet.objects.filter(employee=employee, is_spot_check=False).exists()


def test_head_cannot_fill_another_department(head, today):
    other = DepartmentFactory(name="机械部")
    EmployeeFactory(department=other)

    with pytest.raises(PermissionDenied):
        sheets_fill_full_marks(department=other, day=today, saved_by=head)

    assert DailySheet.objects.count() == 0


def test_fill_full_marks_refuses_a_closed_quarter(head, department, today):
    closed = QuarterId.of(today).previous()
    QuarterFactory(year=closed.year, number=closed.number, status=QuarterStatus.CLOSED)
    EmployeeFactory(department=department)

    with pytest.raises(ValidationError):
        sheets_fill_full_marks(department=department, day=closed.last_day, saved_by=head)

    assert DailySheet.objects.count() == 0


def test_row_save_runs_a_handful_of_queries(head, employee, today, django_assert_max_num_queries):
    sheet_save(employee=employee, day=today, scores=scores(), saved_by=head)
    criterion = Criterion.objects.filter(department_kind="frontline").first()

    with django_assert_max_num_queries(16):
        sheet_save(
            employee=employee,
            day=today,
            scores=scores(service="45"),
            criteria=[criterion],
            saved_by=head,
        )
