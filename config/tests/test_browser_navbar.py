"""The top bar in Debian's Chromium: one line at 1280 px for every role, in Chinese and English."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from conftest import browser_login
from employees.tests.factories import (
    DepartmentFactory,
    head_user,
    hr_user,
    office_user,
    staff_employee,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The measures of the bar, its language select and the login's name, as the page lays them out.
MEASURE = """() => {
  const nav = document.getElementById("navbar");
  const select = document.getElementById("language-select");
  const name = document.getElementById("navbar-user");
  const style = getComputedStyle(name);
  return {
    navHeight: nav.getBoundingClientRect().height,
    selectScroll: select.scrollWidth,
    selectClient: select.clientWidth,
    nameText: name.textContent.trim(),
    nameHeight: name.getBoundingClientRect().height
      - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom),
    lineHeight: parseFloat(style.lineHeight),
    pageWidth: document.documentElement.scrollWidth,
    // The room left between the links and the language select: headless Chromium
    // draws no scrollbar, a long page on Windows takes 17 px of the 1280.
    spare: select.form.getBoundingClientRect().left
      - nav.querySelector(".navbar-nav").getBoundingClientRect().right,
  };
}"""


@pytest.fixture
def logins(db):
    department = DepartmentFactory(name="装卸作业部")
    # The longest name the bar shows whole; a longer one is cut with an ellipsis.
    office_user(username="office", first_name="欧阳建国华")
    hr_user(username="hr", first_name="冯晓丽")
    head_user(department, username="head", first_name="欧阳建国")
    staff_employee(department=department, number="D1002", name="姚大力")
    return {"office": "office", "hr": "hr", "head": "head", "staff": "D1002"}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("role", ["office", "hr", "head", "staff"])
def test_the_navbar_is_one_line_at_1280_px(browser, live_server, logins, role, language):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        browser_login(page, live_server, logins[role])
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page.locator(".navbar-toggler")).to_be_hidden()

        measured = page.evaluate(MEASURE)

        assert measured["navHeight"] < 70, measured
        assert measured["selectScroll"] <= measured["selectClient"], measured
        assert measured["nameText"], measured
        assert measured["nameHeight"] < 1.6 * measured["lineHeight"], measured
        assert measured["pageWidth"] <= 1280, measured
        assert measured["spare"] >= 17, measured
        if role == "staff":
            expect(page.locator("#nav-more")).to_have_count(0)
        else:
            # The pages opened now and then are under More, and it opens under the policy.
            page.click("#nav-more")
            expect(page.locator("[aria-labelledby=nav-more] .dropdown-item").first).to_be_visible()
            if role == "office":
                expect(page.locator("[aria-labelledby=nav-more]")).to_contain_text(
                    "Administration" if language == "en" else "管理后台"
                )
    finally:
        context.close()


def test_below_1200_px_the_links_fold_under_the_menu_button(page, live_server, logins):
    page.set_viewport_size({"width": 1100, "height": 800})
    browser_login(page, live_server, "office")

    expect(page.locator(".navbar-toggler")).to_be_visible()
    expect(page.locator("#main-nav")).to_be_hidden()
    page.click(".navbar-toggler")
    expect(page.locator("#main-nav")).to_be_visible()
    expect(page.locator("#language-select")).to_be_visible()
