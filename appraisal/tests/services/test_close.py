"""quarter_close through the database: averages, events, disqualifications, money, locks.

Every test runs on SQLite and PostgreSQL. Sheets and events are written while
their quarter is open (on PostgreSQL a trigger refuses them afterwards), then
the quarter is closed.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from appraisal.models import (
    AwardTier,
    DailySheet,
    DepartmentReview,
    Event,
    EventKind,
    EventValidity,
    QuarterAction,
    QuarterLog,
    QuarterResult,
    QuarterStatus,
    ReviewStatus,
    RuleSettings,
)
from appraisal.rules import Category, QuarterId
from appraisal.selectors import quarter_close_preview
from appraisal.services import (
    department_submit,
    event_record,
    quarter_approve,
    quarter_close,
    quarter_reopen,
    sheet_save,
)
from appraisal.tests.factories import DailySheetFactory, EventFactory, QuarterFactory
from employees.models import Employee
from employees.tests.factories import (
    DepartmentFactory,
    EmployeeFactory,
    head_user,
    office_user,
)

pytestmark = pytest.mark.django_db

D = Decimal
Q2 = QuarterId(2026, 2)  # 1 April – 30 June 2026
Q3 = QuarterId(2026, 3)  # 1 July – 30 September 2026
AFTER_Q3 = datetime.date(2026, 10, 8)
JULY = datetime.date(2026, 7, 15)
AUGUST = datetime.date(2026, 8, 14)

# Everything the close computes, besides the bookkeeping timestamp computed_at.
COMPUTED = [
    "id",
    "department_id",
    "days",
    "average",
    "bonus",
    "final",
    "score_tier",
    "award_tier",
    "award_amount",
    "rewards",
    "fines",
    "disqualified",
    "disqualification_reasons",
    "training",
    "withdrawn",
    "withdrawal_reason",
    "approval",
    "approved_by_id",
    "approved_at",
    "revocation_reason",
]


def scores_for(total) -> dict[str, Decimal]:
    """Category scores adding up to `total` (one decimal): deductions from service first."""
    deficit = D("100") - D(str(total))
    values = {"service": D("50"), "discipline": D("20"), "morality": D("20"), "courtesy": D("10")}
    for name in values:
        taken = min(deficit, values[name])
        values[name] -= taken
        deficit -= taken
    assert deficit == 0
    return values


def add_sheets(employee, totals, *, start=Q3.first_day, spot=False):
    """One sheet a day from `start` on, with the day totals `totals`."""
    return DailySheet.objects.bulk_create(
        [
            DailySheet(
                employee=employee,
                day=start + datetime.timedelta(days=i),
                is_spot_check=spot,
                **scores_for(total),
            )
            for i, total in enumerate(totals)
        ]
    )


def event(employee, kind, day=JULY, *, validity=EventValidity.VALID, points=None, amount="0"):
    return EventFactory(
        employee=employee,
        date=day,
        kind=kind,
        validity=validity,
        points=None if points is None else D(str(points)),
        amount=D(str(amount)),
        ruled_at=None if validity == EventValidity.PENDING else timezone.now(),
    )


def close(quarter, **kwargs):
    kwargs.setdefault("closed_by", None)
    kwargs.setdefault("today", AFTER_Q3)
    return quarter_close(quarter=quarter, **kwargs)


def result_of(employee, quarter):
    return QuarterResult.objects.get(quarter=quarter, employee=employee)


def computed(quarter):
    return list(
        QuarterResult.objects.filter(quarter=quarter).order_by("employee_id").values(*COMPUTED)
    )


@pytest.fixture
def quarter():
    return QuarterFactory(year=2026, number=3)


@pytest.fixture
def department():
    return DepartmentFactory(name="装卸作业部")


@pytest.fixture
def employee(department):
    return EmployeeFactory(department=department)


# --- Averages --------------------------------------------------------------------


def test_average_is_over_the_days_with_sheets_only(quarter, employee):
    add_sheets(employee, ["100", "95", "90.5"])

    report = close(quarter)

    result = result_of(employee, quarter)
    # 285.5 / 3 = 95.1666…: 92 calendar days, but only the three with a sheet count.
    assert (result.days, result.average, result.bonus, result.final) == (
        3,
        D("95.17"),
        D("0.00"),
        D("95.17"),
    )
    assert (result.score_tier, result.award_tier, result.award_amount) == (
        AwardTier.BEST,
        AwardTier.BEST,
        D("500.00"),
    )
    assert not result.disqualified and not result.training
    assert (report.results, report.winners, report.disqualified, report.recomputed) == (
        1,
        1,
        0,
        False,
    )


def test_a_spot_check_replaces_that_days_department_sheet(quarter, employee):
    add_sheets(employee, ["100", "90"])
    DailySheetFactory(
        employee=employee,
        day=Q3.first_day + datetime.timedelta(days=1),
        is_spot_check=True,
        **scores_for("80"),
    )

    close(quarter)

    result = result_of(employee, quarter)
    assert (result.days, result.average) == (2, D("90.00"))  # (100 + 80) / 2
    assert DailySheet.objects.filter(employee=employee).count() == 3  # both sheets are kept


def test_a_spot_check_on_a_day_without_a_department_sheet_counts_as_a_day(quarter, employee):
    add_sheets(employee, ["100", "90"])
    DailySheetFactory(employee=employee, day=AUGUST, is_spot_check=True, **scores_for("71"))

    close(quarter)

    result = result_of(employee, quarter)
    assert (result.days, result.average) == (3, D("87.00"))  # (100 + 90 + 71) / 3


def test_sixty_days_averaging_exactly_94_995_round_half_up_to_95_and_best(quarter, department):
    winner = EmployeeFactory(department=department)
    runner_up = EmployeeFactory(department=department)
    # 20 × 94.9 + 17 × 95.1 + 23 × 95.0 = 5699.7 over 60 days = 94.995 exactly.
    add_sheets(winner, ["94.9"] * 20 + ["95.1"] * 17 + ["95"] * 23)
    # 21 × 94.9 + 17 × 95.1 + 22 × 95.0 = 5699.6 over 60 days = 94.99333…
    add_sheets(runner_up, ["94.9"] * 21 + ["95.1"] * 17 + ["95"] * 22)

    close(quarter)

    best = result_of(winner, quarter)
    assert (best.days, best.average, best.final) == (60, D("95.00"), D("95.00"))
    assert (best.score_tier, best.award_tier, best.award_amount) == (
        AwardTier.BEST,
        AwardTier.BEST,
        D("500.00"),
    )
    second = result_of(runner_up, quarter)
    assert (second.days, second.average, second.final) == (60, D("94.99"), D("94.99"))
    assert (second.score_tier, second.award_amount) == (AwardTier.AMBASSADOR, D("300.00"))


# --- Praise and events that do not count --------------------------------------------


def test_valid_praise_adds_ten_points_by_default_and_its_own_points_when_given(quarter, department):
    default_points = EmployeeFactory(department=department)
    own_points = EmployeeFactory(department=department)
    add_sheets(default_points, ["83"] * 4)
    add_sheets(own_points, ["83"] * 4)
    event(default_points, EventKind.PRAISE_LETTER)  # blank points: the rule's 10
    event(own_points, EventKind.WECHAT_PRAISE, points="5")
    event(own_points, EventKind.PENNANT, AUGUST)  # blank: 10
    event(own_points, EventKind.COMPANY_COMMENDATION, AUGUST, points="2.5")

    close(quarter)

    first = result_of(default_points, quarter)
    assert (first.average, first.bonus, first.final) == (D("83.00"), D("10.00"), D("93.00"))
    assert (first.score_tier, first.award_amount) == (AwardTier.AMBASSADOR, D("300.00"))
    second = result_of(own_points, quarter)
    assert (second.bonus, second.final) == (D("17.50"), D("100.50"))
    assert (second.score_tier, second.award_amount) == (AwardTier.BEST, D("500.00"))


def test_pending_and_invalid_events_are_ignored(quarter, employee):
    add_sheets(employee, ["96"] * 3)
    for validity in (EventValidity.PENDING, EventValidity.INVALID):
        event(employee, EventKind.PRAISE_LETTER, validity=validity, amount="100")
        event(employee, EventKind.COMPANY_COMPLAINT, validity=validity, amount="-50")
        event(employee, EventKind.MONTHLY_DEDUCTION, validity=validity, points="15")
        event(employee, EventKind.WORK_BADGE_LOST, validity=validity, amount="-200")

    close(quarter)

    result = result_of(employee, quarter)
    assert (result.bonus, result.final, result.rewards, result.fines) == (
        D("0.00"),
        D("96.00"),
        D("0.00"),
        D("0.00"),
    )
    assert not result.disqualified
    assert result.disqualification_reasons == []
    assert result.award_tier == AwardTier.BEST


def test_events_dated_outside_the_quarter_are_ignored(quarter, employee):
    add_sheets(employee, ["90"] * 3)
    for day in (
        Q3.first_day - datetime.timedelta(days=1),
        Q3.last_day + datetime.timedelta(days=1),
    ):
        event(employee, EventKind.PRAISE_LETTER, day, amount="100")
        event(employee, EventKind.GROUP_COMPLAINT, day, amount="-100")
        event(employee, EventKind.MONTHLY_DEDUCTION, day, points="20")
    event(employee, EventKind.PRAISE_LETTER, Q3.last_day)  # the last day is in

    close(quarter)

    result = result_of(employee, quarter)
    assert (result.bonus, result.final) == (D("10.00"), D("100.00"))
    assert (result.rewards, result.fines, result.disqualified) == (D("0.00"), D("0.00"), False)


# --- Disqualifications ----------------------------------------------------------------


@pytest.mark.parametrize(
    "kind",
    [
        EventKind.GROUP_COMPLAINT,
        EventKind.COMPANY_COMPLAINT,
        EventKind.INTERNAL_COMPLAINT,
        EventKind.WECHAT_COMPLAINT,
    ],
)
def test_a_valid_complaint_of_any_kind_disqualifies(quarter, employee, kind):
    add_sheets(employee, ["98"] * 3)
    event(employee, kind)

    report = close(quarter)

    result = result_of(employee, quarter)
    assert result.disqualified
    assert result.disqualification_reasons == [{"code": kind.value, "count": 1}]
    assert (result.score_tier, result.award_tier, result.award_amount) == (
        AwardTier.BEST,
        AwardTier.NONE,
        D("0.00"),
    )
    assert (report.disqualified, report.winners) == (1, 0)


def test_every_disqualification_reason_is_listed(quarter, employee):
    add_sheets(employee, ["98"] * 3)
    event(employee, EventKind.GROUP_COMPLAINT)
    event(employee, EventKind.WECHAT_COMPLAINT, JULY)
    event(employee, EventKind.WECHAT_COMPLAINT, AUGUST)

    close(quarter)

    result = result_of(employee, quarter)
    assert result.disqualification_reasons == [
        {"code": "group_complaint", "count": 1},
        {"code": "wechat_complaint", "count": 2},
    ]


def test_a_month_with_exactly_15_deduction_points_disqualifies(quarter, employee):
    add_sheets(employee, ["98"] * 3)
    event(employee, EventKind.MONTHLY_DEDUCTION, datetime.date(2026, 7, 3), points="10")
    event(employee, EventKind.MONTHLY_DEDUCTION, datetime.date(2026, 7, 28), points="5")

    close(quarter)

    result = result_of(employee, quarter)
    assert result.disqualified
    [reason] = result.disqualification_reasons
    assert (reason["code"], reason["month"], D(reason["points"])) == ("monthly_deductions", 7, 15)
    assert result.award_tier == AwardTier.NONE


def test_10_and_5_deduction_points_in_different_months_do_not_disqualify(quarter, employee):
    add_sheets(employee, ["98"] * 3)
    event(employee, EventKind.MONTHLY_DEDUCTION, datetime.date(2026, 7, 31), points="10")
    event(employee, EventKind.MONTHLY_DEDUCTION, datetime.date(2026, 8, 1), points="5")
    event(employee, EventKind.MONTHLY_DEDUCTION, datetime.date(2026, 9, 1), points="14.5")

    close(quarter)

    result = result_of(employee, quarter)
    assert not result.disqualified
    assert (result.award_tier, result.award_amount) == (AwardTier.BEST, D("500.00"))


def test_a_badge_not_worn_counts_its_default_5_points_toward_the_month(quarter, department):
    caught = EmployeeFactory(department=department)
    spared = EmployeeFactory(department=department)
    for employee in (caught, spared):
        add_sheets(employee, ["98"] * 3)
        event(employee, EventKind.BADGE_NOT_WORN, datetime.date(2026, 8, 3))
        event(employee, EventKind.BADGE_NOT_WORN, datetime.date(2026, 8, 20))
    event(caught, EventKind.MONTHLY_DEDUCTION, datetime.date(2026, 8, 25), points="5")

    close(quarter)

    reasons = result_of(caught, quarter).disqualification_reasons
    assert [(r["code"], r["month"], D(r["points"])) for r in reasons] == [
        ("monthly_deductions", 8, 15)
    ]
    assert not result_of(spared, quarter).disqualified  # 10 points


def test_a_lost_work_badge_disqualifies_and_its_fine_is_in_fines(quarter, employee):
    add_sheets(employee, ["92"] * 3)
    event(employee, EventKind.WORK_BADGE_LOST, amount="-200")

    close(quarter)

    result = result_of(employee, quarter)
    assert result.disqualification_reasons == [{"code": "work_badge_lost", "count": 1}]
    assert (result.award_tier, result.award_amount) == (AwardTier.NONE, D("0.00"))
    assert (result.rewards, result.fines, result.net_amount) == (
        D("0.00"),
        D("200.00"),
        D("-200.00"),
    )


def test_an_award_badge_lost_disqualifies_the_next_quarter_and_counts_in_its_own(department):
    spring = QuarterFactory(year=2026, number=2)
    summer = QuarterFactory(year=2026, number=3)
    employee = EmployeeFactory(department=department)
    add_sheets(employee, ["97"] * 3, start=Q2.first_day)
    add_sheets(employee, ["97"] * 3, start=Q3.first_day)
    # In May: the lost award badge's default 2 points and 13 more make 15.
    event(employee, EventKind.AWARD_BADGE_LOST, datetime.date(2026, 5, 10), amount="-200")
    event(employee, EventKind.MONTHLY_DEDUCTION, datetime.date(2026, 5, 11), points="13")

    close(spring)
    close(summer)

    own = result_of(employee, spring)
    assert [(r["code"], r.get("month"), D(r["points"])) for r in own.disqualification_reasons] == [
        ("monthly_deductions", 5, 15)
    ]
    assert (own.fines, own.award_tier) == (D("200.00"), AwardTier.NONE)
    following = result_of(employee, summer)
    assert following.disqualification_reasons == [{"code": "award_badge_lost_previous_quarter"}]
    assert (following.fines, following.score_tier, following.award_tier) == (
        D("0.00"),
        AwardTier.BEST,
        AwardTier.NONE,
    )


def test_an_award_badge_lost_alone_does_not_disqualify_its_own_quarter(quarter, employee):
    add_sheets(employee, ["97"] * 3)
    event(employee, EventKind.AWARD_BADGE_LOST, amount="-200")

    close(quarter)

    result = result_of(employee, quarter)
    assert not result.disqualified
    assert (result.award_amount, result.fines, result.net_amount) == (
        D("500.00"),
        D("200.00"),
        D("300.00"),
    )


# --- Money and training -------------------------------------------------------------


def test_rewards_and_fines_are_summed_and_net_is_award_plus_rewards_minus_fines(quarter, employee):
    add_sheets(employee, ["80"] * 4)
    event(employee, EventKind.PRAISE_LETTER, amount="100")  # +10 points: 90
    event(employee, EventKind.PENNANT, AUGUST, points="0", amount="50.50")
    event(employee, EventKind.MONTHLY_DEDUCTION, JULY, points="3", amount="-30")
    event(employee, EventKind.MONTHLY_DEDUCTION, AUGUST, points="2", amount="-20.25")

    close(quarter)

    result = result_of(employee, quarter)
    assert (result.final, result.award_tier, result.award_amount) == (
        D("90.00"),
        AwardTier.AMBASSADOR,
        D("300.00"),
    )
    assert (result.rewards, result.fines) == (D("150.50"), D("50.25"))
    assert result.net_amount == D("400.25")


def test_training_when_final_is_below_80_even_if_disqualified(quarter, department):
    low = EmployeeFactory(department=department)
    on_the_line = EmployeeFactory(department=department)
    add_sheets(low, ["79.9"] * 2)
    add_sheets(on_the_line, ["80"] * 2)
    event(low, EventKind.INTERNAL_COMPLAINT)
    event(on_the_line, EventKind.INTERNAL_COMPLAINT)

    close(quarter)

    first = result_of(low, quarter)
    assert (first.final, first.disqualified, first.training) == (D("79.90"), True, True)
    second = result_of(on_the_line, quarter)
    assert (second.final, second.disqualified, second.training) == (D("80.00"), True, False)


# --- Who gets a row ---------------------------------------------------------------------


def test_supervisors_and_employees_without_sheets_get_no_row(quarter, department):
    appraised = EmployeeFactory(department=department)
    supervisor = EmployeeFactory(department=department, is_supervisor=True)
    EmployeeFactory(department=department)  # no sheet
    add_sheets(appraised, ["90"])
    add_sheets(supervisor, ["100"] * 3)
    event(supervisor, EventKind.PRAISE_LETTER)

    report = close(quarter)

    assert report.results == 1
    assert list(QuarterResult.objects.values_list("employee", flat=True)) == [appraised.pk]


def test_who_left_during_the_quarter_gets_no_row_who_left_after_its_end_does(quarter, department):
    left_during = EmployeeFactory(department=department)
    left_after = EmployeeFactory(department=department)
    add_sheets(left_during, ["90"] * 3)
    add_sheets(left_after, ["90"] * 3)
    left_during.is_active, left_during.left_on = False, datetime.date(2026, 8, 15)
    left_during.save()
    left_after.is_active, left_after.left_on = False, datetime.date(2026, 10, 3)
    left_after.save()

    close(quarter)

    assert list(QuarterResult.objects.values_list("employee", flat=True)) == [left_after.pk]


def test_the_results_department_is_the_department_at_closing_time(quarter, department):
    employee = EmployeeFactory(department=department)
    add_sheets(employee, ["90"] * 3)
    new_department = DepartmentFactory(name="货运部")
    employee.department = new_department
    employee.save()

    close(quarter)

    assert result_of(employee, quarter).department == new_department
    assert list(DepartmentReview.objects.values_list("department", flat=True)) == [
        new_department.pk
    ]


# --- When and by whom -----------------------------------------------------------------


def test_closing_before_the_last_day_is_refused(quarter, employee):
    add_sheets(employee, ["90"])

    with pytest.raises(ValidationError) as caught:
        close(quarter, today=datetime.date(2026, 9, 29))

    assert "2026Q3" in " ".join(caught.value.messages)
    quarter.refresh_from_db()
    assert quarter.status == QuarterStatus.OPEN
    assert not QuarterResult.objects.exists()
    assert not QuarterLog.objects.exists()


def test_closing_on_the_last_day_is_allowed(quarter, employee):
    add_sheets(employee, ["90"])

    close(quarter, today=Q3.last_day)

    quarter.refresh_from_db()
    assert quarter.status == QuarterStatus.CLOSED


def test_force_closes_before_the_last_day(quarter, employee):
    add_sheets(employee, ["90"])

    close(quarter, today=datetime.date(2026, 8, 1), force=True)

    quarter.refresh_from_db()
    assert quarter.status == QuarterStatus.CLOSED
    assert result_of(employee, quarter).average == D("90.00")


def test_closing_again_recomputes_identical_rows_and_keeps_a_withdrawal(quarter, department):
    office = office_user()
    employees = [EmployeeFactory(department=department) for _ in range(4)]
    add_sheets(employees[0], ["96", "97.5", "94"])
    add_sheets(employees[1], ["91"] * 5)
    add_sheets(employees[2], ["79", "80.5"])
    add_sheets(employees[3], ["88"] * 2)
    event(employees[1], EventKind.PRAISE_LETTER, amount="88")
    event(employees[2], EventKind.COMPANY_COMPLAINT, amount="-50")
    event(employees[3], EventKind.MONTHLY_DEDUCTION, points="15")
    close(quarter)
    department_submit(
        quarter=quarter,
        department=department,
        submitted_by=office,
        withdrawals={employees[0].pk: "多次迟到"},
    )
    first = computed(quarter)

    report = close(quarter, closed_by=office)

    assert report.recomputed
    assert computed(quarter) == first
    withdrawn = result_of(employees[0], quarter)
    assert (withdrawn.withdrawn, withdrawn.withdrawal_reason) == (True, "多次迟到")
    assert (withdrawn.score_tier, withdrawn.award_tier, withdrawn.award_amount) == (
        AwardTier.BEST,
        AwardTier.NONE,
        D("0.00"),
    )
    assert QuarterResult.objects.count() == 4
    assert DepartmentReview.objects.filter(quarter=quarter).count() == 1
    assert QuarterLog.objects.filter(quarter=quarter, action=QuarterAction.CLOSE).count() == 2


def test_the_quarters_own_rule_settings_are_used(quarter, employee):
    add_sheets(employee, ["93"] * 2)
    RuleSettings.objects.filter(quarter=quarter).update(best_min=D("92"), best_award=D("600"))

    close(quarter)

    result = result_of(employee, quarter)
    assert (result.score_tier, result.award_tier, result.award_amount) == (
        AwardTier.BEST,
        AwardTier.BEST,
        D("600.00"),
    )
    assert RuleSettings.objects.get(is_default=True).best_min == D("95")


def test_closing_locks_the_quarter_opens_reviews_and_writes_the_log(quarter, department):
    office = office_user()
    other_department = DepartmentFactory(name="货运部")
    employee = EmployeeFactory(department=department)
    colleague = EmployeeFactory(department=other_department)
    add_sheets(employee, ["90"])
    add_sheets(colleague, ["90"])

    close(quarter, closed_by=office)

    quarter.refresh_from_db()
    assert quarter.status == QuarterStatus.CLOSED and quarter.closed_at is not None
    reviews = DepartmentReview.objects.filter(quarter=quarter)
    assert sorted(reviews.values_list("department", flat=True)) == sorted(
        [department.pk, other_department.pk]
    )
    assert set(reviews.values_list("status", flat=True)) == {ReviewStatus.REVIEWING}
    log = QuarterLog.objects.get(quarter=quarter)
    assert (log.action, log.by) == (QuarterAction.CLOSE, office)
    full = {c: D(v) for c, v in scores_for("100").items()}
    with pytest.raises(ValidationError):
        sheet_save(
            employee=employee,
            day=datetime.date(2026, 8, 3),
            scores={Category(c): v for c, v in full.items()},
            saved_by=office,
        )
    with pytest.raises(ValidationError):
        event_record(
            employee=employee, date=AUGUST, kind=EventKind.PRAISE_LETTER, recorded_by=office
        )
    assert DailySheet.objects.count() == 2


def test_a_department_head_may_not_close_and_nothing_changes(quarter, department, employee):
    add_sheets(employee, ["90"])

    with pytest.raises(PermissionDenied):
        close(quarter, closed_by=head_user(department))

    quarter.refresh_from_db()
    assert quarter.status == QuarterStatus.OPEN
    assert not QuarterResult.objects.exists()
    assert not DepartmentReview.objects.exists()
    assert not QuarterLog.objects.exists()


def test_the_command_line_closes_without_a_login(quarter, employee):
    add_sheets(employee, ["90"])

    close(quarter, closed_by=None)

    assert QuarterLog.objects.get(quarter=quarter).by is None


def test_a_published_quarter_cannot_be_closed_again(quarter, employee):
    add_sheets(employee, ["96"])
    close(quarter)
    quarter_approve(quarter=quarter, approved_by=None, on=datetime.date(2026, 10, 10))
    before = computed(quarter)

    with pytest.raises(ValidationError) as caught:
        close(quarter, force=True)

    assert "2026Q3" in " ".join(caught.value.messages)
    quarter.refresh_from_db()
    assert quarter.status == QuarterStatus.PUBLISHED
    assert computed(quarter) == before
    assert QuarterLog.objects.filter(action=QuarterAction.CLOSE).count() == 1


# --- Cost --------------------------------------------------------------------------


def test_the_number_of_close_queries_does_not_grow_with_the_number_of_sheets(department):
    spring = QuarterFactory(year=2026, number=2)
    summer = QuarterFactory(year=2026, number=3)
    employees = [EmployeeFactory(department=department) for _ in range(20)]
    for employee in employees:
        add_sheets(employee, ["95"], start=Q2.first_day)
        add_sheets(employee, ["95", "90", "85.5"] * 10, start=Q3.first_day)
        event(employee, EventKind.PRAISE_LETTER, datetime.date(2026, 5, 5))
        event(employee, EventKind.PRAISE_LETTER, JULY)

    with CaptureQueriesContext(connection) as one_day:
        close(spring)
    with CaptureQueriesContext(connection) as thirty_days:
        close(summer)

    assert QuarterResult.objects.filter(quarter=summer).count() == 20
    assert result_of(employees[0], summer).days == 30
    assert len(thirty_days.captured_queries) == len(one_day.captured_queries)
    assert len(thirty_days.captured_queries) < 30


def test_a_leaving_date_inside_the_quarter_excludes_even_a_login_still_marked_active(
    quarter, department
):
    still_marked_active = EmployeeFactory(department=department, left_on=datetime.date(2026, 8, 1))
    inactive_without_date = EmployeeFactory(department=department, is_active=False)
    add_sheets(still_marked_active, ["90"] * 3)
    add_sheets(inactive_without_date, ["90"] * 3)

    close(quarter)

    assert not QuarterResult.objects.exists()


@pytest.mark.parametrize(
    ("left_on", "appraised"),
    [
        pytest.param(datetime.date(2026, 8, 1), 0, id="leaves_inside_the_quarter"),
        pytest.param(datetime.date(2026, 9, 30), 1, id="last_day_worked_is_the_quarters"),
        pytest.param(datetime.date(2026, 11, 30), 1, id="leaves_after_the_quarter"),
    ],
)
def test_the_preview_counts_a_departing_employee_exactly_as_the_close_does(
    quarter, department, left_on, appraised
):
    # Still marked active, as HR leaves a login until the leaving date has passed.
    departing = EmployeeFactory(department=department, left_on=left_on)
    add_sheets(departing, ["90"] * 3)

    preview = quarter_close_preview(quarter=quarter, today=AFTER_Q3)
    report = close(quarter)

    assert preview.appraised == report.results == appraised


def test_an_early_close_and_its_preview_appraise_whoever_is_employed_on_the_close_day(
    quarter, department
):
    close_day = datetime.date(2026, 9, 20)
    stays = EmployeeFactory(department=department, left_on=datetime.date(2026, 9, 25))
    gone = EmployeeFactory(department=department, left_on=datetime.date(2026, 9, 19))
    add_sheets(stays, ["90"] * 3)
    add_sheets(gone, ["90"] * 3)

    preview = quarter_close_preview(quarter=quarter, today=close_day)
    report = close(quarter, today=close_day, force=True)

    assert preview.appraised == report.results == 1
    assert list(QuarterResult.objects.values_list("employee", flat=True)) == [stays.pk]


def test_recomputing_an_early_close_after_the_last_day_appraises_the_same_people(
    quarter, department
):
    close_day = datetime.date(2026, 9, 20)
    leaves = EmployeeFactory(department=department, left_on=datetime.date(2026, 9, 25))
    stays = EmployeeFactory(department=department)
    add_sheets(leaves, ["90"] * 3)
    add_sheets(stays, ["95"] * 3)
    close(quarter, today=close_day, force=True)
    first = computed(quarter)

    report = close(quarter, today=AFTER_Q3)

    quarter.refresh_from_db()
    assert report.recomputed
    assert computed(quarter) == first
    assert set(QuarterResult.objects.values_list("employee", flat=True)) == {leaves.pk, stays.pk}
    assert quarter.closed_on == close_day


def test_a_reopen_forgets_the_day_the_entry_ended_and_the_next_close_sets_its_own(
    quarter, department
):
    leaves = EmployeeFactory(department=department, left_on=datetime.date(2026, 9, 25))
    add_sheets(leaves, ["90"] * 3)
    close(quarter, today=datetime.date(2026, 9, 20), force=True)
    quarter_reopen(quarter=quarter, reopened_by=office_user(), reason="补录抽查")
    quarter.refresh_from_db()
    assert quarter.closed_on is None

    report = close(quarter, today=AFTER_Q3)

    quarter.refresh_from_db()
    assert quarter.closed_on == AFTER_Q3
    # Employed on the close day no more: entry now ended on the quarter's last day.
    assert report.results == 0
    assert not QuarterResult.objects.filter(quarter=quarter).exists()


def test_closing_after_a_reopen_counts_as_a_recompute(quarter, employee):
    add_sheets(employee, ["90"])
    assert not close(quarter).recomputed
    quarter_reopen(quarter=quarter, reopened_by=office_user(), reason="补录抽查")

    assert close(quarter).recomputed


def _company(department_count: int, per_department: int, day: datetime.date) -> None:
    """Employees with one sheet on `day`, a third of them with a praise letter."""
    departments = DepartmentFactory.create_batch(department_count)
    employees = Employee.objects.bulk_create(
        Employee(number=f"N{d.pk}-{i}", name="员工", department=d)
        for d in departments
        for i in range(per_department)
    )
    DailySheet.objects.bulk_create(
        DailySheet(employee=e, day=day, **scores_for("95")) for e in employees
    )
    Event.objects.bulk_create(
        Event(
            employee=e,
            date=day,
            kind=EventKind.PRAISE_LETTER,
            validity=EventValidity.VALID,
            ruled_at=timezone.now(),
        )
        for e in employees[::3]
    )


def test_the_number_of_close_queries_does_not_grow_with_employees_or_departments():
    spring, summer = QuarterFactory(year=2026, number=2), QuarterFactory(year=2026, number=3)
    _company(1, 2, Q2.first_day)
    # More departments and employees than SQLite takes parameters in one statement.
    _company(600, 2, Q3.first_day)

    with CaptureQueriesContext(connection) as few:
        close(spring)
    with CaptureQueriesContext(connection) as many:
        close(summer)
    with CaptureQueriesContext(connection) as recompute:
        close(summer)

    assert QuarterResult.objects.filter(quarter=summer).count() == 1200
    assert DepartmentReview.objects.filter(quarter=summer).count() == 600
    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(recompute.captured_queries) == len(few.captured_queries)
    assert len(few.captured_queries) <= {"sqlite": 23, "postgresql": 27}[connection.vendor]
    # No statement lists the employees one by one.
    assert max(len(q["sql"]) for q in many.captured_queries) < 3000
