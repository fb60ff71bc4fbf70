"""Writes for the employees app."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from employees.accounts import accounts_sync
from employees.models import (
    Department,
    DepartmentKind,
    Employee,
    EmploymentForm,
    Role,
    User,
)
from spreadsheets import (
    CellError,
    ImportReport,
    Problems,
    Progress,
    Row,
    Source,
    chunks,
    parse_text,
    parse_yes_no,
    read_rows,
)

# The apps whose records the appraisal office manages in the admin.
OFFICE_ADMIN_APPS = ("employees", "appraisal", "feedback", "awards")
# HR maintains the employee records.
HR_ADMIN_MODELS = ("department", "employee")
# The office sees login attempts and unlocks a login by deleting its attempts.
OFFICE_LOCKOUT_PERMISSIONS = ("view_accessattempt", "delete_accessattempt", "view_accesslog")


@transaction.atomic
def role_groups_sync() -> None:
    """Create the role groups and give them their admin permissions.

    Permissions only exist after every app has migrated, so this runs from the
    `sync_roles` command (and `load_demo`), not from a migration.
    """
    groups = {role: Group.objects.get_or_create(name=role.value)[0] for role in Role}
    groups[Role.OFFICE].permissions.set(
        Permission.objects.filter(
            Q(content_type__app_label__in=OFFICE_ADMIN_APPS)
            | Q(content_type__app_label="axes", codename__in=OFFICE_LOCKOUT_PERMISSIONS)
        )
    )
    groups[Role.HR].permissions.set(
        Permission.objects.filter(
            content_type__app_label="employees", content_type__model__in=HR_ADMIN_MODELS
        )
    )


# --- Import from Excel (interfaces.md: import_employees) ----------------------------

EMPLOYEE_HEADERS = ("工号", "姓名", "部门", "部门类别", "岗位", "用工形式", "是否主管")
# Optional trailing column: 是 names the employee head of their department (accounts_sync).
HEAD_HEADER = "部门负责人"
DEPARTMENT_KIND_NAMES: dict[str, DepartmentKind] = {
    "职能": DepartmentKind.FUNCTIONAL,
    "一线": DepartmentKind.FRONTLINE,
    **{kind.value: kind for kind in DepartmentKind},
}
EMPLOYMENT_FORM_LABELS = ("正式工", "合同工", "劳务派遣", "临时工", "其他")
EMPLOYMENT_FORM_NAMES: dict[str, EmploymentForm] = {
    "正式工": EmploymentForm.PERMANENT,
    "合同工": EmploymentForm.CONTRACT,
    "劳务派遣": EmploymentForm.AGENCY,
    "临时工": EmploymentForm.TEMPORARY,
    "其他": EmploymentForm.OTHER,
    **{form.value: form for form in EmploymentForm},
}
_IMPORT_BATCH = 1000


@dataclass(frozen=True, slots=True)
class EmployeeImportReport(ImportReport):
    departments_created: int = 0
    # "工号 姓名" of whom the import created and updated, for the result page.
    created_names: tuple[str, ...] = ()
    updated_names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EmployeeImportPreview:
    """What an import would do, read without writing: HR confirms it before the write.

    `creates` holds one dict per new employee (row, number and every field);
    `updates` one per known employee that would change, with its `changes`
    (field label, old, new); fields that stay are not listed.
    """

    name: str
    rows: int
    creates: list[dict[str, object]]
    updates: list[dict[str, object]]
    unchanged: int
    departments_created: list[str]


@dataclass(slots=True)
class _EmployeeRow:
    row: int
    number: str
    name: str
    department: str
    kind: DepartmentKind | None
    position: str
    employment_form: EmploymentForm | None
    is_supervisor: bool
    is_head: bool | None = None


@dataclass(slots=True)
class _ImportPlan:
    rows: int
    parsed: list[_EmployeeRow]
    departments: dict[str, Department]
    new_kinds: dict[str, tuple[DepartmentKind, int]]


def _required_text(row: Row, header: str, max_length: int, problems: Problems) -> str | None:
    try:
        text = parse_text(row[header])
    except CellError as exc:
        problems.add(row.number, _("%(column)s: %(problem)s") % {"column": header, "problem": exc})
        return None
    if not text:
        problems.add(row.number, _("%(column)s is empty.") % {"column": header})
        return None
    if len(text) > max_length:
        problems.add(
            row.number,
            _("%(column)s has more than %(max)d characters.")
            % {"column": header, "max": max_length},
        )
        return None
    return text


def _employee_row(row: Row, problems: Problems) -> _EmployeeRow | None:
    before = problems.count
    number = _required_text(row, "工号", 20, problems)
    name = _required_text(row, "姓名", 50, problems)
    department = _required_text(row, "部门", 50, problems)
    position = ""
    kind = form = None
    is_supervisor = False
    try:
        position = parse_text(row["岗位"])
        if len(position) > 50:
            problems.add(
                row.number,
                _("%(column)s has more than %(max)d characters.") % {"column": "岗位", "max": 50},
            )
        kind_text = parse_text(row["部门类别"])
        if kind_text:
            kind = DEPARTMENT_KIND_NAMES.get(kind_text.lower())
            if kind is None:
                problems.add(
                    row.number,
                    _("%(column)s %(value)s is not one of %(allowed)s.")
                    % {
                        "column": "部门类别",
                        "value": kind_text,
                        "allowed": "、".join(("职能", "一线")),
                    },
                )
        form_text = parse_text(row["用工形式"])
        if form_text:
            form = EMPLOYMENT_FORM_NAMES.get(form_text.lower())
            if form is None:
                problems.add(
                    row.number,
                    _("%(column)s %(value)s is not one of %(allowed)s.")
                    % {
                        "column": "用工形式",
                        "value": form_text,
                        "allowed": "、".join(EMPLOYMENT_FORM_LABELS),
                    },
                )
    except CellError as exc:
        problems.add(row.number, str(exc))
    try:
        is_supervisor = bool(parse_yes_no(row["是否主管"]))
    except CellError as exc:
        problems.add(
            row.number, _("%(column)s: %(problem)s") % {"column": "是否主管", "problem": exc}
        )
    is_head = None
    try:
        is_head = parse_yes_no(row[HEAD_HEADER])
    except CellError as exc:
        problems.add(
            row.number, _("%(column)s: %(problem)s") % {"column": HEAD_HEADER, "problem": exc}
        )
    if problems.count > before or number is None or name is None or department is None:
        return None
    return _EmployeeRow(
        row=row.number,
        number=number,
        name=name,
        department=department,
        kind=kind,
        position=position,
        employment_form=form,
        is_supervisor=is_supervisor,
        is_head=is_head,
    )


def _import_plan(*, source: Source, name: str, progress: Progress | None) -> _ImportPlan:
    """Read and check the whole workbook; ImportRejected lists every bad row."""
    rows = read_rows(
        source,
        name=name,
        headers=(*EMPLOYEE_HEADERS, HEAD_HEADER),
        required=EMPLOYEE_HEADERS,
        progress=progress,
    )
    problems = Problems(name)
    parsed: list[_EmployeeRow] = []
    first_row: dict[str, int] = {}
    for row in rows:
        item = _employee_row(row, problems)
        if item is None:
            continue
        if item.number in first_row:
            problems.add(
                row.number,
                _("%(column)s %(value)s appears again (first in row %(first)d).")
                % {"column": "工号", "value": item.number, "first": first_row[item.number]},
            )
            continue
        first_row[item.number] = row.number
        parsed.append(item)

    department_names = sorted({item.department for item in parsed})
    departments = {
        department.name: department
        for batch in chunks(department_names, 500)
        for department in Department.objects.filter(name__in=batch)
    }
    # A new department takes the kind the file gives it; every row naming it must agree.
    new_kinds: dict[str, tuple[DepartmentKind, int]] = {}
    for item in parsed:
        if item.kind is None or item.department in departments:
            continue
        known = new_kinds.setdefault(item.department, (item.kind, item.row))
        if known[0] != item.kind:
            problems.add(
                item.row,
                _("Department %(department)s is a %(kind)s here but a %(other)s in row %(first)d.")
                % {
                    "department": item.department,
                    "kind": item.kind.label,
                    "other": known[0].label,
                    "first": known[1],
                },
            )
    for item in parsed:
        existing = departments.get(item.department)
        if existing is not None:
            if item.kind is not None and item.kind != existing.kind:
                problems.add(
                    item.row,
                    _("Department %(department)s is a %(kind)s, not a %(other)s.")
                    % {
                        "department": item.department,
                        "kind": existing.get_kind_display(),
                        "other": item.kind.label,
                    },
                )
        elif item.department not in new_kinds:
            problems.add(
                item.row,
                _("Department %(department)s does not exist yet; give its %(column)s to create it.")
                % {"department": item.department, "column": "部门类别"},
            )
    problems.raise_if_any()
    return _ImportPlan(rows=len(rows), parsed=parsed, departments=departments, new_kinds=new_kinds)


def _new_values(
    item: _EmployeeRow, employee: Employee, department_id: int | None
) -> dict[str, object]:
    return {
        "name": item.name,
        "department_id": department_id,
        "position": item.position,
        "employment_form": item.employment_form or employee.employment_form,
        "is_supervisor": item.is_supervisor,
    }


def employees_import_preview(
    *, source: Source, name: str, progress: Progress | None = None
) -> EmployeeImportPreview:
    """What `employees_import` would do with this workbook; nothing is written.

    The same checks reject the same rows (ImportRejected).
    """
    plan = _import_plan(source=source, name=name, progress=progress)
    existing_employees = {
        employee.number: employee
        for batch in chunks([item.number for item in plan.parsed], 500)
        for employee in Employee.objects.select_related("department").filter(number__in=batch)
    }
    labels = {
        "name": "姓名",
        "department_id": "部门",
        "position": "岗位",
        "employment_form": "用工形式",
        "is_supervisor": "是否主管",
    }

    def shown(field: str, value: object) -> str:
        if field == "employment_form":
            return str(EmploymentForm(value).label)
        if field == "is_supervisor":
            return "是" if value else "否"
        return str(value)

    creates: list[dict[str, object]] = []
    updates: list[dict[str, object]] = []
    for item in plan.parsed:
        employee = existing_employees.get(item.number)
        if employee is None:
            form = item.employment_form or EmploymentForm.PERMANENT
            creates.append(
                {
                    "row": item.row,
                    "number": item.number,
                    "name": item.name,
                    "department": item.department,
                    "position": item.position,
                    "employment_form": str(EmploymentForm(form).label),
                    "is_supervisor": "是" if item.is_supervisor else "否",
                }
            )
            continue
        department = plan.departments.get(item.department)
        new_values = _new_values(item, employee, department.pk if department else None)
        changes = [
            {
                "field": labels[field],
                "old": employee.department.name
                if field == "department_id"
                else shown(field, getattr(employee, field)),
                "new": item.department if field == "department_id" else shown(field, value),
            }
            for field, value in new_values.items()
            if getattr(employee, field) != value
        ]
        if changes:
            updates.append(
                {"row": item.row, "number": item.number, "name": employee.name, "changes": changes}
            )
    return EmployeeImportPreview(
        name=name,
        rows=plan.rows,
        creates=creates,
        updates=updates,
        unchanged=len(plan.parsed) - len(creates) - len(updates),
        departments_created=sorted(plan.new_kinds),
    )


@transaction.atomic
def employees_import(
    *, source: Source, name: str, imported_by: User | None, progress: Progress | None = None
) -> EmployeeImportReport:
    """Upsert employees by 工号 from HR's workbook, creating missing departments.

    All or nothing: every row is checked first and any error rejects the whole
    file (ImportRejected, one message per bad row), because a half-applied
    staff list is worse than none. Employees missing from the file are left
    alone: HR often sends one department at a time. A blank 用工形式 keeps an
    existing employee's form (a new one is 正式工); a blank 是否主管 means 否.
    `imported_by` is None from the command line; the employee table keeps no
    author, so it is only part of the signature all imports share.
    """
    plan = _import_plan(source=source, name=name, progress=progress)
    parsed, departments, new_kinds = plan.parsed, plan.departments, plan.new_kinds

    if new_kinds:
        Department.objects.bulk_create(
            [
                Department(name=department, kind=kind)
                for department, (kind, _row) in new_kinds.items()
            ]
        )
        departments.update(
            (department.name, department)
            for batch in chunks(sorted(new_kinds), 500)
            for department in Department.objects.filter(name__in=batch)
        )

    numbers = [item.number for item in parsed]
    existing_employees = {
        employee.number: employee
        for batch in chunks(numbers, 500)
        for employee in Employee.objects.select_for_update().filter(number__in=batch)
    }
    to_create: list[Employee] = []
    to_update: list[Employee] = []
    for item in parsed:
        department_id = departments[item.department].pk
        employee = existing_employees.get(item.number)
        if employee is None:
            to_create.append(
                Employee(
                    number=item.number,
                    name=item.name,
                    department_id=department_id,
                    position=item.position,
                    employment_form=item.employment_form or EmploymentForm.PERMANENT,
                    is_supervisor=item.is_supervisor,
                )
            )
            continue
        new_values = _new_values(item, employee, department_id)
        if any(getattr(employee, field) != value for field, value in new_values.items()):
            for field, value in new_values.items():
                setattr(employee, field, value)
            to_update.append(employee)
    Employee.objects.bulk_create(to_create, batch_size=_IMPORT_BATCH)
    Employee.objects.bulk_update(
        to_update,
        ["name", "department", "position", "employment_form", "is_supervisor"],
        batch_size=_IMPORT_BATCH,
    )
    accounts_sync(
        numbers=[item.number for item in parsed], heads={i.number: i.is_head for i in parsed}
    )
    return EmployeeImportReport(
        name=name,
        rows=plan.rows,
        created=len(to_create),
        updated=len(to_update),
        unchanged=len(parsed) - len(to_create) - len(to_update),
        departments_created=len(new_kinds),
        created_names=tuple(f"{employee.number} {employee.name}" for employee in to_create),
        updated_names=tuple(f"{employee.number} {employee.name}" for employee in to_update),
    )
