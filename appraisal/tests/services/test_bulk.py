"""appraisal.services.bulk: rows go to SQLite one at a time, and are logged as one query."""

import gc
import weakref

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appraisal.services.bulk import sqlite_executemany

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL's rows go by COPY"),
]


class Row(list):
    """A row a weak reference can follow."""


def test_rows_pass_to_sqlite_one_at_a_time_and_count_as_one_query():
    alive: list[weakref.ref] = []
    most = 0

    def rows():
        nonlocal most
        for n in range(2000):
            row = Row([n, f"%s {n}"])
            alive.append(weakref.ref(row))
            yield row
            del row
            if n % 100 == 0:
                gc.collect()
                most = max(most, sum(ref() is not None for ref in alive))

    with CaptureQueriesContext(connection) as queries, connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE bulk_rows (n integer, note text)")
        sqlite_executemany(cursor, "INSERT INTO bulk_rows VALUES (%s, %s)", rows(), count=2000)
        cursor.execute("SELECT count(*), max(note) FROM bulk_rows")
        stored = cursor.fetchone()
        cursor.execute("DROP TABLE bulk_rows")

    # Django's own executemany keeps every row that passed (itertools.tee): 2,000 here.
    assert most <= 2
    assert stored == (2000, "%s 999")
    assert len(queries) == 4
