"""The year end in Debian's Chromium: a head nominates, the office names, publishes and
prints the certificate, the star sees it on a phone."""

import pytest

from appraisal.models import StarStatus
from appraisal.tests.year.conftest import YEAR
from conftest import browser_login
from employees.models import Role
from employees.tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_star_from_nomination_to_the_phone(
    page, browser, live_server, year_world, screenshot_dir
):
    year_world.settle_q4()
    UserFactory(username="head_l", roles=[Role.DEPARTMENT_HEAD], department=year_world.loading)
    UserFactory(username="office", roles=[Role.OFFICE])
    star_login = UserFactory(username="A001", roles=[Role.STAFF])
    year_world.zhang.user = star_login
    year_world.zhang.save(update_fields=["user"])

    browser_login(page, live_server, "head_l")
    page.goto(f"{live_server.url}/appraisal/years/{YEAR}/stars/")
    page.select_option("#employee", str(year_world.zhang.pk))
    page.fill("#citation", "全年热情服务，旅客表扬不断")
    page.click("#nominate button[type=submit]")
    page.wait_for_selector("tr[data-star=A001][data-status=nominated]")
    page.context.clear_cookies()

    browser_login(page, live_server, "office")
    page.goto(f"{live_server.url}/appraisal/years/{YEAR}/stars/")
    page.click("tr[data-star=A001] button[value=name]")
    page.wait_for_selector("tr[data-star=A001][data-status=named]")
    page.click("#publish")
    page.wait_for_selector("[data-published=yes]")
    page.click("tr[data-star=A001] [data-certificate]")
    page.wait_for_selector("[data-certificate=A001]")
    assert "服务明星" in page.inner_text("[data-certificate=A001]")
    page.screenshot(path=str(screenshot_dir / "star-certificate.png"), full_page=True)
    pdf = page.pdf(format="A4", landscape=True, print_background=True)
    assert pdf.startswith(b"%PDF")
    page.goto(f"{live_server.url}/appraisal/years/{YEAR}/")
    page.wait_for_selector("#year-summary")
    assert "★" in page.inner_text("tr[data-employee=A001] [data-star]")
    page.screenshot(path=str(screenshot_dir / "year-summary-1280.png"), full_page=True)
    assert year_world.zhang.stars.get().status == StarStatus.NAMED

    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    mobile = phone.new_page()
    mobile.set_default_timeout(10_000)
    browser_login(mobile, live_server, "A001")
    mobile.goto(f"{live_server.url}/employees/me/")
    star = mobile.wait_for_selector(f"[data-service-star='{YEAR}']")
    assert star.is_visible()
    assert "全年热情服务" in star.inner_text()
    width = mobile.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    mobile.screenshot(path=str(screenshot_dir / "my-star-390.png"), full_page=True)
    phone.close()
