"""The pure rules of the daily sheet: score checks, day totals, averages, bands."""

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from appraisal.rules import (
    CATEGORY_MAX,
    Category,
    Disqualification,
    ScoreBand,
    ScoreProblem,
    average_from_sum,
    average_of_totals,
    day_total,
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


# --- The quarter's outcome and calendar (rules.md sections 3 to 6) -----------------

from datetime import timedelta  # noqa: E402
from types import SimpleNamespace  # noqa: E402

from appraisal.rules import (  # noqa: E402
    DISQUALIFIES_NEXT_QUARTER,
    DISQUALIFIES_THIS_QUARTER,
    EventFact,
    EventTally,
    NotAppraised,
    QuarterId,
    Reason,
    Tier,
    add_months,
    award_for,
    disqualifications,
    final_from,
    may_close,
    may_finalize,
    not_appraised_reason,
    notice_end,
    notice_over,
    payout_month,
    quarter_outcome,
    tally_events,
    tier_of,
)

Q3 = QuarterId(2026, 3)


def outcome_rules(**overrides):
    """The company defaults of rules.md, as a RuleSettings row would carry them."""
    values = {
        "best_min": D("95"),
        "ambassador_min": D("90"),
        "style_min": D("85"),
        "training_below": D("80"),
        "best_award": D("500"),
        "ambassador_award": D("300"),
        "style_award": D("200"),
        "monthly_deduction_limit": D("15"),
        "praise_points": D("10"),
        "badge_not_worn_points": D("5"),
        "badge_lost_points": D("2"),
    }
    values.update({key: D(str(value)) for key, value in overrides.items()})
    return SimpleNamespace(**values)


RULES = outcome_rules()


def fact(day, kind, validity="valid", points=None, amount="0"):
    return EventFact(
        day=day,
        kind=kind,
        validity=validity,
        points=None if points is None else D(str(points)),
        amount=D(str(amount)),
    )


@pytest.mark.parametrize(
    ("final", "tier", "training"),
    [
        ("100.50", Tier.BEST, False),
        ("95.00", Tier.BEST, False),
        ("94.99", Tier.AMBASSADOR, False),
        ("90", Tier.AMBASSADOR, False),
        ("89.99", Tier.STYLE, False),
        ("85", Tier.STYLE, False),
        ("84.99", Tier.NONE, False),
        ("80", Tier.NONE, False),
        ("79.99", Tier.NONE, True),
        ("0", Tier.NONE, True),
    ],
)
def test_tier_of_uses_half_open_intervals_and_training_is_below_80(final, tier, training):
    assert tier_of(D(final), RULES) == tier
    outcome = quarter_outcome(
        days=1, total=D(final), tallies=[], award_badge_lost_before=False, rules=RULES
    )
    assert (outcome.score_tier, outcome.award_tier, outcome.training) == (tier, tier, training)


def test_tier_of_follows_the_quarters_thresholds():
    rules = outcome_rules(best_min="92", ambassador_min="88")

    assert tier_of(D("92"), rules) == Tier.BEST
    assert tier_of(D("91.99"), rules) == Tier.AMBASSADOR
    assert tier_of(D("87.99"), rules) == Tier.STYLE


def test_award_for_each_tier():
    assert [award_for(tier, RULES) for tier in Tier] == [D("500"), D("300"), D("200"), D("0")]


def test_tally_events_keeps_only_valid_events_of_the_quarter():
    events = [
        fact(date(2026, 7, 1), "praise_letter"),
        fact(date(2026, 7, 20), "praise_letter", points="5", amount="100"),
        fact(date(2026, 7, 21), "praise_letter", validity="pending"),
        fact(date(2026, 7, 22), "praise_letter", validity="invalid"),
        fact(date(2026, 6, 30), "praise_letter"),
        fact(date(2026, 10, 1), "praise_letter"),
        fact(date(2025, 8, 1), "praise_letter"),  # same month, another year
        fact(date(2026, 9, 30), "monthly_deduction", points="3", amount="-30"),
    ]

    assert tally_events(events, Q3) == [
        EventTally(kind="monthly_deduction", month=9, count=1, points=D("3"), fines=D("30")),
        EventTally(
            kind="praise_letter",
            month=7,
            count=2,
            points=D("5"),
            blank_points=1,
            rewards=D("100"),
        ),
    ]


def test_tally_events_of_nothing_is_empty():
    assert tally_events([fact(date(2026, 7, 1), "pennant", validity="pending")], Q3) == []


def test_exactly_15_deduction_points_in_one_month_disqualify():
    tallies = tally_events(
        [
            fact(date(2026, 8, 1), "monthly_deduction", points="10"),
            fact(date(2026, 8, 31), "monthly_deduction", points="5"),
        ],
        Q3,
    )

    assert disqualifications(tallies, award_badge_lost_before=False, rules=RULES) == [
        Disqualification(code=Reason.MONTHLY_DEDUCTIONS, month=8, points=D("15"))
    ]


def test_10_and_5_deduction_points_in_two_months_do_not_disqualify():
    tallies = tally_events(
        [
            fact(date(2026, 7, 31), "monthly_deduction", points="10"),
            fact(date(2026, 8, 1), "monthly_deduction", points="5"),
        ],
        Q3,
    )

    assert disqualifications(tallies, award_badge_lost_before=False, rules=RULES) == []


def test_14_5_deduction_points_in_a_month_do_not_disqualify():
    tallies = tally_events(
        [
            fact(date(2026, 9, 1), "monthly_deduction", points="12.5"),
            fact(date(2026, 9, 3), "award_badge_lost"),  # its default 2 points: 14.5
        ],
        Q3,
    )

    assert disqualifications(tallies, award_badge_lost_before=False, rules=RULES) == []
    assert (
        disqualifications(
            tally_events([fact(date(2026, 9, 1), "monthly_deduction", points="14.5")], Q3),
            award_badge_lost_before=False,
            rules=RULES,
        )
        == []
    )


def test_badge_defaults_count_toward_the_months_deductions():
    tallies = tally_events(
        [
            fact(date(2026, 7, 1), "badge_not_worn"),
            fact(date(2026, 7, 2), "badge_not_worn"),
            fact(date(2026, 7, 3), "award_badge_lost"),
            fact(date(2026, 7, 4), "monthly_deduction", points="3"),
        ],
        Q3,
    )

    assert disqualifications(tallies, award_badge_lost_before=False, rules=RULES) == [
        Disqualification(code=Reason.MONTHLY_DEDUCTIONS, month=7, points=D("15"))
    ]


def test_every_disqualification_reason_is_listed():
    tallies = tally_events(
        [
            fact(date(2026, 7, 1), "wechat_complaint"),
            fact(date(2026, 8, 1), "wechat_complaint"),
            fact(date(2026, 7, 5), "group_complaint"),
            fact(date(2026, 7, 6), "company_complaint"),
            fact(date(2026, 7, 7), "internal_complaint"),
            fact(date(2026, 9, 9), "work_badge_lost", amount="-200"),
            fact(date(2026, 9, 10), "monthly_deduction", points="13"),
        ],
        Q3,
    )

    reasons = disqualifications(tallies, award_badge_lost_before=True, rules=RULES)

    assert [reason.as_json() for reason in reasons] == [
        {"code": "company_complaint", "count": 1},
        {"code": "group_complaint", "count": 1},
        {"code": "internal_complaint", "count": 1},
        {"code": "wechat_complaint", "count": 2},
        {"code": "work_badge_lost", "count": 1},
        {"code": "monthly_deductions", "month": 9, "points": "15.0"},
        {"code": "award_badge_lost_previous_quarter"},
    ]


def test_an_award_badge_lost_disqualifies_only_the_next_quarter():
    assert "award_badge_lost" not in DISQUALIFIES_THIS_QUARTER
    assert "award_badge_lost" in DISQUALIFIES_NEXT_QUARTER
    tallies = tally_events([fact(date(2026, 7, 1), "award_badge_lost", amount="-200")], Q3)

    assert disqualifications(tallies, award_badge_lost_before=False, rules=RULES) == []
    assert [d.code for d in disqualifications([], award_badge_lost_before=True, rules=RULES)] == [
        Reason.AWARD_BADGE_LOST_PREVIOUS
    ]


def test_praise_lifts_the_final_score_across_a_tier():
    tallies = tally_events(
        [fact(date(2026, 7, 1), "pennant"), fact(date(2026, 8, 1), "wechat_praise", points="2")],
        Q3,
    )

    outcome = quarter_outcome(
        days=3, total=D("250.5"), tallies=tallies, award_badge_lost_before=False, rules=RULES
    )

    # 250.5 / 3 = 83.50; + 10 + 2 = 95.50
    assert (outcome.average, outcome.bonus, outcome.final) == (D("83.50"), D("12.00"), D("95.50"))
    assert (outcome.score_tier, outcome.award_tier, outcome.award_amount) == (
        Tier.BEST,
        Tier.BEST,
        D("500.00"),
    )
    assert not outcome.disqualified


def test_rewards_and_negative_amounts_as_fines_and_the_net():
    tallies = tally_events(
        [
            fact(date(2026, 7, 1), "praise_letter", amount="150"),
            fact(date(2026, 7, 2), "monthly_deduction", points="1", amount="-20.5"),
            fact(date(2026, 8, 2), "award_badge_lost", amount="-200"),
        ],
        Q3,
    )

    outcome = quarter_outcome(
        days=1, total=D("80"), tallies=tallies, award_badge_lost_before=False, rules=RULES
    )

    assert (outcome.final, outcome.award_tier) == (D("90.00"), Tier.AMBASSADOR)
    assert (outcome.rewards, outcome.fines) == (D("150.00"), D("220.50"))
    assert outcome.net_amount == D("229.50")  # 300 + 150 − 220.50


def test_training_applies_while_disqualified_and_no_award_is_paid():
    tallies = tally_events([fact(date(2026, 7, 1), "group_complaint", amount="-500")], Q3)

    outcome = quarter_outcome(
        days=2, total=D("150"), tallies=tallies, award_badge_lost_before=False, rules=RULES
    )

    assert (outcome.final, outcome.training, outcome.disqualified) == (D("75.00"), True, True)
    assert (outcome.award_tier, outcome.award_amount, outcome.net_amount) == (
        Tier.NONE,
        D("0.00"),
        D("-500.00"),
    )


def test_a_disqualified_best_score_keeps_its_score_tier_without_the_award():
    tallies = tally_events([fact(date(2026, 7, 1), "wechat_complaint")], Q3)

    outcome = quarter_outcome(
        days=1, total=D("99"), tallies=tallies, award_badge_lost_before=False, rules=RULES
    )

    assert (outcome.score_tier, outcome.award_tier, outcome.award_amount) == (
        Tier.BEST,
        Tier.NONE,
        D("0.00"),
    )


def test_the_bonus_has_no_cap_and_the_final_may_exceed_100():
    tallies = tally_events([fact(date(2026, 7, d), "praise_letter") for d in range(1, 6)], Q3)

    outcome = quarter_outcome(
        days=1, total=D("100"), tallies=tallies, award_badge_lost_before=False, rules=RULES
    )

    assert (outcome.bonus, outcome.final, outcome.score_tier) == (
        D("50.00"),
        D("150.00"),
        Tier.BEST,
    )


def test_an_outcome_needs_at_least_one_day():
    with pytest.raises(ValueError):
        quarter_outcome(
            days=0, total=D("0"), tallies=[], award_badge_lost_before=False, rules=RULES
        )


def test_the_outcomes_money_and_scores_have_two_decimals():
    outcome = quarter_outcome(
        days=3, total=D("284.9"), tallies=[], award_badge_lost_before=False, rules=RULES
    )

    assert outcome.average == D("94.97")
    for value in (outcome.average, outcome.bonus, outcome.final, outcome.award_amount):
        assert value.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("published", "end"),
    [
        (date(2026, 10, 10), date(2026, 11, 10)),
        (date(2026, 1, 31), date(2026, 2, 28)),
        (date(2028, 1, 31), date(2028, 2, 29)),
        (date(2026, 11, 30), date(2026, 12, 30)),
        (date(2026, 12, 31), date(2027, 1, 31)),
        (date(2026, 3, 31), date(2026, 4, 30)),
        (date(2026, 8, 31), date(2026, 9, 30)),
    ],
)
def test_the_notice_ends_one_calendar_month_later_clamped(published, end):
    assert notice_end(published) == end


def test_a_notice_of_several_months():
    assert notice_end(date(2026, 12, 31), 2) == date(2027, 2, 28)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 11, 15), 2, date(2027, 1, 15)),
        (date(2026, 1, 15), -1, date(2025, 12, 15)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 10, 31), 14, date(2027, 12, 31)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2026, 5, 5), 0, date(2026, 5, 5)),
    ],
)
def test_add_months_across_year_ends(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("notice_ends", "month"),
    [
        (date(2026, 11, 10), date(2026, 12, 1)),
        (date(2026, 12, 31), date(2027, 1, 1)),
        (date(2026, 12, 1), date(2027, 1, 1)),
        (date(2027, 1, 31), date(2027, 2, 1)),
    ],
)
def test_the_payout_month_is_the_month_after_the_notice_ends(notice_ends, month):
    assert payout_month(notice_ends) == month


def test_a_quarter_may_be_final_from_the_day_after_the_notice_with_no_objection_pending():
    end = date(2026, 11, 10)

    assert final_from(end) == date(2026, 11, 11)
    assert not may_finalize(notice_ends_on=end, today=end, pending_objections=0)
    assert may_finalize(notice_ends_on=end, today=end + timedelta(days=1), pending_objections=0)
    assert may_finalize(notice_ends_on=end, today=date(2027, 3, 1), pending_objections=0)
    assert not may_finalize(notice_ends_on=end, today=date(2026, 11, 11), pending_objections=1)
    assert final_from(date(2026, 12, 31)) == date(2027, 1, 1)


def test_the_notice_is_over_from_the_day_after_its_last_day():
    end = date(2026, 11, 10)

    assert not notice_over(notice_ends_on=end, today=date(2026, 10, 10))
    assert not notice_over(notice_ends_on=end, today=end)
    assert notice_over(notice_ends_on=end, today=date(2026, 11, 11))


def test_a_quarter_may_close_from_its_last_day_or_when_forced():
    assert not may_close(Q3, today=date(2026, 9, 29))
    assert may_close(Q3, today=date(2026, 9, 30))
    assert may_close(Q3, today=date(2027, 1, 1))
    assert may_close(Q3, today=date(2026, 7, 1), force=True)
    assert may_close(QuarterId(2026, 4), today=date(2026, 12, 31))
    assert not may_close(QuarterId(2026, 4), today=date(2026, 12, 30))


@pytest.mark.parametrize(
    ("is_supervisor", "days", "reason"),
    [
        (True, 60, NotAppraised.SUPERVISOR),
        (True, 0, NotAppraised.SUPERVISOR),
        (False, 0, NotAppraised.NO_SHEETS),
        (False, 1, None),
    ],
)
def test_not_appraised_reason(is_supervisor, days, reason):
    assert not_appraised_reason(is_supervisor=is_supervisor, days=days) == reason


def test_quarter_ids_across_year_ends():
    assert QuarterId(2026, 4).next() == QuarterId(2027, 1)
    assert QuarterId(2027, 1).previous() == QuarterId(2026, 4)
    assert QuarterId(2026, 4).last_day == date(2026, 12, 31)
    assert QuarterId(2026, 1).last_day == date(2026, 3, 31)
    assert QuarterId.parse(" 2026q3 ") == Q3
    assert QuarterId.of(date(2026, 9, 30)) == Q3
    with pytest.raises(ValueError):
        QuarterId.parse("2026Q0")


@pytest.mark.parametrize(
    ("kind", "amount", "expected"),
    [
        ("work_badge_lost", None, Decimal("-200")),
        ("award_badge_lost", None, Decimal("-150")),
        ("work_badge_lost", Decimal("-50"), Decimal("-50")),
        ("pennant", None, Decimal("0")),
        ("pennant", Decimal("100"), Decimal("100")),
    ],
)
def test_an_events_amount_is_its_own_or_a_lost_badges_fine(kind, amount, expected):
    from types import SimpleNamespace

    from appraisal.rules import event_amount

    rules = SimpleNamespace(work_badge_fine=Decimal("200"), award_badge_fine=Decimal("150"))

    assert event_amount(kind, amount, rules) == expected


def test_a_disqualification_reads_back_only_what_it_wrote():
    written = Disqualification(code="monthly_deductions", month=7, points=Decimal("15"))

    assert Disqualification.from_json(written.as_json()) == Disqualification(
        code="monthly_deductions", month=7, points=Decimal("15.0")
    )
    assert Disqualification.from_json({"code": "x", "detail": "d"}) is None
    assert Disqualification.from_json({"count": 2}) is None
    assert Disqualification.from_json({"code": "x", "count": "many"}) is None
    assert Disqualification.from_json("月度扣分满15分") is None
