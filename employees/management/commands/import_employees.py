from pathlib import Path

from django.utils.translation import gettext as _

from employees.services import EmployeeImportReport, employees_import
from spreadsheets import ImportCommand, ImportReport


class Command(ImportCommand):
    help = """Upsert employees by 工号 (employee number) from HR's workbook.

The first sheet is read; its first row holds exactly these headers:

    工号 | 姓名 | 部门 | 部门类别 | 岗位 | 用工形式 | 是否主管

  工号      required; an existing 工号 is updated, a new one created.
            Employees missing from the file are left alone.
  姓名      required.
  部门      required; a department that does not exist yet is created.
  部门类别  职能 (functional) or 一线 (frontline); required to create a
            department, and must match an existing department's kind.
  岗位      position, may be empty.
  用工形式  正式工, 合同工, 劳务派遣, 临时工 or 其他; empty keeps an existing
            employee's form (a new employee is 正式工).
  是否主管  是 marks a supervisor-and-above, who is not appraised; 否 or
            empty otherwise (also yes/no, 1/0).
  部门负责人  optional trailing column: 是 names the employee head of their
            department (their login gets the head role), 否 removes it,
            empty leaves it as is.

Every appraised employee (and every head) gets a login named after their
工号, without a usable password: HR prints activation slips for them.

Cells may be text or numbers. All or nothing: on any bad row the command
lists every problem (file, row, what is wrong), changes nothing and exits
with status 1."""

    def run_import(self, *, source: Path, name: str) -> ImportReport:
        return employees_import(source=source, name=name, imported_by=None)

    def summary(self, report: ImportReport) -> str:
        assert isinstance(report, EmployeeImportReport)
        return _(
            "%(file)s: %(created)d employees created, %(updated)d updated, "
            "%(unchanged)d unchanged, %(departments)d departments created."
        ) % {
            "file": report.name,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "departments": report.departments_created,
        }
