"""The Excel files HR and the office take away: a quarter's results and its payout sheet.

Their layout is an interface (shared/spec/interfaces.md, "Results" and
"Payout"): HR's own spreadsheets read them, so the headers, the award names and
the title are plain Chinese constants that do not follow the UI language.

Both writers stream with openpyxl's write-only mode (their rows written as
text by `spreadsheets.streaming`) and read the results with one query through
`.iterator()`, so memory stays flat however many employees a
quarter has. Every text cell goes through `spreadsheets.text_cell`, the one
place that keeps text such as `=HYPERLINK(...)` from ever being run as a formula.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from appraisal.models import (
    LOCKED_STATUSES,
    Approval,
    AwardTier,
    DepartmentReview,
    Objection,
    ObjectionStatus,
    Quarter,
    QuarterResult,
    QuarterResultQuerySet,
    QuarterStatus,
)
from appraisal.rules import QuarterId
from appraisal.selectors.month import disqualification_reason_text
from employees.models import User
from spreadsheets import number_cell, set_widths, text_cell, text_value
from spreadsheets.streaming import StreamingWorkbook

ZERO = Decimal("0")

# ---------------------------------------------------------------------------
# The interface: headers, names and words as HR's spreadsheets expect them.
# ---------------------------------------------------------------------------

RESULTS_HEADERS: tuple[str, ...] = (
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
)
PAYOUT_HEADERS: tuple[str, ...] = (
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
)
AWARD_NAMES: dict[str, str] = {
    AwardTier.BEST: "最佳微笑奖",
    AwardTier.AMBASSADOR: "微笑大使奖",
    AwardTier.STYLE: "微笑风采奖",
}
YES = "是"
NO = "否"
REASON_SEPARATOR = "；"
SUBTOTAL = "小计"
GRAND_TOTAL = "合计"
PAYOUT_TITLE = "{quarter} 微笑服务考核奖金发放表"
RESULTS_SHEET_TITLE = "考核结果"
PAYOUT_SHEET_TITLE = "奖金发放表"
SIGNATURE_LABELS: tuple[str, ...] = ("制表人：", "审核人：", "日期：")
# 撤回原因: who took back an award the score earned, then why and who decided.
WITHDRAWN_BY_DEPARTMENT = "部门撤回"
REVOKED_BY_OFFICE = "考核办撤销"
REVOKED_BY_OBJECTION = "异议成立撤销"
DECIDED_BY = "（决定人：{who}）"

# Results exist from the close on; money is paid only once the notice is over.
RESULTS_STATUSES: tuple[str, ...] = tuple(LOCKED_STATUSES)
PAYOUT_STATUSES: tuple[str, ...] = (QuarterStatus.FINAL, QuarterStatus.PAID)

_TITLE_FONT = Font(bold=True, size=16)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_WRAP = Alignment(vertical="center", wrap_text=True)
_HEADER_FILL = PatternFill(fill_type="solid", start_color="FFD9E1F2", end_color="FFD9E1F2")
# Tall enough to sign by hand on a printout (the 签字 column and the signature line).
SIGNATURE_ROW_HEIGHT = 28
TITLE_ROW_HEIGHT = 32

RESULTS_WIDTHS = (12, 10, 14, 10, 10, 8, 10, 12, 10, 10, 40, 10, 40)
PAYOUT_WIDTHS = (6, 12, 10, 14, 12, 12, 10, 11, 11, 11, 16)

Target = str | os.PathLike[str] | IO[bytes]
T = TypeVar("T")


class ExportRefused(ValidationError):
    """The quarter is not in a state that has this file (results before the close, money before final)."""


@dataclass(frozen=True)
class PayoutSummary:
    """What the payout sheet holds, for the command's summary and for callers that check totals."""

    rows: int
    departments: int
    award_total: Decimal
    adjustment_total: Decimal
    net_total: Decimal


# ---------------------------------------------------------------------------
# What the rows hold
# ---------------------------------------------------------------------------


def _award_name(tier: str) -> str | None:
    return AWARD_NAMES.get(tier)


def _reasons_text(reasons: object) -> str:
    if not reasons:
        return ""
    items = reasons if isinstance(reasons, list) else [reasons]
    # The file is read by HR's spreadsheets whoever exports it: Chinese, like its headers.
    with translation.override("zh-hans"):
        return REASON_SEPARATOR.join(disqualification_reason_text(reason=item) for item in items)


def _who(user: User | None) -> str:
    if user is None:
        return "—"
    return user.get_full_name() or user.username


@dataclass(frozen=True)
class _Deciders:
    """Who submitted each department's list, and the upheld objections, of one quarter."""

    submitters: dict[int, User | None]
    upheld: dict[int, Objection]

    @classmethod
    def of(cls, quarter: Quarter) -> _Deciders:
        reviews = DepartmentReview.objects.filter(quarter=quarter).select_related("submitted_by")
        objections = Objection.objects.filter(
            quarter=quarter, status=ObjectionStatus.UPHELD
        ).select_related("ruled_by")
        return cls(
            submitters={review.department_id: review.submitted_by for review in reviews},
            upheld={objection.employee_id: objection for objection in objections},
        )


def _withdrawal_text(result: QuarterResult, deciders: _Deciders) -> str:
    """Why an award the score earned is not given, and who decided (empty when it is given)."""
    if result.withdrawn:
        who = deciders.submitters.get(result.department_id)
        return f"{WITHDRAWN_BY_DEPARTMENT}：{result.withdrawal_reason}" + DECIDED_BY.format(
            who=_who(who)
        )
    if result.approval == Approval.REVOKED:
        objection = deciders.upheld.get(result.employee_id)
        if objection is not None and objection.ruling == result.revocation_reason:
            return f"{REVOKED_BY_OBJECTION}：{objection.ruling}" + DECIDED_BY.format(
                who=_who(objection.ruled_by)
            )
        return f"{REVOKED_BY_OFFICE}：{result.revocation_reason}" + DECIDED_BY.format(
            who=_who(result.approved_by)
        )
    return ""


def _ordered_results(*, quarter: Quarter) -> QuarterResultQuerySet:
    """The quarter's results in the files' order: 部门 (display order, name), then 工号."""
    return (
        QuarterResult.objects.filter(quarter=quarter)
        .select_related("employee", "department")
        .order_by("department__display_order", "department__name", "employee__number")
    )


def _refuse_unless(*, quarter: Quarter, statuses: Iterable[str], message: str) -> None:
    if quarter.status not in statuses:
        raise ExportRefused(
            message % {"quarter": quarter.code, "status": QuarterStatus(quarter.status).label},
            code="quarter_state",
        )


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------


def results_workbook_write(*, quarter: Quarter, target: Target) -> int:
    """Write every appraised employee's result of `quarter` to `target`; returns the row count.

    The file exists from the close on (closed, published, final, paid): before
    that there are no results, and an open quarter is refused rather than
    exported empty, which could be mistaken for "nobody was appraised".
    """
    _refuse_unless(
        quarter=quarter,
        statuses=RESULTS_STATUSES,
        message=_("Quarter %(quarter)s is %(status)s: results can be exported once it is closed."),
    )
    deciders = _Deciders.of(quarter)
    wb = StreamingWorkbook()
    ws = wb.create_sheet(RESULTS_SHEET_TITLE)
    set_widths(ws, RESULTS_WIDTHS)
    _print_setup(ws, header_row=1)
    ws.append(
        [
            text_cell(ws, h, bold=True, border=True, alignment=_CENTER, fill=_HEADER_FILL)
            for h in RESULTS_HEADERS
        ]
    )
    rows = 0
    results = _ordered_results(quarter=quarter).select_related("approved_by")
    for result in results.iterator(chunk_size=2000):
        employee = result.employee
        ws.append(
            [
                text_value(ws, employee.number),
                text_value(ws, employee.name),
                text_value(ws, result.department.name),
                result.days,
                number_cell(ws, result.average),
                number_cell(ws, result.bonus),
                number_cell(ws, result.final),
                text_value(ws, _award_name(result.award_tier)),
                number_cell(ws, result.award_amount),
                number_cell(ws, result.rewards - result.fines),
                text_value(ws, _reasons_text(result.disqualification_reasons)),
                text_value(ws, YES if result.training else NO),
                text_value(ws, _withdrawal_text(result, deciders)),
            ]
        )
        rows += 1
    wb.save(target)
    return rows


# ---------------------------------------------------------------------------
# Payout
# ---------------------------------------------------------------------------


@dataclass
class _Totals:
    award: Decimal = ZERO
    adjustment: Decimal = ZERO
    net: Decimal = ZERO

    def add(self, *, award: Decimal, adjustment: Decimal) -> None:
        self.award += award
        self.adjustment += adjustment
        self.net += award + adjustment


def _payable(results: Iterable[QuarterResult]) -> Iterator[QuarterResult]:
    # Net is compared in Decimal here, not in SQL: SQLite adds decimals as floats.
    for result in results:
        if result.net_amount != ZERO:
            yield result


def _title_rows(*, quarter: Quarter) -> list[str]:
    lines = [PAYOUT_TITLE.format(quarter=quarter.code)]
    if quarter.payout_month:
        lines.append(f"发放月份：{quarter.payout_month.year}年{quarter.payout_month.month}月")
    if quarter.published_on and quarter.notice_ends_on:
        start, end = quarter.published_on, quarter.notice_ends_on
        lines.append(
            f"公示期：{start.year}年{start.month}月{start.day}日至{end.year}年{end.month}月{end.day}日"
        )
    lines.append("金额单位：元")
    return lines


def _print_setup(ws: WriteOnlyWorksheet, *, header_row: int) -> None:
    """Printing: A4 landscape, one page wide, the header row repeated on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.freeze_panes = f"A{header_row + 1}"
    ws.HeaderFooter.oddFooter.center.text = "第 &P 页，共 &N 页"


def _setup_payout_sheet(ws: WriteOnlyWorksheet, *, header_row: int) -> None:
    set_widths(ws, PAYOUT_WIDTHS)
    _print_setup(ws, header_row=header_row)
    # The title spans the table, centred above it.
    ws.merged_cells.add(f"A1:{get_column_letter(len(PAYOUT_HEADERS))}1")
    # Room to sign by hand: one default height for every row keeps memory flat.
    ws.sheet_format.defaultRowHeight = SIGNATURE_ROW_HEIGHT
    ws.sheet_format.customHeight = True


def _total_row(
    ws: WriteOnlyWorksheet, *, label: str, department: str, totals: _Totals
) -> list[WriteOnlyCell]:
    cell = {"bold": True, "border": True}
    return [
        text_cell(ws, label, alignment=_CENTER, **cell),
        text_cell(ws, None, **cell),
        text_cell(ws, None, **cell),
        text_cell(ws, department, **cell),
        text_cell(ws, None, **cell),
        text_cell(ws, None, **cell),
        text_cell(ws, None, **cell),
        number_cell(ws, totals.award, **cell),
        number_cell(ws, totals.adjustment, **cell),
        number_cell(ws, totals.net, **cell),
        text_cell(ws, None, **cell),
    ]


def payout_workbook_write(*, quarter: Quarter, target: Target) -> PayoutSummary:
    """Write the signable payout sheet of a final (or paid) quarter to `target`.

    Only a final quarter's money is settled: before that an objection may still
    revoke an award. One row per employee whose 实发金额 (award + rewards −
    fines) is not zero, grouped by department with a subtotal each, then the
    合计 row; the signature lines come after a blank row below the table.
    """
    _refuse_unless(
        quarter=quarter,
        statuses=PAYOUT_STATUSES,
        message=_(
            "Quarter %(quarter)s is %(status)s: the payout sheet exists only for a final "
            "or paid quarter."
        ),
    )
    title_lines = _title_rows(quarter=quarter)
    header_row = len(title_lines) + 2  # the title block, a blank row, then the header
    wb = StreamingWorkbook()
    ws = wb.create_sheet(PAYOUT_SHEET_TITLE)
    _setup_payout_sheet(ws, header_row=header_row)

    ws.row_dimensions[1].height = TITLE_ROW_HEIGHT
    for index, line in enumerate(title_lines):
        if index == 0:
            ws.append([text_cell(ws, line, font=_TITLE_FONT, alignment=_CENTER)])
        else:
            ws.append([text_cell(ws, line)])
    ws.append([])
    ws.append(
        [
            text_cell(ws, h, bold=True, border=True, alignment=_CENTER, fill=_HEADER_FILL)
            for h in PAYOUT_HEADERS
        ]
    )
    written = header_row

    results = (
        _ordered_results(quarter=quarter)
        .filter(Q(award_amount__gt=0) | Q(rewards__gt=0) | Q(fines__gt=0))
        .iterator(chunk_size=2000)
    )
    grand = _Totals()
    department_totals: _Totals | None = None
    department_name = ""
    department_id: int | None = None
    departments = 0
    rows = 0
    for result in _payable(results):
        if result.department_id != department_id:
            if department_totals is not None:
                ws.append(
                    _total_row(
                        ws, label=SUBTOTAL, department=department_name, totals=department_totals
                    )
                )
                written += 1
            department_id = result.department_id
            department_name = result.department.name
            department_totals = _Totals()
            departments += 1
        rows += 1
        employee = result.employee
        adjustment = result.rewards - result.fines
        department_totals.add(award=result.award_amount, adjustment=adjustment)
        grand.add(award=result.award_amount, adjustment=adjustment)
        ws.append(
            [
                number_cell(ws, rows, money=False, border=True, alignment=_CENTER),
                text_cell(ws, employee.number, border=True),
                text_cell(ws, employee.name, border=True),
                text_cell(ws, department_name, border=True),
                text_cell(ws, employee.position, border=True, alignment=_WRAP),
                text_cell(ws, _award_name(result.award_tier), border=True),
                number_cell(ws, result.final, border=True),
                number_cell(ws, result.award_amount, border=True),
                number_cell(ws, adjustment, border=True),
                number_cell(ws, result.net_amount, border=True),
                text_cell(ws, None, border=True),
            ]
        )
        written += 1
    if department_totals is not None:
        ws.append(
            _total_row(ws, label=SUBTOTAL, department=department_name, totals=department_totals)
        )
        written += 1
    ws.append(_total_row(ws, label=GRAND_TOTAL, department="", totals=grand))
    ws.append([])
    written += 2
    # Row heights of a streamed sheet are written with the row: set before it.
    ws.row_dimensions[written + 1].height = SIGNATURE_ROW_HEIGHT
    signature = []
    for column, label in zip((1, 5, 9), SIGNATURE_LABELS, strict=True):
        signature.extend([None] * (column - 1 - len(signature)))
        signature.append(text_cell(ws, label, bold=True))
    ws.append(signature)

    wb.save(target)
    return PayoutSummary(
        rows=rows,
        departments=departments,
        award_total=grand.award,
        adjustment_total=grand.adjustment,
        net_total=grand.net,
    )


# ---------------------------------------------------------------------------
# Finding the quarter
# ---------------------------------------------------------------------------


def export_quarter_get(*, code: str) -> Quarter:
    """The quarter written `code` (2026Q3), refused with a message naming it when bad or missing.

    The commands take the code from the command line; a typo must say which
    quarter it could not find rather than show a traceback.
    """
    try:
        qid = QuarterId.parse(code)
    except ValueError as exc:
        raise ExportRefused(
            _("%(code)s is not a quarter; write it like 2026Q3.") % {"code": code},
            code="quarter_code",
        ) from exc
    try:
        return Quarter.objects.get(year=qid.year, number=qid.number)
    except Quarter.DoesNotExist as exc:
        raise ExportRefused(
            _("Quarter %(quarter)s does not exist.") % {"quarter": qid.code},
            code="quarter_missing",
        ) from exc
