"""The results and payout workbooks and their commands (interfaces.md, "Results" and "Payout")."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from appraisal import exports
from appraisal.exports import (
    AWARD_NAMES,
    GRAND_TOTAL,
    PAYOUT_HEADERS,
    RESULTS_HEADERS,
    SUBTOTAL,
    ExportRefused,
    payout_workbook_write,
    results_workbook_write,
)
from appraisal.models import Approval, AwardTier, ObjectionStatus, QuarterStatus
from appraisal.selectors.month import disqualification_reason_text
from appraisal.tests.factories import (
    DepartmentReviewFactory,
    ObjectionFactory,
    QuarterFactory,
    QuarterResultFactory,
)
from employees.tests.factories import DepartmentFactory, EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db

CLOSED_ON = (QuarterStatus.CLOSED, QuarterStatus.PUBLISHED, QuarterStatus.FINAL, QuarterStatus.PAID)
NASTY_TEXTS = ('=HYPERLINK("x")', "+1", "-2", "@SUM(A1)")


def final_quarter(**kwargs: object):
    return QuarterFactory(
        status=QuarterStatus.FINAL,
        published_on=date(2026, 10, 10),
        notice_ends_on=date(2026, 11, 10),
        final_on=date(2026, 11, 11),
        payout_month=date(2026, 12, 1),
        **kwargs,
    )


def result(quarter, *, department=None, employee=None, **kwargs: object):
    """A result; `department` is the closing department, also the employee's unless given."""
    if employee is None:
        employee = EmployeeFactory(**({"department": department} if department else {}))
    return QuarterResultFactory(
        quarter=quarter, employee=employee, department=department or employee.department, **kwargs
    )


def read_sheet(target) -> list[tuple]:
    """Every row of the first sheet, as openpyxl cells (so types can be checked)."""
    if isinstance(target, io.BytesIO):
        target.seek(0)
    workbook = load_workbook(target)
    return list(workbook.worksheets[0].iter_rows())


def values(row) -> list:
    return [cell.value for cell in row]


def results_file(quarter) -> list[tuple]:
    buffer = io.BytesIO()
    results_workbook_write(quarter=quarter, target=buffer)
    return read_sheet(buffer)


def money(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def payout_table(rows: list[tuple]) -> tuple[int, list[tuple]]:
    """The header row's index and the table's rows after it, up to and including 合计."""
    header = next(i for i, row in enumerate(rows) if row[0].value == "序号")
    table = []
    for row in rows[header + 1 :]:
        table.append(row)
        if row[0].value == GRAND_TOTAL:
            break
    else:
        pytest.fail("no 合计 row")
    return header, table


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------


def test_results_headers_are_exactly_the_interface():
    quarter = QuarterFactory(status=QuarterStatus.CLOSED)
    result(quarter)

    rows = results_file(quarter)

    assert values(rows[0]) == [
        "工号",
        "姓名",
        "部门",
        "记录天数",
        "季度均分",
        "加分",
        "最终得分",
        "奖项",
        "奖金",
        "奖罚金额",
        "取消资格原因",
        "下岗培训",
        "撤回原因",
    ]
    assert list(RESULTS_HEADERS) == values(rows[0])
    assert len(rows) == 2


def test_results_sorted_by_department_order_then_name_then_number():
    quarter = QuarterFactory(status=QuarterStatus.CLOSED)
    late = DepartmentFactory(name="A装卸队", display_order=2)
    # Same display order: the name decides (a Latin first letter, so every collation agrees).
    early_b = DepartmentFactory(name="B乙部", display_order=1)
    early_a = DepartmentFactory(name="A甲部", display_order=1)
    result(quarter, department=late, employee=EmployeeFactory(number="A001", department=late))
    result(quarter, department=early_b, employee=EmployeeFactory(number="C003", department=early_b))
    result(quarter, department=early_b, employee=EmployeeFactory(number="B002", department=early_b))
    result(quarter, department=early_a, employee=EmployeeFactory(number="D004", department=early_a))

    rows = results_file(quarter)

    assert [(row[2].value, row[0].value) for row in rows[1:]] == [
        ("A甲部", "D004"),
        ("B乙部", "B002"),
        ("B乙部", "C003"),
        ("A装卸队", "A001"),
    ]


def test_results_use_the_department_at_closing_time():
    quarter = QuarterFactory(status=QuarterStatus.CLOSED)
    old = DepartmentFactory(name="旧部门", display_order=1)
    new = DepartmentFactory(name="新部门", display_order=2)
    employee = EmployeeFactory(department=new)
    result(quarter, employee=employee, department=old)

    rows = results_file(quarter)

    assert rows[1][2].value == "旧部门"


def test_results_numbers_are_numeric_with_two_decimals():
    quarter = QuarterFactory(status=QuarterStatus.PUBLISHED)
    result(
        quarter,
        days=61,
        average=Decimal("93.25"),
        bonus=Decimal("2.5"),
        final=Decimal("95.75"),
        score_tier=AwardTier.BEST,
        award_tier=AwardTier.BEST,
        award_amount=Decimal("500"),
        rewards=Decimal("100.50"),
        fines=Decimal("200"),
    )

    row = results_file(quarter)[1]

    days, average, bonus, final, award, adjustment = (row[i] for i in (3, 4, 5, 6, 8, 9))
    assert days.data_type == "n" and days.value == 61
    for cell in (average, bonus, final, award, adjustment):
        assert cell.data_type == "n"
        assert cell.number_format == "0.00"
    assert money(average.value) == Decimal("93.25")
    assert money(bonus.value) == Decimal("2.50")
    assert money(final.value) == Decimal("95.75")
    assert money(award.value) == Decimal("500.00")
    # 奖罚金额 = rewards − fines, negative here.
    assert money(adjustment.value) == Decimal("-99.50")


@pytest.mark.parametrize(
    ("tier", "amount", "name"),
    [
        (AwardTier.BEST, Decimal("500"), "最佳微笑奖"),
        (AwardTier.AMBASSADOR, Decimal("300"), "微笑大使奖"),
        (AwardTier.STYLE, Decimal("200"), "微笑风采奖"),
        (AwardTier.NONE, Decimal("0"), None),
    ],
)
def test_results_award_names_are_the_chinese_interface(tier, amount, name):
    quarter = QuarterFactory(status=QuarterStatus.CLOSED)
    result(quarter, award_tier=tier, score_tier=tier, award_amount=amount, final=Decimal("96"))

    row = results_file(quarter)[1]

    assert row[7].value == name
    assert AWARD_NAMES.get(tier) == name


def test_results_reasons_joined_with_chinese_semicolon():
    quarter = QuarterFactory(status=QuarterStatus.CLOSED)
    reasons = [
        "月度扣分达15分",
        {"code": "group_complaint", "detail": "2026-07-03"},
        {"code": "其他", "detail": "旷工"},
    ]
    result(quarter, disqualified=True, disqualification_reasons=reasons)
    result(quarter)

    rows = results_file(quarter)

    expected = "；".join(disqualification_reason_text(reason=item) for item in reasons)
    assert rows[1][10].value == expected
    assert rows[1][10].value.count("；") == 2
    assert rows[1][10].value.startswith("月度扣分达15分；")
    assert rows[2][10].value is None


def test_results_training_is_yes_or_no():
    quarter = QuarterFactory(status=QuarterStatus.CLOSED)
    dept = DepartmentFactory(display_order=1)
    result(
        quarter,
        department=dept,
        employee=EmployeeFactory(number="T1", department=dept),
        final=Decimal("75"),
        average=Decimal("75"),
        training=True,
    )
    result(quarter, department=dept, employee=EmployeeFactory(number="T2", department=dept))

    rows = results_file(quarter)

    assert [row[11].value for row in rows[1:]] == ["是", "否"]


@pytest.mark.parametrize("status", CLOSED_ON)
def test_results_from_the_close_on(status, tmp_path):
    quarter = QuarterFactory(status=status)
    result(quarter)
    result(quarter)

    assert results_workbook_write(quarter=quarter, target=tmp_path / "r.xlsx") == 2
    assert len(read_sheet(tmp_path / "r.xlsx")) == 3


def test_results_refuse_an_open_quarter():
    quarter = QuarterFactory(status=QuarterStatus.OPEN)
    buffer = io.BytesIO()

    with pytest.raises(ExportRefused) as caught:
        results_workbook_write(quarter=quarter, target=buffer)

    assert isinstance(caught.value, ValidationError)
    assert "2026Q3" in caught.value.messages[0]
    assert buffer.getvalue() == b""


def test_results_of_an_empty_closed_quarter_have_only_the_header():
    quarter = QuarterFactory(status=QuarterStatus.CLOSED)

    rows = results_file(quarter)

    assert [values(row) for row in rows] == [list(RESULTS_HEADERS)]


# ---------------------------------------------------------------------------
# Formula injection: both files
# ---------------------------------------------------------------------------


def _sheet_xml(target: io.BytesIO) -> str:
    with zipfile.ZipFile(io.BytesIO(target.getvalue())) as archive:
        return archive.read("xl/worksheets/sheet1.xml").decode()


@pytest.mark.parametrize("text", NASTY_TEXTS)
def test_results_text_that_looks_like_a_formula_stays_text(text):
    quarter = QuarterFactory(status=QuarterStatus.CLOSED)
    dept = DepartmentFactory(name=f"部门{text}")
    result(
        quarter,
        employee=EmployeeFactory(name=text, number=text, department=dept),
        disqualification_reasons=[text],
    )
    buffer = io.BytesIO()
    results_workbook_write(quarter=quarter, target=buffer)

    row = read_sheet(buffer)[1]

    for index in (0, 1, 10):
        assert row[index].data_type == "s"
        assert row[index].value == text
    assert row[2].value == f"部门{text}"
    assert "<f>" not in _sheet_xml(buffer)


@pytest.mark.parametrize("text", NASTY_TEXTS)
def test_payout_text_that_looks_like_a_formula_stays_text(text):
    quarter = final_quarter()
    dept = DepartmentFactory(name=text)
    employee = EmployeeFactory(name=text, number=text, position=text, department=dept)
    result(
        quarter,
        employee=employee,
        award_tier=AwardTier.STYLE,
        score_tier=AwardTier.STYLE,
        award_amount=Decimal("200"),
        final=Decimal("86"),
    )
    buffer = io.BytesIO()
    payout_workbook_write(quarter=quarter, target=buffer)

    _, table = payout_table(read_sheet(buffer))

    row = table[0]
    for index in (1, 2, 3, 4):
        assert row[index].data_type == "s"
        assert row[index].value == text
    assert table[1][3].value == text  # the department's subtotal row
    assert "<f>" not in _sheet_xml(buffer)
    # Numbers stay numbers.
    assert row[7].data_type == "n"


# ---------------------------------------------------------------------------
# Payout
# ---------------------------------------------------------------------------


def _payout_company(quarter):
    """Two departments; some rows pay, some net to zero. Returns the expected paying rows."""
    first = DepartmentFactory(name="一队", display_order=1)
    second = DepartmentFactory(name="二队", display_order=2)

    def employee(number, department, position="理货员"):
        return EmployeeFactory(number=number, department=department, position=position)

    result(
        quarter,
        employee=employee("P002", first, "司机"),
        award_tier=AwardTier.BEST,
        score_tier=AwardTier.BEST,
        award_amount=Decimal("500"),
        rewards=Decimal("50"),
        final=Decimal("97.10"),
    )
    result(quarter, employee=employee("P001", first), fines=Decimal("200"))
    result(quarter, employee=employee("P003", first))  # nothing to pay
    result(
        quarter,
        employee=employee("P004", first),
        award_tier=AwardTier.STYLE,
        score_tier=AwardTier.STYLE,
        award_amount=Decimal("200"),
        fines=Decimal("200"),
        final=Decimal("86"),
    )  # net zero
    result(
        quarter,
        employee=employee("P010", second),
        award_tier=AwardTier.AMBASSADOR,
        score_tier=AwardTier.AMBASSADOR,
        award_amount=Decimal("300"),
        rewards=Decimal("100.50"),
        fines=Decimal("20.25"),
        final=Decimal("91"),
    )
    result(quarter, employee=employee("P009", second), rewards=Decimal("30"))
    # number, department, award name, award, adjustment, net
    return [
        ("P001", "一队", None, Decimal("0"), Decimal("-200"), Decimal("-200")),
        ("P002", "一队", "最佳微笑奖", Decimal("500"), Decimal("50"), Decimal("550")),
        ("P009", "二队", None, Decimal("0"), Decimal("30"), Decimal("30")),
        ("P010", "二队", "微笑大使奖", Decimal("300"), Decimal("80.25"), Decimal("380.25")),
    ]


def test_payout_header_row_is_the_first_row_starting_with_xuhao():
    quarter = final_quarter()
    _payout_company(quarter)
    buffer = io.BytesIO()
    payout_workbook_write(quarter=quarter, target=buffer)

    rows = read_sheet(buffer)
    header, _ = payout_table(rows)

    assert header > 0  # a title block comes first
    assert values(rows[header]) == [
        "序号",
        "工号",
        "姓名",
        "部门",
        "岗位",
        "奖项",
        "最终得分",
        "奖金",
        "奖罚金额",
        "实发金额",
        "签字",
    ]
    assert values(rows[header]) == list(PAYOUT_HEADERS)
    assert all(cell.font.bold for cell in rows[header])
    assert all(cell.border.left.style == "thin" for cell in rows[header])


def test_payout_title_block_names_the_quarter_and_payout_month():
    quarter = final_quarter()
    _payout_company(quarter)
    buffer = io.BytesIO()
    payout_workbook_write(quarter=quarter, target=buffer)

    rows = read_sheet(buffer)
    header, _ = payout_table(rows)
    title = [row[0].value for row in rows[:header] if row[0].value]

    assert title[0] == "2026Q3 微笑服务考核奖金发放表"
    assert "发放月份：2026年12月" in title


def test_payout_rows_only_for_non_zero_net_with_subtotals_and_total():
    quarter = final_quarter()
    expected = _payout_company(quarter)
    buffer = io.BytesIO()
    summary = payout_workbook_write(quarter=quarter, target=buffer)

    _, table = payout_table(read_sheet(buffer))

    kinds = [row[0].value for row in table]
    assert kinds == [1, 2, SUBTOTAL, 3, 4, SUBTOTAL, GRAND_TOTAL]
    people = [row for row in table if isinstance(row[0].value, int)]
    got = [
        (
            row[1].value,
            row[3].value,
            row[5].value,
            money(row[7].value),
            money(row[8].value),
            money(row[9].value),
        )
        for row in people
    ]
    assert got == expected
    assert people[1][4].value == "司机"
    assert money(people[1][6].value) == Decimal("97.10")
    for row in people:
        assert row[10].value is None  # 签字 is left for the pen
        for index in (6, 7, 8, 9):
            assert row[index].data_type == "n"
            assert row[index].number_format == "0.00"

    def sums(department: str | None) -> tuple[Decimal, Decimal, Decimal]:
        lines = [line for line in expected if department in (None, line[1])]
        return tuple(sum((line[i] for line in lines), Decimal("0")) for i in (3, 4, 5))

    first_subtotal, second_subtotal, total = table[2], table[5], table[6]
    assert first_subtotal[3].value == "一队"
    assert tuple(money(first_subtotal[i].value) for i in (7, 8, 9)) == sums("一队")
    assert sums("一队") == (Decimal("500"), Decimal("-150"), Decimal("350"))
    assert second_subtotal[3].value == "二队"
    assert tuple(money(second_subtotal[i].value) for i in (7, 8, 9)) == sums("二队")
    assert tuple(money(total[i].value) for i in (7, 8, 9)) == sums(None)
    assert sums(None) == (Decimal("800"), Decimal("-39.75"), Decimal("760.25"))

    assert summary.rows == 4
    assert summary.departments == 2
    assert (summary.award_total, summary.adjustment_total, summary.net_total) == sums(None)


def test_payout_total_row_ends_the_table_and_signature_lines_follow():
    quarter = final_quarter()
    _payout_company(quarter)
    buffer = io.BytesIO()
    payout_workbook_write(quarter=quarter, target=buffer)

    rows = read_sheet(buffer)
    header, table = payout_table(rows)
    after = rows[header + 1 + len(table) :]

    assert table[-1][0].value == GRAND_TOTAL
    assert all(cell.value is None for cell in after[0])  # a blank row closes the table
    signature = [cell.value for row in after for cell in row if cell.value]
    assert signature == ["制表人：", "审核人：", "日期："]


def test_payout_groups_by_the_department_at_closing_time():
    quarter = final_quarter()
    old = DepartmentFactory(name="旧部门", display_order=1)
    new = DepartmentFactory(name="新部门", display_order=2)
    result(quarter, employee=EmployeeFactory(department=new), department=old, rewards=Decimal("10"))

    buffer = io.BytesIO()
    payout_workbook_write(quarter=quarter, target=buffer)
    _, table = payout_table(read_sheet(buffer))

    assert table[0][3].value == "旧部门"
    assert table[1][3].value == "旧部门"


def test_payout_with_nothing_to_pay_has_only_the_total():
    quarter = final_quarter()
    result(quarter)
    buffer = io.BytesIO()

    summary = payout_workbook_write(quarter=quarter, target=buffer)

    _, table = payout_table(read_sheet(buffer))
    assert [row[0].value for row in table] == [GRAND_TOTAL]
    assert money(table[0][9].value) == Decimal("0")
    assert summary.rows == 0 and summary.net_total == Decimal("0")


def test_payout_prints_the_header_on_every_page():
    quarter = final_quarter()
    _payout_company(quarter)
    buffer = io.BytesIO()
    payout_workbook_write(quarter=quarter, target=buffer)
    buffer.seek(0)

    sheet = load_workbook(buffer).worksheets[0]
    header, _ = payout_table(list(sheet.iter_rows()))

    assert sheet.print_title_rows == f"${header + 1}:${header + 1}"
    assert sheet.page_setup.fitToWidth == 1
    assert sheet.column_dimensions["K"].width > 10


def test_payout_title_is_merged_and_centred_the_header_filled_and_rows_tall_enough_to_sign():
    quarter = final_quarter()
    _payout_company(quarter)
    buffer = io.BytesIO()
    payout_workbook_write(quarter=quarter, target=buffer)
    buffer.seek(0)

    sheet = load_workbook(buffer).worksheets[0]
    rows = list(sheet.iter_rows())
    header, table = payout_table(rows)

    assert [str(r) for r in sheet.merged_cells.ranges] == ["A1:K1"]
    assert sheet["A1"].alignment.horizontal == "center"
    assert sheet["A1"].value.startswith(quarter.code)
    for cell in rows[header]:
        assert cell.fill.fill_type == "solid"
        assert cell.fill.start_color.rgb == "FFD9E1F2"
    # Employees sign in the 签字 column of their row; the office on the line below.
    assert sheet.sheet_format.defaultRowHeight >= 24
    signature = next(i for i, row in enumerate(rows) if row[0].value == "制表人：")
    assert signature > header + len(table)
    assert sheet.row_dimensions[signature + 1].height >= 24


def test_results_print_on_a4_landscape_one_page_wide_with_the_header_on_every_page():
    quarter = QuarterFactory(status=QuarterStatus.CLOSED)
    result(quarter)
    buffer = io.BytesIO()
    results_workbook_write(quarter=quarter, target=buffer)
    buffer.seek(0)

    sheet = load_workbook(buffer).worksheets[0]

    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert sheet.page_setup.fitToWidth == 1
    assert sheet.page_setup.fitToHeight == 0
    assert sheet.print_title_rows == "$1:$1"
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].fill.fill_type == "solid"


def test_results_say_why_an_earned_award_is_not_given_and_who_decided():
    quarter = QuarterFactory(status=QuarterStatus.PUBLISHED)
    loading = DepartmentFactory(name="装卸作业部")
    head = UserFactory(username="head", first_name="", last_name="王主任")
    office = UserFactory(username="office1", first_name="", last_name="李考核")
    DepartmentReviewFactory(quarter=quarter, department=loading, submitted_by=head)
    best = {"score_tier": AwardTier.BEST}
    given = result(quarter, department=loading, award_tier=AwardTier.BEST, **best)
    withdrawn = result(
        quarter, department=loading, withdrawn=True, withdrawal_reason="服务投诉", **best
    )
    revoked = result(
        quarter,
        department=loading,
        approval=Approval.REVOKED,
        revocation_reason="迟到三次",
        approved_by=office,
        **best,
    )
    objected = result(
        quarter,
        department=loading,
        approval=Approval.REVOKED,
        revocation_reason="乘客投诉属实",
        approved_by=office,
        **best,
    )
    ObjectionFactory(
        quarter=quarter,
        employee=objected.employee,
        status=ObjectionStatus.UPHELD,
        ruling="乘客投诉属实",
        ruled_by=office,
        ruled_at=timezone.now(),
    )

    rows = results_file(quarter)

    assert rows[0][12].value == "撤回原因"
    why = {row[0].value: row[12].value for row in rows[1:]}
    assert why[given.employee.number] is None
    assert why[withdrawn.employee.number] == "部门撤回：服务投诉（决定人：王主任）"
    assert why[revoked.employee.number] == "考核办撤销：迟到三次（决定人：李考核）"
    assert why[objected.employee.number] == "异议成立撤销：乘客投诉属实（决定人：李考核）"


@pytest.mark.parametrize("write", [results_workbook_write, payout_workbook_write])
def test_exports_write_the_same_file_as_openpyxls_own_row_writer(write, monkeypatch):
    quarter = final_quarter()
    _payout_company(quarter)
    for text in (*NASTY_TEXTS, " 空格 ", "a & <b>", "#N/A"):
        result(
            quarter,
            employee=EmployeeFactory(name=text, position=text),
            disqualification_reasons=[text],
            rewards=Decimal("12.5"),
        )

    def written() -> zipfile.ZipFile:
        buffer = io.BytesIO()
        write(quarter=quarter, target=buffer)
        return zipfile.ZipFile(buffer)

    ours = written()
    monkeypatch.setattr(exports, "StreamingWorkbook", lambda: Workbook(write_only=True))
    theirs = written()

    assert ours.namelist() == theirs.namelist()
    # core.xml holds the time of saving, to the second.
    for name in theirs.namelist():
        if name != "docProps/core.xml":
            assert ours.read(name) == theirs.read(name), name


@pytest.mark.parametrize("status", [QuarterStatus.FINAL, QuarterStatus.PAID])
def test_payout_for_final_and_paid(status):
    quarter = final_quarter()
    quarter.status = status
    quarter.save()
    result(quarter, rewards=Decimal("10"))

    summary = payout_workbook_write(quarter=quarter, target=io.BytesIO())

    assert summary.rows == 1


@pytest.mark.parametrize(
    "status", [QuarterStatus.OPEN, QuarterStatus.CLOSED, QuarterStatus.PUBLISHED]
)
def test_payout_refused_before_final(status):
    quarter = QuarterFactory(status=status)
    result(quarter, rewards=Decimal("10"))
    buffer = io.BytesIO()

    with pytest.raises(ExportRefused) as caught:
        payout_workbook_write(quarter=quarter, target=buffer)

    assert "2026Q3" in caught.value.messages[0]
    assert str(QuarterStatus(status).label) in caught.value.messages[0]
    assert buffer.getvalue() == b""


def test_exports_read_the_results_in_a_fixed_number_of_queries():
    def queries(count: int) -> tuple[int, int]:
        quarter = final_quarter(year=2020 + count)
        for _ in range(count):
            result(quarter, rewards=Decimal("10"))
        with CaptureQueriesContext(connection) as results_queries:
            results_workbook_write(quarter=quarter, target=io.BytesIO())
        with CaptureQueriesContext(connection) as payout_queries:
            payout_workbook_write(quarter=quarter, target=io.BytesIO())
        return len(results_queries), len(payout_queries)

    assert queries(2) == queries(12)


# ---------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------


def test_export_results_command_writes_the_file(tmp_path):
    quarter = QuarterFactory(status=QuarterStatus.CLOSED)
    result(quarter)
    result(quarter)
    target = tmp_path / "results.xlsx"
    out = io.StringIO()

    call_command("export_results", "2026Q3", "-o", str(target), stdout=out)

    rows = read_sheet(target)
    assert values(rows[0]) == list(RESULTS_HEADERS)
    assert len(rows) == 3
    assert "2" in out.getvalue() and "2026Q3" in out.getvalue()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.xlsx"]


def test_export_payout_command_writes_the_file(tmp_path):
    quarter = final_quarter()
    _payout_company(quarter)
    target = tmp_path / "payout.xlsx"
    out = io.StringIO()

    call_command("export_payout", "2026Q3", "--output", str(target), stdout=out)

    _, table = payout_table(read_sheet(target))
    assert money(table[-1][9].value) == Decimal("760.25")
    assert "760.25" in out.getvalue()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["payout.xlsx"]


def test_export_command_replaces_an_existing_file(tmp_path):
    quarter = QuarterFactory(status=QuarterStatus.CLOSED)
    result(quarter)
    target = tmp_path / "results.xlsx"
    target.write_bytes(b"old")

    call_command("export_results", "2026Q3", "-o", str(target), stdout=io.StringIO())

    assert len(read_sheet(target)) == 2


@pytest.mark.parametrize("command", ["export_results", "export_payout"])
@pytest.mark.parametrize(
    ("code", "named"),
    [("2026Q5", "2026Q5"), ("nonsense", "nonsense"), ("2031Q1", "2031Q1")],
)
def test_export_commands_refuse_bad_or_missing_quarters(command, code, named, tmp_path):
    final_quarter()
    target = tmp_path / "out.xlsx"

    with pytest.raises(CommandError) as caught:
        call_command(command, code, "-o", str(target), stdout=io.StringIO())

    assert named in str(caught.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("command", "status"),
    [
        ("export_results", QuarterStatus.OPEN),
        ("export_payout", QuarterStatus.OPEN),
        ("export_payout", QuarterStatus.CLOSED),
        ("export_payout", QuarterStatus.PUBLISHED),
    ],
)
def test_export_commands_refuse_the_wrong_state_and_leave_no_file(command, status, tmp_path):
    quarter = QuarterFactory(status=status)
    result(quarter, rewards=Decimal("10"))
    target = tmp_path / "out.xlsx"
    earlier = tmp_path / "earlier.xlsx"
    earlier.write_bytes(b"an earlier export")

    with pytest.raises(CommandError) as caught:
        call_command(command, "2026Q3", "-o", str(target), stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command(command, "2026Q3", "-o", str(earlier), stdout=io.StringIO())

    assert "2026Q3" in str(caught.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["earlier.xlsx"]
    assert earlier.read_bytes() == b"an earlier export"


def test_export_commands_leave_no_file_when_writing_fails(tmp_path, monkeypatch):
    quarter = QuarterFactory(status=QuarterStatus.CLOSED)
    result(quarter)
    target = tmp_path / "out.xlsx"

    def broken(*, quarter, target):
        target.write(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(
        "appraisal.management.commands.export_results.results_workbook_write", broken
    )
    with pytest.raises(CommandError):
        call_command("export_results", "2026Q3", "-o", str(target), stdout=io.StringIO())

    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["export_results", "export_payout"])
def test_export_commands_need_an_output_file(command):
    final_quarter()

    with pytest.raises(CommandError):
        call_command(command, "2026Q3", stdout=io.StringIO())


@pytest.mark.parametrize("command", ["export_results", "export_payout"])
def test_export_commands_refuse_a_missing_folder(command, tmp_path):
    final_quarter()
    target = tmp_path / "missing" / "out.xlsx"

    with pytest.raises(CommandError) as caught:
        call_command(command, "2026Q3", "-o", str(target), stdout=io.StringIO())

    assert str(target) in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_export_results_help_names_the_columns(capsys):
    with pytest.raises(SystemExit):
        call_command("export_results", "--help")

    assert " | ".join(RESULTS_HEADERS) in capsys.readouterr().out.replace("\n", " ")
