"""employees_import and the import_employees command (interfaces.md)."""

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from employees.models import Department, DepartmentKind, Employee, EmploymentForm
from employees.services import EMPLOYEE_HEADERS, employees_import
from employees.tests.factories import DepartmentFactory, EmployeeFactory, hr_user
from spreadsheets import ImportRejected, row_error

pytestmark = pytest.mark.django_db


def write_workbook(path, rows, headers=EMPLOYEE_HEADERS):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def run(path, user=None):
    return employees_import(source=path, name=path.name, imported_by=user)


def at_row(message, row, name="staff.xlsx"):
    """True when `message` is about row `row` of the file (in whatever language is active)."""
    return message.startswith(row_error(name, row, ""))


def rejected(path):
    with pytest.raises(ImportRejected) as caught:
        run(path)
    return caught.value


def test_new_employees_and_departments_are_created_with_their_kinds(tmp_path):
    path = write_workbook(
        tmp_path / "staff.xlsx",
        [
            ("D1001", "张三", "装卸作业部", "一线", "理货员", "合同工", "否"),
            ("D1002", "李四", "财务部", "职能", "会计", "劳务派遣", ""),
            (1003.0, "王五", "装卸作业部", "一线", "", "临时工", "是"),
        ],
    )

    report = run(path, user=hr_user())

    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    assert report.departments_created == 2
    assert Department.objects.get(name="装卸作业部").kind == DepartmentKind.FRONTLINE
    assert Department.objects.get(name="财务部").kind == DepartmentKind.FUNCTIONAL
    zhang = Employee.objects.get(number="D1001")
    assert (zhang.name, zhang.department.name, zhang.position) == ("张三", "装卸作业部", "理货员")
    assert zhang.employment_form == EmploymentForm.CONTRACT
    assert zhang.is_supervisor is False
    assert zhang.is_active is True
    wang = Employee.objects.get(number="1003")
    assert wang.is_supervisor is True
    assert wang.employment_form == EmploymentForm.TEMPORARY
    assert Employee.objects.get(number="D1002").employment_form == EmploymentForm.AGENCY


def test_existing_employees_are_updated_by_number_and_others_left_alone(tmp_path):
    port = DepartmentFactory(name="货运部", kind=DepartmentKind.FRONTLINE)
    moved = EmployeeFactory(number="D2001", name="旧名", department=port, is_supervisor=True)
    same = EmployeeFactory(
        number="D2002", name="赵六", department=port, position="司机", is_supervisor=False
    )
    untouched = EmployeeFactory(number="D2999", name="不在文件里", department=port)
    path = write_workbook(
        tmp_path / "staff.xlsx",
        [
            ("D2001", "新名", "综合部", "职能", "文员", "正式工", "否"),
            ("D2002", "赵六", "货运部", "", "司机", "正式工", "否"),
        ],
    )

    report = run(path)

    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    moved.refresh_from_db()
    assert (moved.name, moved.department.name, moved.position) == ("新名", "综合部", "文员")
    assert moved.is_supervisor is False
    same.refresh_from_db()
    assert same.department == port
    untouched.refresh_from_db()
    assert untouched.name == "不在文件里"
    assert untouched.is_active is True


def test_a_blank_employment_form_keeps_the_existing_one_and_is_permanent_for_new(tmp_path):
    port = DepartmentFactory(name="货运部", kind=DepartmentKind.FRONTLINE)
    EmployeeFactory(number="D3001", department=port, employment_form=EmploymentForm.CONTRACT)
    path = write_workbook(
        tmp_path / "staff.xlsx",
        [
            ("D3001", "甲", "货运部", "一线", "", "", ""),
            ("D3002", "乙", "货运部", "一线", "", None, None),
        ],
    )

    run(path)

    assert Employee.objects.get(number="D3001").employment_form == EmploymentForm.CONTRACT
    assert Employee.objects.get(number="D3002").employment_form == EmploymentForm.PERMANENT


def test_english_kind_and_form_values_are_accepted(tmp_path):
    path = write_workbook(
        tmp_path / "staff.xlsx",
        [("D4001", "甲", "技术部", "frontline", "", "agency", "no")],
    )

    run(path)

    employee = Employee.objects.get(number="D4001")
    assert employee.department.kind == DepartmentKind.FRONTLINE
    assert employee.employment_form == EmploymentForm.AGENCY


def test_a_department_kind_differing_from_the_existing_one_is_an_error_of_its_row(tmp_path):
    DepartmentFactory(name="财务部", kind=DepartmentKind.FUNCTIONAL)
    path = write_workbook(
        tmp_path / "staff.xlsx",
        [
            ("D5001", "甲", "财务部", "职能", "", "正式工", "否"),
            ("D5002", "乙", "财务部", "一线", "", "正式工", "否"),
        ],
    )

    error = rejected(path)

    assert len(error.errors) == 1
    assert at_row(error.errors[0], 3)
    assert "财务部" in error.errors[0]


def test_a_new_department_given_two_kinds_is_an_error_of_the_later_row(tmp_path):
    path = write_workbook(
        tmp_path / "staff.xlsx",
        [
            ("D5101", "甲", "新部门", "职能", "", "正式工", "否"),
            ("D5102", "乙", "新部门", "一线", "", "正式工", "否"),
        ],
    )

    error = rejected(path)

    assert len(error.errors) == 1
    assert at_row(error.errors[0], 3)


def test_a_new_department_without_a_kind_is_an_error(tmp_path):
    path = write_workbook(tmp_path / "staff.xlsx", [("D5201", "甲", "无名部", "", "", "", "")])

    error = rejected(path)

    assert at_row(error.errors[0], 2)
    assert "无名部" in error.errors[0]


def test_a_new_department_takes_the_kind_another_row_gives_it(tmp_path):
    path = write_workbook(
        tmp_path / "staff.xlsx",
        [
            ("D5301", "甲", "运行部", "", "", "", ""),
            ("D5302", "乙", "运行部", "一线", "", "", ""),
        ],
    )

    report = run(path)

    assert report.departments_created == 1
    assert Department.objects.get(name="运行部").kind == DepartmentKind.FRONTLINE


@pytest.mark.parametrize(
    ("row", "bad_value"),
    [
        (("D6001", "甲", "货运部", "海上", "", "正式工", "否"), "海上"),
        (("D6001", "甲", "货运部", "一线", "", "实习生", "否"), "实习生"),
        (("D6001", "甲", "货运部", "一线", "", "正式工", "也许"), "也许"),
        (("", "甲", "货运部", "一线", "", "正式工", "否"), "工号"),
        (("D6001", "", "货运部", "一线", "", "正式工", "否"), "姓名"),
        (("D6001", "甲", "", "一线", "", "正式工", "否"), "部门"),
        (("D6001", "甲" * 51, "货运部", "一线", "", "正式工", "否"), "姓名"),
    ],
)
def test_bad_cells_are_errors_of_their_row(tmp_path, row, bad_value):
    path = write_workbook(
        tmp_path / "staff.xlsx", [("D6000", "好人", "货运部", "一线", "", "正式工", "否"), row]
    )

    error = rejected(path)

    assert len(error.errors) == 1
    assert at_row(error.errors[0], 3)
    assert bad_value in error.errors[0]


def test_a_number_repeated_in_the_file_is_an_error_naming_both_rows(tmp_path):
    path = write_workbook(
        tmp_path / "staff.xlsx",
        [
            ("D7001", "甲", "货运部", "一线", "", "正式工", "否"),
            ("D7002", "乙", "货运部", "一线", "", "正式工", "否"),
            ("D7001", "丙", "货运部", "一线", "", "正式工", "否"),
        ],
    )

    error = rejected(path)

    assert len(error.errors) == 1
    assert at_row(error.errors[0], 4)
    assert "D7001" in error.errors[0]
    assert "2" in error.errors[0].removeprefix(row_error("staff.xlsx", 4, ""))


def test_one_bad_row_writes_nothing_and_every_bad_row_is_reported(tmp_path):
    EmployeeFactory(number="D8000", name="原名", department__name="货运部")
    path = write_workbook(
        tmp_path / "staff.xlsx",
        [
            ("D8000", "新名", "货运部", "一线", "", "正式工", "否"),
            ("D8001", "甲", "新部门", "一线", "", "正式工", "否"),
            ("D8002", "乙", "货运部", "一线", "", "外星人", "否"),
            ("D8003", "丙", "货运部", "一线", "", "正式工", "大概"),
        ],
    )
    employees, departments = Employee.objects.count(), Department.objects.count()

    error = rejected(path)

    assert len(error.errors) == 2
    assert at_row(error.errors[0], 4)
    assert at_row(error.errors[1], 5)
    assert Employee.objects.count() == employees
    assert Department.objects.count() == departments
    assert Employee.objects.get(number="D8000").name == "原名"


def test_the_import_is_a_few_bulk_queries_not_one_per_row(tmp_path, django_assert_max_num_queries):
    port = DepartmentFactory(name="货运部", kind=DepartmentKind.FRONTLINE)
    for n in range(50):
        EmployeeFactory(number=f"D9{n:03d}", department=port)
    path = write_workbook(
        tmp_path / "staff.xlsx",
        [(f"D9{n:03d}", f"员工{n}", "货运部", "一线", "", "正式工", "否") for n in range(300)],
    )

    # 15 for the employees, and a fixed handful for their 300 new logins (users are
    # inserted 90 at a time on SQLite, whose statements take at most 999 parameters).
    with django_assert_max_num_queries(20):
        report = run(path)

    assert (report.created, report.updated) == (250, 50)


def test_a_file_with_a_renamed_header_is_refused(tmp_path):
    path = write_workbook(
        tmp_path / "staff.xlsx",
        [("D1001", "张三", "货运部", "一线", "", "正式工", "否")],
        headers=("工号", "名字", *EMPLOYEE_HEADERS[2:]),
    )

    error = rejected(path)

    assert "名字" in str(error)
    assert "姓名" in str(error)
    assert not Employee.objects.exists()


# --- The command --------------------------------------------------------------------------------


def test_the_command_imports_and_prints_a_one_line_summary(tmp_path, capsys):
    path = write_workbook(
        tmp_path / "staff.xlsx",
        [
            ("D1001", "张三", "装卸作业部", "一线", "理货员", "合同工", "否"),
            ("D1002", "李四", "财务部", "职能", "会计", "正式工", "否"),
        ],
    )

    call_command("import_employees", str(path))

    output = capsys.readouterr().out.strip()
    assert len(output.splitlines()) == 1
    assert "staff.xlsx" in output
    assert "2" in output
    assert Employee.objects.count() == 2


def test_the_command_fails_with_every_error_and_changes_nothing(tmp_path):
    path = write_workbook(
        tmp_path / "staff.xlsx",
        [
            ("D1001", "张三", "装卸作业部", "一线", "", "正式工", "否"),
            ("D1002", "", "装卸作业部", "一线", "", "正式工", "否"),
        ],
    )

    with pytest.raises(CommandError) as caught:
        call_command("import_employees", str(path))

    assert str(caught.value).startswith(row_error("staff.xlsx", 3, ""))
    assert not Employee.objects.exists()


def test_the_command_names_a_missing_file(tmp_path):
    with pytest.raises(CommandError) as caught:
        call_command("import_employees", str(tmp_path / "nowhere.xlsx"))

    assert "nowhere.xlsx" in str(caught.value)
