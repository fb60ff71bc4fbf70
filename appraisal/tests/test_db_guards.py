"""The PostgreSQL guards of migration 0006: TRUNCATE, the quarter's lifecycle, approved results.

Each bypass is tried the way it was found, with raw SQL and with a queryset
update; each legitimate service step must still go through. The reopen check
is deferred to COMMIT, so the tests fire it with SET CONSTRAINTS ... IMMEDIATE.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from appraisal.models import (
    Approval,
    AwardTier,
    DailySheet,
    ObjectionChannel,
    ObjectionStatus,
    Quarter,
    QuarterAction,
    QuarterLog,
    QuarterResult,
    QuarterStatus,
)
from appraisal.services import (
    department_submit,
    objection_record,
    objection_rule,
    quarter_approve,
    quarter_close,
    quarter_finalize,
    quarter_mark_paid,
    quarter_reopen,
)
from appraisal.tests.factories import DailySheetFactory, QuarterFactory
from employees.tests.factories import DepartmentFactory, EmployeeFactory, hr_user, office_user

pytestmark = [pytest.mark.django_db, pytest.mark.postgres_only]

D = Decimal
AFTER_Q3 = datetime.date(2026, 10, 8)
PUBLISHED_ON = datetime.date(2026, 10, 10)
AFTER_NOTICE = datetime.date(2026, 11, 11)
GUARDED_TABLES = [
    "appraisal_dailysheet",
    "appraisal_dailysheet_criteria",
    "appraisal_event",
    "appraisal_sheetrevision",
    "appraisal_quarter",
    "appraisal_quarterlog",
    "appraisal_quarterresult",
    "appraisal_objection",
    "appraisal_departmentreview",
    "appraisal_rulesettings",
]


@pytest.fixture(autouse=True)
def _postgres():
    if connection.vendor != "postgresql":
        pytest.skip("the guards are PostgreSQL triggers; SQLite relies on the services")


def refused():
    return pytest.raises(IntegrityError)


def sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def commit_checks():
    """Fire the checks deferred to COMMIT now, inside the test's transaction."""
    sql("SET CONSTRAINTS ALL IMMEDIATE")
    sql("SET CONSTRAINTS ALL DEFERRED")


class Company:
    """2026Q3 with a Best Smile winner and a Smile Ambassador, closed by the service."""

    def __init__(self):
        self.office = office_user()
        self.quarter = QuarterFactory(year=2026, number=3)
        self.department = DepartmentFactory(name="装卸作业部")
        self.best = EmployeeFactory(department=self.department)
        self.ambassador = EmployeeFactory(department=self.department)
        for employee, service in [(self.best, D("50")), (self.ambassador, D("41"))]:
            DailySheetFactory(employee=employee, day=datetime.date(2026, 7, 1), service=service)
        self.close()

    def close(self):
        quarter_close(quarter=self.quarter, closed_by=self.office, today=AFTER_Q3)
        return self.refresh()

    def approve(self):
        quarter_approve(
            quarter=self.quarter, approved_by=self.office, on=PUBLISHED_ON, today=PUBLISHED_ON
        )
        return self.refresh()

    def finalize(self):
        quarter_finalize(quarter=self.quarter, today=AFTER_NOTICE, finalized_by=self.office)
        return self.refresh()

    def pay(self):
        quarter_mark_paid(quarter=self.quarter, paid_by=hr_user())
        return self.refresh()

    def refresh(self):
        self.quarter.refresh_from_db()
        return self.quarter

    def result(self, employee):
        return QuarterResult.objects.get(quarter=self.quarter, employee=employee)


@pytest.fixture
def company():
    return Company()


@pytest.fixture
def published(company):
    company.approve()
    return company


# --- TRUNCATE -------------------------------------------------------------------------------


@pytest.mark.parametrize("table", GUARDED_TABLES)
def test_truncating_a_table_of_the_appraisal_record_is_refused(company, table):
    commit_checks()  # TRUNCATE waits for no pending foreign-key check
    with refused(), transaction.atomic():
        sql(f"TRUNCATE {table} CASCADE")

    assert DailySheet.objects.count() == 2
    assert QuarterResult.objects.filter(quarter=company.quarter).count() == 2


# --- The quarter's lifecycle ----------------------------------------------------------------


def test_a_published_quarter_cannot_be_set_open_with_sql_or_a_queryset(published):
    with refused(), transaction.atomic():
        sql("UPDATE appraisal_quarter SET status = 'open' WHERE id = %s", [published.quarter.pk])
    with refused(), transaction.atomic():
        Quarter.objects.filter(pk=published.quarter.pk).update(status=QuarterStatus.OPEN)
    with refused(), transaction.atomic():
        Quarter.objects.filter(pk=published.quarter.pk).update(status=QuarterStatus.CLOSED)

    assert published.refresh().status == QuarterStatus.PUBLISHED


def test_a_closed_quarter_set_open_without_a_reopen_in_its_log_is_refused_at_commit(company):
    with refused(), transaction.atomic():
        sql("UPDATE appraisal_quarter SET status = 'open' WHERE id = %s", [company.quarter.pk])
        commit_checks()
    with refused(), transaction.atomic():
        Quarter.objects.filter(pk=company.quarter.pk).update(
            status=QuarterStatus.OPEN, closed_at=None
        )
        commit_checks()

    assert company.refresh().status == QuarterStatus.CLOSED


def test_one_reopen_entry_covers_one_reopen_and_a_rolled_back_one_none(company):
    quarter_reopen(quarter=company.quarter, reopened_by=company.office, reason="更正")
    company.close()

    with refused(), transaction.atomic():
        try:
            with transaction.atomic():
                QuarterLog.objects.create(quarter=company.quarter, action=QuarterAction.REOPEN)
                raise RuntimeError
        except RuntimeError:
            pass
        Quarter.objects.filter(pk=company.quarter.pk).update(status=QuarterStatus.OPEN)
        commit_checks()

    assert company.refresh().status == QuarterStatus.CLOSED


@pytest.mark.django_db(transaction=True)
def test_a_reopen_entry_of_an_earlier_transaction_does_not_cover_a_new_reopen():
    company = Company()
    quarter_reopen(quarter=company.quarter, reopened_by=company.office, reason="更正")
    company.close()

    with refused(), transaction.atomic():
        Quarter.objects.filter(pk=company.quarter.pk).update(status=QuarterStatus.OPEN)

    assert company.refresh().status == QuarterStatus.CLOSED


def test_a_reopen_logged_in_the_same_transaction_passes(company):
    with transaction.atomic():
        Quarter.objects.filter(pk=company.quarter.pk).update(
            status=QuarterStatus.OPEN, closed_at=None
        )
        QuarterLog.objects.create(
            quarter=company.quarter, action=QuarterAction.REOPEN, reason="手工更正"
        )
        commit_checks()

    assert company.refresh().status == QuarterStatus.OPEN


@pytest.mark.parametrize(
    "status", [QuarterStatus.PUBLISHED, QuarterStatus.FINAL, QuarterStatus.PAID]
)
def test_a_step_of_the_lifecycle_cannot_be_skipped(status):
    quarter = QuarterFactory(year=2026, number=3)

    with refused(), transaction.atomic():
        Quarter.objects.filter(pk=quarter.pk).update(status=status)

    quarter.refresh_from_db()
    assert quarter.status == QuarterStatus.OPEN


def test_a_published_quarters_dates_year_and_number_cannot_change(published):
    changes = [
        {"notice_ends_on": datetime.date(2027, 1, 1)},
        {"published_on": datetime.date(2026, 10, 9)},
        {"payout_month": datetime.date(2026, 12, 1)},
        {"closed_on": datetime.date(2026, 9, 20)},
        {"number": 4},
        {"year": 2025},
        {
            "status": QuarterStatus.FINAL,
            "paid_at": datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC),
        },
    ]
    for change in changes:
        with refused(), transaction.atomic():
            Quarter.objects.filter(pk=published.quarter.pk).update(**change)

    quarter = published.refresh()
    assert (quarter.status, quarter.number, quarter.notice_ends_on) == (
        QuarterStatus.PUBLISHED,
        3,
        datetime.date(2026, 11, 10),
    )


def test_only_an_open_quarter_can_be_deleted(company):
    with refused(), transaction.atomic():
        sql("DELETE FROM appraisal_quarter WHERE id = %s", [company.quarter.pk])

    empty = QuarterFactory(year=2027, number=1)
    Quarter.objects.filter(pk=empty.pk).delete()

    assert list(Quarter.objects.values_list("number", flat=True)) == [3]


def test_the_quarter_log_cannot_be_rewritten_or_deleted(company):
    entry = QuarterLog.objects.get(quarter=company.quarter)

    with refused(), transaction.atomic():
        QuarterLog.objects.filter(pk=entry.pk).update(action=QuarterAction.REOPEN)
    with refused(), transaction.atomic():
        QuarterLog.objects.filter(pk=entry.pk).update(reason="nothing happened")
    with refused(), transaction.atomic():
        sql("DELETE FROM appraisal_quarterlog WHERE id = %s", [entry.pk])

    assert QuarterLog.objects.get(pk=entry.pk).action == QuarterAction.CLOSE


def test_the_quarter_log_forgets_a_deleted_login(company):
    company.office.delete()

    assert QuarterLog.objects.get(quarter=company.quarter).by is None


# --- Results from approval on ---------------------------------------------------------------


def test_an_approved_results_amount_cannot_be_changed_with_sql_or_a_queryset(published):
    best = published.result(published.best)

    with refused(), transaction.atomic():
        sql(
            "UPDATE appraisal_quarterresult SET award_amount = 99999 WHERE id = %s",
            [best.pk],
        )
    with refused(), transaction.atomic():
        QuarterResult.objects.filter(pk=best.pk).update(award_amount=D("99999"))
    with refused(), transaction.atomic():
        QuarterResult.objects.filter(pk=best.pk).update(final=D("99"), average=D("99"))

    assert published.result(published.best).award_amount == D("500.00")


@pytest.mark.parametrize("step", ["approve", "finalize", "pay"])
def test_results_cannot_be_inserted_deleted_or_changed_from_approval_on(published, step):
    if step in ("finalize", "pay"):
        published.finalize()
    if step == "pay":
        published.pay()
    best = published.result(published.best)
    newcomer = EmployeeFactory(department=published.department)

    with refused(), transaction.atomic():
        QuarterResult.objects.filter(pk=best.pk).delete()
    with refused(), transaction.atomic():
        QuarterResult.objects.bulk_create(
            [
                QuarterResult(
                    quarter=published.quarter,
                    employee=newcomer,
                    department=published.department,
                    days=1,
                    average=D("100"),
                    final=D("100"),
                    award_tier=AwardTier.BEST,
                    award_amount=D("500"),
                    approval=Approval.APPROVED,
                )
            ]
        )
    with refused(), transaction.atomic():
        QuarterResult.objects.filter(pk=best.pk).update(
            approval=Approval.REVOKED,
            revocation_reason="改",
            award_tier=AwardTier.NONE,
            award_amount=D("0"),
        )

    assert published.result(published.best).award_amount == D("500.00")
    assert QuarterResult.objects.filter(quarter=published.quarter).count() == 2


def test_a_revocation_without_an_upheld_objection_is_refused(published):
    best = published.result(published.best)
    objection = objection_record(
        quarter=published.quarter,
        employee=published.best,
        channel=ObjectionChannel.HOTLINE,
        text="有异议",
        recorded_by=published.office,
        today=PUBLISHED_ON,
    )
    objection_rule(
        objection=objection,
        status=ObjectionStatus.DISMISSED,
        ruling="不成立",
        ruled_by=published.office,
    )

    with refused(), transaction.atomic():
        QuarterResult.objects.filter(pk=best.pk).update(
            approval=Approval.REVOKED,
            revocation_reason="不成立",
            award_tier=AwardTier.NONE,
            award_amount=D("0"),
        )

    assert published.result(published.best).approval == Approval.APPROVED


def test_an_approved_result_forgets_a_deleted_login(published):
    published.finalize()
    published.pay()

    published.office.delete()

    assert published.result(published.best).approved_by is None


# --- Every legitimate service path still goes through ----------------------------------------


def test_the_services_take_a_quarter_through_its_whole_life(company):
    head = company.office
    quarter_reopen(quarter=company.quarter, reopened_by=company.office, reason="更正")
    commit_checks()
    assert company.refresh().status == QuarterStatus.OPEN
    company.close()
    company.close()  # a recompute of a closed quarter
    commit_checks()
    department_submit(
        quarter=company.quarter,
        department=company.department,
        submitted_by=head,
        withdrawals={company.ambassador.pk: "调离岗位"},
    )
    assert company.approve().status == QuarterStatus.PUBLISHED
    objection = objection_record(
        quarter=company.quarter,
        employee=company.best,
        channel=ObjectionChannel.HOTLINE,
        text="服务态度差",
        recorded_by=company.office,
        today=PUBLISHED_ON,
    )
    objection_rule(
        objection=objection, status=ObjectionStatus.UPHELD, ruling="属实", ruled_by=company.office
    )
    assert company.finalize().status == QuarterStatus.FINAL
    assert company.pay().status == QuarterStatus.PAID
    commit_checks()

    best = company.result(company.best)
    assert (best.approval, best.revocation_reason, best.award_tier, best.award_amount) == (
        Approval.REVOKED,
        "属实",
        AwardTier.NONE,
        D("0.00"),
    )
    assert company.result(company.ambassador).withdrawn
    assert list(
        QuarterLog.objects.filter(quarter=company.quarter)
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["close", "reopen", "close", "close", "submit", "approve", "finalize", "pay"]


# --- Restores run with an empty search_path -------------------------------------------------


def test_the_triggers_find_their_functions_and_tables_with_an_empty_search_path(company):
    """pg_restore --data-only runs with search_path = ''; the triggers must still work."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT quote_ident(current_schema())")
        schema = cursor.fetchone()[0]
    open_sheet = DailySheetFactory(employee=company.best, day=datetime.date(2026, 5, 4))

    with refused(), transaction.atomic():
        sql("SET LOCAL search_path = ''")
        sql(f"UPDATE {schema}.appraisal_dailysheet SET service = 1 WHERE day = '2026-07-01'")
    with transaction.atomic():
        sql("SET LOCAL search_path = ''")
        sql(f"UPDATE {schema}.appraisal_dailysheet SET service = 49 WHERE id = %s", [open_sheet.pk])
        sql("SET LOCAL search_path TO DEFAULT")

    open_sheet.refresh_from_db()
    assert open_sheet.service == D("49")
