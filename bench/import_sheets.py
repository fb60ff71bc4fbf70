"""How long sheets_import takes against merely reading the same workbook, and which reader is faster.

    DEBUG=true .venv/bin/python bench/import_sheets.py
    DEBUG=true .venv/bin/python bench/import_sheets.py --rows 20000 --databases sqlite --runs 1
    DEBUG=true .venv/bin/python bench/import_sheets.py --postgres-url postgres://postgres@127.0.0.1:5432/smile_bench

It writes two .xlsx files of N daily sheet rows for 1,000 appraised employees
(the most recent days before today, every employee each day; whole and half
scores, numbers and numbers typed as text, notes and blanks), the second with
other scores. Then, each step in a fresh process (so each peak RSS is that
step's own) and `--runs` times over, it times:

- reading every row of the file with openpyxl's read-only mode and with
  python-calamine, and checks that both give the same values once through the
  cell parsers of `spreadsheets.cells` (dates, decimals, text, blanks);
- `sheets_import` of the first file into a database with the employees only
  (every sheet created, a revision each), and of the second file after it
  (every changed sheet updated, a revision each).

The floor is the faster reader alone. A second reference adds the database's
own part: the same sheets and revisions written bare (`bare_write`, no check,
no lookup), timed beside each import in two ways, straight into the tables
(COPY or sqlite3's `executemany`) and through a temporary table as the import
writes, the faster of the two kept. It prints medians and ratios as
`bench/run_all.py` rows (`name | figure | floor | ratio`), and the import's
peak RSS against the goal of 200 MiB. The databases are the bench's own: a
file in the temp folder for SQLite; for PostgreSQL the database
`--postgres-url` names is DROPPED and created again, so give it one of its own.

Not a test: the import's results are asserted in appraisal/tests/test_import_sheets*.py.
"""

from __future__ import annotations

import argparse
import datetime
import json
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

import _company as company
from _company import LABELS, fmt_size, migrate, peak_rss_mib, recreate, setup_django

WORK = Path(tempfile.gettempdir()) / "smile_import_bench"
EMPLOYEES = 1000
# The ways `bare_write` writes; the faster is the floor.
BARE_WAYS = ("rows", "set")
GOAL_RSS_MIB = 200


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="sheet rows in the workbook")
    parser.add_argument("--runs", type=int, default=3, help="timed runs (median is shown)")
    company.database_arguments(parser, databases=["sqlite", "postgres"])
    return parser.parse_args()


# --- The parent: no Django, one child process per step ------------------------------


def child(step: str, url: str, size: int = 0) -> dict:
    return company.child(__file__, step, url, size)


def main() -> None:
    args = parse_args()
    if args.child:
        run_child(args.child, args.size)
        return
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir()
    rows = fmt_size(args.rows)
    scratch = f"sqlite:///{WORK / 'scratch.sqlite3'}"  # the readers touch no database
    try:
        child("write", scratch, args.rows)
        checked = child("compare", scratch)
        print(
            f"# calamine and openpyxl: {checked['cells']} cells compared through the cell "
            f"parsers, {checked['differences']} differ",
            file=sys.stderr,
        )
        reads = {"openpyxl": [], "calamine": []}
        for _run in range(args.runs):
            for reader in reads:
                reads[reader].append(child(f"read-{reader}", scratch)["seconds"])
        openpyxl_s = statistics.median(reads["openpyxl"])
        calamine_s = statistics.median(reads["calamine"])
        identical = "identical" if checked["differences"] == 0 else "NOT identical"
        print(
            f"read {rows} sheet rows, python-calamine (values {identical}) | {calamine_s:.2f} s "
            f"| openpyxl read-only {openpyxl_s:.2f} s | {calamine_s / openpyxl_s:.2f}×"
        )
        floor_s, floor_name = min((calamine_s, "calamine"), (openpyxl_s, "openpyxl"))
        sys.stdout.flush()
        for kind in args.databases:
            bench_database(kind, args, floor_s, floor_name)
    finally:
        shutil.rmtree(WORK, ignore_errors=True)


def bench_database(kind: str, args: argparse.Namespace, floor_s: float, floor_name: str) -> None:
    label = LABELS[kind]
    if kind == "sqlite":
        template, url = f"sqlite:///{WORK / 'template.sqlite3'}", f"sqlite:///{WORK / 'db.sqlite3'}"
    else:
        template, url = args.postgres_url + "_template", args.postgres_url
    recreate(kind, template)
    child("migrate", template)
    child("populate", template)
    created, updated = [], []
    bare = {(what, way): [] for what in ("created", "updated") for way in BARE_WAYS}
    for _run in range(args.runs):
        recreate(kind, url, template=template)
        created.append(child("import-first", url))
        updated.append(child("import-second", url))
        for way in BARE_WAYS:
            recreate(kind, url, template=template)
            bare["created", way].append(child(f"bare-first-{way}", url)["seconds"])
            bare["updated", way].append(child(f"bare-second-{way}", url)["seconds"])
    if kind == "postgres":
        for name in (url, template):
            drop(name)
    rows = fmt_size(args.rows)
    for what, runs in (("created", created), ("updated", updated)):
        seconds = statistics.median(run["seconds"] for run in runs)
        count = runs[0]["count"]
        print(
            f"import {rows} sheet rows ({count} {what}, a revision each), {label} "
            f"| {seconds:.2f} s | {floor_name} read {floor_s:.2f} s | {seconds / floor_s:.1f}×"
        )
        # The second reference: the read plus the database's own part, the same
        # rows written bare (no check, no lookup of what is stored), the faster way.
        ways = {way: statistics.median(bare[what, way]) for way in BARE_WAYS}
        write_s, way = min((s, way) for way, s in ways.items())
        print(
            f"# bare write ({what}, {label}): "
            + ", ".join(f"{name} {s:.2f} s" for name, s in ways.items()),
            file=sys.stderr,
        )
        print(
            f"import {rows} sheet rows ({what}), {label}, against read + bare write ({way}) "
            f"| {seconds:.2f} s | {floor_s:.2f} + {write_s:.2f} s "
            f"| {seconds / (floor_s + write_s):.1f}×"
        )
    rss = max(run["rss_mib"] for run in created + updated)
    print(
        f"import peak RSS, {label}, {rows} | {rss:.0f} MiB | {GOAL_RSS_MIB} MiB (goal) "
        f"| {rss / GOAL_RSS_MIB:.2f}×"
    )
    queries = sorted({run["queries"] for run in created + updated})
    print(f"import queries, {label}, {rows} | {queries} | — | —")
    sys.stdout.flush()


def drop(url: str) -> None:
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- The children: Django set up on the bench database --------------------------------


def run_child(step: str, size: int) -> None:
    setup_django()
    from django.conf import settings

    # The bench file may be bigger than a real upload; the limit is not what is measured.
    settings.IMPORT_MAX_BYTES = 1 << 30
    steps = {
        "migrate": migrate,
        "write": write,
        "compare": compare,
        "read-openpyxl": read_openpyxl,
        "read-calamine": read_calamine,
        "populate": populate,
        "import-first": lambda size: import_file(WORK / "first.xlsx"),
        "import-second": lambda size: import_file(WORK / "second.xlsx"),
        **{
            f"bare-first-{way}": lambda size, way=way: bare_write(
                WORK / "first.xlsx", before=None, way=way
            )
            for way in BARE_WAYS
        },
        **{
            f"bare-second-{way}": lambda size, way=way: bare_write(
                WORK / "second.xlsx", before=WORK / "first.xlsx", way=way
            )
            for way in BARE_WAYS
        },
    }
    print(json.dumps(steps[step](size)))


def numbers() -> list[str]:
    return [f"B{n:05d}" for n in range(EMPLOYEES)]


def write(rows: int) -> dict:
    write_workbook(WORK / "first.xlsx", numbers(), rows, variant=0)
    write_workbook(WORK / "second.xlsx", numbers(), rows, variant=1)
    return {}


def write_workbook(path: Path, numbers: list[str], rows: int, *, variant: int) -> None:
    """`rows` sheet rows: every employee on each of the days before today, newest first."""
    from django.utils import timezone
    from openpyxl import Workbook

    from appraisal.imports import SHEET_HEADERS

    today = timezone.localdate()
    # Not write-only: that mode leaves out the <dimension> element that Excel
    # writes, and openpyxl then scans the whole sheet once more when opening it.
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(SHEET_HEADERS))
    written = 0
    offset = 0
    while written < rows:
        offset += 1
        day = today - datetime.timedelta(days=offset)
        for index, number in enumerate(numbers):
            if written == rows:
                break
            # Mix whole and half scores, numbers and text, notes and blanks, as real files do.
            discipline = 19.5 if (index + variant) % 3 == 0 else 20
            courtesy = 9.5 if (index + variant) % 11 == 0 else 10
            service = "47.5" if (index + variant) % 5 == 0 else 50
            morality = "20" if (index + variant) % 13 == 0 else 20
            note = "迟到" if index % 7 == variant % 7 else None
            spot = "否" if index % 17 == 0 else None
            sheet.append([number, day, discipline, courtesy, service, morality, note, spot])
            written += 1
    workbook.save(path)


def _openpyxl_rows(path: Path) -> list[tuple]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True, keep_links=False)
    sheet = workbook.worksheets[0]
    sheet.reset_dimensions()
    rows = list(sheet.iter_rows(values_only=True))
    workbook.close()
    return rows


def _calamine_rows(path: Path) -> list[list]:
    from python_calamine import CalamineWorkbook

    with CalamineWorkbook.from_path(path) as workbook:
        return workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)


def _timed_read(read) -> dict:
    started = time.perf_counter()
    rows = read(WORK / "first.xlsx")
    return {"seconds": time.perf_counter() - started, "rows": len(rows), "rss_mib": peak_rss_mib()}


def read_openpyxl(size: int) -> dict:
    return _timed_read(_openpyxl_rows)


def read_calamine(size: int) -> dict:
    return _timed_read(_calamine_rows)


def compare(size: int) -> dict:
    """Both readers' cells through the parsers the import uses, column by column."""
    from spreadsheets import CellError, parse_date, parse_decimal, parse_text, parse_yes_no

    parsers = [parse_text, parse_date, *[parse_decimal] * 4, parse_text, parse_yes_no]

    def parsed(value: object, parse) -> object:
        try:
            result = parse(value)
        except CellError as exc:
            return ("error", str(exc))
        # Decimal equality is numeric: compare the text too (Decimal("20") vs Decimal("20.0")).
        return (type(result).__name__, str(result))

    cells = differences = 0
    for path in (WORK / "first.xlsx", WORK / "second.xlsx"):
        left, right = _openpyxl_rows(path), _calamine_rows(path)
        differences += abs(len(left) - len(right))
        for a, b in zip(left[1:], right[1:], strict=False):
            for index, parse in enumerate(parsers):
                cells += 1
                x = a[index] if index < len(a) else None
                y = b[index] if index < len(b) else None
                if parsed(x, parse) != parsed(y, parse):
                    differences += 1
    return {"cells": cells, "differences": differences}


def populate(size: int) -> dict:
    from employees.models import Department, DepartmentKind, Employee

    department = Department.objects.create(name="bench", kind=DepartmentKind.FRONTLINE)
    Employee.objects.bulk_create(
        Employee(number=number, name=f"员工{number}", department=department) for number in numbers()
    )
    return {}


def _file_sheets(path: Path) -> dict[tuple, tuple]:
    """The file's rows as the tables hold them: (employee id, day, 抽查) → (four scores, note)."""
    from employees.models import Employee
    from spreadsheets import parse_date, parse_decimal, parse_text, parse_yes_no

    ids = dict(Employee.objects.values_list("number", "pk"))
    sheets = {}
    for number, day, *scores, note, spot in _calamine_rows(path)[1:]:
        key = (ids[parse_text(number)], parse_date(day), bool(parse_yes_no(spot)))
        sheets[key] = (tuple(parse_decimal(score) for score in scores), parse_text(note))
    return sheets


def bare_write(path: Path, *, before: Path | None, way: str) -> dict:
    """The database's part of an import alone, timed: the file's sheets and a revision each.

    Everything Python can make ready is made before the clock starts: the file
    read and parsed, for the second file compared with the first (only changed
    sheets are written), every row a tuple of the values the driver is given.
    Then, in one transaction, as plainly as the database allows, one of two
    `way`s (the bench keeps the faster as the floor): `_bare_rows` or
    `_bare_set`. The tables keep every index, constraint and trigger.
    """
    from django.db import connection, transaction
    from django.utils import timezone

    from appraisal.rules import Category
    from appraisal.services.sheets import _sheet_values

    postgres = connection.vendor == "postgresql"
    sheets = _file_sheets(path)
    updating = before is not None
    old = _file_sheets(before) if updating else {}
    if updating:
        sheets = {key: value for key, value in sheets.items() if old.get(key) != value}

    def values(scores: tuple, note: str) -> str:
        return json.dumps(
            _sheet_values(
                scores=dict(zip(Category, scores, strict=True)), note=note, criteria_ids=()
            )
        )

    def plain(*values: object) -> tuple:  # as Django's SQLite adapters store them
        if postgres:
            return values
        return tuple(
            value.isoformat()
            if isinstance(value, datetime.date)
            else value
            if isinstance(value, (int, str))
            else str(value)
            for value in values
        )

    now = timezone.now()
    stamp = now if postgres else connection.ops.adapt_datetimefield_value(now)
    # The revisions' old values, as JSON text: "{}" for a new sheet.
    was = {key: values(*value) for key, value in old.items() if key in sheets}
    del old
    if way == "set":
        # One row a sheet: the key, the values, the revision's JSON texts.
        rows = [
            plain(*key, *scores, note, was.get(key, "{}"), values(scores, note))
            for key, (scores, note) in sheets.items()
        ]

        def write(cursor: object) -> None:
            _bare_set(cursor, rows, updating=updating, stamp=stamp)

    else:
        if updating:
            # Scores and note, then the key (SQLite's UPDATE … WHERE), or the key first (COPY).
            sheet_rows = [
                (*key, *scores, note) if postgres else plain(*scores, note, stamp, *key)
                for key, (scores, note) in sheets.items()
            ]
        else:
            sheet_rows = [
                plain(*key, *scores, note, stamp, stamp) for key, (scores, note) in sheets.items()
            ]
        revision_rows = [
            (key, plain(*key, stamp, was.get(key, "{}"), values(scores, note), "bare write"))
            for key, (scores, note) in sheets.items()
        ]
        days = [day for _employee, day, _spot in sheets]

        def write(cursor: object) -> None:
            _bare_rows(
                cursor,
                sheet_rows,
                revision_rows,
                updating=updating,
                stamp=stamp,
                days=(min(days), max(days)),
            )

    count = len(sheets)
    del sheets, was

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        write(cursor)
    return {"seconds": time.perf_counter() - started, "count": count}


_KEY_COLUMNS = "employee_id, day, is_spot_check"
_VALUE_COLUMNS = "discipline, courtesy, service, morality, note"
_REVISION_COLUMNS = (
    "sheet_id, employee_id, day, is_spot_check, changed_at, old_values, new_values, reason"
)
# The second file's sheets, updated from the temporary table `bare_rows` by key.
_UPDATE_FROM = (
    "UPDATE appraisal_dailysheet AS s SET discipline = t.discipline, "
    "courtesy = t.courtesy, service = t.service, morality = t.morality, "
    "note = t.note, updated_at = %s FROM bare_rows t WHERE s.employee_id = "
    "t.employee_id AND s.day = t.day AND s.is_spot_check = t.is_spot_check"
)


def _bare_insert(cursor, table: str, columns: str, rows: Iterable[tuple]) -> None:
    """`rows` into `table` through the driver's own cursor: COPY, or sqlite3's `executemany`.

    On SQLite, Django's cursor wrapper would rewrite the SQL and tee the rows.
    """
    if cursor.db.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join(["?"] * len(columns.split(",")))
        sqlite3.Cursor(cursor.db.connection).executemany(
            f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows
        )


def _bare_temporary(cursor, columns: str, rows: list[tuple]) -> None:
    """`rows` into a new temporary table `bare_rows`, of the sheets' and revisions' columns."""
    json_type = "jsonb" if cursor.db.vendor == "postgresql" else "text"
    cursor.execute(
        "CREATE TEMPORARY TABLE bare_rows (employee_id bigint, day date, "
        "is_spot_check boolean, discipline numeric, courtesy numeric, service numeric, "
        f"morality numeric, note text, old_values {json_type}, new_values {json_type})"
    )
    _bare_insert(cursor, "bare_rows", columns, rows)


def _bare_rows(
    cursor,
    sheet_rows: list[tuple],
    revision_rows: list[tuple],
    *,
    updating: bool,
    stamp: object,
    days: tuple[datetime.date, datetime.date],
) -> None:
    """The "rows" way: the sheets by COPY or `executemany` straight into their table.

    Inserted, or updated by key (on PostgreSQL in one UPDATE from a temporary
    table: migration 0013's statement-level guards would run once a row for a
    row-by-row UPDATE); their ids read back in one SELECT over `days`; the
    revisions like the sheets.
    """
    if not updating:
        _bare_insert(
            cursor,
            "appraisal_dailysheet",
            f"{_KEY_COLUMNS}, {_VALUE_COLUMNS}, created_at, updated_at",
            sheet_rows,
        )
    elif cursor.db.vendor == "postgresql":
        _bare_temporary(cursor, f"{_KEY_COLUMNS}, {_VALUE_COLUMNS}", sheet_rows)
        cursor.execute(_UPDATE_FROM, [stamp])
    else:
        sqlite3.Cursor(cursor.db.connection).executemany(
            "UPDATE appraisal_dailysheet SET discipline = ?, courtesy = ?, service = ?, "
            "morality = ?, note = ?, updated_at = ? "
            "WHERE employee_id = ? AND day = ? AND is_spot_check = ?",
            sheet_rows,
        )
    cursor.execute(
        "SELECT id, employee_id, day, is_spot_check FROM appraisal_dailysheet "
        "WHERE day BETWEEN %s AND %s",
        list(days),
    )
    ids = {(employee, day, bool(spot)): pk for pk, employee, day, spot in cursor.fetchall()}
    _bare_insert(
        cursor,
        "appraisal_sheetrevision",
        _REVISION_COLUMNS,
        [(ids[key], *row) for key, row in revision_rows],
    )


def _bare_set(cursor, rows: list[tuple], *, updating: bool, stamp: object) -> None:
    """The "set" way, as the import itself writes without its upsert.

    Every row once into a temporary table, then one INSERT … SELECT (or
    UPDATE … FROM) into the sheets and one INSERT … SELECT of the revisions,
    joined to the sheets for their ids.
    """
    _bare_temporary(cursor, f"{_KEY_COLUMNS}, {_VALUE_COLUMNS}, old_values, new_values", rows)
    if updating:
        cursor.execute(_UPDATE_FROM, [stamp])
    else:
        cursor.execute(
            f"INSERT INTO appraisal_dailysheet ({_KEY_COLUMNS}, {_VALUE_COLUMNS}, "
            f"created_at, updated_at) SELECT {_KEY_COLUMNS}, {_VALUE_COLUMNS}, %s, %s "
            "FROM bare_rows",
            [stamp, stamp],
        )
    cursor.execute(
        f"INSERT INTO appraisal_sheetrevision ({_REVISION_COLUMNS}) "
        "SELECT s.id, t.employee_id, t.day, t.is_spot_check, %s, t.old_values, "
        "t.new_values, 'bare write' FROM bare_rows t JOIN appraisal_dailysheet s "
        "ON s.employee_id = t.employee_id AND s.day = t.day "
        "AND s.is_spot_check = t.is_spot_check",
        [stamp],
    )


def import_file(path: Path) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from appraisal.imports import sheets_import

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        report = sheets_import(source=path, name=path.name, imported_by=None)
        seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "count": report.created + report.updated,
        "queries": len(queries),
        "rss_mib": peak_rss_mib(),
    }


if __name__ == "__main__":
    main()
