"""The table of quarter states: every action × every state, the services refusing
with the table's one message, and the quarter's page offering what the table allows."""

import datetime
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from appraisal import lifecycle
from appraisal.lifecycle import Action
from appraisal.models import ObjectionStatus, QuarterStatus
from appraisal.services import (
    department_submit,
    objection_record,
    objection_rule,
    quarter_approve,
    quarter_close,
    quarter_finalize,
    quarter_mark_paid,
    quarter_reopen,
    rule_settings_update,
)
from appraisal.tests.factories import ObjectionFactory, QuarterFactory
from employees.tests.factories import DepartmentFactory, EmployeeFactory, hr_user, office_user

OPEN, CLOSED, PUBLISHED, FINAL, PAID = (
    QuarterStatus.OPEN,
    QuarterStatus.CLOSED,
    QuarterStatus.PUBLISHED,
    QuarterStatus.FINAL,
    QuarterStatus.PAID,
)

# Written out again on purpose: changing the table means changing this too.
EXPECTED = {
    Action.CLOSE: {OPEN, CLOSED},
    Action.REOPEN: {CLOSED},
    Action.SUBMIT: {CLOSED},
    Action.APPROVE: {CLOSED},
    Action.OBJECT: {PUBLISHED},
    Action.FINALIZE: {PUBLISHED},
    Action.PAY: {FINAL},
    Action.SETTINGS: {OPEN},
}
EVERY = [(action, status) for action in Action for status in QuarterStatus]


def stand_in(status):
    return SimpleNamespace(
        code="2025Q3",
        status=status,
        get_status_display=lambda: QuarterStatus(status).label,
    )


def test_the_table_names_every_action():
    assert set(lifecycle.ALLOWED) == set(Action) == set(EXPECTED)


@pytest.mark.parametrize(("action", "status"), EVERY)
def test_each_action_is_allowed_in_exactly_its_states(action, status):
    assert lifecycle.allowed(action, status) is (status in EXPECTED[action])


@pytest.mark.parametrize(("action", "status"), EVERY)
def test_a_refusal_names_the_quarter_and_its_state_only_when_the_action_is_refused(action, status):
    quarter = stand_in(status)

    message = lifecycle.refusal_for(action, quarter)

    if status in EXPECTED[action]:
        assert message == ""
        lifecycle.assert_allowed(action, quarter)
    else:
        assert "2025Q3" in message
        assert str(QuarterStatus(status).label) in message
        with pytest.raises(ValidationError) as refused:
            lifecycle.assert_allowed(action, quarter)
        assert refused.value.messages == [message]
        assert lifecycle.is_refused(refused.value)


def test_each_action_has_its_own_refusal():
    messages = {
        lifecycle.refusal(action, quarter_code="2025Q3", status_label="x") for action in Action
    }

    assert len(messages) == len(Action)


def test_a_field_error_is_not_a_refusal():
    assert not lifecycle.is_refused(ValidationError({"reason": "Give a reason."}))
    assert not lifecycle.is_refused(ValidationError("Something else."))


# --- The services refuse with exactly the table's message --------------------------------


def _take(action, quarter, office):
    today = datetime.date(2025, 11, 11)
    if action == Action.CLOSE:
        quarter_close(quarter=quarter, closed_by=office, today=today)
    elif action == Action.REOPEN:
        quarter_reopen(quarter=quarter, reopened_by=office, reason="更正")
    elif action == Action.SUBMIT:
        department_submit(quarter=quarter, department=DepartmentFactory(), submitted_by=office)
    elif action == Action.APPROVE:
        quarter_approve(quarter=quarter, approved_by=office, today=today)
    elif action == Action.OBJECT:
        objection_record(
            quarter=quarter,
            employee=EmployeeFactory(),
            channel="hotline",
            text="不服",
            recorded_by=office,
        )
    elif action == Action.FINALIZE:
        quarter_finalize(quarter=quarter, today=today, finalized_by=office)
    elif action == Action.PAY:
        quarter_mark_paid(quarter=quarter, paid_by=office)
    else:
        rule_settings_update(quarter=quarter, values={}, updated_by=office)


REFUSED = [(action, status) for action, status in EVERY if status not in EXPECTED[action]]


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "status"), REFUSED)
def test_the_service_refuses_with_the_lifecycle_message(action, status):
    quarter = QuarterFactory(year=2025, number=3, status=status)

    with pytest.raises(ValidationError) as refused:
        _take(action, quarter, office_user())

    assert refused.value.messages == [lifecycle.refusal_for(Action(action), quarter)]
    quarter.refresh_from_db()
    assert quarter.status == status


@pytest.mark.django_db
@pytest.mark.parametrize("status", [s for s in QuarterStatus if s != PUBLISHED])
def test_ruling_on_an_objection_outside_the_notice_is_refused_with_the_lifecycle_message(status):
    quarter = QuarterFactory(year=2025, number=3, status=status)
    objection = ObjectionFactory(quarter=quarter)

    with pytest.raises(ValidationError) as refused:
        objection_rule(
            objection=objection,
            status=ObjectionStatus.DISMISSED,
            ruling="查无实据",
            ruled_by=office_user(),
        )

    assert refused.value.messages == [lifecycle.refusal_for(Action.OBJECT, quarter)]


# --- The quarter's page ------------------------------------------------------------------

# The page's buttons for the table's actions, and who may take each.
BUTTONS = {
    "close": (Action.CLOSE, "office"),
    "reopen": (Action.REOPEN, "office"),
    "approve": (Action.APPROVE, "office"),
    "finalize": (Action.FINALIZE, "office"),
    "paid": (Action.PAY, "hr"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("status", list(QuarterStatus))
@pytest.mark.parametrize("who", ["office", "hr"])
def test_the_quarter_page_shows_exactly_the_buttons_the_table_allows(client, status, who):
    QuarterFactory(year=2025, number=3, status=status)
    client.force_login(office_user() if who == "office" else hr_user())

    html = client.get(reverse("appraisal:quarter", args=["2025Q3"])).content.decode()

    for button, (action, role) in BUTTONS.items():
        offered = lifecycle.allowed(action, status) and (who == "office" or role == "hr")
        assert (f'data-action="{button}"' in html) is offered, button
