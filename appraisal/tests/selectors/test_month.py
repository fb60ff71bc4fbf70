"""Reads behind the month view (appraisal.selectors.month)."""

import datetime
from decimal import Decimal

import pytest

from appraisal.models import RuleSettings
from appraisal.rules import QuarterId, ScoreBand
from appraisal.selectors.month import month_grid_for
from appraisal.tests.factories import DailySheetFactory, QuarterFactory
from employees.tests.factories import DepartmentFactory, EmployeeFactory

pytestmark = pytest.mark.django_db

D = Decimal


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
