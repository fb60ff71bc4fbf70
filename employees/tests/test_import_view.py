"""HR's employee upload page, its template workbook, and the navigation per role."""

import io
import re

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from conftest import browser_login
from employees.models import Department, DepartmentKind, Employee
from employees.services import EMPLOYEE_HEADERS, employees_import
from employees.tests.factories import (
    DepartmentFactory,
    EmployeeFactory,
    head_user,
    hr_user,
    office_user,
    staff_employee,
)
from employees.views import IMPORT_TEMPLATE_EXAMPLE
from spreadsheets import row_error

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMPORT_URL = "/employees/import/"


def workbook_bytes(rows, headers=EMPLOYEE_HEADERS) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "staff.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=XLSX)


def count(content: bytes, key: str) -> int:
    match = re.search(rf'data-count="{key}"\s+data-value="(\d+)"', content.decode())
    assert match, f"no count {key} on the page"
    return int(match.group(1))


def listed_errors(content: bytes) -> list[str]:
    html = content.decode()
    return [
        re.sub(r"\s+", " ", item).strip()
        for item in re.findall(r'<li data-error="row">(.*?)</li>', html, re.S)
    ]


def row_prefix(row: int, name: str = "staff.xlsx") -> str:
    """How an error about `row` starts on the page (escaped, in the default language)."""
    from django.utils.html import escape

    with translation.override(settings.LANGUAGE_CODE):
        return escape(row_error(name, row, "")).strip()


GOOD_ROWS = [
    ("D1001", "张三", "装卸作业部", "一线", "理货员", "合同工", "否"),
    ("D1002", "李四", "财务部", "职能", "会计", "", ""),
    ("D1003", "王五", "装卸作业部", "一线", "班长", "", "是"),
]


def uploaded(client, content: bytes, name: str = "staff.xlsx"):
    """Upload `content` and open the job's page once the (immediate) check has run."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(IMPORT_URL, {"file": upload(content, name)})
    assert response.status_code == 302, response.content.decode()[:500]
    return client.get(response.url)


def confirmed(client, job_page):
    """Confirm the preview on `job_page` and open the job's page once written."""
    url = job_page.request["PATH_INFO"]
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(f"{url}confirm/")
    assert response.status_code == 302
    return client.get(response.url)


def imported(client, content: bytes, name: str = "staff.xlsx"):
    page = uploaded(client, content, name)
    assert 'data-import="preview"' in page.content.decode()
    return confirmed(client, page)


@pytest.fixture
def hr_client(client):
    client.force_login(hr_user())
    return client


# --- Upload ---------------------------------------------------------------------------


def test_hr_sees_the_upload_form_with_the_format_and_the_template_link(hr_client):
    response = hr_client.get(IMPORT_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'accept=".xlsx' in html
    assert reverse("employees:import_template") in html
    headers = re.findall(r'<th scope="col" data-header="([^"]+)">', html)
    assert tuple(headers) == EMPLOYEE_HEADERS


def test_hr_uploads_the_workbook_and_sees_the_counts(hr_client):
    known = EmployeeFactory(
        number="D1002", name="旧名", department=DepartmentFactory(name="财务部", kind="functional")
    )

    response = imported(hr_client, workbook_bytes(GOOD_ROWS))

    assert response.status_code == 200
    assert 'data-import="done"' in response.content.decode()
    assert count(response.content, "rows") == 3
    assert count(response.content, "created") == 2
    assert count(response.content, "updated") == 1
    assert count(response.content, "unchanged") == 0
    assert count(response.content, "departments-created") == 1
    assert set(Employee.objects.values_list("number", flat=True)) == {"D1001", "D1002", "D1003"}
    known.refresh_from_db()
    assert known.name == "李四"
    assert Department.objects.get(name="装卸作业部").kind == DepartmentKind.FRONTLINE
    assert Employee.objects.get(number="D1003").is_supervisor is True


def test_the_office_may_upload_too(client):
    client.force_login(office_user())

    response = imported(client, workbook_bytes(GOOD_ROWS[:1]))

    assert response.status_code == 200
    assert count(response.content, "created") == 1
    assert Employee.objects.filter(number="D1001").exists()


def test_every_bad_row_is_listed_with_its_row_number_and_nothing_is_written(hr_client):
    rows = [
        ("D1001", "张三", "装卸作业部", "一线", "理货员", "合同工", "否"),  # row 2: fine
        ("", "无号", "装卸作业部", "一线", "", "", ""),  # row 3: no number
        ("D1003", "王五", "装卸作业部", "二线", "", "", ""),  # row 4: unknown kind
        ("D1004", "赵六", "财务部", "职能", "", "长期工", "也许"),  # row 5: two problems
    ]

    response = uploaded(hr_client, workbook_bytes(rows))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-import="rejected"' in html
    assert 'data-import="done"' not in html
    errors = listed_errors(response.content)
    assert f'data-error-count="{len(errors)}"' in html
    assert len(errors) == 4
    rows_named = sorted(
        row for row in (2, 3, 4, 5) for error in errors if error.startswith(row_prefix(row))
    )
    assert rows_named == [3, 4, 5, 5]
    assert not Employee.objects.exists()
    assert not Department.objects.exists()


def test_a_file_that_is_not_named_xlsx_is_refused_on_the_field(hr_client):
    response = hr_client.post(
        IMPORT_URL, {"file": upload(b"number,name\nD1001,x\n", name="staff.csv")}
    )

    assert response.status_code == 200
    assert 'data-error="file"' in response.content.decode()
    assert 'data-import="done"' not in response.content.decode()
    assert not Employee.objects.exists()


def test_a_file_named_xlsx_that_is_not_a_workbook_is_refused(hr_client):
    response = uploaded(hr_client, b"%PDF-1.4 not a workbook")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-import="rejected"' in html
    assert 'data-error-count="1"' in html
    assert not Employee.objects.exists()


def test_a_missing_file_is_an_error_on_the_field(hr_client):
    response = hr_client.post(IMPORT_URL, {})

    assert response.status_code == 200
    assert 'data-error="file"' in response.content.decode()


@pytest.mark.parametrize("size", [5_000, 200_000], ids=["while-streaming", "by-content-length"])
def test_an_oversized_file_is_refused_on_the_field_and_never_imported(hr_client, settings, size):
    settings.IMPORT_MAX_BYTES = 2_000
    content = workbook_bytes(GOOD_ROWS)
    content += b"\0" * (size - len(content))

    response = hr_client.post(IMPORT_URL, {"file": upload(content)})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-error="file"' in html
    assert 'data-import="done"' not in html
    assert not Employee.objects.exists()


def test_heads_and_staff_are_refused_and_their_upload_changes_nothing(client):
    department = DepartmentFactory(name="货运部")
    for user in (head_user(department), staff_employee(department=department).user):
        client.force_login(user)
        assert client.get(IMPORT_URL).status_code == 403
        response = client.post(IMPORT_URL, {"file": upload(workbook_bytes(GOOD_ROWS))})
        assert response.status_code == 403
        assert client.get(reverse("employees:import_template")).status_code == 403
    assert not Employee.objects.filter(number__in=["D1001", "D1002", "D1003"]).exists()


def test_anonymous_visitors_are_sent_to_the_login(client):
    for url in (IMPORT_URL, reverse("employees:import_template")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    response = client.post(IMPORT_URL, {"file": upload(workbook_bytes(GOOD_ROWS))})
    assert response.status_code == 302
    assert not Employee.objects.exists()


def test_an_upload_without_the_csrf_token_is_refused():
    client = Client(enforce_csrf_checks=True)
    client.force_login(hr_user())

    response = client.post(IMPORT_URL, {"file": upload(workbook_bytes(GOOD_ROWS))})

    assert response.status_code == 403
    assert not Employee.objects.exists()


def test_an_upload_with_the_csrf_token_passes_the_check():
    client = Client(enforce_csrf_checks=True)
    client.force_login(hr_user())
    client.get(IMPORT_URL)
    token = client.cookies[settings.CSRF_COOKIE_NAME].value

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            IMPORT_URL,
            {"file": upload(workbook_bytes(GOOD_ROWS)), "csrfmiddlewaretoken": token},
        )

    assert response.status_code == 302
    assert count(client.get(response.url).content, "creates") == 3


def test_a_put_is_not_allowed(hr_client):
    assert hr_client.put(IMPORT_URL).status_code == 405


# --- The template workbook ------------------------------------------------------------------


def test_the_template_opens_with_the_exact_headers_and_no_data_row(hr_client):
    response = hr_client.get(reverse("employees:import_template"))

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert rows == [EMPLOYEE_HEADERS]


def test_the_template_keeps_its_example_on_a_second_sheet_that_is_not_read(hr_client):
    content = b"".join(hr_client.get(reverse("employees:import_template")).streaming_content)
    workbook = openpyxl.load_workbook(io.BytesIO(content))

    assert workbook.sheetnames == ["员工", "说明"]
    notes = list(workbook["说明"].iter_rows(values_only=True))
    assert EMPLOYEE_HEADERS in notes
    example = notes[notes.index(EMPLOYEE_HEADERS) + 1]
    assert example == IMPORT_TEMPLATE_EXAMPLE


def test_the_template_with_rows_added_changes_only_those_rows(client):
    # issue 11.5: the example row D1001 张三 renamed the demo's real D1001.
    client.force_login(office_user())
    real = EmployeeFactory(number="D1001", name="任长顺")
    EmployeeFactory(number=IMPORT_TEMPLATE_EXAMPLE[0].upper(), name="无关")  # even a look-alike
    content = b"".join(client.get(reverse("employees:import_template")).streaming_content)
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    workbook.worksheets[0].append(["D2001", "新人", real.department.name, "", "", "", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)

    report = employees_import(source=io.BytesIO(buffer.getvalue()), name="t.xlsx", imported_by=None)

    assert (report.rows, report.created, report.updated) == (1, 1, 0)
    real.refresh_from_db()
    assert real.name == "任长顺"


# --- Navigation per role ---------------------------------------------------------------------


def url_or_none(name: str) -> str | None:
    """The URL of a page another engineer may still be building; None until it exists."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def nav_hrefs(client) -> set[str]:
    html = client.get(reverse("home")).content.decode()
    nav = html[html.index('id="main-nav"') : html.index("</nav>")]
    return set(re.findall(r'class="nav-link" href="([^"]+)"', nav))


def card_hrefs(client) -> set[str]:
    html = client.get(reverse("home")).content.decode()
    main = html[html.index("<main") :]
    return set(re.findall(r'class="card card-body[^"]*" href="([^"]+)"', main))


WORKBENCH = ("appraisal:quarters", "appraisal:events", "appraisal:event_queue")


def expected_workbench(*names: str) -> tuple[set[str], set[str]]:
    """The links a role must have and must not have, among the pages that exist now."""
    present = {url for name in names if (url := url_or_none(name))}
    absent = {url for name in WORKBENCH if name not in names and (url := url_or_none(name))}
    return present, absent


@pytest.mark.parametrize("where", [nav_hrefs, card_hrefs], ids=["nav", "cards"])
def test_the_office_gets_the_quarters_events_and_queue(client, where):
    client.force_login(office_user())
    present, absent = expected_workbench(*WORKBENCH)

    hrefs = where(client)

    assert present <= hrefs
    assert not absent & hrefs


@pytest.mark.parametrize("where", [nav_hrefs, card_hrefs], ids=["nav", "cards"])
def test_hr_gets_the_quarters_and_the_import(client, where):
    client.force_login(hr_user())
    present, absent = expected_workbench("appraisal:quarters")

    hrefs = where(client)

    assert present | {IMPORT_URL} <= hrefs
    assert not absent & hrefs


@pytest.mark.parametrize("where", [nav_hrefs, card_hrefs], ids=["nav", "cards"])
def test_heads_get_the_quarters_and_events_but_not_the_import(client, where):
    client.force_login(head_user(DepartmentFactory(name="货运部")))
    present, absent = expected_workbench("appraisal:quarters", "appraisal:events")

    hrefs = where(client)

    assert present <= hrefs
    assert not absent & hrefs
    assert IMPORT_URL not in hrefs


def test_staff_get_none_of_the_workbench(client):
    employee = staff_employee()
    client.force_login(employee.user)

    html = client.get(reverse("employees:me")).content.decode()
    nav = html[html.index('id="main-nav"') : html.index("</nav>")]
    hrefs = set(re.findall(r'class="nav-link" href="([^"]+)"', nav))

    _present, absent = expected_workbench()
    assert not absent & hrefs
    assert IMPORT_URL not in hrefs


# --- In the browser ------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_hr_fixes_a_rejected_file_and_imports_it_in_the_browser(
    page, live_server, tmp_path, screenshot_dir
):
    hr_user(username="hr", first_name="人事")
    bad = tmp_path / "staff.xlsx"
    bad.write_bytes(
        workbook_bytes(
            [
                *GOOD_ROWS,
                ("D1004", "赵六", "新部门", "", "", "", ""),
                ("D1001", "重复", "装卸作业部", "一线", "", "", ""),
            ]
        )
    )
    good = tmp_path / "staff-fixed.xlsx"
    good.write_bytes(workbook_bytes(GOOD_ROWS))
    browser_login(page, live_server, "hr")
    page.click(f"#main-nav a[href='{IMPORT_URL}']")
    page.wait_for_selector("#import-form")

    page.set_input_files("#id_file", str(bad))
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#import-rejected")
    assert page.locator("#import-errors li").count() == 2
    page.screenshot(path=str(screenshot_dir / "import-rejected-1280.png"), full_page=True)
    assert not Employee.objects.exists()

    page.click("#upload-job a[href='/employees/import/']")
    page.wait_for_selector("#import-form")
    page.set_input_files("#id_file", str(good))
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#import-preview")
    assert page.get_attribute("[data-count=creates]", "data-value") == "3"
    assert not Employee.objects.exists()
    page.click("#confirm-form button[type=submit]")
    page.wait_for_selector("#import-report")
    assert page.get_attribute("[data-count=created]", "data-value") == "3"
    page.screenshot(path=str(screenshot_dir / "import-1280.png"), full_page=True)
    assert Employee.objects.count() == 3
