"""The import of daily sheets from Excel (interfaces.md)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from appraisal.imports.common import (
    BATCH,
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
    scores: dict[Category, Decimal]
    note: str


def _sheet_row(
    row: Row, problems: Problems, people: Mapping[str, _Person], days: EntryDays
) -> _SheetRow | None:
    before = problems.count
    _number, person, day = _employee_and_day(row, problems, people, days)
    scores: dict[Category, Decimal] = {}
    unreadable: set[str] = set()
    for category, header in CATEGORY_HEADERS.items():
        try:
            value = parse_decimal(row[header])
        except CellError as exc:
            problems.add(row.number, _cell_problem(header, exc))
            unreadable.add(category.value)
            continue
        if value is not None:
            scores[category] = value
    # The messages are built only for a row that needs them: most rows are fine.
    if len(scores) < len(CATEGORY_HEADERS) or any(
        score_problem(category, value) for category, value in scores.items()
    ):
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
    return _SheetRow(row.number, person.pk, day, is_spot_check, scores, note)


_SheetKey = tuple[int, datetime.date, bool]
_SCORE_FIELDS = tuple(category.value for category in Category)


def _existing_sheets(
    items: list[_SheetRow],
) -> dict[_SheetKey, tuple[int, dict[Category, Decimal], str]]:
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
    found: dict[_SheetKey, tuple[int, dict[Category, Decimal], str]] = {}
    for batch in chunks(employee_ids, LOOKUP_BATCH):
        stored = DailySheet.objects.filter(
            employee_id__in=batch, day__range=(first, last)
        ).values_list("pk", "employee_id", "day", "is_spot_check", *_SCORE_FIELDS, "note")
        for pk, employee_id, day, is_spot_check, *values, note in stored:
            key = (employee_id, day, is_spot_check)
            if key in keys:
                found[key] = (pk, dict(zip(Category, values, strict=True)), note)
    return found


def _criteria_of(sheet_ids: list[int]) -> dict[int, list[int]]:
    through = DailySheet.criteria.through
    criteria: dict[int, list[int]] = {}
    for batch in chunks(sorted(sheet_ids), LOOKUP_BATCH):
        pairs = through.objects.filter(dailysheet_id__in=batch).values_list(
            "dailysheet_id", "criterion_id"
        )
        for sheet_id, criterion_id in pairs:
            criteria.setdefault(sheet_id, []).append(criterion_id)
    return criteria


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
    for row in rows:
        item = _sheet_row(row, problems, people, days)
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

    quarters = _lock_open_quarters(item.day for item in items)
    items = [item for item in items if _check_quarter(item.row, item.day, quarters, problems)]
    problems.raise_if_any()

    existing = _existing_sheets(items)
    changed: list[tuple[_SheetRow, int, dict[Category, Decimal], str]] = []
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

    entered_by_id = imported_by.pk if imported_by is not None else None
    sheets = [
        DailySheet(
            employee_id=item.employee_id,
            day=item.day,
            is_spot_check=item.is_spot_check,
            note=item.note,
            entered_by_id=entered_by_id,
            **{category.value: item.scores[category] for category in Category},
        )
        for item in to_write
    ]
    DailySheet.objects.bulk_create(
        sheets,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["employee", "day", "is_spot_check"],
        update_fields=[*_SCORE_FIELDS, "note", "entered_by", "updated_at"],
    )
    _fill_missing_pks(sheets)

    criteria = _criteria_of([pk for _item, pk, _scores, _note in changed])
    old_by_key = {
        (item.employee_id, item.day, item.is_spot_check): _sheet_values(
            scores=scores, note=note, criteria_ids=criteria.get(pk, ())
        )
        for item, pk, scores, note in changed
    }
    criteria_by_key = {
        (item.employee_id, item.day, item.is_spot_check): criteria.get(pk, ())
        for item, pk, _scores, _note in changed
    }
    reason = _import_reason(name)[: SheetRevision._meta.get_field("reason").max_length]
    revisions = []
    for item, sheet in zip(to_write, sheets, strict=True):
        key = (item.employee_id, item.day, item.is_spot_check)
        revisions.append(
            SheetRevision(
                sheet_id=sheet.pk,
                employee_id=item.employee_id,
                day=item.day,
                is_spot_check=item.is_spot_check,
                changed_by_id=entered_by_id,
                old_values=old_by_key.get(key, {}),
                new_values=_sheet_values(
                    scores=item.scores, note=item.note, criteria_ids=criteria_by_key.get(key, ())
                ),
                reason=reason,
            )
        )
    SheetRevision.objects.bulk_create(revisions, batch_size=BATCH)
    return ImportReport(
        name=name,
        rows=len(rows),
        created=len(to_write) - len(changed),
        updated=len(changed),
        unchanged=len(items) - len(to_write),
    )


def _fill_missing_pks(sheets: list[DailySheet]) -> None:
    # PostgreSQL and SQLite 3.35+ return the ids of upserted rows; on an engine
    # that does not, read them back so the revisions can point at their sheets.
    missing = [sheet for sheet in sheets if sheet.pk is None]
    if not missing:
        return
    by_key = {(sheet.employee_id, sheet.day, sheet.is_spot_check): sheet for sheet in missing}
    first = min(sheet.day for sheet in missing)
    last = max(sheet.day for sheet in missing)
    for batch in chunks(sorted({sheet.employee_id for sheet in missing}), LOOKUP_BATCH):
        stored = DailySheet.objects.filter(
            employee_id__in=batch, day__range=(first, last)
        ).values_list("pk", "employee_id", "day", "is_spot_check")
        for pk, employee_id, day, is_spot_check in stored:
            sheet = by_key.get((employee_id, day, is_spot_check))
            if sheet is not None:
                sheet.pk = pk
