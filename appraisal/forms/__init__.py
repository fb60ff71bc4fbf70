"""Forms of the appraisal app: they validate input; the services write.

One module per page area, as in appraisal.views; the names are re-exported so
`from appraisal.forms import X` keeps working.
"""

from appraisal.forms.common import IdListField, ServiceErrorsMixin
from appraisal.forms.events import (
    EventEntryForm,
    EventLedgerQueryForm,
    EventReruleForm,
    EventRuleForm,
    RowErrorsMixin,
)
from appraisal.forms.grid import FillFullMarksForm, GridQueryForm, MonthQueryForm, SheetRowForm
from appraisal.forms.quarters import (
    DepartmentSubmitForm,
    ObjectionRecordForm,
    ObjectionRuleForm,
    QuarterApproveForm,
    QuarterCloseForm,
    QuarterConfirmForm,
    QuarterReasonForm,
    WorkbenchDepartmentForm,
)
from appraisal.forms.settings import CompanyStartDateForm, RuleSettingsForm

__all__ = [
    "CompanyStartDateForm",
    "DepartmentSubmitForm",
    "EventEntryForm",
    "EventLedgerQueryForm",
    "EventReruleForm",
    "EventRuleForm",
    "FillFullMarksForm",
    "GridQueryForm",
    "IdListField",
    "MonthQueryForm",
    "ObjectionRecordForm",
    "ObjectionRuleForm",
    "QuarterApproveForm",
    "QuarterCloseForm",
    "QuarterConfirmForm",
    "QuarterReasonForm",
    "RowErrorsMixin",
    "RuleSettingsForm",
    "ServiceErrorsMixin",
    "SheetRowForm",
    "WorkbenchDepartmentForm",
]
