"""A locked (closed, published, final or paid) quarter's sheets and events cannot change.

The services refuse on every database. On PostgreSQL a trigger (migration
0005) also refuses whatever goes around the services: queryset updates and
deletes, bulk inserts, raw SQL, the criteria of a sheet.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from appraisal.models import (
    LOCKED_STATUSES,
    Criterion,
    DailySheet,
    Event,
    EventKind,
    EventValidity,
    QuarterStatus,
    SheetRevision,
)
from appraisal.rules import CATEGORY_MAX, Category
from appraisal.services import (
    event_record,
    event_rule,
    quarter_close,
    quarter_reopen,
    sheet_save,
    sheets_fill_full_marks,
)
from appraisal.tests.factories import DailySheetFactory, EventFactory, QuarterFactory
from appraisal.tests.guards import advance
from employees.models import DepartmentKind
from employees.tests.factories import DepartmentFactory, EmployeeFactory, office_user

pytestmark = pytest.mark.django_db

D = Decimal
LOCKED_DAY = datetime.date(2026, 8, 3)  # 2026Q3, locked in these tests
OPEN_DAY = datetime.date(2026, 5, 4)  # 2026Q2, open
AFTER_Q3 = datetime.date(2026, 10, 8)
STATUSES = [pytest.param(status, id=str(status.value)) for status in LOCKED_STATUSES]


def full_scores(**overrides):
    return {**CATEGORY_MAX, **{Category(k): D(v) for k, v in overrides.items()}}


@pytest.fixture
def postgres():
    """Skip unless the tests run on PostgreSQL, where the trigger lives."""
    if connection.vendor != "postgresql":
        pytest.skip("the locked-quarter trigger exists only on PostgreSQL")


@pytest.fixture
def department():
    return DepartmentFactory(name="装卸作业部", kind=DepartmentKind.FRONTLINE)


@pytest.fixture
def employee(department):
    return EmployeeFactory(department=department)


@pytest.fixture
def office():
    return office_user()


def lock(quarter, status):
    """Put `quarter` into a locked `status`, as the services would have left it."""
    advance(quarter, status)


# --- The services, on every database ------------------------------------------------


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("spot_check", [False, True], ids=["department", "spot_check"])
def test_sheet_save_refuses_a_day_of_a_locked_quarter(employee, office, status, spot_check):
    quarter = QuarterFactory(year=2026, number=3)
    sheet = sheet_save(
        employee=employee,
        day=LOCKED_DAY,
        scores=full_scores(),
        saved_by=office,
        is_spot_check=spot_check,
    )
    lock(quarter, status)

    with pytest.raises(ValidationError) as caught:
        sheet_save(
            employee=employee,
            day=LOCKED_DAY,
            scores=full_scores(service="40"),
            saved_by=office,
            is_spot_check=spot_check,
            reason="改分",
        )
    with pytest.raises(ValidationError):
        sheet_save(
            employee=employee,
            day=LOCKED_DAY + datetime.timedelta(days=1),
            scores=full_scores(),
            saved_by=office,
            is_spot_check=spot_check,
        )

    assert "2026Q3" in " ".join(caught.value.messages)
    sheet.refresh_from_db()
    assert sheet.service == D("50")
    assert DailySheet.objects.count() == 1
    assert SheetRevision.objects.count() == 1


@pytest.mark.parametrize("status", STATUSES)
def test_filling_full_marks_refuses_a_day_of_a_locked_quarter(department, employee, office, status):
    quarter = QuarterFactory(year=2026, number=3)
    lock(quarter, status)

    with pytest.raises(ValidationError):
        sheets_fill_full_marks(department=department, day=LOCKED_DAY, saved_by=office)

    assert not DailySheet.objects.exists()


@pytest.mark.parametrize("status", STATUSES)
def test_event_record_and_event_rule_refuse_a_day_of_a_locked_quarter(employee, office, status):
    quarter = QuarterFactory(year=2026, number=3)
    pending = event_record(
        employee=employee, date=LOCKED_DAY, kind=EventKind.WECHAT_COMPLAINT, recorded_by=None
    )
    lock(quarter, status)

    with pytest.raises(ValidationError):
        event_record(
            employee=employee,
            date=LOCKED_DAY,
            kind=EventKind.PRAISE_LETTER,
            recorded_by=office,
            validity=EventValidity.VALID,
        )
    with pytest.raises(ValidationError):
        event_rule(event=pending, validity=EventValidity.VALID, ruled_by=office)

    pending.refresh_from_db()
    assert pending.validity == EventValidity.PENDING
    assert Event.objects.count() == 1


def test_the_services_write_again_once_the_quarter_is_reopened(employee, office):
    quarter = QuarterFactory(year=2026, number=3)
    sheet_save(employee=employee, day=LOCKED_DAY, scores=full_scores(), saved_by=office)
    quarter_close(quarter=quarter, closed_by=office, today=AFTER_Q3)
    with pytest.raises(ValidationError):
        sheet_save(
            employee=employee, day=LOCKED_DAY, scores=full_scores(service="45"), saved_by=office
        )

    quarter_reopen(quarter=quarter, reopened_by=office, reason="更正")

    sheet = sheet_save(
        employee=employee, day=LOCKED_DAY, scores=full_scores(service="45"), saved_by=office
    )
    assert sheet.service == D("45")
    event_record(employee=employee, date=LOCKED_DAY, kind=EventKind.PENNANT, recorded_by=office)
    assert Event.objects.count() == 1


# --- The PostgreSQL trigger -------------------------------------------------------------


@pytest.fixture
def locked(postgres, employee, office):
    """A sheet (with a criterion) and an event in 2026Q3, which is then closed."""
    quarter = QuarterFactory(year=2026, number=3)
    criterion = Criterion.objects.filter(department_kind=DepartmentKind.FRONTLINE).first()
    sheet = DailySheetFactory(employee=employee, day=LOCKED_DAY, entered_by=office)
    sheet.criteria.add(criterion)
    event = EventFactory(employee=employee, date=LOCKED_DAY, created_by=office)
    quarter_close(quarter=quarter, closed_by=None, today=AFTER_Q3)
    quarter.refresh_from_db()
    assert quarter.status == QuarterStatus.CLOSED
    return {"quarter": quarter, "sheet": sheet, "event": event, "criterion": criterion}


@pytest.fixture
def unlocked(postgres, employee, office):
    """The same in 2026Q2, which stays open."""
    QuarterFactory(year=2026, number=2)
    criterion = Criterion.objects.filter(department_kind=DepartmentKind.FRONTLINE).first()
    sheet = DailySheetFactory(employee=employee, day=OPEN_DAY, entered_by=office)
    sheet.criteria.add(criterion)
    event = EventFactory(employee=employee, date=OPEN_DAY, created_by=office)
    return {"sheet": sheet, "event": event, "criterion": criterion}


def refused():
    """The trigger's refusal, as the test sees it; the savepoint keeps the test's transaction."""
    return pytest.raises(IntegrityError)


@pytest.mark.postgres_only
def test_the_trigger_refuses_a_queryset_update_of_a_locked_sheet(locked):
    with refused(), transaction.atomic():
        DailySheet.objects.filter(pk=locked["sheet"].pk).update(service=D("40"))

    assert DailySheet.objects.get(pk=locked["sheet"].pk).service == D("50")


@pytest.mark.postgres_only
def test_the_trigger_refuses_deleting_a_locked_sheet(locked):
    with refused(), transaction.atomic():
        DailySheet.objects.filter(pk=locked["sheet"].pk).delete()

    assert DailySheet.objects.filter(pk=locked["sheet"].pk).exists()


@pytest.mark.postgres_only
def test_the_trigger_refuses_a_raw_sql_update_of_a_locked_sheet(locked):
    with refused(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE appraisal_dailysheet SET morality = 10 WHERE id = %s", [locked["sheet"].pk]
        )

    assert DailySheet.objects.get(pk=locked["sheet"].pk).morality == D("20")


@pytest.mark.postgres_only
def test_the_trigger_refuses_moving_a_sheet_into_or_out_of_a_locked_quarter(locked, unlocked):
    with refused(), transaction.atomic():
        DailySheet.objects.filter(pk=locked["sheet"].pk).update(
            day=OPEN_DAY + datetime.timedelta(1)
        )
    with refused(), transaction.atomic():
        DailySheet.objects.filter(pk=unlocked["sheet"].pk).update(
            day=LOCKED_DAY + datetime.timedelta(1)
        )

    assert DailySheet.objects.get(pk=unlocked["sheet"].pk).day == OPEN_DAY


@pytest.mark.postgres_only
def test_the_trigger_refuses_a_bulk_inserted_sheet_in_a_locked_quarter(locked):
    newcomer = EmployeeFactory(department=locked["sheet"].employee.department)

    with refused(), transaction.atomic():
        DailySheet.objects.bulk_create(
            [DailySheetFactory.build(employee=newcomer, day=LOCKED_DAY + datetime.timedelta(1))]
        )

    assert not DailySheet.objects.filter(employee=newcomer).exists()


@pytest.mark.postgres_only
def test_the_trigger_refuses_changing_a_locked_events_validity(locked):
    with refused(), transaction.atomic():
        Event.objects.filter(pk=locked["event"].pk).update(
            validity=EventValidity.VALID, ruled_at=timezone.now()
        )
    with refused(), transaction.atomic():
        Event.objects.filter(pk=locked["event"].pk).delete()
    with refused(), transaction.atomic():
        Event.objects.bulk_create(
            [EventFactory.build(employee=locked["event"].employee, date=LOCKED_DAY)]
        )

    assert Event.objects.get().validity == EventValidity.PENDING


@pytest.mark.postgres_only
def test_the_trigger_refuses_changing_a_locked_sheets_criteria(locked):
    sheet, criterion = locked["sheet"], locked["criterion"]
    other = Criterion.objects.filter(department_kind=DepartmentKind.FRONTLINE).exclude(
        pk=criterion.pk
    )[0]

    with refused(), transaction.atomic():
        sheet.criteria.add(other)
    with refused(), transaction.atomic():
        sheet.criteria.remove(criterion)
    with refused(), transaction.atomic():
        sheet.criteria.set([other])

    assert list(sheet.criteria.all()) == [criterion]


@pytest.mark.postgres_only
def test_the_trigger_allows_the_same_writes_in_an_open_quarter(unlocked, employee):
    sheet, event, criterion = unlocked["sheet"], unlocked["event"], unlocked["criterion"]
    other = Criterion.objects.filter(department_kind=DepartmentKind.FRONTLINE).exclude(
        pk=criterion.pk
    )[0]

    DailySheet.objects.filter(pk=sheet.pk).update(service=D("40"))
    with connection.cursor() as cursor:
        cursor.execute("UPDATE appraisal_dailysheet SET morality = 10 WHERE id = %s", [sheet.pk])
    sheet.criteria.add(other)
    sheet.criteria.remove(criterion)
    Event.objects.filter(pk=event.pk).update(
        validity=EventValidity.INVALID, ruled_at=timezone.now()
    )
    DailySheet.objects.bulk_create(
        [DailySheetFactory.build(employee=employee, day=OPEN_DAY + datetime.timedelta(1))]
    )

    sheet.refresh_from_db()
    assert (sheet.service, sheet.morality) == (D("40"), D("10"))
    assert list(sheet.criteria.all()) == [other]
    assert Event.objects.get(pk=event.pk).validity == EventValidity.INVALID
    DailySheet.objects.filter(employee=employee).delete()
    Event.objects.filter(pk=event.pk).delete()
    assert not DailySheet.objects.exists() and not Event.objects.exists()


@pytest.mark.postgres_only
def test_deleting_a_login_sets_entered_by_to_null_in_a_locked_quarter(locked, office):
    office.delete()

    sheet = DailySheet.objects.get(pk=locked["sheet"].pk)
    event = Event.objects.get(pk=locked["event"].pk)
    assert (sheet.entered_by, event.created_by) == (None, None)
    assert sheet.service == D("50")


@pytest.mark.postgres_only
def test_the_trigger_refuses_rewriting_who_entered_a_locked_sheet(locked):
    someone_else = office_user()

    with refused(), transaction.atomic():
        DailySheet.objects.filter(pk=locked["sheet"].pk).update(entered_by=someone_else)

    assert (
        DailySheet.objects.get(pk=locked["sheet"].pk).entered_by_id == locked["sheet"].entered_by_id
    )


@pytest.mark.postgres_only
def test_reopening_the_quarter_makes_its_rows_writable_again(locked, office):
    quarter_reopen(quarter=locked["quarter"], reopened_by=office, reason="更正")

    DailySheet.objects.filter(pk=locked["sheet"].pk).update(service=D("45"))
    locked["sheet"].criteria.clear()
    Event.objects.filter(pk=locked["event"].pk).update(
        validity=EventValidity.VALID, ruled_at=timezone.now()
    )

    assert DailySheet.objects.get(pk=locked["sheet"].pk).service == D("45")
    assert Event.objects.get().validity == EventValidity.VALID


@pytest.mark.postgres_only
@pytest.mark.parametrize("status", STATUSES)
def test_every_locked_status_is_refused_by_the_trigger(postgres, employee, status):
    quarter = QuarterFactory(year=2026, number=3)
    sheet = DailySheetFactory(employee=employee, day=LOCKED_DAY)
    lock(quarter, status)

    with refused(), transaction.atomic():
        DailySheet.objects.filter(pk=sheet.pk).update(courtesy=D("9"))

    assert DailySheet.objects.get(pk=sheet.pk).courtesy == D("10")


# --- Statements of many rows (the guards run once a statement, migration 0013) ----------


def sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.mark.postgres_only
def test_one_locked_sheet_refuses_the_whole_statement_naming_its_day(locked, unlocked):
    with (
        pytest.raises(
            IntegrityError, match=f"appraisal_dailysheet of {LOCKED_DAY} lies in a locked"
        ),
        transaction.atomic(),
    ):
        sql("UPDATE appraisal_dailysheet SET service = 41")

    assert DailySheet.objects.get(pk=unlocked["sheet"].pk).service == D("50")
    assert DailySheet.objects.get(pk=locked["sheet"].pk).service == D("50")


@pytest.mark.postgres_only
def test_forgetting_a_login_passes_beside_changes_in_an_open_quarter(locked, unlocked):
    # Each old row is weighed against its own new row: the locked one only loses its login.
    sql(
        "UPDATE appraisal_dailysheet SET entered_by_id = NULL, "
        "service = CASE WHEN day = %s THEN 41 ELSE service END",
        [OPEN_DAY],
    )

    assert DailySheet.objects.get(pk=unlocked["sheet"].pk).service == D("41")
    assert DailySheet.objects.get(pk=locked["sheet"].pk).entered_by_id is None


@pytest.mark.postgres_only
def test_forgetting_a_login_does_not_cover_a_change_of_the_locked_sheet(locked, unlocked):
    with refused(), transaction.atomic():
        sql(
            "UPDATE appraisal_dailysheet SET entered_by_id = NULL, "
            "service = CASE WHEN day = %s THEN 41 ELSE service END",
            [LOCKED_DAY],
        )

    assert DailySheet.objects.get(pk=locked["sheet"].pk).entered_by_id is not None


@pytest.mark.postgres_only
def test_a_locked_sheet_given_another_id_is_refused(locked, unlocked):
    # Old and new rows are paired by id: a new id leaves the old row unpaired, and checked.
    with (
        pytest.raises(IntegrityError, match=f"of {LOCKED_DAY} lies in a locked quarter"),
        transaction.atomic(),
    ):
        sql(
            "UPDATE appraisal_dailysheet SET id = id + 1000000 WHERE id = %s",
            [locked["sheet"].pk],
        )

    assert DailySheet.objects.filter(pk=locked["sheet"].pk).exists()


@pytest.mark.postgres_only
def test_revisions_of_a_locked_quarter_stay_writable_as_before(locked, office):
    # Only an archived year guards revisions; a closed quarter's corrections are logged.
    sheet = locked["sheet"]
    SheetRevision.objects.create(
        sheet=sheet,
        employee=sheet.employee,
        day=sheet.day,
        is_spot_check=False,
        changed_by=office,
        old_values={},
        new_values={},
        reason="",
    )
    SheetRevision.objects.filter(sheet=sheet).delete()
