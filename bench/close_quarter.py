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
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
YEAR, NUMBER = 2025, 3  # 1 July – 30 September 2025
DAYS = 65
SQLITE_DIR = Path(tempfile.gettempdir()) / "smile_close_bench"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=3, help="timed runs (median is shown)")
    parser.add_argument(
        "--databases", nargs="+", choices=["sqlite", "postgres"], default=["sqlite", "postgres"]
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/smile_bench"
        ),
        help="a database of the bench's own: it is dropped and created again",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    return parser.parse_args()


# --- The parent: no Django, one child process per step ------------------------------


def child(step: str, url: str, size: int = 0) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "true", "LOG_LEVEL": "WARNING"}
    out = subprocess.run(
        [sys.executable, __file__, "--child", step, "--size", str(size)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def database_urls(kind: str, postgres_url: str, size: int) -> tuple[str, str]:
    """(template, working) database URLs of `kind` for `size` employees."""
    if kind == "sqlite":
        SQLITE_DIR.mkdir(exist_ok=True)
        return (
            f"sqlite:///{SQLITE_DIR / 'template.sqlite3'}",
            f"sqlite:///{SQLITE_DIR}/{size}.sqlite3",
        )
    return postgres_url + "_template", postgres_url


def recreate(kind: str, url: str, *, template: str | None = None) -> None:
    if kind == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        path.unlink(missing_ok=True)
        if template:
            shutil.copyfile(template.removeprefix("sqlite:///"), path)
        return
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        suffix = f' TEMPLATE "{template.rsplit("/", 1)[1]}"' if template else ""
        conn.execute(f'CREATE DATABASE "{name}"{suffix}')


def fmt_size(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 else str(n)


def main() -> None:
    args = parse_args()
    if args.child:
        run_child(args.child, args.size)
        return
    for kind in args.databases:
        label = {"sqlite": "SQLite", "postgres": "PostgreSQL"}[kind]
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


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def run_child(step: str, size: int) -> None:
    setup_django()
    result = {"migrate": migrate, "build": build, "floor": floor, "close": close}[step](size)
    print(json.dumps(result))


def migrate(size: int) -> dict:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return {}


def sheet_rows(size: int, days: list[datetime.date], now: str):
    """(employee, day, spot check, four scores) for everyone; a spot check for one in 100."""
    rng = random.Random(size)
    for employee in range(1, size + 1):
        # A deficit per employee spreads them over every tier; a day loses 0–2 more points.
        base = rng.choice((0, 2, 4, 6, 8, 10, 14, 20, 30))
        for day in days:
            lost = base + rng.choice((0, 0, 0, 0.5, 1, 2))
            yield (employee, day, False, 20, 10, 50 - lost, 20, now)
        if employee % 100 == 7:
            for day in days[10:12]:
                yield (employee, day, True, 20, 10, 45, 20, now)


def build(size: int) -> dict:
    from decimal import Decimal

    from django.db import connection, transaction
    from django.utils import timezone

    from appraisal.models import Event, EventKind, EventValidity, Quarter, QuarterStatus
    from appraisal.rules import QuarterId
    from employees.models import Department, Employee

    started = time.perf_counter()
    qid = QuarterId(YEAR, NUMBER)
    Quarter.objects.create(year=YEAR, number=NUMBER, status=QuarterStatus.OPEN)
    Quarter.objects.create(year=YEAR, number=NUMBER - 1, status=QuarterStatus.OPEN)
    departments = max(10, size // 100)
    Department.objects.bulk_create(
        Department(pk=d, name=f"部门{d:04d}", kind="frontline" if d % 2 else "functional")
        for d in range(1, departments + 1)
    )
    Employee.objects.bulk_create(
        (
            Employee(
                pk=e,
                number=f"E{e:07d}",
                name=f"员工{e}",
                department_id=1 + e % departments,
                is_supervisor=e % 97 == 0,
            )
            for e in range(1, size + 1)
        ),
        batch_size=5000,
    )
    days = []
    day = qid.first_day
    while len(days) < DAYS:
        if day.weekday() < 5:
            days.append(day)
        day += datetime.timedelta(days=1)
    now = timezone.now()
    columns = "employee_id, day, is_spot_check, discipline, courtesy, service, morality, note, created_at, updated_at"
    sheets = 0
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            stamp = now.isoformat()
            with cursor.cursor.copy(f"COPY appraisal_dailysheet ({columns}) FROM STDIN") as copy:
                lines = []
                for e, d, spot, a, b, c, m, _now in sheet_rows(size, days, stamp):
                    lines.append(
                        f"{e}\t{d}\t{'t' if spot else 'f'}\t{a}\t{b}\t{c}\t{m}\t\t{stamp}\t{stamp}\n"
                    )
                    if len(lines) >= 50_000:
                        sheets += len(lines)
                        copy.write("".join(lines))
                        lines = []
                sheets += len(lines)
                copy.write("".join(lines))
            for table in ("employees_department", "employees_employee"):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
        else:
            stamp = connection.ops.adapt_datetimefield_value(now)
            sql = f"INSERT INTO appraisal_dailysheet ({columns}) VALUES (?, ?, ?, ?, ?, ?, ?, '', ?, ?)"
            batch = []
            for e, d, spot, a, b, c, m, _now in sheet_rows(size, days, stamp):
                batch.append((e, d.isoformat(), spot, a, b, c, m, stamp, stamp))
                if len(batch) >= 100_000:
                    sheets += len(batch)
                    cursor.cursor.executemany(sql, batch)
                    batch = []
            sheets += len(batch)
            cursor.cursor.executemany(sql, batch)

    rng = random.Random(-size)
    events = []
    kinds = list(EventKind)
    for e in range(1, size + 1, 7):
        kind = kinds[rng.randrange(len(kinds))]
        points = None
        if kind == EventKind.MONTHLY_DEDUCTION:
            points = Decimal(rng.choice((5, 10, 15)))
        elif rng.random() < 0.3 and kind != EventKind.AWARD_BADGE_LOST:
            points = Decimal(rng.choice((5, 10, 20)))
        events.append(
            Event(
                employee_id=e,
                date=days[rng.randrange(DAYS)],
                kind=kind,
                points=points,
                amount=Decimal(rng.choice((0, 0, 50, -50, 100))),
                validity=rng.choice((EventValidity.VALID,) * 4 + (EventValidity.INVALID,)),
                ruled_at=now,
            )
        )
        if e % 5 == 1:
            # Last quarter's lost award badge disqualifies this one.
            events.append(
                Event(
                    employee_id=e,
                    date=qid.previous().first_day + datetime.timedelta(days=20),
                    kind=EventKind.AWARD_BADGE_LOST,
                    validity=EventValidity.VALID,
                    ruled_at=now,
                )
            )
    Event.objects.bulk_create(events, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"sheets": sheets, "events": len(events), "seconds": time.perf_counter() - started}


def reopen() -> object:
    """The quarter open again with no results, as before its first close."""
    from appraisal.models import DepartmentReview, Quarter, QuarterLog, QuarterResult

    quarter = Quarter.objects.get(year=YEAR, number=NUMBER)
    QuarterResult.objects.filter(quarter=quarter)._raw_delete("default")
    DepartmentReview.objects.filter(quarter=quarter).delete()
    QuarterLog.objects.filter(quarter=quarter).delete()
    Quarter.objects.filter(pk=quarter.pk).update(status="open", closed_at=None)
    quarter.refresh_from_db()
    return quarter


def peak_rss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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


FLOOR_SQL = """
INSERT INTO appraisal_quarterresult (
    quarter_id, employee_id, department_id, days, average, bonus, final, score_tier,
    award_tier, award_amount, rewards, fines, disqualified, disqualification_reasons,
    training, withdrawn, withdrawal_reason, approval, revocation_reason, computed_at)
SELECT %s, s.employee_id, e.department_id, COUNT(*),
    ROUND(AVG(s.discipline + s.courtesy + s.service + s.morality), 2), 0,
    ROUND(AVG(s.discipline + s.courtesy + s.service + s.morality), 2), 'none', 'none', 0, 0, 0,
    FALSE, '[]', FALSE, FALSE, '', 'pending', '', %s
FROM appraisal_dailysheet s JOIN employees_employee e ON e.id = s.employee_id
WHERE s.day BETWEEN %s AND %s AND NOT s.is_spot_check
GROUP BY s.employee_id, e.department_id
"""


def floor(size: int) -> dict:
    """The least any close does: one grouped INSERT … SELECT of a row per employee, committed."""
    from django.db import connection, transaction
    from django.utils import timezone

    quarter = reopen()
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL, [quarter.pk, timezone.now(), quarter.first_day, quarter.last_day])
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rss_mib": peak_rss_mib()}


if __name__ == "__main__":
    main()
