"""How long the year archive takes and how much memory it needs, for 1,000 and 10,000 employees.

    DEBUG=true .venv/bin/python bench/archive_year.py
    DEBUG=true .venv/bin/python bench/archive_year.py --sizes 1000 10000 --databases sqlite postgres

For each size N it builds a year of a company of N employees (bench/_company.py:
one department per hundred): the four quarters of 2025, a sheet for every
working day of the year (261, so 2.61M sheets at N=10,000, a spot check for
one employee in a hundred), events of every kind in each quarter, and a plain
result row per employee and quarter. SQLite by default: a file in the temp
folder. With `--databases postgres` the database `--postgres-url` names is
DROPPED and created again, so give it one of its own.

It then writes, each in a fresh process, the archive
(`archive_workbook_write`, every department) to a temp file, and the floor:
bare openpyxl write-only writing the same number of rows, with as many cells
of like values, to the same sheets. It prints the time and peak RSS of each,
and how both grow from the smallest size to the largest: the archive streams,
so its memory should stay flat (within ~20 MiB) while its time grows linearly.
Rows are `bench/run_all.py` rows (`name | figure | floor | ratio`).

Not a test: the archive's content is asserted in appraisal/tests/.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import _company as company
from _company import LABELS, fmt_size, migrate, peak_rss_mib, recreate, setup_django

YEAR = 2025
SQLITE_DIR = Path(tempfile.gettempdir()) / "smile_archive_bench"
FLAT_MIB = 20  # the goal: the archive's peak RSS grows by less than this from 1k to 10k


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    company.database_arguments(parser, databases=["sqlite"])
    return parser.parse_args()


# --- The parent: no Django, one child process per step ------------------------------


def child(step: str, url: str, size: int = 0) -> dict:
    return company.child(__file__, step, url, size)


def main() -> None:
    args = parse_args()
    if args.child:
        setup_django()
        steps = {"migrate": migrate, "build": build, "archive": archive, "floor": floor}
        print(json.dumps(steps[args.child](args.size)))
        return
    for kind in args.databases:
        label = LABELS[kind]
        template, _ = company.database_urls(kind, args.postgres_url, 0, sqlite_dir=SQLITE_DIR)
        recreate(kind, template)
        child("migrate", template)
        measured = {}
        for size in args.sizes:
            _, url = company.database_urls(kind, args.postgres_url, size, sqlite_dir=SQLITE_DIR)
            recreate(kind, url, template=template)
            built = child("build", url, size)
            print(
                f"# {label} {size} employees: {built['sheets']} sheets, "
                f"{built['events']} events, {built['results']} results, "
                f"built in {built['seconds']:.0f} s",
                file=sys.stderr,
                flush=True,
            )
            bare = child("floor", url, size)
            made = child("archive", url, size)
            if kind == "sqlite":
                Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
            measured[size] = made, bare
            print(
                f"# archive {made['mib']:.0f} MiB on disk, floor {bare['mib']:.0f} MiB; "
                f"{made['rows']} rows",
                file=sys.stderr,
                flush=True,
            )
            name = (
                f"year archive, {label}, {fmt_size(size)} employees "
                f"({built['sheets'] / 1e6:.2f}M sheets)"
            )
            print(
                f"{name} | {made['seconds']:.1f} s | bare openpyxl, same rows {bare['seconds']:.1f} s"
                f" | {made['seconds'] / bare['seconds']:.1f}×"
            )
            print(
                f"year archive peak RSS, {label}, {fmt_size(size)} | {made['rss_mib']:.0f} MiB "
                f"| bare openpyxl {bare['rss_mib']:.0f} MiB | {made['rss_mib'] / bare['rss_mib']:.2f}×"
            )
            sys.stdout.flush()
        if len(measured) > 1:
            small, large = min(measured), max(measured)
            (s_made, s_bare), (l_made, l_bare) = measured[small], measured[large]
            span = f"{fmt_size(small)} → {fmt_size(large)}"
            grown = l_made["rss_mib"] - s_made["rss_mib"]
            print(
                f"year archive peak RSS growth, {label}, {span} | {grown:+.0f} MiB "
                f"| {FLAT_MIB} MiB (goal) | {grown / FLAT_MIB:.2f}×"
            )
            times = l_made["seconds"] / s_made["seconds"]
            floor_times = l_bare["seconds"] / s_bare["seconds"]
            print(
                f"year archive time growth, {label}, {span} | {times:.1f}× "
                f"| bare openpyxl {floor_times:.1f}× (linear: {large / small:.0f}×) "
                f"| {times / floor_times:.2f}×"
            )
            sys.stdout.flush()
        if kind == "sqlite":
            shutil.rmtree(SQLITE_DIR, ignore_errors=True)


# --- The children: Django set up on the bench database --------------------------------


def build(size: int) -> dict:
    started = time.perf_counter()
    # A year already paid: the triggers would refuse events in a final quarter.
    with company.restoring():
        built = _year_load(size)
    company.analyze()
    return {**built, "seconds": time.perf_counter() - started}


def _year_load(size: int) -> dict:
    from appraisal.models import Quarter, QuarterStatus
    from appraisal.rules import QuarterId

    company.staff_create(size)
    days = company.working_days(datetime.date(YEAR, 1, 1), last=datetime.date(YEAR, 12, 31))
    sheets = company.sheets_load(size, days)
    events = 0
    quarters = []
    for number in range(1, 5):
        qid = QuarterId(YEAR, number)
        quarters.append(
            Quarter.objects.create(year=YEAR, number=number, status=QuarterStatus.FINAL)
        )
        events += company.events_create(
            size,
            [d for d in days if qid.first_day <= d <= qid.last_day],
            badge_lost_on=qid.previous().first_day + datetime.timedelta(days=20),
            seed=-size * 10 - number,
        )
    for quarter in quarters:
        company.results_insert(quarter)
    return {"sheets": sheets, "events": events, "results": size * len(quarters)}


def _target() -> Path:
    handle, name = tempfile.mkstemp(suffix=".xlsx", prefix="smile_archive_")
    os.close(handle)
    return Path(name)


def archive(size: int) -> dict:
    from appraisal.exports_year import archive_workbook_write

    target = _target()
    try:
        started = time.perf_counter()
        archive_workbook_write(year=YEAR, target=target)
        seconds = time.perf_counter() - started
        mib = target.stat().st_size / 2**20
    finally:
        target.unlink(missing_ok=True)
    return {"seconds": seconds, "rss_mib": peak_rss_mib(), "mib": mib, "rows": _counts()}


def _counts() -> dict:
    from appraisal.models import DailySheet, Event, Objection, QuarterResult, SheetRevision
    from employees.models import Employee

    return {
        "年度汇总": Employee.objects.count(),
        "日常考核": DailySheet.objects.filter(day__year=YEAR).count(),
        "修改记录": SheetRevision.objects.filter(day__year=YEAR).count(),
        "加减分事项": Event.objects.filter(date__year=YEAR).count(),
        "季度结果": QuarterResult.objects.filter(quarter__year=YEAR).count(),
        "异议": Objection.objects.filter(quarter__year=YEAR).count(),
    }


def floor(size: int) -> dict:
    """Bare openpyxl write-only: the archive's sheets with as many rows of as many plain cells."""
    from openpyxl import Workbook

    from appraisal import exports_year as x

    counts = _counts()
    stamp = "2025-01-02 09:30"
    # One row of like values per sheet, written as often as the archive writes its rows.
    rows = {
        "年度汇总": [
            "E0000001",
            "员工1",
            "部门0001",
            88.5,
            90.25,
            87.0,
            91.0,
            89.19,
            1,
            0,
            2,
            150,
            "",
        ],
        "日常考核": ["E0000001", "2025-01-02", 20, 10, 48, 20, "", "否", "部门0001", "", stamp],
        "修改记录": ["E0000001", "员工1", "2025-01-02", "否", "", stamp, "", "", ""],
        "加减分事项": [
            "E0000001",
            "员工1",
            "部门0001",
            "2025-01-02",
            "表扬",
            5,
            50,
            "是",
            *["", "", "", "", stamp, "", stamp, ""],
        ],
        "季度结果": [
            "2025Q1",
            "E0000001",
            "员工1",
            "部门0001",
            64,
            88.5,
            0,
            88.5,
            "",
            0,
            0,
            "",
            "否",
        ],
        "异议": ["2025Q1", "E0000001", "员工1", "部门0001", "", "", "", "", "", "", "", "", ""],
    }
    target = _target()
    try:
        started = time.perf_counter()
        wb = Workbook(write_only=True)
        wb.create_sheet(x.ARCHIVE_SHEETS[0]).append(["项目", "内容"])
        for title in x.ARCHIVE_SHEETS[1:]:
            ws = wb.create_sheet(title)
            row = rows[title]
            ws.append([f"h{i}" for i in range(len(row))])
            for _ in range(counts[title]):
                ws.append(row)
        wb.save(target)
        seconds = time.perf_counter() - started
        mib = target.stat().st_size / 2**20
    finally:
        target.unlink(missing_ok=True)
    return {"seconds": seconds, "rss_mib": peak_rss_mib(), "mib": mib}


if __name__ == "__main__":
    main()
