"""Writes for the appraisal app. Every function is one transaction.

One module per area; import from here (`from appraisal.services import quarter_close`)
or from the module. Private helpers are imported from the module that defines them.
"""

from appraisal.services.close import CloseReport, quarter_close
from appraisal.services.events import (
    HEAD_EVENT_KINDS,
    event_enter,
    event_queue_rule,
    event_receive_feedback,
    event_record,
    event_rerule,
    event_rule,
    needs_confirmation,
)
from appraisal.services.quarters import (
    FinalizeRun,
    finalize_due_quarters,
    quarter_assert_open_for,
    quarter_ensure,
    quarter_finalize,
    quarter_locked_reason,
    quarter_mark_paid,
    quarter_reopen,
    rule_settings_copy_defaults,
)
from appraisal.services.review import (
    department_submit,
    objection_record,
    objection_rule,
    quarter_approve,
)
from appraisal.services.settings import (
    RULE_SETTINGS_FIELDS,
    company_start_date_set,
    rule_settings_errors,
    rule_settings_update,
)
from appraisal.services.sheets import sheet_assert_may_write, sheet_save, sheets_fill_full_marks

__all__ = [
    "HEAD_EVENT_KINDS",
    "RULE_SETTINGS_FIELDS",
    "CloseReport",
    "FinalizeRun",
    "company_start_date_set",
    "department_submit",
    "event_enter",
    "event_queue_rule",
    "event_receive_feedback",
    "event_record",
    "event_rerule",
    "event_rule",
    "finalize_due_quarters",
    "needs_confirmation",
    "objection_record",
    "objection_rule",
    "quarter_approve",
    "quarter_assert_open_for",
    "quarter_close",
    "quarter_ensure",
    "quarter_finalize",
    "quarter_locked_reason",
    "quarter_mark_paid",
    "quarter_reopen",
    "rule_settings_copy_defaults",
    "rule_settings_errors",
    "rule_settings_update",
    "sheet_assert_may_write",
    "sheet_save",
    "sheets_fill_full_marks",
]
