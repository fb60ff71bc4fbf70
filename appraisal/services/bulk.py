"""Many rows in one statement, streamed: what the close and the sheet import write with.

Both write tens of thousands of plain tuples at a time, by COPY on PostgreSQL
and `executemany` on SQLite. Neither may hold the rows in memory: Django's
SQLite cursor peeks at the first row of an `executemany` with `itertools.tee`
and keeps the peeking copy alive until the statement ends, so tee keeps every
row that passed (about 1.2 KB a result: 120 MiB at 100,000 employees). Rows
therefore go straight to the driver's `executemany`, logged as Django would log them
so that query counts stay honest.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db.backends.utils import CursorWrapper

# Django's own conversion of `%s` placeholders to SQLite's `?` (sqlite3/base.py).
_FORMAT = re.compile(r"(?<!%)%s")


class Sized:
    """An iterable that knows its length without holding its items (Django's query log asks)."""

    def __init__(self, items: Iterable[object], length: int) -> None:
        self.items, self.length = items, length

    def __iter__(self) -> Iterator[object]:
        return iter(self.items)

    def __len__(self) -> int:
        return self.length


@contextmanager
def logged(cursor: CursorWrapper, sql: str, count: int) -> Iterator[None]:
    """Log a statement that goes past Django's cursor as one query of `count` rows."""
    debug = getattr(cursor, "debug_sql", None)
    if debug is None:
        yield
        return
    with debug(sql, Sized((), count), many=True):
        yield


def sqlite_executemany(
    cursor: CursorWrapper, sql: str, rows: Iterable[Iterable[object]], *, count: int
) -> None:
    """`cursor.executemany(sql, rows)` on SQLite, one row in memory at a time.

    `sql` uses Django's `%s` placeholders; the values must already be adapted
    as the fields would adapt them (the driver gets them as they are).
    """
    # Django's cursor is a subclass of sqlite3's; its executemany is the one that tees.
    with logged(cursor, sql, count), cursor.db.wrap_database_errors:
        sqlite3.Cursor.executemany(cursor.cursor, _FORMAT.sub("?", sql).replace("%%", "%"), rows)
