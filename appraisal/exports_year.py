"""The year's workbooks: the year summary (`export_year`) and the archive (`archive_year`).

Their layout is an interface (shared/spec/interfaces.md, "Year summary" and
"Year archive"): plain Chinese headers that do not follow the UI language.
Both stream with openpyxl's write-only mode and read every table through
`.iterator()`, so a year of a 10,000-person company fits in flat memory. Every
text cell goes through `spreadsheets.text_cell`.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment

from appraisal.exports import (
    AWARD_NAMES,
    NO,
    RESULTS_HEADERS,
    YES,
    _reasons_text,
)
from appraisal.imports import EVENT_KIND_NAMES, SHEET_HEADERS
from appraisal.models import (
    DailySheet,
    Event,
    EventValidity,
    Objection,
    Quarter,
    QuarterResult,
    RuleSettings,
    SheetRevision,
    Year,
)
from appraisal.selectors.year import (
    published_star_ids,
    year_quarters,
    year_results,
    year_rows,
)
from employees.models import Department, User
from spreadsheets import number_cell, set_widths, text_cell, text_value
from spreadsheets.comments import workbook_save
from spreadsheets.streaming import StreamingWorkbook
from spreadsheets.writing import EXCEL_MAX_ROWS, SheetSeries

Target = str | os.PathLike[str] | IO[bytes]

YEAR_HEADERS: tuple[str, ...] = (
    "工号",
    "姓名",
    "部门",
    "一季度",
    "二季度",
    "三季度",
    "四季度",
    "年度均分",
    "最佳微笑奖次数",
    "微笑大使奖次数",
    "微笑风采奖次数",
    "年度奖罚合计",
    "服务明星",
)
NOT_APPRAISED = "未考核"
YEAR_SHEET_TITLE = "年度汇总"
ARCHIVE_SHEETS: tuple[str, ...] = (
    "说明",
    "年度汇总",
    "日常考核",
    "修改记录",
    "加减分事项",
    "季度结果",
    "异议",
)
README_HEADERS = ("项目", "内容")
SHEETS_HEADERS: tuple[str, ...] = (*SHEET_HEADERS, "部门", "录入人", "录入时间")
REVISION_HEADERS = ("工号", "姓名", "日期", "抽查", "修改人", "修改时间", "原值", "新值", "原因")
EVENT_HEADERS = (
    "工号",
    "姓名",
    "部门",
    "日期",
    "类型",
    "分值",
    "金额",
    "有效",
    "说明",
    "来源",
    "报告人",
    "录入人",
    "录入时间",
    "裁定人",
    "裁定时间",
    "裁定理由",
)
QUARTER_RESULT_HEADERS: tuple[str, ...] = ("季度", *RESULTS_HEADERS)
OBJECTION_HEADERS = (
    "季度",
    "工号",
    "姓名",
    "部门",
    "渠道",
    "提出人",
    "内容",
    "状态",
    "裁定",
    "裁定人",
    "裁定时间",
    "记录人",
    "记录时间",
)
KIND_NAMES = {kind.value: name for name, kind in EVENT_KIND_NAMES.items()}
VALIDITY_NAMES = {
    EventValidity.VALID: "是",
    EventValidity.INVALID: "否",
    EventValidity.PENDING: "待定",
}
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
CHUNK = 2000


class YearExportRefused(ValidationError):
    """A year without any quarter has nothing to export."""


def year_refuse_empty(*, year: int) -> None:
    if not Quarter.objects.filter(year=year).exists():
        raise YearExportRefused(
            _("The year %(year)s has no quarter: there is nothing to export.") % {"year": year},
            code="no_quarters",
        )


def _header(ws, headers) -> None:
    ws.append([text_cell(ws, h, bold=True, border=True, alignment=_CENTER) for h in headers])


def _series(wb: Workbook, title: str, headers, widths, *, comments: bool = False) -> SheetSeries:
    def start(ws) -> None:
        set_widths(ws, widths)
        ws.freeze_panes = "A2"
        _header(ws, headers)

    return SheetSeries(wb, title, start=start, comments=comments)


def _login(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _when(value: datetime.datetime | None) -> str:
    if value is None:
        return ""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def _year_sheet(wb: Workbook, title: str, *, year: int, department: Department | None) -> int:
    """The year summary table; returns its row count."""
    series = _series(
        wb, title, YEAR_HEADERS, (12, 10, 14, 10, 10, 10, 10, 10, 8, 8, 8, 12, 8), comments=True
    )
    rows = year_rows(
        results=year_results(year=year, user=None, department=department).iterator(CHUNK),
        quarters=year_quarters(year=year),
        stars=published_star_ids(year=year),
    )
    # Cell comments are read by HR whoever exports: Chinese, like the headers.
    with translation.override("zh-hans"):
        for row in rows:
            ws = series.row()
            cells = [
                text_cell(ws, row.employee.number),
                text_cell(ws, row.employee.name),
                text_cell(ws, row.department.name),
            ]
            for cell in row.cells:
                if cell.final is None:
                    made = text_cell(ws, NOT_APPRAISED)
                else:
                    made = number_cell(ws, cell.final)
                made.comment = Comment(cell.outcome, "微笑服务考核")
                cells.append(made)
            cells.append(
                number_cell(ws, row.figures.average)
                if row.figures.average is not None
                else text_cell(ws, "")
            )
            cells.extend(number_cell(ws, n, money=False) for n in row.awards)
            cells.append(number_cell(ws, row.figures.net))
            cells.append(text_cell(ws, YES if row.star else ""))
            ws.append(cells)
    return series.rows


def year_workbook_write(*, year: int, target: Target) -> int:
    """Write the year summary of `year` to `target`; returns the row count."""
    year_refuse_empty(year=year)
    wb = StreamingWorkbook()
    rows = _year_sheet(wb, YEAR_SHEET_TITLE, year=year, department=None)
    workbook_save(wb, target)
    return rows


# --- The archive ---------------------------------------------------------------------


def _readme_sheet(ws, *, year: int, department: Department | None, by: User | None) -> None:
    set_widths(ws, (24, 60))
    _header(ws, README_HEADERS)
    row = Year.objects.filter(year=year).first()
    lines = [
        ("内容", f"{year}年微笑服务考核年度归档：日常考核、修改记录、加减分事项、季度结果与异议"),
        ("部门", department.name if department else "全部部门"),
        ("导出时间", _when(timezone.now())),
        ("导出人", _login(by) or "命令行"),
        (
            "续表",
            f"一个工作表最多 {EXCEL_MAX_ROWS - 1:,} 行数据；更长的表接续在同名加序号的工作表，"
            "如“日常考核 (2)”",
        ),
        (
            "归档状态",
            f"已归档（{_when(row.archived_at)}，{_login(row.archived_by)}）"
            if row and row.archived_at
            else "未归档",
        ),
    ]
    for label, value in lines:
        ws.append([text_cell(ws, label), text_cell(ws, value)])
    fields = [
        f
        for f in RuleSettings._meta.concrete_fields
        if f.name not in {"id", "quarter", "is_default", "updated_at", "updated_by"}
    ]
    quarters = Quarter.objects.filter(year=year).select_related("rule_settings").order_by("number")
    with translation.override("zh-hans"):
        for quarter in quarters:
            ws.append(
                [
                    text_cell(ws, f"{quarter.code} 状态", bold=True),
                    text_cell(ws, str(quarter.get_status_display())),
                ]
            )
            settings = getattr(quarter, "rule_settings", None)
            if settings is None:
                continue
            for f in fields:
                ws.append(
                    [
                        text_cell(ws, f"{quarter.code} {f.verbose_name}"),
                        text_cell(ws, str(getattr(settings, f.name))),
                    ]
                )


# --- The archive's long tables: what each reads, and the cells of one of its rows -------


def _sheets_query(*, year: int, department: Department | None) -> QuerySet:
    sheets = DailySheet.objects.filter(day__year=year)
    if department is not None:
        sheets = sheets.filter(employee__department=department)
    return sheets.select_related("employee__department", "entered_by").order_by(
        "employee__department__display_order", "employee__number", "day", "is_spot_check"
    )


def _sheet_cells(ws, sheet: DailySheet) -> list:
    return [
        text_value(ws, sheet.employee.number),
        text_value(ws, sheet.day.isoformat()),
        sheet.discipline,
        sheet.courtesy,
        sheet.service,
        sheet.morality,
        text_value(ws, sheet.note),
        text_value(ws, YES if sheet.is_spot_check else NO),
        text_value(ws, sheet.employee.department.name),
        text_value(ws, _login(sheet.entered_by)),
        text_value(ws, _when(sheet.created_at)),
    ]


def _values_text(values: dict) -> str:
    return "；".join(f"{k}={v}" for k, v in sorted((values or {}).items()))


def _revisions_query(*, year: int, department: Department | None) -> QuerySet:
    revisions = SheetRevision.objects.filter(day__year=year)
    if department is not None:
        revisions = revisions.filter(employee__department=department)
    return revisions.select_related("employee", "changed_by").order_by(
        "employee__number", "day", "changed_at", "id"
    )


def _revision_cells(ws, rev: SheetRevision) -> list:
    return [
        text_value(ws, rev.employee.number),
        text_value(ws, rev.employee.name),
        text_value(ws, rev.day.isoformat()),
        text_value(ws, YES if rev.is_spot_check else NO),
        text_value(ws, _login(rev.changed_by)),
        text_value(ws, _when(rev.changed_at)),
        text_value(ws, _values_text(rev.old_values)),
        text_value(ws, _values_text(rev.new_values)),
        text_value(ws, rev.reason),
    ]


def _events_query(*, year: int, department: Department | None) -> QuerySet:
    events = Event.objects.filter(date__year=year)
    if department is not None:
        events = events.filter(employee__department=department)
    return events.select_related("employee__department", "created_by", "ruled_by").order_by(
        "employee__department__display_order", "employee__number", "date", "id"
    )


def _event_cells(ws, event: Event) -> list:
    return [
        text_value(ws, event.employee.number),
        text_value(ws, event.employee.name),
        text_value(ws, event.employee.department.name),
        text_value(ws, event.date.isoformat()),
        text_value(ws, KIND_NAMES.get(event.kind, event.kind)),
        event.points,
        number_cell(ws, event.amount),
        text_value(ws, VALIDITY_NAMES.get(event.validity, event.validity)),
        text_value(ws, event.note),
        text_value(ws, str(event.get_source_display())),
        text_value(ws, event.reported_by),
        text_value(ws, _login(event.created_by)),
        text_value(ws, _when(event.created_at)),
        text_value(ws, _login(event.ruled_by)),
        text_value(ws, _when(event.ruled_at)),
        text_value(ws, event.ruling_note),
    ]


def _results_query(*, year: int, department: Department | None) -> QuerySet:
    results = QuarterResult.objects.filter(quarter__year=year)
    if department is not None:
        results = results.filter(department=department)
    return results.select_related("employee", "department", "quarter").order_by(
        "quarter__number", "department__display_order", "department__name", "employee__number"
    )


def _result_cells(ws, result: QuarterResult) -> list:
    return [
        text_value(ws, result.quarter.code),
        text_value(ws, result.employee.number),
        text_value(ws, result.employee.name),
        text_value(ws, result.department.name),
        result.days,
        number_cell(ws, result.average),
        number_cell(ws, result.bonus),
        number_cell(ws, result.final),
        text_value(ws, AWARD_NAMES.get(result.award_tier)),
        number_cell(ws, result.award_amount),
        number_cell(ws, result.rewards - result.fines),
        text_value(ws, _reasons_text(result.disqualification_reasons)),
        text_value(ws, YES if result.training else NO),
    ]


def _objections_query(*, year: int, department: Department | None) -> QuerySet:
    objections = Objection.objects.filter(quarter__year=year)
    if department is not None:
        objections = objections.filter(employee__department=department)
    return objections.select_related(
        "quarter", "employee__department", "ruled_by", "recorded_by"
    ).order_by("quarter__number", "created_at", "id")


def _objection_cells(ws, objection: Objection) -> list:
    return [
        text_value(ws, objection.quarter.code),
        text_value(ws, objection.employee.number),
        text_value(ws, objection.employee.name),
        text_value(ws, objection.employee.department.name),
        text_value(ws, str(objection.get_channel_display())),
        text_value(ws, objection.raised_by),
        text_value(ws, objection.text),
        text_value(ws, str(objection.get_status_display())),
        text_value(ws, objection.ruling),
        text_value(ws, _login(objection.ruled_by)),
        text_value(ws, _when(objection.ruled_at)),
        text_value(ws, _login(objection.recorded_by)),
        text_value(ws, _when(objection.created_at)),
    ]


@dataclass(frozen=True)
class _Table:
    headers: tuple[str, ...]
    widths: tuple[int, ...]
    query: Callable[..., QuerySet]
    cells: Callable[[Any, Any], list]


# In the order of ARCHIVE_SHEETS, after 说明 and 年度汇总.
_TABLES: tuple[_Table, ...] = (
    _Table(
        SHEETS_HEADERS, (12, 12, 10, 10, 10, 10, 30, 6, 14, 12, 18), _sheets_query, _sheet_cells
    ),
    _Table(
        REVISION_HEADERS, (12, 10, 12, 6, 12, 18, 30, 30, 30), _revisions_query, _revision_cells
    ),
    _Table(
        EVENT_HEADERS,
        (12, 10, 14, 12, 12, 8, 10, 6, 30, 12, 12, 12, 18, 12, 18, 30),
        _events_query,
        _event_cells,
    ),
    _Table(
        QUARTER_RESULT_HEADERS,
        (8, 12, 10, 14, 10, 10, 8, 10, 12, 10, 10, 40, 10),
        _results_query,
        _result_cells,
    ),
    _Table(
        OBJECTION_HEADERS,
        (8, 12, 10, 14, 10, 12, 40, 8, 30, 12, 18, 12, 18),
        _objections_query,
        _objection_cells,
    ),
)


def _table_write(
    wb: Workbook, title: str, table: _Table, *, year: int, department: Department | None
) -> None:
    series = _series(wb, title, table.headers, table.widths)
    # Choice labels (event kinds, channels, statuses) in Chinese, like the headers.
    with translation.override("zh-hans"):
        for record in table.query(year=year, department=department).iterator(CHUNK):
            ws = series.row()
            ws.append(table.cells(ws, record))


def archive_workbook_write(
    *, year: int, target: Target, department: Department | None = None, by: User | None = None
) -> None:
    """Write the year's archive workbook (every department, or one) to `target`."""
    year_refuse_empty(year=year)
    wb = StreamingWorkbook()
    readme, summary, *tables = ARCHIVE_SHEETS
    _readme_sheet(wb.create_sheet(readme), year=year, department=department, by=by)
    _year_sheet(wb, summary, year=year, department=department)
    for title, table in zip(tables, _TABLES, strict=True):
        _table_write(wb, title, table, year=year, department=department)
    workbook_save(wb, target)
