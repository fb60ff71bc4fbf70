"""Logins for every employee: import, slips, activation, heads, leavers."""

from __future__ import annotations

import datetime
import io

import pytest
from django.contrib.auth.hashers import is_password_usable
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from employees.accounts import (
    account_leavers_deactivate,
    activation_issue,
    activation_use,
)
from employees.models import AccountActivation, Employee, Role, User
from employees.services import EMPLOYEE_HEADERS, employees_import, role_groups_sync
from employees.tests.factories import (
    DepartmentFactory,
    EmployeeFactory,
    head_user,
    hr_user,
    office_user,
    staff_employee,
)

pytestmark = pytest.mark.django_db

PASSWORD = "Harbour-Smile-2026"


def workbook(path, rows, headers=EMPLOYEE_HEADERS):
    book = Workbook()
    book.active.append(list(headers))
    for row in rows:
        book.active.append(list(row))
    book.save(path)
    return path


def run(path):
    return employees_import(source=path, name=path.name, imported_by=None)


def groups(login: User) -> set[str]:
    return set(login.groups.values_list("name", flat=True))


def test_the_import_gives_every_appraised_employee_a_plain_login_without_password(tmp_path):
    path = workbook(
        tmp_path / "staff.xlsx",
        [
            ("D1001", "张三", "装卸作业部", "一线", "理货员", "合同工", "否"),
            ("D1002", "李四", "装卸作业部", "一线", "", "", ""),
            ("D1003", "王五", "装卸作业部", "一线", "主管", "", "是"),
        ],
    )

    run(path)

    for number in ("D1001", "D1002"):
        login = Employee.objects.get(number=number).user
        assert login.username == number
        assert not is_password_usable(login.password)
        assert groups(login) == {Role.STAFF.value}
        assert login.is_active and not login.is_staff and not login.is_superuser
        assert login.department is None
    # A supervisor is not appraised: no login unless named head.
    assert Employee.objects.get(number="D1003").user is None


def test_importing_again_creates_no_second_login(tmp_path):
    path = workbook(tmp_path / "s.xlsx", [("D1001", "张三", "装卸作业部", "一线", "", "", "")])
    run(path)
    run(path)

    assert User.objects.filter(username="D1001").count() == 1


def test_the_head_column_names_a_head_with_the_role_for_their_department(tmp_path):
    headers = (*EMPLOYEE_HEADERS, "部门负责人")
    path = workbook(
        tmp_path / "s.xlsx",
        [
            ("D1003", "王五", "装卸作业部", "一线", "主管", "", "是", "是"),
            ("D1001", "张三", "装卸作业部", "一线", "", "", "", "否"),
        ],
        headers,
    )

    run(path)

    head = Employee.objects.get(number="D1003")
    assert head.user.username == "D1003"
    assert head.user.is_department_head
    assert head.user.department == head.department
    assert groups(head.user) == {Role.STAFF.value, Role.DEPARTMENT_HEAD.value}
    head.full_clean()  # the one role an employee's own login may hold
    assert not Employee.objects.get(number="D1001").user.is_department_head

    run(
        workbook(
            tmp_path / "s2.xlsx",
            [("D1003", "王五", "装卸作业部", "一线", "", "", "是", "否")],
            headers,
        )
    )
    head.user.refresh_from_db()
    assert not User.objects.get(username="D1003").is_department_head


def test_a_bad_head_cell_rejects_the_file(tmp_path):
    from spreadsheets import ImportRejected

    path = workbook(
        tmp_path / "s.xlsx",
        [("D1003", "王五", "装卸作业部", "一线", "", "", "", "也许")],
        (*EMPLOYEE_HEADERS, "部门负责人"),
    )

    with pytest.raises(ImportRejected) as refused:
        run(path)

    assert "部门负责人" in str(refused.value)
    assert not Employee.objects.exists()


def test_the_office_names_and_removes_a_head_on_its_page(client):
    office = office_user()
    employee = EmployeeFactory(number="D2001", is_supervisor=True)
    client.force_login(office)

    named = client.post(reverse("employees:heads"), {"number": "D2001", "action": "name"})

    assert named.status_code == 302
    employee.refresh_from_db()
    assert employee.user.is_department_head
    assert employee.user.department == employee.department
    assert "D2001" in client.get(reverse("employees:heads")).content.decode()

    client.post(reverse("employees:heads"), {"number": "D2001", "action": "remove"})
    login = User.objects.get(username="D2001")
    assert not login.is_department_head
    assert groups(login) == {Role.STAFF.value}


def test_hr_and_heads_cannot_name_heads(client):
    department = DepartmentFactory()
    for login in (hr_user(), head_user(department)):
        client.force_login(login)
        assert client.get(reverse("employees:heads")).status_code == 403


def test_adding_an_employee_in_the_admin_creates_their_login(client):
    role_groups_sync()
    client.force_login(office_user(is_staff=True))
    department = DepartmentFactory()

    response = client.post(
        reverse("admin:employees_employee_add"),
        {
            "number": "D3001",
            "name": "赵六",
            "department": department.pk,
            "employment_form": "permanent",
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    login = Employee.objects.get(number="D3001").user
    assert login.username == "D3001"
    assert not is_password_usable(login.password)
    assert groups(login) == {Role.STAFF.value}


@pytest.fixture
def crew():
    department = DepartmentFactory(name="装卸作业部")
    employees = [EmployeeFactory(number=f"D40{n:02d}", department=department) for n in range(12)]
    from employees.accounts import accounts_sync

    accounts_sync(numbers=[employee.number for employee in employees])
    return department, list(Employee.objects.filter(department=department).select_related("user"))


def test_hr_confirms_then_prints_a_departments_slips_with_codes_and_qr(client, crew):
    department, _employees = crew
    client.force_login(hr_user())
    url = reverse("employees:slips_department", args=[department.pk])

    confirm = client.get(url)
    sheet = client.post(url)

    assert "装卸作业部（12 名员工）" in confirm.content.decode()
    html = sheet.content.decode()
    assert sheet.status_code == 200
    assert html.count('data-slip="') == 12
    assert html.count("<svg") >= 12
    assert "/activate/" in html
    assert AccountActivation.objects.count() == 12
    # Only hashes are kept: no stored value is a printed code.
    codes = [slip.code for slip in [s for sheet in sheet.context["sheets"] for s in sheet]]
    stored = set(AccountActivation.objects.values_list("code_hash", flat=True))
    assert not stored & set(codes)
    assert all(code in html.replace(" ", "") for code in codes)


def test_staff_and_heads_cannot_issue_slips(client, crew):
    department, employees = crew
    for login in (employees[0].user, head_user(department)):
        client.force_login(login)
        assert client.get(reverse("employees:accounts")).status_code == 403
        url = reverse("employees:slips_department", args=[department.pk])
        assert client.post(url).status_code == 403
    assert not AccountActivation.objects.exists()


def activate(client, number, code, password=PASSWORD, again=None):
    return client.post(
        reverse("activate"),
        {"number": number, "code": code, "password1": password, "password2": again or password},
    )


def test_an_employee_activates_once_and_lands_on_their_own_page(client, crew):
    _department, employees = crew
    employee = employees[0]
    slip = activation_issue(employees=[employee], issued_by=None)[0]

    response = activate(client, employee.number, slip.code_display.lower())

    assert response.status_code == 302
    assert client.get(response.url).url == reverse("employees:me")
    employee.user.refresh_from_db()
    assert employee.user.check_password(PASSWORD)
    client.logout()
    again = activate(client, employee.number, slip.code, "Other-Smile-2027")
    assert "已经使用过" in again.content.decode()
    employee.user.refresh_from_db()
    assert employee.user.check_password(PASSWORD)


def test_a_wrong_or_expired_code_is_refused_with_a_clear_message(client, crew):
    _department, employees = crew
    slip = activation_issue(employees=[employees[0]], issued_by=None)[0]

    wrong = activate(client, employees[0].number, "AAAAAAAAAA")
    other = activate(client, employees[1].number, slip.code)
    AccountActivation.objects.update(
        issued_at=timezone.now() - datetime.timedelta(days=31),
        expires_at=timezone.now() - datetime.timedelta(seconds=1),
    )
    expired = activate(client, employees[0].number, slip.code)

    assert "工号与激活码不匹配" in wrong.content.decode()
    assert "工号与激活码不匹配" in other.content.decode()
    assert "激活码已过期" in expired.content.decode()
    employees[0].user.refresh_from_db()
    assert not is_password_usable(employees[0].user.password)


def test_wrong_codes_lock_the_number_like_wrong_passwords_and_then_nothing_is_checked(
    client, crew, settings
):
    _department, employees = crew
    employee = employees[0]
    slip = activation_issue(employees=[employee], issued_by=None)[0]
    for _try in range(settings.AXES_FAILURE_LIMIT - 1):
        wrong = activate(client, employee.number, "AAAAAAAAAA")
        assert "工号与激活码不匹配" in wrong.content.decode()
    # The fifth wrong code locks, as the fifth wrong password does.
    assert activate(client, employee.number, "AAAAAAAAAA").status_code == 429

    locked = activate(client, employee.number, slip.code)

    assert locked.status_code == 429
    assert "密码或激活码错误 5 次后" in locked.content.decode()
    employee.user.refresh_from_db()
    assert not is_password_usable(employee.user.password)
    # The login page is locked for the number too: the same limit guards both.
    response = client.post(reverse("login"), {"username": employee.number, "password": "x"})
    assert "锁定 15 分钟" in response.content.decode()


def test_a_weak_password_with_the_right_code_is_not_counted_as_a_guess(client, crew, settings):
    _department, employees = crew
    employee = employees[0]
    slip = activation_issue(employees=[employee], issued_by=None)[0]
    for _try in range(settings.AXES_FAILURE_LIMIT):
        activate(client, employee.number, slip.code, "123")

    response = activate(client, employee.number, slip.code)

    assert response.status_code == 302
    employee.user.refresh_from_db()
    assert employee.user.check_password(PASSWORD)


def test_the_code_expires_after_the_setting(settings, crew):
    settings.ACTIVATION_CODE_DAYS = 7
    slip = activation_issue(employees=[crew[1][0]], issued_by=None)[0]

    assert slip.expires_at - timezone.now() < datetime.timedelta(days=7, seconds=5)
    assert slip.expires_at - timezone.now() > datetime.timedelta(days=6, hours=23)


def test_the_password_validators_apply(client, crew):
    employee = crew[1][0]
    slip = activation_issue(employees=[employee], issued_by=None)[0]

    response = activate(client, employee.number, slip.code, "12345678")
    differ = activate(client, employee.number, slip.code, PASSWORD, "Another-2026-x")

    assert response.status_code == 200
    assert "password1" in response.context["form"].errors
    assert "password2" in differ.context["form"].errors
    assert AccountActivation.objects.get().used_at is None


def test_a_new_slip_stops_the_old_code(client, crew):
    employee = crew[1][0]
    old = activation_issue(employees=[employee], issued_by=None)[0]
    client.force_login(hr_user())
    confirm = client.get(reverse("employees:slip_employee"), {"number": employee.number})
    sheet = client.post(reverse("employees:slip_employee"), {"number": employee.number})
    new = sheet.context["sheets"][0][0]
    client.logout()

    assert confirm.context["employee"] == employee
    with pytest.raises(Exception, match="不匹配"):
        activation_use(number=employee.number, code=old.code, password=PASSWORD)
    assert activation_use(number=employee.number, code=new.code, password=PASSWORD) == employee.user


def test_leavers_logins_are_switched_off_by_the_daily_command(crew):
    employees = crew[1]
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Employee.objects.filter(pk=employees[0].pk).update(left_on=yesterday)
    Employee.objects.filter(pk=employees[1].pk).update(left_on=timezone.localdate())
    activation_issue(employees=employees[:1], issued_by=None)

    call_command("deactivate_leavers", stdout=io.StringIO())

    assert not User.objects.get(username=employees[0].number).is_active
    assert User.objects.get(username=employees[1].number).is_active  # last day today
    assert not AccountActivation.objects.exists()
    assert account_leavers_deactivate() == 0


def test_an_employee_login_cannot_be_given_a_role_except_own_head():
    employee = staff_employee(number="D5001")
    login = employee.user
    login.groups.add(
        __import__("django.contrib.auth.models").contrib.auth.models.Group.objects.get_or_create(
            name=Role.HR.value
        )[0]
    )

    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        employee.full_clean()
