import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import (
    FileUploadHandler,
    SkipFile,
    TemporaryFileUploadHandler,
)
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from employees.accounts import (
    WRONG_CODE,
    account_head_name,
    account_head_remove,
    activation_candidates,
    activation_guess_record,
    activation_issue,
    activation_locked,
    activation_use,
)
from employees.forms import ActivationForm, EmployeeImportForm, EmployeeNumberForm
from employees.models import Department, Employee, UploadJob, UploadKind
from employees.permissions import (
    may_import_employees,
    may_issue_slips,
    may_name_heads,
    role_required,
    starts_on_own_page,
)
from employees.selectors import account_overview, department_heads, employee_list_for
from employees.services import EMPLOYEE_HEADERS
from employees.uploads import upload_job_confirm, upload_job_start


@login_required
def home(request: HttpRequest) -> HttpResponse:
    # Staff have one page of their own; everyone else starts from the cards.
    if starts_on_own_page(request.user):
        return redirect("employees:me")
    return render(request, "employees/home.html")


@login_required
def employee_list(request: HttpRequest) -> HttpResponse:
    employees = employee_list_for(user=request.user, search=request.GET.get("q", ""))
    page = Paginator(employees, 50).get_page(request.GET.get("page"))
    return render(request, "employees/employee_list.html", {"page": page})


# --- HR's employee upload (interfaces.md: import_employees) ---------------------------

# The example row of the template workbook: a frontline contract worker.
# Its number is one no employee can have by mistake: the example is on the
# 说明 sheet, never on the sheet that is read, but people copy rows.
IMPORT_TEMPLATE_EXAMPLE = ("示例0001", "张三", "装卸作业部", "一线", "理货员", "合同工", "否")
# Room for the multipart framing and the CSRF field around the file itself.
_UPLOAD_OVERHEAD = 64 * 1024


class _SizeLimitUploadHandler(FileUploadHandler):
    """Stops a file that grows past IMPORT_MAX_BYTES while it streams in.

    Django puts no limit on file uploads (DATA_UPLOAD_MAX_MEMORY_SIZE leaves files
    out); without this an upload of any size would be written to the temporary
    folder before the import refuses it. The file is skipped, the rest of the
    form is still read, and the view shows the refusal on the field.
    """

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.too_big = False

    def handle_raw_input(
        self,
        input_data: object,
        META: dict[str, object],
        content_length: int,
        boundary: bytes,
        encoding: str | None = None,
    ) -> None:
        if content_length > self.limit + _UPLOAD_OVERHEAD:
            self.too_big = True
        return None

    def new_file(self, *args: object, **kwargs: object) -> None:
        super().new_file(*args, **kwargs)
        if self.too_big:
            raise SkipFile

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.limit:
            self.too_big = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the temporary-file handler after this one keeps the file


@csrf_exempt  # the upload handlers must be set before the CSRF check reads the body
@role_required(may_import_employees)
@require_http_methods(["GET", "POST"])
def employee_import(request: HttpRequest) -> HttpResponse:
    """HR uploads the employee workbook; all or nothing, every bad row listed.

    The role is checked (by the decorator) before the body is read, so nobody
    else's upload is even parsed; the CSRF check runs in `_employee_import` (csrf_protect).
    """
    limit = _SizeLimitUploadHandler(request, settings.IMPORT_MAX_BYTES)
    if request.method == "POST":
        # Straight to a temporary file, never into memory; the service reads it from there.
        request.upload_handlers = [limit, TemporaryFileUploadHandler(request)]
    return _employee_import(request, limit)


@csrf_protect
def _employee_import(request: HttpRequest, limit: _SizeLimitUploadHandler) -> HttpResponse:
    context: dict[str, object] = {
        "headers": EMPLOYEE_HEADERS,
        "example": IMPORT_TEMPLATE_EXAMPLE,
        "max_bytes": settings.IMPORT_MAX_BYTES,
    }
    if request.method != "POST":
        context["form"] = EmployeeImportForm()
        return render(request, "employees/import.html", context)
    form = EmployeeImportForm(request.POST, request.FILES, too_big=limit.too_big)
    context["form"] = form
    if not form.is_valid():
        return render(request, "employees/import.html", context)
    upload = form.cleaned_data["file"]
    try:
        content = upload.read()
    finally:
        upload.close()
    # The worker checks the file; the page of the job follows it.
    job = upload_job_start(
        owner=request.user, kind=UploadKind.EMPLOYEES, name=upload.name, content=content
    )
    return redirect("employees:import_job", pk=job.pk)


def _visible_job(request: HttpRequest, pk: object) -> UploadJob:
    return get_object_or_404(
        UploadJob.objects.visible_to(request.user), pk=pk, kind=UploadKind.EMPLOYEES
    )


@role_required(may_import_employees)
@require_GET
def employee_import_job(request: HttpRequest, pk: object) -> HttpResponse:
    """An upload's progress, then its preview to confirm, then what it did or why not.

    The page can be left and opened again from its address; while the job runs
    htmx asks for the job's part every second (without JavaScript the page
    refreshes itself).
    """
    job = _visible_job(request, pk)
    context = {"job": job, "may_confirm": job.owner_id == request.user.pk}
    if request.htmx:
        return render(request, "employees/import_job.html#job", context)
    return render(request, "employees/import_job.html", context)


@role_required(may_import_employees)
@require_POST
def employee_import_confirm(request: HttpRequest, pk: object) -> HttpResponse:
    job = _visible_job(request, pk)
    upload_job_confirm(job=job, by=request.user)
    return redirect("employees:import_job", pk=job.pk)


@role_required(may_import_employees)
@require_GET
def employee_import_template(request: HttpRequest) -> FileResponse:
    """An empty employee workbook: the header row and one example row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    # Only the header row on the sheet that is read: an example row there would
    # be imported with the rows HR adds (it once renamed a real employee).
    sheet = workbook.active
    sheet.title = "员工"
    sheet.append(list(EMPLOYEE_HEADERS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDEFG", (10, 10, 14, 10, 12, 10, 10), strict=True):
        sheet.column_dimensions[column].width = width
    # 工号 stays text, so that leading zeros survive when HR types them.
    sheet.column_dimensions["A"].number_format = "@"
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("说明")
    notes.append(["只读取第一个工作表（员工）；本页不会导入。每行一名员工，按工号新建或更新。"])
    notes.append([])
    notes.append(["示例（请勿复制到员工表）："])
    notes.append(list(EMPLOYEE_HEADERS))
    notes.append(list(IMPORT_TEMPLATE_EXAMPLE))
    notes.column_dimensions["A"].width = 12
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return FileResponse(
        buffer,
        as_attachment=True,
        filename="employees-template.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


# --- Logins: activation slips, the activation page, department heads --------------------


def _activation_url(request: HttpRequest) -> str:
    path = reverse("activate")
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    return f"{base}{path}" if base else request.build_absolute_uri(path)


@role_required(may_issue_slips)
@require_GET
def accounts(request: HttpRequest) -> HttpResponse:
    """HR's page: logins per department, slips per department or for one employee."""
    return render(
        request,
        "employees/accounts.html",
        {"departments": account_overview(), "form": EmployeeNumberForm(request.GET or None)},
    )


def _slip_sheet(request: HttpRequest, slips: list, title: str) -> HttpResponse:
    # Five slips to an A4 sheet: each is a cut-out strip.
    sheets = [slips[i : i + 5] for i in range(0, len(slips), 5)]
    return render(
        request,
        "employees/slips.html",
        {
            "sheets": sheets,
            "count": len(slips),
            "title": title,
            "activation_url": _activation_url(request),
        },
    )


@role_required(may_issue_slips)
@require_http_methods(["GET", "POST"])
def slips_department(request: HttpRequest, department_id: int) -> HttpResponse:
    """GET asks to confirm; POST issues new codes and shows the sheet (codes exist only there)."""
    department = get_object_or_404(Department, pk=department_id)
    employees = activation_candidates(department=department)
    if request.method == "POST" and employees:
        slips = activation_issue(employees=employees, issued_by=request.user)
        return _slip_sheet(request, slips, department.name)
    return render(
        request,
        "employees/slips_confirm.html",
        {"department": department, "employees": employees},
    )


@role_required(may_issue_slips)
@require_http_methods(["GET", "POST"])
def slip_employee(request: HttpRequest) -> HttpResponse:
    """A new slip for one employee (a forgotten password); their old code stops working."""
    form = EmployeeNumberForm(request.POST or request.GET or None)
    employee = None
    if form.is_valid():
        employee = Employee.objects.filter(number=form.cleaned_data["number"].strip()).first()
        if employee is None:
            form.add_error("number", _("No employee has this number."))
    if employee is not None and request.method == "POST":
        slips = activation_issue(employees=[employee], issued_by=request.user)
        if slips:
            return _slip_sheet(request, slips, str(employee))
        form.add_error("number", _("This employee has left or their login is switched off."))
        employee = None
    return render(request, "employees/slip_confirm.html", {"form": form, "employee": employee})


def _activation_locked(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        settings.AXES_LOCKOUT_TEMPLATE,
        {
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "cooloff_timedelta": settings.AXES_COOLOFF_TIME,
        },
        status=429,
    )


@require_http_methods(["GET", "POST"])
def activate(request: HttpRequest) -> HttpResponse:
    """The address on the slip: number and code, then the employee's own password."""
    if request.method == "POST":
        form = ActivationForm(request.POST)
        number = form.data.get("number", "")
        if activation_locked(request=request, number=number):
            return _activation_locked(request)
        if form.is_valid():
            try:
                login = activation_use(
                    number=form.cleaned_data["number"],
                    code=form.cleaned_data["code"],
                    password=form.cleaned_data["password1"],
                )
            except ValidationError as exc:
                form.add_error("code", exc)
            else:
                auth_login(request, login, backend="employees.backends.EmployeeModelBackend")
                messages.success(request, _("Your password is set. Welcome!"))
                return redirect("home")
        if form.has_error("code", WRONG_CODE):
            activation_guess_record(request=request, number=number)
    else:
        form = ActivationForm(initial={"number": request.GET.get("number", "")})
    return render(request, "employees/activate.html", {"form": form})


@role_required(may_name_heads)
@require_http_methods(["GET", "POST"])
def heads(request: HttpRequest) -> HttpResponse:
    """The office names and removes department heads."""
    form = EmployeeNumberForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        employee = Employee.objects.filter(number=form.cleaned_data["number"].strip()).first()
        if employee is None:
            form.add_error("number", _("No employee has this number."))
        else:
            try:
                if request.POST.get("action") == "remove":
                    account_head_remove(employee=employee)
                    messages.success(
                        request, _("%(employee)s is no longer a head.") % {"employee": employee}
                    )
                else:
                    account_head_name(employee=employee)
                    messages.success(
                        request,
                        _("%(employee)s now heads %(department)s.")
                        % {"employee": employee, "department": employee.department},
                    )
            except ValidationError as exc:
                form.add_error("number", exc)
            else:
                return redirect("employees:heads")
    return render(
        request, "employees/heads.html", {"departments": department_heads(), "form": form}
    )
