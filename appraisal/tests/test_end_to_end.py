"""A quarter's whole life through the commands of interfaces.md, checked against hand sums.

Import employees, sheets and events from generated workbooks; close; approve;
an objection upheld during the notice; finalize with the daily job; export the
results and the payout sheet and compare them with figures worked out below.
"""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command

from appraisal.models import Objection, ObjectionChannel, ObjectionStatus, Quarter, QuarterStatus
from appraisal.services import objection_record, objection_rule, quarter_mark_paid
from employees.models import Employee
from employees.tests.factories import hr_user, office_user

EMPLOYEES = [
    ["工号", "姓名", "部门", "部门类别", "岗位", "用工形式", "是否主管"],
    ["A001", "张三", "装卸作业部", "一线", "装卸工", "合同工", "否"],
    ["A002", "李四", "装卸作业部", "一线", "理货员", "劳务派遣", "否"],
    ["A003", "王五", "装卸作业部", "一线", "部长", "正式工", "是"],
    ["B001", "赵六", "财务部", "职能", "会计", "正式工", "否"],
    ["B002", "钱七", "财务部", "职能", "出纳", "临时工", "否"],
    ["B003", "孙八", "财务部", "职能", "核算员", "正式工", "否"],
]

D = datetime.date
SHEETS = [
    ["工号", "日期", "遵章守纪", "文明礼貌", "优质服务", "思想道德", "备注", "抽查"],
    # A001: 100 + 97.5 + 91.5 = 289 over 3 days → 96.33
    ["A001", D(2026, 7, 1), 20, 10, 50, 20, None, None],
    ["A001", "2026-07-02", 19.5, 10, 48, 20, "", "否"],
    ["A001", D(2026, 7, 3), 18, 9, 45.5, 19, "迟到", "否"],
    # A002: 93 and 91, but the office's spot check of 7-02 (100) replaces 91 → 96.50
    ["A002", D(2026, 7, 1), 20, 10, 45, 18, None, None],
    ["A002", D(2026, 7, 2), 20, 9, 44, 18, None, "否"],
    ["A002", D(2026, 7, 2), 20, 10, 50, 20, "抽查", "是"],
    # B001: 87 + 84 → 85.50
    ["B001", D(2026, 7, 1), 18, 9, 42, 18, None, None],
    ["B001", D(2026, 7, 2), 17, 9, 40, 18, None, None],
    # B002: 73 → 73.00, off-post training
    ["B002", D(2026, 7, 1), 15, 8, 35, 15, None, None],
    # B003: 90 → 90.00
    ["B003", D(2026, 7, 1), 19, 9, 45, 17, None, None],
]

EVENTS = [
    ["工号", "日期", "类型", "分值", "金额", "有效", "说明"],
    ["A001", D(2026, 8, 3), "锦旗", None, 100, "是", "客户赠送锦旗并奖励"],
    ["A002", D(2026, 8, 4), "公司级投诉", None, None, "是", "推诿客户"],
    ["A002", D(2026, 8, 5), "微信表扬", None, None, "待定", "尚未裁定"],
    ["B001", D(2026, 7, 10), "月度扣分", 8, -50, "是", "单据差错"],
    ["B001", D(2026, 8, 10), "月度扣分", 7, None, "是", "迟到"],
    ["B002", D(2026, 7, 5), "未佩戴工作牌", None, None, "是", "巡查发现"],
    ["B002", D(2026, 7, 20), "月度扣分", 10, None, "是", "脱岗"],
    ["B003", D(2026, 8, 1), "工作牌丢失", None, None, "是", "遗失工作牌"],
    ["B003", D(2026, 8, 20), "月度扣分", 13, None, "是", "2 + 13 = 15 points in August"],
    ["B003", D(2026, 9, 1), "表扬信", None, None, "否", "查无此事"],
]


def workbook(path, rows):
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)
    return str(path)


def run(*args, **options):
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def rows_of(path):
    sheet = openpyxl.load_workbook(path).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def as_decimal(value):
    return Decimal(str(value)).quantize(Decimal("0.01"))


@pytest.mark.django_db
def test_a_quarter_runs_from_imported_files_to_the_payout_sheet(tmp_path):
    run("import_employees", workbook(tmp_path / "employees.xlsx", EMPLOYEES))
    run("import_sheets", workbook(tmp_path / "sheets.xlsx", SHEETS))
    run("import_events", workbook(tmp_path / "events.xlsx", EVENTS))

    run("close_quarter", "2026Q3")
    run("approve_quarter", "2026Q3", on="2026-10-12")
    quarter = Quarter.objects.get_by_code("2026Q3")
    assert quarter.status == QuarterStatus.PUBLISHED
    assert quarter.notice_ends_on == D(2026, 11, 12)

    # During the notice a colleague objects to B001's award, and the office upholds it.
    office = office_user()
    objection = objection_record(
        quarter=quarter,
        employee=Employee.objects.get(number="B001"),
        channel=ObjectionChannel.HOTLINE,
        text="考核期内多次差错，不应获奖",
        raised_by="财务部同事",
        recorded_by=office,
        today=D(2026, 10, 20),
    )
    objection_rule(
        objection=objection,
        status=ObjectionStatus.UPHELD,
        ruling="经核实差错属实，撤销奖项",
        ruled_by=office,
    )
    assert Objection.objects.get().status == ObjectionStatus.UPHELD

    # The notice's last day is still in the notice; the day after, the daily job finalizes.
    run("finalize_due_quarters", today="2026-11-12")
    assert Quarter.objects.get(pk=quarter.pk).status == QuarterStatus.PUBLISHED
    run("finalize_due_quarters", today="2026-11-13")
    quarter.refresh_from_db()
    assert quarter.status == QuarterStatus.FINAL
    assert quarter.payout_month == D(2026, 12, 1)

    results_path = tmp_path / "results.xlsx"
    payout_path = tmp_path / "payout.xlsx"
    run("export_results", "2026Q3", "-o", str(results_path))
    run("export_payout", "2026Q3", "-o", str(payout_path))

    header, *lines = rows_of(results_path)
    assert header == [
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
    by_number = {line[0]: line for line in lines}
    # The award B001's score earned was revoked by the upheld objection: column 13 says so.
    assert by_number["B001"][12].startswith("异议成立撤销：")
    assert by_number["A001"][12] is None
    # The supervisor A003 has no row.
    assert set(by_number) == {"A001", "A002", "B001", "B002", "B003"}
    expected = {
        # 工号: 天数, 均分, 加分, 最终, 奖项, 奖金, 奖罚, 取消资格, 培训
        "A001": (3, "96.33", "10.00", "106.33", "最佳微笑奖", "500.00", "100.00", False, "否"),
        "A002": (2, "96.50", "0.00", "96.50", None, "0.00", "0.00", True, "否"),
        # Smile Style by score, revoked after the upheld objection.
        "B001": (2, "85.50", "0.00", "85.50", None, "0.00", "-50.00", False, "否"),
        # 5 (badge not worn) + 10 in July: disqualified; below 80: training.
        "B002": (1, "73.00", "0.00", "73.00", None, "0.00", "0.00", True, "是"),
        # A lost work badge disqualifies and costs the 200 CNY fine.
        "B003": (1, "90.00", "0.00", "90.00", None, "0.00", "-200.00", True, "否"),
    }
    for number, (days, average, bonus, final, tier, award, net, disq, training) in expected.items():
        line = by_number[number]
        assert line[3] == days, number
        assert as_decimal(line[4]) == Decimal(average), number
        assert as_decimal(line[5]) == Decimal(bonus), number
        assert as_decimal(line[6]) == Decimal(final), number
        assert (line[7] or None) == tier, number
        assert as_decimal(line[8]) == Decimal(award), number
        assert as_decimal(line[9]) == Decimal(net), number
        assert bool(line[10]) == disq, number
        assert line[11] == training, number
    # Every reason is listed: B003 lost the badge and reached 15 points in August.
    assert len(by_number["B003"][10].split("；")) == 2
    assert len(by_number["B002"][10].split("；")) == 1
    departments = [line[2] for line in lines]
    assert departments == sorted(departments, key=departments.index)  # grouped
    for department in set(departments):
        numbers = [line[0] for line in lines if line[2] == department]
        assert numbers == sorted(numbers)

    payout = rows_of(payout_path)
    start = next(i for i, row in enumerate(payout) if row[0] == "序号")
    assert payout[start] == [
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
    table = payout[start + 1 :]
    people = [row for row in table if row[1] in {"A001", "A002", "B001", "B002", "B003"}]
    # Non-zero net only: A001 600, B001 −50, B003 −200; A002 and B002 get nothing.
    assert {row[1]: as_decimal(row[9]) for row in people} == {
        "A001": Decimal("600.00"),
        "B001": Decimal("-50.00"),
        "B003": Decimal("-200.00"),
    }
    assert {row[1]: row[5] or None for row in people} == {
        "A001": "最佳微笑奖",
        "B001": None,
        "B003": None,
    }
    total = next(row for row in table if row[0] == "合计")
    assert as_decimal(total[7]) == Decimal("500.00")
    assert as_decimal(total[8]) == Decimal("-150.00")
    assert as_decimal(total[9]) == Decimal("350.00")
    subtotals = [row for row in table if row not in people and row is not total and any(row)]
    net_of_subtotals = sorted(as_decimal(row[9]) for row in subtotals if row[9] is not None)
    # 装卸作业部 600; 财务部 −50 − 200 = −250.
    assert net_of_subtotals == [Decimal("-250.00"), Decimal("600.00")]

    quarter_mark_paid(quarter=quarter, paid_by=hr_user())
    assert Quarter.objects.get(pk=quarter.pk).status == QuarterStatus.PAID
