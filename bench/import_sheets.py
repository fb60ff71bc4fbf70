"""How long sheets_import takes against openpyxl merely reading the same workbook.

    DEBUG=true .venv/bin/python bench/import_sheets.py
    DEBUG=true .venv/bin/python bench/import_sheets.py --rows 100000 --employees 1000
    DEBUG=true .venv/bin/python bench/import_sheets.py --database-url postgres://postgres@127.0.0.1:5432/smile_bench

It creates ~1000 appraised employees, writes an .xlsx of N daily sheet rows
(the most recent days before today, every employee each day), then times:
openpyxl alone reading every row of it (read-only, values only: the floor any
import pays), `sheets_import` creating every sheet, and `sheets_import` again
with every score changed (the upsert path, reading the stored sheets and
writing a revision per row). It prints each time and its ratio to the read.
The database is a throw-away one: an in-memory SQLite database by default, or
a `test_…` database created next to the one `--database-url` names (the named
database itself is never written) and dropped afterwards.

Not a test: the query count is asserted in appraisal/tests/test_import_sheets.py.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="sheet rows in the workbook")
    parser.add_argument("--employees", type=int, default=1000, help="employees the rows cover")
    parser.add_argument(
        "--database-url",
        default="sqlite:///:memory:",
        help="where to create the throw-away test database (default: SQLite in memory)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="print the top functions of the first import"
    )
    return parser.parse_args()


def setup_django(database_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django
    from django.conf import settings

    django.setup()
    # The bench file is bigger than a real upload may be; the limit is not what is measured.
    settings.IMPORT_MAX_BYTES = 1 << 30


def populate(count: int) -> list[str]:
    from employees.models import Department, DepartmentKind, Employee

    department = Department.objects.create(name="bench", kind=DepartmentKind.FRONTLINE)
    Employee.objects.bulk_create(
        Employee(number=f"B{n:05d}", name=f"员工{n}", department=department) for n in range(count)
    )
    return [f"B{n:05d}" for n in range(count)]


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
            # Mix whole and half scores, numbers and text, as real files do.
            discipline = 19.5 if (index + variant) % 3 == 0 else 20
            service = "47.5" if (index + variant) % 5 == 0 else 50
            note = "迟到" if index % 7 == variant % 7 else None
            sheet.append([number, day, discipline, 10, service, 20, note, None])
            written += 1
    workbook.save(path)


def read_only(path: Path) -> int:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    count = sum(1 for _row in workbook.worksheets[0].iter_rows(values_only=True))
    workbook.close()
    return count


def timed(function, *args, **kwargs) -> tuple[float, float, object]:
    """Wall-clock and CPU seconds of the call, and its result.

    CPU time is this process only: on a shared machine it is the steadier
    figure, while the wall clock also counts the database server's work.
    """
    wall, cpu = time.perf_counter(), time.process_time()
    result = function(*args, **kwargs)
    return time.perf_counter() - wall, time.process_time() - cpu, result


def main() -> None:
    args = parse_args()
    setup_django(args.database_url)
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    from appraisal.imports import sheets_import

    setup_test_environment(debug=False)  # as in production: no query log
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        numbers = populate(args.employees)
        with tempfile.TemporaryDirectory() as folder:
            first = Path(folder) / "sheets.xlsx"
            second = Path(folder) / "sheets-changed.xlsx"
            write_workbook(first, numbers, args.rows, variant=0)
            write_workbook(second, numbers, args.rows, variant=1)
            size = first.stat().st_size
            read_wall, read_cpu, read_rows = timed(read_only, first)
            profiler = cProfile.Profile() if args.profile else None
            if profiler:
                profiler.enable()
            create_wall, create_cpu, created = timed(
                sheets_import, source=first, name=first.name, imported_by=None
            )
            if profiler:
                profiler.disable()
            update_wall, update_cpu, updated = timed(
                sheets_import, source=second, name=second.name, imported_by=None
            )
        print(
            f"database: {connection.vendor}; {args.rows} rows, {args.employees} employees, "
            f"{size / 1024 / 1024:.1f} MiB"
        )
        print(f"{'step':<34} {'wall s':>8} {'× read':>7} {'CPU s':>8} {'× read':>7}")
        for label, wall, cpu in (
            (f"openpyxl read ({read_rows} rows)", read_wall, read_cpu),
            (f"import, {created.created} created", create_wall, create_cpu),
            (f"import, {updated.updated} updated", update_wall, update_cpu),
        ):
            print(
                f"{label:<34} {wall:>8.2f} {wall / read_wall:>7.1f} "
                f"{cpu:>8.2f} {cpu / read_cpu:>7.1f}"
            )
        if profiler:
            pstats.Stats(profiler).sort_stats(
                os.environ.get("BENCH_SORT", "cumulative")
            ).print_stats(40)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
