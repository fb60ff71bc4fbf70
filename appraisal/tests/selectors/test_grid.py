"""Reads behind the day grid and a sheet's revision history (appraisal.selectors.grid)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from appraisal.models import Criterion, DailySheet
from appraisal.rules import Category, QuarterId
from appraisal.selectors.grid import (
    day_grid_for,
    grid_departments,
    grid_row_for,
    score_text,
    sheet_history_for,
)
from appraisal.services import sheet_save
from appraisal.tests.factories import DailySheetFactory, QuarterFactory
from employees.models import DepartmentKind
from employees.tests.factories import (
    DepartmentFactory,
    EmployeeFactory,
    hr_user,
    office_user,
    staff_employee,
)

pytestmark = pytest.mark.django_db

D = Decimal


def full(**overrides):
    values = {
        Category.DISCIPLINE: D("20"),
        Category.COURTESY: D("10"),
        Category.SERVICE: D("50"),
        Category.MORALITY: D("20"),
    }
    values.update({Category(key): D(value) for key, value in overrides.items()})
    return values


def test_grid_departments_head_gets_own_office_all_others_none(department, head):
    other = DepartmentFactory(name="生产部")

    assert list(grid_departments(user=head)) == [department]
    assert set(grid_departments(user=office_user())) == {department, other}
    assert not grid_departments(user=hr_user()).exists()
    assert not grid_departments(user=staff_employee(department=department).user).exists()


def test_day_grid_orders_rows_by_number_and_prefills_unsaved_ones(department, head, today):
    second = EmployeeFactory(department=department, number="B002")
    first = EmployeeFactory(department=department, number="A001")
    DailySheetFactory(employee=second, day=today, courtesy=D("8.5"))

    grid = day_grid_for(user=head, department=department, day=today)

    assert [row.employee for row in grid.rows] == [first, second]
    assert [row.state for row in grid.rows] == ["unsaved", "saved"]
    assert [row.total for row in grid.rows] == [D("100"), D("98.5")]
    assert [cell.text for cell in grid.rows[1].cells] == ["20", "8.5", "50", "20"]
    assert (grid.saved_count, grid.unsaved_count) == (1, 1)
    assert not grid.read_only


def test_day_grid_offers_only_the_criteria_of_the_department_kind(department, head, today):
    grid = day_grid_for(user=head, department=department, day=today)

    items = [item for group in grid.criteria_groups for item in group.items]
    assert [group.code for group in grid.criteria_groups] == [c.value for c in Category]
    assert {item.department_kind for item in items} == {DepartmentKind.FUNCTIONAL}
    assert len(items) == Criterion.objects.filter(department_kind="functional").count() == 13


def test_day_grid_shows_the_spot_check_beside_the_department_sheet(department, head, today):
    employee = EmployeeFactory(department=department)
    DailySheetFactory(employee=employee, day=today)
    DailySheetFactory(employee=employee, day=today, is_spot_check=True, service=D("45"))

    department_mode = day_grid_for(user=head, department=department, day=today)
    spot_mode = day_grid_for(user=office_user(), department=department, day=today, spot=True)

    assert department_mode.rows[0].sheet.is_spot_check is False
    assert department_mode.rows[0].other.total == D("95")
    assert spot_mode.rows[0].sheet.is_spot_check is True
    assert spot_mode.rows[0].total == D("95")
    assert spot_mode.rows[0].other.total == D("100")


def test_day_grid_counts_revisions_and_reads_criteria(department, head, today):
    employee = EmployeeFactory(department=department)
    item = Criterion.objects.filter(department_kind="functional", category="service").first()
    sheet_save(employee=employee, day=today, scores=full(), saved_by=head)
    sheet_save(
        employee=employee, day=today, scores=full(service="48"), criteria=[item], saved_by=head
    )

    row = day_grid_for(user=head, department=department, day=today).rows[0]

    assert row.revision_count == 2
    assert row.criteria_ids == [item.pk]
    assert row.total_text == "98"


def test_a_sheet_first_saved_yesterday_needs_a_reason(department, head, today):
    employee = EmployeeFactory(department=department)
    sheet = DailySheetFactory(employee=employee, day=today - datetime.timedelta(days=1))
    DailySheet.objects.filter(pk=sheet.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=1)
    )

    row = grid_row_for(user=head, employee=employee, day=sheet.day)

    assert row.needs_reason


def test_day_grid_of_a_closed_quarter_is_read_only_naming_the_quarter(department, head, today):
    closed = QuarterId.of(today).previous()
    QuarterFactory(year=closed.year, number=closed.number, status="closed")

    grid = day_grid_for(user=head, department=department, day=closed.last_day)

    assert grid.read_only
    assert closed.code in grid.read_only_reason
    assert grid.quarter_code == closed.code


def test_day_grid_of_tomorrow_is_read_only(department, head, today):
    grid = day_grid_for(user=head, department=department, day=today + datetime.timedelta(days=1))

    assert grid.read_only


def test_history_lists_newest_first_with_changes_and_reasons(department, head, today):
    employee = EmployeeFactory(department=department)
    office = office_user()
    sheet_save(employee=employee, day=today, scores=full(), saved_by=head)
    sheet_save(
        employee=employee,
        day=today,
        scores=full(courtesy="9"),
        saved_by=office,
        is_spot_check=True,
    )
    sheet_save(
        employee=employee, day=today, scores=full(morality="19.5"), saved_by=head, reason="核实"
    )

    lines = sheet_history_for(user=head, employee=employee, day=today)

    assert [line.revision.is_spot_check for line in lines] == [False, True, False]
    assert [line.created for line in lines] == [False, True, True]
    assert [(c.old, c.new) for c in lines[0].changes] == [("20.0", "19.5")]
    assert lines[0].revision.reason == "核实"
    assert lines[1].revision.changed_by == office


def test_history_is_empty_for_someone_the_user_may_not_see(head, today):
    stranger = EmployeeFactory(department=DepartmentFactory(name="货运部"))
    sheet_save(employee=stranger, day=today, scores=full(), saved_by=office_user())

    assert sheet_history_for(user=head, employee=stranger, day=today) == []
    assert sheet_history_for(user=hr_user(), employee=stranger, day=today) == []


def test_score_text_drops_a_trailing_zero_decimal():
    assert [score_text(D(v)) for v in ("20", "20.0", "47.5", "0")] == ["20", "20", "47.5", "0"]
    assert score_text(None) == ""
