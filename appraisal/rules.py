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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Protocol, TypeVar


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


T = TypeVar("T")

# --- The daily sheet -----------------------------------------------------------

TENTH = Decimal("0.1")
HUNDREDTH = Decimal("0.01")


class ScoreProblem(StrEnum):
    """Why a category score cannot be saved."""

    OUT_OF_RANGE = "out_of_range"
    TOO_MANY_DECIMALS = "too_many_decimals"


def score_problem(category: Category, value: Decimal) -> ScoreProblem | None:
    """What is wrong with `value` as the score of `category`, or None when it is fine.

    A score lies between 0 and the category's maximum and has at most one
    decimal place (rules.md section 2).
    """
    if not value.is_finite() or value < 0 or value > CATEGORY_MAX[category]:
        return ScoreProblem.OUT_OF_RANGE
    if not check_one_decimal(value):
        return ScoreProblem.TOO_MANY_DECIMALS
    return None


def full_marks() -> dict[Category, Decimal]:
    """The scores a sheet is pre-filled with: every category at its maximum."""
    return dict(CATEGORY_MAX)


def day_total(scores: Mapping[Category, Decimal]) -> Decimal:
    """The day's total: the sum of the four category scores (0–100)."""
    return sum((scores[category] for category in Category), Decimal("0"))


def effective_by_day(sheets: Iterable[tuple[date, bool, T]]) -> dict[date, T]:
    """What counts for each day, from `(day, is_spot_check, value)` triples.

    Where the appraisal office recorded a spot check, its value (a total, or
    the sheet itself) replaces the department's sheet of that day (rules.md
    section 2); otherwise the department's counts. Days without a sheet are
    simply absent.
    """
    department: dict[date, T] = {}
    spot: dict[date, T] = {}
    for day, is_spot_check, value in sheets:
        (spot if is_spot_check else department)[day] = value
    return {**department, **spot}


def round_half_up(value: Decimal | Fraction, places: int = 2) -> Decimal:
    """`value` rounded half-up to `places` decimals, exactly (no float on the way)."""
    exact = Fraction(value)
    scale = 10**places
    scaled = exact * scale
    sign = -1 if scaled < 0 else 1
    whole, remainder = divmod(abs(scaled.numerator), scaled.denominator)
    if 2 * remainder >= scaled.denominator:
        whole += 1
    return (Decimal(sign * whole) / scale).quantize(Decimal(1).scaleb(-places))


def average_from_sum(total: Decimal, days: int) -> Decimal | None:
    """The mean of `days` daily totals that add up to `total`, half-up to 2 places.

    None when there is no day: an employee without sheets has no average.
    """
    if days <= 0:
        return None
    return round_half_up(Fraction(total) / days, 2)


def average_of_totals(totals: Iterable[Decimal]) -> Decimal | None:
    """The mean of the daily totals, half-up to 2 places; None for no day."""
    values = list(totals)
    return average_from_sum(sum(values, Decimal("0")), len(values))


class ScoreBand(StrEnum):
    """Colour bands of a score, named after the tier it would reach (rules.md section 5)."""

    BEST = "best"
    AMBASSADOR = "ambassador"
    STYLE = "style"
    PASS = "pass"
    TRAINING = "training"


def score_band(
    score: Decimal,
    *,
    best_min: Decimal,
    ambassador_min: Decimal,
    style_min: Decimal,
    training_below: Decimal,
) -> ScoreBand:
    """The band of `score` with half-open intervals, as the tiers are cut."""
    if score >= best_min:
        return ScoreBand.BEST
    if score >= ambassador_min:
        return ScoreBand.AMBASSADOR
    if score >= style_min:
        return ScoreBand.STYLE
    if score >= training_below:
        return ScoreBand.PASS
    return ScoreBand.TRAINING


# --- Events (rules.md sections 3 and 4) ------------------------------------------
# Kinds are the string values of `appraisal.models.EventKind`; a test keeps the
# two in step.

PRAISE_KINDS = frozenset({"praise_letter", "pennant", "company_commendation", "wechat_praise"})
COMPLAINT_KINDS = frozenset(
    {"group_complaint", "company_complaint", "internal_complaint", "wechat_complaint"}
)
# Kinds whose points are monthly deduction points (rules.md section 3).
DEDUCTION_KINDS = frozenset(
    {"monthly_deduction", "badge_not_worn", "work_badge_lost", "award_badge_lost"}
)
DISQUALIFIES_THIS_QUARTER = COMPLAINT_KINDS | {"work_badge_lost"}
DISQUALIFIES_NEXT_QUARTER = frozenset({"award_badge_lost"})


class PointRules(Protocol):
    """The point settings of a quarter (a `RuleSettings` row fits)."""

    praise_points: Decimal
    badge_not_worn_points: Decimal
    badge_lost_points: Decimal


def event_points(kind: str, points: Decimal | None, rules: PointRules) -> Decimal | None:
    """The points an event carries: its own, or its kind's rule default when blank.

    Praise points are added to the final score; deduction points count toward
    the month's deduction total. Complaints carry no points.
    """
    if points is not None:
        return points
    if kind in PRAISE_KINDS:
        return rules.praise_points
    if kind == "badge_not_worn":
        return rules.badge_not_worn_points
    if kind in {"work_badge_lost", "award_badge_lost"}:
        return rules.badge_lost_points
    return None
