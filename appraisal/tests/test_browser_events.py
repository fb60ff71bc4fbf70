"""The office's queue in Debian's Chromium: a WeChat complaint ruled valid disqualifies."""

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

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
from appraisal.tests.factories import DailySheetFactory, EventFactory
from conftest import browser_login
from employees.models import DepartmentKind
from employees.tests.factories import DepartmentFactory, office_user, staff_employee
from feedback.models import FeedbackKind
from feedback.tests.factories import FeedbackMessageFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

XSS = "<script>alert('xss')</script>"


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


def test_the_office_finds_an_employee_by_part_of_a_name_and_is_warned_of_a_supervisor(
    page, live_server, department, today, screenshot_dir
):
    office_user(username="office", password="smile2026")
    staff_employee(department=department, number="ZX011", name="王建华")
    staff_employee(department=department, number="ZX012", name="李建军")
    chief = staff_employee(department=department, number="ZX090", name="刘建国", is_supervisor=True)
    other = DepartmentFactory(name="财务部", kind=DepartmentKind.FUNCTIONAL)
    staff_employee(department=other, number="CW003", name="赵建平")
    staff_employee(department=other, number="CW004", name="孙丽")
    browser_login(page, live_server, "office")
    page.goto(f"{live_server.url}/appraisal/events/new/")
    picker = page.locator("#id_employee")
    matches = page.locator("#id_employee-matches [role=option]")
    warning = page.locator("#employee-supervisor-warning")

    # Part of a name lists everyone whose line holds it; the department narrows it down.
    picker.press_sequentially("建")
    expect(matches).to_have_count(4)
    expect(matches.filter(has_text="刘建国")).to_contain_text("主管")
    page.screenshot(path=str(screenshot_dir / "event-picker-1280.png"), full_page=False)
    picker.press_sequentially(" 装卸")
    expect(matches).to_have_count(3)
    expect(warning).to_be_hidden()

    # A colleague chosen by the keyboard: no warning.
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(picker).to_have_value("ZX011 王建华 · 装卸作业部")
    expect(warning).to_be_hidden()

    # The supervisor, by a click on their line: the warning shows beside the picker.
    picker.fill("")
    picker.press_sequentially("刘建")
    matches.filter(has_text="刘建国").click()
    expect(picker).to_have_value("ZX090 刘建国 · 装卸作业部")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("主管不参加考核")
    # A number typed by hand is read the same way; a colleague's hides the warning again.
    picker.fill("zx012")
    expect(warning).to_be_hidden()
    picker.fill("ZX090")
    expect(warning).to_be_visible()

    page.select_option("#id_kind", EventKind.PENNANT)
    page.fill("#id_note", "赠送锦旗")
    page.click("#event-submit")
    page.wait_for_url("**/appraisal/events/?quarter=*")

    expect(page.locator(".alert-success")).to_contain_text("刘建国")
    expect(page.locator(".alert-warning")).to_contain_text("刘建国为主管：主管不参加考核")
    event = Event.objects.get()
    assert (event.employee, event.kind, event.note) == (chief, EventKind.PENNANT, "赠送锦旗")


def test_an_unknown_number_is_refused_on_the_picker_and_nothing_is_saved(
    page, live_server, department
):
    office_user(username="office", password="smile2026")
    staff_employee(department=department, number="ZX011", name="王建华")
    browser_login(page, live_server, "office")
    page.goto(f"{live_server.url}/appraisal/events/new/")

    page.locator("#id_employee").press_sequentially("ZX999")
    expect(page.locator("#id_employee-matches [data-no-match]")).to_be_visible()
    page.click("#event-submit")

    expect(page.locator("[data-error-for=employee]")).to_contain_text("员工：")
    expect(page.locator("[data-error-for=employee]")).to_contain_text("“ZX999”")
    expect(page.locator("#id_employee")).to_have_value("ZX999")
    assert not Event.objects.exists()
