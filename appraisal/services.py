"""Writes for the appraisal app. Every function is one transaction."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import ExtractMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from appraisal.models import (
    SHEET_TOTAL,
    Approval,
    AwardTier,
    CategoryChoice,
    Criterion,
    DailySheet,
    DepartmentReview,
    Event,
    EventKind,
    EventSource,
    EventValidity,
    Objection,
    ObjectionChannel,
    ObjectionStatus,
    Quarter,
    QuarterAction,
    QuarterLog,
    QuarterResult,
    QuarterStatus,
    ReviewStatus,
    RuleSettings,
    SheetRevision,
)
from appraisal.rules import (
    CATEGORY_MAX,
    COMPLAINT_KINDS,
    HUNDREDTH,
    TENTH,
    Category,
    EventTally,
    QuarterId,
    ScoreProblem,
    Tier,
    award_for,
    event_amount,
    full_marks,
    may_close,
    notice_end,
    payout_month,
    quarter_outcome,
    score_problem,
)
from appraisal.selectors import quarter_finalize_blocker
from employees.models import Department, Employee, User


@transaction.atomic
def quarter_ensure(*, qid: QuarterId) -> Quarter:
    """The quarter `qid`, created open with a copy of the company's default rules if new."""
    quarter, created = Quarter.objects.get_or_create(year=qid.year, number=qid.number)
    if created or not RuleSettings.objects.filter(quarter=quarter).exists():
        rule_settings_copy_defaults(quarter=quarter)
    return quarter


def rule_settings_copy_defaults(*, quarter: Quarter) -> RuleSettings:
    defaults = RuleSettings.objects.get(is_default=True)
    values = {
        field.name: getattr(defaults, field.name)
        for field in RuleSettings._meta.concrete_fields
        if field.name not in {"id", "quarter", "is_default", "updated_at", "updated_by"}
    }
    settings = RuleSettings(quarter=quarter, is_default=False, **values)
    settings.full_clean()
    settings.save()
    return settings


def quarter_assert_open_for(*, day: datetime.date, for_update: bool = False) -> Quarter:
    """The open quarter `day` falls in; refuses a day of a closed (locked) quarter.

    With `for_update` the quarter row is locked (PostgreSQL) so that a close
    cannot slip in between this check and the caller's write.
    """
    qid = QuarterId.of(day)
    quarter = quarter_ensure(qid=qid)
    if for_update:
        quarter = Quarter.objects.select_for_update().get(pk=quarter.pk)
    if quarter.is_locked:
        raise ValidationError(quarter_locked_reason(day=day, quarter=quarter))
    return quarter


def quarter_locked_reason(*, day: datetime.date, quarter: Quarter) -> str:
    """Why nothing dated `day` may change: its quarter is closed (or further on)."""
    return _(
        "%(day)s belongs to quarter %(quarter)s, which is %(status)s and can no longer change."
    ) % {
        "day": day.isoformat(),
        "quarter": quarter.code,
        "status": quarter.get_status_display(),
    }


@transaction.atomic
def event_record(
    *,
    employee: Employee,
    date: datetime.date,
    kind: EventKind,
    recorded_by: User | None,
    points: Decimal | None = None,
    amount: Decimal = Decimal("0"),
    source: EventSource = EventSource.DEPARTMENT,
    reported_by: str = "",
    note: str = "",
    validity: EventValidity = EventValidity.PENDING,
) -> Event:
    """Record a praise, complaint, deduction or badge event dated in an open quarter.

    `recorded_by` is None only for the public feedback page, where a customer
    with no login writes the event (always pending).
    """
    quarter_assert_open_for(day=date, for_update=True)
    event = Event(
        employee=employee,
        date=date,
        kind=kind,
        points=points,
        amount=amount,
        source=source,
        reported_by=reported_by,
        note=note,
        validity=validity,
        created_by=recorded_by,
    )
    if validity != EventValidity.PENDING:
        event.ruled_by = recorded_by
        event.ruled_at = timezone.now()
    event.full_clean()
    event.save()
    return event


@transaction.atomic
def event_rule(*, event: Event, validity: EventValidity, ruled_by: User, reason: str = "") -> Event:
    """The office rules an event valid or invalid (rules.md section 4)."""
    if not ruled_by.is_office:
        raise PermissionDenied(_("Only the appraisal office rules on events."))
    if validity == EventValidity.PENDING:
        raise ValidationError({"validity": _("Rule the event valid or invalid.")})
    event = Event.objects.select_for_update().get(pk=event.pk)
    quarter_assert_open_for(day=event.date, for_update=True)
    event.validity = validity
    event.ruled_by = ruled_by
    event.ruled_at = timezone.now()
    event.ruling_note = reason
    event.full_clean()
    event.save()
    return event


# --- Daily sheets ----------------------------------------------------------------


def sheet_assert_may_write(*, user: User, employee: Employee, is_spot_check: bool) -> None:
    """Refuse (PermissionDenied) unless `user` may write `employee`'s sheet.

    The office writes any employee's sheet, spot check or not; a department
    head writes the department sheets of the employees `visible_to` them (their
    own department's appraised employees) and never spot checks; nobody else
    writes sheets.
    """
    if not (user.is_office or user.is_department_head):
        raise PermissionDenied(_("Only department heads and the appraisal office enter sheets."))
    if is_spot_check and not user.is_office:
        raise PermissionDenied(_("Only the appraisal office records spot checks."))
    # Supervisors are never appraised; a head scores only active employees,
    # the office may still correct the sheets of someone who has left.
    writable = Employee.objects.visible_to(user).filter(is_supervisor=False)
    if not user.is_office:
        writable = writable.appraised()
    if not writable.filter(pk=employee.pk).exists():
        raise PermissionDenied(_("You may not enter sheets for this employee."))


def _assert_not_future(day: datetime.date) -> None:
    if day > timezone.localdate():
        raise ValidationError(
            {
                "day": _("%(day)s is still to come; a sheet is entered on the day or later.")
                % {"day": day.isoformat()}
            }
        )


def _score_text(value: Decimal) -> str:
    return str(value.quantize(TENTH))


def _sheet_values(
    *, scores: Mapping[Category, Decimal], note: str, criteria_ids: Iterable[int]
) -> dict[str, object]:
    """What a revision records of a sheet: the four scores as text, the note, the criteria."""
    return {
        **{category.value: _score_text(scores[category]) for category in Category},
        "note": note,
        "criteria": sorted(set(criteria_ids)),
    }


def _score_errors(scores: Mapping[Category, Decimal]) -> dict[str, str]:
    """One message per bad category score, naming the category (for cells and imports)."""
    errors: dict[str, str] = {}
    for category in Category:
        label = CategoryChoice(category.value).label
        value = scores.get(category)
        if value is None:
            errors[category.value] = _("%(category)s: enter a score.") % {"category": label}
            continue
        problem = score_problem(category, value)
        if problem == ScoreProblem.OUT_OF_RANGE:
            errors[category.value] = _("%(category)s must be between 0 and %(max)s.") % {
                "category": label,
                "max": CATEGORY_MAX[category],
            }
        elif problem == ScoreProblem.TOO_MANY_DECIMALS:
            errors[category.value] = _("%(category)s takes at most one decimal place.") % {
                "category": label
            }
    return errors


@transaction.atomic
def sheet_save(
    *,
    employee: Employee,
    day: datetime.date,
    scores: Mapping[Category, Decimal],
    criteria: Iterable[Criterion] = (),
    note: str = "",
    is_spot_check: bool = False,
    saved_by: User,
    reason: str = "",
) -> DailySheet:
    """Create or change `employee`'s sheet of `day` and keep a revision of the change.

    The department's sheet, or with `is_spot_check` the appraisal office's spot
    check, which is a second sheet of the same day. Refuses (ValidationError,
    keyed by field) a day of a closed quarter, a day still to come, a score out
    of range or with more than one decimal, criteria items of the other
    department kind, and a change without a reason to a sheet first saved on an
    earlier day. Saving the values a sheet already has changes nothing and
    writes no revision.
    """
    sheet_assert_may_write(user=saved_by, employee=employee, is_spot_check=is_spot_check)
    _assert_not_future(day)
    quarter_assert_open_for(day=day, for_update=True)

    criteria = list(criteria)
    errors: dict[str, list[str] | str] = dict(_score_errors(scores))
    kind = employee.department.kind
    if any(criterion.department_kind != kind for criterion in criteria):
        errors["criteria"] = _("Choose criteria items of this department's kind.")

    sheet = (
        DailySheet.objects.select_for_update()
        .filter(employee=employee, day=day, is_spot_check=is_spot_check)
        .first()
    )
    old_values: dict[str, object] = {}
    if sheet is None:
        sheet = DailySheet(employee=employee, day=day, is_spot_check=is_spot_check)
    else:
        old_values = _sheet_values(
            scores={category: getattr(sheet, category.value) for category in Category},
            note=sheet.note,
            criteria_ids=sheet.criteria.values_list("pk", flat=True),
        )
    new_values = (
        None
        if errors
        else _sheet_values(
            scores=scores, note=note, criteria_ids=(criterion.pk for criterion in criteria)
        )
    )
    if old_values and old_values == new_values:
        return sheet
    if (
        old_values
        and timezone.localdate(sheet.created_at) < timezone.localdate()
        and not reason.strip()
    ):
        errors["reason"] = _(
            "This sheet was saved on an earlier day: give a reason for the change."
        )
    if errors or new_values is None:
        raise ValidationError(errors)

    for category in Category:
        setattr(sheet, category.value, scores[category])
    sheet.note = note
    sheet.entered_by = saved_by
    # The field validators check range and decimals; the check constraints say
    # the same again and the one-sheet-per-day constraint is held by the lookup
    # above under the quarter's row lock, so skip their extra round trips.
    sheet.full_clean(validate_constraints=False)
    sheet.save()
    sheet.criteria.set(new_values["criteria"])
    SheetRevision.objects.create(
        sheet=sheet,
        employee=employee,
        day=day,
        is_spot_check=is_spot_check,
        changed_by=saved_by,
        old_values=old_values,
        new_values=new_values,
        reason=reason.strip(),
    )
    return sheet


@transaction.atomic
def sheets_fill_full_marks(
    *,
    department: Department,
    day: datetime.date,
    saved_by: User,
    skip: Iterable[int] = (),
) -> int:
    """Save full marks for every appraised employee of `department` without a sheet on `day`.

    "Save full marks for the rest of the day": one transaction, one revision per
    new sheet. `skip` holds employee ids to leave alone (rows the head is still
    correcting). Returns how many sheets were created.
    """
    if not (saved_by.is_office or saved_by.is_department_head) or not (
        Department.objects.visible_to(saved_by).filter(pk=department.pk).exists()
    ):
        raise PermissionDenied(_("You may not enter sheets for this department."))
    _assert_not_future(day)
    quarter_assert_open_for(day=day, for_update=True)

    employee_ids = list(
        Employee.objects.visible_to(saved_by)
        .appraised()
        .filter(department=department)
        .exclude(
            Exists(DailySheet.objects.filter(employee=OuterRef("pk"), day=day, is_spot_check=False))
        )
        .exclude(pk__in=list(skip))
        .values_list("pk", flat=True)
    )
    if not employee_ids:
        return 0
    marks = full_marks()
    prototype = DailySheet(
        employee_id=employee_ids[0],
        day=day,
        entered_by=saved_by,
        **{category.value: value for category, value in marks.items()},
    )
    # Every new sheet has the same values: validate them once.
    prototype.full_clean(exclude=["employee", "entered_by"], validate_constraints=False)
    DailySheet.objects.bulk_create(
        [
            DailySheet(
                employee_id=employee_id,
                day=day,
                entered_by=saved_by,
                **{category.value: value for category, value in marks.items()},
            )
            for employee_id in employee_ids
        ]
    )
    new_values = _sheet_values(scores=marks, note="", criteria_ids=())
    created = DailySheet.objects.filter(
        employee_id__in=employee_ids, day=day, is_spot_check=False
    ).values_list("pk", "employee_id")
    SheetRevision.objects.bulk_create(
        [
            SheetRevision(
                sheet_id=sheet_id,
                employee_id=employee_id,
                day=day,
                is_spot_check=False,
                changed_by=saved_by,
                old_values={},
                new_values=new_values,
            )
            for sheet_id, employee_id in created
        ]
    )
    return len(employee_ids)


# --- The quarter's life (rules.md sections 5 and 6) ---------------------------------


def _assert_office(user: User | None, message: str) -> None:
    # None is an operator at the server's command line (management commands).
    if user is not None and not user.is_office:
        raise PermissionDenied(message)


def _quarter_lock(quarter: Quarter) -> Quarter:
    """The quarter's row, locked until the transaction ends (PostgreSQL), freshly read."""
    return Quarter.objects.select_for_update().get(pk=quarter.pk)


def _wrong_state(quarter: Quarter, needed: str) -> ValidationError:
    return ValidationError(
        _("Quarter %(quarter)s is %(status)s; %(needed)s")
        % {"quarter": quarter.code, "status": quarter.get_status_display(), "needed": needed}
    )


def _log(*, quarter: Quarter, action: QuarterAction, by: User | None, reason: str = "") -> None:
    entry = QuarterLog(quarter=quarter, action=action, by=by, reason=reason[:500])
    entry.full_clean()
    entry.save()


@dataclass(frozen=True)
class CloseReport:
    quarter: Quarter
    results: int
    recomputed: bool
    disqualified: int
    winners: int


# Fields the close computes; everything else on a result (the department's
# withdrawal, the office's approval) is someone's decision and survives a recompute.
_COMPUTED_FIELDS = [
    "department",
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
    "approval",
    "approved_by",
    "approved_at",
    "revocation_reason",
    "computed_at",
]


def _counted_sheet_sums(quarter: Quarter) -> dict[int, tuple[int, Decimal]]:
    """(days, sum of daily totals) per employee, with spot checks replacing their day.

    One grouped query: memory grows with the number of employees, not sheets.
    """
    replaced = DailySheet.objects.filter(
        employee=OuterRef("employee"), day=OuterRef("day"), is_spot_check=True
    )
    rows = (
        DailySheet.objects.in_quarter(quarter)
        .exclude(Q(is_spot_check=False) & Exists(replaced))
        .order_by()
        .values("employee")
        .annotate(days=Count("id"), total=Sum(SHEET_TOTAL))
    )
    # SQLite adds decimals as floats; the totals have one decimal place, so
    # rounding the sum to tenths gives the exact sum back.
    return {row["employee"]: (row["days"], Decimal(row["total"]).quantize(TENTH)) for row in rows}


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


def _appraised_among(employee_ids: Iterable[int], quarter: Quarter) -> dict[int, Employee]:
    """The employees among `employee_ids` who are appraised for `quarter`.

    Supervisors never are. Someone who has left is, when they left after the
    quarter ended (a late close must not drop them); someone who left during
    the quarter, or is inactive with no leaving date, is not.
    """
    return {
        employee.pk: employee
        for employee in Employee.objects.filter(pk__in=list(employee_ids), is_supervisor=False)
        .filter(Q(is_active=True, left_on__isnull=True) | Q(left_on__gt=quarter.last_day))
        .only("pk", "department_id")
    }


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
    if quarter.status not in (QuarterStatus.OPEN, QuarterStatus.CLOSED):
        raise _wrong_state(quarter, _("only an open or closed quarter can be (re)computed."))
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

    sums = _counted_sheet_sums(quarter)
    employees = _appraised_among(sums, quarter)
    tallies = _event_tallies(quarter)
    previous = quarter.qid.previous()
    badge_lost_before = set(
        Event.objects.valid()
        .in_quarter(previous)
        .filter(kind=EventKind.AWARD_BADGE_LOST, employee_id__in=list(employees))
        .values_list("employee_id", flat=True)
    )
    withdrawn = dict(
        QuarterResult.objects.filter(quarter=quarter, withdrawn=True).values_list(
            "employee_id", "withdrawal_reason"
        )
    )

    now = timezone.now()
    results = []
    for employee_id, employee in employees.items():
        days, total = sums[employee_id]
        outcome = quarter_outcome(
            days=days,
            total=total,
            tallies=tallies.get(employee_id, ()),
            award_badge_lost_before=employee_id in badge_lost_before,
            rules=rules,
        )
        award_tier = Tier.NONE if employee_id in withdrawn else outcome.award_tier
        result = QuarterResult(
            quarter=quarter,
            employee_id=employee_id,
            department_id=employee.department_id,
            days=outcome.days,
            average=outcome.average,
            bonus=outcome.bonus,
            final=outcome.final,
            score_tier=outcome.score_tier.value,
            award_tier=award_tier.value,
            award_amount=award_for(award_tier, rules).quantize(HUNDREDTH),
            rewards=outcome.rewards,
            fines=outcome.fines,
            disqualified=outcome.disqualified,
            disqualification_reasons=[d.as_json() for d in outcome.disqualifications],
            training=outcome.training,
            withdrawn=employee_id in withdrawn,
            withdrawal_reason=withdrawn.get(employee_id, ""),
            approval=Approval.PENDING,
            computed_at=now,
        )
        result.clean_fields(exclude=["quarter", "employee", "department"])
        results.append(result)

    QuarterResult.objects.filter(quarter=quarter).exclude(employee_id__in=list(employees)).delete()
    QuarterResult.objects.bulk_create(
        results,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["quarter", "employee"],
        update_fields=_COMPUTED_FIELDS,
    )
    departments = {employee.department_id for employee in employees.values()}
    DepartmentReview.objects.filter(quarter=quarter).exclude(department_id__in=departments).delete()
    DepartmentReview.objects.bulk_create(
        [DepartmentReview(quarter=quarter, department_id=pk) for pk in sorted(departments)],
        ignore_conflicts=True,
    )

    quarter.status = QuarterStatus.CLOSED
    quarter.closed_at = now
    quarter.full_clean()
    quarter.save(update_fields=["status", "closed_at"])
    _log(
        quarter=quarter,
        action=QuarterAction.CLOSE,
        by=closed_by,
        reason=_("Recomputed") if recomputed else "",
    )
    return CloseReport(
        quarter=quarter,
        results=len(results),
        recomputed=recomputed,
        disqualified=sum(1 for r in results if r.disqualified),
        winners=sum(1 for r in results if r.award_tier != AwardTier.NONE),
    )


def _required_reason(reason: str, field: str = "reason") -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError({field: _("Give a reason.")})
    return reason


@transaction.atomic
def quarter_reopen(*, quarter: Quarter, reopened_by: User, reason: str) -> Quarter:
    """The office reopens a closed, unapproved quarter so its sheets and events can change.

    The results stay (with the departments' withdrawals) until the next close
    recomputes them; the departments review their lists again.
    """
    _assert_office(reopened_by, _("Only the appraisal office reopens a quarter."))
    reason = _required_reason(reason)
    quarter = _quarter_lock(quarter)
    if quarter.status != QuarterStatus.CLOSED:
        raise _wrong_state(
            quarter, _("only a closed quarter that is not yet approved can be reopened.")
        )
    quarter.status = QuarterStatus.OPEN
    quarter.closed_at = None
    quarter.full_clean()
    quarter.save(update_fields=["status", "closed_at"])
    DepartmentReview.objects.filter(quarter=quarter).update(
        status=ReviewStatus.REVIEWING, submitted_by=None, submitted_at=None
    )
    _log(quarter=quarter, action=QuarterAction.REOPEN, by=reopened_by, reason=reason)
    return quarter


def _award_restored(result: QuarterResult, rules: RuleSettings) -> None:
    """Give `result` back the award its score earns, unless it is disqualified."""
    tier = Tier.NONE if result.disqualified else Tier(result.score_tier)
    result.award_tier = tier.value
    result.award_amount = award_for(tier, rules).quantize(HUNDREDTH)


def _award_removed(result: QuarterResult) -> None:
    result.award_tier = AwardTier.NONE
    result.award_amount = Decimal("0.00")


@transaction.atomic
def department_submit(
    *,
    quarter: Quarter,
    department: Department,
    submitted_by: User,
    withdrawals: Mapping[int, str] | None = None,
) -> DepartmentReview:
    """A department submits its reviewed list to the office (部门评定, 提报).

    `withdrawals` maps the employee ids of nominees the department withdraws to
    the reason; every other nominee stays on the list (a withdrawal made
    earlier and left out here is taken back).
    """
    withdrawals = dict(withdrawals or {})
    may_submit = submitted_by.is_office or (
        submitted_by.is_department_head and submitted_by.department_id == department.pk
    )
    if not may_submit:
        raise PermissionDenied(_("Only this department's head or the office submits its list."))
    quarter = _quarter_lock(quarter)
    if quarter.status != QuarterStatus.CLOSED:
        raise _wrong_state(quarter, _("a list is submitted after the close and before approval."))
    review = (
        DepartmentReview.objects.select_for_update()
        .filter(quarter=quarter, department=department)
        .first()
    )
    if review is None:
        raise ValidationError(
            _("%(department)s has no results in %(quarter)s.")
            % {"department": department.name, "quarter": quarter.code}
        )
    if review.status != ReviewStatus.REVIEWING:
        raise ValidationError(
            _("%(department)s has already submitted its list.") % {"department": department.name}
        )
    rules = RuleSettings.objects.get(quarter=quarter)
    results = {
        r.employee_id: r
        for r in QuarterResult.objects.select_for_update().filter(
            quarter=quarter, department=department
        )
    }
    errors: dict[str, list[str]] = {}
    for employee_id, reason in withdrawals.items():
        result = results.get(employee_id)
        if result is None or result.disqualified or result.score_tier == AwardTier.NONE:
            errors.setdefault("withdrawals", []).append(
                _("Employee %(id)s is not a nominee of this list.") % {"id": employee_id}
            )
        elif not reason.strip():
            errors.setdefault("withdrawals", []).append(
                _("Give a reason for withdrawing %(name)s.") % {"name": result.employee.name}
            )
    if errors:
        raise ValidationError(errors)
    changed = []
    for employee_id, result in results.items():
        reason = withdrawals.get(employee_id, "").strip()
        if result.withdrawn == bool(reason) and result.withdrawal_reason == reason:
            continue
        result.withdrawn = bool(reason)
        result.withdrawal_reason = reason
        if reason:
            _award_removed(result)
        else:
            _award_restored(result, rules)
        result.full_clean(validate_unique=False)
        changed.append(result)
    QuarterResult.objects.bulk_update(
        changed, ["withdrawn", "withdrawal_reason", "award_tier", "award_amount"]
    )
    review.status = ReviewStatus.SUBMITTED
    review.submitted_by = submitted_by
    review.submitted_at = timezone.now()
    review.full_clean()
    review.save()
    _log(quarter=quarter, action=QuarterAction.SUBMIT, by=submitted_by, reason=department.name)
    return review


@transaction.atomic
def quarter_approve(
    *,
    quarter: Quarter,
    approved_by: User | None,
    on: datetime.date | None = None,
    revocations: Mapping[int, str] | None = None,
    today: datetime.date | None = None,
) -> Quarter:
    """The office approves the list nominee by nominee and publishes it (核准, 张榜公示).

    Every result is approved except the nominees in `revocations` (employee id
    → reason), whose award is revoked. Publishing on `on` (default today)
    starts the public notice, which ends the quarter's notice months later.
    """
    _assert_office(approved_by, _("Only the appraisal office approves the list."))
    revocations = dict(revocations or {})
    quarter = _quarter_lock(quarter)
    if quarter.status != QuarterStatus.CLOSED:
        raise _wrong_state(quarter, _("only a closed quarter can be approved."))
    today = today or timezone.localdate()
    on = on or today
    # A list is published after its quarter, or after an early (forced) close.
    earliest = quarter.last_day + datetime.timedelta(days=1)
    if quarter.closed_at is not None:
        earliest = min(earliest, timezone.localdate(quarter.closed_at))
    if on > today or on < earliest:
        raise ValidationError(
            {
                "on": _("Publish on a day between %(first)s and today.")
                % {"first": earliest.isoformat()}
            }
        )
    rules = RuleSettings.objects.get(quarter=quarter)
    results = {
        r.employee_id: r
        for r in QuarterResult.objects.select_for_update()
        .filter(quarter=quarter)
        .select_related("employee")
    }
    errors = []
    for employee_id, reason in revocations.items():
        result = results.get(employee_id)
        if result is None or result.award_tier == AwardTier.NONE:
            errors.append(_("Employee %(id)s is not a nominee of this list.") % {"id": employee_id})
        elif not reason.strip():
            errors.append(
                _("Give a reason for revoking the award of %(name)s.")
                % {"name": result.employee.name}
            )
    if errors:
        raise ValidationError({"revocations": errors})

    now = timezone.now()
    for employee_id, result in results.items():
        reason = revocations.get(employee_id, "").strip()
        result.approval = Approval.REVOKED if reason else Approval.APPROVED
        result.revocation_reason = reason
        result.approved_by = approved_by
        result.approved_at = now
        if reason:
            _award_removed(result)
        result.full_clean(validate_unique=False)
    QuarterResult.objects.bulk_update(
        results.values(),
        [
            "approval",
            "revocation_reason",
            "approved_by",
            "approved_at",
            "award_tier",
            "award_amount",
        ],
        batch_size=1000,
    )
    DepartmentReview.objects.filter(quarter=quarter).update(
        status=ReviewStatus.APPROVED, approved_by=approved_by, approved_at=now
    )
    quarter.status = QuarterStatus.PUBLISHED
    quarter.published_on = on
    quarter.notice_ends_on = notice_end(on, rules.notice_months)
    quarter.full_clean()
    quarter.save(update_fields=["status", "published_on", "notice_ends_on"])
    _log(quarter=quarter, action=QuarterAction.APPROVE, by=approved_by)
    return quarter


@transaction.atomic
def objection_record(
    *,
    quarter: Quarter,
    employee: Employee,
    channel: ObjectionChannel,
    text: str,
    recorded_by: User | None,
    raised_by: str = "",
) -> Objection:
    """The office records an objection against a winner during the public notice (异议)."""
    _assert_office(recorded_by, _("Only the appraisal office records objections."))
    quarter = _quarter_lock(quarter)
    if quarter.status != QuarterStatus.PUBLISHED:
        raise _wrong_state(quarter, _("objections are recorded during the public notice."))
    if (
        not QuarterResult.objects.winners()
        .filter(quarter=quarter, employee=employee, approval=Approval.APPROVED)
        .exists()
    ):
        raise ValidationError(
            {
                "employee": _("%(name)s has no award in %(quarter)s to object to.")
                % {"name": employee.name, "quarter": quarter.code}
            }
        )
    objection = Objection(
        quarter=quarter,
        employee=employee,
        channel=channel,
        text=text.strip(),
        raised_by=raised_by.strip(),
        recorded_by=recorded_by,
    )
    objection.full_clean()
    objection.save()
    return objection


@transaction.atomic
def objection_rule(
    *, objection: Objection, status: ObjectionStatus, ruling: str, ruled_by: User | None
) -> Objection:
    """The office upholds an objection, which revokes the award with its reason, or dismisses it."""
    _assert_office(ruled_by, _("Only the appraisal office rules on objections."))
    if status == ObjectionStatus.PENDING:
        raise ValidationError({"status": _("Uphold or dismiss the objection.")})
    ruling = _required_reason(ruling, "ruling")
    quarter = _quarter_lock(objection.quarter)
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    if quarter.status != QuarterStatus.PUBLISHED:
        raise _wrong_state(quarter, _("objections are ruled on during the public notice."))
    if objection.status != ObjectionStatus.PENDING:
        raise ValidationError(_("This objection has already been ruled on."))
    objection.status = status
    objection.ruling = ruling
    objection.ruled_by = ruled_by
    objection.ruled_at = timezone.now()
    objection.full_clean()
    objection.save()
    if status == ObjectionStatus.UPHELD:
        result = QuarterResult.objects.select_for_update().get(
            quarter=quarter, employee=objection.employee
        )
        if result.approval != Approval.REVOKED:
            result.approval = Approval.REVOKED
            result.revocation_reason = ruling
            _award_removed(result)
            result.full_clean(validate_unique=False)
            result.save()
    return objection


@transaction.atomic
def quarter_finalize(
    *, quarter: Quarter, today: datetime.date | None = None, finalized_by: User | None = None
) -> Quarter:
    """The quarter becomes final the day after its notice ends, with no objection pending."""
    _assert_office(finalized_by, _("Only the appraisal office finalises a quarter."))
    quarter = _quarter_lock(quarter)
    if quarter.status != QuarterStatus.PUBLISHED:
        raise _wrong_state(quarter, _("only a quarter in its public notice can become final."))
    today = today or timezone.localdate()
    pending = Objection.objects.filter(quarter=quarter, status=ObjectionStatus.PENDING).count()
    # The same words the quarter's page shows beside its disabled button.
    blocker = quarter_finalize_blocker(quarter=quarter, today=today, pending_objections=pending)
    if blocker:
        raise ValidationError(blocker)
    quarter.status = QuarterStatus.FINAL
    quarter.final_on = today
    quarter.payout_month = payout_month(quarter.notice_ends_on)
    quarter.full_clean()
    quarter.save(update_fields=["status", "final_on", "payout_month"])
    _log(quarter=quarter, action=QuarterAction.FINALIZE, by=finalized_by)
    return quarter


@dataclass(frozen=True)
class FinalizeRun:
    finalized: list[Quarter]
    blocked: list[tuple[Quarter, str]]


def finalize_due_quarters(*, today: datetime.date | None = None) -> FinalizeRun:
    """The daily job: make final every quarter whose notice has ended and has no objection pending.

    Each quarter is its own transaction, so one blocked quarter does not hold back the others.
    """
    today = today or timezone.localdate()
    finalized: list[Quarter] = []
    blocked: list[tuple[Quarter, str]] = []
    due = Quarter.objects.filter(status=QuarterStatus.PUBLISHED, notice_ends_on__lt=today).order_by(
        "year", "number"
    )
    for quarter in due:
        try:
            finalized.append(quarter_finalize(quarter=quarter, today=today))
        except ValidationError as error:
            blocked.append((quarter, " ".join(error.messages)))
    return FinalizeRun(finalized=finalized, blocked=blocked)


@transaction.atomic
def quarter_mark_paid(*, quarter: Quarter, paid_by: User | None) -> Quarter:
    """HR (or the office) records that the quarter's payout has been paid."""
    if paid_by is not None and not (paid_by.is_hr or paid_by.is_office):
        raise PermissionDenied(_("Only HR or the appraisal office marks a quarter paid."))
    quarter = _quarter_lock(quarter)
    if quarter.status != QuarterStatus.FINAL:
        raise _wrong_state(quarter, _("only a final quarter can be marked paid."))
    quarter.status = QuarterStatus.PAID
    quarter.paid_at = timezone.now()
    quarter.full_clean()
    quarter.save(update_fields=["status", "paid_at"])
    _log(quarter=quarter, action=QuarterAction.PAY, by=paid_by)
    return quarter


# --- Events entered in the browser, the office's queue, rule settings ---------------

# What a department head records in the browser: the monthly department ledger
# (rules.md section 3). Everything else comes to the office.
HEAD_EVENT_KINDS = (EventKind.MONTHLY_DEDUCTION, EventKind.BADGE_NOT_WORN)


@transaction.atomic
def event_enter(
    *,
    recorded_by: User,
    employee: Employee,
    date: datetime.date,
    kind: EventKind | str,
    source: EventSource | str,
    points: Decimal | None = None,
    amount: Decimal | None = None,
    reported_by: str = "",
    note: str = "",
    validity: EventValidity | str | None = None,
    reason: str = "",
) -> Event:
    """Record an event from the browser, with who may record what (rules.md sections 3 and 4).

    The office records any kind for anyone: pending (the default), or ruled
    valid or invalid at once, invalid with a `reason`. A department head
    records only monthly deductions (points required) and "work badge not
    worn" for the appraised employees of their own department; these count
    at once (valid, source "department"). Nobody else records events.
    `amount` None means the kind's default: a lost badge's fine, else 0.
    """

    errors: dict[str, str] = {}
    if recorded_by.is_office:
        validity = EventValidity(validity or EventValidity.PENDING)
        if validity == EventValidity.INVALID and not reason.strip():
            errors["reason"] = _("Give the reason why the event is invalid.")
    elif recorded_by.is_department_head:
        if not Employee.objects.visible_to(recorded_by).appraised().filter(pk=employee.pk).exists():
            raise PermissionDenied(
                _("A department head records events only for their own department's employees.")
            )
        if kind not in HEAD_EVENT_KINDS:
            raise PermissionDenied(
                _(
                    "A department head records only monthly deductions and a work badge not worn; "
                    "the appraisal office records everything else."
                )
            )
        if validity not in (None, EventValidity.VALID):
            errors["validity"] = _(
                "A department's deductions count at once; only the office rules."
            )
        if source != EventSource.DEPARTMENT:
            errors["source"] = _("A department head records events of their own department.")
        if amount is not None and amount > 0:
            errors["amount"] = _("A deduction may carry a fine (a negative amount), not a reward.")
        validity = EventValidity.VALID
    else:
        raise PermissionDenied(_("Only the appraisal office and department heads record events."))

    if kind == EventKind.MONTHLY_DEDUCTION and points is None:
        errors["points"] = _("A monthly deduction needs its points.")
    if points is not None and kind in COMPLAINT_KINDS:
        errors["points"] = _("A complaint carries no points: a valid one disqualifies.")
    quarter = None
    if date > timezone.localdate():
        errors["date"] = _("%(day)s is still to come: record an event on its day or later.") % {
            "day": date.isoformat()
        }
    else:
        try:
            quarter = quarter_assert_open_for(day=date, for_update=True)
        except ValidationError as error:
            errors["date"] = " ".join(error.messages)
    if errors or quarter is None:
        raise ValidationError(errors)

    event = event_record(
        employee=employee,
        date=date,
        kind=EventKind(kind),
        recorded_by=recorded_by,
        points=points,
        amount=event_amount(kind, amount, quarter.rule_settings),
        source=EventSource(source),
        reported_by=reported_by.strip(),
        note=note.strip(),
        validity=validity,
    )
    if validity != EventValidity.PENDING and reason.strip():
        event.ruling_note = reason.strip()
        event.full_clean()
        event.save(update_fields=["ruling_note"])
    return event


@transaction.atomic
def event_queue_rule(
    *, event: Event, validity: EventValidity | str, ruled_by: User, reason: str = ""
) -> Event:
    """The office rules a pending event from its queue: valid, or invalid with a reason.

    Refuses an event somebody has ruled meanwhile; `event_rule` refuses a locked quarter.
    """
    if not ruled_by.is_office:
        raise PermissionDenied(_("Only the appraisal office rules on events."))
    if validity not in (EventValidity.VALID, EventValidity.INVALID):
        raise ValidationError({"validity": _("Rule the event valid or invalid.")})
    reason = reason.strip()
    if validity == EventValidity.INVALID and not reason:
        raise ValidationError({"reason": _("Give the reason why the event is invalid.")})
    current = Event.objects.select_for_update().get(pk=event.pk)
    if current.validity != EventValidity.PENDING:
        raise ValidationError(
            _("This event has already been ruled %(validity)s.")
            % {"validity": current.get_validity_display()}
        )
    return event_rule(
        event=current, validity=EventValidity(validity), ruled_by=ruled_by, reason=reason
    )


# The fields of RuleSettings the office edits (everything but the bookkeeping).
RULE_SETTINGS_FIELDS = (
    "best_min",
    "ambassador_min",
    "style_min",
    "training_below",
    "best_award",
    "ambassador_award",
    "style_award",
    "praise_points",
    "monthly_deduction_limit",
    "badge_not_worn_points",
    "badge_lost_points",
    "work_badge_fine",
    "award_badge_fine",
    "notice_months",
    "hotline",
)


def rule_settings_errors(values: Mapping[str, object]) -> dict[str, str]:
    """What is wrong with rule settings, by field (the model's check constraints, spelled out).

    Amounts and points are not negative, the monthly limit is above zero, the
    notice lasts at least a month, and the tier thresholds are ordered:
    best > ambassador > style >= training.
    """
    label = {name: RuleSettings._meta.get_field(name).verbose_name for name in RULE_SETTINGS_FIELDS}
    errors: dict[str, str] = {}
    minimum = {
        "best_award": 0,
        "ambassador_award": 0,
        "style_award": 0,
        "work_badge_fine": 0,
        "award_badge_fine": 0,
        "praise_points": 0,
        "badge_not_worn_points": 0,
        "badge_lost_points": 0,
        "notice_months": 1,
    }
    for name, lowest in minimum.items():
        value = values.get(name)
        if isinstance(value, Decimal | int) and value < lowest:
            errors[name] = _("Ensure this value is greater than or equal to %(limit_value)s.") % {
                "limit_value": lowest
            }
    limit = values.get("monthly_deduction_limit")
    if isinstance(limit, Decimal) and limit <= 0:
        message = _("Ensure this value is greater than %(limit_value)s.")
        errors["monthly_deduction_limit"] = message % {"limit_value": 0}
    pairs = (
        ("ambassador_min", "best_min", False),
        ("style_min", "ambassador_min", False),
        ("training_below", "style_min", True),
    )
    for lower, upper, may_equal in pairs:
        low, high = values.get(lower), values.get(upper)
        if not isinstance(low, Decimal) or not isinstance(high, Decimal):
            continue
        if low > high or (low == high and not may_equal):
            message = (
                _("“%(lower)s” must not be above “%(upper)s”.")
                if may_equal
                else _("“%(lower)s” must be below “%(upper)s”.")
            )
            errors[lower] = message % {"lower": label[lower], "upper": label[upper]}
    return errors


@transaction.atomic
def rule_settings_update(
    *, quarter: Quarter, values: Mapping[str, object], updated_by: User
) -> RuleSettings:
    """The office changes an open quarter's rule settings; the quarter's log names the changes.

    A closed quarter keeps the settings it was computed with. Nothing changed
    writes nothing (no log entry).
    """
    if updated_by is None or not updated_by.is_office:
        raise PermissionDenied(_("Only the appraisal office changes the rule settings."))
    unknown = sorted(set(values) - set(RULE_SETTINGS_FIELDS))
    if unknown:
        raise ValidationError(_("Not a rule setting: %(names)s.") % {"names": ", ".join(unknown)})
    quarter = _quarter_lock(quarter)
    if quarter.is_locked:
        raise _wrong_state(
            quarter, _("a closed quarter keeps the rule settings it was computed with.")
        )
    settings = RuleSettings.objects.select_for_update().filter(quarter=quarter).first()
    if settings is None:
        settings = rule_settings_copy_defaults(quarter=quarter)
    changed: list[tuple[str, object]] = []
    for name in RULE_SETTINGS_FIELDS:
        if name not in values:
            continue
        field = RuleSettings._meta.get_field(name)
        try:
            new = field.clean(values[name], settings)
        except ValidationError as error:
            raise ValidationError({name: error.messages}) from error
        old = getattr(settings, name)
        if new != old:
            setattr(settings, name, new)
            changed.append((name, old))
    errors = rule_settings_errors({name: getattr(settings, name) for name in RULE_SETTINGS_FIELDS})
    if errors:
        raise ValidationError(errors)
    if not changed:
        return settings
    settings.updated_by = updated_by
    settings.full_clean()
    settings.save()
    _log(
        quarter=quarter,
        action=QuarterAction.SETTINGS,
        by=updated_by,
        reason=_("Changed: %(fields)s")
        % {
            "fields": "; ".join(
                f"{RuleSettings._meta.get_field(name).verbose_name}"
                f" {old} → {getattr(settings, name)}"
                for name, old in changed
            )
        },
    )
    return settings
