"""The appraisal app's models, by area; every public name is re-exported here.

Django finds the models of a package through this module, so each model
module must be imported below.
"""

from appraisal.models.events import (
    Event,
    EventKind,
    EventQuerySet,
    EventRuling,
    EventSource,
    EventValidity,
)
from appraisal.models.quarters import (
    LOCKED_STATUSES,
    ZERO,
    CompanySettings,
    Quarter,
    QuarterAction,
    QuarterLog,
    QuarterQuerySet,
    QuarterStatus,
    RuleSettings,
)
from appraisal.models.results import (
    Approval,
    AwardTier,
    DepartmentReview,
    Objection,
    ObjectionChannel,
    ObjectionStatus,
    QuarterResult,
    QuarterResultQuerySet,
    ReviewStatus,
)
from appraisal.models.sheets import (
    SHEET_TOTAL,
    CategoryChoice,
    Criterion,
    DailySheet,
    DailySheetQuerySet,
    SheetRevision,
)
from appraisal.models.year import (
    ServiceStar,
    StarStatus,
    Year,
    YearAction,
    YearLog,
)

__all__ = [
    "LOCKED_STATUSES",
    "SHEET_TOTAL",
    "ZERO",
    "Approval",
    "AwardTier",
    "CategoryChoice",
    "CompanySettings",
    "Criterion",
    "DailySheet",
    "DailySheetQuerySet",
    "DepartmentReview",
    "Event",
    "EventKind",
    "EventQuerySet",
    "EventRuling",
    "EventSource",
    "EventValidity",
    "Objection",
    "ObjectionChannel",
    "ObjectionStatus",
    "Quarter",
    "QuarterAction",
    "QuarterLog",
    "QuarterQuerySet",
    "QuarterResult",
    "QuarterResultQuerySet",
    "QuarterStatus",
    "ReviewStatus",
    "RuleSettings",
    "ServiceStar",
    "SheetRevision",
    "StarStatus",
    "Year",
    "YearAction",
    "YearLog",
]
