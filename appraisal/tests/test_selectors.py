"""Reads behind the day grid, the history and the month view."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from appraisal.models import Criterion, DailySheet, RuleSettings
from appraisal.rules import Category, QuarterId, ScoreBand
from appraisal.selectors import (
    day_grid_for,
    grid_departments,
    grid_row_for,
    month_grid_for,
    score_text,
    sheet_history_for,
)
from appraisal.services import sheet_save
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


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def department():
    return DepartmentFactory(name="综合部", kind=DepartmentKind.FUNCTIONAL)


@pytest.fixture
def head(department):
    return head_user(department)


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


class TestMonthGrid:
    @pytest.fixture
    def quarter(self, today):
        # A past, finished quarter so that every day of its months may have a sheet.
        qid = QuarterId.of(today).previous()
        return QuarterFactory(year=qid.year, number=qid.number)

    def test_cells_use_the_spot_check_and_colour_by_band(self, department, head, quarter):
        employee = EmployeeFactory(department=department)
        first = quarter.first_day
        second = first + datetime.timedelta(days=1)
        DailySheetFactory(employee=employee, day=first, service=D("45"))  # 95
        DailySheetFactory(employee=employee, day=first, service=D("30"), is_spot_check=True)  # 80
        DailySheetFactory(employee=employee, day=second, service=D("42"))  # 92

        grid = month_grid_for(user=head, department=department, month=first)

        cells = grid.rows[0].cells
        assert len(cells) == len(grid.days)
        assert (cells[0].total, cells[0].band, cells[0].is_spot_check) == (
            D("80"),
            ScoreBand.PASS,
            True,
        )
        assert cells[0].department_total == D("95")
        assert (cells[1].total, cells[1].band) == (D("92"), ScoreBand.AMBASSADOR)
        assert cells[2].total is None

    def test_quarter_average_covers_every_month_so_far_half_up(self, department, head, quarter):
        employee = EmployeeFactory(department=department)
        later_month = quarter.first_day.replace(month=quarter.first_day.month + 1)
        # 95 + 94.9 + 94.9 (the spot check replacing 100) over 3 days = 94.9333… → 94.93
        DailySheetFactory(employee=employee, day=quarter.first_day, service=D("45"))
        DailySheetFactory(employee=employee, day=later_month, service=D("44.9"))
        DailySheetFactory(employee=employee, day=later_month + datetime.timedelta(days=1))
        DailySheetFactory(
            employee=employee,
            day=later_month + datetime.timedelta(days=1),
            service=D("44.9"),
            is_spot_check=True,
        )

        grid = month_grid_for(user=head, department=department, month=quarter.first_day)

        row = grid.rows[0]
        assert row.quarter_days == 3
        assert row.quarter_average == D("94.93")
        assert row.quarter_band == ScoreBand.AMBASSADOR

    def test_an_average_of_94_995_rounds_to_95(self, department, head, quarter):
        employee = EmployeeFactory(department=department)
        days = [quarter.first_day + datetime.timedelta(days=n) for n in range(20)]
        for day in days[:-1]:
            DailySheetFactory(employee=employee, day=day, service=D("45"))  # 95
        DailySheetFactory(employee=employee, day=days[-1], service=D("44.9"))  # 94.9

        row = month_grid_for(user=head, department=department, month=quarter.first_day).rows[0]

        assert row.quarter_average == D("95.00")
        assert row.quarter_band == ScoreBand.BEST

    def test_bands_follow_the_quarters_rule_settings(self, department, head, quarter):
        RuleSettings.objects.filter(quarter=quarter).update(best_min=D("92"))
        employee = EmployeeFactory(department=department)
        DailySheetFactory(employee=employee, day=quarter.first_day, service=D("43"))  # 93

        row = month_grid_for(user=head, department=department, month=quarter.first_day).rows[0]

        assert row.cells[0].band == ScoreBand.BEST

    def test_employee_without_sheets_has_no_average(self, department, head, quarter):
        EmployeeFactory(department=department)

        row = month_grid_for(user=head, department=department, month=quarter.first_day).rows[0]

        assert (row.quarter_average, row.quarter_days, row.quarter_band) == (None, 0, None)

    def test_supervisors_and_other_departments_are_not_listed(self, department, head, quarter):
        mine = EmployeeFactory(department=department)
        EmployeeFactory(department=department, is_supervisor=True)
        EmployeeFactory(department=DepartmentFactory(name="运行部"))

        grid = month_grid_for(user=head, department=department, month=quarter.first_day)

        assert [row.employee for row in grid.rows] == [mine]

    def test_month_grid_runs_a_fixed_number_of_queries(
        self, department, head, quarter, django_assert_max_num_queries
    ):
        for employee in EmployeeFactory.create_batch(30, department=department):
            for n in range(3):
                DailySheetFactory(
                    employee=employee, day=quarter.first_day + datetime.timedelta(days=n)
                )

        with django_assert_max_num_queries(7):
            grid = month_grid_for(user=head, department=department, month=quarter.first_day)

        assert all(row.quarter_days == 3 for row in grid.rows)
