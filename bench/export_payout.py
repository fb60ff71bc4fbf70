"""How long the results and payout exports take, and how much memory they use, by result count.

    DEBUG=true .venv/bin/python bench/export_payout.py
    DEBUG=true .venv/bin/python bench/export_payout.py --sizes 2000 20000 50000
    DEBUG=true .venv/bin/python bench/export_payout.py --database-url postgres://postgres@127.0.0.1:5432/smile_bench

For each size N it creates a final quarter with N results spread over ten
departments (a third of them winners, some with rewards or fines, some with
nothing to pay) and writes both workbooks to a temporary folder: once under
tracemalloc for the peak of Python allocations, then three timed rounds, each
beside its floors: bare openpyxl write-only writing as many rows of like plain
values, xlsxwriter's constant-memory mode writing the same (measured as the
issue asked), and `spreadsheets.streaming` writing the same without a
database. The exports stay on openpyxl's workbook but write their rows' XML as
text (`spreadsheets.streaming`), the same bytes openpyxl's own cell writer
makes, so they can beat the floor. It prints the medians as `bench/run_all.py`
rows. If the writers stream as they should (write-only sheets, `.iterator()`
reads), the peak stays about the same whether N is 10,000 or 50,000 while the
time grows linearly. The exports fetch 2,000 rows at a time, and the peak
comes while one fetch is still held and the next is read: below two fetches'
rows (the payout writes only about half of the results) the peak is smaller
merely because fewer rows are held, so a ratio against such a size measures
the fetch, not whether memory grows with N. With 2,000 → 20,000 results it
printed 1.4 → 4.7 MiB for the payout; 10,000, 20,000 and 60,000 all peak at
about 4.8 MiB (measured by hand, tracemalloc keeping 25 frames). The database
is a throw-away one: an in-memory SQLite database by default, or a `test_…`
database created next to the one `--database-url` names (the named database
itself is never written) and dropped afterwards.

Not a test: the exports' content is asserted in appraisal/tests/test_exports.py.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from _company import restoring

ROOT = Path(__file__).resolve().parent.parent
DEPARTMENTS = 10


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[10000, 50000], help="results per quarter"
    )
    parser.add_argument(
        "--database-url",
        default="sqlite:///:memory:",
        help="where to create the throw-away test database (default: SQLite in memory)",
    )
    return parser.parse_args()


def setup_django(database_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def populate(size: int, year: int):
    """A final quarter of `year` with `size` results over ten departments; returns the quarter."""
    from datetime import date
    from decimal import Decimal

    from appraisal.models import AwardTier, Quarter, QuarterResult, QuarterStatus
    from employees.models import Department, DepartmentKind, Employee

    quarter = Quarter.objects.create(
        year=year,
        number=3,
        status=QuarterStatus.FINAL,
        published_on=date(year, 10, 10),
        notice_ends_on=date(year, 11, 10),
        final_on=date(year, 11, 11),
        payout_month=date(year, 12, 1),
    )
    departments = [
        Department.objects.get_or_create(
            name=f"bench-部门{d:02d}",
            defaults={"kind": DepartmentKind.FRONTLINE, "display_order": d},
        )[0]
        for d in range(DEPARTMENTS)
    ]
    Employee.objects.bulk_create(
        (
            Employee(
                number=f"Y{year}N{n:06d}",
                name=f"员工{n}",
                department=departments[n % DEPARTMENTS],
                position="理货员",
            )
            for n in range(size)
        ),
        batch_size=2000,
    )
    employees = Employee.objects.filter(number__startswith=f"Y{year}N").order_by("number")
    tiers = [
        (AwardTier.BEST, Decimal("500"), Decimal("96.50")),
        (AwardTier.AMBASSADOR, Decimal("300"), Decimal("91.25")),
        (AwardTier.STYLE, Decimal("200"), Decimal("86.00")),
    ]

    def result(n: int, employee: Employee) -> QuarterResult:
        tier, amount, final = tiers[n % 9] if n % 9 < 3 else (AwardTier.NONE, Decimal("0"), None)
        final = final or Decimal("82.50")
        return QuarterResult(
            quarter=quarter,
            employee=employee,
            department_id=employee.department_id,
            days=60,
            average=final,
            final=final,
            score_tier=tier,
            award_tier=tier,
            award_amount=amount,
            rewards=Decimal("50") if n % 5 == 0 else Decimal("0"),
            fines=Decimal("200") if n % 7 == 0 else Decimal("0"),
            disqualification_reasons=["月度扣分达15分"] if n % 11 == 0 else [],
            training=n % 13 == 0,
        )

    QuarterResult.objects.bulk_create(
        (result(n, e) for n, e in enumerate(employees.iterator(chunk_size=2000))),
        batch_size=2000,
    )
    return quarter


def measure(write: Callable[[Path], object], folder: Path) -> tuple[float, float, object]:
    """Seconds of a plain run, and the tracemalloc peak (MiB) of a second run."""
    started = time.perf_counter()
    outcome = write(folder / "timed.xlsx")
    seconds = time.perf_counter() - started
    tracemalloc.start()
    try:
        write(folder / "traced.xlsx")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return seconds, peak / 1024 / 1024, outcome


REPEATS = 3


def timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


# One row of like values, as each export writes it (plain cells; the floor has no styles).
RESULT_ROW = ["Y2000N000001", "员工1", "bench-部门01", 60, 96.5, 0, 96.5, "最佳微笑奖", 500, 50]
RESULT_ROW += ["", "否", ""]
PAYOUT_ROW = [1, "Y2000N000001", "员工1", "bench-部门01", "理货员", "最佳微笑奖", 96.5, 500, 50]
PAYOUT_ROW += [550, ""]


def _write_plain(wb, path: Path, row: list, count: int) -> float:
    """Seconds `wb` takes to write a header and `count` copies of `row` and save them."""
    started = time.perf_counter()
    ws = wb.create_sheet("x")
    ws.append([f"h{i}" for i in range(len(row))])
    for _ in range(count):
        ws.append(row)
    wb.save(path)
    return time.perf_counter() - started


def floor_openpyxl(path: Path, row: list, count: int) -> float:
    """Bare openpyxl write-only: a header and `count` copies of `row`, saved."""
    from openpyxl import Workbook

    return _write_plain(Workbook(write_only=True), path, row, count)


def floor_streaming(path: Path, row: list, count: int) -> float:
    """The same rows through `spreadsheets.streaming`, the exports' writer, with no database."""
    from spreadsheets.streaming import StreamingWorkbook

    return _write_plain(StreamingWorkbook(), path, row, count)


def floor_xlsxwriter(path: Path, row: list, count: int) -> float:
    """The same rows through xlsxwriter's constant-memory mode."""
    import xlsxwriter

    started = time.perf_counter()
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("x")
    ws.write_row(0, 0, [f"h{i}" for i in range(len(row))])
    for n in range(1, count + 1):
        ws.write_row(n, 0, row)
    wb.close()
    return time.perf_counter() - started


def main() -> None:
    args = parse_args()
    setup_django(args.database_url)
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    from appraisal.exports import payout_workbook_write, results_workbook_write

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[connection.vendor]
    peaks: dict[int, tuple[float, float]] = {}
    try:
        for index, size in enumerate(args.sizes):
            # A final quarter's results are written as a restore writes them.
            with restoring():
                quarter = populate(size, 2000 + index)
            with tempfile.TemporaryDirectory() as folder:
                where = Path(folder)
                _, r_peak, rows = measure(
                    lambda path, q=quarter: results_workbook_write(quarter=q, target=path), where
                )
                _, p_peak, summary = measure(
                    lambda path, q=quarter: payout_workbook_write(quarter=q, target=path), where
                )
                # Each figure beside its floor, interleaved and repeated: the medians of
                # REPEATS rounds, so that a busy moment of the machine hits both alike.
                rounds = [
                    (
                        timed(
                            lambda q=quarter, w=where: results_workbook_write(
                                quarter=q, target=w / "r.xlsx"
                            )
                        ),
                        floor_openpyxl(where / "floor.xlsx", RESULT_ROW, size),
                        floor_xlsxwriter(where / "xlsxwriter.xlsx", RESULT_ROW, size),
                        floor_streaming(where / "streaming.xlsx", RESULT_ROW, size),
                        timed(
                            lambda q=quarter, w=where: payout_workbook_write(
                                quarter=q, target=w / "p.xlsx"
                            )
                        ),
                        floor_openpyxl(where / "floor.xlsx", PAYOUT_ROW, summary.rows),
                    )
                    for _ in range(REPEATS)
                ]
                r_seconds, r_floor, r_xlsx, r_stream, p_seconds, p_floor = (
                    statistics.median(column) for column in zip(*rounds, strict=True)
                )
            assert rows == size, (rows, size)
            peaks[size] = r_peak, p_peak
            n = f"{size // 1000}k" if size >= 1000 else str(size)
            print(
                f"results export, {label}, {n} results | {r_seconds:.2f} s "
                f"| bare openpyxl write-only {r_floor:.2f} s | {r_seconds / r_floor:.1f}×"
            )
            print(
                f"payout export, {label}, {n} results ({summary.rows} paid rows) "
                f"| {p_seconds:.2f} s | bare openpyxl write-only {p_floor:.2f} s "
                f"| {p_seconds / p_floor:.1f}×"
            )
            print(
                f"xlsxwriter constant_memory, {n} result rows | {r_xlsx:.2f} s "
                f"| bare openpyxl write-only {r_floor:.2f} s | {r_xlsx / r_floor:.2f}×"
            )
            print(
                f"spreadsheets.streaming (the exports' writer), {n} result rows "
                f"| {r_stream:.2f} s | bare openpyxl write-only {r_floor:.2f} s "
                f"| {r_stream / r_floor:.2f}×"
            )
            sys.stdout.flush()
        small, large = min(peaks), max(peaks)
        if small != large:
            for which, i in (("results", 0), ("payout", 1)):
                print(
                    f"{which} export tracemalloc peak, {label}, {small} → {large} results "
                    f"| {peaks[small][i]:.1f} → {peaks[large][i]:.1f} MiB | flat "
                    f"| {peaks[large][i] / peaks[small][i]:.2f}×"
                )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
