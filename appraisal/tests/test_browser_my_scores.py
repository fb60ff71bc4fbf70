"""'My scores' on a phone: the employee sees their day's score, and nobody else does."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from appraisal.models import (
    AwardTier,
    Criterion,
    EventKind,
    EventSource,
    EventValidity,
    QuarterStatus,
)
from appraisal.rules import QuarterId
from appraisal.tests.factories import (
    DailySheetFactory,
    EventFactory,
    QuarterFactory,
    QuarterResultFactory,
)
from awards.models import AwardBadge
from awards.services import work_badge_issue
from conftest import browser_login
from employees.models import DepartmentKind
from employees.tests.factories import DepartmentFactory, staff_employee

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}


@pytest.fixture
def phone(browser):
    """A fresh phone-sized browser context per login."""
    contexts = []

    def open_page():
        context = browser.new_context(**PHONE)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_employee_sees_their_days_score_on_a_phone_and_another_employee_does_not(
    phone, live_server
):
    today = timezone.localdate()
    me = staff_employee(name="王晓燕")
    other = staff_employee(name="赵国庆", department=me.department)
    DailySheetFactory(employee=me, day=today, courtesy=Decimal("9.5"), service=Decimal("48"))

    mine = phone()
    browser_login(mine, live_server, me.number)

    assert mine.url == f"{live_server.url}/employees/me/"
    cell = mine.locator(f'.cal-cell[data-day="{today:%Y-%m-%d}"]')
    assert cell.get_attribute("data-total") == "97.5"
    assert cell.locator(".cal-total").inner_text() == "97.5"
    assert mine.locator("#summary").get_attribute("data-average") == "97.50"
    assert fits_the_screen(mine)

    theirs = phone()
    browser_login(theirs, live_server, other.number)

    assert theirs.url == f"{live_server.url}/employees/me/"
    assert theirs.locator(f'.cal-cell[data-day="{today:%Y-%m-%d}"][data-total]').count() == 0
    assert theirs.locator("[data-total]").count() == 0
    assert theirs.locator("#summary").get_attribute("data-days") == "0"
    content = theirs.content()
    assert "97.5" not in content
    assert me.name not in content and me.number not in content


def _working_days(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    days = []
    day = first
    while day <= last:
        if day.weekday() < 5:
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


def _criterion(category: str, number: int) -> Criterion:
    return Criterion.objects.get(
        department_kind=DepartmentKind.FRONTLINE, category=category, number=number
    )


def _a_realistic_quarter(employee, today: datetime.date) -> list[datetime.date]:
    """Sixty weekday sheets up to today, a few deductions, a spot check, praise, badges."""
    quarter = QuarterId.of(today)
    days = _working_days(today - datetime.timedelta(days=90), today)[-60:]
    courtesy_1 = _criterion("courtesy", 1)
    gear = _criterion("courtesy", 2)
    polite = _criterion("service", 1)
    follow_up = _criterion("service", 2)
    on_time = _criterion("discipline", 1)
    saving = _criterion("morality", 3)
    deductions = {
        -41: ({"service": "47"}, [follow_up], "装车计划变更未及时通知货主"),
        -33: ({"courtesy": "9.5"}, [gear], "工装未按规定穿戴整齐"),
        -26: ({"courtesy": "9"}, [gear], "进入作业现场未戴安全帽"),
        -19: ({"service": "48"}, [follow_up], "客户询问提货进度时未及时回复"),
        -15: (
            {"courtesy": "9", "service": "44.5"},
            [courtesy_1, polite],
            "与货主沟通时语气生硬，经客户反映属实",
        ),
        -12: ({"discipline": "19"}, [on_time], "交接班迟到 10 分钟"),
        -8: ({"service": "49.5"}, [polite], "对讲机用语不规范"),
        -2: ({"morality": "19.5"}, [saving], "下班未关闭理货室空调"),
    }
    for index, day in enumerate(days):
        offset = index - len(days)
        if offset in deductions:
            scores, criteria, note = deductions[offset]
            sheet = DailySheetFactory(
                employee=employee,
                day=day,
                note=note,
                **{category: Decimal(score) for category, score in scores.items()},
            )
            sheet.criteria.set(criteria)
        else:
            DailySheetFactory(employee=employee, day=day)
    spot = DailySheetFactory(
        employee=employee,
        day=days[-5],
        is_spot_check=True,
        courtesy=Decimal("9"),
        note="考核办抽查：未主动问候来访客户",
    )
    spot.criteria.add(courtesy_1)
    ruled = timezone.now()
    EventFactory(
        employee=employee,
        date=days[-20],
        kind=EventKind.PRAISE_LETTER,
        source=EventSource.CUSTOMER,
        validity=EventValidity.VALID,
        ruled_at=ruled,
        note="货主来信表扬：理货认真细致，颗粒归仓",
    )
    EventFactory(
        employee=employee,
        date=days[-4],
        kind=EventKind.WECHAT_PRAISE,
        source=EventSource.WECHAT,
        validity=EventValidity.VALID,
        ruled_at=ruled,
        amount=Decimal("100"),
        note="微信客户表扬：耐心解答提货流程",
    )
    EventFactory(employee=employee, date=days[-1], kind=EventKind.WECHAT_COMPLAINT)  # pending
    previous = quarter.previous()
    won = QuarterFactory(year=previous.year, number=previous.number, status=QuarterStatus.FINAL)
    result = QuarterResultFactory(
        quarter=won,
        employee=employee,
        days=61,
        average=Decimal("96.42"),
        bonus=Decimal("10"),
        final=Decimal("106.42"),
        score_tier=AwardTier.BEST,
        award_tier=AwardTier.BEST,
        award_amount=Decimal("500"),
        rewards=Decimal("100"),
    )
    AwardBadge.objects.create(
        result=result,
        employee=employee,
        quarter=won,
        tier=AwardTier.BEST,
        issued_on=today - datetime.timedelta(days=15),
        due_back_on=quarter.last_day,
    )
    earlier = previous.previous()
    QuarterResultFactory(
        quarter=QuarterFactory(year=earlier.year, number=earlier.number, status=QuarterStatus.PAID),
        employee=employee,
        days=58,
        average=Decimal("92.37"),
        final=Decimal("92.37"),
        score_tier=AwardTier.AMBASSADOR,
        award_tier=AwardTier.AMBASSADOR,
        award_amount=Decimal("300"),
    )
    work_badge_issue(employee=employee, issued_on=datetime.date(2026, 3, 2), issued_by=None)
    return days


def test_my_scores_reads_well_at_390px_with_a_quarter_of_data(phone, live_server, screenshot_dir):
    today = timezone.localdate()
    me = staff_employee(
        name="王晓燕",
        number="HY0107",
        position="理货员",
        department=DepartmentFactory(name="货运部", kind=DepartmentKind.FRONTLINE),
    )
    days = _a_realistic_quarter(me, today)
    this_month = [d for d in days if (d.year, d.month) == (today.year, today.month)]
    this_quarter = [d for d in days if QuarterId.of(d) == QuarterId.of(today)]

    page = phone()
    browser_login(page, live_server, me.number)

    assert page.url == f"{live_server.url}/employees/me/"
    assert page.locator(".cal-cell[data-total]").count() == len(this_month)
    assert page.locator("#summary").get_attribute("data-days") == str(len(this_quarter))
    assert page.locator("circle.chart-point").count() == len(this_quarter)
    # The pending complaint is not shown; the praise of 20 working days ago may
    # fall in the previous quarter, which is still listed.
    assert page.locator("[data-event]").count() == 2
    assert page.locator("[data-result]").count() == 2
    assert page.locator("[data-work-badge]").count() == 1
    assert page.locator("[data-award-badge]").count() == 1
    assert fits_the_screen(page)

    # Tapping the spot-checked day shows its categories, criteria and note.
    spot = days[-5]
    if (spot.year, spot.month) != (today.year, today.month):
        page.goto(f"{live_server.url}/employees/me/?month={spot:%Y-%m}")
    page.locator(f'.cal-cell[data-day="{spot:%Y-%m-%d}"]').click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#day").get_attribute("data-day") == f"{spot:%Y-%m-%d}"
    assert page.locator("#day").get_attribute("data-spot-check") == "1"
    assert page.locator("#day").get_attribute("data-total") == "99.0"
    assert page.locator("#day [data-criterion]").count() == 1
    assert fits_the_screen(page)
    path = screenshot_dir / "my-scores-390.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
