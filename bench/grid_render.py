"""How long the day grid takes to render, and how many queries it runs, by department size.

    DEBUG=true .venv/bin/python bench/grid_render.py
    DEBUG=true .venv/bin/python bench/grid_render.py --sizes 20 200 --runs 3
    DEBUG=true .venv/bin/python bench/grid_render.py --database-url postgres://postgres@127.0.0.1:5432/smile_bench

For each size N it creates a department with N appraised employees and today's
sheets for half of them (with criteria items), logs in as the department's
head, and renders /appraisal/sheets/ with the test client. It prints N, the
median render time over the runs, the query count and the page size. The
database is a throw-away one: an in-memory SQLite database by default, or a
`test_…` database created next to the one `--database-url` names (the named
database itself is never written) and dropped afterwards.

Not a test: the query count is asserted in appraisal/tests/test_views_grid.py.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[20, 200, 2000], help="department sizes"
    )
    parser.add_argument("--runs", type=int, default=5, help="renders per size (median is shown)")
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
    from django.conf import settings

    django.setup()
    # Render without collectstatic, as the tests do.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Logins are created by the thousand here; hashing their passwords properly is not the point.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def populate(size: int, index: int):
    """A department of `size` appraised employees, half with today's sheet; returns its head."""
    from decimal import Decimal

    from django.contrib.auth.models import Group
    from django.utils import timezone

    from appraisal.models import Criterion, DailySheet
    from employees.models import Department, DepartmentKind, Employee, Role, User

    today = timezone.localdate()
    department = Department.objects.create(
        name=f"bench-{index}-{size}", kind=DepartmentKind.FRONTLINE, display_order=index
    )
    employees = Employee.objects.bulk_create(
        Employee(number=f"B{index:02d}{n:05d}", name=f"员工{n}", department=department)
        for n in range(size)
    )
    employees = list(Employee.objects.filter(department=department).order_by("number"))
    sheets = DailySheet.objects.bulk_create(
        DailySheet(
            employee=employee,
            day=today,
            discipline=Decimal("20"),
            courtesy=Decimal("9.5"),
            service=Decimal("47.5"),
            morality=Decimal("20"),
            note="bench",
        )
        for employee in employees[::2]
    )
    sheets = list(DailySheet.objects.filter(employee__department=department, day=today))
    items = list(Criterion.objects.filter(department_kind=DepartmentKind.FRONTLINE)[:2])
    through = DailySheet.criteria.through
    through.objects.bulk_create(
        through(dailysheet_id=sheet.pk, criterion_id=item.pk) for sheet in sheets for item in items
    )
    head = User.objects.create_user(
        username=f"head-{index}-{size}", password="x", department=department
    )
    head.groups.add(Group.objects.get_or_create(name=Role.DEPARTMENT_HEAD.value)[0])
    analyze()
    return head, department


def analyze() -> None:
    """Give PostgreSQL's planner the statistics of the rows just loaded.

    A live database has them (autovacuum analyzes a table once a tenth of it has
    changed, within a minute). Without them, the 1,000 sheets of a day just
    bulk-loaded are estimated at one row and the grid's sheet query is planned
    as nested loops: 250 ms instead of 3 ms.
    """
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def measure(head, department, runs: int) -> tuple[float, int, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    client = Client()
    client.force_login(head)
    url = f"{reverse('appraisal:grid')}?department={department.pk}"
    client.get(url)  # warm the template cache
    timings = []
    queries = 0
    size = 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
        queries = len(captured)
        size = len(response.content)
    return statistics.median(timings), queries, size


def main() -> None:
    args = parse_args()
    setup_django(args.database_url)
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        print(f"database: {connection.vendor}; median of {args.runs} renders")
        print(f"{'employees':>10} {'render ms':>10} {'queries':>8} {'page KiB':>9}")
        for index, size in enumerate(args.sizes):
            head, department = populate(size, index)
            median_ms, queries, page = measure(head, department, args.runs)
            print(f"{size:>10} {median_ms:>10.1f} {queries:>8} {page / 1024:>9.0f}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
