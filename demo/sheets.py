"""The demo's daily sheets: every working day of the open quarters up to yesterday.

An employee's sheets for a quarter come from a random generator seeded with
the employee number and the quarter, so loading twice (or on another machine)
gives the same rows. Working days are Monday to Friday; public holidays are
ignored. Existing sheets (same employee, day and spot check flag) are kept
as they are. A new sheet is stamped as entered on its own day at 18:00 (local
time), not when the demo was loaded: changing an earlier day's sheet then asks
for a reason, as it would in real use.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, DateTimeField, Value, When
from django.utils import timezone

from appraisal.models import Criterion, DailySheet, Quarter
from appraisal.rules import CATEGORY_MAX, Category
from demo.roster import PROFILES, Profile, RosterEntry, company
from employees.models import DepartmentKind, Employee, User

SHEET_BATCH_SIZE = 500
# Redraws of a quarter's plan until its average falls in the profile's band;
# most first draws already do, so the limit is never reached in practice.
PLAN_ATTEMPTS = 50
# When a head enters the day's sheets: the end of the working day.
ENTERED_AT = datetime.time(18, 0)

# The number of criteria items per kind and category (rules.md section 2); an
# item missing from the Criterion table is simply not linked.
CRITERIA_COUNTS: dict[DepartmentKind, dict[Category, int]] = {
    DepartmentKind.FUNCTIONAL: {
        Category.DISCIPLINE: 3,
        Category.COURTESY: 2,
        Category.SERVICE: 5,
        Category.MORALITY: 3,
    },
    DepartmentKind.FRONTLINE: {
        Category.DISCIPLINE: 5,
        Category.COURTESY: 2,
        Category.SERVICE: 8,
        Category.MORALITY: 3,
    },
}

# Heavier weight where the measures put more points.
CATEGORY_WEIGHTS: dict[Category, int] = {
    Category.DISCIPLINE: 3,
    Category.COURTESY: 2,
    Category.SERVICE: 4,
    Category.MORALITY: 1,
}


def working_days(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    days = []
    day = first
    while day <= last:
        if day.weekday() < 5:
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


@dataclass(frozen=True)
class _GeneratedSheet:
    scores: dict[Category, Decimal]
    note: str
    criteria: tuple[tuple[Category, int], ...]

    @property
    def total(self) -> Decimal:
        return sum(self.scores.values(), Decimal("0"))


def _sheet_generate(
    *, rng: random.Random, profile: Profile, kind: DepartmentKind
) -> _GeneratedSheet:
    """One day's scores: full marks, or a deduction split into 0.5–5 point items."""
    scores = dict(CATEGORY_MAX)
    if rng.random() >= profile.deduction_share:
        return _GeneratedSheet(scores, "", ())
    remaining = Decimal(rng.randint(int(profile.low * 2), int(profile.high * 2))) / 2
    items: list[tuple[Category, Decimal]] = []
    while remaining > 0:
        size = min(Decimal(rng.randint(1, 10)) / 2, remaining)
        room = [c for c in Category if scores[c] >= size]
        category = rng.choices(room, weights=[CATEGORY_WEIGHTS[c] for c in room])[0]
        scores[category] -= size
        remaining -= size
        items.append((category, size))
    # Heads explain some deductions and leave the rest bare, as in real life.
    if rng.random() < 0.5:
        return _GeneratedSheet(scores, "", ())
    explained = items[:3]
    deduction_notes = company().deduction_notes
    notes = dict.fromkeys(rng.choice(deduction_notes[c]) for c, _size in explained)
    criteria = tuple(
        dict.fromkeys((c, rng.randint(1, CRITERIA_COUNTS[kind][c])) for c, _size in explained)
    )
    return _GeneratedSheet(scores, "；".join(notes), criteria)


def _quarter_plan(
    *,
    number: str,
    quarter: Quarter,
    profile: Profile,
    kind: DepartmentKind,
    weekday: int | None = None,
) -> dict[datetime.date, _GeneratedSheet]:
    """An employee's sheets for every working day of the quarter, fixed by number and quarter.

    The plan covers the whole quarter even when only part of it has passed, so
    a run on a later day adds the days that follow the ones already there.
    With `weekday` it covers only that day of every week, and the average band
    holds over those days.
    """
    days = _days(quarter.first_day, quarter.last_day, weekday)
    plan: dict[datetime.date, _GeneratedSheet] = {}
    for attempt in range(PLAN_ATTEMPTS):
        rng = random.Random(f"{number}:{quarter.code}:{attempt}")
        plan = {day: _sheet_generate(rng=rng, profile=profile, kind=kind) for day in days}
        average = sum((sheet.total for sheet in plan.values()), Decimal("0")) / len(days)
        if profile.average_from <= average <= profile.average_to:
            break
    return plan


def _days(first: datetime.date, last: datetime.date, weekday: int | None) -> list[datetime.date]:
    return [day for day in working_days(first, last) if weekday is None or day.weekday() == weekday]


def _spot_checks(*, roster: tuple[RosterEntry, ...], quarter: Quarter) -> dict[str, datetime.date]:
    """The office spot-checks every seventh appraised employee once in the quarter."""
    days = working_days(quarter.first_day, quarter.last_day)
    appraised = [entry for entry in roster if entry.is_appraised]
    return {
        entry.number: days[(index * 11) % len(days)]
        for index, entry in enumerate(appraised)
        if index % 7 == 3
    }


def sheets_add(
    *,
    roster: tuple[RosterEntry, ...],
    employees: dict[str, Employee],
    quarters: list[Quarter],
    spot_check_quarter: Quarter | None,
    heads: dict[str, User],
    office: User,
    today: datetime.date,
    weekday: int | None = None,
) -> int:
    """Add the missing sheets of the open quarters up to yesterday; existing ones stay as they are.

    With `weekday` (0 is Monday) only that day of every week gets sheets: a
    sample that keeps a whole year quick to load.
    """
    yesterday = today - datetime.timedelta(days=1)
    criteria = {(c.department_kind, c.category, c.number): c.pk for c in Criterion.objects.all()}
    sheets: list[DailySheet] = []
    sheet_criteria: dict[tuple[int, datetime.date, bool], list[int]] = {}

    def add(
        employee: Employee, day: datetime.date, spot: bool, by: User, gen: _GeneratedSheet
    ) -> None:
        sheet = DailySheet(
            employee=employee,
            day=day,
            is_spot_check=spot,
            note=gen.note,
            entered_by=by,
            **{category.value: score for category, score in gen.scores.items()},
        )
        # No full_clean per row: thousands of rows would take seconds. The
        # scores are full marks less deductions that fit (so in range, with one
        # decimal), the caller skipped existing keys, and the database's check
        # constraints still guard the ranges.
        sheets.append(sheet)
        kind = employee.department.kind
        criterion_ids = [
            criteria[(kind, category.value, number)]
            for category, number in gen.criteria
            if (kind, category.value, number) in criteria
        ]
        if criterion_ids:
            sheet_criteria[(employee.pk, day, spot)] = criterion_ids

    for quarter in quarters:
        existing = set(
            DailySheet.objects.in_quarter(quarter)
            .filter(employee__in=list(employees.values()))
            .values_list("employee_id", "day", "is_spot_check")
        )
        spot_checks = (
            _spot_checks(roster=roster, quarter=quarter) if quarter == spot_check_quarter else {}
        )
        for entry in roster:
            if not entry.is_appraised:
                continue
            employee = employees[entry.number]
            profile = PROFILES[entry.person.profile]
            kind = entry.department.kind
            missing = [
                day
                for day in _days(quarter.first_day, min(quarter.last_day, yesterday), weekday)
                if (employee.pk, day, False) not in existing
                and not (employee.joined_on and day < employee.joined_on)
            ]
            if missing:
                plan = _quarter_plan(
                    number=entry.number,
                    quarter=quarter,
                    profile=profile,
                    kind=kind,
                    weekday=weekday,
                )
                for day in missing:
                    add(employee, day, False, heads[entry.department.name], plan[day])
            spot_day = spot_checks.get(entry.number)
            if (
                spot_day
                and spot_day <= yesterday
                and not (employee.joined_on and spot_day < employee.joined_on)
                and (employee.pk, spot_day, True) not in existing
            ):
                rng = random.Random(f"{entry.number}:{spot_day}:spot")
                add(
                    employee,
                    spot_day,
                    True,
                    office,
                    _sheet_generate(rng=rng, profile=profile, kind=kind),
                )
    started = timezone.now()
    DailySheet.objects.bulk_create(sheets, batch_size=SHEET_BATCH_SIZE, ignore_conflicts=True)
    _sheets_date_as_entered(
        employee_ids=[employee.pk for employee in employees.values()],
        days={sheet.day for sheet in sheets},
        since=started,
    )
    _sheet_criteria_add(sheet_criteria=sheet_criteria)
    return len(sheets)


def entered_at(day: datetime.date) -> datetime.datetime:
    """When the demo pretends `day`'s sheet was entered: 18:00 local time that day."""
    return timezone.make_aware(datetime.datetime.combine(day, ENTERED_AT))


def _sheets_date_as_entered(
    *, employee_ids: list[int], days: set[datetime.date], since: datetime.datetime
) -> None:
    """Stamp the sheets just added (created from `since` on) with their own day's evening.

    bulk_create stamps auto_now fields with the present moment whatever the
    object holds, so the stamps are set afterwards, in one UPDATE.
    """
    if not days:
        return
    stamp = Case(
        *(When(day=day, then=Value(entered_at(day))) for day in sorted(days)),
        output_field=DateTimeField(),
    )
    DailySheet.objects.filter(
        employee_id__in=employee_ids, day__in=days, created_at__gte=since
    ).update(created_at=stamp, updated_at=stamp)


def _sheet_criteria_add(
    *, sheet_criteria: dict[tuple[int, datetime.date, bool], list[int]]
) -> None:
    if not sheet_criteria:
        return
    days = [day for _employee, day, _spot in sheet_criteria]
    ids = {
        (employee_id, day, spot): pk
        for pk, employee_id, day, spot in DailySheet.objects.filter(
            employee_id__in={employee for employee, _day, _spot in sheet_criteria},
            day__range=(min(days), max(days)),
        ).values_list("pk", "employee_id", "day", "is_spot_check")
    }
    through = DailySheet.criteria.through
    through.objects.bulk_create(
        [
            through(dailysheet_id=ids[key], criterion_id=criterion_id)
            for key, criterion_ids in sheet_criteria.items()
            for criterion_id in criterion_ids
        ],
        batch_size=SHEET_BATCH_SIZE,
        ignore_conflicts=True,
    )
