"""The appraisal rules (shared/spec/rules.md) as pure, typed functions.

Nothing here touches the ORM: callers pass plain values in and get plain values
back, so every rule can be tested in isolation. Numbers that the appraisal
office may change per quarter are *not* here; they live in `RuleSettings` rows
and are passed in. What is here is fixed by the measures themselves: the four
categories of the daily sheet and their maxima, and the calendar arithmetic of
quarters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum


class Category(StrEnum):
    DISCIPLINE = "discipline"
    COURTESY = "courtesy"
    SERVICE = "service"
    MORALITY = "morality"


# The category maxima sum to 100 and are fixed by the measures; the database
# constraints on DailySheet are generated from this table.
CATEGORY_MAX: dict[Category, Decimal] = {
    Category.DISCIPLINE: Decimal("20"),
    Category.COURTESY: Decimal("10"),
    Category.SERVICE: Decimal("50"),
    Category.MORALITY: Decimal("20"),
}
FULL_MARKS = sum(CATEGORY_MAX.values(), Decimal("0"))

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


def check_one_decimal(value: Decimal) -> bool:
    """True when `value` has at most one decimal place (0.5-point deductions)."""
    return value == value.quantize(Decimal("0.1"))
