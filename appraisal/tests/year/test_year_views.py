"""The year pages: who sees what, the download, the archive confirmation, the stars."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from appraisal.exports_year import ARCHIVE_SHEETS
from appraisal.models import StarStatus, Year, YearAction
from appraisal.tests.year.conftest import YEAR
from employees.tests.factories import head_user, hr_user, office_user, staff_employee

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"appraisal:{name}", args=args)


@pytest.mark.parametrize(
    ("who", "numbers"),
    [("office", ["A001", "A002", "B001"]), ("hr", ["A001", "A002", "B001"]), ("head", ["B001"])],
)
def test_the_year_page_shows_the_rows_the_role_may_see(client, year_world, who, numbers):
    user = {"office": office_user, "hr": hr_user}.get(
        who, lambda: head_user(year_world.passenger)
    )()
    client.force_login(user)
    html = client.get(url("year", YEAR)).content.decode()
    for number in ["A001", "A002", "B001"]:
        assert (f'data-employee="{number}"' in html) == (number in numbers)
    assert 'data-not-final="yes"' in html


def test_staff_are_sent_to_their_own_page(client, year_world):
    client.force_login(staff_employee().user)
    response = client.get(url("year", YEAR))
    assert response.status_code == 302
    assert response.url == reverse("employees:me")


def test_a_year_without_quarters_says_so(client, db):
    client.force_login(office_user())
    response = client.get(url("year", 2019))
    assert response.status_code == 404
    assert 'data-empty="year"' in response.content.decode()


def test_the_page_filters_by_department_and_sorts(client, year_world):
    client.force_login(office_user())
    html = client.get(url("year", YEAR), {"department": year_world.loading.pk}).content.decode()
    assert 'data-employee="A001"' in html and 'data-employee="B001"' not in html
    html = client.get(url("year", YEAR), {"sort": "q3"}).content.decode()
    assert html.index('data-employee="A001"') < html.index('data-employee="B001"')
    html = client.get(url("year", YEAR), {"sort": "-q3"}).content.decode()
    assert html.index('data-employee="B001"') < html.index('data-employee="A001"')


def test_the_quarters_list_links_the_year(client, year_world):
    client.force_login(office_user())
    assert url("year", YEAR) in client.get(url("quarters")).content.decode()


def test_the_office_downloads_the_archive_and_others_do_not(client, year_world):
    client.force_login(hr_user())
    assert client.get(url("archive_xlsx", YEAR)).status_code == 403
    client.force_login(office_user())
    response = client.get(url("archive_xlsx", YEAR), {"department": year_world.loading.pk})
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert tuple(wb.sheetnames) == ARCHIVE_SHEETS
    numbers = [r[0] for r in wb["年度汇总"].iter_rows(min_row=2, values_only=True)]
    assert numbers == ["A001", "A002"]


def test_archiving_a_running_year_is_refused_naming_the_quarter(client, year_world):
    client.force_login(office_user())
    html = client.get(url("year_archive", YEAR)).content.decode()
    assert "2025Q4" in html
    client.post(url("year_archive", YEAR))
    assert not Year.objects.filter(year=YEAR, archived_at__isnull=False).exists()


def test_the_office_archives_a_paid_year_and_it_is_logged(client, year_world):
    year_world.settle_q4()
    office = office_user()
    client.force_login(office)
    response = client.post(url("year_archive", YEAR))
    assert response.status_code == 302
    row = Year.objects.get(year=YEAR)
    assert row.is_archived and row.archived_by == office
    assert row.log.filter(action=YearAction.ARCHIVE, by=office).exists()


def test_only_the_office_archives(client, year_world):
    year_world.settle_q4()
    client.force_login(hr_user())
    assert client.post(url("year_archive", YEAR)).status_code == 403


def test_a_head_nominates_and_the_office_names_and_publishes(client, year_world):
    year_world.settle_q4()
    head = head_user(year_world.loading)
    client.force_login(head)
    client.post(
        url("stars_action", YEAR),
        {"action": "nominate", "employee": year_world.zhang.pk, "citation": "热情服务"},
    )
    star = year_world.zhang.stars.get()
    assert star.status == StarStatus.NOMINATED
    client.force_login(office_user())
    client.post(url("stars_action", YEAR), {"action": "name", "star": star.pk})
    client.post(url("stars_action", YEAR), {"action": "publish"})
    star.refresh_from_db()
    assert star.status == StarStatus.NAMED
    html = client.get(url("year", YEAR)).content.decode()
    assert "★" in html
    page = client.get(url("star_certificate", YEAR, star.pk))
    assert page.status_code == 200 and "张三" in page.content.decode()


def test_a_refused_nomination_shows_why_and_changes_nothing(client, year_world):
    year_world.settle_q4()
    client.force_login(head_user(year_world.loading))
    response = client.post(
        url("stars_action", YEAR),
        {"action": "nominate", "employee": year_world.li.pk, "citation": "认真"},
        follow=True,
    )
    assert "李四" in response.content.decode()
    assert not year_world.li.stars.exists()


def test_staff_cannot_open_the_stars_page(client, year_world):
    client.force_login(staff_employee().user)
    assert client.get(url("stars", YEAR)).status_code == 403
