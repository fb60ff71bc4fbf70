"""The import of daily sheets from Excel (interfaces.md)."""

from __future__ import annotations

import datetime
import itertools
import json
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
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
    _people,
    _Person,
)
from appraisal.models import DailySheet, SheetRevision
from appraisal.rules import Category, QuarterId, score_problem
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
    Table,
    chunks,
    parse_date,
    parse_decimal,
    parse_text,
    parse_yes_no,
    read_table,
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


class _Scores(dict[str, tuple[Decimal, ...]]):
    """The four scores' text, joined by commas → their Decimals, made once per distinct text."""

    def __missing__(self, text: str) -> tuple[Decimal, ...]:
        value = self[text] = tuple(map(Decimal, text.split(",")))
        return value


class _Days(dict[object, datetime.date]):
    """A stored day as the driver gives it → the date, made once per distinct day.

    PostgreSQL's driver gives dates; on SQLite the day is read as its text
    (`CAST … AS TEXT`), past Django's converter, which parses every row's.
    """

    def __missing__(self, value: object) -> datetime.date:
        day = self[value] = datetime.date.fromisoformat(value) if isinstance(value, str) else value
        return day


def _existing_sheets(
    keys: Sequence[_SheetKey],
) -> dict[_SheetKey, tuple[int, tuple[Decimal, ...], str]]:
    """The stored sheets the file's rows (`keys`) would overwrite: key → (pk, scores, note).

    One query per batch of employees over the file's date range rather than
    one per row; sheets of other days in that range are read and dropped. The
    rows come from the cursor as they are, the four scores as one text:
    Django's converters would make four Decimals and a date a sheet, and a
    file holds a few dozen distinct scores and days, so each distinct text is
    parsed once (`_Scores`, `_Days`), which halves the time of reading 100,000
    sheets. (The text of a stored 20 is "20" on SQLite, "20.0" on PostgreSQL:
    equal Decimals, and the same text once quantized.)
    """
    if not keys:
        return {}
    wanted = set(keys)
    first = min(day for _employee_id, day, _spot in wanted)
    last = max(day for _employee_id, day, _spot in wanted)
    employee_ids = sorted({employee_id for employee_id, _day, _spot in wanted})
    quote = connection.ops.quote_name
    meta = DailySheet._meta
    pk, employee, day, spot, note = (
        quote(meta.get_field(name).column)
        for name in (meta.pk.name, "employee", "day", "is_spot_check", "note")
    )
    scores = " || ',' || ".join(
        f"CAST({quote(meta.get_field(n).column)} AS TEXT)" for n in _SCORE_FIELDS
    )
    day_read = day if connection.vendor == "postgresql" else f"CAST({day} AS TEXT)"
    found: dict[_SheetKey, tuple[int, tuple[Decimal, ...], str]] = {}
    scores_of, days_of = _Scores(), _Days()
    with connection.cursor() as cursor:
        for batch in chunks(employee_ids, LOOKUP_BATCH):
            cursor.execute(
                f"SELECT {pk}, {employee}, {day_read}, {spot}, {scores}, {note} "
                f"FROM {quote(meta.db_table)} WHERE {employee} IN "
                f"({', '.join(['%s'] * len(batch))}) AND {day} BETWEEN %s AND %s",
                [*batch, first, last],
            )
            # fetchall: the driver's, in C; iterating Django's cursor costs a frame a row.
            for sheet_id, employee_id, stored_day, is_spot, text, note_text in cursor.fetchall():
                key = (employee_id, days_of[stored_day], bool(is_spot))
                if key in wanted:
                    found[key] = (sheet_id, scores_of[text], note_text)
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
    # The file's row number is its key: on SQLite the rowid, so that the two
    # statements read the rows in the file's order without sorting them.
    temp_fields = [
        (quote("row"), "integer PRIMARY KEY"),
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


# A cell its row's checks refuse: the row is checked again by `_sheet_row`, for its messages.
_BAD = object()
# Values of these types can be equal across types (1 == 1.0 == True): a column
# holding two of them is keyed by (type, value), as `_Cells` keys its cache.
_NUMBERS = frozenset({bool, int, float, Decimal})


def _by_value(column: Sequence[object], check: Callable[[object], object]) -> list[object]:
    """`check` of each cell of `column`, asked once per distinct value (its first cell).

    A big file holds a few dozen distinct values a column; `map` over a dict
    of them does the rest at C speed.
    """
    if len(_NUMBERS.intersection(map(type, column))) > 1:
        keys: Iterable[object] = list(zip(map(type, column), column, strict=True))
        known = {key: check(key[1]) for key in dict.fromkeys(keys)}  # type: ignore[index]
    else:
        keys = column
        known = {value: check(value) for value in dict.fromkeys(column)}
    return list(map(known.__getitem__, keys))


def _bad_rows(results: Sequence[object]) -> list[int]:
    # By identity, at C speed: `_BAD in results` would compare every Decimal with it, slowly.
    if not any(map(operator.is_, results, itertools.repeat(_BAD))):
        return []
    return [i for i, result in enumerate(results) if result is _BAD]


def _checked(parse: Callable[[object], object], usable: Callable[[object], bool]) -> Callable:
    """`parse` of a cell, or _BAD when it raises CellError or its value is not `usable`."""

    def check(value: object) -> object:
        try:
            parsed = parse(value)
        except CellError:
            return _BAD
        return parsed if usable(parsed) else _BAD

    return check


@dataclass(slots=True)
class _Rows:
    """The rows that passed every check, column by column, in the file's order."""

    numbers: list[int]
    employee_ids: list[int]
    days: list[datetime.date]
    spots: list[bool]
    scores: list[list[Decimal]]  # one list per category, in the order of Category
    notes: list[str]

    def keep(self, indexes: Sequence[int]) -> None:
        for name in ("numbers", "employee_ids", "days", "spots", "notes"):
            values = getattr(self, name)
            setattr(self, name, [values[i] for i in indexes])
        self.scores = [[values[i] for i in indexes] for values in self.scores]

    def keys(self) -> list[_SheetKey]:
        return list(zip(self.employee_ids, self.days, self.spots, strict=True))


def _check_rows(
    table: Table,
    numbers: Sequence[object],
    problems: Problems,
    people: Mapping[str, _Person],
    days: EntryDays,
) -> _Rows:
    """The rows of `table` that pass the checks of `_sheet_row`; the others' problems noted.

    Each column's distinct values are checked once; a row with a refused cell
    goes through `_sheet_row`, which names every problem of the row as before.
    `numbers` are the rows' 工号 as text (_BAD where unreadable).
    """
    columns = table.columns
    known = {number: people.get(number) for number in dict.fromkeys(numbers) if number is not _BAD}
    # An empty 工号, an unknown one and a supervisor's are refused, as `_employee_and_day` does.
    pks = {
        number: _BAD if not number or found is None or found.is_supervisor else found.pk
        for number, found in known.items()
    }
    pks[_BAD] = _BAD

    results: list[list[object]] = [
        list(map(pks.__getitem__, numbers)),
        _by_value(
            columns["日期"],
            _checked(parse_date, lambda day: day is not None and not days.problem(day)),
        ),
        *(
            _by_value(
                columns[CATEGORY_HEADERS[category]],
                _checked(
                    parse_decimal,
                    lambda number, category=category: (
                        number is not None and score_problem(category, number) is None
                    ),
                ),
            )
            for category in _CATEGORIES
        ),
        _by_value(columns["备注"], _checked(parse_text, lambda note: len(note) <= SHEET_NOTE_MAX)),
        _by_value(
            columns["抽查"],
            _checked(lambda value: bool(parse_yes_no(value)), lambda _spot: True),
        ),
    ]
    employee_ids, day_list, *scores, notes, spots = results
    rows = _Rows(
        list(table.numbers),
        employee_ids,  # type: ignore[arg-type]
        day_list,  # type: ignore[arg-type]
        spots,  # type: ignore[arg-type]
        scores,  # type: ignore[arg-type]
        notes,  # type: ignore[arg-type]
    )
    bad = sorted({i for column in results for i in _bad_rows(column)})
    if bad:
        cells = _Cells()
        dropped = set()
        for i in bad:
            item = _sheet_row(table.row(i), problems, people, days, cells)
            if item is None:
                dropped.add(i)
                continue
            rows.employee_ids[i], rows.days[i], rows.spots[i] = (
                item.employee_id,
                item.day,
                item.is_spot_check,
            )
            for values, score in zip(rows.scores, item.scores, strict=True):
                values[i] = score
            rows.notes[i] = item.note
        rows.keep([i for i in range(len(table)) if i not in dropped])
    return rows


def _drop_repeated_keys(rows: _Rows, problems: Problems) -> None:
    """Refuse a row whose (employee, day, 抽查) an earlier row has; most files have none."""
    keys = rows.keys()
    if len(set(keys)) == len(keys):
        return
    first_row: dict[_SheetKey, int] = {}
    kept = []
    for i, (key, number) in enumerate(zip(keys, rows.numbers, strict=True)):
        if key in first_row:
            problems.add(
                number,
                _("the same employee, day and %(column)s already appear in row %(first)d.")
                % {"column": "抽查", "first": first_row[key]},
            )
            continue
        first_row[key] = number
        kept.append(i)
    rows.keep(kept)


def _drop_locked_days(rows: _Rows, problems: Problems) -> None:
    """Lock the rows' quarters and refuse the rows of a locked one (`_check_quarter`)."""
    distinct = set(rows.days)
    quarters = _lock_open_quarters(distinct)
    locked = {day for day in distinct if quarters[QuarterId.of(day)].is_locked}
    if not locked:
        return
    kept = [
        i
        for i, (number, day) in enumerate(zip(rows.numbers, rows.days, strict=True))
        if day not in locked or _check_quarter(number, day, quarters, problems)
    ]
    rows.keep(kept)


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
    table = read_table(source, name=name, headers=SHEET_HEADERS, required=SHEET_REQUIRED)
    problems = Problems(name)
    days = entry_days()
    numbers = _by_value(table.columns["工号"], _checked(parse_text, lambda _number: True))
    people = _people(number for number in dict.fromkeys(numbers) if number is not _BAD)
    rows = _check_rows(table, numbers, problems, people, days)
    del numbers
    row_count = len(table)
    # What the write needs is in `rows`: the cells as read go.
    del table
    _drop_repeated_keys(rows, problems)
    _drop_locked_days(rows, problems)
    problems.raise_if_any()

    keys = rows.keys()
    existing = _existing_sheets(keys)
    changed: list[tuple[int, int, tuple[Decimal, ...], str]] = []  # (index, pk, scores, note)
    to_write: list[int] = []
    file_scores = list(zip(*rows.scores, strict=True))
    for i, key in enumerate(keys):
        stored = existing.get(key)
        if stored is None:
            to_write.append(i)
            continue
        pk, scores, note = stored
        # Decimal equality is numeric: 9.5 from the file equals the stored 9.5.
        if scores != file_scores[i] or note != rows.notes[i]:
            changed.append((i, pk, scores, note))
            to_write.append(i)
    del existing

    criteria = _criteria_of({pk: keys[i] for i, pk, _s, _n in changed})
    old_by_key = {keys[i]: (scores, note, criteria.get(pk, ())) for i, pk, scores, note in changed}
    items = [
        _SheetRow(
            rows.numbers[i],
            rows.employee_ids[i],
            rows.days[i],
            rows.spots[i],
            file_scores[i],
            rows.notes[i],
        )
        for i in to_write
    ]
    _sheets_write(
        _write_rows(items, old_by_key),
        count=len(to_write),
        entered_by_id=imported_by.pk if imported_by is not None else None,
        reason=_import_reason(name)[: SheetRevision._meta.get_field("reason").max_length],
    )
    return ImportReport(
        name=name,
        rows=row_count,
        created=len(to_write) - len(changed),
        updated=len(changed),
        unchanged=len(keys) - len(to_write),
    )
