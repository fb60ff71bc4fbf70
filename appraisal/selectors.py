"""Reads for the appraisal app; every one is scoped through the models' `visible_to`.

The day grid and the month view run a fixed number of queries whatever the
number of employees: employees, sheets (with their criteria), criteria items
and revision counts are each fetched in one query and joined in Python.
"""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from appraisal.models import (
    LOCKED_STATUSES,
    SHEET_TOTAL,
    Approval,
    AwardTier,
    CategoryChoice,
    Criterion,
    DailySheet,
    DepartmentReview,
    Event,
    EventKind,
    EventQuerySet,
    Objection,
    ObjectionStatus,
    Quarter,
    QuarterLog,
    QuarterResult,
    QuarterStatus,
    ReviewStatus,
    RuleSettings,
    SheetRevision,
)
from appraisal.rules import (
    CATEGORY_MAX,
    TENTH,
    Category,
    QuarterId,
    Reason,
    ScoreBand,
    average_from_sum,
    day_total,
    effective_by_day,
    event_points,
    final_from,
    full_marks,
    may_finalize,
    score_band,
)
from employees.models import Department, DepartmentQuerySet, Employee, EmployeeQuerySet, User

# --- Who may open the grid -------------------------------------------------------


def user_may_score(*, user: User) -> bool:
    """Department heads and the appraisal office enter daily sheets; nobody else."""
    return user.is_authenticated and (user.is_office or user.is_department_head)


def grid_departments(*, user: User) -> DepartmentQuerySet:
    """The departments whose day grid `user` may open (a head: their own)."""
    if not user_may_score(user=user):
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
    if day > timezone.localdate():
        return _("%(day)s is still to come: sheets are entered on the day or later.") % {
            "day": day.isoformat()
        }
    return ""


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


def _grid_row(
    *,
    employee: Employee,
    sheet: DailySheet | None,
    other: DailySheet | None,
    revision_count: int,
    columns: list[GridColumn],
) -> GridRow:
    marks = full_marks()
    if sheet is None:
        values = marks
        criteria_ids: list[int] = []
        note = ""
    else:
        values = {c: getattr(sheet, c.value) for c in Category}
        # Uses the prefetched criteria when the caller prefetched them.
        criteria_ids = sorted(criterion.pk for criterion in sheet.criteria.all())
        note = sheet.note
    return GridRow(
        employee=employee,
        sheet=sheet,
        other=other,
        revision_count=revision_count,
        cells=[
            GridCell(
                code=column.code,
                label=column.label,
                value=values[Category(column.code)],
                maximum=column.maximum,
            )
            for column in columns
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
        .prefetch_related("criteria")
        .order_by()
    )
    department_sheets: dict[int, DailySheet] = {}
    spot_sheets: dict[int, DailySheet] = {}
    for sheet in sheets:
        (spot_sheets if sheet.is_spot_check else department_sheets)[sheet.employee_id] = sheet
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
    if (
        not user_may_score(user=user)
        or not Employee.objects.visible_to(user).filter(pk=employee.pk).exists()
    ):
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


# --- The month view --------------------------------------------------------------


@dataclass
class MonthCell:
    day: datetime.date
    total: Decimal | None = None
    band: ScoreBand | None = None
    is_spot_check: bool = False
    department_total: Decimal | None = None


@dataclass
class MonthRow:
    employee: Employee
    cells: list[MonthCell]
    quarter_average: Decimal | None
    quarter_days: int
    quarter_band: ScoreBand | None


@dataclass
class MonthGrid:
    department: Department
    month: datetime.date
    quarter_code: str
    days: list[datetime.date]
    rows: list[MonthRow]
    thresholds: dict[str, Decimal] = field(default_factory=dict)

    @property
    def previous_month(self) -> datetime.date:
        return (self.month - datetime.timedelta(days=1)).replace(day=1)

    @property
    def next_month(self) -> datetime.date:
        last = calendar.monthrange(self.month.year, self.month.month)[1]
        return self.month.replace(day=last) + datetime.timedelta(days=1)


def disqualification_reason_text(*, reason: object) -> str:
    """One item of `QuarterResult.disqualification_reasons` as text.

    The close writes dicts with a "code" (an event kind or a `rules.Reason`)
    and what the reason rests on: a count of events, or a month and its
    deduction points. A "detail" or a plain string is shown as it is.
    """
    if not isinstance(reason, dict):
        return str(reason)
    code = str(reason.get("code", "") or "")
    detail = reason.get("detail")
    if code == Reason.MONTHLY_DEDUCTIONS and detail in (None, ""):
        return _("%(points)s deduction points in month %(month)s") % {
            "points": reason.get("points", "?"),
            "month": reason.get("month", "?"),
        }
    if code == Reason.AWARD_BADGE_LOST_PREVIOUS and detail in (None, ""):
        return _("Award badge lost in the previous quarter")
    label = str(EventKind(code).label) if code in EventKind.values else code
    if detail in (None, "") and isinstance(reason.get("count"), int) and reason["count"] > 1:
        detail = _("%(count)d times") % {"count": reason["count"]}
    if detail in (None, ""):
        detail = _(", ").join(
            str(value)
            for key, value in reason.items()
            if key not in ("code", "count") and value not in ("", None)
        )
    if label and detail:
        return _("%(label)s: %(detail)s") % {"label": label, "detail": detail}
    return str(label or detail)


def rule_settings_by_quarter(*, qids: Iterable[QuarterId]) -> dict[QuarterId, RuleSettings]:
    """Each quarter's rule settings, the company defaults for a quarter without its own (one query)."""
    wanted = set(qids)
    condition = Q(is_default=True)
    for qid in wanted:
        condition |= Q(quarter__year=qid.year, quarter__number=qid.number)
    rows = list(RuleSettings.objects.filter(condition).select_related("quarter"))
    defaults = next((row for row in rows if row.is_default), None) or RuleSettings()
    own = {row.quarter.qid: row for row in rows if row.quarter_id is not None}
    return {qid: own.get(qid, defaults) for qid in wanted}


def band_thresholds(settings: RuleSettings) -> dict[str, Decimal]:
    """The tier thresholds of `settings`, as `rules.score_band` takes them."""
    return {
        "best_min": settings.best_min,
        "ambassador_min": settings.ambassador_min,
        "style_min": settings.style_min,
        "training_below": settings.training_below,
    }


def month_grid_for(*, user: User, department: Department, month: datetime.date) -> MonthGrid:
    """Employees × days of `month` with the day totals and each one's quarter average.

    A spot check replaces the department's total of that day. The quarter
    average covers every sheet of the month's quarter so far; it comes from one
    grouped query (sum of effective totals and day count per employee), never
    one query per employee.
    """
    month = month.replace(day=1)
    last = calendar.monthrange(month.year, month.month)[1]
    days = [month.replace(day=d) for d in range(1, last + 1)]
    qid = QuarterId.of(month)
    thresholds = band_thresholds(rule_settings_by_quarter(qids=[qid])[qid])
    employees = list(grid_employees(user=user, department=department))
    visible_sheets = DailySheet.objects.visible_to(user).filter(employee__department=department)

    entries: dict[int, list[tuple[datetime.date, bool, Decimal]]] = defaultdict(list)
    for employee_id, day, is_spot_check, *scores in (
        visible_sheets.filter(day__range=(days[0], days[-1]))
        .order_by()
        .values_list("employee_id", "day", "is_spot_check", *[c.value for c in Category])
    ):
        total = day_total(dict(zip(Category, scores, strict=True)))
        entries[employee_id].append((day, is_spot_check, total))

    spot_same_day = DailySheet.objects.filter(
        employee=OuterRef("employee"), day=OuterRef("day"), is_spot_check=True
    )
    quarter_sums = {
        row["employee_id"]: row
        for row in visible_sheets.filter(day__range=(qid.first_day, qid.last_day))
        .filter(Q(is_spot_check=True) | ~Exists(spot_same_day))
        .order_by()
        .values("employee_id")
        .annotate(
            days=Count("id"),
            points=Sum(SHEET_TOTAL, output_field=DecimalField(max_digits=9, decimal_places=1)),
        )
    }

    rows = []
    for employee in employees:
        own = entries.get(employee.pk, [])
        totals = effective_by_day(own)
        department_totals = {day: total for day, is_spot, total in own if not is_spot}
        spot_days = {day for day, is_spot, _total in own if is_spot}
        cells = []
        for day in days:
            total = totals.get(day)
            cells.append(
                MonthCell(
                    day=day,
                    total=total,
                    band=score_band(total, **thresholds) if total is not None else None,
                    is_spot_check=day in spot_days,
                    department_total=department_totals.get(day) if day in spot_days else None,
                )
            )
        summary = quarter_sums.get(employee.pk)
        average = None
        quarter_days = 0
        if summary is not None:
            quarter_days = summary["days"]
            # SQLite sums decimals as floats; the day totals are whole tenths.
            average = average_from_sum(Decimal(summary["points"]).quantize(TENTH), quarter_days)
        rows.append(
            MonthRow(
                employee=employee,
                cells=cells,
                quarter_average=average,
                quarter_days=quarter_days,
                quarter_band=score_band(average, **thresholds) if average is not None else None,
            )
        )
    return MonthGrid(
        department=department,
        month=month,
        quarter_code=qid.code,
        days=days,
        rows=rows,
        thresholds=thresholds,
    )


# --- The quarter workbench: quarters, results, approval, notice, objections -------


def workbench_may_open(*, user: User) -> bool:
    """The office, HR and department heads open the quarter workbench; staff do not."""
    return user.is_authenticated and (user.is_office or user.is_hr or user.is_department_head)


def results_show_money(*, user: User) -> bool:
    """The award money, rewards, fines and net amount are for the office and HR."""
    return user.is_authenticated and (user.is_office or user.is_hr)


PUBLISHED_STATUSES = (QuarterStatus.PUBLISHED, QuarterStatus.FINAL, QuarterStatus.PAID)
MONEY_STATUSES = (QuarterStatus.FINAL, QuarterStatus.PAID)


def quarter_actions_for(*, user: User, quarter: Quarter) -> dict[str, bool]:
    """Which buttons and links the quarter's page offers `user` in the quarter's state.

    The services decide again when the action is taken; this only keeps the
    page from offering what would be refused.
    """
    status = quarter.status
    office = user.is_office
    money = user.is_office or user.is_hr
    return {
        "close": office and status in (QuarterStatus.OPEN, QuarterStatus.CLOSED),
        "reopen": office and status == QuarterStatus.CLOSED,
        "approve": office and status == QuarterStatus.CLOSED,
        "finalize": office and status == QuarterStatus.PUBLISHED,
        "objections": office and status in PUBLISHED_STATUSES,
        "results": status in LOCKED_STATUSES,
        "notice": status in PUBLISHED_STATUSES,
        "results_xlsx": money and status in LOCKED_STATUSES,
        "payout_xlsx": money and status in MONEY_STATUSES,
        "paid": money and status == QuarterStatus.FINAL,
        "events": office,
    }


_ACTION_STATES = {
    "close": (QuarterStatus.OPEN, QuarterStatus.CLOSED),
    "reopen": (QuarterStatus.CLOSED,),
    "paid": (QuarterStatus.FINAL,),
}


def quarter_action_refusal(*, quarter: Quarter, action: str) -> str:
    """Why `action` cannot be taken in the quarter's state, or "" when it can."""
    if quarter.status in _ACTION_STATES[action]:
        return ""
    values = {"quarter": quarter.code, "status": quarter.get_status_display()}
    if action == "close":
        return _("Quarter %(quarter)s is %(status)s: it can no longer be closed again.") % values
    if action == "reopen":
        return (
            _(
                "Quarter %(quarter)s is %(status)s: only a closed quarter that is not yet "
                "approved can be reopened."
            )
            % values
        )
    return _("Quarter %(quarter)s is %(status)s: only a final quarter can be marked paid.") % values


def quarter_finalize_blocker(
    *, quarter: Quarter, today: datetime.date, pending_objections: int
) -> str:
    """Why `quarter` cannot be final on `today`, or "" when it can."""
    if quarter.status != QuarterStatus.PUBLISHED or quarter.notice_ends_on is None:
        return _("Only a quarter in its public notice can become final.")
    if may_finalize(
        notice_ends_on=quarter.notice_ends_on, today=today, pending_objections=pending_objections
    ):
        return ""
    if today < final_from(quarter.notice_ends_on):
        return _(
            "The public notice runs until %(end)s; the quarter can be final from %(final)s."
        ) % {
            "end": quarter.notice_ends_on.isoformat(),
            "final": final_from(quarter.notice_ends_on).isoformat(),
        }
    return ngettext(
        "%(count)d objection is pending; rule on it before the quarter can be final.",
        "%(count)d objections are pending; rule on them before the quarter can be final.",
        pending_objections,
    ) % {"count": pending_objections}


def quarter_next_step(
    *,
    quarter: Quarter,
    today: datetime.date,
    pending_objections: int = 0,
    reviews_open: int = 0,
) -> str:
    """What comes next for `quarter`, in one sentence."""

    status = quarter.status
    if status == QuarterStatus.OPEN:
        if today < quarter.last_day:
            return _("Runs until %(last_day)s; then the office closes it.") % {
                "last_day": quarter.last_day.isoformat()
            }
        return _("The quarter has ended: the office closes it.")
    if status == QuarterStatus.CLOSED:
        if reviews_open:
            return ngettext(
                "%(count)d department is still reviewing its list; then the office approves "
                "and publishes it.",
                "%(count)d departments are still reviewing their lists; then the office "
                "approves and publishes them.",
                reviews_open,
            ) % {"count": reviews_open}
        return _("Every list is submitted: the office approves and publishes them.")
    if status == QuarterStatus.PUBLISHED:
        blocker = quarter_finalize_blocker(
            quarter=quarter, today=today, pending_objections=pending_objections
        )
        return blocker or _("The public notice has ended: the office finalises the quarter.")
    if status == QuarterStatus.FINAL:
        if quarter.payout_month:
            return _("HR pays the bonuses in %(month)s and marks the quarter paid.") % {
                "month": date_format(quarter.payout_month, "YEAR_MONTH_FORMAT")
            }
        return _("HR pays the bonuses and marks the quarter paid.")
    return _("Paid: nothing left to do.")


@dataclass(frozen=True)
class QuarterListLine:
    quarter: Quarter
    pending_objections: int
    reviews_open: int
    next_step: str


def quarters_list_for(*, user: User, today: datetime.date) -> list[QuarterListLine]:
    """Every quarter the system knows, newest first, with what comes next (one query)."""

    if not workbench_may_open(user=user):
        return []
    quarters = Quarter.objects.annotate(
        pending_objection_count=Count(
            "objections", filter=Q(objections__status=ObjectionStatus.PENDING), distinct=True
        ),
        reviews_open_count=Count(
            "reviews", filter=Q(reviews__status=ReviewStatus.REVIEWING), distinct=True
        ),
    ).order_by("-year", "-number")
    return [
        QuarterListLine(
            quarter=quarter,
            pending_objections=quarter.pending_objection_count,
            reviews_open=quarter.reviews_open_count,
            next_step=quarter_next_step(
                quarter=quarter,
                today=today,
                pending_objections=quarter.pending_objection_count,
                reviews_open=quarter.reviews_open_count,
            ),
        )
        for quarter in quarters
    ]


@dataclass(frozen=True)
class QuarterOverview:
    quarter: Quarter
    rules: RuleSettings | None
    reviews: list
    reviews_open: int
    pending_events: int
    pending_objections: int
    results: int
    winners: int
    log: list
    next_step: str
    finalize_blocker: str
    quarters_for_trend: list = field(default_factory=list)


def quarter_overview_for(*, user: User, quarter: Quarter, today: datetime.date) -> QuarterOverview:
    """Where `quarter` stands: reviews, pending work, the log; a head sees their department."""

    reviews = DepartmentReview.objects.filter(quarter=quarter).select_related(
        "department", "submitted_by", "approved_by"
    )
    if not (user.is_office or user.is_hr):
        reviews = reviews.filter(department_id=user.department_id)
    reviews = list(reviews.order_by("department__display_order", "department__name"))
    all_open = DepartmentReview.objects.filter(
        quarter=quarter, status=ReviewStatus.REVIEWING
    ).count()
    pending_objections = Objection.objects.filter(
        quarter=quarter, status=ObjectionStatus.PENDING
    ).count()
    results = QuarterResult.objects.visible_to(user).filter(quarter=quarter)
    counts = results.aggregate(
        total=Count("id"), winners=Count("id", filter=~Q(award_tier=AwardTier.NONE))
    )
    trend = list(
        Quarter.objects.locked()
        .filter(Q(year__lt=quarter.year) | Q(year=quarter.year, number__lte=quarter.number))
        .order_by("-year", "-number")[:8]
    )
    trend.reverse()
    return QuarterOverview(
        quarter=quarter,
        rules=RuleSettings.objects.filter(quarter=quarter).first(),
        reviews=reviews,
        reviews_open=all_open,
        pending_events=Event.objects.visible_to(user).pending().in_quarter(quarter).count(),
        pending_objections=pending_objections,
        results=counts["total"],
        winners=counts["winners"],
        log=list(QuarterLog.objects.filter(quarter=quarter).select_related("by")[:50]),
        next_step=quarter_next_step(
            quarter=quarter,
            today=today,
            pending_objections=pending_objections,
            reviews_open=all_open,
        ),
        finalize_blocker=quarter_finalize_blocker(
            quarter=quarter, today=today, pending_objections=pending_objections
        ),
        quarters_for_trend=trend,
    )


@dataclass(frozen=True)
class ClosePreview:
    """What closing `quarter` on `today` will do, for the confirmation page."""

    appraised: int
    without_sheet: int
    pending_events: int
    early: bool
    last_day: datetime.date


def quarter_close_preview(*, quarter: Quarter, today: datetime.date) -> ClosePreview:

    has_sheet = Exists(
        DailySheet.objects.in_quarter(quarter).filter(employee=OuterRef("pk")).order_by()
    )
    # As the close counts them: no supervisors; leavers only when they left after the quarter.
    appraised = (
        Employee.objects.filter(is_supervisor=False)
        .filter(Q(is_active=True) | Q(left_on__gt=quarter.last_day))
        .filter(has_sheet)
        .count()
    )
    without_sheet = (
        Employee.objects.appraised()
        .exclude(joined_on__gt=quarter.last_day)
        .exclude(has_sheet)
        .count()
    )
    return ClosePreview(
        appraised=appraised,
        without_sheet=without_sheet,
        pending_events=Event.objects.pending().in_quarter(quarter).count(),
        early=today < quarter.last_day,
        last_day=quarter.last_day,
    )


def results_departments_for(*, user: User, quarter: Quarter) -> DepartmentQuerySet:
    """The departments with a list in `quarter` that `user` may open (a head: their own)."""
    if not workbench_may_open(user=user):
        return Department.objects.none()
    return (
        Department.objects.visible_to(user)
        .filter(reviews__quarter=quarter)
        .order_by("display_order", "name")
        .distinct()
    )


@dataclass(frozen=True)
class ResultLine:
    result: object
    reasons: list[str]
    is_nominee: bool


@dataclass(frozen=True)
class DepartmentResults:
    department: Department
    review: object
    lines: list[ResultLine]

    @property
    def nominees(self) -> list:
        return [line.result for line in self.lines if line.is_nominee]


def department_results_for(
    *, user: User, quarter: Quarter, department: Department
) -> DepartmentResults:
    """A department's list of `quarter`, scoped through `QuarterResult.visible_to`."""

    results = (
        QuarterResult.objects.visible_to(user)
        .filter(quarter=quarter, department=department)
        .select_related("employee", "approved_by")
        .order_by("employee__number")
    )
    lines = [
        ResultLine(
            result=result,
            reasons=[
                disqualification_reason_text(reason=item)
                for item in result.disqualification_reasons or []
            ],
            is_nominee=result.score_tier != AwardTier.NONE and not result.disqualified,
        )
        for result in results
    ]
    review = (
        DepartmentReview.objects.filter(quarter=quarter, department=department)
        .select_related("submitted_by", "approved_by")
        .first()
    )
    return DepartmentResults(department=department, review=review, lines=lines)


@dataclass(frozen=True)
class ApprovalDepartment:
    department: Department
    review: object
    nominees: list
    withdrawn: list


def approval_list_for(*, quarter: Quarter) -> list[ApprovalDepartment]:
    """Every department's nominees (award ≠ none) and withdrawals, for the office's approval."""

    by_department: dict[int, dict[str, list]] = defaultdict(
        lambda: {"nominees": [], "withdrawn": []}
    )
    results = (
        QuarterResult.objects.filter(quarter=quarter)
        .filter(Q(withdrawn=True) | ~Q(award_tier=AwardTier.NONE))
        .select_related("employee")
        .order_by("employee__number")
    )
    for result in results:
        key = "withdrawn" if result.withdrawn else "nominees"
        by_department[result.department_id][key].append(result)
    reviews = (
        DepartmentReview.objects.filter(quarter=quarter)
        .select_related("department", "submitted_by")
        .order_by("department__display_order", "department__name")
    )
    return [
        ApprovalDepartment(
            department=review.department,
            review=review,
            nominees=by_department[review.department_id]["nominees"],
            withdrawn=by_department[review.department_id]["withdrawn"],
        )
        for review in reviews
    ]


@dataclass(frozen=True)
class PublicNotice:
    quarter: Quarter
    rules: RuleSettings | None
    department: Department | None
    winners: list
    pending_objections: int


def public_notice_for(*, quarter: Quarter, department: Department | None = None) -> PublicNotice:
    """The approved winners of a published quarter, for the notice posted in every department.

    The notice is public inside the company, so it does not go through `visible_to`:
    it shows only names, departments, awards and their amounts.
    """

    winners = (
        QuarterResult.objects.winners()
        .filter(quarter=quarter, approval=Approval.APPROVED)
        .select_related("employee", "department")
        .order_by("department__display_order", "department__name", "-final", "employee__number")
    )
    if department is not None:
        winners = winners.filter(department=department)
    return PublicNotice(
        quarter=quarter,
        rules=RuleSettings.objects.filter(quarter=quarter).first(),
        department=department,
        winners=list(winners),
        pending_objections=Objection.objects.filter(
            quarter=quarter, status=ObjectionStatus.PENDING
        ).count(),
    )


def objections_for(*, quarter: Quarter) -> list:
    """The objections of `quarter`, pending first, with who raised, recorded and ruled."""

    return list(
        Objection.objects.filter(quarter=quarter)
        .select_related("employee__department", "recorded_by", "ruled_by")
        .annotate(
            pending_first=Case(
                When(status=ObjectionStatus.PENDING, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("pending_first", "-created_at", "-id")
    )


def objection_targets_for(*, quarter: Quarter) -> EmployeeQuerySet:
    """The employees an objection may name: the approved winners of `quarter`."""

    winners = QuarterResult.objects.winners().filter(quarter=quarter, approval=Approval.APPROVED)
    return (
        Employee.objects.filter(pk__in=winners.values("employee_id"))
        .select_related("department")
        .order_by("department__display_order", "number")
    )


# --- The event ledger and the office's queue -------------------------------------


def event_ledger_allowed(*, user: User) -> bool:
    """The office and HR read every event, a head their department's; staff use their own page."""
    return user.is_authenticated and (user.is_office or user.is_hr or user.is_department_head)


def event_ledger_departments(*, user: User) -> DepartmentQuerySet:
    if not event_ledger_allowed(user=user):
        return Department.objects.none()
    return Department.objects.visible_to(user).order_by("display_order", "name")


def event_quarter_codes() -> list[str]:
    """The quarters the ledger offers: those in the database and the current one, newest first."""
    qids = {
        QuarterId(year, number) for year, number in Quarter.objects.values_list("year", "number")
    }
    qids.add(QuarterId.of(timezone.localdate()))
    return [qid.code for qid in sorted(qids, reverse=True)]


def event_lines(*, events: Iterable) -> list:
    """The events, each with `shown_points` (its own, or its quarter's rule default) and
    `points_are_default`; one query for the settings."""

    events = list(events)
    settings = rule_settings_by_quarter(qids={QuarterId.of(event.date) for event in events})
    for event in events:
        event.shown_points = event_points(
            event.kind, event.points, settings[QuarterId.of(event.date)]
        )
        event.shown_points_text = score_text(event.shown_points)
        event.points_are_default = event.points is None and event.shown_points is not None
    return events


def event_ledger(
    *,
    user: User,
    quarter: QuarterId,
    department: Department | None = None,
    kind: str = "",
    validity: str = "",
) -> EventQuerySet:
    """The events of `quarter` that `user` may read, filtered, newest first."""

    if not event_ledger_allowed(user=user):
        return Event.objects.none()
    events = (
        Event.objects.visible_to(user)
        .in_quarter(quarter)
        .select_related("employee__department", "ruled_by", "created_by")
        .order_by("-date", "-id")
    )
    if department is not None:
        events = events.filter(employee__department=department)
    if kind:
        events = events.filter(kind=kind)
    if validity:
        events = events.filter(validity=validity)
    return events


def _locked_days() -> Q:
    """The dates of every locked quarter, as one condition."""
    condition = Q(pk__in=[])
    for year, number in Quarter.objects.locked().values_list("year", "number"):
        qid = QuarterId(year, number)
        condition |= Q(date__range=(qid.first_day, qid.last_day))
    return condition


def event_queue_for(*, user: User, source: str = "") -> tuple:
    """The office's pending events, oldest first, as (those it can rule, those too late).

    Too late: pending events dated in a locked (closed or later) quarter.
    """

    if not user.is_authenticated or not user.is_office:
        return Event.objects.none(), Event.objects.none()
    pending = (
        Event.objects.visible_to(user)
        .pending()
        .select_related("employee__department", "feedback_message")
        .order_by("date", "id")
    )
    if source:
        pending = pending.filter(source=source)
    locked = _locked_days()
    return pending.exclude(locked), pending.filter(locked)


def event_for_queue(*, user: User, pk: int) -> Event | None:
    """One event the office may rule, with what the queue shows of it; None otherwise."""

    if not user.is_authenticated or not user.is_office:
        return None
    return (
        Event.objects.visible_to(user)
        .select_related("employee__department", "feedback_message", "ruled_by")
        .filter(pk=pk)
        .first()
    )


# --- Rule settings -----------------------------------------------------------------


def rule_settings_for(*, quarter: Quarter | None) -> RuleSettings:
    """A quarter's rule settings; the company defaults for a quarter not yet in the database."""
    if quarter is not None:
        own = RuleSettings.objects.filter(quarter=quarter).select_related("updated_by").first()
        if own is not None:
            return own
    return RuleSettings.objects.filter(is_default=True).first() or RuleSettings()
