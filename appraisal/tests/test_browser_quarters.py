"""The quarter workbench in Debian's Chromium: review, approval and the notice, the payout."""

import datetime
from decimal import Decimal

import openpyxl
import pytest
from playwright.sync_api import expect

from appraisal.models import (
    Approval,
    AwardTier,
    DepartmentReview,
    Quarter,
    QuarterResult,
    QuarterStatus,
    ReviewStatus,
)
from appraisal.tests.test_views_quarters import CODE, World, sheet
from conftest import browser_login
from employees.tests.factories import EmployeeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    return World()


def test_a_head_withdraws_a_nominee_with_a_reason_and_submits_the_list(
    page, live_server, world, screenshot_dir
):
    world.to("closed")
    browser_login(page, live_server, "head_a")
    page.goto(f"{live_server.url}/appraisal/quarters/{CODE}/results/")
    page.wait_for_selector("#results")

    assert page.locator("tr[data-result]").count() == 3
    assert page.locator("tr[data-nominee='1']").count() == 2
    page.check(f"input[name=withdraw_{world.a2.pk}]")
    page.fill(f"input[name=reason_{world.a2.pk}]", "客户投诉核实中")
    page.screenshot(path=str(screenshot_dir / "results-1280.png"), full_page=True)
    page.click("[data-submit=list]")
    # Final: the list is only sent once the head confirms what it holds.
    page.wait_for_selector("#submit-confirm")
    assert (
        page.locator("[data-confirm-withdrawals='1']")
        .inner_text()
        .strip()
        .endswith("客户投诉核实中")
    )
    assert DepartmentReview.objects.get(department=world.a).status == ReviewStatus.REVIEWING
    page.click("[data-submit=confirm-list]")
    page.wait_for_selector("#review-state[data-review-status=submitted]")

    assert page.locator("#submit-form").count() == 0
    assert page.get_attribute(f"tr[data-result='{world.a2.pk}']", "data-withdrawn") == "1"
    review = DepartmentReview.objects.get(quarter=world.quarter, department=world.a)
    assert review.status == ReviewStatus.SUBMITTED
    result = QuarterResult.objects.get(employee=world.a2)
    assert result.withdrawn
    assert result.withdrawal_reason == "客户投诉核实中"
    assert result.award_tier == AwardTier.NONE


def test_the_office_approves_every_nominee_and_the_notice_lists_the_winners(
    page, live_server, world, screenshot_dir
):
    world.to("closed")
    browser_login(page, live_server, "office")
    page.goto(f"{live_server.url}/appraisal/quarters/{CODE}/")
    page.click("[data-action=approve]")
    page.wait_for_selector("#approve-form")

    assert page.locator("[data-not-submitted='2']").count() == 1
    assert page.locator("tr[data-nominee]").count() == 3
    page.click("[data-submit=approve]")
    page.wait_for_selector("[data-status=published]")

    quarter = Quarter.objects.get(pk=world.quarter.pk)
    assert quarter.status == QuarterStatus.PUBLISHED
    assert set(
        QuarterResult.objects.filter(quarter=quarter).values_list("approval", flat=True)
    ) == {Approval.APPROVED}
    page.screenshot(path=str(screenshot_dir / "quarter-1280.png"), full_page=True)

    page.click("[data-action=notice]")
    page.wait_for_selector("#winners")
    winners = page.locator("tr[data-winner]")
    assert winners.count() == 3
    assert {winners.nth(i).get_attribute("data-winner") for i in range(3)} == {
        str(world.a1.pk),
        str(world.a2.pk),
        str(world.b1.pk),
    }
    assert page.get_attribute("#notice-period", "data-from") == quarter.published_on.isoformat()
    # The A4 sheet as it prints: 210 mm at 96 dpi, the print style sheet on.
    page.set_viewport_size({"width": 794, "height": 1123})
    page.emulate_media(media="print")
    page.screenshot(path=str(screenshot_dir / "notice-a4.png"), full_page=True)


def test_hr_downloads_the_payout_sheet_and_it_adds_up(page, live_server, world, tmp_path):
    world.to("final")
    browser_login(page, live_server, "hr")
    page.goto(f"{live_server.url}/appraisal/quarters/{CODE}/")

    with page.expect_download() as download_info:
        page.click("[data-action=payout-xlsx]")
    download = download_info.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)

    assert download.suggested_filename == f"{CODE}-payout.xlsx"
    sheet = openpyxl.load_workbook(target).active
    total = [row for row in sheet.iter_rows(values_only=True) if row[0] == "合计"]
    # 500 + 100 reward (A001), 300 (A002), 200 (B001)
    assert total and Decimal(str(total[0][9])) == Decimal("1100")


def test_the_close_page_announces_as_many_appraised_as_the_close_gives_results(
    page, live_server, world
):
    # Leaves on 15 August but still marked active: not employed on the quarter's last day.
    departing = EmployeeFactory(
        department=world.a, number="A009", name="孙八", left_on=datetime.date(2025, 8, 15)
    )
    sheet(departing, 45)
    browser_login(page, live_server, "office")
    page.goto(f"{live_server.url}/appraisal/quarters/{CODE}/close/")
    page.wait_for_selector("#close-preview")
    announced = int(page.get_attribute("[data-count=appraised]", "data-value"))

    if page.locator("input[name=with_pending]").count():
        page.check("input[name=with_pending]")  # the office closes with them pending
    page.click("[data-submit=close]")
    page.wait_for_url(f"**/appraisal/quarters/{CODE}/")
    on_the_quarter_page = int(page.get_attribute("[data-count=results]", "data-value"))
    listed = []
    for department in (world.a, world.b):
        page.goto(
            f"{live_server.url}/appraisal/quarters/{CODE}/results/?department={department.pk}"
        )
        page.wait_for_selector("#results")
        rows = page.locator("tr[data-result]")
        listed += [rows.nth(i).get_attribute("data-result") for i in range(rows.count())]

    assert announced == on_the_quarter_page == len(listed) == 5
    assert str(departing.pk) not in listed


# Each name cell's text height, its line height, and the page's width, as laid out.
NAME_CELLS = """() => ({
  names: Array.from(document.querySelectorAll("#winners [data-name]")).map((cell) => {
    const style = getComputedStyle(cell);
    return {
      text: cell.textContent.trim(),
      height: cell.getBoundingClientRect().height
        - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom),
      lineHeight: parseFloat(style.lineHeight),
    };
  }),
  pageWidth: document.documentElement.scrollWidth,
})"""


def test_on_a_phone_the_notice_lists_each_winner_with_the_name_on_one_line(
    browser, live_server, world, screenshot_dir
):
    world.to("published")
    # A long name beside the award, as 390 px has room for: it still takes one line.
    world.b1.name = "欧阳娜娜"
    world.b1.save(update_fields=["name"])
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        browser_login(page, live_server, "S0001")
        page.goto(f"{live_server.url}/appraisal/quarters/{CODE}/notice/")
        page.wait_for_selector("#winners")
        measured = page.evaluate(NAME_CELLS)

        assert [cell["text"] for cell in measured["names"]] == ["张三", "李四", "欧阳娜娜"]
        for cell in measured["names"]:
            assert 0 < cell["height"] < 1.6 * cell["lineHeight"], cell
        assert measured["pageWidth"] <= 390, measured
        first = page.locator("tr[data-winner]").first
        expect(first.locator(".notice-final")).to_be_visible()
        # The card names what the table's header said: "最终得分 110.00".
        label = first.locator(".notice-final").evaluate(
            "cell => getComputedStyle(cell, '::before').content"
        )
        assert "最终得分" in label
        page.screenshot(path=str(screenshot_dir / "notice-390.png"), full_page=True)

        # Printed, it is the A4 table again: the header row is back.
        page.emulate_media(media="print")
        expect(page.locator("#winners thead")).to_be_visible()
    finally:
        context.close()


def test_the_quarter_page_in_english_at_1280_px(page, live_server, world, screenshot_dir):
    world.to("published")
    browser_login(page, live_server, "office")
    page.goto(f"{live_server.url}/appraisal/quarters/{CODE}/")
    page.wait_for_selector("[data-status=published]")

    # The language switch in the top bar submits on change and comes back to the page.
    page.select_option("#language-select", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.wait_for_selector("[data-status=published]")

    expect(page.locator("#navbar")).to_contain_text("Appraisal quarters")
    assert page.locator("#navbar").bounding_box()["height"] < 70
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    page.screenshot(path=str(screenshot_dir / "quarter-en-1280.png"), full_page=True)
