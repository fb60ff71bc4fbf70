"""The daily sheet's categories and scores, day totals, averages and rounding (rules.md 2 and 5)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction


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


def check_one_decimal(value: Decimal) -> bool:
    """True when `value` has at most one decimal place (0.5-point deductions)."""
    return value == value.quantize(Decimal("0.1"))


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
