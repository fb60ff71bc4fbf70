"""The import of daily sheets from Excel (interfaces.md)."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models.options import Options
from django.utils import timezone
from django.utils.translation import gettext as _

from appraisal.imports.common import (
    LOOKUP_BATCH,
    _cell_problem,
    _check_quarter,
    _employee_and_day,
    _import_reason,
    _lock_open_quarters,
    _numbers,
    _people,
    _Person,
)
from appraisal.models import DailySheet, SheetRevision
from appraisal.rules import Category, score_problem
from appraisal.selectors.dates import EntryDays, entry_days
from appraisal.services.bulk import logged, sqlite_executemany
from appraisal.services.sheets import _score_errors, _sheet_values
from employees.models import User
from spreadsheets import (
    CellError,
    ImportReport,
    Problems,
    Row,
    Source,
    chunks,
    parse_decimal,
    parse_text,
    parse_yes_no,
    read_rows,
)

SHEET_HEADERS = ("工号", "日期", "遵章守纪", "文明礼貌", "优质服务", "思想道德", "备注", "抽查")
# 抽查 may be left out: most files are the departments' own sheets.
SHEET_REQUIRED = SHEET_HEADERS[:-1]
CATEGORY_HEADERS: dict[Category, str] = {
    Category.DISCIPLINE: "遵章守纪",
    Category.COURTESY: "文明礼貌",
    Category.SERVICE: "优质服务",
    Category.MORALITY: "思想道德",
}
SHEET_NOTE_MAX = DailySheet._meta.get_field("note").max_length


# --- Daily sheets ---------------------------------------------------------------------------


@dataclass(slots=True)
class _SheetRow:
    row: int
    employee_id: int
    day: datetime.date
    is_spot_check: bool
    scores: tuple[Decimal, ...]  # in the order of Category
    note: str


class _Cells:
    """What each distinct score cell of a file parses to, worked out once.

    A file of 100,000 rows holds a few dozen distinct scores: parsing and
    checking each once, and sharing its Decimal between the rows, takes most of
    the time and memory out of the check. Keys hold the cell's type as well as
    its value (20 and 20.0 are equal, "20" is not), and only values that parse
    are kept: a bad cell is parsed again on its row, for its message.
    """

    def __init__(self) -> None:
        self.scores: dict[tuple[Category, type, object], tuple[Decimal | None, bool]] = {}
        # Dates and their problem for `_employee_and_day`.
        self.dates: dict[tuple[type, object], tuple[datetime.date | None, str]] = {}

    def score(self, category: Category, value: object) -> tuple[Decimal | None, bool]:
        """The cell as a decimal (None when blank) and whether it is a usable score."""
        key = (category, value.__class__, value)
        known = self.scores.get(key)
        if known is None:
            number = parse_decimal(value)
            fine = number is not None and score_problem(category, number) is None
            known = self.scores[key] = (number, fine)
        return known


def _sheet_row(
    row: Row, problems: Problems, people: Mapping[str, _Person], days: EntryDays, cells: _Cells
) -> _SheetRow | None:
    before = problems.count
    _number, person, day = _employee_and_day(row, problems, people, days, dates=cells.dates)
    scores: dict[Category, Decimal] = {}
    unreadable: set[str] = set()
    fine = True
    for category, header in CATEGORY_HEADERS.items():
        try:
            value, usable = cells.score(category, row[header])
        except CellError as exc:
            problems.add(row.number, _cell_problem(header, exc))
            unreadable.add(category.value)
            fine = False
            continue
        if value is not None:
            scores[category] = value
        fine = fine and usable
    # The messages are built only for a row that needs them: most rows are fine.
    if not fine:
        for category, message in _score_errors(scores).items():
            if category not in unreadable:
                problems.add(row.number, message)
    note = ""
    is_spot_check = False
    try:
        note = parse_text(row["备注"])
    except CellError as exc:
        problems.add(row.number, _cell_problem("备注", exc))
    if len(note) > SHEET_NOTE_MAX:
        problems.add(
            row.number,
            _("%(column)s has more than %(max)d characters.")
            % {"column": "备注", "max": SHEET_NOTE_MAX},
        )
    try:
        is_spot_check = bool(parse_yes_no(row["抽查"]))
    except CellError as exc:
        problems.add(row.number, _cell_problem("抽查", exc))
    if problems.count > before or person is None or day is None:
        return None
    return _SheetRow(
        row.number, person.pk, day, is_spot_check, tuple(scores[c] for c in _CATEGORIES), note
    )


_SheetKey = tuple[int, datetime.date, bool]
# Iterating an Enum is slow in Python 3.11; the loops over 100,000 rows use this tuple.
_CATEGORIES = tuple(Category)
_SCORE_FIELDS = tuple(category.value for category in _CATEGORIES)


def _existing_sheets(
    items: list[_SheetRow],
) -> dict[_SheetKey, tuple[int, tuple[Decimal, ...], str]]:
    """The stored sheets the file's rows would overwrite: key → (pk, scores, note).

    One query per batch of employees over the file's date range rather than
    one per row; sheets of other days in that range are read and dropped.
    """
    keys = {(item.employee_id, item.day, item.is_spot_check) for item in items}
    if not keys:
        return {}
    first = min(item.day for item in items)
    last = max(item.day for item in items)
    employee_ids = sorted({item.employee_id for item in items})
    found: dict[_SheetKey, tuple[int, tuple[Decimal, ...], str]] = {}
    shared: dict[Decimal, Decimal] = {}  # one Decimal per distinct score, not four per sheet
    for batch in chunks(employee_ids, LOOKUP_BATCH):
        stored = DailySheet.objects.filter(
            employee_id__in=batch, day__range=(first, last)
        ).values_list("pk", "employee_id", "day", "is_spot_check", *_SCORE_FIELDS, "note")
        for pk, employee_id, day, is_spot_check, *values, note in stored:
            key = (employee_id, day, is_spot_check)
            if key in keys:
                found[key] = (pk, tuple(shared.setdefault(v, v) for v in values), note)
    return found


def _criteria_of(sheets: Mapping[int, _SheetKey]) -> dict[int, list[int]]:
    """The criteria items of the sheets `sheets` (pk → key), by sheet.

    As `_existing_sheets`: one query per batch of employees over the days'
    range, not one per batch of sheets.
    """
    criteria: dict[int, list[int]] = {}
    if not sheets:
        return criteria
    days = [day for _employee_id, day, _spot in sheets.values()]
    employee_ids = sorted({employee_id for employee_id, _day, _spot in sheets.values()})
    through = DailySheet.criteria.through
    for batch in chunks(employee_ids, LOOKUP_BATCH):
        pairs = through.objects.filter(
            dailysheet__employee_id__in=batch, dailysheet__day__range=(min(days), max(days))
        ).values_list("dailysheet_id", "criterion_id")
        for sheet_id, criterion_id in pairs:
            if sheet_id in sheets:
                criteria.setdefault(sheet_id, []).append(criterion_id)
    return criteria


# A row of the write: the file's row number, then the sheet's columns, then the
# revision's old and new values as JSON text (see `_sheets_write`).
_WriteRow = tuple[int, int, datetime.date, bool, Decimal, Decimal, Decimal, Decimal, str, str, str]
_OldSheet = tuple[tuple[Decimal, ...], str, Iterable[int]]


def _write_rows(items: list[_SheetRow], old: Mapping[_SheetKey, _OldSheet]) -> Iterator[_WriteRow]:
    """Plain tuples for `_sheets_write`, one per sheet to write, in the file's order.

    A new sheet's revision has no old values; a changed one's records what it
    had, and both list the criteria the sheet keeps (the file has none).
    """
    # Most rows share their values with many others: each JSON text is made once.
    texts: dict[tuple[object, ...], str] = {}

    def text(scores: tuple[Decimal, ...], note: str, criteria_ids: Iterable[int]) -> str:
        criteria_ids = tuple(criteria_ids)
        key = (*scores, note, criteria_ids)
        known = texts.get(key)
        if known is None:
            # As JSONField stores them: json.dumps with its defaults.
            values = _sheet_values(
                scores=dict(zip(_CATEGORIES, scores, strict=True)),
                note=note,
                criteria_ids=criteria_ids,
            )
            known = texts[key] = json.dumps(values)
        return known

    nothing = json.dumps({})
    for item in items:
        key = (item.employee_id, item.day, item.is_spot_check)
        stored = old.get(key)
        criteria_ids: Iterable[int] = ()
        old_values = nothing
        if stored is not None:
            scores, note, criteria_ids = stored
            old_values = text(scores, note, criteria_ids)
        yield (
            item.row,
            item.employee_id,
            item.day,
            item.is_spot_check,
            *item.scores,
            item.note,
            old_values,
            text(item.scores, item.note, criteria_ids),
        )


def _sheets_write(
    rows: Iterable[_WriteRow], *, count: int, entered_by_id: int | None, reason: str
) -> None:
    """Upsert a sheet and insert its revision for each of `rows`, set-based, in five statements.

    Model objects and SQL built per row cost more than the whole check of the
    file, so the rows go as plain tuples into a temporary table, by COPY on
    PostgreSQL and `executemany` of a one-row INSERT on SQLite (eleven
    parameters a statement, far below SQLite's variable limit, whatever the
    file's size). Two `INSERT … SELECT` statements then write the sheets
    (`ON CONFLICT` on the one-sheet-per-day-and-kind key updates the scores,
    note, writer and update time of a stored sheet, as `bulk_create` with
    `update_conflicts` did) and their revisions, joined back to the sheets by
    that key for their ids. Both run in the file's row order, so ids ascend with
    the rows. Every row still passes the database's row triggers (on
    PostgreSQL, the locked-quarter and archived-year guards) and constraints.
    Table and column names come from the models' `_meta`.
    """
    if not count:
        return  # every row equal to its stored sheet
    quote = connection.ops.quote_name
    sheet_meta, revision_meta = DailySheet._meta, SheetRevision._meta

    def column(meta: Options, name: str) -> str:
        return quote(meta.get_field(name).column)

    sheet_table, revision_table = quote(sheet_meta.db_table), quote(revision_meta.db_table)
    temp = quote("appraisal_import_sheet_rows")
    # The temporary table's columns, typed as the models' fields are on this database.
    temp_fields = [
        (quote("row"), "integer"),
        *(
            (column(sheet_meta, name), sheet_meta.get_field(name).db_type(connection))
            for name in ("employee", "day", "is_spot_check", *_SCORE_FIELDS, "note")
        ),
        *(
            (column(revision_meta, name), revision_meta.get_field(name).db_type(connection))
            for name in ("old_values", "new_values")
        ),
    ]
    temp_columns = ", ".join(name for name, _type in temp_fields)
    key = [column(sheet_meta, name) for name in ("employee", "day", "is_spot_check")]
    values = [column(sheet_meta, name) for name in (*_SCORE_FIELDS, "note")]
    stamped = [column(sheet_meta, name) for name in ("entered_by", "created_at", "updated_at")]
    updated = [*values, *stamped[:1], *stamped[2:]]  # created_at stays as it was
    now = timezone.now()
    stamp = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {temp} ("
            + ", ".join(f"{name} {type_}" for name, type_ in temp_fields)
            + ")"
        )
        if connection.vendor == "postgresql":
            copy_sql = f"COPY {temp} ({temp_columns}) FROM STDIN"
            with logged(cursor, copy_sql, count), cursor.cursor.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            # Dates, decimals and booleans go as Django's SQLite adapters store them.
            placeholders = ", ".join(["%s"] * len(temp_fields))
            sqlite_executemany(
                cursor,
                f"INSERT INTO {temp} ({temp_columns}) VALUES ({placeholders})",
                rows,
                count=count,
            )
        # WHERE true: SQLite needs it to read ON CONFLICT as the upsert's, not a join's.
        cursor.execute(
            f"INSERT INTO {sheet_table} ({', '.join([*key, *values, *stamped])}) "
            f"SELECT {', '.join([*key, *values])}, %s, %s, %s FROM {temp} WHERE true "
            f"ORDER BY {quote('row')} "
            f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET "
            + ", ".join(f"{name} = EXCLUDED.{name}" for name in updated),
            [entered_by_id, stamp, stamp],
        )
        revision_columns = [
            column(revision_meta, name)
            for name in (
                "sheet",
                "employee",
                "day",
                "is_spot_check",
                "changed_by",
                "changed_at",
                "old_values",
                "new_values",
                "reason",
            )
        ]
        cursor.execute(
            f"INSERT INTO {revision_table} ({', '.join(revision_columns)}) "
            f"SELECT s.{quote(sheet_meta.pk.column)}, "
            + ", ".join(f"t.{name}" for name in key)
            + ", %s, %s, "
            + ", ".join(f"t.{column(revision_meta, name)}" for name in ("old_values", "new_values"))
            + f", %s FROM {temp} t JOIN {sheet_table} s ON "
            + " AND ".join(f"s.{name} = t.{name}" for name in key)
            + f" ORDER BY t.{quote('row')}",
            [entered_by_id, stamp, reason],
        )
        # Dropped at once: a caller may import twice in one transaction.
        cursor.execute(f"DROP TABLE {temp}")


@transaction.atomic
def sheets_import(*, source: Source, name: str, imported_by: User | None) -> ImportReport:
    """Create or overwrite daily sheets by (工号, 日期, 抽查) from a workbook.

    Refuses the whole file when any row names an unknown employee or a
    supervisor, has a missing or locked-quarter date or one outside the
    company's start date to today, a score out of range or with more than one
    decimal, or repeats another row's key. A row
    equal to the stored sheet changes nothing; every other written row gets a
    revision, as a change on the grid does (criteria items are kept: the file
    has none). `imported_by` is None from the command line.
    """
    rows = read_rows(source, name=name, headers=SHEET_HEADERS, required=SHEET_REQUIRED)
    problems = Problems(name)
    days = entry_days()
    people = _people(_numbers(rows))
    items: list[_SheetRow] = []
    first_row: dict[_SheetKey, int] = {}
    cells = _Cells()
    for row in rows:
        item = _sheet_row(row, problems, people, days, cells)
        if item is None:
            continue
        key = (item.employee_id, item.day, item.is_spot_check)
        if key in first_row:
            problems.add(
                row.number,
                _("the same employee, day and %(column)s already appear in row %(first)d.")
                % {"column": "抽查", "first": first_row[key]},
            )
            continue
        first_row[key] = row.number
        items.append(item)
    # What the write needs is in `items`: the rows as read go (a third of the memory).
    row_count = len(rows)
    del rows, first_row

    quarters = _lock_open_quarters(item.day for item in items)
    items = [item for item in items if _check_quarter(item.row, item.day, quarters, problems)]
    problems.raise_if_any()

    existing = _existing_sheets(items)
    changed: list[tuple[_SheetRow, int, tuple[Decimal, ...], str]] = []
    to_write: list[_SheetRow] = []
    for item in items:
        stored = existing.get((item.employee_id, item.day, item.is_spot_check))
        if stored is None:
            to_write.append(item)
            continue
        pk, scores, note = stored
        # Decimal equality is numeric: 9.5 from the file equals the stored 9.5.
        if scores != item.scores or note != item.note:
            changed.append((item, pk, scores, note))
            to_write.append(item)

    criteria = _criteria_of(
        {pk: (item.employee_id, item.day, item.is_spot_check) for item, pk, _s, _n in changed}
    )
    old_by_key = {
        (item.employee_id, item.day, item.is_spot_check): (scores, note, criteria.get(pk, ()))
        for item, pk, scores, note in changed
    }
    _sheets_write(
        _write_rows(to_write, old_by_key),
        count=len(to_write),
        entered_by_id=imported_by.pk if imported_by is not None else None,
        reason=_import_reason(name)[: SheetRevision._meta.get_field("reason").max_length],
    )
    return ImportReport(
        name=name,
        rows=row_count,
        created=len(to_write) - len(changed),
        updated=len(changed),
        unchanged=len(items) - len(to_write),
    )
