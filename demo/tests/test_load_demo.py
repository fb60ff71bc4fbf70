import datetime
import io
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count, F, Sum
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from appraisal.models import (
    AwardTier,
    DailySheet,
    Event,
    EventKind,
    EventValidity,
    Quarter,
    QuarterResult,
    QuarterStatus,
    ServiceStar,
    StarStatus,
    Year,
)
from appraisal.rules import Category, QuarterId
from appraisal.services import sheet_save
from appraisal.tests.guards import guards_off
from awards.models import WorkBadge
from demo.roster import DEMO_PASSWORD, company, demo_roster
from employees.models import Department, DepartmentKind, Employee, Role, User

pytestmark = pytest.mark.django_db

FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"
TODAY = "2026-11-27"
PAST = QuarterId(2026, 3)
CURRENT = QuarterId(2026, 4)

FUNCTIONAL = ["综合部", "财务部", "人力资源部", "安质部"]
FRONTLINE = ["生产部", "货运部", "技术部", "运行部", "机械部", "装卸作业部"]


def load_demo(today: str = TODAY) -> str:
    out = io.StringIO()
    call_command("load_demo", today=today, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo company loaded once for this module: the build takes a few seconds.

    Every test runs in its own savepoint inside this transaction, so what a
    test changes (a second load) is undone; the whole load is rolled back when
    the module ends, so no other test sees it.
    """
    # The fast hasher that conftest.py gives every test, so that the tests
    # (and a second load) can check the hash this load writes.
    fast_hashing = override_settings(PASSWORD_HASHERS=[FAST_HASHER])
    with django_db_blocker.unblock(), fast_hashing, transaction.atomic():
        output = load_demo()
        yield output
        transaction.set_rollback(True)


def fingerprint() -> dict[str, object]:
    """Everything the demo writes, as plain sorted values (no ids, no timestamps)."""
    return {
        "counts": {model._meta.label: model.objects.count() for model in apps.get_models()},
        "departments": sorted(
            Department.objects.values_list(
                "name", "kind", "display_order", "hosts_appraisal_office"
            )
        ),
        "users": sorted(
            (
                user.username,
                user.first_name,
                user.password,
                user.is_staff,
                user.is_active,
                user.department.name if user.department else "",
                tuple(sorted(user.groups.values_list("name", flat=True))),
            )
            for user in User.objects.select_related("department")
        ),
        "employees": sorted(
            Employee.objects.values_list(
                "number",
                "name",
                "department__name",
                "position",
                "employment_form",
                "is_supervisor",
                "is_active",
                "joined_on",
                "left_on",
                "user__username",
            )
        ),
        "sheets": sorted(
            DailySheet.objects.values_list(
                "employee__number",
                "day",
                "is_spot_check",
                "discipline",
                "courtesy",
                "service",
                "morality",
                "note",
                "entered_by__username",
            )
        ),
        "sheet_criteria": sorted(
            DailySheet.criteria.through.objects.values_list(
                "dailysheet__employee__number",
                "dailysheet__day",
                "dailysheet__is_spot_check",
                "criterion__department_kind",
                "criterion__category",
                "criterion__number",
            )
        ),
        "events": sorted(
            Event.objects.values_list(
                "employee__number",
                "date",
                "kind",
                "points",
                "amount",
                "validity",
                "source",
                "reported_by",
                "note",
                "created_by__username",
                "ruled_by__username",
                "ruled_at",
            ),
            key=str,
        ),
        "badges": sorted(
            WorkBadge.objects.values_list("employee__number", "issued_on", "status", "token")
        ),
        "quarters": sorted(Quarter.objects.values_list("year", "number", "status")),
        "years": sorted(Year.objects.values_list("year", "stars_published_at", "archived_at")),
        "stars": sorted(
            ServiceStar.objects.values_list(
                "year__year", "employee__number", "status", "citation", "nominated_by__username"
            )
        ),
        "results": sorted(
            QuarterResult.objects.values_list(
                "quarter__number", "employee__number", "final", "award_tier", "approval"
            )
        ),
    }


def test_loading_twice_gives_exactly_the_same_data(demo):
    first = fingerprint()

    output = load_demo()

    assert fingerprint() == first
    assert len(first["sheets"]) > 3000
    # 12 in the past quarter, 3 in the current one, 6 in the past year.
    assert len(first["events"]) == 21
    # The second run says once more that the published past quarter was left alone.
    assert output.count("\n") == demo.count("\n") + 1


def test_departments_are_the_ten_of_the_measures_in_order_plus_the_safety_department(demo):

    departments = list(Department.objects.order_by("display_order"))

    assert [d.name for d in departments] == [*FUNCTIONAL, *FRONTLINE, "安环部"]
    assert [d.display_order for d in departments] == list(range(1, 12))
    assert {d.name for d in departments if d.kind == DepartmentKind.FUNCTIONAL} == {
        *FUNCTIONAL,
        "安环部",
    }
    assert [d.name for d in departments if d.hosts_appraisal_office] == ["安环部"]


def test_every_demo_login_has_its_role_and_the_shared_demo_password(demo):

    office = User.objects.get(username="office")
    hr = User.objects.get(username="hr")
    assert office.is_office and office.is_staff and not office.is_superuser
    assert hr.is_hr and hr.is_staff and not hr.is_office
    assert office.get_full_name() == "刘琪"
    for n, name in enumerate([*FUNCTIONAL, *FRONTLINE], start=1):
        head = User.objects.get(username=f"head{n}")
        assert head.is_department_head
        assert head.department.name == name
        assert (
            head.get_full_name()
            == Employee.objects.get(department=head.department, is_supervisor=True).name
        )
    for employee in Employee.objects.select_related("user"):
        assert employee.user.username == employee.number
        assert employee.user.has_role(Role.STAFF) is employee.is_active
        assert employee.user.get_full_name() == employee.name
    demo_usernames = ["office", "hr", *(f"head{n}" for n in range(1, 11))]
    demo_usernames += [entry.number for entry in demo_roster()]
    hashes = set(
        User.objects.filter(username__in=demo_usernames).values_list("password", flat=True)
    )
    assert User.objects.filter(username__in=demo_usernames).count() == len(demo_usernames)
    assert len(hashes) == 1
    assert check_password(DEMO_PASSWORD, hashes.pop())
    assert User.objects.get(username="head3").check_password(DEMO_PASSWORD)


def test_the_assessment_group_sits_in_the_safety_department_and_is_not_appraised(demo):

    group = Employee.objects.filter(department__name="安环部")

    assert sorted(group.values_list("name", flat=True)) == sorted(
        ["林勇", "柳伟杰", "李自勇", "姜宝明", "刘琪", "赵洪力"]
    )
    assert not group.appraised().exists()
    assert group.get(name="林勇").position.endswith("组长")


def test_the_company_has_about_sixty_employees_one_supervisor_per_department(demo):

    in_ten = Employee.objects.exclude(department__name="安环部")
    supervisors = dict(
        in_ten.filter(is_supervisor=True)
        .values_list("department__name")
        .annotate(n=Count("id"))
        .values_list("department__name", "n")
    )

    assert 55 <= in_ten.count() <= 65
    assert supervisors == dict.fromkeys([*FUNCTIONAL, *FRONTLINE], 1)
    assert len(set(Employee.objects.values_list("name", flat=True))) == Employee.objects.count()
    assert set(Employee.objects.values_list("employment_form", flat=True)) >= {
        "permanent",
        "contract",
        "agency",
        "temporary",
    }
    left = Employee.objects.get(is_active=False)
    assert left.left_on is not None
    assert not left.user.is_active
    assert WorkBadge.objects.issued().count() == Employee.objects.filter(is_active=True).count()


def test_only_appraised_employees_have_sheets_and_events(demo):

    not_appraised = Employee.objects.exclude(pk__in=Employee.objects.appraised().values("pk"))

    assert not DailySheet.objects.filter(employee__in=not_appraised).exists()
    assert not Event.objects.filter(employee__in=not_appraised).exists()
    sheet_employees = set(DailySheet.objects.values_list("employee", flat=True))
    assert sheet_employees == set(Employee.objects.appraised().values_list("pk", flat=True))


def test_past_quarter_averages_spread_over_every_tier(demo):

    averages = {
        row["employee__number"]: Decimal(str(row["total"])) / row["days"]
        for row in DailySheet.objects.in_quarter(PAST)
        .filter(is_spot_check=False)
        .values("employee__number")
        .annotate(
            total=Sum(F("discipline") + F("courtesy") + F("service") + F("morality")),
            days=Count("id"),
        )
    }

    tiers = {
        "best": [a for a in averages.values() if a >= 95],
        "ambassador": [a for a in averages.values() if 90 <= a < 95],
        "style": [a for a in averages.values() if 85 <= a < 90],
        "none": [a for a in averages.values() if 80 <= a < 85],
        "training": [a for a in averages.values() if a < 80],
    }
    assert all(tiers.values()), {tier: len(found) for tier, found in tiers.items()}
    assert 1 <= len(tiers["training"]) <= 2


def test_past_quarter_sheets_cover_working_days_with_spot_checks_and_explained_deductions(demo):

    sheets = DailySheet.objects.in_quarter(PAST)
    office = User.objects.get(username="office")

    assert not sheets.filter(day__week_day__in=[1, 7]).exists()  # Sunday, Saturday
    assert sheets.filter(is_spot_check=True).exists()
    assert set(sheets.filter(is_spot_check=True).values_list("entered_by", flat=True)) == {
        office.pk
    }
    department_sheets = sheets.filter(is_spot_check=False).select_related("employee", "entered_by")
    assert all(s.entered_by.department_id == s.employee.department_id for s in department_sheets)
    explained = sheets.exclude(note="")
    assert explained.exists()
    assert explained.filter(criteria__isnull=False).exists()
    assert not sheets.filter(note="", criteria__isnull=False).exists()
    full_marks = sheets.with_total().filter(total_score=100).count()
    assert full_marks > sheets.count() / 4


def test_past_quarter_events_cover_praise_complaints_deductions_and_money(demo):

    events = Event.objects.in_quarter(PAST)

    assert not events.pending().exists()
    assert events.filter(kind=EventKind.COMPANY_COMPLAINT, validity=EventValidity.VALID).exists()
    assert events.filter(validity=EventValidity.INVALID).exists()
    assert events.valid().filter(kind=EventKind.BADGE_NOT_WORN).exists()
    assert events.valid().filter(amount__gt=0).exists()
    assert events.valid().filter(amount__lt=0).exists()
    praise = events.valid().filter(
        kind__in=[
            EventKind.PRAISE_LETTER,
            EventKind.PENNANT,
            EventKind.COMPANY_COMMENDATION,
            EventKind.WECHAT_PRAISE,
        ]
    )
    assert praise.values("kind").distinct().count() == 4
    monthly = {}
    for event in events.filter(kind=EventKind.MONTHLY_DEDUCTION):
        key = (event.employee.number, event.date.month)
        monthly[key] = monthly.get(key, 0) + event.points
    assert max(monthly.values()) >= 15  # one employee disqualified in a month
    by_employee: dict[str, list[Decimal]] = {}
    for (number, _month), points in monthly.items():
        by_employee.setdefault(number, []).append(points)
    assert any(sum(p) >= 15 and max(p) < 15 for p in by_employee.values())


def test_the_current_quarter_has_a_queue_of_pending_events_and_sheets_up_to_yesterday(demo):

    pending = Event.objects.in_quarter(CURRENT).pending()
    sheets = DailySheet.objects.in_quarter(CURRENT)

    assert pending.count() == 3
    assert set(pending.values_list("kind", flat=True)) == {
        EventKind.WECHAT_PRAISE,
        EventKind.WECHAT_COMPLAINT,
        EventKind.PRAISE_LETTER,
    }
    assert sheets.exists()
    assert max(sheets.values_list("day", flat=True)) == datetime.date(2026, 11, 26)


def test_the_logins_and_the_password_are_printed(demo):
    for username in ["office", "hr", "head1", "head10", "D0101", "D1009", "A0005"]:
        assert username in demo
    assert DEMO_PASSWORD in demo


def test_today_option_moves_the_past_and_current_quarters(demo):
    load_demo("2027-01-01")

    # 2026 is now the past year: its first half is built, its third quarter settled.
    assert set(Quarter.objects.values_list("year", "number")) == {
        *((2025, n) for n in range(1, 5)),
        *((2026, n) for n in range(1, 5)),
        (2027, 1),
    }
    q4 = DailySheet.objects.in_quarter(QuarterId(2026, 4))
    assert max(q4.values_list("day", flat=True)) == datetime.date(2026, 12, 31)
    assert q4.filter(is_spot_check=True).exists()
    assert not DailySheet.objects.filter(day__gte=datetime.date(2027, 1, 1)).exists()
    assert Event.objects.in_quarter(QuarterId(2026, 4)).valid().exists()
    assert Event.objects.in_quarter(QuarterId(2027, 1)).pending().count() == 3
    assert not Event.objects.filter(date__gt=datetime.date(2027, 1, 1)).exists()


def test_a_later_day_only_adds_the_newer_days_sheets(demo):
    before = fingerprint()

    load_demo("2026-11-30")

    after = fingerprint()
    assert set(before["sheets"]) < set(after["sheets"])
    assert {s[1] for s in set(after["sheets"]) - set(before["sheets"])} == {
        datetime.date(2026, 11, 27)
    }
    assert after["events"] == before["events"]
    assert after["employees"] == before["employees"]


def test_a_bad_today_is_refused_and_changes_nothing(demo):
    before = fingerprint()

    with pytest.raises(CommandError):
        call_command("load_demo", today="27/11/2026", stdout=io.StringIO())

    assert fingerprint() == before


def test_a_closed_past_quarter_is_left_as_it_is(demo):
    past = Quarter.objects.filter(year=PAST.year, number=PAST.number)
    # The demo published it; open it for a moment to take a sheet and an event away
    # (with the database's guards off: no service goes back from published).
    with guards_off():
        past.update(status=QuarterStatus.OPEN)
        sheet = DailySheet.objects.in_quarter(PAST).filter(is_spot_check=False).first()
        DailySheet.objects.filter(pk=sheet.pk).delete()
        Event.objects.in_quarter(PAST).filter(kind=EventKind.PENNANT).delete()
        Quarter.objects.filter(year=PAST.year, number=PAST.number).update(
            status=QuarterStatus.CLOSED
        )
    before = fingerprint()

    load_demo()

    assert fingerprint() == before


def test_a_conflicting_database_is_refused_with_a_message_and_changes_nothing(demo):
    # Another department already hosts the appraisal office: 安环部 cannot.
    Department.objects.filter(name="安环部").update(hosts_appraisal_office=False)
    Department.objects.create(
        name="考核办", kind=DepartmentKind.FUNCTIONAL, hosts_appraisal_office=True
    )
    DailySheet.objects.in_quarter(CURRENT).delete()
    before = fingerprint()

    with pytest.raises(CommandError):
        load_demo()

    assert fingerprint() == before


@pytest.mark.parametrize(
    ("username", "page"),
    [
        ("office", "/admin/employees/employee/"),
        ("office", "/appraisal/sheets/"),
        ("hr", "/employees/"),
        ("head1", "/appraisal/sheets/"),
        ("head10", "/appraisal/sheets/month/"),
        ("D0502", "/employees/me/"),
    ],
)
def test_every_kind_of_demo_login_logs_in_through_the_form_and_reaches_its_page(
    demo, client, username, page
):
    response = client.post("/login/", {"username": username, "password": DEMO_PASSWORD})

    assert response.status_code == 302
    assert client.get(page).status_code == 200


def test_the_admin_shows_the_demo_company_to_the_office(demo, client):
    client.post("/login/", {"username": "office", "password": DEMO_PASSWORD})

    response = client.get("/admin/employees/employee/", {"q": "杨帆"})

    assert response.status_code == 200
    assert "D0502" in response.content.decode()


def test_the_past_quarter_is_closed_and_published_with_winners_a_disqualification_and_training(
    demo,
):
    past = Quarter.objects.get(year=PAST.year, number=PAST.number)
    assert past.status == QuarterStatus.PUBLISHED
    assert past.published_on == datetime.date(2026, 10, 10)
    assert past.notice_ends_on == datetime.date(2026, 11, 10)
    results = QuarterResult.objects.filter(quarter=past)
    tiers = set(results.values_list("award_tier", flat=True))
    assert {AwardTier.BEST, AwardTier.AMBASSADOR, AwardTier.STYLE} <= tiers
    complained = results.get(employee__number="D1007")
    assert complained.disqualified and complained.award_tier == AwardTier.NONE
    assert results.get(employee__number="D0607").disqualified
    assert not results.get(employee__number="D0502").disqualified
    assert results.filter(training=True).exists()
    assert not results.filter(employee__is_supervisor=True).exists()
    current = Quarter.objects.get(year=CURRENT.year, number=CURRENT.number)
    assert current.status == QuarterStatus.OPEN


def test_early_in_a_quarter_the_past_quarter_is_still_in_its_notice(db):
    load_demo("2027-01-05")

    past = Quarter.objects.get(year=2026, number=4)
    assert past.status == QuarterStatus.PUBLISHED
    assert past.published_on == datetime.date(2027, 1, 5)
    assert past.notice_ends_on == datetime.date(2027, 2, 5)


def _earlier_sheet_of_the_open_quarter() -> DailySheet:
    return (
        DailySheet.objects.in_quarter(CURRENT)
        .filter(is_spot_check=False, day__lt=timezone.localdate())
        .select_related("employee__department")
        .order_by("day", "employee__number")
        .first()
    )


def test_demo_sheets_are_stamped_as_entered_on_their_own_day(demo):
    stamps = DailySheet.objects.values_list("day", "created_at", "updated_at")

    assert stamps
    for day, created_at, updated_at in stamps:
        local = timezone.localtime(created_at)
        assert (local.date(), local.hour, local.minute) == (day, 18, 0)
        assert updated_at == created_at


def test_after_the_demo_an_earlier_days_sheet_changes_only_with_a_reason(demo):
    sheet = _earlier_sheet_of_the_open_quarter()
    scores = {category: getattr(sheet, category.value) for category in Category}
    scores[Category.SERVICE] -= 1
    office = User.objects.get(username=company().office.username)

    with pytest.raises(ValidationError) as caught:
        sheet_save(employee=sheet.employee, day=sheet.day, scores=scores, saved_by=office)

    assert "reason" in caught.value.message_dict
    saved = sheet_save(
        employee=sheet.employee, day=sheet.day, scores=scores, saved_by=office, reason="复核"
    )
    assert saved.service == scores[Category.SERVICE]


def test_after_the_demo_the_grid_asks_for_a_reason_on_an_earlier_day(demo, client):
    sheet = _earlier_sheet_of_the_open_quarter()
    office = User.objects.get(username=company().office.username)
    client.force_login(office)
    values = {category.value: str(getattr(sheet, category.value)) for category in Category}
    values["service"] = str(sheet.service - 1)

    response = client.post(reverse("appraisal:row", args=[sheet.employee.pk, sheet.day]), values)

    html = response.content.decode()
    assert f'id="reason-{sheet.employee.pk}"' in html
    assert 'name="reason"' in html
    assert b'data-state="saved"' not in response.content


PAST_YEAR = 2025


def test_the_past_year_has_four_paid_quarters_with_results(demo):
    quarters = Quarter.objects.filter(year=PAST_YEAR).order_by("number")

    assert [(q.number, q.status) for q in quarters] == [
        (n, QuarterStatus.PAID) for n in range(1, 5)
    ]
    for quarter in quarters:
        results = QuarterResult.objects.filter(quarter=quarter)
        assert results.exclude(award_tier=AwardTier.NONE).exists()
        assert quarter.published_on == quarter.last_day + datetime.timedelta(days=10)
        assert quarter.final_on is not None and quarter.final_on <= datetime.date(2026, 11, 27)
    assert DailySheet.objects.filter(day__year=PAST_YEAR).exists()
    assert not DailySheet.objects.filter(day__lt=datetime.date(PAST_YEAR, 1, 1)).exists()
    assert Event.objects.filter(date__year=PAST_YEAR).valid().count() == 6
    assert "上一年度 2025：4 个季度中已发放 4 个" in demo


def test_the_past_year_has_published_service_stars_and_is_not_archived(demo):
    year = Year.objects.get(year=PAST_YEAR)
    stars = ServiceStar.objects.filter(year=year)

    assert year.stars_published and not year.is_archived
    named = stars.filter(status=StarStatus.NAMED)
    assert 2 <= named.count() <= year.stars_cap
    # Heads nominated (one per department at most), and the office added one of its own.
    assert stars.filter(nominated_by__username__startswith="head").count() >= 5
    assert named.filter(nominated_by__username="office").count() == 1
    assert all(star.employee.is_active for star in named)


def test_the_office_sees_the_past_years_quarters_and_stars_on_its_year_page(demo, client):
    client.post("/login/", {"username": "office", "password": DEMO_PASSWORD})

    response = client.get(f"/appraisal/years/{PAST_YEAR}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-paid-quarters="4"' in html
    assert 'data-not-final="yes"' not in html
    assert 'data-running="yes"' not in html
    star = ServiceStar.objects.filter(year__year=PAST_YEAR, status=StarStatus.NAMED).first()
    row = html.split(f'data-employee="{star.employee.number}"')[1].split("</tr>")[0]
    assert "★" in row
    assert 'data-archived="yes"' not in html
    assert client.get(f"/appraisal/years/{PAST_YEAR}/archive/").status_code == 200


def test_early_in_a_year_the_past_year_has_three_paid_quarters_and_says_so(db, client):
    output = load_demo("2027-01-05")

    statuses = dict(Quarter.objects.filter(year=2026).values_list("number", "status"))
    assert statuses == {
        1: QuarterStatus.PAID,
        2: QuarterStatus.PAID,
        3: QuarterStatus.PAID,
        4: QuarterStatus.PUBLISHED,
    }
    assert "上一年度 2026：4 个季度中已发放 3 个" in output
    client.force_login(User.objects.get(username="office"))
    html = client.get("/appraisal/years/2026/").content.decode()
    assert 'data-paid-quarters="3"' in html
    assert 'data-not-final="yes"' in html
