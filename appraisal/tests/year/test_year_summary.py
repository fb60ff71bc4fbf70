"""The year summary selector and the export_year workbook, against the hand-worked year."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.utils import timezone, translation
from openpyxl import load_workbook

from appraisal.exports_year import NOT_APPRAISED, YEAR_HEADERS
from appraisal.models import ServiceStar, StarStatus, Year
from appraisal.selectors.year import year_summary_for
from appraisal.tests.factories import QuarterFactory
from appraisal.tests.year.conftest import YEAR
from employees.tests.factories import head_user, hr_user, office_user, staff_employee

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def by_number(summary):
    return {row.employee.number: row for row in summary.rows}


def test_the_summary_has_one_row_per_employee_appraised_in_the_year(year_world):
    summary = year_summary_for(user=office_user(), year=YEAR)
    rows = by_number(summary)
    assert list(rows) == ["A001", "A002", "B001"]
    zhang = rows["A001"]
    assert [c.final for c in zhang.cells] == [D("96.00"), D("91.50"), None, D("86.25")]
    assert zhang.figures.average == D("91.25")
    assert zhang.awards == [1, 1, 0]
    assert zhang.figures.net == D("850.00")
    assert rows["A002"].figures.average == D("84.33")
    assert rows["A002"].figures.net == D("-200.00")
    assert rows["B001"].figures.average == D("83.00")
    assert rows["B001"].awards == [0, 0, 0]


def test_quarters_not_yet_final_are_marked(year_world):
    zhang = by_number(year_summary_for(user=office_user(), year=YEAR))["A001"]
    assert not zhang.cells[3].settled
    assert "not final yet" in zhang.cells[3].outcome
    assert zhang.cells[0].settled
    assert zhang.cells[2].outcome == "Not appraised"


def test_the_outcome_names_disqualification_and_training(year_world):
    rows = by_number(year_summary_for(user=office_user(), year=YEAR))
    assert "Disqualified" in rows["A002"].cells[1].outcome
    assert "Off-post training" in rows["B001"].cells[2].outcome


def test_a_head_sees_only_their_department(year_world):
    summary = year_summary_for(user=head_user(year_world.passenger), year=YEAR)
    assert list(by_number(summary)) == ["B001"]


def test_hr_sees_everyone_and_staff_are_refused(year_world):
    assert len(year_summary_for(user=hr_user(), year=YEAR).rows) == 3
    with pytest.raises(PermissionDenied):
        year_summary_for(user=staff_employee().user, year=YEAR)


def test_the_summary_filters_by_department_and_sorts_by_column(year_world):
    office = office_user()
    summary = year_summary_for(user=office, year=YEAR, department=year_world.loading)
    assert list(by_number(summary)) == ["A001", "A002"]
    summary = year_summary_for(user=office, year=YEAR, sort="-average")
    assert [r.employee.number for r in summary.rows] == ["A001", "A002", "B001"]
    summary = year_summary_for(user=office, year=YEAR, sort="q3")
    assert [r.employee.number for r in summary.rows][-1] == "B001"


def test_a_year_without_quarters_has_no_rows(db):
    summary = year_summary_for(user=office_user(), year=2019)
    assert not summary.has_quarters
    assert summary.rows == []


def test_export_year_writes_the_hand_worked_table(year_world, tmp_path):
    year_world.settle_q4()
    row = Year.objects.create(year=YEAR, stars_published_at=timezone.now())
    ServiceStar.objects.create(
        year=row,
        employee=year_world.zhang,
        department=year_world.loading,
        citation="热情服务",
        status=StarStatus.NAMED,
        named_at=timezone.now(),
    )
    path = tmp_path / "year.xlsx"
    call_command("export_year", str(YEAR), "-o", str(path))
    ws = load_workbook(path).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == YEAR_HEADERS
    assert rows[1] == (
        "A001",
        "张三",
        "装卸作业部",
        96,
        91.5,
        NOT_APPRAISED,
        86.25,
        91.25,
        1,
        1,
        1,
        950,
        "是",
    )
    assert rows[2] == (
        "A002",
        "李四",
        "装卸作业部",
        84.33,
        84.32,
        NOT_APPRAISED,
        NOT_APPRAISED,
        84.33,
        0,
        0,
        0,
        -200,
        None,
    )
    assert rows[3] == (
        "B001",
        "王五",
        "客运服务部",
        NOT_APPRAISED,
        NOT_APPRAISED,
        78,
        88,
        83,
        0,
        0,
        1,
        200,
        None,
    )
    assert ws["D2"].comment.text == "最佳微笑奖"
    assert ws["E3"].comment.text == "取消评比资格"
    assert ws["F4"].comment.text == "下岗培训"
    assert ws["F2"].comment.text == "未考核"


def test_export_year_refuses_a_year_without_quarters(db, tmp_path):
    path = tmp_path / "year.xlsx"
    QuarterFactory(year=2026, number=1)
    with pytest.raises(CommandError, match="2019"):
        call_command("export_year", "2019", "-o", str(path))
    assert not path.exists()
