"""Reads behind the month view, and the rule settings and reason texts other pages share.

The month view runs a fixed number of queries whatever the number of employees;
the quarter averages come from one grouped query.
"""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, Q, Sum
from django.utils.translation import gettext as _

from appraisal.models import SHEET_TOTAL, DailySheet, EventKind, RuleSettings
from appraisal.rules import (
    TENTH,
    Category,
    Disqualification,
    QuarterId,
    Reason,
    ScoreBand,
    average_from_sum,
    day_total,
    score_band,
)
from appraisal.selectors.grid import grid_employees
from employees.models import Department, Employee, User

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

    It reads what `rules.Disqualification.as_json` writes: a code (an event
    kind or a `rules.Reason`) and what the reason rests on, a count of events
    or a month and its deduction points. Anything else in the column (rows
    written before the close wrote that shape, or by hand) is shown as it is.
    """
    found = Disqualification.from_json(reason)
    if found is None:
        return _stored_reason_text(reason)
    if found.code == Reason.MONTHLY_DEDUCTIONS:
        return _("%(points)s deduction points in month %(month)s") % {
            "points": "?" if found.points is None else found.points,
            "month": "?" if found.month is None else found.month,
        }
    if found.code == Reason.AWARD_BADGE_LOST_PREVIOUS:
        return _("Award badge lost in the previous quarter")
    label = str(EventKind(found.code).label) if found.code in EventKind.values else found.code
    details = [_("%(count)d times") % {"count": found.count}] if (found.count or 0) > 1 else []
    details += [str(value) for value in (found.month, found.points) if value is not None]
    if details:
        return _("%(label)s: %(detail)s") % {"label": label, "detail": _(", ").join(details)}
    return label


def _stored_reason_text(reason: object) -> str:
    # A reason the close did not write in its shape: its words, as they were stored.
    if not isinstance(reason, dict):
        return str(reason)
    label = str(reason.get("code", "") or "")
    if label in EventKind.values:
        label = str(EventKind(label).label)
    detail = reason.get("detail")
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

    entries: dict[int, list[tuple[datetime.date, bool, bool, Decimal]]] = defaultdict(list)
    for employee_id, day, is_spot_check, counts, *scores in (
        visible_sheets.filter(day__range=(days[0], days[-1]))
        .with_counted()
        .order_by()
        .values_list("employee_id", "day", "is_spot_check", "counts", *[c.value for c in Category])
    ):
        total = day_total(dict(zip(Category, scores, strict=True)))
        entries[employee_id].append((day, is_spot_check, counts, total))

    quarter_sums = {
        row["employee_id"]: row
        for row in visible_sheets.in_quarter(qid)
        .counted()
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
        totals = {day: total for day, _spot, counts, total in own if counts}
        department_totals = {day: total for day, is_spot, _counts, total in own if not is_spot}
        spot_days = {day for day, is_spot, _counts, _total in own if is_spot}
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
