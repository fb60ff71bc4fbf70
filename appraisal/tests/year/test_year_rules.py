"""The year's pure rules (rules.md section 7)."""

from decimal import Decimal

from appraisal.rules import Tier, YearQuarter, star_candidate_problem, year_figures

D = Decimal


def test_the_year_average_is_the_half_up_mean_of_the_quarters_with_a_score():
    figures = year_figures(
        [YearQuarter(final=D("84.33")), YearQuarter(final=D("84.32")), YearQuarter(final=None)]
    )
    assert figures.average == D("84.33")  # 84.325 half-up, not banker's 84.32


def test_a_year_without_any_score_has_no_average():
    assert year_figures([YearQuarter(final=None)] * 4).average is None


def test_awards_and_money_count_only_settled_quarters():
    figures = year_figures(
        [
            YearQuarter(final=D("96"), award_tier=Tier.BEST, net=D("550"), settled=True),
            YearQuarter(final=D("91.5"), award_tier=Tier.AMBASSADOR, net=D("300"), settled=True),
            YearQuarter(final=D("86.25"), award_tier=Tier.STYLE, net=D("100"), settled=False),
            YearQuarter(final=None),
        ]
    )
    assert figures.average == D("91.25")
    assert figures.awards == {Tier.BEST: 1, Tier.AMBASSADOR: 1, Tier.STYLE: 0}
    assert figures.net == D("850.00")


def test_a_star_must_still_be_employed_and_hold_an_award():
    assert star_candidate_problem(awards_in_year=2, has_left=True) == "left"
    assert star_candidate_problem(awards_in_year=0, has_left=False) == "no_award"
    assert star_candidate_problem(awards_in_year=1, has_left=False) is None
