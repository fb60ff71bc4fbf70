"""The calendar of quarters: codes, closing, the appraisal day, the notice and payout dates (rules.md 5 and 6)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

_QUARTER_CODE = re.compile(r"^(?P<year>\d{4})Q(?P<number>[1-4])$")


@dataclass(frozen=True, order=True)
class QuarterId:
    """A calendar quarter, written `2026Q3` (1 July – 30 September 2026)."""

    year: int
    number: int

    @classmethod
    def parse(cls, code: str) -> QuarterId:
        match = _QUARTER_CODE.match(code.strip().upper())
        if not match:
            raise ValueError(f"{code!r} is not a quarter; write it like 2026Q3")
        return cls(int(match["year"]), int(match["number"]))

    @classmethod
    def of(cls, day: date) -> QuarterId:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def code(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> date:
        return self.next().first_day - timedelta(days=1)

    def next(self) -> QuarterId:
        if self.number == 4:
            return QuarterId(self.year + 1, 1)
        return QuarterId(self.year, self.number + 1)

    def previous(self) -> QuarterId:
        if self.number == 1:
            return QuarterId(self.year - 1, 4)
        return QuarterId(self.year, self.number - 1)

    def __str__(self) -> str:
        return self.code


def may_close(quarter: QuarterId, *, today: date, force: bool = False) -> bool:
    """A quarter closes from its last day on; `force` closes it early (corrections, tests)."""
    return force or today >= quarter.last_day


def appraisal_day(quarter: QuarterId, *, closed_on: date | None = None) -> date:
    """The day on which an employee must still be employed to be appraised.

    The quarter's last day; or, for a close before it, the day of that close,
    which ends the quarter's entry (rules.md section 5, "Decision (who)").
    """
    if closed_on is not None and closed_on < quarter.last_day:
        return closed_on
    return quarter.last_day


# --- From the list to the money (rules.md section 6) -----------------------------


def add_months(day: date, months: int) -> date:
    """`day` plus whole calendar months, clamped at the month's end (31 Jan + 1 → 28 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def notice_end(published_on: date, months: int = 1) -> date:
    """The last day of the public notice: the publishing date plus `months`, that day included."""
    return add_months(published_on, months)


def final_from(notice_ends_on: date) -> date:
    """The first day the quarter can be final: the day after the notice ends."""
    return notice_ends_on + timedelta(days=1)


def payout_month(notice_ends_on: date) -> date:
    """The first day of the month the bonus is paid in: the month after the notice ends."""
    return add_months(notice_ends_on.replace(day=1), 1)


def notice_over(*, notice_ends_on: date, today: date) -> bool:
    """Whether the public notice has ended by `today`: its last day is included."""
    return today >= final_from(notice_ends_on)


def may_finalize(*, notice_ends_on: date, today: date, pending_objections: int) -> bool:
    """Final from the day after the notice ends, and only with no objection pending."""
    return today >= final_from(notice_ends_on) and pending_objections == 0
