"""The Content-Security-Policy in Debian's Chromium: no page of any role trips it.

Chromium reports every refused script, handler or style on the console
("... violates the following Content Security Policy directive ..."). Each
role's main pages are opened with that console watched, and the two behaviours
that used to be inline handlers (the print button, the language switch) still
work from static/js/page.js.
"""

import pytest

from appraisal.tests.test_views_quarters import CODE, World
from awards.tests.factories import WorkBadgeFactory
from conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Counts the print dialogs asked for instead of opening one.
FAKE_PRINT = "window.__printed = 0; window.print = () => { window.__printed += 1; };"


def watch_console(page) -> list[str]:
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    page.on("pageerror", lambda error: messages.append(f"page error: {error}"))
    return messages


def violations(messages: list[str]) -> list[str]:
    return [m for m in messages if "Content Security Policy" in m or m.startswith("page error")]


def visit(page, live_server, address: str) -> None:
    response = page.goto(f"{live_server.url}{address}")
    assert response.status == 200, address
    assert address == "/login/" or "/login/" not in page.url, address
    page.wait_for_load_state("networkidle")


@pytest.fixture
def world():
    return World().to("published")


@pytest.mark.parametrize(
    ("login", "addresses"),
    [
        ("office", ["/", f"/appraisal/quarters/{CODE}/", "/appraisal/events/pending/",
                    "/appraisal/events/", f"/appraisal/quarters/{CODE}/notice/",
                    "/awards/badges/print/"]),
        ("hr", ["/", f"/appraisal/quarters/{CODE}/notice/"]),
        ("head_a", ["/", "/appraisal/sheets/?day=2025-07-01",
                    "/appraisal/sheets/month/?month=2025-07"]),
        ("S0001", ["/employees/me/?month=2025-07", f"/appraisal/quarters/{CODE}/notice/"]),
    ],
)  # fmt: skip
def test_the_main_pages_of_each_role_trip_no_policy(page, live_server, world, login, addresses):
    messages = watch_console(page)
    browser_login(page, live_server, login)

    for address in addresses:
        visit(page, live_server, address)

    assert page.url.startswith(live_server.url)
    assert violations(messages) == []


def test_the_login_page_and_the_feedback_page_on_a_phone_trip_no_policy(browser, live_server):
    world = World()
    badge = WorkBadgeFactory(employee=world.a1)
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        messages = watch_console(page)
        visit(page, live_server, "/login/")
        visit(page, live_server, f"/feedback/{badge.token}/")
        page.wait_for_selector('form[data-form="feedback"]')

        assert violations(messages) == []
    finally:
        context.close()


@pytest.mark.parametrize(
    "address", [f"/appraisal/quarters/{CODE}/notice/", "/awards/badges/print/"]
)
def test_the_print_button_still_prints(page, live_server, world, address):
    messages = watch_console(page)
    page.add_init_script(FAKE_PRINT)
    browser_login(page, live_server, "office")
    visit(page, live_server, address)

    page.click("button[data-print]")

    assert page.evaluate("window.__printed") == 1
    assert violations(messages) == []


def test_the_language_switch_still_switches(page, live_server, world):
    messages = watch_console(page)
    browser_login(page, live_server, "office")
    visit(page, live_server, f"/appraisal/quarters/{CODE}/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"

    with page.expect_navigation():
        page.select_option("select[name=language]", "en")

    assert page.locator("html").get_attribute("lang") == "en"
    assert page.url == f"{live_server.url}/appraisal/quarters/{CODE}/"
    assert violations(messages) == []


def test_the_console_watch_sees_an_inline_handler_refused(page, live_server, world):
    # Proves the watch above is really looking: the policy refuses an inline handler.
    messages = watch_console(page)
    browser_login(page, live_server, "office")
    page.evaluate(
        "() => { const b = document.createElement('button');"
        " b.id = 'evil'; b.setAttribute('onclick', 'window.__ran = 1');"
        " document.body.append(b); }"
    )

    page.click("#evil")

    assert page.evaluate("window.__ran") is None
    assert any("Content Security Policy" in m for m in messages)
