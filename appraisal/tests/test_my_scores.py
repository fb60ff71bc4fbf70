"""The "my scores" page (/employees/me/): an employee sees, and sees only, their own records.

Assertions read data, ids and `data-*` attributes, never the English UI text.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from appraisal.models import (
    AwardTier,
    Criterion,
    DailySheet,
    EventKind,
    EventValidity,
    QuarterStatus,
    RuleSettings,
)
from appraisal.selectors.month import disqualification_reason_text
from appraisal.selectors.my_scores import day_from_param, month_from_param, score_band
from appraisal.tests.factories import (
    DailySheetFactory,
    EventFactory,
    QuarterFactory,
    QuarterResultFactory,
)
from appraisal.tests.guards import advance
from awards.models import AwardBadge
from awards.services import work_badge_issue
from employees.models import DepartmentKind
from employees.tests.factories import (
    EmployeeFactory,
    UserFactory,
    head_user,
    office_user,
    staff_employee,
)

pytestmark = pytest.mark.django_db

ME = reverse("employees:me")
JULY = "2026-07"
RULED_AT = datetime.datetime(2026, 7, 20, 9, 0, tzinfo=datetime.UTC)


class _Elements(HTMLParser):
    """Every start tag of a page with its attributes, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))


def _parsed(response) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(response.content.decode())
    return parser.elements


def elements(response, attribute: str) -> list[dict[str, str | None]]:
    return [attrs for _tag, attrs in _parsed(response) if attribute in attrs]


def one(response, element_id: str) -> dict[str, str | None]:
    found = [attrs for attrs in elements(response, "id") if attrs["id"] == element_id]
    assert len(found) == 1, f"expected one #{element_id}, found {len(found)}"
    return found[0]


def calendar_totals(response) -> dict[str, str]:
    """data-day -> data-total of the calendar's day cells that have a score."""
    return {
        attrs["data-day"]: attrs["data-total"]
        for attrs in elements(response, "data-band")
        if "cal-cell" in (attrs.get("class") or "")
    }


def sheet(employee, day: datetime.date, **scores) -> DailySheet:
    return DailySheetFactory(employee=employee, day=day, **scores)


def valid_event(employee, **kwargs):
    return EventFactory(
        employee=employee, validity=EventValidity.VALID, ruled_at=RULED_AT, **kwargs
    )


@pytest.fixture
def me(client):
    employee = staff_employee(name="张微笑")
    client.force_login(employee.user)
    return employee


# --- the calendar ----------------------------------------------------------


def test_calendar_shows_each_recorded_days_total_with_the_spot_check_replacing_the_department_sheet(
    client, me
):
    sheet(me, datetime.date(2026, 7, 1))
    sheet(me, datetime.date(2026, 7, 2), courtesy=Decimal("9.5"))
    sheet(me, datetime.date(2026, 7, 3), service=Decimal("45"))
    sheet(me, datetime.date(2026, 7, 3), service=Decimal("48.5"), is_spot_check=True)
    sheet(me, datetime.date(2026, 8, 3), service=Decimal("30"))  # another month

    response = client.get(ME, {"month": JULY})

    assert response.status_code == 200
    assert one(response, "calendar")["data-month"] == JULY
    assert calendar_totals(response) == {
        "2026-07-01": "100.0",
        "2026-07-02": "99.5",
        "2026-07-03": "98.5",
    }
    spot_days = [
        a["data-day"] for a in elements(response, "data-spot-check") if "cal-cell" in a["class"]
    ]
    assert spot_days == ["2026-07-03"]


def test_calendar_cells_are_banded_by_the_quarters_thresholds(client, me):
    QuarterFactory(year=2026, number=3)
    for day, service in [(1, "50"), (2, "42"), (3, "37"), (6, "32"), (7, "20")]:
        sheet(me, datetime.date(2026, 7, day), service=Decimal(service))

    response = client.get(ME, {"month": JULY})

    bands = {
        a["data-day"]: a["data-band"] for a in elements(response, "data-band") if a.get("data-day")
    }
    assert bands == {
        "2026-07-01": "best",  # 100
        "2026-07-02": "ambassador",  # 92
        "2026-07-03": "style",  # 87
        "2026-07-06": "pass",  # 82
        "2026-07-07": "training",  # 70
    }


def test_calendar_grid_has_whole_weeks_starting_on_monday(client, me):
    response = client.get(ME, {"month": JULY})

    days = [
        a["data-day"]
        for a in elements(response, "data-day")
        if "cal-cell" in (a.get("class") or "")
    ]
    assert days[0] == "2026-07-01"  # a Wednesday: two blank cells before it
    assert days[-1] == "2026-07-31"
    assert len(days) == 31
    cells = [a for _t, a in _parsed(response) if "cal-cell" in (a.get("class") or "").split()]
    assert len(cells) % 7 == 0
    assert "cal-out" in cells[0]["class"] and "cal-out" in cells[1]["class"]


def test_tapping_a_day_shows_its_four_categories_criteria_and_note(client, me):
    criterion, _ = Criterion.objects.get_or_create(
        department_kind=DepartmentKind.FRONTLINE,
        category="courtesy",
        number=1,
        defaults={"text": "微笑问候"},
    )
    tapped = sheet(me, datetime.date(2026, 7, 2), courtesy=Decimal("9.5"), note="未主动问候客户")
    tapped.criteria.add(criterion)
    sheet(me, datetime.date(2026, 7, 9))  # the latest day, selected by default

    default = client.get(ME, {"month": JULY})
    response = client.get(ME, {"month": JULY, "day": "2026-07-02"})

    assert one(default, "day")["data-day"] == "2026-07-09"
    assert one(response, "day")["data-day"] == "2026-07-02"
    assert one(response, "day")["data-total"] == "99.5"
    scores = {a["data-category"]: a["data-score"] for a in elements(response, "data-category")}
    assert scores == {
        "discipline": "20.0",
        "courtesy": "9.5",
        "service": "50.0",
        "morality": "20.0",
    }
    assert [a["data-criterion"] for a in elements(response, "data-criterion")] == [
        str(criterion.pk)
    ]
    assert "未主动问候客户" in response.content.decode()


def test_a_day_alone_picks_its_month(client, me):
    sheet(me, datetime.date(2026, 8, 14), morality=Decimal("18"))

    response = client.get(ME, {"day": "2026-08-14"})

    assert one(response, "calendar")["data-month"] == "2026-08"
    assert one(response, "day")["data-total"] == "98.0"


def test_the_spot_checked_day_keeps_the_department_sheets_total_for_reference(client, me):
    sheet(me, datetime.date(2026, 7, 3), service=Decimal("45"))
    sheet(me, datetime.date(2026, 7, 3), service=Decimal("48.5"), is_spot_check=True)

    response = client.get(ME, {"month": JULY, "day": "2026-07-03"})

    assert one(response, "day")["data-spot-check"] == "1"
    assert one(response, "day")["data-total"] == "98.5"
    assert [a["data-replaced-total"] for a in elements(response, "data-replaced-total")] == ["95.0"]


def test_month_navigation_links_to_the_neighbouring_months(client, me):
    response = client.get(ME, {"month": "2026-01"})

    links = {a["data-nav"]: a["href"] for a in elements(response, "data-nav")}
    assert links["previous"] == "?month=2025-12"
    assert links["next"] == "?month=2026-02"


def test_there_is_no_next_month_link_from_the_current_month(client, me):
    response = client.get(ME)

    assert one(response, "calendar")["data-month"] == timezone.localdate().strftime("%Y-%m")
    assert "next" not in {a["data-nav"] for a in elements(response, "data-nav")}


@pytest.mark.parametrize(
    "params",
    [
        {"month": "2026-13"},
        {"month": "banana"},
        {"month": "0000-01"},
        {"month": "9999-12"},
        {"month": "2026-7-1"},
        {"month": ""},
        {"day": "2026-02-30"},
        {"day": "not-a-day"},
        {"month": "2026-07", "day": "2026-09-01"},
    ],
)
def test_a_bad_month_or_day_falls_back_instead_of_failing(client, me, params):
    response = client.get(ME, params)

    assert response.status_code == 200
    expected = (
        params["month"] if params.get("month") == JULY else timezone.localdate().strftime("%Y-%m")
    )
    assert one(response, "calendar")["data-month"] == expected


# --- the quarter average so far ---------------------------------------------


def test_quarter_average_so_far_lets_the_spot_check_replace_the_day_and_rounds_half_up(client, me):
    # Department sheets: 100, 100, 100 and 100 on 6 July; the office's spot
    # check of 6 July gives 98.5. Days 4, sum 398.5, mean 99.625 -> 99.63
    # (half-even or float rounding would give 99.62; counting both sheets of
    # 6 July would give 498.5 / 5 = 99.70).
    for day in (1, 2, 3, 6):
        sheet(me, datetime.date(2026, 7, day))
    sheet(me, datetime.date(2026, 7, 6), courtesy=Decimal("8.5"), is_spot_check=True)
    sheet(me, datetime.date(2026, 6, 30), service=Decimal("10"))  # previous quarter

    response = client.get(ME, {"month": "2026-08"})  # same quarter, another month

    summary = one(response, "summary")
    assert summary["data-quarter"] == "2026Q3"
    assert summary["data-days"] == "4"
    assert summary["data-average"] == "99.63"
    assert "99.63" in response.content.decode()


def test_quarter_average_is_absent_without_a_sheet(client, me):
    response = client.get(ME, {"month": JULY})

    summary = one(response, "summary")
    assert summary["data-days"] == "0"
    assert "data-average" not in summary
    assert calendar_totals(response) == {}


def test_chart_plots_one_point_per_recorded_day_of_the_quarter(client, me):
    for day in (datetime.date(2026, 7, 1), datetime.date(2026, 8, 5), datetime.date(2026, 9, 30)):
        sheet(me, day, discipline=Decimal("19"))
    sheet(me, datetime.date(2026, 8, 5), discipline=Decimal("15"), is_spot_check=True)
    sheet(me, datetime.date(2026, 10, 1))  # next quarter

    response = client.get(ME, {"month": JULY})

    points = {
        a["data-day"]: a["data-total"]
        for _t, a in _parsed(response)
        if "chart-point" in (a.get("class") or "")
    }
    assert points == {"2026-07-01": "99.0", "2026-08-05": "95.0", "2026-09-30": "99.0"}
    thresholds = {a["data-threshold"] for a in elements(response, "data-threshold")}
    assert thresholds == {"95", "90", "85", "80"}


def test_chart_thresholds_follow_the_quarters_rule_settings(client, me):
    quarter = QuarterFactory(year=2026, number=3)
    RuleSettings.objects.filter(quarter=quarter).update(
        best_min=Decimal("96"), ambassador_min=Decimal("92.5")
    )
    sheet(me, datetime.date(2026, 7, 1), service=Decimal("45.5"))  # 95.5

    response = client.get(ME, {"month": JULY})

    assert {a["data-threshold"] for a in elements(response, "data-threshold")} == {
        "96",
        "92.5",
        "85",
        "80",
    }
    assert calendar_totals(response) == {"2026-07-01": "95.5"}
    assert [a["data-band"] for a in elements(response, "data-band") if a.get("data-day")] == [
        "ambassador"
    ]


def test_without_any_rule_settings_row_the_model_defaults_apply(client, me):
    # A transactional test's flush removes the seeded company defaults.
    RuleSettings.objects.all().delete()
    sheet(me, datetime.date(2026, 7, 1), service=Decimal("42"))

    response = client.get(ME, {"month": JULY})

    assert response.status_code == 200
    assert {a["data-threshold"] for a in elements(response, "data-threshold")} == {
        "95",
        "90",
        "85",
        "80",
    }
    assert [a["data-band"] for a in elements(response, "data-band") if a.get("data-day")] == [
        "ambassador"
    ]


# --- praise and complaints ---------------------------------------------------


def test_only_valid_events_of_this_and_the_previous_quarter_are_listed(client, me):
    praise = valid_event(
        me, date=datetime.date(2026, 7, 15), kind=EventKind.PENNANT, amount=Decimal("100")
    )
    complaint = valid_event(me, date=datetime.date(2026, 5, 2), kind=EventKind.WECHAT_COMPLAINT)
    pending = EventFactory(employee=me, date=datetime.date(2026, 7, 16))
    invalid = EventFactory(
        employee=me,
        date=datetime.date(2026, 7, 17),
        kind=EventKind.INTERNAL_COMPLAINT,
        validity=EventValidity.INVALID,
        ruled_at=RULED_AT,
    )
    too_old = valid_event(me, date=datetime.date(2026, 3, 31))

    response = client.get(ME, {"month": JULY})

    listed = {a["data-event"]: a for a in elements(response, "data-event")}
    assert set(listed) == {str(praise.pk), str(complaint.pk)}
    assert str(pending.pk) not in listed and str(invalid.pk) not in listed
    assert str(too_old.pk) not in listed
    assert listed[str(praise.pk)]["data-effect"] == "praise"
    assert listed[str(complaint.pk)]["data-effect"] == "complaint"
    assert [
        a["data-points"] for a in elements(response, "data-points") if "event-points" in a["class"]
    ] == ["10.0"]
    assert [a["data-amount"] for a in elements(response, "data-amount")] == ["100.00"]


def test_deductions_show_their_points_as_negative(client, me):
    valid_event(
        me,
        date=datetime.date(2026, 7, 3),
        kind=EventKind.MONTHLY_DEDUCTION,
        points=Decimal("3.5"),
        note="迟到",
    )
    valid_event(me, date=datetime.date(2026, 7, 4), kind=EventKind.BADGE_NOT_WORN)

    response = client.get(ME, {"month": JULY})

    points = sorted(
        a["data-points"] for a in elements(response, "data-points") if "event-points" in a["class"]
    )
    assert points == ["-3.5", "-5.0"]
    assert "迟到" in response.content.decode()


# --- results and awards ------------------------------------------------------


def test_only_results_of_published_final_or_paid_quarters_are_shown(client, me):
    by_status = {}
    for number, status in [(1, QuarterStatus.PUBLISHED), (2, QuarterStatus.CLOSED)]:
        quarter = QuarterFactory(year=2026, number=number, status=status)
        by_status[status] = QuarterResultFactory(quarter=quarter, employee=me)
    for number, status in [(3, QuarterStatus.FINAL), (4, QuarterStatus.PAID)]:
        quarter = QuarterFactory(year=2025, number=number, status=status)
        by_status[status] = QuarterResultFactory(quarter=quarter, employee=me)

    response = client.get(ME, {"month": JULY})

    results = [a["data-quarter"] for a in elements(response, "data-result")]
    assert results == ["2026Q1", "2025Q4", "2025Q3"]
    assert str(by_status[QuarterStatus.CLOSED].pk) not in {
        a["data-result"] for a in elements(response, "data-result")
    }


def test_a_result_shows_its_award_training_flag_and_every_disqualification_reason(client, me):
    winner = QuarterFactory(year=2026, number=1, status=QuarterStatus.FINAL)
    QuarterResultFactory(
        quarter=winner,
        employee=me,
        average=Decimal("96.25"),
        bonus=Decimal("10"),
        final=Decimal("106.25"),
        score_tier=AwardTier.BEST,
        award_tier=AwardTier.BEST,
        award_amount=Decimal("500"),
    )
    loser = QuarterFactory(year=2025, number=4, status=QuarterStatus.PAID)
    QuarterResultFactory(
        quarter=loser,
        employee=me,
        average=Decimal("78.40"),
        final=Decimal("78.40"),
        training=True,
        disqualified=True,
        disqualification_reasons=[
            "十月月度扣分 16 分",
            {"code": "wechat_complaint", "detail": "2025-11-03 客户投诉 #88"},
            {"code": "monthly_deductions", "month": "2025-12", "points": "15.0"},
        ],
    )

    response = client.get(ME, {"month": JULY})
    page = response.content.decode()

    results = {a["data-quarter"]: a for a in elements(response, "data-result")}
    assert results["2026Q1"]["data-tier"] == "best"
    assert results["2026Q1"]["data-final"] == "106.25"
    assert results["2025Q4"]["data-tier"] == "none"
    assert [a["data-training"] for a in elements(response, "data-training")] == ["1"]
    assert "500.00" in page
    assert "十月月度扣分 16 分" in page
    assert "2025-11-03 客户投诉 #88" in page
    assert "2025-12" in page and "15.0" in page
    assert page.count('class="reason"') == 3


# --- badges ------------------------------------------------------------------


def test_work_and_award_badges_are_listed_with_their_status(client, me):
    work = work_badge_issue(employee=me, issued_on=datetime.date(2026, 1, 5), issued_by=None)
    quarter = QuarterFactory(year=2026, number=1, status=QuarterStatus.FINAL)
    result = QuarterResultFactory(
        quarter=quarter,
        employee=me,
        award_tier=AwardTier.AMBASSADOR,
        award_amount=Decimal("300"),
        final=Decimal("91"),
        average=Decimal("91"),
    )
    award = AwardBadge.objects.create(
        result=result,
        employee=me,
        quarter=quarter,
        tier=AwardTier.AMBASSADOR,
        issued_on=datetime.date(2026, 5, 20),
        due_back_on=datetime.date(2026, 9, 30),
    )

    response = client.get(ME, {"month": JULY})

    assert [
        (a["data-work-badge"], a["data-status"]) for a in elements(response, "data-work-badge")
    ] == [(str(work.pk), "issued")]
    assert [
        (a["data-award-badge"], a["data-status"]) for a in elements(response, "data-award-badge")
    ] == [(str(award.pk), "issued")]


# --- whose page it is ----------------------------------------------------------


def test_another_employees_records_never_appear_on_my_page(client, me):
    other = staff_employee(name="李别人", department=me.department)
    sheet(other, datetime.date(2026, 7, 8), service=Decimal("37.5"))  # 87.5
    sheet(other, datetime.date(2026, 7, 9), is_spot_check=True, note="别人的备注")
    valid_event(other, date=datetime.date(2026, 7, 10), note="别人的表扬")
    published = QuarterFactory(year=2026, number=2, status=QuarterStatus.PUBLISHED)
    QuarterResultFactory(quarter=published, employee=other)
    work_badge_issue(employee=other, issued_on=datetime.date(2026, 1, 5), issued_by=None)
    sheet(me, datetime.date(2026, 7, 1))

    response = client.get(ME, {"month": JULY})
    tapped = client.get(ME, {"month": JULY, "day": "2026-07-08"})
    page = response.content.decode() + tapped.content.decode()

    assert calendar_totals(response) == {"2026-07-01": "100.0"}
    assert one(response, "summary")["data-days"] == "1"
    assert 'id="day"' not in tapped.content.decode()
    assert elements(response, "data-event") == []
    assert elements(response, "data-result") == []
    assert elements(response, "data-work-badge") == []
    for secret in (other.name, other.number, "别人的备注", "别人的表扬", "87.5"):
        assert secret not in page


def test_the_page_shows_the_logins_own_employee_even_for_the_office(client):
    office = office_user()
    mine = EmployeeFactory(user=office)
    someone = staff_employee()
    sheet(someone, datetime.date(2026, 7, 1), service=Decimal("40"))
    sheet(mine, datetime.date(2026, 7, 2), service=Decimal("45"))
    pending = EventFactory(employee=mine, date=datetime.date(2026, 7, 3))
    client.force_login(office)

    response = client.get(ME, {"month": JULY})

    assert one(response, "summary")["data-days"] == "1"
    assert calendar_totals(response) == {"2026-07-02": "95.0"}
    # The office may see pending events elsewhere; this page lists what counts.
    assert str(pending.pk) not in {a["data-event"] for a in elements(response, "data-event")}


def test_a_login_without_an_employee_gets_404(client):
    client.force_login(office_user())

    response = client.get(ME)

    assert response.status_code == 404
    assert one(response, "no-employee")


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(ME)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_page_takes_no_employee_id(client, me):
    other = staff_employee()
    sheet(other, datetime.date(2026, 7, 8))

    response = client.get(ME, {"month": JULY, "employee": other.pk, "id": other.pk})

    assert response.status_code == 200
    assert one(response, "summary")["data-days"] == "0"


# --- home and queries --------------------------------------------------------


def test_home_sends_staff_to_their_scores_and_shows_others_a_card(client):
    staff = staff_employee()
    client.force_login(staff.user)
    assert client.get(reverse("home")).url == ME

    head = head_user(staff.department)
    EmployeeFactory(department=staff.department, is_supervisor=True, user=head)
    client.force_login(head)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert one(response, "card-my-scores")

    client.force_login(UserFactory())
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert [a for a in elements(response, "id") if a["id"] == "card-my-scores"] == []


def test_a_supervisor_sees_their_page_marked_not_appraised(client):
    boss = staff_employee(is_supervisor=True)
    client.force_login(boss.user)

    response = client.get(ME)

    assert response.status_code == 200
    assert one(response, "not-appraised")


def test_the_page_needs_a_bounded_number_of_queries_with_sixty_sheets(
    client, me, django_assert_max_num_queries
):
    criteria = list(Criterion.objects.filter(department_kind=DepartmentKind.FRONTLINE)[:3])
    first = datetime.date(2026, 7, 1)
    for offset in range(60):
        day = first + datetime.timedelta(days=offset)
        made = sheet(me, day, courtesy=Decimal("9.5") if offset % 4 == 0 else Decimal("10"))
        if offset % 4 == 0:
            made.criteria.set(criteria)
        if offset % 10 == 0:
            sheet(me, day, service=Decimal("49"), is_spot_check=True)
    for offset in range(5):
        valid_event(me, date=first + datetime.timedelta(days=offset))
    for number in (1, 2):
        quarter = QuarterFactory(year=2026, number=number, status=QuarterStatus.FINAL)
        QuarterResultFactory(quarter=quarter, employee=me)
    work_badge_issue(employee=me, issued_on=first, issued_by=None)

    # The login's employee comes with the login (employees.backends): 11, was 12.
    with django_assert_max_num_queries(11):
        response = client.get(ME, {"month": "2026-08", "day": "2026-08-01"})

    assert response.status_code == 200
    assert len(calendar_totals(response)) == 29  # 1-29 August
    assert one(response, "summary")["data-days"] == "60"
    # Only the day shown in full reads its criteria items: a month without one reads none.
    with django_assert_max_num_queries(10):
        assert client.get(ME, {"month": "2026-10"}).status_code == 200


# --- the small pure helpers ----------------------------------------------------


def test_score_band_uses_half_open_intervals():
    settings = RuleSettings()
    assert [
        score_band(total=Decimal(v), settings=settings)
        for v in ("100", "95", "94.9", "90", "89.9", "85", "84.9", "80", "79.9")
    ] == ["best", "best", "ambassador", "ambassador", "style", "style", "pass", "pass", "training"]


def test_month_and_day_params_parse_strictly():
    today = datetime.date(2026, 8, 17)
    assert month_from_param(value="2026-02", default=today) == datetime.date(2026, 2, 1)
    assert month_from_param(value=None, default=today) == datetime.date(2026, 8, 1)
    assert month_from_param(value="2026-00", default=today) == datetime.date(2026, 8, 1)
    assert day_from_param(value="2026-02-28") == datetime.date(2026, 2, 28)
    assert day_from_param(value="2026-02-29") is None
    assert day_from_param(value="20260228") is None


def test_disqualification_reasons_read_as_text_whatever_their_shape():
    assert disqualification_reason_text(reason="月度扣分满15分") == "月度扣分满15分"
    assert disqualification_reason_text(reason={"code": "x", "detail": "d"}) == "x：d"
    with translation.override("en"):
        assert disqualification_reason_text(reason={"code": "x", "detail": "d"}) == "x: d"
    assert disqualification_reason_text(reason={"detail": "only detail"}) == "only detail"
    assert disqualification_reason_text(reason={"code": "only_code"}) == "only_code"
    assert disqualification_reason_text(reason={"code": "wechat_complaint"}) == str(
        EventKind.WECHAT_COMPLAINT.label
    )
    assert disqualification_reason_text(reason=42) == "42"


def _closed_quarter_with_a_result(status):
    me = staff_employee()
    quarter = QuarterFactory(year=2026, number=3)
    DailySheetFactory(employee=me, day=datetime.date(2026, 7, 1), service=Decimal("42.5"))
    # Closed after the sheet was written: PostgreSQL's trigger refuses sheets in a closed quarter,
    # and moves a quarter only one lifecycle step at a time.
    advance(quarter, status)
    QuarterResultFactory(
        quarter=quarter,
        employee=me,
        days=1,
        average=Decimal("92.50"),
        bonus=Decimal("10"),
        final=Decimal("102.50"),
        score_tier=AwardTier.BEST,
        award_tier=AwardTier.BEST,
        award_amount=Decimal("500"),
    )
    return me


def _summary(client, me):
    client.force_login(me.user)
    html = client.get(ME, {"month": JULY}).content.decode()
    return html, next(attrs for tag, attrs in _parse(html) if attrs.get("id") == "summary")


def _parse(html):
    parser = _Elements()
    parser.feed(html)
    return parser.elements


def test_once_the_quarter_is_closed_my_scores_shows_the_final_score_not_the_average(client):
    me = _closed_quarter_with_a_result(QuarterStatus.CLOSED)

    html, summary = _summary(client, me)

    assert summary["data-final"] == "102.50"
    assert summary["data-band"] == "best"
    assert summary["data-status"] == "closed"
    assert "data-average" not in summary
    # The department may still withdraw the award: no tier before the list is published.
    assert "data-tier" not in summary
    assert "2026Q3 季度最终得分" in html
    assert "季度目前均分" not in html


def test_once_published_my_scores_shows_the_award_beside_the_final_score(client):
    me = _closed_quarter_with_a_result(QuarterStatus.PUBLISHED)

    html, summary = _summary(client, me)

    assert summary["data-final"] == "102.50"
    assert summary["data-tier"] == "best"
    assert "季度目前均分" not in html


def test_an_open_quarter_still_shows_the_average_so_far(client):
    me = staff_employee()
    DailySheetFactory(employee=me, day=datetime.date(2026, 7, 1), service=Decimal("42.5"))

    html, summary = _summary(client, me)

    assert summary["data-average"] == "92.50"
    assert "data-final" not in summary
    assert "2026Q3 季度目前均分" in html
