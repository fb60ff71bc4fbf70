"""Reads behind the day grid: its departments, its rows and a sheet's revision history.

The day grid runs a fixed number of queries whatever the number of employees:
employees, sheets, the sheets' criteria (their ids, from the link table), the
criteria items and revision counts are each fetched in one query and joined in
Python. Every read is scoped through the models' `visible_to`.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from appraisal.models import CategoryChoice, Criterion, DailySheet, Quarter, SheetRevision
from appraisal.rules import CATEGORY_MAX, TENTH, Category, QuarterId, full_marks
from appraisal.selectors.dates import entry_day_problem
from employees.models import Department, DepartmentQuerySet, Employee, EmployeeQuerySet, User
from employees.permissions import may_score

# --- The departments of the grid -------------------------------------------------


def grid_departments(*, user: User) -> DepartmentQuerySet:
    """The departments whose day grid `user` may open (a head: their own)."""
    if not may_score(user):
        return Department.objects.none()
    return Department.objects.visible_to(user).order_by("display_order", "name")


def quarter_for_day(*, day: datetime.date) -> Quarter | None:
    """The quarter row `day` falls in, or None while nobody has written in it yet (open)."""
    qid = QuarterId.of(day)
    return Quarter.objects.filter(year=qid.year, number=qid.number).first()


def read_only_reason(*, day: datetime.date, quarter: Quarter | None) -> str:
    """Why the sheets of `day` cannot change, or "" when they can."""
    if quarter is not None and quarter.is_locked:
        return _(
            "Quarter %(quarter)s is %(status)s: its sheets can no longer change. "
            "Only the appraisal office can reopen it."
        ) % {"quarter": quarter.code, "status": quarter.get_status_display()}
    return entry_day_problem(day)


# --- The day grid ----------------------------------------------------------------


@dataclass(frozen=True)
class GridColumn:
    code: str
    label: str
    maximum: Decimal


def grid_columns() -> list[GridColumn]:
    return [
        GridColumn(code=c.value, label=str(CategoryChoice(c.value).label), maximum=CATEGORY_MAX[c])
        for c in Category
    ]


def score_text(value: Decimal | None) -> str:
    """A score as the grid shows it: `20`, `47.5` (no trailing `.0`)."""
    if value is None:
        return ""
    return str(value.quantize(TENTH)).removesuffix(".0")


@dataclass
class GridCell:
    code: str
    label: str
    value: Decimal
    maximum: Decimal

    @property
    def text(self) -> str:
        return score_text(self.value)


@dataclass
class GridRow:
    """One employee's line of the day grid.

    `sheet` is the sheet the grid edits (the department's, or in spot-check mode
    the office's spot check); `other` is the other one of the same day, shown
    beside it so that both stay visible.
    """

    employee: Employee
    sheet: DailySheet | None
    other: DailySheet | None
    revision_count: int
    cells: list[GridCell] = field(default_factory=list)
    criteria_ids: list[int] = field(default_factory=list)
    note: str = ""

    @property
    def is_saved(self) -> bool:
        return self.sheet is not None

    @property
    def state(self) -> str:
        return "saved" if self.sheet is not None else "unsaved"

    @property
    def total(self) -> Decimal:
        return sum((cell.value for cell in self.cells), Decimal("0"))

    @property
    def total_text(self) -> str:
        return score_text(self.total)

    @property
    def other_text(self) -> str:
        return score_text(self.other.total) if self.other is not None else ""

    @property
    def needs_reason(self) -> bool:
        """A change to a sheet first saved on an earlier day needs a reason."""
        return self.sheet is not None and (
            timezone.localdate(self.sheet.created_at) < timezone.localdate()
        )


def _criteria_ids(sheet: DailySheet, criteria: dict[int, list[int]] | None) -> list[int]:
    """The sorted criteria ids of `sheet`: from `criteria` (sheet id -> ids) when the
    caller read them for many sheets at once, else from the sheet itself."""
    if criteria is not None:
        return criteria.get(sheet.pk, [])
    return sorted(criterion.pk for criterion in sheet.criteria.all())


_FULL_MARKS = full_marks()


def _grid_row(
    *,
    employee: Employee,
    sheet: DailySheet | None,
    other: DailySheet | None,
    revision_count: int,
    columns: list[GridColumn],
    spot: bool = False,
    criteria: dict[int, list[int]] | None = None,
) -> GridRow:
    if sheet is None and spot and other is not None:
        # A spot check starts from what the department wrote that day, not full marks.
        values = [getattr(other, column.code) for column in columns]
        criteria_ids = _criteria_ids(other, criteria)
        note = ""
    elif sheet is None:
        values = [_FULL_MARKS[Category(column.code)] for column in columns]
        criteria_ids = []
        note = ""
    else:
        values = [getattr(sheet, column.code) for column in columns]
        criteria_ids = _criteria_ids(sheet, criteria)
        note = sheet.note
    return GridRow(
        employee=employee,
        sheet=sheet,
        other=other,
        revision_count=revision_count,
        cells=[
            GridCell(code=column.code, label=column.label, value=value, maximum=column.maximum)
            for column, value in zip(columns, values, strict=True)
        ],
        criteria_ids=criteria_ids,
        note=note,
    )


@dataclass
class CriteriaGroup:
    code: str
    label: str
    items: list[Criterion]


@dataclass
class DayGrid:
    department: Department
    day: datetime.date
    spot: bool
    quarter_code: str
    read_only_reason: str
    columns: list[GridColumn]
    rows: list[GridRow]
    criteria_groups: list[CriteriaGroup]

    @property
    def read_only(self) -> bool:
        return bool(self.read_only_reason)

    @property
    def saved_count(self) -> int:
        return sum(1 for row in self.rows if row.is_saved)

    @property
    def unsaved_count(self) -> int:
        return len(self.rows) - self.saved_count

    @property
    def previous_day(self) -> datetime.date:
        return self.day - datetime.timedelta(days=1)

    @property
    def next_day(self) -> datetime.date:
        return self.day + datetime.timedelta(days=1)

    @property
    def is_today(self) -> bool:
        return self.day == timezone.localdate()


def grid_employees(*, user: User, department: Department) -> EmployeeQuerySet:
    """The appraised employees of `department` that `user` scores, by number."""
    return (
        Employee.objects.visible_to(user)
        .appraised()
        .filter(department=department)
        .order_by("number")
    )


def criteria_groups_for(*, kind: str) -> list[CriteriaGroup]:
    """The criteria items of a department kind, by category (one query)."""
    by_category: dict[str, list[Criterion]] = defaultdict(list)
    for criterion in Criterion.objects.filter(department_kind=kind).order_by("category", "number"):
        by_category[criterion.category].append(criterion)
    return [
        CriteriaGroup(code=c.value, label=CategoryChoice(c.value).label, items=by_category[c.value])
        for c in Category
    ]


def day_grid_for(
    *, user: User, department: Department, day: datetime.date, spot: bool = False
) -> DayGrid:
    """Everything the day grid shows, in a fixed number of queries."""
    employees = list(grid_employees(user=user, department=department))
    sheets = (
        DailySheet.objects.visible_to(user)
        .filter(day=day, employee__department=department)
        .order_by()
    )
    department_sheets: dict[int, DailySheet] = {}
    spot_sheets: dict[int, DailySheet] = {}
    for sheet in sheets:
        (spot_sheets if sheet.is_spot_check else department_sheets)[sheet.employee_id] = sheet
    # The criteria of those sheets in one query of the link table (a prefetch would
    # build a related manager per sheet, a third of the page's time at 2,000 rows).
    criteria: dict[int, list[int]] = defaultdict(list)
    for sheet_id, criterion_id in (
        DailySheet.criteria.through.objects.filter(dailysheet__in=sheets)
        .order_by("dailysheet_id", "criterion_id")
        .values_list("dailysheet_id", "criterion_id")
    ):
        criteria[sheet_id].append(criterion_id)
    revision_counts = {
        (row["employee_id"], row["is_spot_check"]): row["n"]
        for row in SheetRevision.objects.filter(day=day, employee__department=department)
        .values("employee_id", "is_spot_check")
        .annotate(n=Count("id"))
        .order_by()
    }
    edited, shown = (spot_sheets, department_sheets) if spot else (department_sheets, spot_sheets)
    columns = grid_columns()
    rows = [
        _grid_row(
            employee=employee,
            sheet=edited.get(employee.pk),
            other=shown.get(employee.pk),
            revision_count=revision_counts.get((employee.pk, False), 0)
            + revision_counts.get((employee.pk, True), 0),
            columns=columns,
            spot=spot,
            criteria=criteria,
        )
        for employee in employees
    ]
    quarter = quarter_for_day(day=day)
    return DayGrid(
        department=department,
        day=day,
        spot=spot,
        quarter_code=QuarterId.of(day).code,
        read_only_reason=read_only_reason(day=day, quarter=quarter),
        columns=columns,
        rows=rows,
        criteria_groups=criteria_groups_for(kind=department.kind),
    )


def grid_row_for(
    *, user: User, employee: Employee, day: datetime.date, spot: bool = False
) -> GridRow:
    """One employee's grid line, re-read after a save (a few queries)."""
    sheets = {
        sheet.is_spot_check: sheet
        for sheet in DailySheet.objects.visible_to(user)
        .filter(employee=employee, day=day)
        .prefetch_related("criteria")
    }
    revision_count = SheetRevision.objects.filter(employee=employee, day=day).count()
    return _grid_row(
        employee=employee,
        sheet=sheets.get(spot),
        other=sheets.get(not spot),
        revision_count=revision_count,
        columns=grid_columns(),
        spot=spot,
    )


# --- Revision history ------------------------------------------------------------


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class RevisionLine:
    revision: SheetRevision
    created: bool
    changes: list[Change]


def _criteria_text(ids: object, labels: dict[int, str]) -> str:
    if not isinstance(ids, list) or not ids:
        return "—"
    return ", ".join(labels.get(pk, f"#{pk}") for pk in ids)


def sheet_history_for(*, user: User, employee: Employee, day: datetime.date) -> list[RevisionLine]:
    """Who changed `employee`'s sheets of `day`, when, from what to what, and why.

    Both the department's sheet and a spot check, newest first. Empty for an
    employee `user` may not see.
    """
    if not may_score(user) or not Employee.objects.visible_to(user).filter(pk=employee.pk).exists():
        return []
    revisions = list(
        SheetRevision.objects.filter(employee=employee, day=day)
        .select_related("changed_by")
        .order_by("-changed_at", "-id")
    )
    labels = {
        criterion.pk: f"{CategoryChoice(criterion.category).label} {criterion.number}"
        for criterion in Criterion.objects.filter(department_kind=employee.department.kind)
    }
    fields = [(c.value, CategoryChoice(c.value).label) for c in Category]
    fields += [("note", _("Note")), ("criteria", _("Criteria items"))]
    lines = []
    for revision in revisions:
        old, new = revision.old_values or {}, revision.new_values or {}
        changes = []
        for key, label in fields:
            if key not in new and key not in old:
                continue
            before, after = old.get(key), new.get(key)
            if key == "criteria":
                before_text = _criteria_text(before, labels)
                after_text = _criteria_text(after, labels)
            else:
                before_text, after_text = str(before or "—"), str(after or "—")
            if before_text != after_text:
                changes.append(Change(label, before_text, after_text))
        lines.append(RevisionLine(revision=revision, created=not old, changes=changes))
    return lines
