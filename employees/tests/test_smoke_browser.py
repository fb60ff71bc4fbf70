import pytest

from conftest import browser_login
from employees.tests.factories import office_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_office_logs_in_through_the_chinese_login_page(page, live_server):
    office_user(username="office")

    browser_login(page, live_server, "office")

    assert page.url == f"{live_server.url}/"
    assert page.locator("html").get_attribute("lang") == "zh-hans"
