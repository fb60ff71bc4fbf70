"""The day grid, row saves, fill, history and month view over HTTP."""

import datetime
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from appraisal.models import Criterion, DailySheet, QuarterStatus, SheetRevision
from appraisal.rules import QuarterId
from appraisal.tests.factories import DailySheetFactory, QuarterFactory
from employees.models import DepartmentKind
from employees.tests.factories import (
    DepartmentFactory,
    EmployeeFactory,
    head_user,
    hr_user,
    office_user,
    staff_employee,
)

pytestmark = pytest.mark.django_db

D = Decimal
FULL = {"discipline": "20", "courtesy": "10", "service": "50", "morality": "20"}


@pytest.fixture
def department():
    return DepartmentFactory(name="货运部", kind=DepartmentKind.FRONTLINE)


@pytest.fixture
def head(department):
    return head_user(department)


@pytest.fixture
def head_client(client, head):
    client.force_login(head)
    return client


@pytest.fixture
def employee(department):
    return EmployeeFactory(department=department, number="H0001")


def grid_url(**query):
    url = reverse("appraisal:grid")
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def row_url(employee, day):
    return reverse("appraisal:row", args=[employee.pk, day])


def cell_input(content: bytes, employee, name: str) -> str:
    """The `<input>` tag of one cell in `employee`'s row of the grid page."""
    html = content.decode()
    start = html.index(f'id="row-{employee.pk}"')
    row = html[start : html.index("</tbody>", start)]
    match = re.search(rf'<input[^>]*\sname="{name}"[^>]*>', row)
    assert match, f"no {name} input in row {employee.pk}"
    return match.group(0)


def row_ids(content: bytes) -> set[int]:
    return {
        int(pk) for pk in re.findall(r'<tbody class="grid-row"\s+id="row-(\d+)"', content.decode())
    }


def test_head_sees_only_the_appraised_employees_of_their_department(head_client, department):
    mine = EmployeeFactory.create_batch(3, department=department)
    supervisor = EmployeeFactory(department=department, is_supervisor=True)
    gone = EmployeeFactory(department=department, is_active=False)
    stranger = EmployeeFactory(department=DepartmentFactory(name="财务部"))

    response = head_client.get(grid_url())

    assert response.status_code == 200
    shown = row_ids(response.content)
    assert shown == {e.pk for e in mine}
    assert not shown & {supervisor.pk, gone.pk, stranger.pk}


def test_rows_without_a_sheet_are_prefilled_with_full_marks_and_unsaved(
    head_client, employee, today
):
    response = head_client.get(grid_url())

    row = response.context["grid"].rows[0]
    assert row.employee == employee
    assert row.sheet is None
    assert row.total == D("100")
    assert b'data-state="unsaved"' in response.content
    assert 'value="50"' in cell_input(response.content, employee, "service")


def test_a_saved_sheet_shows_its_values(head_client, employee, today):
    DailySheetFactory(employee=employee, day=today, service=D("47.5"))

    response = head_client.get(grid_url(day=today.isoformat()))

    row = response.context["grid"].rows[0]
    assert row.state == "saved"
    assert row.total == D("97.5")
    assert 'value="47.5"' in cell_input(response.content, employee, "service")


def test_head_asking_for_another_department_gets_404(head_client):
    other = DepartmentFactory(name="机械部")

    response = head_client.get(grid_url(department=other.pk))

    assert response.status_code == 404


def test_a_malformed_day_is_404(head_client):
    assert head_client.get(grid_url(day="2026-02-30")).status_code == 404


@pytest.mark.parametrize("make_user", [hr_user, lambda: staff_employee().user])
def test_hr_and_staff_may_not_open_the_grid(client, make_user, department, employee, today):
    client.force_login(make_user())

    assert client.get(grid_url()).status_code == 403
    assert client.get(reverse("appraisal:month")).status_code == 403
    assert client.get(reverse("appraisal:history", args=[employee.pk, today])).status_code == 403
    fill = {"day": today.isoformat(), "department": department.pk}
    assert client.post(reverse("appraisal:fill"), fill).status_code == 403
    assert not DailySheet.objects.exists()


def test_anonymous_is_sent_to_login(client):
    response = client.get(grid_url())

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_office_opens_any_department_and_defaults_to_the_first(client, department):
    first = DepartmentFactory(name="综合部", display_order=0)
    EmployeeFactory(department=department)
    client.force_login(office_user())

    default = client.get(grid_url())
    chosen = client.get(grid_url(department=department.pk))

    assert default.context["grid"].department == first
    assert chosen.context["grid"].department == department
    assert len(chosen.context["grid"].rows) == 1


def test_row_post_saves_the_sheet_and_answers_with_the_saved_state(head_client, employee, today):
    criterion = Criterion.objects.get(department_kind="frontline", category="service", number=1)

    response = head_client.post(
        row_url(employee, today),
        {**FULL, "service": "47.5", "note": "未使用文明用语", "criteria": [criterion.pk]},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert f'id="status-{employee.pk}"'.encode() in response.content
    assert b'data-state="saved"' in response.content
    assert b'data-has-sheet="1"' in response.content
    sheet = DailySheet.objects.get(employee=employee, day=today)
    assert sheet.service == D("47.5")
    assert sheet.note == "未使用文明用语"
    assert list(sheet.criteria.all()) == [criterion]
    assert sheet.entered_by.department_id == employee.department_id


def test_row_post_out_of_range_shows_the_error_on_the_cell_and_saves_nothing(
    head_client, employee, today
):
    response = head_client.post(row_url(employee, today), {**FULL, "discipline": "25"})

    assert response.status_code == 200
    html = response.content.decode()
    assert b'data-state="error"' in response.content
    assert b'data-has-sheet="0"' in response.content
    error = re.search(
        rf'id="err-{employee.pk}-discipline"[^>]*hx-swap-oob="true">([^<]+)</div>', html
    )
    assert error and error.group(1).strip()
    assert re.search(rf'id="err-{employee.pk}-service"[^>]*hx-swap-oob="true"></div>', html)
    assert not DailySheet.objects.exists()
    assert not SheetRevision.objects.exists()


def test_row_post_with_two_decimals_is_refused(head_client, employee, today):
    response = head_client.post(row_url(employee, today), {**FULL, "courtesy": "9.55"})

    assert re.search(
        rf'id="err-{employee.pk}-courtesy"[^>]*>[^<]+</div>', response.content.decode()
    )
    assert not DailySheet.objects.exists()


def test_row_post_on_an_old_sheet_without_reason_opens_the_reason_box(head_client, employee, today):
    day = today - datetime.timedelta(days=1)
    sheet = DailySheetFactory(employee=employee, day=day)
    DailySheet.objects.filter(pk=sheet.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=1)
    )

    refused = head_client.post(row_url(employee, day), {**FULL, "service": "45"})
    accepted = head_client.post(
        row_url(employee, day), {**FULL, "service": "45", "reason": "复核后扣分"}
    )

    refused_html = refused.content.decode()
    assert f'id="reason-{employee.pk}"' in refused_html
    assert 'name="reason"' in refused_html
    assert re.search(rf'id="err-{employee.pk}-reason"[^>]*>[^<]+</div>', refused_html)
    assert b'data-state="saved"' in accepted.content
    sheet.refresh_from_db()
    assert sheet.service == D("45")
    assert SheetRevision.objects.get(sheet=sheet).reason == "复核后扣分"


def test_head_posting_for_another_departments_employee_gets_404(head_client, today):
    stranger = EmployeeFactory(department=DepartmentFactory(name="技术部"))

    response = head_client.post(row_url(stranger, today), FULL)

    assert response.status_code == 404
    assert not DailySheet.objects.exists()


def test_head_posting_for_a_supervisor_gets_404(head_client, department, today):
    supervisor = EmployeeFactory(department=department, is_supervisor=True)

    response = head_client.post(row_url(supervisor, today), FULL)

    assert response.status_code == 404
    assert not DailySheet.objects.exists()


def test_a_head_asking_for_a_spot_check_is_refused(head_client, employee, today):
    response = head_client.post(row_url(employee, today), {**FULL, "spot": "1"})

    assert response.status_code == 403
    assert not DailySheet.objects.exists()


def test_hr_may_not_post_a_row(client, employee, today):
    client.force_login(hr_user())

    response = client.post(row_url(employee, today), FULL)

    assert response.status_code == 403
    assert not DailySheet.objects.exists()


def test_row_post_without_csrf_token_is_refused(head, employee, today):
    client = Client(enforce_csrf_checks=True)
    client.force_login(head)

    response = client.post(row_url(employee, today), FULL)

    assert response.status_code == 403
    assert not DailySheet.objects.exists()


def test_row_post_with_the_csrf_header_is_accepted(head, employee, today):
    client = Client(enforce_csrf_checks=True)
    client.force_login(head)
    client.get(grid_url())
    token = client.cookies["csrftoken"].value

    response = client.post(row_url(employee, today), FULL, headers={"X-CSRFToken": token})

    assert response.status_code == 200
    assert DailySheet.objects.filter(employee=employee).exists()


def test_the_grid_page_carries_the_csrf_token_for_htmx(head_client, employee):
    response = head_client.get(grid_url())

    assert b'hx-headers=\'{"X-CSRFToken": "' in response.content


def test_a_closed_quarters_day_is_read_only_and_refuses_posts(head_client, employee, today):
    closed = QuarterId.of(today).previous()
    QuarterFactory(year=closed.year, number=closed.number, status=QuarterStatus.CLOSED)
    day = closed.first_day

    page = head_client.get(grid_url(day=day.isoformat()))
    post = head_client.post(row_url(employee, day), {**FULL, "service": "40"})

    assert page.status_code == 200
    assert page.context["grid"].read_only
    html = page.content.decode()
    assert f'data-quarter="{closed.code}"' in html
    assert closed.code in page.context["grid"].read_only_reason
    assert re.search(r"\sdisabled[\s>]", cell_input(page.content, employee, "service"))
    assert "hx-post" not in html
    assert b'id="fill-form"' not in page.content
    assert b'data-state="error"' in post.content
    assert not DailySheet.objects.exists()


def test_a_future_day_is_read_only(head_client, employee, today):
    response = head_client.get(grid_url(day=(today + datetime.timedelta(days=1)).isoformat()))

    assert response.context["grid"].read_only
    assert b"data-readonly-reason" in response.content


def test_fill_full_marks_saves_the_rest_of_the_day(head_client, department, today):
    done, *rest = EmployeeFactory.create_batch(4, department=department)
    skipped = rest.pop()
    DailySheetFactory(employee=done, day=today, service=D("40"))

    response = head_client.post(
        reverse("appraisal:fill"),
        {"day": today.isoformat(), "department": department.pk, "skip": [skipped.pk]},
    )

    assert response.status_code == 302
    assert DailySheet.objects.get(employee=done).service == D("40")
    assert set(DailySheet.objects.values_list("employee_id", flat=True)) == {
        done.pk,
        *(e.pk for e in rest),
    }
    assert SheetRevision.objects.count() == len(rest)


def test_head_cannot_fill_another_department(head_client, today):
    other = DepartmentFactory(name="运行部")
    EmployeeFactory(department=other)

    response = head_client.post(
        reverse("appraisal:fill"), {"day": today.isoformat(), "department": other.pk}
    )

    assert response.status_code == 404
    assert not DailySheet.objects.exists()


def test_office_spot_check_mode_records_spot_checks_and_shows_both(client, employee, today):
    office = office_user()
    DailySheetFactory(employee=employee, day=today, courtesy=D("9"))
    client.force_login(office)

    page = client.get(grid_url(department=employee.department_id, spot=1))
    post = client.post(row_url(employee, today), {**FULL, "service": "45", "spot": "1"})
    department_mode = client.get(grid_url(department=employee.department_id))

    assert page.context["grid"].spot
    row = page.context["grid"].rows[0]
    assert row.sheet is None
    assert row.other.total == D("99")
    assert b'name="spot" value="1"' in page.content
    assert b'data-state="saved"' in post.content
    sheets = {s.is_spot_check: s for s in DailySheet.objects.filter(employee=employee)}
    assert sheets[True].total == D("95")
    assert sheets[False].total == D("99")
    assert re.search(
        r'data-other-total="95"\s+data-other-spot="1"', department_mode.content.decode()
    )


def test_a_head_cannot_switch_to_spot_check_mode(head_client, employee):
    response = head_client.get(grid_url(spot=1))

    assert not response.context["grid"].spot
    assert b'name="spot" value="1"' not in response.content


def test_history_lists_who_changed_what_and_why(head_client, head, employee, today):
    head_client.post(row_url(employee, today), FULL)
    head_client.post(row_url(employee, today), {**FULL, "morality": "18", "reason": "浪费"})

    response = head_client.get(reverse("appraisal:history", args=[employee.pk, today]))

    assert response.status_code == 200
    assert b'data-revisions="2"' in response.content
    lines = response.context["lines"]
    assert lines[0].revision.changed_by == head
    assert [(c.old, c.new) for c in lines[0].changes] == [("20.0", "18.0")]
    assert lines[0].revision.reason == "浪费"
    assert lines[1].created
    assert "浪费" in response.content.decode()


def test_history_of_another_departments_employee_is_404(head_client, today):
    stranger = EmployeeFactory(department=DepartmentFactory(name="人力资源部"))
    DailySheetFactory(employee=stranger, day=today)

    response = head_client.get(reverse("appraisal:history", args=[stranger.pk, today]))

    assert response.status_code == 404


def test_month_view_shows_day_totals_and_the_quarter_average(head_client, employee, today):
    first = today.replace(day=1)
    DailySheetFactory(employee=employee, day=first, service=D("45"))
    DailySheetFactory(employee=employee, day=first, service=D("40"), is_spot_check=True)

    response = head_client.get(reverse("appraisal:month"), {"month": first.strftime("%Y-%m")})

    assert response.status_code == 200
    row = response.context["grid"].rows[0]
    assert row.cells[0].total == D("90")
    assert row.cells[0].is_spot_check
    assert row.cells[0].department_total == D("95")
    assert row.quarter_average == D("90.00")
    html = response.content.decode()
    assert re.search(r'data-day="' + first.isoformat() + r'"\s+data-total="90', html)
    assert 'data-average="90.00"' in html


def test_month_view_of_another_department_is_404(head_client):
    other = DepartmentFactory(name="安质部")

    response = head_client.get(reverse("appraisal:month"), {"department": other.pk})

    assert response.status_code == 404


def test_month_view_rejects_a_malformed_month(head_client):
    assert head_client.get(reverse("appraisal:month"), {"month": "2026-13"}).status_code == 404


@pytest.mark.parametrize("size", [20, 200])
def test_grid_renders_in_a_fixed_number_of_queries(
    client, department, today, size, django_assert_max_num_queries
):
    employees = EmployeeFactory.create_batch(size, department=department)
    criteria = list(Criterion.objects.filter(department_kind="frontline")[:2])
    for employee in employees[::2]:
        sheet = DailySheetFactory(employee=employee, day=today, service=D("45"))
        sheet.criteria.set(criteria)
    for employee in employees[::5]:
        DailySheetFactory(employee=employee, day=today, is_spot_check=True)
    client.force_login(head_user(department))

    # 13: one more since the grid reads the company's start date (rules.md 4, "dates").
    with django_assert_max_num_queries(13):
        response = client.get(grid_url(day=today.isoformat()))

    assert response.status_code == 200
    assert len(row_ids(response.content)) == size


def test_a_row_save_over_http_runs_a_handful_of_queries(
    head_client, employee, today, django_assert_max_num_queries
):
    head_client.post(row_url(employee, today), FULL)

    with django_assert_max_num_queries(24):
        response = head_client.post(row_url(employee, today), {**FULL, "service": "44"})

    assert b'data-state="saved"' in response.content


def test_two_decimals_are_refused_with_a_chinese_full_stop(head_client, employee, today):
    response = head_client.post(row_url(employee, today), {**FULL, "service": "47.55"})

    error = re.search(
        rf'id="err-{employee.pk}-service"[^>]*>([^<]+)</div>', response.content.decode()
    )
    assert error.group(1) == "最多保留一位小数。"
    assert not DailySheet.objects.exists()


def test_spot_check_rows_start_from_the_departments_values_of_the_day(client, department, today):
    checked, unchecked = (EmployeeFactory(department=department, number=f"H000{n}") for n in (1, 2))
    item = Criterion.objects.get(department_kind="frontline", category="service", number=6)
    sheet = DailySheetFactory(
        employee=checked, day=today, service=D("44.5"), courtesy=D("9"), note="部门备注"
    )
    sheet.criteria.set([item])
    client.force_login(office_user())

    page = client.get(grid_url(department=department.pk, spot=1))

    rows = {row.employee: row for row in page.context["grid"].rows}
    assert rows[checked].sheet is None
    assert {cell.code: cell.value for cell in rows[checked].cells} == {
        "discipline": D("20"),
        "courtesy": D("9"),
        "service": D("44.5"),
        "morality": D("20"),
    }
    assert rows[checked].total_text == "93.5"
    assert rows[checked].criteria_ids == [item.pk]
    assert rows[checked].note == ""  # the office writes its own note
    assert rows[unchecked].total_text == "100"
    html = page.content.decode()
    assert re.search(r'name="service"\s+value="44.5"', html)
    # Enter at the end of an unchanged row does not save it in spot-check mode: the help says so.
    assert "行内有改动才会保存" in html
    assert "在行末时保存该行" not in html


def test_the_fill_button_is_disabled_with_a_clear_label_when_no_row_is_left(
    head_client, employee, today
):
    DailySheetFactory(employee=employee, day=today)

    html = head_client.get(grid_url()).content.decode()

    button = re.search(r'<button[^>]*id="fill-button"[^>]*>\s*([^<]+?)\s*</button>', html)
    assert 'data-left="0"' in button.group(0)
    assert "disabled" in button.group(0)
    assert button.group(1) == "没有待填满分的员工"


def test_month_view_and_my_scores_paint_a_band_with_the_same_class(head_client, department, today):
    me = staff_employee(department=department)
    DailySheetFactory(employee=me, day=today)  # 100: the best band
    DailySheetFactory(employee=me, day=today - datetime.timedelta(days=1), service=D("35"))

    month = head_client.get(reverse("appraisal:month")).content.decode()
    mine = Client()
    mine.force_login(me.user)
    scores = mine.get(reverse("employees:me")).content.decode()

    def band_of(html, tag_start):
        match = re.search(tag_start + r'[^>]*data-day="' + today.isoformat() + r'"', html)
        return re.search(r"band-(\w+)", match.group(0)).group(1)

    assert band_of(month, r'<td class="month-cell ') == "best"
    assert band_of(scores, r'<a class="cal-cell ') == "best"


# --- A department of 2,000 employees (issue 14) ----------------------------------------


def big_department(department, today, size):
    """`size` appraised employees, a sheet with two criteria items for every other one."""
    from employees.models import Employee

    Employee.objects.bulk_create(
        Employee(number=f"G{department.pk}-{n:05d}", name=f"员工{n}", department=department)
        for n in range(size)
    )
    employees = list(Employee.objects.filter(department=department).order_by("number"))
    DailySheet.objects.bulk_create(
        DailySheet(
            employee=employee,
            day=today,
            discipline=D("20"),
            courtesy=D("9.5"),
            service=D("47.5"),
            morality=D("20"),
            note="未使用文明用语",
        )
        for employee in employees[::2]
    )
    items = list(Criterion.objects.filter(department_kind="frontline")[:2])
    through = DailySheet.criteria.through
    through.objects.bulk_create(
        through(dailysheet_id=sheet_id, criterion_id=item.pk)
        for sheet_id in DailySheet.objects.filter(
            day=today, employee__department=department
        ).values_list("pk", flat=True)
        for item in items
    )


def test_the_grid_of_2000_employees_is_under_2_mb_in_as_many_queries_as_20(
    client, department, today
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    small = DepartmentFactory(name="综合部", kind=DepartmentKind.FRONTLINE)
    big_department(small, today, 20)
    big_department(department, today, 2000)
    client.force_login(office_user())

    counts, sizes = [], []
    for chosen in (small, department):
        client.get(grid_url(department=chosen.pk))  # the first request of a login reads more
        with CaptureQueriesContext(connection) as queries:
            response = client.get(grid_url(department=chosen.pk))
        assert response.status_code == 200
        assert len(row_ids(response.content)) == (20 if chosen == small else 2000)
        counts.append(len(queries))
        sizes.append(len(response.content))

    assert counts[0] == counts[1]
    assert sizes[1] < 2_000_000
    # Each row is lean: what every row would repeat is on the table (under 900 bytes a row).
    assert (sizes[1] - sizes[0]) / 1980 < 900


def test_the_rows_escape_what_they_show(head_client, department, today):
    employee = EmployeeFactory(department=department, name='<b>"王&芳"</b>', number="<H1>")
    DailySheetFactory(employee=employee, day=today, note="</textarea><script>x()</script>")

    html = head_client.get(grid_url()).content.decode()

    assert "&lt;b&gt;&quot;王&amp;芳&quot;&lt;/b&gt;" in html
    assert "<th>&lt;H1&gt;</th>" in html
    assert "&lt;/textarea&gt;&lt;script&gt;x()&lt;/script&gt;</textarea>" in html
    assert "<script>x()" not in html
