import pytest

from awards.tests.factories import WorkBadgeFactory
from conftest import browser_login
from employees.models import DepartmentKind
from employees.tests.factories import DepartmentFactory, office_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


PEOPLE = [
    ("装卸作业部", "王小明", "门机司机"),
    ("装卸作业部", "李娜", "装卸工"),
    ("货运部", "张伟", "货运调度员"),
    ("货运部", "刘洋", "理货员"),
    ("生产部", "陈静", "计量员"),
    ("生产部", "杨帆", "生产调度员"),
    ("综合部", "赵磊", "客服专员"),
    ("综合部", "黄敏", "文员"),
    ("机械部", "周杰", "机修工"),
    ("运行部", "吴婷", "值班员"),
]


def test_badge_sheet_prints_ten_cards_with_qr_codes_on_an_a4_page(
    browser, live_server, screenshot_dir, settings
):
    settings.PUBLIC_BASE_URL = live_server.url
    for order, (department, name, position) in enumerate(PEOPLE):
        WorkBadgeFactory(
            employee__number=f"GZ{1001 + order}",
            employee__name=name,
            employee__position=position,
            employee__department=DepartmentFactory(
                name=department, kind=DepartmentKind.FRONTLINE, display_order=order
            ),
        )
    office_user(username="office")
    context = browser.new_context(
        viewport={"width": 1000, "height": 1300}, device_scale_factor=1.5, locale="zh-CN"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        browser_login(page, live_server, "office")
        page.goto(f"{live_server.url}/awards/badges/print/")

        sheet = page.locator('[data-sheet="1"]')
        assert sheet.locator("[data-badge-token]").count() == 10
        assert sheet.locator('[data-qr="svg"] svg').count() == 10
        # Every card keeps its printed size: 85.6 × 54 mm at 96 dpi.
        card = sheet.locator("[data-badge-token]").first.bounding_box()
        assert abs(card["width"] - 85.6 / 25.4 * 96) < 2
        assert abs(card["height"] - 54 / 25.4 * 96) < 2
        sheet.screenshot(path=str(screenshot_dir / "badges-a4.png"))
        first_url = sheet.locator("[data-badge-token]").first.get_attribute("data-feedback-url")

        # Printed, the ten cards fit one A4 page.
        page.emulate_media(media="print")
        pdf = page.pdf(print_background=True, prefer_css_page_size=True)
        assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") == 1
    finally:
        context.close()

    # What a phone opens when it scans the first card's code.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    try:
        scanned = phone.new_page()
        scanned.goto(first_url)
        assert scanned.locator('[data-field="name"]').inner_text() == "王小明"
        assert scanned.locator('form[data-form="feedback"]').is_visible()
    finally:
        phone.close()
