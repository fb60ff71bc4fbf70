"""The close (rules.md section 5): a quarter's results computed from its
sheets and events, and its days locked.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import Count, Field, Q, Sum
from django.db.models.functions import ExtractMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from appraisal.lifecycle import Action, assert_allowed
from appraisal.models import (
    SHEET_TOTAL,
    Approval,
    DailySheet,
    DepartmentReview,
    Event,
    Quarter,
    QuarterAction,
    QuarterResult,
    QuarterStatus,
    ReviewStatus,
    RuleSettings,
)
from appraisal.rules import (
    DISQUALIFIES_NEXT_QUARTER,
    HUNDREDTH,
    TENTH,
    EventTally,
    Tier,
    appraisal_day,
    award_for,
    may_close,
    quarter_outcome,
)
from appraisal.services.bulk import logged, sqlite_executemany
from appraisal.services.quarters import (
    _assert_office,
    _log,
    _quarter_lock,
    rule_settings_copy_defaults,
)
from employees.models import Employee, EmployeeQuerySet, User


@dataclass(frozen=True)
class CloseReport:
    quarter: Quarter
    results: int
    recomputed: bool
    disqualified: int
    winners: int


def _counted_sheet_sums(
    quarter: Quarter, employees: EmployeeQuerySet
) -> list[tuple[int, int, int, Decimal]]:
    """(employee, department, days, sum of daily totals) of the counted sheets of `employees`.

    One grouped query, whoever is appraised has a counted sheet, so these are
    exactly the appraised employees, each with their department at closing
    time. Memory grows with the number of employees, not sheets; plain tuples
    keep it small.
    """
    rows = (
        DailySheet.objects.in_quarter(quarter)
        .counted()
        .filter(employee__in=employees)
        .order_by()
        .values_list("employee", "employee__department")
        .annotate(days=Count("id"), total=Sum(SHEET_TOTAL))
    )
    # SQLite adds decimals as floats; the totals have one decimal place, so
    # rounding the sum to tenths gives the exact sum back.
    return [
        (employee, department, days, Decimal(total).quantize(TENTH))
        for employee, department, days, total in rows
    ]


def _event_tallies(quarter: Quarter) -> dict[int, list[EventTally]]:
    """The valid events of the quarter per employee, grouped by kind and month (one query)."""
    rows = (
        Event.objects.valid()
        .in_quarter(quarter)
        .order_by()
        .values("employee", "kind", month=ExtractMonth("date"))
        .annotate(
            count=Count("id"),
            own_points=Sum("points", default=Decimal("0")),
            blank_points=Count("id", filter=Q(points__isnull=True)),
            rewards=Sum("amount", filter=Q(amount__gt=0), default=Decimal("0")),
            fines=Sum("amount", filter=Q(amount__lt=0), default=Decimal("0")),
        )
    )
    tallies: dict[int, list[EventTally]] = {}
    for row in rows:
        tallies.setdefault(row["employee"], []).append(
            EventTally(
                kind=row["kind"],
                month=row["month"],
                count=row["count"],
                points=Decimal(row["own_points"]).quantize(TENTH),
                blank_points=row["blank_points"],
                rewards=Decimal(row["rewards"]).quantize(HUNDREDTH),
                fines=-Decimal(row["fines"]).quantize(HUNDREDTH),
            )
        )
    return tallies


@transaction.atomic
def quarter_close(
    *,
    quarter: Quarter,
    closed_by: User | None,
    today: datetime.date | None = None,
    force: bool = False,
) -> CloseReport:
    """Compute the quarter's results (rules.md section 5) and lock its sheets and events.

    Refuses before the quarter's last day unless `force`. On a closed quarter
    that is not yet approved it recomputes from the same data and gives the
    same rows; the departments' withdrawals stand. The quarter's row lock
    makes two closes at once run one after the other, and the one-result-per-
    employee constraint backs it.
    """
    _assert_office(closed_by, _("Only the appraisal office closes a quarter."))
    quarter = _quarter_lock(quarter)
    assert_allowed(Action.CLOSE, quarter)
    today = today or timezone.localdate()
    if not may_close(quarter.qid, today=today, force=force):
        raise ValidationError(
            _("Quarter %(quarter)s runs until %(last_day)s; it can be closed from that day on.")
            % {"quarter": quarter.code, "last_day": quarter.last_day.isoformat()}
        )
    rules = RuleSettings.objects.filter(quarter=quarter).first() or rule_settings_copy_defaults(
        quarter=quarter
    )
    # After a reopen the quarter is open again, but closing it is still a recompute.
    recomputed = QuarterResult.objects.filter(quarter=quarter).exists()

    if connection.vendor == "postgresql":
        # The planner costs the spot-check filter over a quarter of sheets so high
        # that it JIT-compiles it, which takes longer than running it.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")

    # A recompute keeps the day the close ended the entry: an early close recomputed
    # after the quarter's last day must appraise the same people (idempotent close).
    closed_on = quarter.entry_ended_on if quarter.status == QuarterStatus.CLOSED else None
    closed_on = closed_on or today
    appraised = Employee.objects.appraised_in(
        quarter, on=appraisal_day(quarter.qid, closed_on=closed_on)
    )
    sums = _counted_sheet_sums(quarter, appraised)
    tallies = _event_tallies(quarter)
    # Last quarter's lost award badges are few: no need to narrow them to `appraised`.
    badge_lost_before = set(
        Event.objects.valid()
        .in_quarter(quarter.qid.previous())
        .filter(kind__in=DISQUALIFIES_NEXT_QUARTER)
        .values_list("employee_id", flat=True)
    )
    withdrawn = dict(
        QuarterResult.objects.filter(quarter=quarter, withdrawn=True).values_list(
            "employee_id", "withdrawal_reason"
        )
    )

    now = timezone.now()
    counts = {"disqualified": 0, "winners": 0}

    def rows() -> Iterator[tuple[object, ...]]:
        # One row at a time into the write: the rows of 100,000 employees never
        # sit in memory together.
        for employee_id, department_id, days, total in sums:
            outcome = quarter_outcome(
                days=days,
                total=total,
                tallies=tallies.get(employee_id, ()),
                award_badge_lost_before=employee_id in badge_lost_before,
                rules=rules,
            )
            award_tier = Tier.NONE if employee_id in withdrawn else outcome.award_tier
            counts["disqualified"] += outcome.disqualified
            counts["winners"] += award_tier != Tier.NONE
            yield (
                quarter.pk,
                employee_id,
                department_id,
                outcome.days,
                outcome.average,
                outcome.bonus,
                outcome.final,
                outcome.score_tier.value,
                award_tier.value,
                award_for(award_tier, rules).quantize(HUNDREDTH),
                outcome.rewards,
                outcome.fines,
                outcome.disqualified,
                [d.as_json() for d in outcome.disqualifications],
                outcome.training,
                employee_id in withdrawn,
                withdrawn.get(employee_id, ""),
                Approval.PENDING.value,
                None,
                None,
                "",
                now,
            )

    stale = QuarterResult.objects.filter(quarter=quarter).exclude(employee__in=appraised)
    stale.delete()
    _results_upsert(_checked(rows()), count=len(sums))
    reviews = DepartmentReview.objects.filter(quarter=quarter)
    reviews.exclude(
        department__in=QuarterResult.objects.filter(quarter=quarter).values("department")
    ).delete()
    _reviews_open(quarter)

    quarter.status = QuarterStatus.CLOSED
    quarter.closed_at = now
    quarter.closed_on = closed_on
    quarter.full_clean()
    quarter.save(update_fields=["status", "closed_at", "closed_on"])
    _log(
        quarter=quarter,
        action=QuarterAction.CLOSE,
        by=closed_by,
        reason=_("Recomputed") if recomputed else "",
    )
    return CloseReport(
        quarter=quarter,
        results=len(sums),
        recomputed=recomputed,
        disqualified=counts["disqualified"],
        winners=counts["winners"],
    )


# The columns the close writes, in the order of its rows. On a recompute the
# computed ones (`_COMPUTED_FIELDS`) are overwritten; the row's keys stay, and so
# does the department's withdrawal: it is someone's decision.
_COLUMNS = [
    "quarter_id",
    "employee_id",
    "department_id",
    "days",
    "average",
    "bonus",
    "final",
    "score_tier",
    "award_tier",
    "award_amount",
    "rewards",
    "fines",
    "disqualified",
    "disqualification_reasons",
    "training",
    "withdrawn",
    "withdrawal_reason",
    "approval",
    "approved_by_id",
    "approved_at",
    "revocation_reason",
    "computed_at",
]


_KEEPS = ("quarter_id", "employee_id", "withdrawn", "withdrawal_reason")
_COMPUTED_FIELDS = [column.removesuffix("_id") for column in _COLUMNS if column not in _KEEPS]


def _result_fields() -> list[Field]:
    return [QuarterResult._meta.get_field(column.removesuffix("_id")) for column in _COLUMNS]


def _checked(rows: Iterable[tuple[object, ...]]) -> Iterator[tuple[object, ...]]:
    """`rows` as they pass, with what `clean_fields()` checked on every result checked once.

    The rules give every value its places and tiers from a fixed set, so what
    can still go wrong is a number too large for its column (a bonus of 10,000
    points, a fine of a billion): the smallest and largest value of each number
    column are checked when the last row has passed, before the transaction
    commits. The database's constraints still check every row.
    """
    fields = _result_fields()
    numbers = [
        i
        for i, field in enumerate(fields)
        if isinstance(field, models.DecimalField | models.PositiveSmallIntegerField)
    ]
    low: dict[int, object] = {}
    high: dict[int, object] = {}
    for row in rows:
        for i in numbers:
            value = row[i]
            if i not in low or value < low[i]:
                low[i] = value
            if i not in high or value > high[i]:
                high[i] = value
        yield row
    for i in low:
        for value in (low[i], high[i]):
            try:
                fields[i].clean(value, None)
            except ValidationError as error:
                raise ValidationError({fields[i].name: error.messages}) from None


def _results_upsert(rows: Iterable[tuple[object, ...]], *, count: int) -> None:
    """Insert or update a result per row, in one statement whatever their number.

    Plain tuples through `executemany` (SQLite) or COPY and one `INSERT … SELECT`
    (PostgreSQL): building model objects and SQL per row cost more than the
    close's arithmetic. Values are adapted as the fields would.
    """
    fields = _result_fields()
    table = connection.ops.quote_name(QuarterResult._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in _COLUMNS)
    conflict = ", ".join(connection.ops.quote_name(c) for c in ("quarter_id", "employee_id"))
    computed = {QuarterResult._meta.get_field(name).column for name in _COMPUTED_FIELDS}
    updates = ", ".join(
        f"{connection.ops.quote_name(c)} = EXCLUDED.{connection.ops.quote_name(c)}"
        for c in _COLUMNS
        if c in computed
    )
    upsert = f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
    json_at = _COLUMNS.index("disqualification_reasons")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"CREATE TEMPORARY TABLE close_rows AS SELECT {columns} FROM {table} WITH NO DATA"
            )
            copy_sql = f"COPY close_rows ({columns}) FROM STDIN"
            with logged(cursor, copy_sql, count), cursor.cursor.copy(copy_sql) as copy:
                for row in rows:
                    row = list(row)
                    row[json_at] = json.dumps(row[json_at])
                    copy.write_row(row)
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM close_rows "
                f"ORDER BY employee_id {upsert}"
            )
            # Dropped at once: a test or a caller may close twice in one transaction.
            cursor.execute("DROP TABLE close_rows")
            return
        adapt = [
            (i, field)
            for i, field in enumerate(fields)
            if isinstance(field, models.DateTimeField | models.JSONField)
        ]
        placeholders = ", ".join(["%s"] * len(_COLUMNS))

        def adapted() -> Iterator[list[object]]:
            for row in rows:
                row = list(row)
                for i, field in adapt:
                    row[i] = field.get_db_prep_save(row[i], connection)
                yield row

        sqlite_executemany(
            cursor,
            f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) {upsert}",
            adapted(),
            count=count,
        )


def _reviews_open(quarter: Quarter) -> None:
    """A review per department with results, in one statement; existing reviews stay as they are."""
    review = DepartmentReview._meta
    result = QuarterResult._meta
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(review.db_table)} ({quote('quarter_id')}, {quote('department_id')}, "
            f"{quote('status')}) "
            f"SELECT DISTINCT {quote('quarter_id')}, {quote('department_id')}, %s "
            f"FROM {quote(result.db_table)} WHERE {quote('quarter_id')} = %s "
            f"ORDER BY {quote('department_id')} "
            f"ON CONFLICT ({quote('quarter_id')}, {quote('department_id')}) DO NOTHING",
            [ReviewStatus.REVIEWING.value, quarter.pk],
        )
