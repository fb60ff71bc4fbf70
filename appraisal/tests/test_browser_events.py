"""The office's queue in Debian's Chromium: a WeChat complaint ruled valid disqualifies."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from appraisal.models import (
    AwardTier,
    Event,
    EventKind,
    EventSource,
    EventValidity,
    QuarterResult,
)
from appraisal.rules import QuarterId
from appraisal.services import quarter_approve, quarter_close
from appraisal.tests.factories import DailySheetFactory, EventFactory, QuarterFactory
from conftest import browser_login
from employees.models import DepartmentKind
from employees.tests.factories import DepartmentFactory, office_user, staff_employee
from feedback.models import FeedbackKind
from feedback.tests.factories import FeedbackMessageFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

XSS = "<script>alert('xss')</script>"


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def quarter(today):
    qid = QuarterId.of(today)
    return QuarterFactory(year=qid.year, number=qid.number)


@pytest.fixture
def department(quarter):
    return DepartmentFactory(name="装卸作业部", kind=DepartmentKind.FRONTLINE)


@pytest.fixture
def employee(department, today):
    person = staff_employee(department=department, number="ZX001", name="张伟")
    # Full marks on every day of the quarter so far: a Best Smile score, were it not for the complaint.
    day = QuarterId.of(today).first_day
    while day <= today:
        if day.weekday() < 5 or day == today:
            DailySheetFactory(employee=person, day=day)
        day += datetime.timedelta(days=1)
    return person


@pytest.fixture
def complaint(employee, today):
    message = FeedbackMessageFactory(
        employee=employee,
        kind=FeedbackKind.COMPLAINT,
        text="装车时态度恶劣，还说“爱装不装”。\n希望改进！",
        happened="今天上午十点左右",
        contact="138****6688",
        event__kind=EventKind.WECHAT_COMPLAINT,
        event__reported_by="138****6688",
    )
    return message.event


@pytest.fixture
def other_pending(department, today):
    """More of a day's queue: a praise through WeChat and a letter the office typed in."""
    colleague = staff_employee(department=department, number="ZX002", name="王芳")
    FeedbackMessageFactory(
        employee=colleague,
        text="帮我们加班卸完了一整车粮食，非常感谢！",
        contact="李先生",
        event__reported_by="李先生",
    )
    EventFactory(
        employee=colleague,
        date=today,
        kind=EventKind.PRAISE_LETTER,
        source=EventSource.CUSTOMER,
        reported_by="中粮贸易有限公司",
        note=f"表扬信：服务周到。{XSS}",
    )


def test_office_rules_a_wechat_complaint_valid_and_it_disqualifies(
    page, live_server, browser, quarter, employee, complaint, other_pending, today, screenshot_dir
):
    office_user(username="office", first_name="考核办")
    browser_login(page, live_server, "office")

    # The old list of feedback received now leads to the queue of WeChat items.
    page.goto(f"{live_server.url}/feedback/received/")
    page.wait_for_selector("#queue-table")
    assert page.url.endswith("/appraisal/events/pending/?source=wechat")
    rows = page.locator("tr.queue-row")
    assert rows.count() == 2  # the two WeChat items, not the letter
    row = page.locator(f"#queue-row-{complaint.pk}")
    assert "“爱装不装”" in row.locator("[data-field=note]").inner_text()

    row.locator("button[data-rule=valid]").click()
    # A ruling that disqualifies shows that and waits for the office to confirm it.
    page.wait_for_selector(f"#queue-row-{complaint.pk}[data-state=confirm]")
    assert "张伟" in page.locator(f"#queue-row-{complaint.pk} [data-consequence]").inner_text()
    page.locator(f"#queue-row-{complaint.pk} button[data-rule=confirm]").click()
    page.wait_for_selector(f"#queue-row-{complaint.pk}[data-state=ruled]")
    assert page.get_attribute(f"#queue-row-{complaint.pk} [data-ruled]", "data-ruled") == "valid"
    complaint.refresh_from_db()
    assert complaint.validity == EventValidity.VALID
    page.screenshot(path=str(screenshot_dir / "queue-1280.png"), full_page=True)
    assert (screenshot_dir / "queue-1280.png").stat().st_size > 10_000

    # All sources: the letter's script is shown as text, never run.
    page.click("[data-source-filter=all]")
    page.wait_for_selector("#queue-table")
    assert page.locator("tr.queue-row").count() == 2
    assert XSS in page.locator("tr.queue-row [data-field=note]").last.inner_text()

    # The quarter is closed (early, with force) and approved: the complaint disqualifies.
    quarter_close(quarter=quarter, closed_by=None, today=today, force=True)
    quarter_approve(quarter=quarter, approved_by=None, on=today, today=today)
    result = QuarterResult.objects.get(quarter=quarter, employee=employee)
    assert result.final == Decimal("100.00")
    assert result.disqualified
    assert result.award_tier == AwardTier.NONE
    assert [reason["code"] for reason in result.disqualification_reasons] == [
        EventKind.WECHAT_COMPLAINT
    ]

    # The employee sees it on their own page.
    page.context.clear_cookies()
    browser_login(page, live_server, employee.number)
    page.goto(f"{live_server.url}/employees/me/")
    card = page.locator(f"#results [data-result][data-quarter='{quarter.code}']")
    card.wait_for()
    assert card.get_attribute("data-tier") == AwardTier.NONE
    assert card.get_attribute("data-final") == "100.00"
    assert card.locator("li.reason").count() == 1
    assert Event.objects.filter(validity=EventValidity.PENDING).count() == 2
