"""`make backup` / `make restore` (scripts/backup.py) on SQLite and PostgreSQL.

A company with a paid quarter (results, awards, a revoked award) and an open
one is backed up, restored into a fresh database, and exported again: every
part of every workbook is the same, except the time openpyxl stamps in
docProps/core.xml when it writes a file.
"""

import datetime
import importlib.util
import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from appraisal.models import (
    EventKind,
    EventValidity,
    ObjectionChannel,
    ObjectionStatus,
    QuarterStatus,
)
from appraisal.services import (
    objection_record,
    objection_rule,
    quarter_approve,
    quarter_close,
    quarter_finalize,
    quarter_mark_paid,
    quarter_reopen,
)
from appraisal.tests.factories import DailySheetFactory, EventFactory, QuarterFactory
from employees.tests.factories import DepartmentFactory, EmployeeFactory, hr_user, office_user

ROOT = Path(settings.BASE_DIR)
spec = importlib.util.spec_from_file_location("backup_script", ROOT / "scripts" / "backup.py")
backup_script = importlib.util.module_from_spec(spec)
spec.loader.exec_module(backup_script)

pytestmark = pytest.mark.django_db(transaction=True)

D = Decimal
CODES = ["2026Q2", "2026Q3"]
EXPORTS = ["export_results", "export_payout"]
# openpyxl writes the time the file was made here, and nowhere else.
TIMESTAMPED = "docProps/core.xml"


def build_company():
    """2026Q2 paid (a winner, a revoked winner, a fine), 2026Q3 open with a sheet."""
    office = office_user()
    department = DepartmentFactory(name="装卸作业部")
    people = [EmployeeFactory(department=department, name=n) for n in ("甲", "乙", "丙")]
    for employee, service in zip(people, ("50", "45", "38"), strict=True):
        for day in (datetime.date(2026, 4, 1), datetime.date(2026, 5, 6)):
            DailySheetFactory(employee=employee, day=day, service=D(service))
    EventFactory(
        employee=people[2],
        date=datetime.date(2026, 5, 6),
        kind=EventKind.PENNANT,
        validity=EventValidity.VALID,
        amount=D("50"),
        ruled_at=datetime.datetime(2026, 5, 7, tzinfo=datetime.UTC),
    )
    q2 = QuarterFactory(year=2026, number=2)
    quarter_close(quarter=q2, closed_by=office, today=datetime.date(2026, 7, 8))
    quarter_reopen(quarter=q2, reopened_by=office, reason="更正")
    quarter_close(quarter=q2, closed_by=office, today=datetime.date(2026, 7, 8))
    published = datetime.date(2026, 7, 10)
    quarter_approve(quarter=q2, approved_by=office, on=published, today=published)
    objection = objection_record(
        quarter=q2,
        employee=people[1],
        channel=ObjectionChannel.HOTLINE,
        text="有异议",
        recorded_by=office,
        today=published,
    )
    objection_rule(
        objection=objection, status=ObjectionStatus.UPHELD, ruling="属实", ruled_by=office
    )
    quarter_finalize(quarter=q2, today=datetime.date(2026, 8, 11), finalized_by=office)
    quarter_mark_paid(quarter=q2, paid_by=hr_user())
    q3 = QuarterFactory(year=2026, number=3)
    DailySheetFactory(employee=people[0], day=datetime.date(2026, 7, 2))
    q2.refresh_from_db()
    assert (q2.status, q3.status) == (QuarterStatus.PAID, QuarterStatus.OPEN)


def workbook(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist() if name != TIMESTAMPED}


def exports_here(folder: Path) -> dict[tuple[str, str], object]:
    """Every quarter's workbooks, exported by the commands from the test database."""
    found: dict[tuple[str, str], object] = {}
    for code in CODES:
        for command in EXPORTS:
            path = folder / f"before-{command}-{code}.xlsx"
            try:
                call_command(command, code, output=str(path), stdout=io.StringIO())
            except CommandError:
                found[command, code] = "refused"
            else:
                found[command, code] = workbook(path)
    return found


def exports_from(url: str, folder: Path) -> dict[tuple[str, str], object]:
    """The same, by the commands run against the database `url` names."""
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "true"}
    found: dict[tuple[str, str], object] = {}
    for code in CODES:
        for command in EXPORTS:
            path = folder / f"after-{command}-{code}.xlsx"
            done = subprocess.run(
                [sys.executable, "manage.py", command, code, "-o", str(path)],
                cwd=ROOT,
                env=env,
                capture_output=True,
                check=False,
            )
            found[command, code] = workbook(path) if done.returncode == 0 else "refused"
    return found


def postgres_url(db) -> str:
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def fresh(tmp_path):
    """Settings for a database that does not exist yet, dropped again afterwards."""
    db = dict(connection.settings_dict)
    if connection.vendor != "postgresql":
        db["NAME"] = str(tmp_path / "restored.sqlite3")
        yield db, f"sqlite:///{db['NAME']}"
        return
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump and pg_restore are not installed (apt-get install postgresql-client)")
    db["NAME"] = re.sub(r"^test_", "", db["NAME"]) + "_restored"
    drop = f'DROP DATABASE IF EXISTS "{db["NAME"]}" WITH (FORCE)'
    with backup_script._connect(db, "postgres") as admin:
        admin.execute(drop)
    yield db, postgres_url(db)
    with backup_script._connect(db, "postgres") as admin:
        admin.execute(drop)


def lock_triggers(db) -> set[str]:
    with backup_script._connect(db) as restored:
        rows = restored.execute(
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE 'appraisal%%'"
        ).fetchall()
    return {row[0] for row in rows}


def test_a_backup_restored_into_a_fresh_database_exports_the_same_workbooks(tmp_path, fresh):
    target, url = fresh
    build_company()
    before = exports_here(tmp_path)
    assert before["export_payout", "2026Q2"] != "refused"
    assert before["export_results", "2026Q3"] == "refused"  # still open

    archive = backup_script.backup(dict(connection.settings_dict), tmp_path / "smile.backup")
    backup_script.restore(target, archive)

    assert exports_from(url, tmp_path) == before
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE 'appraisal%%'"
            )
            here = {row[0] for row in cursor.fetchall()}
        assert lock_triggers(target) == here
        assert "appraisal_quarterresult_approved" in here


def test_a_restore_refuses_a_database_that_already_has_tables(tmp_path, fresh):
    target, _url = fresh
    archive = backup_script.backup(dict(connection.settings_dict), tmp_path / "smile.backup")
    backup_script.restore(target, archive)

    with pytest.raises(backup_script.BackupError, match="already has tables"):
        backup_script.restore(target, archive)


@pytest.mark.postgres_only
def test_a_data_only_restore_loads_the_rows_under_the_lock_triggers(tmp_path, fresh):
    if connection.vendor != "postgresql":
        pytest.skip("a data-only restore is a PostgreSQL restore")
    target, url = fresh
    build_company()
    before = exports_here(tmp_path)
    archive = backup_script.backup(dict(connection.settings_dict), tmp_path / "smile.backup")
    # A database with the schema and its triggers, as `migrate` or a schema-only restore leaves it.
    with backup_script._connect(target, "postgres") as admin:
        admin.execute(f'CREATE DATABASE "{target["NAME"]}"')
    backup_script._run(
        ["pg_restore", "--schema-only", "--no-owner", f"--dbname={target['NAME']}", str(archive)],
        target,
    )
    assert "appraisal_dailysheet_locked_quarter" in lock_triggers(target)

    backup_script.restore(target, archive, data_only=True)

    assert exports_from(url, tmp_path) == before
    with backup_script._connect(target) as restored, pytest.raises(Exception, match="locked"):
        restored.execute("UPDATE appraisal_dailysheet SET service = 1 WHERE day < '2026-07-01'")
