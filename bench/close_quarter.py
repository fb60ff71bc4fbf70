"""How long quarter_close takes against one `INSERT … SELECT … GROUP BY` of the same sheets.

    DEBUG=true .venv/bin/python bench/close_quarter.py
    DEBUG=true .venv/bin/python bench/close_quarter.py --sizes 1000 10000 --databases sqlite
    DEBUG=true .venv/bin/python bench/close_quarter.py --postgres-url postgres://postgres@127.0.0.1:5432/smile_bench

For each database and size N it builds a company of N employees (one
department per hundred), 65 working days of sheets each in 2025Q3 (N=100,000
is 6.5M sheets), a spot check replacing a department sheet for one employee in
a hundred, events of every kind and an award badge lost in the quarter before.
Sheets are loaded with COPY (PostgreSQL) or executemany (SQLite) into a
dedicated database: a file in the temp folder for SQLite; for PostgreSQL the
database `--postgres-url` names is DROPPED and created again, so give it one of
its own. The schema is migrated once into a template and copied per size.

It then times, each in a fresh process and `--runs` times over: the close
(`quarter_close` in one transaction, the quarter reopened and its results
deleted before each run) and the floor, one statement that writes a result
row per employee from the grouped sheets and commits. It prints the median
of each, their ratio, the close's query count and the peak RSS of the process
that ran the close, as `bench/run_all.py` rows (`name | figure | floor | ratio`).

Not a test: the close's results are asserted in appraisal/tests/services/.
"""

from __future__ import annotations

import argparse
import datetime
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import _company as company
from _company import LABELS, fmt_size, migrate, peak_rss_mib, recreate, setup_django

YEAR, NUMBER = 2025, 3  # 1 July – 30 September 2025
DAYS = 65
SQLITE_DIR = Path(tempfile.gettempdir()) / "smile_close_bench"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=3, help="timed runs (median is shown)")
    company.database_arguments(parser, databases=["sqlite", "postgres"])
    return parser.parse_args()


# --- The parent: no Django, one child process per step ------------------------------


def child(step: str, url: str, size: int = 0) -> dict:
    return company.child(__file__, step, url, size)


def database_urls(kind: str, postgres_url: str, size: int) -> tuple[str, str]:
    return company.database_urls(kind, postgres_url, size, sqlite_dir=SQLITE_DIR)


def main() -> None:
    args = parse_args()
    if args.child:
        run_child(args.child, args.size)
        return
    for kind in args.databases:
        label = LABELS[kind]
        template, _ = database_urls(kind, args.postgres_url, 0)
        recreate(kind, template)
        child("migrate", template)
        for size in args.sizes:
            _, url = database_urls(kind, args.postgres_url, size)
            recreate(kind, url, template=template)
            built = child("build", url, size)
            print(
                f"# {label} {size} employees: {built['sheets']} sheets, "
                f"{built['events']} events, built in {built['seconds']:.0f} s",
                file=sys.stderr,
            )
            closes, floors = [], []
            for _run in range(args.runs):
                floors.append(child("floor", url, size))
                closes.append(child("close", url, size))
            close_s = statistics.median(c["seconds"] for c in closes)
            floor_s = statistics.median(f["seconds"] for f in floors)
            rss = max(c["rss_mib"] for c in closes)
            queries = {c["queries"] for c in closes}
            name = (
                f"close, {label}, {fmt_size(size)} employees ({built['sheets'] / 1e6:.2f}M sheets)"
            )
            print(f"{name} | {close_s:.2f} s | {floor_s:.2f} s | {close_s / floor_s:.1f}×")
            print(
                f"close peak RSS, {label}, {fmt_size(size)} | {rss:.0f} MiB | 150 MiB (goal) "
                f"| {rss / 150:.2f}×"
            )
            print(f"close queries, {label}, {fmt_size(size)} | {sorted(queries)} | — | —")
            sys.stdout.flush()
        if kind == "sqlite":
            shutil.rmtree(SQLITE_DIR, ignore_errors=True)


# --- The children: Django set up on the bench database --------------------------------


def run_child(step: str, size: int) -> None:
    setup_django()
    result = {"migrate": migrate, "build": build, "floor": floor, "close": close}[step](size)
    print(json.dumps(result))


def build(size: int) -> dict:
    from appraisal.models import Quarter, QuarterStatus
    from appraisal.rules import QuarterId

    started = time.perf_counter()
    qid = QuarterId(YEAR, NUMBER)
    Quarter.objects.create(year=YEAR, number=NUMBER, status=QuarterStatus.OPEN)
    Quarter.objects.create(year=YEAR, number=NUMBER - 1, status=QuarterStatus.OPEN)
    company.staff_create(size)
    days = company.working_days(qid.first_day, count=DAYS)
    sheets = company.sheets_load(size, days)
    events = company.events_create(
        size,
        days,
        badge_lost_on=qid.previous().first_day + datetime.timedelta(days=20),
        seed=-size,
    )
    company.analyze()
    return {"sheets": sheets, "events": events, "seconds": time.perf_counter() - started}


def reopen() -> object:
    """The quarter open again with no results, as before its first close."""
    from appraisal.models import DepartmentReview, Quarter, QuarterLog, QuarterResult

    quarter = Quarter.objects.get(year=YEAR, number=NUMBER)
    # The log is append-only and a quarter reopens only with its log row.
    with company.restoring():
        QuarterResult.objects.filter(quarter=quarter)._raw_delete("default")
        DepartmentReview.objects.filter(quarter=quarter).delete()
        QuarterLog.objects.filter(quarter=quarter).delete()
        Quarter.objects.filter(pk=quarter.pk).update(status="open", closed_at=None)
    quarter.refresh_from_db()
    return quarter


def close(size: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from appraisal.services import quarter_close

    quarter = reopen()
    today = datetime.date(YEAR, 3 * NUMBER + 1, 5)
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        report = quarter_close(quarter=quarter, closed_by=None, today=today)
        seconds = time.perf_counter() - started
    assert report.results > 0
    return {"seconds": seconds, "queries": len(queries), "rss_mib": peak_rss_mib()}


def floor(size: int) -> dict:
    """The least any close does: one grouped INSERT … SELECT of a row per employee, committed."""
    quarter = reopen()
    started = time.perf_counter()
    company.results_insert(quarter)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rss_mib": peak_rss_mib()}


if __name__ == "__main__":
    main()
