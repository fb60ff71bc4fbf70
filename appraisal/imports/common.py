"""What both imports share: batch sizes, people, days and quarters of the rows."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _

from appraisal.models import Quarter
from appraisal.rules import QuarterId
from appraisal.selectors.dates import EntryDays
from appraisal.services import quarter_ensure, quarter_locked_reason
from employees.models import Employee
from spreadsheets import CellError, Problems, Row, chunks, parse_date, parse_text

# Rows per INSERT: large enough to amortise the round trip, small enough for
# SQLite's and PostgreSQL's parameter limits (Django splits further if needed).
BATCH = 2000
# Employee numbers per IN (...) lookup.
LOOKUP_BATCH = 500


def _cell_problem(header: str, problem: object) -> str:
    return _("%(column)s: %(problem)s") % {"column": header, "problem": problem}


def _import_reason(name: str) -> str:
    return _("Imported from %(file)s") % {"file": name}


# --- Checks both imports make ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Person:
    pk: int
    is_supervisor: bool


def _people(numbers: Iterable[str]) -> dict[str, _Person]:
    wanted = sorted(set(numbers))
    return {
        number: _Person(pk, is_supervisor)
        for batch in chunks(wanted, LOOKUP_BATCH)
        for number, pk, is_supervisor in Employee.objects.filter(number__in=batch).values_list(
            "number", "pk", "is_supervisor"
        )
    }


def _employee_and_day(
    row: Row,
    problems: Problems,
    people: Mapping[str, _Person],
    days: EntryDays,
    *,
    dates: dict[tuple[type, object], tuple[datetime.date | None, str]] | None = None,
) -> tuple[str | None, _Person | None, datetime.date | None]:
    """The row's 工号, employee and date, each None (with the problem noted) when unusable.

    `dates`, when given, keeps each distinct date cell's day and problem for the
    next rows (a big file has few distinct dates).
    """
    person = day = None
    try:
        number = parse_text(row["工号"])
    except CellError as exc:
        problems.add(row.number, _cell_problem("工号", exc))
        number = None
    if number == "":
        problems.add(row.number, _("%(column)s is empty.") % {"column": "工号"})
        number = None
    elif number is not None:
        person = people.get(number)
        if person is None:
            problems.add(
                row.number,
                _("employee number %(number)s does not exist.") % {"number": number},
            )
        elif person.is_supervisor:
            problems.add(
                row.number,
                _("employee %(number)s is a supervisor or above and is not appraised.")
                % {"number": number},
            )
            person = None
    try:
        value = row["日期"]
        key = (value.__class__, value)
        known = dates.get(key) if dates is not None else None
        if known is None:
            parsed = parse_date(value)
            known = (parsed, "" if parsed is None else days.problem(parsed))
            if dates is not None:
                dates[key] = known
        day, problem = known
        if day is None:
            problems.add(row.number, _("%(column)s is empty.") % {"column": "日期"})
        elif problem:
            # A refused day never reaches quarter_ensure: no quarter from a typo.
            problems.add(row.number, problem)
            day = None
    except CellError as exc:
        problems.add(row.number, _cell_problem("日期", exc))
    return number, person, day


def _lock_open_quarters(days: Iterable[datetime.date]) -> dict[QuarterId, Quarter]:
    """The quarters of `days`, created when new and row-locked in a fixed order.

    The locks are held until the import commits, so a quarter cannot be closed
    between the check of its status and the write of its sheets; the fixed
    order keeps two imports from deadlocking on each other.
    """
    qids = sorted({QuarterId.of(day) for day in set(days)})
    pks = [quarter_ensure(qid=qid).pk for qid in qids]
    locked = Quarter.objects.select_for_update().filter(pk__in=pks).order_by("year", "number")
    return {quarter.qid: quarter for quarter in locked}


def _check_quarter(
    row: int, day: datetime.date, quarters: Mapping[QuarterId, Quarter], problems: Problems
) -> bool:
    quarter = quarters[QuarterId.of(day)]
    if quarter.is_locked:
        problems.add(row, quarter_locked_reason(day=day, quarter=quarter))
        return False
    return True


def _numbers(rows: Iterable[Row]) -> list[str]:
    numbers = []
    for row in rows:
        try:
            numbers.append(parse_text(row["工号"]))
        except CellError:
            continue  # reported with the row
    return numbers
