"""Imports of the appraisal app: daily sheets and events from Excel (interfaces.md).

Both are one transaction and all or nothing: every row is checked first, every
bad row is reported (ImportRejected), and only a clean file is written. The
writes are bulk statements, because the office imports a quarter of sheets for
the whole company (tens of thousands of rows) at once; the page and the
commands call the same functions.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appraisal.models import (
    DailySheet,
    Event,
    EventKind,
    EventSource,
    EventValidity,
    Quarter,
    RuleSettings,
    SheetRevision,
)
from appraisal.rules import (
    HUNDREDTH,
    Category,
    QuarterId,
    check_one_decimal,
    event_amount,
    score_problem,
)
from appraisal.selectors.dates import EntryDays, entry_days
from appraisal.services import quarter_ensure, quarter_locked_reason
from appraisal.services.sheets import _score_errors, _sheet_values
from employees.models import Employee, User
from spreadsheets import (
    CellError,
    ImportReport,
    Problems,
    Row,
    Source,
    chunks,
    parse_date,
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

EVENT_HEADERS = ("工号", "日期", "类型", "分值", "金额", "有效", "说明")
EVENT_KIND_NAMES: dict[str, EventKind] = {
    "表扬信": EventKind.PRAISE_LETTER,
    "锦旗": EventKind.PENNANT,
    "公司级表扬": EventKind.COMPANY_COMMENDATION,
    "微信表扬": EventKind.WECHAT_PRAISE,
    "集团级投诉": EventKind.GROUP_COMPLAINT,
    "公司级投诉": EventKind.COMPANY_COMPLAINT,
    "内部投诉": EventKind.INTERNAL_COMPLAINT,
    "微信投诉": EventKind.WECHAT_COMPLAINT,
    "月度扣分": EventKind.MONTHLY_DEDUCTION,
    "未佩戴工作牌": EventKind.BADGE_NOT_WORN,
    "工作牌丢失": EventKind.WORK_BADGE_LOST,
    "奖励徽章丢失": EventKind.AWARD_BADGE_LOST,
}
# The stored values are accepted too, for files written by other programs.
EVENT_KIND_BY_TEXT = {**EVENT_KIND_NAMES, **{kind.value: kind for kind in EventKind}}
PENDING_NAMES = frozenset({"待定", "pending"})

# Rows per INSERT: large enough to amortise the round trip, small enough for
# SQLite's and PostgreSQL's parameter limits (Django splits further if needed).
BATCH = 2000
# Employee numbers per IN (...) lookup.
LOOKUP_BATCH = 500

SHEET_NOTE_MAX = DailySheet._meta.get_field("note").max_length
EVENT_NOTE_MAX = Event._meta.get_field("note").max_length
POINTS_MAX = Decimal("9999.9")  # Event.points: 5 digits, 1 decimal
AMOUNT_MAX = Decimal("99999999.99")  # Event.amount: 10 digits, 2 decimals


def _cell_problem(header: str, problem: object) -> str:
    return _("%(column)s: %(problem)s") % {"column": header, "problem": problem}


def _import_reason(name: str) -> str:
    return _("Imported from %(file)s") % {"file": name}


# --- Checks both imports make ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Person:
    pk: int
    is_supervisor: bool


def _people(numbers: Iterable[str]) -> dict[str, _Person]:
    wanted = sorted(set(numbers))
    return {
        number: _Person(pk, is_supervisor)
        for batch in chunks(wanted, LOOKUP_BATCH)
        for number, pk, is_supervisor in Employee.objects.filter(number__in=batch).values_list(
            "number", "pk", "is_supervisor"
        )
    }


def _employee_and_day(
    row: Row,
    problems: Problems,
    people: Mapping[str, _Person],
    days: EntryDays,
) -> tuple[str | None, _Person | None, datetime.date | None]:
    """The row's 工号, employee and date, each None (with the problem noted) when unusable."""
    person = day = None
    try:
        number = parse_text(row["工号"])
    except CellError as exc:
        problems.add(row.number, _cell_problem("工号", exc))
        number = None
    if number == "":
        problems.add(row.number, _("%(column)s is empty.") % {"column": "工号"})
        number = None
    elif number is not None:
        person = people.get(number)
        if person is None:
            problems.add(
                row.number,
                _("employee number %(number)s does not exist.") % {"number": number},
            )
        elif person.is_supervisor:
            problems.add(
                row.number,
                _("employee %(number)s is a supervisor or above and is not appraised.")
                % {"number": number},
            )
            person = None
    try:
        day = parse_date(row["日期"])
        if day is None:
            problems.add(row.number, _("%(column)s is empty.") % {"column": "日期"})
        elif problem := days.problem(day):
            # A refused day never reaches quarter_ensure: no quarter from a typo.
            problems.add(row.number, problem)
            day = None
    except CellError as exc:
        problems.add(row.number, _cell_problem("日期", exc))
    return number, person, day


def _lock_open_quarters(days: Iterable[datetime.date]) -> dict[QuarterId, Quarter]:
    """The quarters of `days`, created when new and row-locked in a fixed order.

    The locks are held until the import commits, so a quarter cannot be closed
    between the check of its status and the write of its sheets; the fixed
    order keeps two imports from deadlocking on each other.
    """
    qids = sorted({QuarterId.of(day) for day in days})
    pks = [quarter_ensure(qid=qid).pk for qid in qids]
    locked = Quarter.objects.select_for_update().filter(pk__in=pks).order_by("year", "number")
    return {quarter.qid: quarter for quarter in locked}


def _check_quarter(
    row: int, day: datetime.date, quarters: Mapping[QuarterId, Quarter], problems: Problems
) -> bool:
    quarter = quarters[QuarterId.of(day)]
    if quarter.is_locked:
        problems.add(row, quarter_locked_reason(day=day, quarter=quarter))
        return False
    return True


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


def _numbers(rows: Iterable[Row]) -> list[str]:
    numbers = []
    for row in rows:
        try:
            numbers.append(parse_text(row["工号"]))
        except CellError:
            continue  # reported with the row
    return numbers


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


# --- Events ------------------------------------------------------------------------------------


@dataclass(slots=True)
class _EventRow:
    row: int
    employee_id: int
    day: datetime.date
    kind: EventKind
    points: Decimal | None
    amount: Decimal | None
    validity: EventValidity
    note: str


def _event_points(row: Row, kind: EventKind | None, problems: Problems) -> Decimal | None:
    try:
        points = parse_decimal(row["分值"])
    except CellError as exc:
        problems.add(row.number, _cell_problem("分值", exc))
        return None
    if points is None:
        if kind == EventKind.MONTHLY_DEDUCTION:
            problems.add(
                row.number,
                _("%(column)s is required for %(kind)s.") % {"column": "分值", "kind": "月度扣分"},
            )
        return None
    if points < 0 or points > POINTS_MAX:
        problems.add(
            row.number,
            _("%(column)s must be between 0 and %(max)s.") % {"column": "分值", "max": POINTS_MAX},
        )
    elif not check_one_decimal(points):
        problems.add(
            row.number, _("%(column)s takes at most one decimal place.") % {"column": "分值"}
        )
    return points


def _event_amount(row: Row, problems: Problems) -> Decimal | None:
    try:
        amount = parse_decimal(row["金额"])
    except CellError as exc:
        problems.add(row.number, _cell_problem("金额", exc))
        return None
    if amount is None:
        return None
    if abs(amount) > AMOUNT_MAX:
        problems.add(
            row.number,
            _("%(column)s must be between -%(max)s and %(max)s.")
            % {"column": "金额", "max": AMOUNT_MAX},
        )
    elif amount != amount.quantize(HUNDREDTH):
        problems.add(
            row.number, _("%(column)s takes at most two decimal places.") % {"column": "金额"}
        )
    return amount


def _event_validity(row: Row, problems: Problems) -> EventValidity:
    value = row["有效"]
    try:
        if parse_text(value).lower() in PENDING_NAMES:
            return EventValidity.PENDING
        answer = parse_yes_no(value)
    except CellError:
        problems.add(
            row.number,
            _("%(column)s %(value)s is not one of %(allowed)s.")
            % {"column": "有效", "value": parse_text(value), "allowed": "是、否、待定"},
        )
        return EventValidity.PENDING
    if answer is None:
        return EventValidity.PENDING
    return EventValidity.VALID if answer else EventValidity.INVALID


def _event_row(
    row: Row, problems: Problems, people: Mapping[str, _Person], days: EntryDays
) -> _EventRow | None:
    before = problems.count
    _number, person, day = _employee_and_day(row, problems, people, days)
    kind: EventKind | None = None
    try:
        kind_text = parse_text(row["类型"])
    except CellError as exc:
        problems.add(row.number, _cell_problem("类型", exc))
        kind_text = None
    if kind_text == "":
        problems.add(row.number, _("%(column)s is empty.") % {"column": "类型"})
    elif kind_text is not None:
        kind = EVENT_KIND_BY_TEXT.get(kind_text) or EVENT_KIND_BY_TEXT.get(kind_text.lower())
        if kind is None:
            problems.add(
                row.number,
                _("%(column)s %(value)s is not one of %(allowed)s.")
                % {"column": "类型", "value": kind_text, "allowed": "、".join(EVENT_KIND_NAMES)},
            )
    points = _event_points(row, kind, problems)
    amount = _event_amount(row, problems)
    validity = _event_validity(row, problems)
    note = ""
    try:
        note = parse_text(row["说明"])
    except CellError as exc:
        problems.add(row.number, _cell_problem("说明", exc))
    if len(note) > EVENT_NOTE_MAX:
        problems.add(
            row.number,
            _("%(column)s has more than %(max)d characters.")
            % {"column": "说明", "max": EVENT_NOTE_MAX},
        )
    if problems.count > before or person is None or day is None or kind is None:
        return None
    return _EventRow(row.number, person.pk, day, kind, points, amount, validity, note)


@transaction.atomic
def events_import(*, source: Source, name: str, imported_by: User | None) -> ImportReport:
    """Add the praise, complaints, deductions and badge events of a workbook.

    Every row is a new event (an import never edits recorded events: the same
    praise may really come twice). Refuses the whole file on an unknown
    employee or a supervisor, a missing or locked-quarter date or one outside
    the company's start date to today, an
    unknown 类型, 分值 missing for 月度扣分 or negative or with more than one
    decimal, 金额 with more than two decimals, or an unreadable 有效. A row
    marked 是 or 否 counts as ruled by the importer now (the office imports
    rulings it made on paper); `imported_by` is None from the command line.
    """
    rows = read_rows(source, name=name, headers=EVENT_HEADERS)
    problems = Problems(name)
    days = entry_days()
    people = _people(_numbers(rows))
    items = [item for row in rows if (item := _event_row(row, problems, people, days)) is not None]
    quarters = _lock_open_quarters(item.day for item in items)
    items = [item for item in items if _check_quarter(item.row, item.day, quarters, problems)]
    problems.raise_if_any()

    rules = {
        rule_settings.quarter_id: rule_settings
        for rule_settings in RuleSettings.objects.filter(
            quarter__in=[quarter.pk for quarter in quarters.values()]
        )
    }
    now = timezone.now()
    user_id = imported_by.pk if imported_by is not None else None
    ruling_note = _import_reason(name)[: Event._meta.get_field("ruling_note").max_length]
    events = []
    for item in items:
        quarter = quarters[QuarterId.of(item.day)]
        ruled = item.validity != EventValidity.PENDING
        events.append(
            Event(
                employee_id=item.employee_id,
                date=item.day,
                kind=item.kind,
                points=item.points,
                amount=event_amount(item.kind, item.amount, rules[quarter.pk]),
                validity=item.validity,
                source=EventSource.IMPORT,
                note=item.note,
                created_by_id=user_id,
                ruled_by_id=user_id if ruled else None,
                ruled_at=now if ruled else None,
                ruling_note=ruling_note if ruled else "",
            )
        )
    Event.objects.bulk_create(events, batch_size=BATCH)
    return ImportReport(name=name, rows=len(rows), created=len(events))
