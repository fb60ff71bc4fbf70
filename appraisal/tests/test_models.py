"""The database refuses what the rules forbid, even when a write bypasses the validators.

Imports, bulk updates and raw SQL skip `full_clean`; the check constraints are
the last line of defence, so every test here runs on SQLite and PostgreSQL.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from appraisal.models import (
    AwardTier,
    DailySheet,
    Event,
    EventKind,
    Quarter,
    QuarterResult,
    RuleSettings,
)
from appraisal.rules import CATEGORY_MAX, Category
from appraisal.tests.factories import (
    DailySheetFactory,
    EventFactory,
    QuarterFactory,
    QuarterResultFactory,
)
from employees.tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db

CATEGORIES = [pytest.param(category, id=category.value) for category in Category]


def out_of_range(category: Category) -> list[Decimal]:
    return [Decimal("-0.5"), CATEGORY_MAX[category] + Decimal("0.5")]


def full_marks(**overrides: object) -> dict[str, object]:
    return {**{c.value: CATEGORY_MAX[c] for c in Category}, **overrides}


# --- Daily sheet scores -------------------------------------------------------


@pytest.mark.parametrize("category", CATEGORIES)
@pytest.mark.parametrize("where", ["below_zero", "above_max"])
def test_bulk_create_refuses_a_score_out_of_its_category_range(category, where):
    below, above = out_of_range(category)
    value = below if where == "below_zero" else above
    sheet = DailySheetFactory.build(
        employee=EmployeeFactory(), **full_marks(**{category.value: value})
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        DailySheet.objects.bulk_create([sheet])

    assert not DailySheet.objects.exists()


@pytest.mark.parametrize("category", CATEGORIES)
@pytest.mark.parametrize("where", ["below_zero", "above_max"])
def test_queryset_update_refuses_a_score_out_of_its_category_range(category, where):
    below, above = out_of_range(category)
    value = below if where == "below_zero" else above
    sheet = DailySheetFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        DailySheet.objects.filter(pk=sheet.pk).update(**{category.value: value})

    sheet.refresh_from_db()
    assert getattr(sheet, category.value) == CATEGORY_MAX[category]


def test_bulk_create_accepts_zero_in_every_category():
    DailySheet.objects.bulk_create(
        [DailySheetFactory.build(employee=EmployeeFactory(), **{c.value: 0 for c in Category})]
    )

    assert DailySheet.objects.get().total == 0


def test_bulk_create_accepts_the_maximum_in_every_category():
    DailySheet.objects.bulk_create(
        [DailySheetFactory.build(employee=EmployeeFactory(), **full_marks())]
    )

    assert DailySheet.objects.get().total == 100


@pytest.mark.parametrize("category", CATEGORIES)
def test_queryset_update_accepts_the_boundaries_of_each_category(category):
    sheet = DailySheetFactory()

    DailySheet.objects.filter(pk=sheet.pk).update(**{category.value: 0})
    sheet.refresh_from_db()
    assert getattr(sheet, category.value) == 0

    DailySheet.objects.filter(pk=sheet.pk).update(**{category.value: CATEGORY_MAX[category]})
    sheet.refresh_from_db()
    assert getattr(sheet, category.value) == CATEGORY_MAX[category]


def test_a_half_point_deduction_is_stored_exactly():
    sheet = DailySheetFactory(courtesy=Decimal("9.5"))

    sheet.refresh_from_db()

    assert sheet.courtesy == Decimal("9.5")
    assert sheet.total == Decimal("99.5")


@pytest.mark.parametrize("category", CATEGORIES)
def test_full_clean_refuses_a_score_with_two_decimals(category):
    sheet = DailySheetFactory.build(
        employee=EmployeeFactory(),
        **full_marks(**{category.value: CATEGORY_MAX[category] - Decimal("0.45")}),
    )

    with pytest.raises(ValidationError) as excinfo:
        sheet.full_clean()

    assert set(excinfo.value.message_dict) == {category.value}


def test_full_clean_refuses_nineteen_point_five_five():
    sheet = DailySheetFactory.build(employee=EmployeeFactory(), discipline=Decimal("19.55"))

    with pytest.raises(ValidationError) as excinfo:
        sheet.full_clean()

    assert "discipline" in excinfo.value.message_dict


@pytest.mark.parametrize("category", CATEGORIES)
@pytest.mark.parametrize("where", ["below_zero", "above_max"])
def test_full_clean_refuses_an_out_of_range_score_keyed_by_its_field(category, where):
    below, above = out_of_range(category)
    value = below if where == "below_zero" else above
    sheet = DailySheetFactory.build(
        employee=EmployeeFactory(), **full_marks(**{category.value: value})
    )

    with pytest.raises(ValidationError) as excinfo:
        sheet.full_clean()

    assert set(excinfo.value.message_dict) == {category.value}


def test_full_clean_accepts_a_sheet_with_one_decimal_in_range():
    sheet = DailySheetFactory.build(
        employee=EmployeeFactory(),
        discipline=Decimal("19.5"),
        courtesy=Decimal("0"),
        service=Decimal("49.5"),
        morality=Decimal("20"),
    )

    sheet.full_clean()

    assert sheet.total == Decimal("89.0")


# --- One sheet per employee, day and kind --------------------------------------


def test_a_second_department_sheet_for_the_same_day_is_refused():
    first = DailySheetFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        DailySheet.objects.bulk_create(
            [DailySheetFactory.build(employee=first.employee, day=first.day)]
        )

    assert DailySheet.objects.count() == 1


def test_a_spot_check_sheet_beside_the_department_sheet_is_allowed():
    first = DailySheetFactory()

    DailySheetFactory(employee=first.employee, day=first.day, is_spot_check=True)

    assert DailySheet.objects.filter(employee=first.employee, day=first.day).count() == 2


def test_a_second_spot_check_sheet_for_the_same_day_is_refused():
    first = DailySheetFactory(is_spot_check=True)

    with pytest.raises(IntegrityError), transaction.atomic():
        DailySheetFactory(employee=first.employee, day=first.day, is_spot_check=True)

    assert DailySheet.objects.count() == 1


def test_another_day_or_another_employee_gets_its_own_sheet():
    first = DailySheetFactory()

    DailySheetFactory(employee=first.employee, day=first.day + datetime.timedelta(days=1))
    DailySheetFactory(day=first.day)

    assert DailySheet.objects.count() == 3


# --- Rule settings -------------------------------------------------------------


def bare_quarter(year: int = 2030, number: int = 1) -> Quarter:
    """A quarter without its settings copy, so a test can write the row itself."""
    return Quarter.objects.create(year=year, number=number)


def test_the_company_defaults_exist_once_after_migrating():
    assert RuleSettings.objects.filter(is_default=True, quarter=None).count() == 1


def test_a_second_default_settings_row_is_refused():
    with pytest.raises(IntegrityError), transaction.atomic():
        RuleSettings.objects.create(is_default=True, quarter=None)

    assert RuleSettings.objects.filter(is_default=True).count() == 1


def test_a_quarter_settings_row_without_a_quarter_is_refused():
    with pytest.raises(IntegrityError), transaction.atomic():
        RuleSettings.objects.create(is_default=False, quarter=None)

    assert RuleSettings.objects.filter(is_default=False).count() == 0


def test_a_default_settings_row_tied_to_a_quarter_is_refused():
    quarter = bare_quarter()

    with pytest.raises(IntegrityError), transaction.atomic():
        RuleSettings.objects.filter(is_default=True).update(quarter=quarter)

    assert RuleSettings.objects.get(is_default=True).quarter_id is None


def test_a_quarter_row_with_its_quarter_is_accepted():
    quarter = bare_quarter()

    RuleSettings.objects.create(quarter=quarter)

    assert quarter.rule_settings.best_min == 95


@pytest.mark.parametrize(
    "thresholds",
    [
        pytest.param({"best_min": 90, "ambassador_min": 90}, id="best_equals_ambassador"),
        pytest.param({"best_min": 89}, id="best_below_ambassador"),
        pytest.param({"ambassador_min": 85}, id="ambassador_equals_style"),
        pytest.param({"style_min": 79}, id="style_below_training"),
    ],
)
def test_settings_with_unordered_thresholds_are_refused(thresholds):
    quarter = bare_quarter()

    with pytest.raises(IntegrityError), transaction.atomic():
        RuleSettings.objects.create(quarter=quarter, **thresholds)

    assert not RuleSettings.objects.filter(quarter=quarter).exists()


def test_training_may_start_where_the_smile_style_tier_starts():
    # No "no award" band at all is a legitimate choice for the office.
    quarter = bare_quarter()

    RuleSettings.objects.create(quarter=quarter, style_min=80, training_below=80)

    assert quarter.rule_settings.style_min == quarter.rule_settings.training_below


def test_negative_award_money_is_refused():
    quarter = bare_quarter()

    with pytest.raises(IntegrityError), transaction.atomic():
        RuleSettings.objects.create(quarter=quarter, best_award=-1)

    assert not RuleSettings.objects.filter(quarter=quarter).exists()


# --- Events --------------------------------------------------------------------


def test_a_monthly_deduction_without_points_is_refused():
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.bulk_create(
            [
                EventFactory.build(
                    employee=EmployeeFactory(), kind=EventKind.MONTHLY_DEDUCTION, points=None
                )
            ]
        )

    assert not Event.objects.exists()


def test_a_monthly_deduction_with_points_is_accepted():
    EventFactory(kind=EventKind.MONTHLY_DEDUCTION, points=Decimal("3.5"))

    assert Event.objects.get().points == Decimal("3.5")


def test_a_praise_without_points_takes_the_rule_default_and_is_accepted():
    EventFactory(kind=EventKind.PRAISE_LETTER, points=None)

    assert Event.objects.get().points is None


def test_negative_event_points_are_refused():
    with pytest.raises(IntegrityError), transaction.atomic():
        EventFactory(kind=EventKind.MONTHLY_DEDUCTION, points=Decimal("-1"))

    assert not Event.objects.exists()


# --- Quarter results -----------------------------------------------------------


def test_a_result_without_an_award_carries_no_award_money():
    result = QuarterResultFactory(award_tier=AwardTier.NONE)

    with pytest.raises(IntegrityError), transaction.atomic():
        QuarterResult.objects.filter(pk=result.pk).update(award_amount=Decimal("500"))

    result.refresh_from_db()
    assert result.award_amount == 0


def test_a_result_with_an_award_carries_its_money():
    result = QuarterResultFactory(
        average=Decimal("96"),
        final=Decimal("96"),
        score_tier=AwardTier.BEST,
        award_tier=AwardTier.BEST,
        award_amount=Decimal("500"),
    )

    result.refresh_from_db()
    assert result.award_amount == Decimal("500")


def test_a_withdrawal_without_a_reason_is_refused():
    result = QuarterResultFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        QuarterResult.objects.filter(pk=result.pk).update(withdrawn=True)

    result.refresh_from_db()
    assert result.withdrawn is False


def test_a_withdrawal_with_a_reason_is_accepted():
    result = QuarterResultFactory()

    QuarterResult.objects.filter(pk=result.pk).update(withdrawn=True, withdrawal_reason="调岗")

    result.refresh_from_db()
    assert result.withdrawn is True


def test_a_second_result_for_the_same_quarter_and_employee_is_refused():
    result = QuarterResultFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        QuarterResultFactory(quarter=result.quarter, employee=result.employee)

    assert QuarterResult.objects.count() == 1


# --- Quarters ------------------------------------------------------------------


@pytest.mark.parametrize("number", [0, 5])
def test_a_quarter_number_outside_one_to_four_is_refused(number):
    with pytest.raises(IntegrityError), transaction.atomic():
        Quarter.objects.bulk_create([Quarter(year=2030, number=number)])

    assert not Quarter.objects.filter(year=2030).exists()


@pytest.mark.parametrize("number", [1, 4])
def test_quarter_numbers_one_and_four_are_accepted(number):
    Quarter.objects.bulk_create([Quarter(year=2030, number=number)])

    assert Quarter.objects.get(year=2030).code == f"2030Q{number}"


def test_the_same_quarter_twice_is_refused():
    QuarterFactory(year=2030, number=2)

    with pytest.raises(IntegrityError), transaction.atomic():
        Quarter.objects.create(year=2030, number=2)

    assert Quarter.objects.filter(year=2030, number=2).count() == 1


def test_full_clean_refuses_quarter_number_five_keyed_by_field():
    with pytest.raises(ValidationError) as excinfo:
        Quarter(year=2030, number=5).full_clean()

    assert "number" in excinfo.value.message_dict
