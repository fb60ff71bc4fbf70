"""The days sheets and events may be dated (rules.md 4, "dates")."""

from __future__ import annotations

from datetime import date
from enum import StrEnum


class DateProblem(StrEnum):
    """Why a sheet or an event cannot be dated on a day."""

    TOO_EARLY = "too_early"
    FUTURE = "future"


def earliest_day(start_date: date | None, today: date) -> date:
    """The first day a sheet or an event may be dated.

    The company's start date once the office has set it; until then 1 January
    of the previous calendar year, so that a typo (1900, 2019) is refused
    rather than creating a quarter years ago.
    """
    if start_date is not None:
        return start_date
    return date(today.year - 1, 1, 1)


def date_problem(day: date, *, start: date | None, today: date) -> DateProblem | None:
    """What is wrong with dating a sheet or an event `day`, or None when it is fine.

    Accepted: from `earliest_day(start, today)` to `today`, both included.
    """
    if day > today:
        return DateProblem.FUTURE
    if day < earliest_day(start, today):
        return DateProblem.TOO_EARLY
    return None
