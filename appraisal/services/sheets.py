"""The daily sheets: who may write them, one sheet with its revision, full marks
for the rest of a department's day.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from appraisal.models import CategoryChoice, Criterion, DailySheet, SheetRevision
from appraisal.rules import CATEGORY_MAX, TENTH, Category, ScoreProblem, full_marks, score_problem
from appraisal.selectors.dates import entry_day_problem
from appraisal.services.quarters import quarter_assert_open_for
from employees.models import Department, Employee, User
from employees.permissions import may_score, may_score_leavers, may_spot_check


def sheet_assert_may_write(*, user: User, employee: Employee, is_spot_check: bool) -> None:
    """Refuse (PermissionDenied) unless `user` may write `employee`'s sheet.

    The office writes any employee's sheet, spot check or not; a department
    head writes the department sheets of the employees `visible_to` them (their
    own department's appraised employees) and never spot checks; nobody else
    writes sheets.
    """
    if not may_score(user):
        raise PermissionDenied(_("Only department heads and the appraisal office enter sheets."))
    if is_spot_check and not may_spot_check(user):
        raise PermissionDenied(_("Only the appraisal office records spot checks."))
    # Supervisors are never appraised; a head scores only active employees,
    # the office may still correct the sheets of someone who has left.
    writable = Employee.objects.visible_to(user).filter(is_supervisor=False)
    if not may_score_leavers(user):
        writable = writable.appraised()
    if not writable.filter(pk=employee.pk).exists():
        raise PermissionDenied(_("You may not enter sheets for this employee."))


def _assert_entry_day(day: datetime.date) -> None:
    # Checked before the quarter is looked up: a refused day creates no quarter.
    problem = entry_day_problem(day)
    if problem:
        raise ValidationError({"day": problem})


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
    keyed by field) a day of a closed quarter, a day before the company's start date or
    still to come, a score out
    of range or with more than one decimal, criteria items of the other
    department kind, and a change without a reason to a sheet first saved on an
    earlier day. Saving the values a sheet already has changes nothing and
    writes no revision.
    """
    sheet_assert_may_write(user=saved_by, employee=employee, is_spot_check=is_spot_check)
    _assert_entry_day(day)
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
    # above under the quarter's row lock, so skip their extra round trips; the
    # employee and the user are rows the caller loaded, so their existence is
    # not checked again either.
    sheet.full_clean(exclude=["employee", "entered_by"], validate_constraints=False)
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
    if not may_score(saved_by) or not (
        Department.objects.visible_to(saved_by).filter(pk=department.pk).exists()
    ):
        raise PermissionDenied(_("You may not enter sheets for this department."))
    _assert_entry_day(day)
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
