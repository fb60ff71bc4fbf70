import pytest

from appraisal.models import EventKind, EventValidity
from awards.tests.factories import WorkBadgeFactory
from employees.models import DepartmentKind
from employees.tests.factories import DepartmentFactory
from feedback.models import FeedbackMessage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}


def test_customer_praises_an_employee_on_a_phone_without_javascript(
    browser, live_server, screenshot_dir
):
    department = DepartmentFactory(name="装卸作业部", kind=DepartmentKind.FRONTLINE)
    badge = WorkBadgeFactory(
        employee__name="王小明", employee__department=department, employee__position="门机司机"
    )
    # WeChat's in-app browser may run scripts, but the page must not need them.
    context = browser.new_context(java_script_enabled=False, **PHONE)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(f"{live_server.url}/feedback/{badge.token}/")
        assert page.locator("html").get_attribute("lang") == "zh-hans"
        assert page.locator('[data-field="name"]').inner_text() == "王小明"
        assert page.locator("#main-nav").count() == 0
        box = page.locator('form[data-form="feedback"]').bounding_box()
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 390

        page.click('label[for="id_kind_0"]')
        page.fill("#id_text", "在码头入口耐心帮我找到了提货窗口，还主动帮忙搬运，态度非常好！")
        page.fill("#id_happened", "今天上午十点")
        page.fill("#id_contact", "13800000000")
        page.screenshot(path=str(screenshot_dir / "feedback-390.png"), full_page=True)
        page.click('form[data-form="feedback"] button[type="submit"]')

        assert page.locator('[data-page="thanks"]').is_visible()
        assert page.url.endswith(f"/feedback/{badge.token}/thanks/")
    finally:
        context.close()

    message = FeedbackMessage.objects.select_related("event").get()
    assert message.kind == "praise"
    assert message.contact == "13800000000"
    assert message.event.kind == EventKind.WECHAT_PRAISE
    assert message.event.validity == EventValidity.PENDING
    assert message.event.employee == badge.employee
