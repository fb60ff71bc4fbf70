"""The import of events from Excel (interfaces.md)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appraisal.imports.common import (
    BATCH,
    _cell_problem,
    _check_quarter,
    _employee_and_day,
    _import_reason,
    _lock_open_quarters,
    _numbers,
    _people,
    _Person,
)
from appraisal.models import Event, EventKind, EventSource, EventValidity, RuleSettings
from appraisal.rules import HUNDREDTH, QuarterId, check_one_decimal, event_amount
from appraisal.selectors.dates import EntryDays, entry_days
from employees.models import User
from spreadsheets import (
    CellError,
    ImportReport,
    Problems,
    Row,
    Source,
    parse_decimal,
    parse_text,
    parse_yes_no,
    read_rows,
)

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
EVENT_NOTE_MAX = Event._meta.get_field("note").max_length
POINTS_MAX = Decimal("9999.9")  # Event.points: 5 digits, 1 decimal
AMOUNT_MAX = Decimal("99999999.99")  # Event.amount: 10 digits, 2 decimals


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
