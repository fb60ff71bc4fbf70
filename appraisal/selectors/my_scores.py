"""Reads of "my scores": what one employee sees about themselves (/employees/me/).

Every read goes through the models' `visible_to`; the login sees only its own employee.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import prefetch_related_objects

from appraisal import rules
from appraisal.models import (
    LOCKED_STATUSES,
    CategoryChoice,
    Criterion,
    DailySheet,
    Event,
    Quarter,
    QuarterResult,
    QuarterStatus,
    RuleSettings,
)
from appraisal.rules import CATEGORY_MAX, Category, QuarterId
from appraisal.selectors.month import (
    band_thresholds,
    disqualification_reason_text,
    rule_settings_by_quarter,
)
from awards.models import AwardBadge, WorkBadge
from employees.models import Employee, User

_MONTH_PARAM = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})$")
_DAY_PARAM = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# Results become visible to staff when the office publishes the quarter's list.
RESULT_VISIBLE_STATUSES = (QuarterStatus.PUBLISHED, QuarterStatus.FINAL, QuarterStatus.PAID)


def month_from_param(*, value: str | None, default: date) -> date:
    """The first day of the month written `YYYY-MM`; `default`'s month when absent or bad."""
    match = _MONTH_PARAM.match(value or "")
    if match:
        year, month = int(match["year"]), int(match["month"])
        if 1900 <= year <= 9998 and 1 <= month <= 12:
            return date(year, month, 1)
    return default.replace(day=1)


def day_from_param(*, value: str | None) -> date | None:
    """The day written `YYYY-MM-DD`, or None when absent or bad."""
    if not value or not _DAY_PARAM.match(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def month_shift(*, month: date, by: int) -> date:
    """The first day of the month `by` months after `month` (before when negative)."""
    index = month.year * 12 + month.month - 1 + by
    return date(index // 12, index % 12 + 1, 1)


def score_band(*, total: Decimal, settings: RuleSettings) -> str:
    """The colour band of a score under the quarter's thresholds."""
    return rules.score_band(total, **band_thresholds(settings)).value


@dataclass(frozen=True)
class CategoryLine:
    code: str
    label: str
    score: Decimal
    maximum: Decimal
    criteria: list[Criterion]

    @property
    def deducted(self) -> Decimal:
        return self.maximum - self.score


@dataclass(frozen=True)
class DayScore:
    """The sheet that counts for a day: the spot check when there is one."""

    day: date
    sheet: DailySheet
    band: str
    # The department's sheet, kept but replaced by the spot check.
    replaced_sheet: DailySheet | None = None

    @property
    def total(self) -> Decimal:
        return self.sheet.total

    @property
    def is_spot_check(self) -> bool:
        return self.sheet.is_spot_check

    def categories(self) -> list[CategoryLine]:
        criteria = list(self.sheet.criteria.all())
        return [
            CategoryLine(
                code=category.value,
                label=str(CategoryChoice(category.value).label),
                score=getattr(self.sheet, category.value),
                maximum=CATEGORY_MAX[category],
                criteria=[c for c in criteria if c.category == category.value],
            )
            for category in Category
        ]


@dataclass(frozen=True)
class CalendarDay:
    day: date
    in_month: bool
    is_today: bool
    is_selected: bool
    score: DayScore | None


@dataclass(frozen=True)
class EventLine:
    event: Event
    effect: str  # praise, complaint or deduction
    points: Decimal | None  # signed: + for praise, - for a deduction
    disqualifies: str  # "", "this" or "next" quarter


@dataclass(frozen=True)
class ResultLine:
    result: QuarterResult
    reasons: list[str]


@dataclass(frozen=True)
class QuarterOutcome:
    """The month's quarter once closed: its result replaces the average so far.

    `result` is None when the employee got no result (not appraised). The award
    itself shows only once the list is published: until then the department
    may still withdraw a nominee.
    """

    quarter: Quarter
    result: QuarterResult
    band: str

    @property
    def published(self) -> bool:
        return self.quarter.status in RESULT_VISIBLE_STATUSES


def quarter_outcome_from(
    *, results: Iterable[QuarterResult], quarter: QuarterId, settings: RuleSettings
) -> QuarterOutcome | None:
    """The result of `quarter` among `results` (of locked quarters), or None (open, or no result)."""
    for result in results:
        if result.quarter.qid == quarter:
            return QuarterOutcome(
                quarter=result.quarter,
                result=result,
                band=score_band(total=result.final, settings=settings),
            )
    return None


@dataclass(frozen=True)
class MyScores:
    employee: Employee
    today: date
    month: date
    previous_month: date
    next_month: date | None
    quarter: QuarterId
    weeks: list[list[CalendarDay]]
    quarter_days: list[DayScore]
    days_recorded: int
    average: Decimal | None
    average_band: str | None
    selected: DayScore | None
    settings: RuleSettings
    events: list[EventLine] = field(default_factory=list)
    results: list[ResultLine] = field(default_factory=list)
    work_badges: list[WorkBadge] = field(default_factory=list)
    award_badges: list[AwardBadge] = field(default_factory=list)
    # Set once the month's quarter is closed: the page shows the result, not the average.
    outcome: QuarterOutcome | None = None


def day_scores_from_sheets(
    *, sheets: Iterable[DailySheet], settings: RuleSettings
) -> list[DayScore]:
    """One entry per day with a sheet, in day order; a spot check replaces the department's sheet.

    `sheets` come from `DailySheetQuerySet.with_counted()`: which one counts is decided there.
    """
    sheets = list(sheets)
    counting = {sheet.day: sheet for sheet in sheets if sheet.counts}
    department = {sheet.day: sheet for sheet in sheets if not sheet.is_spot_check}
    return [
        DayScore(
            day=day,
            sheet=sheet,
            band=score_band(total=sheet.total, settings=settings),
            replaced_sheet=department.get(day) if sheet.is_spot_check else None,
        )
        for day, sheet in sorted(counting.items())
    ]


def _event_line(*, event: Event, settings: RuleSettings) -> EventLine:
    points = rules.event_points(event.kind, event.points, settings)
    if event.kind in rules.DISQUALIFIES_THIS_QUARTER:
        disqualifies = "this"
    elif event.kind in rules.DISQUALIFIES_NEXT_QUARTER:
        disqualifies = "next"
    else:
        disqualifies = ""
    if event.kind in rules.PRAISE_KINDS:
        effect = "praise"
    elif event.kind in rules.COMPLAINT_KINDS:
        effect = "complaint"
    else:
        effect = "deduction"
        points = -points if points is not None else None
    return EventLine(event=event, effect=effect, points=points, disqualifies=disqualifies)


def my_scores_for(*, user: User, month: date, today: date, day: date | None = None) -> MyScores:
    """Everything the "my scores" page shows the login's own employee, in a handful of queries.

    `month` picks the calendar; the quarter containing it drives the chart and
    the average so far. Sheets, events and results go through `visible_to`.
    """
    employee = user.employee
    month = month.replace(day=1)
    quarter = QuarterId.of(month)
    previous_quarter = quarter.previous()
    settings_by_quarter = rule_settings_by_quarter(qids=[quarter, previous_quarter])
    settings = settings_by_quarter[quarter]

    sheets = (
        DailySheet.objects.visible_to(user)
        .filter(employee=employee)
        .in_quarter(quarter)
        .with_counted()
        # The page shows no writer or time stamps: a quarter's 2 × 92 datetimes not parsed.
        .defer("entered_by", "created_at", "updated_at")
        .order_by("day", "is_spot_check")
    )
    quarter_days = day_scores_from_sheets(sheets=sheets, settings=settings)
    average = rules.average_of_totals(d.total for d in quarter_days)
    by_day = {d.day: d for d in quarter_days}

    month_days = [d for d in quarter_days if (d.day.year, d.day.month) == (month.year, month.month)]
    if day is not None and (day.year, day.month) == (month.year, month.month):
        selected = by_day.get(day)
    else:
        selected = month_days[-1] if month_days else None
    if selected is not None:
        # Only the day shown in full lists its criteria items: one query for that
        # sheet, not a prefetch over the quarter's sheets.
        prefetch_related_objects([selected.sheet], "criteria")

    weeks = [
        [
            CalendarDay(
                day=d,
                in_month=d.month == month.month,
                is_today=d == today,
                is_selected=selected is not None and d == selected.day,
                score=by_day.get(d) if d.month == month.month else None,
            )
            for d in week
        ]
        for week in calendar.Calendar(firstweekday=calendar.MONDAY).monthdatescalendar(
            month.year, month.month
        )
    ]

    events = (
        Event.objects.visible_to(user)
        .valid()
        .filter(employee=employee, date__range=(previous_quarter.first_day, quarter.last_day))
        .order_by("-date", "-id")
    )
    # Closed quarters too: the month's quarter shows its final score once closed
    # (QuarterOutcome); the list of results waits for publication.
    locked_results = list(
        QuarterResult.objects.visible_to(user)
        .filter(employee=employee, quarter__status__in=LOCKED_STATUSES)
        .select_related("quarter")
        .order_by("-quarter__year", "-quarter__number")
    )
    results = [r for r in locked_results if r.quarter.status in RESULT_VISIBLE_STATUSES]
    next_month = month_shift(month=month, by=1)
    return MyScores(
        employee=employee,
        today=today,
        month=month,
        previous_month=month_shift(month=month, by=-1),
        next_month=next_month if next_month <= today else None,
        quarter=quarter,
        weeks=weeks,
        quarter_days=quarter_days,
        days_recorded=len(quarter_days),
        average=average,
        average_band=score_band(total=average, settings=settings) if average is not None else None,
        selected=selected,
        settings=settings,
        events=[
            _event_line(event=e, settings=settings_by_quarter.get(QuarterId.of(e.date), settings))
            for e in events
        ],
        results=[
            ResultLine(
                result=r,
                reasons=[
                    disqualification_reason_text(reason=item)
                    for item in (r.disqualification_reasons or [])
                ],
            )
            for r in results
        ],
        work_badges=list(employee.work_badges.all()),
        award_badges=list(employee.award_badges.select_related("quarter").order_by("-issued_on")),
        outcome=quarter_outcome_from(results=locked_results, quarter=quarter, settings=settings),
    )
