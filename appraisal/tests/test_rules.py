"""The pure rules of the daily sheet: score checks, day totals, averages, bands."""

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from appraisal.rules import (
    CATEGORY_MAX,
    Category,
    ScoreBand,
    ScoreProblem,
    average_from_sum,
    average_of_totals,
    day_total,
    effective_by_day,
    full_marks,
    round_half_up,
    score_band,
    score_problem,
)

D = Decimal
DAY1, DAY2, DAY3 = date(2026, 7, 1), date(2026, 7, 2), date(2026, 7, 3)
BANDS = {
    "best_min": D("95"),
    "ambassador_min": D("90"),
    "style_min": D("85"),
    "training_below": D("80"),
}


@pytest.mark.parametrize(
    ("category", "value", "problem"),
    [
        (Category.DISCIPLINE, D("0"), None),
        (Category.DISCIPLINE, D("20"), None),
        (Category.DISCIPLINE, D("19.5"), None),
        (Category.COURTESY, D("10.0"), None),
        (Category.SERVICE, D("47.5"), None),
        (Category.DISCIPLINE, D("20.1"), ScoreProblem.OUT_OF_RANGE),
        (Category.DISCIPLINE, D("25"), ScoreProblem.OUT_OF_RANGE),
        (Category.COURTESY, D("-0.5"), ScoreProblem.OUT_OF_RANGE),
        (Category.SERVICE, D("50.5"), ScoreProblem.OUT_OF_RANGE),
        (Category.MORALITY, D("NaN"), ScoreProblem.OUT_OF_RANGE),
        (Category.MORALITY, D("Infinity"), ScoreProblem.OUT_OF_RANGE),
        (Category.DISCIPLINE, D("19.55"), ScoreProblem.TOO_MANY_DECIMALS),
        (Category.SERVICE, D("0.25"), ScoreProblem.TOO_MANY_DECIMALS),
    ],
)
def test_score_problem_checks_range_and_one_decimal(category, value, problem):
    assert score_problem(category, value) == problem


def test_full_marks_are_the_category_maxima_and_total_100():
    marks = full_marks()

    assert marks == CATEGORY_MAX
    assert day_total(marks) == D("100")


def test_day_total_adds_the_four_categories():
    scores = {
        Category.DISCIPLINE: D("19.5"),
        Category.COURTESY: D("10"),
        Category.SERVICE: D("47.5"),
        Category.MORALITY: D("20"),
    }

    assert day_total(scores) == D("97.0")


def test_a_spot_check_replaces_that_days_department_total():
    totals = effective_by_day(
        [
            (DAY1, False, D("100")),
            (DAY1, True, D("90")),
            (DAY2, False, D("98")),
            (DAY3, True, D("95.5")),
        ]
    )

    assert totals == {DAY1: D("90"), DAY2: D("98"), DAY3: D("95.5")}


def test_spot_check_replaces_whatever_the_order_the_sheets_come_in():
    assert effective_by_day([(DAY1, True, D("90")), (DAY1, False, D("100"))]) == {DAY1: D("90")}


def test_quarter_average_uses_the_spot_check_instead_of_the_department_sheet():
    totals = effective_by_day(
        [(DAY1, False, D("100")), (DAY1, True, D("90")), (DAY2, False, D("95"))]
    )

    # (90 + 95) / 2, the replaced 100 does not count
    assert average_of_totals(totals.values()) == D("92.50")


def test_average_rounds_half_up_where_bankers_rounding_would_not():
    # 19 × 95 + 94.7 = 1899.7 over 20 days = 94.985 exactly: half-up gives 94.99.
    totals = [D("95")] * 19 + [D("94.7")]

    assert average_of_totals(totals) == D("94.99")


def test_average_of_94_995_rounds_up_to_95():
    totals = [D("95")] * 19 + [D("94.9")]

    assert average_of_totals(totals) == D("95.00")


def test_average_is_a_decimal_with_two_places_never_a_float():
    average = average_of_totals([D("100"), D("99.5"), D("98")])

    assert isinstance(average, Decimal)
    assert average == D("99.17")
    assert average.as_tuple().exponent == -2


def test_average_of_no_day_is_none():
    assert average_of_totals([]) is None
    assert average_from_sum(D("0"), 0) is None


def test_average_from_sum_matches_the_average_of_the_totals():
    totals = [D("97.5"), D("88"), D("91.5"), D("100")]

    assert average_from_sum(sum(totals, D("0")), len(totals)) == average_of_totals(totals)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (D("94.995"), D("95.00")),
        (D("94.994"), D("94.99")),
        (D("0.005"), D("0.01")),
        (Fraction(2, 3), D("0.67")),
        (D("-1.005"), D("-1.01")),
    ],
)
def test_round_half_up_is_exact(value, expected):
    assert round_half_up(value, 2) == expected


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (D("100"), ScoreBand.BEST),
        (D("95"), ScoreBand.BEST),
        (D("94.99"), ScoreBand.AMBASSADOR),
        (D("90"), ScoreBand.AMBASSADOR),
        (D("89.9"), ScoreBand.STYLE),
        (D("85"), ScoreBand.STYLE),
        (D("84.5"), ScoreBand.PASS),
        (D("80"), ScoreBand.PASS),
        (D("79.99"), ScoreBand.TRAINING),
        (D("0"), ScoreBand.TRAINING),
    ],
)
def test_score_band_uses_half_open_intervals(score, band):
    assert score_band(score, **BANDS) == band


def test_score_band_follows_the_thresholds_it_is_given():
    assert score_band(D("93"), **{**BANDS, "best_min": D("92")}) == ScoreBand.BEST


def test_every_event_kind_has_a_rule_and_only_one_effect():
    from appraisal.models import EventKind
    from appraisal.rules import COMPLAINT_KINDS, DEDUCTION_KINDS, PRAISE_KINDS

    assert set(EventKind.values) == PRAISE_KINDS | COMPLAINT_KINDS | DEDUCTION_KINDS
    assert not (PRAISE_KINDS & COMPLAINT_KINDS)
    assert not (PRAISE_KINDS & DEDUCTION_KINDS)
    assert not (COMPLAINT_KINDS & DEDUCTION_KINDS)


@pytest.mark.parametrize(
    ("kind", "points", "expected"),
    [
        ("praise_letter", None, Decimal("10")),
        ("wechat_praise", None, Decimal("10")),
        ("praise_letter", Decimal("5"), Decimal("5")),
        ("badge_not_worn", None, Decimal("5")),
        ("work_badge_lost", None, Decimal("2")),
        ("award_badge_lost", None, Decimal("2")),
        ("monthly_deduction", Decimal("7.5"), Decimal("7.5")),
        ("company_complaint", None, None),
    ],
)
def test_an_event_takes_its_kinds_default_points_when_blank(kind, points, expected):
    from types import SimpleNamespace

    from appraisal.rules import event_points

    rules = SimpleNamespace(
        praise_points=Decimal("10"),
        badge_not_worn_points=Decimal("5"),
        badge_lost_points=Decimal("2"),
    )

    assert event_points(kind, points, rules) == expected
