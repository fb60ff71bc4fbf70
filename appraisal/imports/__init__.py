"""Imports of the appraisal app: daily sheets and events from Excel (interfaces.md).

Both are one transaction and all or nothing: every row is checked first, every
bad row is reported (ImportRejected), and only a clean file is written. The
writes are bulk statements, because the office imports a quarter of sheets for
the whole company (tens of thousands of rows) at once; the page and the
commands call the same functions.

The shared row checks are in `common`, each import in its own module; the
public names are re-exported here.
"""

from appraisal.imports.common import BATCH, LOOKUP_BATCH
from appraisal.imports.events import (
    AMOUNT_MAX,
    EVENT_HEADERS,
    EVENT_KIND_BY_TEXT,
    EVENT_KIND_NAMES,
    EVENT_NOTE_MAX,
    PENDING_NAMES,
    POINTS_MAX,
    events_import,
)
from appraisal.imports.sheets import (
    CATEGORY_HEADERS,
    SHEET_HEADERS,
    SHEET_NOTE_MAX,
    SHEET_REQUIRED,
    sheets_import,
)

__all__ = [
    "AMOUNT_MAX",
    "BATCH",
    "CATEGORY_HEADERS",
    "EVENT_HEADERS",
    "EVENT_KIND_BY_TEXT",
    "EVENT_KIND_NAMES",
    "EVENT_NOTE_MAX",
    "LOOKUP_BATCH",
    "PENDING_NAMES",
    "POINTS_MAX",
    "SHEET_HEADERS",
    "SHEET_NOTE_MAX",
    "SHEET_REQUIRED",
    "events_import",
    "sheets_import",
]
