"""Building a big company fast, for the bench scripts that need one (close_quarter, archive_year).

The scripts keep a parent process without Django that runs each step in a
fresh child process (`child`), so every peak RSS is that step's own. Sheets go
in with COPY (PostgreSQL) or executemany (SQLite) into a dedicated database:
a file in a temp folder for SQLite; for PostgreSQL the database the script is
given is DROPPED and created again. The schema is migrated once into a
template and copied per size (`recreate`).

`_`-prefixed, so `bench/run_all.py` does not run it as a bench of its own.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LABELS = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


# --- The parent: no Django ------------------------------------------------------------


def child(script: str, step: str, url: str, size: int = 0) -> dict:
    """Run `script --child step --size size` on the database `url`; its last stdout line, parsed."""
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "true", "LOG_LEVEL": "WARNING"}
    out = subprocess.run(
        [sys.executable, script, "--child", step, "--size", str(size)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def database_urls(kind: str, postgres_url: str, size: int, *, sqlite_dir: Path) -> tuple[str, str]:
    """(template, working) database URLs of `kind` for `size` employees."""
    if kind == "sqlite":
        sqlite_dir.mkdir(exist_ok=True)
        return (
            f"sqlite:///{sqlite_dir / 'template.sqlite3'}",
            f"sqlite:///{sqlite_dir}/{size}.sqlite3",
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


def database_arguments(parser: argparse.ArgumentParser, *, databases: list[str]) -> None:
    """The arguments every company bench takes: where to build, and the child's own."""
    parser.add_argument("--databases", nargs="+", choices=["sqlite", "postgres"], default=databases)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/smile_bench"
        ),
        help="a database of the bench's own: it is dropped and created again",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)


def fmt_size(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 else str(n)


# --- The children: Django set up on the bench database --------------------------------


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


@contextmanager
def restoring() -> Iterator[None]:
    """One transaction in which PostgreSQL fires no trigger, as during a restore.

    The benches load a paid year and reopen a closed quarter, which the
    lifecycle, lock and append-only-log triggers rightly refuse to anyone else.
    """
    from django.db import connection, transaction

    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
        yield


def migrate(size: int) -> dict:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return {}


def peak_rss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def working_days(
    first: datetime.date, *, count: int | None = None, last: datetime.date | None = None
):
    """Monday to Friday from `first`: `count` of them, or up to `last` inclusive."""
    days = []
    day = first
    while (count is None or len(days) < count) and (last is None or day <= last):
        if day.weekday() < 5:
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


def staff_create(size: int) -> None:
    """`size` employees, one department per hundred (at least ten), one supervisor in 97."""
    from django.db import connection

    from employees.models import Department, Employee

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
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("employees_department", "employees_employee"):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )


def sheet_rows(size: int, days: list[datetime.date]):
    """(employee, day, spot check, four scores) for everyone; a spot check for one in 100."""
    rng = random.Random(size)
    for employee in range(1, size + 1):
        # A deficit per employee spreads them over every tier; a day loses 0–2 more points.
        base = rng.choice((0, 2, 4, 6, 8, 10, 14, 20, 30))
        for day in days:
            lost = base + rng.choice((0, 0, 0, 0.5, 1, 2))
            yield (employee, day, False, 20, 10, 50 - lost, 20)
        if employee % 100 == 7:
            for day in days[10:12]:
                yield (employee, day, True, 20, 10, 45, 20)


def sheets_load(size: int, days: list[datetime.date]) -> int:
    """A sheet a day for each of `size` employees (see `sheet_rows`); returns how many."""
    from django.db import connection, transaction
    from django.utils import timezone

    now = timezone.now()
    columns = "employee_id, day, is_spot_check, discipline, courtesy, service, morality, note, created_at, updated_at"
    sheets = 0
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            stamp = now.isoformat()
            with cursor.cursor.copy(f"COPY appraisal_dailysheet ({columns}) FROM STDIN") as copy:
                lines = []
                for e, d, spot, a, b, c, m in sheet_rows(size, days):
                    lines.append(
                        f"{e}\t{d}\t{'t' if spot else 'f'}\t{a}\t{b}\t{c}\t{m}\t\t{stamp}\t{stamp}\n"
                    )
                    if len(lines) >= 50_000:
                        sheets += len(lines)
                        copy.write("".join(lines))
                        lines = []
                sheets += len(lines)
                copy.write("".join(lines))
        else:
            stamp = connection.ops.adapt_datetimefield_value(now)
            sql = f"INSERT INTO appraisal_dailysheet ({columns}) VALUES (?, ?, ?, ?, ?, ?, ?, '', ?, ?)"
            batch = []
            for e, d, spot, a, b, c, m in sheet_rows(size, days):
                batch.append((e, d.isoformat(), spot, a, b, c, m, stamp, stamp))
                if len(batch) >= 100_000:
                    sheets += len(batch)
                    cursor.cursor.executemany(sql, batch)
                    batch = []
            sheets += len(batch)
            cursor.cursor.executemany(sql, batch)
    return sheets


def events_create(
    size: int, days: list[datetime.date], *, badge_lost_on: datetime.date, seed: int
) -> int:
    """An event of a random kind for one employee in 7 on one of `days`, and for one in 35
    an award badge lost on `badge_lost_on` (the quarter before); returns how many."""
    from decimal import Decimal

    from django.utils import timezone

    from appraisal.models import Event, EventKind, EventValidity

    now = timezone.now()
    rng = random.Random(seed)
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
                date=days[rng.randrange(len(days))],
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
                    date=badge_lost_on,
                    kind=EventKind.AWARD_BADGE_LOST,
                    validity=EventValidity.VALID,
                    ruled_at=now,
                )
            )
    Event.objects.bulk_create(events, batch_size=2000)
    return len(events)


RESULTS_SQL = """
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


def results_insert(quarter) -> None:
    """A plain result row per employee from the quarter's sheets, in one statement, committed:
    the least any close does, and a cheap way to give a built year its results."""
    from django.db import connection, transaction
    from django.utils import timezone

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            RESULTS_SQL, [quarter.pk, timezone.now(), quarter.first_day, quarter.last_day]
        )


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
