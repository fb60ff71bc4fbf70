"""The quarter's states and which action each allows (rules.md sections 5 and 6).

One table says in which states of a quarter each action may be taken, and one
sentence per action says why not. The services assert against it under the
quarter's row lock, the quarter's page derives its buttons from it and the
confirmation pages show its refusal; nothing else compares a quarter's status
with a list of states to decide what may happen.

Pure: no ORM. A quarter is anything with a `code`, a `status` and a
`get_status_display()` (a `Quarter` row, or a stand-in in a test).

A year-end *archive* (from paid) is planned; it joins `Action` and `ALLOWED`
together with the state it leads to and the service that takes it, so that the
table never lists an action nothing can take.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Protocol

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from appraisal.models import QuarterStatus

# The `code` of the ValidationError a refused action raises: a view shows it as a
# message and goes back, rather than as an error of the form it was posted with.
REFUSED = "quarter_state"


class Action(StrEnum):
    CLOSE = "close"  # compute the results and lock the days; again to recompute
    REOPEN = "reopen"
    SUBMIT = "submit"  # a department submits its list
    APPROVE = "approve"  # the office approves and publishes: the public notice starts
    OBJECT = "object"  # record an objection or rule on one
    FINALIZE = "finalize"
    PAY = "pay"
    SETTINGS = "settings"  # change the quarter's rule settings


ALLOWED: Mapping[Action, frozenset[str]] = {
    Action.CLOSE: frozenset({QuarterStatus.OPEN, QuarterStatus.CLOSED}),
    Action.REOPEN: frozenset({QuarterStatus.CLOSED}),
    Action.SUBMIT: frozenset({QuarterStatus.CLOSED}),
    Action.APPROVE: frozenset({QuarterStatus.CLOSED}),
    Action.OBJECT: frozenset({QuarterStatus.PUBLISHED}),
    Action.FINALIZE: frozenset({QuarterStatus.PUBLISHED}),
    Action.PAY: frozenset({QuarterStatus.FINAL}),
    Action.SETTINGS: frozenset({QuarterStatus.OPEN}),
}

# Each takes %(quarter)s and %(status)s; gettext runs when the message is made.
_REFUSALS: Mapping[Action, Callable[[], str]] = {
    Action.CLOSE: lambda: _("Quarter %(quarter)s is %(status)s: it can no longer be closed again."),
    Action.REOPEN: lambda: _(
        "Quarter %(quarter)s is %(status)s: only a closed quarter that is not yet "
        "approved can be reopened."
    ),
    Action.SUBMIT: lambda: _(
        "Quarter %(quarter)s is %(status)s: a list is submitted after the close and "
        "before approval."
    ),
    Action.APPROVE: lambda: _(
        "Quarter %(quarter)s is %(status)s: only a closed quarter can be approved."
    ),
    Action.OBJECT: lambda: _(
        "Quarter %(quarter)s is %(status)s: objections are recorded and ruled on during "
        "the public notice."
    ),
    Action.FINALIZE: lambda: _(
        "Quarter %(quarter)s is %(status)s: only a quarter in its public notice can become final."
    ),
    Action.PAY: lambda: _(
        "Quarter %(quarter)s is %(status)s: only a final quarter can be marked paid."
    ),
    Action.SETTINGS: lambda: _(
        "Quarter %(quarter)s is %(status)s: it keeps the rule settings its results "
        "were computed with."
    ),
}


class QuarterLike(Protocol):
    code: str
    status: str

    def get_status_display(self) -> str: ...


def allowed(action: Action, status: str) -> bool:
    """Whether `action` may be taken on a quarter in `status`."""
    return status in ALLOWED[action]


def refusal(action: Action, *, quarter_code: str, status_label: str) -> str:
    """The one sentence that says `action` is not allowed in the quarter's state."""
    return _REFUSALS[action]() % {"quarter": quarter_code, "status": status_label}


def refusal_for(action: Action, quarter: QuarterLike) -> str:
    """Why `action` cannot be taken on `quarter` now, or "" when it can."""
    if allowed(action, quarter.status):
        return ""
    return refusal(action, quarter_code=quarter.code, status_label=quarter.get_status_display())


def assert_allowed(action: Action, quarter: QuarterLike) -> None:
    """Refuse `action` (ValidationError, code `REFUSED`) unless `quarter`'s state allows it."""
    message = refusal_for(action, quarter)
    if message:
        raise ValidationError(message, code=REFUSED)


def is_refused(error: ValidationError) -> bool:
    """Whether `error` is a refusal: the action does not fit the state of what it acts on."""
    return not hasattr(error, "error_dict") and any(
        getattr(item, "code", None) == REFUSED for item in error.error_list
    )
