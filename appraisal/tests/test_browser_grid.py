"""The day grid in Debian's Chromium: keyboard entry, errors, closed quarters, spot checks."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from appraisal.models import Criterion, DailySheet, Quarter, QuarterStatus, SheetRevision
from appraisal.rules import QuarterId
from appraisal.tests.factories import DailySheetFactory, QuarterFactory
from conftest import browser_login
from employees.models import DepartmentKind
from employees.tests.factories import DepartmentFactory, EmployeeFactory, head_user, office_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

D = Decimal
NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄强"]


@pytest.fixture
def department(today):
    qid = QuarterId.of(today)
    QuarterFactory(year=qid.year, number=qid.number)
    return DepartmentFactory(name="装卸作业部", kind=DepartmentKind.FRONTLINE)


@pytest.fixture
def employees(department):
    EmployeeFactory(department=department, number="ZX000", name="主管", is_supervisor=True)
    return [
        EmployeeFactory(department=department, number=f"ZX{n:03d}", name=name)
        for n, name in enumerate(NAMES[:3], start=1)
    ]


@pytest.fixture
def head(department):
    return head_user(department, username="head", first_name="主任")


def open_grid(page, live_server, query=""):
    page.goto(f"{live_server.url}/appraisal/sheets/{query}")
    page.wait_for_selector("#day-grid")


def focused(page):
    return page.evaluate(
        "() => [document.activeElement.closest('tbody')?.dataset.employee,"
        " document.activeElement.name]"
    )


def wait_for_state(page, employee, state):
    page.wait_for_selector(f"#row-{employee.pk}[data-state='{state}']")


def test_head_fills_a_day_with_the_keyboard_and_it_survives_a_reload(
    page, live_server, head, employees, today
):
    first, second, third = employees
    browser_login(page, live_server, "head")
    open_grid(page, live_server)

    # The page starts in the first cell of the first row; the supervisor is not listed.
    assert focused(page) == [str(first.pk), "discipline"]
    assert page.locator("tbody.grid-row").count() == 3
    keyboard = page.keyboard
    keyboard.press("Enter")  # discipline 20 stays; on to courtesy
    keyboard.press("Enter")  # courtesy 10 stays; on to service
    assert focused(page) == [str(first.pk), "service"]
    keyboard.type("47.5")  # the focused cell's content is selected: typing replaces it
    assert page.locator(f"#row-{first.pk} [data-total]").inner_text() == "97.5"
    keyboard.press("Enter")  # leaving the cell saves the row
    wait_for_state(page, first, "saved")
    keyboard.press("Enter")  # morality, then the note
    keyboard.type("未使用文明用语")
    keyboard.press("Enter")  # end of the row: the next row's first cell
    assert focused(page) == [str(second.pk), "discipline"]
    keyboard.press("ArrowDown")
    assert focused(page) == [str(third.pk), "discipline"]
    keyboard.type("19.5")
    keyboard.press("Tab")
    assert focused(page) == [str(third.pk), "courtesy"]
    wait_for_state(page, third, "saved")
    wait_for_state(page, first, "saved")

    page.reload()
    page.wait_for_selector("#day-grid")

    assert page.input_value(f"#row-{first.pk} input[name=service]") == "47.5"
    assert page.input_value(f"#row-{first.pk} [name=note]") == "未使用文明用语"
    assert page.input_value(f"#row-{third.pk} input[name=discipline]") == "19.5"
    assert page.get_attribute(f"#row-{second.pk}", "data-state") == "unsaved"
    saved = {s.employee_id: s for s in DailySheet.objects.filter(day=today)}
    assert set(saved) == {first.pk, third.pk}
    assert saved[first.pk].service == D("47.5")
    assert saved[first.pk].note == "未使用文明用语"
    assert saved[third.pk].discipline == D("19.5")


def test_an_out_of_range_score_shows_an_error_on_the_cell_and_saves_nothing(
    page, live_server, head, employees, today
):
    first = employees[0]
    browser_login(page, live_server, "head")
    open_grid(page, live_server)

    page.keyboard.type("25")
    page.keyboard.press("Enter")
    wait_for_state(page, first, "error")

    error = page.locator(f"#err-{first.pk}-discipline")
    assert error.is_visible()
    assert error.inner_text().strip()
    cell = page.locator(f"#row-{first.pk} input[name=discipline]")
    assert "is-invalid" in cell.get_attribute("class")
    assert cell.get_attribute("aria-invalid") == "true"
    assert page.locator(f"#row-{first.pk} [data-total]").inner_text() == "—"
    assert page.locator(f"#err-{first.pk}-courtesy").inner_text() == ""
    assert not DailySheet.objects.exists()

    # Correcting the cell clears the error and saves.
    page.locator(f"#row-{first.pk} input[name=discipline]").focus()
    page.keyboard.type("18")
    page.keyboard.press("Enter")
    wait_for_state(page, first, "saved")
    assert "is-invalid" not in cell.get_attribute("class")
    assert DailySheet.objects.get().discipline == D("18")


def test_a_closed_quarters_day_is_read_only_with_the_reason(page, live_server, head, employees):
    closed = QuarterId.of(timezone.localdate()).previous()
    quarter = QuarterFactory(year=closed.year, number=closed.number)
    DailySheetFactory(employee=employees[0], day=closed.first_day, service=D("45"))
    # Closed after the sheet was written: PostgreSQL's trigger refuses sheets in a closed quarter.
    Quarter.objects.filter(pk=quarter.pk).update(status=QuarterStatus.CLOSED)
    browser_login(page, live_server, "head")

    open_grid(page, live_server, f"?day={closed.first_day.isoformat()}")

    notice = page.locator("[data-readonly-reason]")
    assert notice.is_visible()
    assert notice.get_attribute("data-quarter") == closed.code
    assert closed.code in notice.inner_text()
    cells = page.locator("[data-cell]")
    assert cells.count() == 3 * 5
    assert all(cells.nth(i).is_disabled() for i in range(cells.count()))
    assert page.locator("#fill-form").count() == 0
    assert page.locator(".row-save").count() == 0
    assert page.input_value(f"#row-{employees[0].pk} input[name=service]") == "45"
    assert DailySheet.objects.get().service == D("45")


def test_changing_an_earlier_days_sheet_asks_for_a_reason(page, live_server, head, employees):
    first = employees[0]
    day = timezone.localdate() - datetime.timedelta(days=1)
    sheet = DailySheetFactory(employee=first, day=day)
    DailySheet.objects.filter(pk=sheet.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=1)
    )
    browser_login(page, live_server, "head")
    open_grid(page, live_server, f"?day={day.isoformat()}")

    page.locator(f"#row-{first.pk} input[name=morality]").focus()
    page.keyboard.type("18")
    page.keyboard.press("Enter")
    wait_for_state(page, first, "error")
    reason = page.locator(f"#row-{first.pk} input[name=reason]")
    assert reason.is_visible()
    assert DailySheet.objects.get().morality == D("20")

    reason.focus()
    page.keyboard.type("复核后补扣")
    page.keyboard.press("Enter")
    wait_for_state(page, first, "saved")

    sheet.refresh_from_db()
    assert sheet.morality == D("18")
    assert SheetRevision.objects.get(sheet=sheet).reason == "复核后补扣"


def test_criteria_items_are_chosen_in_the_details_dialog_with_the_history(
    page, live_server, head, employees, today
):
    first = employees[0]
    item = Criterion.objects.get(department_kind="frontline", category="service", number=6)
    browser_login(page, live_server, "head")
    open_grid(page, live_server)
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.keyboard.type("48")
    page.keyboard.press("Enter")
    wait_for_state(page, first, "saved")

    page.click(f"#row-{first.pk} .row-details")
    page.wait_for_selector("#details-modal.show")
    page.wait_for_selector("#history-body .history-line")
    page.check(f"#criterion-{item.pk}")
    page.click("#details-apply")
    # expect() polls without eval, which the page's Content-Security-Policy forbids.
    expect(page.locator(f"#revs-{first.pk}")).to_have_text("2")

    assert list(DailySheet.objects.get().criteria.all()) == [item]
    assert page.locator(f"#row-{first.pk} .criteria-count").inner_text() == "1"


def test_save_full_marks_for_the_rest_of_the_day(page, live_server, head, employees, today):
    first = employees[0]
    browser_login(page, live_server, "head")
    open_grid(page, live_server)
    page.keyboard.press("Enter")
    page.keyboard.type("9")
    page.keyboard.press("Enter")
    wait_for_state(page, first, "saved")

    page.click("#fill-button")
    page.wait_for_selector("#day-grid")
    expect(page.locator("tbody.grid-row[data-state=unsaved]")).to_have_count(0)

    totals = {s.employee_id: s.total for s in DailySheet.objects.filter(day=today)}
    assert totals == {first.pk: D("99"), employees[1].pk: D("100"), employees[2].pk: D("100")}


def test_office_records_a_spot_check_beside_the_department_sheet(
    page, live_server, employees, department, today
):
    first = employees[0]
    DailySheetFactory(employee=first, day=today)
    office_user(username="office")
    browser_login(page, live_server, "office")
    open_grid(page, live_server, f"?department={department.pk}&spot=1")

    assert page.locator(f"#row-{first.pk} .other-sheet").get_attribute("data-other-total") == "100"
    page.locator(f"#row-{first.pk} input[name=service]").focus()
    page.keyboard.type("44")
    page.keyboard.press("Enter")
    wait_for_state(page, first, "saved")
    for _ in range(7):  # on through the second row: in spot-check mode that saves nothing
        page.keyboard.press("Enter")
    assert focused(page) == [str(employees[2].pk), "discipline"]
    page.wait_for_load_state("networkidle")

    assert page.get_attribute(f"#row-{employees[1].pk}", "data-state") == "unsaved"
    sheets = {s.is_spot_check: s.total for s in DailySheet.objects.filter(employee=first)}
    assert sheets == {False: D("100"), True: D("94")}
    assert DailySheet.objects.filter(is_spot_check=True).count() == 1


def _demo_month(employees, today):
    """Sheets on the working days of this month so far: mostly small deductions, a few
    large ones, and some spot checks (deterministic, so the screenshot is stable)."""
    day = today.replace(day=1)
    n = 0
    while day <= today:
        if day.isoweekday() <= 5:
            for index, employee in enumerate(employees):
                n += 1
                service = D("50") - D((n * 7 + index * 3) % 11) / 2
                if (n * 3 + index) % 13 == 0:
                    service -= 8
                courtesy = D("10") - (D("0.5") if (n + index) % 6 == 0 else 0)
                discipline = D("20") - (D("17") if (n * 5 + index) % 31 == 0 else 0)
                morality = D("20") - (D("2") if (n + index * 2) % 9 == 0 else 0)
                DailySheetFactory(
                    employee=employee,
                    day=day,
                    service=service,
                    courtesy=courtesy,
                    discipline=discipline,
                    morality=morality,
                )
                if (n + index * 5) % 17 == 0:
                    DailySheetFactory(
                        employee=employee, day=day, is_spot_check=True, service=service - 6
                    )
        day += datetime.timedelta(days=1)


def test_screenshots_of_the_grid_and_the_month(
    page, live_server, department, today, screenshot_dir
):
    team = [
        EmployeeFactory(department=department, number=f"ZX{n:03d}", name=name)
        for n, name in enumerate(NAMES, start=1)
    ]
    head_user(department, username="head", first_name="主任")
    _demo_month(team, today - datetime.timedelta(days=1))
    item = Criterion.objects.get(department_kind="frontline", category="service", number=6)
    deducted = DailySheetFactory(
        employee=team[1], day=today, service=D("47.5"), note="客户投诉时未先道歉"
    )
    deducted.criteria.set([item])
    DailySheetFactory(employee=team[2], day=today, courtesy=D("9.5"), note="未穿工装")
    DailySheetFactory(employee=team[2], day=today, is_spot_check=True, courtesy=D("9"))
    DailySheetFactory(employee=team[4], day=today)
    browser_login(page, live_server, "head")

    open_grid(page, live_server)
    page.locator(f"#row-{team[3].pk} input[name=discipline]").focus()
    page.keyboard.type("25")
    page.keyboard.press("Enter")
    wait_for_state(page, team[3], "error")
    page.keyboard.type("9.5")
    page.mouse.move(0, 0)
    page.screenshot(path=str(screenshot_dir / "grid-1280.png"), full_page=True)

    # The refused row makes the page ask before leaving; leave anyway.
    page.once("dialog", lambda dialog: dialog.accept())
    page.goto(f"{live_server.url}/appraisal/sheets/month/")
    page.wait_for_selector("#month-grid")
    page.screenshot(path=str(screenshot_dir / "month-1280.png"), full_page=True)

    assert (screenshot_dir / "grid-1280.png").stat().st_size > 10_000
    assert (screenshot_dir / "month-1280.png").stat().st_size > 10_000
    assert page.locator("#month-grid td.spot-cell").count() > 0


# --- Pages that never mislead (issue 15) ------------------------------------------


def counter_text(page):
    return " ".join(page.locator("#grid-counts").inner_text().split())


def test_the_counter_counts_saved_and_refused_rows_and_the_fill_button_what_is_left(
    page, live_server, head, employees
):
    first, second, third = employees
    browser_login(page, live_server, "head")
    open_grid(page, live_server)
    fill = page.locator("#fill-button")
    assert counter_text(page) == "已保存 0 / 3"
    assert fill.inner_text().strip() == "为其余 3 名员工保存满分"

    page.keyboard.type("25")  # refused: discipline is out of 20
    page.keyboard.press("Enter")
    wait_for_state(page, first, "error")
    assert counter_text(page) == "已保存 0 / 3，1 行未保存"
    assert fill.inner_text().strip() == "为其余 2 名员工保存满分"

    page.locator(f"#row-{second.pk} input[name=service]").focus()
    page.keyboard.press("Control+Enter")
    wait_for_state(page, second, "saved")
    assert counter_text(page) == "已保存 1 / 3，1 行未保存"
    assert fill.inner_text().strip() == "为其余 1 名员工保存满分"
    assert fill.is_enabled()

    page.locator(f"#row-{third.pk} input[name=service]").focus()
    page.keyboard.press("Control+Enter")
    wait_for_state(page, third, "saved")
    assert counter_text(page) == "已保存 2 / 3，1 行未保存"
    assert fill.inner_text().strip() == "没有待填满分的员工"
    assert fill.is_disabled()

    page.locator(f"#row-{first.pk} input[name=discipline]").focus()
    page.keyboard.type("18")
    page.keyboard.press("Control+Enter")
    wait_for_state(page, first, "saved")
    assert counter_text(page) == "已保存 3 / 3"
    assert DailySheet.objects.count() == 3


def test_leaving_with_typed_or_refused_rows_asks_first(page, live_server, head, employees):
    first = employees[0]
    browser_login(page, live_server, "head")
    open_grid(page, live_server)
    grid_url = page.url
    dialogs = []

    def stay(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    page.keyboard.type("19")  # typed, not yet sent: the cell still has the focus
    page.click("a[rel=next]")
    page.wait_for_timeout(300)
    assert dialogs == ["beforeunload"]
    assert page.url == grid_url
    assert page.input_value(f"#row-{first.pk} input[name=discipline]") == "19"

    page.locator(f"#row-{first.pk} input[name=discipline]").focus()
    page.keyboard.press("Control+Enter")
    wait_for_state(page, first, "saved")
    page.keyboard.press("Control+a")
    page.keyboard.type("25")
    page.keyboard.press("Enter")  # refused
    wait_for_state(page, first, "error")
    page.evaluate("location.reload()")
    page.wait_for_timeout(300)
    assert dialogs == ["beforeunload", "beforeunload"]
    assert page.get_attribute(f"#row-{first.pk}", "data-state") == "error"

    page.remove_listener("dialog", stay)
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("a[rel=next]")
    assert page.url != grid_url
    assert DailySheet.objects.get().discipline == D("19")


def test_leaving_with_everything_saved_does_not_ask(page, live_server, head, employees):
    first = employees[0]
    browser_login(page, live_server, "head")
    open_grid(page, live_server)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.keyboard.type("19")
    page.keyboard.press("Control+Enter")
    wait_for_state(page, first, "saved")

    with page.expect_navigation():
        page.click("a[rel=next]")

    assert dialogs == []


def test_full_width_digits_become_ascii_while_typing_and_the_total_follows(
    page, live_server, head, employees
):
    first = employees[0]
    browser_login(page, live_server, "head")
    open_grid(page, live_server)
    page.locator(f"#row-{first.pk} input[name=service]").focus()

    page.keyboard.type("４７．５")

    assert page.input_value(f"#row-{first.pk} input[name=service]") == "47.5"
    assert page.locator(f"#row-{first.pk} [data-total]").inner_text() == "97.5"
    page.keyboard.press("Enter")
    wait_for_state(page, first, "saved")
    assert DailySheet.objects.get().service == D("47.5")


def test_when_a_reason_is_demanded_the_focus_goes_to_the_reason(page, live_server, head, employees):
    first = employees[0]
    day = timezone.localdate() - datetime.timedelta(days=1)
    sheet = DailySheetFactory(employee=first, day=day)
    DailySheet.objects.filter(pk=sheet.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=1)
    )
    browser_login(page, live_server, "head")
    open_grid(page, live_server, f"?day={day.isoformat()}")

    page.locator(f"#row-{first.pk} input[name=morality]").focus()
    page.keyboard.type("18")
    page.keyboard.press("Enter")  # on to the note; the save asks for a reason
    wait_for_state(page, first, "error")
    expect(page.locator(f"#row-{first.pk} [name=reason]")).to_be_focused()

    assert focused(page) == [str(first.pk), "reason"]
    page.keyboard.type("复核后补扣")  # straight into the reason
    page.keyboard.press("Enter")
    wait_for_state(page, first, "saved")
    assert SheetRevision.objects.get(sheet=sheet).reason == "复核后补扣"


def test_a_long_note_is_shown_whole_and_two_decimals_read_in_chinese(
    page, live_server, head, employees
):
    first = employees[0]
    note = "客户在提货窗口等候超过二十分钟，理货员未主动说明原因，也未引导客户到休息区等候，" * 3
    browser_login(page, live_server, "head")
    open_grid(page, live_server)

    page.locator(f"#row-{first.pk} [name=note]").focus()
    page.keyboard.type(note)
    page.keyboard.press("Control+Enter")
    wait_for_state(page, first, "saved")
    page.reload()
    page.wait_for_selector("#day-grid")

    box = page.locator(f"#row-{first.pk} [name=note]")
    assert box.input_value() == note
    # Not cut off: the field is as tall as its text, several lines of it.
    size = box.evaluate("e => [e.scrollHeight, e.clientHeight, e.offsetWidth]")
    assert size[0] <= size[1] + 1
    assert size[1] > 60

    page.locator(f"#row-{first.pk} input[name=courtesy]").focus()
    page.keyboard.type("9.55")
    page.keyboard.press("Enter")
    wait_for_state(page, first, "error")
    assert page.locator(f"#err-{first.pk}-courtesy").inner_text() == "最多保留一位小数。"


def test_the_month_views_last_column_fits_at_1280px(page, live_server, head, employees, today):
    # Every day of a 31-day month, with the widest totals ("97.5"), and a long name.
    employees[0].name = "欧阳文采斐然"
    employees[0].save()
    for employee in employees:
        for day in range(1, 32):
            DailySheetFactory(employee=employee, day=datetime.date(2026, 3, day), service=D("47.5"))
    browser_login(page, live_server, "head")
    # A month of 31 days: the widest there is.
    page.goto(f"{live_server.url}/appraisal/sheets/month/?month=2026-03")
    page.wait_for_selector("#month-grid")

    wrap = page.locator(".month-wrap").evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert wrap[0] <= wrap[1]
    last = page.locator("#month-grid thead th").last.bounding_box()
    assert last["x"] + last["width"] <= 1280


def test_month_view_and_my_scores_paint_the_same_band_in_the_same_colour(
    page, browser, live_server, head, department, today
):
    from employees.tests.factories import staff_employee

    me = staff_employee(department=department, name="王晓燕")
    DailySheetFactory(employee=me, day=today)  # 100: best
    browser_login(page, live_server, "head")
    page.goto(f"{live_server.url}/appraisal/sheets/month/")
    cell = page.locator(f"#month-grid tr[data-employee='{me.pk}'] td[data-day='{today}']")
    month_class = cell.get_attribute("class")
    month_colour = cell.evaluate("e => getComputedStyle(e).backgroundColor")

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    try:
        mine = context.new_page()
        browser_login(mine, live_server, me.number)
        day = mine.locator(f".cal-cell[data-day='{today}']")
        scores_class = day.get_attribute("class")
        scores_colour = day.evaluate("e => getComputedStyle(e).backgroundColor")
    finally:
        context.close()

    assert "band-best" in month_class.split()
    assert "band-best" in scores_class.split()
    assert month_colour == scores_colour == "rgb(209, 231, 221)"
