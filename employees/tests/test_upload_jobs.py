"""Uploads as background jobs: the preview, the confirmation, the write, who sees a job."""

import io
import re

import pytest
from django.core.management import call_command
from django.test import TestCase

from conftest import browser_login
from employees.models import Department, Employee, UploadJob, UploadJobStatus, UploadKind
from employees.services import employees_import_preview
from employees.tests.factories import DepartmentFactory, EmployeeFactory, hr_user, office_user
from employees.tests.test_import_view import GOOD_ROWS, IMPORT_URL, upload, workbook_bytes
from employees.uploads import upload_job_confirm, upload_job_start

pytestmark = pytest.mark.django_db


def preview_of(rows):
    return employees_import_preview(source=io.BytesIO(workbook_bytes(rows)), name="staff.xlsx")


# --- The preview (services) ------------------------------------------------------------------


def test_the_preview_lists_creates_and_each_changed_field_old_to_new_and_writes_nothing():
    finance = DepartmentFactory(name="财务部", kind="functional")
    EmployeeFactory(number="D1002", name="旧名", department=finance, position="会计")
    EmployeeFactory(number="D1003", name="王五", department=finance, position="出纳")
    rows = [
        GOOD_ROWS[0],  # D1001: new, in a new department
        ("D1002", "李四", "财务部", "职能", "会计", "", ""),  # only the name changes
        ("D1003", "王五", "财务部", "", "出纳", "", ""),  # unchanged
    ]

    preview = preview_of(rows)

    assert [item["number"] for item in preview.creates] == ["D1001"]
    assert preview.creates[0]["department"] == "装卸作业部"
    assert preview.updates == [
        {
            "row": 3,
            "number": "D1002",
            "name": "旧名",
            "changes": [{"field": "姓名", "old": "旧名", "new": "李四"}],
        }
    ]
    assert preview.unchanged == 1
    assert preview.departments_created == ["装卸作业部"]
    assert not Employee.objects.filter(number="D1001").exists()
    assert not Department.objects.filter(name="装卸作业部").exists()
    assert Employee.objects.get(number="D1002").name == "旧名"


def test_the_preview_shows_a_move_to_another_department_and_a_new_supervisor():
    EmployeeFactory(number="D1003", department=DepartmentFactory(name="财务部", kind="functional"))
    DepartmentFactory(name="装卸作业部", kind="frontline")

    preview = preview_of([("D1003", "王五", "装卸作业部", "", "", "", "是")])

    changes = {change["field"]: change for change in preview.updates[0]["changes"]}
    assert (changes["部门"]["old"], changes["部门"]["new"]) == ("财务部", "装卸作业部")
    assert (changes["是否主管"]["old"], changes["是否主管"]["new"]) == ("否", "是")


# --- The jobs ----------------------------------------------------------------------------------


def start(owner, rows, name="staff.xlsx"):
    with TestCase.captureOnCommitCallbacks(execute=True):
        job = upload_job_start(
            owner=owner, kind=UploadKind.EMPLOYEES, name=name, content=workbook_bytes(rows)
        )
    job.refresh_from_db()
    return job


def test_a_checked_job_waits_for_confirmation_and_the_confirmation_writes():
    hr = hr_user()
    job = start(hr, GOOD_ROWS)
    assert job.status == UploadJobStatus.READY
    assert job.preview["creates_count"] == 3
    assert not Employee.objects.exists()

    with TestCase.captureOnCommitCallbacks(execute=True):
        upload_job_confirm(job=job, by=hr)
    job.refresh_from_db()

    assert job.status == UploadJobStatus.DONE
    assert job.result["created"] == 3
    assert job.result["created_names"][0] == "D1001 张三"
    assert bytes(job.content) == b""  # the file is not kept once written
    assert Employee.objects.count() == 3


def test_a_failed_check_reports_every_bad_row_and_writes_nothing():
    rows = [GOOD_ROWS[0], ("", "无号", "装卸作业部", "一线", "", "", "")]

    job = start(hr_user(), rows)

    assert job.status == UploadJobStatus.FAILED
    assert len(job.errors) == 1
    assert "staff.xlsx" in job.errors[0] and "3" in job.errors[0]
    assert not Employee.objects.exists()
    assert not Department.objects.exists()


def test_a_write_refused_by_a_change_since_the_preview_writes_nothing():
    hr = hr_user()
    job = start(hr, GOOD_ROWS)
    # Meanwhile someone made 财务部 a frontline department; row 3 says 职能.
    DepartmentFactory(name="财务部", kind="frontline")

    with TestCase.captureOnCommitCallbacks(execute=True):
        upload_job_confirm(job=job, by=hr)
    job.refresh_from_db()

    assert job.status == UploadJobStatus.FAILED
    assert any("财务部" in error for error in job.errors)
    assert not Employee.objects.exists()
    assert not Department.objects.filter(name="装卸作业部").exists()


def test_only_the_owner_confirms_and_only_the_owner_and_the_office_see_a_job(client):
    owner = hr_user(username="hr1")
    job = start(owner, GOOD_ROWS)
    url = f"{IMPORT_URL}{job.pk}/"

    client.force_login(hr_user(username="hr2"))
    assert client.get(url).status_code == 404
    assert client.post(f"{url}confirm/").status_code == 404

    client.force_login(office_user())
    page = client.get(url)
    assert page.status_code == 200
    assert 'id="confirm-form"' not in page.content.decode()
    assert client.post(f"{url}confirm/").status_code == 403

    job.refresh_from_db()
    assert job.status == UploadJobStatus.READY
    assert not Employee.objects.exists()


def test_a_running_job_polls_with_htmx_and_refreshes_without_javascript(client):
    owner = hr_user()
    job = UploadJob.objects.create(
        owner=owner, kind=UploadKind.EMPLOYEES, name="staff.xlsx", progress=40
    )
    client.force_login(owner)
    url = f"{IMPORT_URL}{job.pk}/"

    page = client.get(url).content.decode()
    part = client.get(url, headers={"HX-Request": "true"}).content.decode()

    assert '<meta http-equiv="refresh"' in page
    assert 'hx-trigger="every 1s"' in page
    assert part.lstrip().startswith('<section id="upload-job"')
    assert 'data-progress="40"' in part
    assert "<html" not in part


@pytest.mark.django_db(transaction=True)  # the worker closes its connection when done
def test_the_upload_itself_only_stores_the_file_and_queues_the_check(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    client.force_login(hr_user())

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(IMPORT_URL, {"file": upload(workbook_bytes(GOOD_ROWS))})

    job = UploadJob.objects.get()
    assert response.url == f"{IMPORT_URL}{job.pk}/"
    assert job.status == UploadJobStatus.QUEUED
    assert not Employee.objects.exists()
    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)
    job.refresh_from_db()
    assert job.status == UploadJobStatus.READY


# --- In the browser ------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_hr_uploads_watches_the_check_confirms_the_preview_and_sees_who_changed(
    page, live_server, tmp_path, settings, screenshot_dir
):
    # The database backend and the real worker, run here between the steps:
    # the page must show the job waiting, then follow it by itself.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    hr_user(username="hr", first_name="人事")
    EmployeeFactory(
        number="D1002", name="旧名", department=DepartmentFactory(name="财务部", kind="functional")
    )
    path = tmp_path / "staff.xlsx"
    path.write_bytes(workbook_bytes(GOOD_ROWS))
    browser_login(page, live_server, "hr")
    page.goto(f"{live_server.url}{IMPORT_URL}")

    page.set_input_files("#id_file", str(path))
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#job-progress progress")
    assert re.search(r"/employees/import/[0-9a-f-]{36}/$", page.url)
    assert page.get_attribute("#upload-job", "data-status") == "queued"

    def work():
        call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)

    work()
    page.wait_for_selector("#import-preview")  # htmx polled, no reload
    assert page.get_attribute("[data-count=creates]", "data-value") == "2"
    assert page.locator("#preview-creates tr[data-create]").count() == 2
    change = page.locator("tr[data-update=D1002] li[data-change=姓名]").inner_text()
    assert "旧名" in change and "李四" in change
    page.screenshot(path=str(screenshot_dir / "import-preview-1280.png"), full_page=True)
    assert Employee.objects.count() == 1

    page.click("#confirm-form button[type=submit]")
    page.wait_for_selector("#upload-job[data-status=confirmed]")
    work()
    page.wait_for_selector("#import-report")
    assert page.locator("#result-created li").all_inner_texts() == ["D1001 张三", "D1003 王五"]
    assert page.locator("#result-updated li").all_inner_texts() == ["D1002 李四"]
    page.screenshot(path=str(screenshot_dir / "import-1280.png"), full_page=True)
    assert Employee.objects.count() == 3
