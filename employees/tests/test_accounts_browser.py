import pytest

from conftest import browser_login
from employees.accounts import accounts_sync
from employees.tests.factories import DepartmentFactory, EmployeeFactory, hr_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_hr_prints_slips_and_an_employee_activates_on_a_phone(page, browser, live_server):
    hr_user(username="hr")
    department = DepartmentFactory(name="装卸作业部")
    for n in range(3):
        EmployeeFactory(number=f"D60{n:02d}", name=f"员工{n}", department=department)
    accounts_sync(numbers=["D6000", "D6001", "D6002"])

    browser_login(page, live_server, "hr")
    page.goto(f"{live_server.url}/employees/accounts/")
    page.locator('tr[data-department="装卸作业部"] a').click()
    page.get_by_text("为 装卸作业部（3 名员工）发放激活条").wait_for()
    page.locator("#issue-slips button[type=submit]").click()
    slip = page.locator('[data-slip="D6001"]')
    slip.wait_for()
    assert page.locator("[data-slip]").count() == 3
    assert slip.locator("svg").count() == 1
    code = slip.locator('[data-field="code"]').inner_text()

    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    mobile = phone.new_page()
    mobile.goto(f"{live_server.url}/activate/?number=D6001")
    assert mobile.locator("#id_number").input_value() == "D6001"
    mobile.fill("#id_code", code)
    mobile.fill("#id_password1", "Harbour-Smile-2026")
    mobile.fill("#id_password2", "Harbour-Smile-2026")
    width = mobile.evaluate("document.documentElement.scrollWidth")
    mobile.locator("#activate-form button[type=submit]").click()
    mobile.wait_for_url(f"{live_server.url}/employees/me/")
    phone.close()

    assert width <= 390
