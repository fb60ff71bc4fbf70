"""Reads behind the days sheets and events may be dated (rules.md section 4, "dates").

Every entry path asks here (the services of sheets and events, the imports, the
day grid), so one rule, `appraisal.rules.date_problem`, and one wording decide.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from appraisal.models import CompanySettings
from appraisal.rules import DateProblem, date_problem, earliest_day


def company_start_date() -> datetime.date | None:
    """The company's start date as the office set it, or None while it is not set."""
    return CompanySettings.objects.filter(pk=1).values_list("start_date", flat=True).first()


@dataclass(frozen=True)
class EntryDays:
    """The days sheets and events may be dated: from `earliest` to `today`."""

    start: datetime.date | None
    today: datetime.date

    @property
    def earliest(self) -> datetime.date:
        return earliest_day(self.start, self.today)

    def problem(self, day: datetime.date) -> str:
        """Why nothing may be dated `day`, naming the day and the range; "" when it may."""
        problem = date_problem(day, start=self.start, today=self.today)
        values = {
            "day": day.isoformat(),
            "earliest": self.earliest.isoformat(),
            "today": self.today.isoformat(),
        }
        if problem == DateProblem.FUTURE:
            return (
                _(
                    "%(day)s is still to come: sheets and events are dated from "
                    "%(earliest)s to today (%(today)s)."
                )
                % values
            )
        if problem == DateProblem.TOO_EARLY and self.start is not None:
            return (
                _(
                    "%(day)s is before the company's start date %(earliest)s: sheets and "
                    "events are dated from %(earliest)s to today (%(today)s)."
                )
                % values
            )
        if problem == DateProblem.TOO_EARLY:
            return (
                _(
                    "%(day)s is too long ago: sheets and events are dated from %(earliest)s "
                    "to today (%(today)s) until the appraisal office sets the company's "
                    "start date."
                )
                % values
            )
        return ""


def entry_days(*, today: datetime.date | None = None) -> EntryDays:
    """The range of days accepted today (one query, for an import's many rows)."""
    return EntryDays(start=company_start_date(), today=today or timezone.localdate())


def entry_day_problem(day: datetime.date) -> str:
    """Why nothing may be dated `day` ("" when it may)."""
    return entry_days().problem(day)
