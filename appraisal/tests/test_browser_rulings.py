"""Issue 11 in Chromium: Enter never rules, a disqualification is confirmed, and a
customer's feedback after an early close is received and kept for the record."""

import pytest

from appraisal.models import EventKind, EventSource, EventValidity, QuarterStatus
from appraisal.rules import QuarterId
from appraisal.tests.factories import EventFactory
from awards.tests.factories import WorkBadgeFactory
from conftest import browser_login
from employees.models import DepartmentKind
from employees.tests.factories import DepartmentFactory, office_user, staff_employee
from feedback.models import FeedbackMessage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}


@pytest.fixture
def department(quarter):
    return DepartmentFactory(name="装卸作业部", kind=DepartmentKind.FRONTLINE)


def wechat_complaint(employee, today, note):
    return EventFactory(
        employee=employee,
        date=today,
        kind=EventKind.WECHAT_COMPLAINT,
        source=EventSource.WECHAT,
        note=note,
    )


def test_enter_never_rules_and_a_disqualification_is_confirmed(
    page, live_server, quarter, department, today, screenshot_dir
):
    first = wechat_complaint(staff_employee(department=department, name="张三"), today, "重复")
    second = wechat_complaint(staff_employee(department=department, name="李四"), today, "属实")
    office_user(username="office")
    browser_login(page, live_server, "office")
    page.goto(f"{live_server.url}/appraisal/events/pending/")
    row = f"#queue-row-{first.pk}"

    page.fill(f"#reason-{first.pk}", "客户重复提交")
    page.press(f"#reason-{first.pk}", "Enter")
    page.wait_for_selector(f"{row}[data-state=error]")
    assert "回车" in page.locator(row).inner_text()  # the page says to choose
    first.refresh_from_db()
    assert first.validity == EventValidity.PENDING

    page.locator(f"{row} button[data-rule=invalid]").click()
    page.wait_for_selector(f"{row}[data-state=ruled]")
    first.refresh_from_db()
    assert (first.validity, first.ruling_note) == (EventValidity.INVALID, "客户重复提交")

    row = f"#queue-row-{second.pk}"
    page.locator(f"{row} button[data-rule=valid]").click()
    page.wait_for_selector(f"{row}[data-state=confirm]")
    consequence = page.locator(f"{row} [data-consequence]").inner_text()
    assert "李四" in consequence and quarter.code in consequence
    second.refresh_from_db()
    assert second.validity == EventValidity.PENDING
    page.locator(f"{row} button[data-rule=confirm]").click()
    page.wait_for_selector(f"{row}[data-state=ruled]")
    second.refresh_from_db()
    assert second.validity == EventValidity.VALID

    # The office corrects the first ruling on the event's page; the history keeps both.
    page.goto(f"{live_server.url}/appraisal/events/{first.pk}/")
    page.check("input[name=validity][value=pending]")
    page.fill("input[name=reason]", "客户补充了材料，重新审核")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    first.refresh_from_db()
    assert first.validity == EventValidity.PENDING
    assert "客户补充了材料" in page.locator("main").inner_text()
    page.screenshot(path=str(screenshot_dir / "event-history-1280.png"), full_page=True)


def test_feedback_after_an_early_close_is_received_and_kept_for_the_record(
    page, browser, live_server, quarter, department, today, screenshot_dir
):
    if today == QuarterId.of(today).last_day:
        pytest.skip("today is the quarter's last day: nothing is early")
    badge = WorkBadgeFactory(employee__name="王小明", employee__department=department)
    office_user(username="office")
    browser_login(page, live_server, "office")

    # The office closes the quarter early; the page says what stops and what goes on.
    page.goto(f"{live_server.url}/appraisal/quarters/{quarter.code}/close/")
    assert page.locator("[data-what-stops]").is_visible()
    page.check("input[name=force]")
    page.locator("[data-submit=close]").click()
    page.wait_for_load_state("networkidle")
    quarter.refresh_from_db()
    assert quarter.status == QuarterStatus.CLOSED

    # A customer on a phone still gets the thank-you page.
    context = browser.new_context(**PHONE)
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    try:
        phone.goto(f"{live_server.url}/feedback/{badge.token}/")
        phone.click('label[for="id_kind_1"]')
        phone.fill("#id_text", "结算之后才来投诉：装车时态度不好。")
        phone.click('form[data-form="feedback"] button[type="submit"]')
        phone.wait_for_selector('[data-page="thanks"]')
        assert phone.url.endswith(f"/feedback/{badge.token}/thanks/")
    finally:
        context.close()
    event = FeedbackMessage.objects.select_related("event").get().event
    assert (event.validity, event.for_the_record) == (EventValidity.PENDING, True)

    # The office sees it in the queue, marked for the record and not counted.
    page.goto(f"{live_server.url}/appraisal/events/pending/")
    late = page.locator(f"#too-late [data-event='{event.pk}']")
    late.wait_for()
    assert late.locator("[data-not-counted]").is_visible()
    assert quarter.code in late.locator("[data-field=not-counted]").inner_text()
    page.screenshot(path=str(screenshot_dir / "queue-for-the-record.png"), full_page=True)
